"""The terminal as an output that survives the terminal going away.

A closed terminal tab or a dropped SSH connection hangs the terminal up: from then on every
write to it fails (EIO; EPIPE when output is a pipe whose reader left). Textual's writer
thread does not catch that: it died on the first failed write, its queue of 30 screens filled,
and the event loop waited for room in it for good, deaf to every signal (issue 12, item 10).

:class:`TerminalOutput` stands between the writer and the terminal: a write that fails because
the terminal is gone is dropped, and so is every later one; the process's own output is
pointed at ``/dev/null`` (its final flush would fail again and turn the exit status into 120);
and ``on_gone`` is called once, so that sagedeck exits as if the terminal had sent SIGHUP.

:class:`TerminalGuard` and :func:`user_signals_ignored` are the hand-over of the terminal to a
remote shell (the SSM plugin, a Jupyter terminal) and its return intact.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import termios
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any, TextIO

# The terminal is gone, not busy: hung up (EIO, ENXIO, ENODEV), a pipe with no reader (EPIPE),
# a descriptor closed under us (EBADF). Anything else loses one write; the next screen repaints.
GONE = frozenset({errno.EIO, errno.EPIPE, errno.ENXIO, errno.ENODEV, errno.EBADF})


class TerminalOutput:
    """A text stream to the terminal whose failures never reach the writer."""

    def __init__(self, file: TextIO, on_gone: Callable[[], None]) -> None:
        self._file = file
        self._on_gone = on_gone
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                self._file.write(text)
            except (OSError, ValueError) as err:  # ValueError: the file was closed
                self._failed(err)
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._file.flush()
            except (OSError, ValueError) as err:
                self._failed(err)

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return not self.gone and self._file.isatty()

    def _failed(self, err: Exception) -> None:
        if isinstance(err, OSError) and err.errno not in GONE:
            return
        self.gone = True
        with contextlib.suppress(OSError, ValueError):
            silence_outputs_like(self._file.fileno())
        self._on_gone()


def silence_outputs_like(fd: int) -> None:
    """Point stdout and stderr at ``/dev/null`` where they are the same file as ``fd``."""
    gone = os.fstat(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for output in (1, 2):
            with contextlib.suppress(OSError):
                same = os.fstat(output)
                if (same.st_dev, same.st_ino) == (gone.st_dev, gone.st_ino):
                    os.dup2(devnull, output)
    finally:
        os.close(devnull)


# SGR reset, cursor shown, normal cursor keys and keypad: what a remote full-screen program
# killed mid-session (vim, htop) may leave switched.
_RESET_SEQUENCE = "\x1b[0m\x1b[?25h\x1b[?1l\x1b>"
# The keys that make the terminal signal its foreground process group: while a remote
# shell runs they belong to it (the AWS CLI ignores the same ones in its own process).
_USER_SIGNALS = (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP)


class TerminalGuard:
    """Saves the terminal's attributes on entry and puts them back on exit.

    When they cannot be put back (or could not be read on a terminal), ``stty sane`` is the
    fallback. Output-side modes a remote program may leave on are reset too.
    """

    def __init__(self, stream: IO[str] | None = None, out: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.__stdin__
        self.out = out if out is not None else sys.__stdout__
        self.saved: list[Any] | None = None
        self.fd: int | None = None
        self.foreground: int | None = None
        self.used_fallback = False

    def __enter__(self) -> TerminalGuard:
        try:
            if self.stream is not None and self.stream.isatty():
                self.fd = self.stream.fileno()
                self.saved = termios.tcgetattr(self.fd)
        except (termios.error, OSError, ValueError):
            self.saved = None
        if self.fd is not None:
            with contextlib.suppress(OSError):  # only our controlling terminal has one
                self.foreground = os.tcgetpgrp(self.fd)
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()

    def restore(self) -> None:
        if self.fd is None:
            return
        self._reclaim_foreground(self.fd)
        restored = False
        if self.saved is not None:
            try:
                termios.tcsetattr(self.fd, termios.TCSANOW, self.saved)
                restored = True
            except (termios.error, OSError):
                restored = False
        if not restored:
            self.used_fallback = True
            stty_sane(self.fd)
        with contextlib.suppress(OSError, ValueError):
            if self.out is not None and self.out.isatty():
                self.out.write(_RESET_SEQUENCE)
                self.out.flush()

    def _reclaim_foreground(self, fd: int) -> None:
        """A shell with job control that died without handing the terminal back leaves a
        dead process group in the foreground; sagedeck would then be stopped (SIGTTOU) by
        its next write to the terminal's settings."""
        if self.foreground is None:
            return
        with contextlib.suppress(OSError):
            if os.tcgetpgrp(fd) == self.foreground:
                return
            if threading.current_thread() is threading.main_thread():
                previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
                try:
                    os.tcsetpgrp(fd, self.foreground)
                finally:
                    signal.signal(signal.SIGTTOU, previous)


def stty_sane(fd: int) -> bool:
    """``stty sane`` on the terminal at ``fd``: the fallback when termios cannot restore."""
    try:
        done = subprocess.run(["stty", "sane"], stdin=fd, check=False, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@contextlib.contextmanager
def user_signals_ignored() -> Iterator[None]:
    """Ctrl-C, Ctrl-\\ and Ctrl-Z go to the remote shell, not to sagedeck (only the main thread can
    change signal dispositions; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in _USER_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
