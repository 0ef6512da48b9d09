"""The shell sessions under way, process-wide, and how to end them without an event loop.

A shell is listed from StartSession until its plugin has been collected and its session
terminated. What the orderly path did not finish (the app closing cancels the wait for the
plugin; the AWS clients may close before TerminateSession is answered) is finished by
:func:`end_shells_blocking`: at exit (``atexit``), or in the exit deadline's last rites when
the orderly exit is stuck (``cli.end_sessions_now``). Never imports textual.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sagedeck.aws.session import AwsTarget
from sagedeck.aws.ssm import StartedSession, terminate_sessions_blocking

HANG_UP_GRACE = 2.0  # seconds for a plugin to go after SIGHUP, before SIGKILL


@dataclass(eq=False)
class LiveShell:
    """One shell session, and its plugin while it may run."""

    target: AwsTarget
    session: StartedSession
    plugin_pid: int | None = None  # cleared once the plugin's exit has been collected
    session_ended: bool = False  # AWS confirmed TerminateSession


# Every shell not yet ended (one at most, in practice).
_LIVE: set[LiveShell] = set()
_LIVE_LOCK = threading.Lock()


def listed(shell: LiveShell) -> LiveShell:
    with _LIVE_LOCK:
        _LIVE.add(shell)
    return shell


def forget_if_ended(shell: LiveShell) -> None:
    """Unlist ``shell`` once its plugin is collected and its session terminated; otherwise
    it stays listed for :func:`end_shells_blocking`."""
    if shell.plugin_pid is None and shell.session_ended:
        with _LIVE_LOCK:
            _LIVE.discard(shell)


def live_shells() -> list[LiveShell]:
    with _LIVE_LOCK:
        return list(_LIVE)


def end_shells_blocking() -> list[str]:
    """End every listed shell without the event loop: hang up its plugin, then
    TerminateSession. Returns the session ids AWS did not confirm as terminated.

    Each shell stays listed until it is ended, so the last rites, should they start
    meanwhile, still find it."""
    shells = live_shells()
    for shell in shells:
        if shell.plugin_pid is not None:
            hang_up(shell.plugin_pid)
    open_sessions = [s for s in shells if not s.session_ended]
    failed = terminate_blocking((s.target, s.session) for s in open_sessions)
    with _LIVE_LOCK:
        _LIVE.difference_update(shells)
    return failed


def terminate_blocking(sessions: Iterable[tuple[AwsTarget, StartedSession]]) -> list[str]:
    """TerminateSession for each, without the event loop, one client per target. Returns the
    session ids AWS did not confirm as terminated."""
    by_target: dict[AwsTarget, list[tuple[str, str]]] = {}
    for target, session in sessions:
        by_target.setdefault(target, []).append((session.region, session.session_id))
    failed: list[str] = []
    for target, ids in by_target.items():
        failed += terminate_sessions_blocking(target, ids)
    return failed


def hang_up(pid: int) -> None:
    """End a plugin as a terminal that goes away does, with SIGHUP (the demo plugin passes it
    on to its shell), and with SIGKILL if it is still there after :data:`HANG_UP_GRACE`.
    Blocking; its exit is left for asyncio to collect."""
    if not running(pid):
        return
    _signal(pid, signal.SIGHUP)
    deadline = time.monotonic() + HANG_UP_GRACE
    while running(pid):
        if time.monotonic() >= deadline:
            _signal(pid, signal.SIGKILL)
            return
        time.sleep(0.05)


def running(pid: int) -> bool:
    """True while ``pid`` is a child of this process that has not exited.

    Asked without collecting the exit (``WNOWAIT``): asyncio collects it. Once collected, the
    number is no longer ours (another process may get it), and this says False. Where
    ``os.waitid`` is missing (macOS before Python 3.13) ``kill(pid, 0)`` stands in."""
    waitid = getattr(os, "waitid", None)
    try:
        if waitid is not None:
            return waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        os.kill(pid, 0)
    except (ChildProcessError, ProcessLookupError, PermissionError):
        return False
    return True


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


atexit.register(end_shells_blocking)
