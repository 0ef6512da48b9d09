"""The real app in a real pseudo-terminal, read back through a terminal emulator (pyte).

The test keeps the terminal's slave side open, so it can read the terminal's attributes
(echo, canonical mode, output processing) at any moment, as the user's shell would find them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyte

# tests/ has no __init__.py: pytest (prepend mode) puts tests/ on sys.path and imports tests/ui
# and tests/ssm as the packages ``ui`` and ``ssm``, and mypy resolves them alike.
from ssm.ssm_support import processes_with_session as processes_with_session  # re-exported

ROWS, COLUMNS = 40, 140


class PtyApp:
    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.baseline = termios.tcgetattr(self.slave)
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self._stream = pyte.ByteStream(self.screen)
        self._lock = threading.Lock()
        self.transcript = bytearray()
        self.process = subprocess.Popen(
            list(argv),
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            env={**env, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)},
            start_new_session=True,
            preexec_fn=_take_terminal,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.transcript += data
                self._stream.feed(data)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.screen.display)

    def output_since(self, mark: int) -> str:
        with self._lock:
            return self.transcript[mark:].decode(errors="replace")

    def mark(self) -> int:
        with self._lock:
            return len(self.transcript)

    def wait_for(self, condition: Callable[[], object], what: str, timeout: float = 30) -> None:
        """Poll the screen until ``condition()`` holds (a condition, never a blind sleep)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None and not condition():
                raise AssertionError(f"the app exited ({self.process.returncode}) before {what}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{self.text()}")
            time.sleep(0.05)

    def wait_text(self, needle: str, timeout: float = 30) -> None:
        self.wait_for(lambda: needle in self.text(), repr(needle), timeout)

    def wait_output(self, needle: str, since: int = 0, timeout: float = 30) -> None:
        self.wait_for(lambda: needle in self.output_since(since), repr(needle), timeout)

    def send(self, keys: str | bytes) -> None:
        os.write(self.master, keys.encode() if isinstance(keys, str) else keys)

    def attrs(self) -> list[Any]:
        return termios.tcgetattr(self.slave)

    def line_with(self, needle: str) -> int:
        with self._lock:
            for number, line in enumerate(self.screen.display):
                if needle in line:
                    return number
        raise AssertionError(f"{needle!r} is not on the screen:\n{self.text()}")

    def background(self, row: int, column: int) -> str:
        with self._lock:
            return str(self.screen.buffer[row][column].bg)

    def wait_exit(self, timeout: float = 30) -> int:
        return self.process.wait(timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        for fd in (self.slave, self.master):
            with contextlib.suppress(OSError):
                os.close(fd)


def _take_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def sagedeck_argv(endpoint_url: str) -> list[str]:
    return [sys.executable, "-m", "sagedeck", "--endpoint-url", endpoint_url, "--region",
            "us-east-1"]  # fmt: skip


def lflags(attrs: list[Any]) -> dict[str, bool]:
    return {
        "echo": bool(attrs[3] & termios.ECHO),
        "icanon": bool(attrs[3] & termios.ICANON),
        "isig": bool(attrs[3] & termios.ISIG),
        "opost": bool(attrs[1] & termios.OPOST),
    }


def active_sessions(ssm_client: Any) -> list[str]:
    sessions = ssm_client.describe_sessions(State="Active")["Sessions"]
    return [str(s["SessionId"]) for s in sessions]
