"""A real pseudo-terminal for the dashboard benchmarks: the app draws into it, pyte reads it.

One thread drains the terminal as fast as the app writes and stamps each chunk with the time
it was read; another feeds the chunks to pyte one by one and judges the waiting conditions
after each. A condition is met at the read time of the chunk that made it true, so pyte's own
(pure Python) parsing time is not counted against the app, and the app never blocks on a full
terminal buffer, since reading never waits on parsing.
"""

from __future__ import annotations

import fcntl
import os
import pty
import queue
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import pyte

Predicate = Callable[[list[str]], bool]


@dataclass
class _Waiter:
    condition: Predicate
    met_at: float | None = None


class Terminal:
    """``command`` running in a pty of ``size`` (columns, rows)."""

    def __init__(
        self,
        command: Sequence[str],
        env: dict[str, str],
        size: tuple[int, int] = (200, 50),
    ) -> None:
        columns, rows = size
        self.screen = pyte.Screen(columns, rows)
        self._stream = pyte.ByteStream(self.screen)
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self._master = master
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            list(command),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)},
            start_new_session=True,
        )
        os.close(slave)
        self.bytes_read = 0
        self._chunks: queue.SimpleQueue[tuple[float, bytes] | None] = queue.SimpleQueue()
        self._changed = threading.Condition()
        self._waiters: list[_Waiter] = []
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._parser = threading.Thread(target=self._parse, daemon=True)
        self._reader.start()
        self._parser.start()

    # --- the two threads ---------------------------------------------------------------------

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self._master], [], [], 0.5)
                if not ready:
                    if self._closed:
                        break
                    continue
                data = os.read(self._master, 1 << 16)
            except OSError:
                break
            if not data:
                break
            self.bytes_read += len(data)
            self._chunks.put((time.perf_counter(), data))
        self._chunks.put(None)

    def _parse(self) -> None:
        """Feed chunk by chunk, and judge the waiting conditions after each: a condition is
        met at the read time of the very chunk that made it true, however far behind the
        parser runs."""
        while True:
            item = self._chunks.get()
            if item is None:
                break
            at, data = item
            with self._changed:
                self._stream.feed(data)
                if self._waiters:
                    lines = list(self.screen.display)
                    for waiter in self._waiters:
                        if waiter.met_at is None and waiter.condition(lines):
                            waiter.met_at = at
                self._changed.notify_all()

    # --- what the benchmarks use -------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[pyte.Screen]:
        """The screen, with the parser held off (for attributes as well as text)."""
        with self._changed:
            yield self.screen

    def lines(self) -> list[str]:
        with self._changed:
            return list(self.screen.display)

    def wait_for(self, condition: Predicate, timeout: float = 60.0) -> float:
        """Wait until ``condition(screen lines)``; the read time of the chunk that made it so
        (``time.perf_counter`` seconds), or now if it already holds."""
        deadline = time.monotonic() + timeout
        waiter = _Waiter(condition)
        with self._changed:
            if condition(list(self.screen.display)):
                return time.perf_counter()
            self._waiters.append(waiter)
            try:
                while waiter.met_at is None:
                    left = deadline - time.monotonic()
                    if left <= 0 or self.process.poll() is not None:
                        screen = "\n".join(self.screen.display)
                        code = self.process.poll()
                        raise TimeoutError(
                            f"screen condition not met (exit code {code}):\n{screen}"
                        )
                    self._changed.wait(min(left, 0.5))
            finally:
                self._waiters.remove(waiter)
            return waiter.met_at

    def wait_quiet(self, seconds: float, timeout: float = 30.0) -> None:
        """Until nothing has been drawn for ``seconds``."""
        deadline = time.monotonic() + timeout
        last = -1
        while time.monotonic() < deadline:
            count = self.bytes_read
            if count == last:
                return
            last = count
            time.sleep(seconds)

    def send(self, keys: bytes) -> float:
        sent = time.perf_counter()
        os.write(self._master, keys)
        return sent

    def cpu_seconds(self) -> float:
        """The app's CPU time so far (user + system), from /proc."""
        return process_cpu_seconds(self.process.pid)

    def close(self) -> None:
        self._closed = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._reader.join(timeout=5)
        with suppress(OSError):
            os.close(self._master)
        self._parser.join(timeout=5)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` (fields 14 and 15 of /proc/PID/stat), in seconds."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        fields = stat.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS
