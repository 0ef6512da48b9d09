"""Exit signals and shutdown, owned here once for the app and the commands alike.

- :func:`install_exit_signals` turns SIGTERM and SIGHUP (and, for the dashboard, SIGINT) into
  an orderly exit on the event loop: by default the process would just die, leaving the
  terminal unrestored and port forwards and SSM sessions open;
- :func:`request_exit` is the same request from elsewhere: the terminal writer calls it when
  the terminal has gone away (a closed tab hangs it up: writes fail with EIO);
- :func:`arm_exit_deadline` bounds the orderly exit: from the first request a watchdog
  thread counts a few seconds and then, if the process is still there, runs the last rites
  (synchronous: kill the plugins of port forwards and shells, TerminateSession) and leaves with
  ``os._exit(128 + signum)``. The orderly exit can hang where nothing in Python can help it
  (a terminal that takes no more output, an event loop blocked on it: Textual's writer
  thread used to die on EIO and leave the loop waiting on its full queue for good);
- :class:`CloseHooks` holds what must be closed on the orderly way out (the port forwards)
  and runs each hook once, however many places registered it;
- what still runs without an event loop (``sys.exit``, an uncaught exception) is ``atexit``'s,
  registered by the code that owns the resource (``ssm.port_forwards``).

The handlers are plain ``signal.signal`` handlers, not the event loop's: those run only when
the loop gets round to them, which a stuck loop never does. Only SIGKILL escapes all of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any

CloseHook = Callable[[], Awaitable[None]]
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 5.0  # for the orderly exit, before the watchdog ends the process


class CloseHooks:
    """Async close hooks, run in the order added, each once: a hook added twice (the same
    bound method, say) runs once, and a second :meth:`run` runs only hooks added since."""

    def __init__(self) -> None:
        self._hooks: list[CloseHook] = []

    def add(self, hook: CloseHook) -> None:
        if hook not in self._hooks:
            self._hooks.append(hook)

    async def run(self, on_error: Callable[[Exception], None]) -> None:
        """Run every hook; one that fails is handed to ``on_error`` and the others still run."""
        hooks, self._hooks = self._hooks, []
        for hook in hooks:
            try:
                await hook()
            except Exception as err:
                on_error(err)


class _ExitState:
    """Who hears an exit request, and the deadline after it. One per process: signals are."""

    def __init__(self) -> None:
        # Re-entrant: a signal handler may interrupt the main thread while it holds the lock.
        self.lock = threading.RLock()
        self.on_signal: Callable[[int], None] | None = None
        self.loop: weakref.ref[asyncio.AbstractEventLoop] | None = None
        self.previous: dict[int, Any] = {}  # the handlers ours replaced
        self.pending: int | None = None  # a request that came before anyone could hear it
        self.keeping = False  # requests are kept for an on_signal still to come
        self.first: int | None = None  # the first request's signal: the exit status's
        self.asked = threading.Event()  # set by the first request
        self.watchdog: threading.Thread | None = None


_STATE = _ExitState()


def install_exit_signals(
    on_signal: Callable[[int], None] | None = None,
    signals: tuple[signal.Signals, ...] = EXIT_SIGNALS,
) -> None:
    """Make ``signals`` (and :func:`request_exit`) call ``on_signal(signum)`` on the running
    event loop: the app passes its ``exit``, the ``forward`` command its stop event.

    Without ``on_signal`` the handlers are only put in place, and a request is kept until an
    ``on_signal`` comes (a terminal closed while the app starts). A later call replaces
    ``on_signal``. Off the main thread only ``on_signal`` changes (Python lets only the main
    thread set handlers).
    """
    with _STATE.lock:
        if on_signal is None:
            _STATE.keeping = True
        else:
            _STATE.on_signal = on_signal
            with contextlib.suppress(RuntimeError):  # no running loop: none to call on
                _STATE.loop = weakref.ref(asyncio.get_running_loop())
        if threading.current_thread() is threading.main_thread():
            for sig in signals:
                if sig not in _STATE.previous:
                    _STATE.previous[sig] = signal.signal(sig, _on_exit_signal)
        pending = _STATE.pending
        if pending is not None and _deliver(pending):
            _STATE.pending = None


def uninstall_exit_signals() -> None:
    """Put back the handlers :func:`install_exit_signals` replaced, and forget ``on_signal``
    (tests; an app run in-process that has ended)."""
    with _STATE.lock:
        if threading.current_thread() is threading.main_thread():
            for sig, handler in _STATE.previous.items():
                signal.signal(sig, handler)
            _STATE.previous.clear()
        _STATE.on_signal, _STATE.loop, _STATE.pending = None, None, None
        _STATE.keeping = False
        if _STATE.watchdog is None:  # no deadline counts from the request: forget it
            _STATE.first = None
            _STATE.asked.clear()


def arm_exit_deadline(last_rites: Callable[[], object], grace: float = GRACE_SECONDS) -> None:
    """From now on, ``grace`` seconds after the first exit request, the watchdog runs
    ``last_rites()`` and ends the process, whether or not the orderly exit is done.

    For the real process only (the CLI), never a test's: the watchdog calls ``os._exit``.
    The watchdog thread starts now and waits: a signal handler that started a thread could
    deadlock on the lock the interrupted main thread held to start another.
    """
    with _STATE.lock:
        if _STATE.watchdog is None:
            _STATE.watchdog = threading.Thread(
                target=_watch, args=(grace, last_rites), name="sagedeck-exit-deadline", daemon=True
            )
            _STATE.watchdog.start()


def request_exit(signum: int) -> None:
    """Ask for the exit an exit signal asks for. Safe from any thread and from a signal
    handler; asking again changes nothing but calls ``on_signal`` again."""
    with _STATE.lock:
        if _STATE.first is None:
            _STATE.first = signum
            _STATE.asked.set()
        if not _deliver(signum) and _STATE.pending is None:
            _STATE.pending = signum


def _deliver(signum: int) -> bool:
    """Schedule ``on_signal(signum)`` on its loop; False when there is none to hear it."""
    loop = _live_loop()
    if _STATE.on_signal is None or loop is None:
        return False
    try:
        loop.call_soon_threadsafe(_STATE.on_signal, signum)
    except RuntimeError:  # closed meanwhile: the process is on its way out
        return False
    return True


def _on_exit_signal(signum: int, frame: FrameType | None) -> None:
    with _STATE.lock:
        heard = _STATE.watchdog is not None or _STATE.keeping or _live_loop() is not None
        previous = _STATE.previous.get(signum, signal.SIG_DFL)
    if heard:
        request_exit(signum)
    else:  # nothing of ours is listening (a test's app has ended): as if never installed
        _as_before(signum, previous, frame)


def _live_loop() -> asyncio.AbstractEventLoop | None:
    loop = _STATE.loop() if _STATE.loop is not None else None
    return loop if loop is not None and not loop.is_closed() else None


def _as_before(signum: int, previous: Any, frame: FrameType | None) -> None:
    if callable(previous):
        previous(signum, frame)
    elif previous != signal.SIG_IGN:  # SIG_DFL, or None (set outside Python): the default
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def _watch(grace: float, last_rites: Callable[[], object]) -> None:
    _STATE.asked.wait()
    time.sleep(grace)
    try:
        last_rites()
    finally:
        os._exit(128 + (_STATE.first or signal.SIGTERM))
