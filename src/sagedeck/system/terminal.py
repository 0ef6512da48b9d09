"""The terminal as an output that survives the terminal going away.

A closed terminal tab or a dropped SSH connection hangs the terminal up: from then on every
write to it fails (EIO; EPIPE when output is a pipe whose reader left). Textual's writer
thread does not catch that: it died on the first failed write, its queue of 30 screens filled,
and the event loop waited for room in it for good, deaf to every signal (issue 12, item 10).

:class:`TerminalOutput` stands between the writer and the terminal: a write that fails because
the terminal is gone is dropped, and so is every later one; the process's own output is
pointed at ``/dev/null`` (its final flush would fail again and turn the exit status into 120);
and ``on_gone`` is called once, so that sagedeck exits as if the terminal had sent SIGHUP.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable
from typing import TextIO

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
