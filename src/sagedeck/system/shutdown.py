"""Exit signals and shutdown, owned here once for the app and the commands alike.

- :func:`install_exit_signals` turns SIGTERM and SIGHUP into an orderly exit (by default
  the process would just die: no terminal restored, port forwards and SSM sessions left open);
- :class:`CloseHooks` holds what must be closed on the way out (the port forwards) and runs
  each hook once, however many places registered it;
- what still runs without an event loop (``sys.exit``, an uncaught exception) is ``atexit``'s,
  registered by the code that owns the resource (``ssm.port_forwards``).

Only SIGKILL escapes all three.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import weakref
from collections.abc import Awaitable, Callable

CloseHook = Callable[[], Awaitable[None]]


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


_ON_SIGNAL: Callable[[int], None] | None = None
_SIGNAL_LOOP: weakref.ref[asyncio.AbstractEventLoop] | None = None


def install_exit_signals(on_signal: Callable[[int], None]) -> None:
    """Make SIGTERM and SIGHUP call ``on_signal(signum)`` on the running event loop (the app
    passes its ``exit``, the ``forward`` command its stop event).

    Without a loop (or off the main thread) nothing is installed: ``atexit`` still covers
    normal exits. Installed once per loop; a later call replaces ``on_signal``.
    """
    global _ON_SIGNAL, _SIGNAL_LOOP
    _ON_SIGNAL = on_signal
    if threading.current_thread() is not threading.main_thread():
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    if _SIGNAL_LOOP is not None and _SIGNAL_LOOP() is loop:
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, _on_exit_signal, int(sig))
    _SIGNAL_LOOP = weakref.ref(loop)


def _on_exit_signal(signum: int) -> None:
    if _ON_SIGNAL is not None:
        _ON_SIGNAL(signum)
