"""A terminal that goes away ends sagedeck: the dashboard in a real pseudo-terminal whose
terminal side is closed (a closed tab) at several moments. Each time the process must be gone
(the guard below is a hang guard, not a speed check) and nothing it started may outlive it.

Before the fix the process stayed for good: Textual's writer thread died on the first EIO,
and the event loop then waited on its full queue, deaf to every signal.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyte
import pytest
from textual.drivers._writer_thread import WriterThread

from sagedeck.localaws import LocalAws
from sagedeck.system.terminal import TerminalOutput
from ui.ssm_pty import active_sessions, processes_with_session, sagedeck_argv

pytestmark = pytest.mark.timeout(120)
ROWS, COLUMNS = 40, 140
GONE_WITHIN = 20.0  # seconds: a hang guard, generous for a loaded machine
HANGUP_STATUS = 128 + signal.SIGHUP


class Terminal:
    """The terminal emulator's side of a pty, running sagedeck on the other side.

    ``controlling``: sagedeck is the session leader with this as its controlling terminal (as
    under a shell that execs it), so closing the terminal sends it SIGHUP and SIGCONT, as the
    kernel does. Without, no signal comes at all: only its writes fail.
    """

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], *, controlling: bool) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self._stream = pyte.ByteStream(self.screen)
        self.output = bytearray()
        self._lock = threading.Lock()
        self._open = True
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**env, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)},
            start_new_session=True,
            preexec_fn=_take_terminal if controlling else None,
        )
        os.close(slave)  # the emulator holds only its own side
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        # Polls, so that close() can stop it: a read blocked in another thread would keep the
        # terminal open after os.close(), and the hang-up would never happen.
        while self._open:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.output += data
                self._stream.feed(data)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.screen.display)

    def wait_for(self, condition: Callable[[], object], what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(f"sagedeck exited ({self.process.returncode}) before {what}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{self.text()}")
            time.sleep(0.05)

    def wait_text(self, needle: str) -> None:
        self.wait_for(lambda: needle in self.text(), repr(needle))

    def wait_output_after(self, mark: int, needle: bytes) -> None:
        deadline = time.monotonic() + 10  # what the process wrote before it ended, read
        while needle not in self.output[mark:]:
            assert time.monotonic() < deadline, f"{needle!r} not written"
            time.sleep(0.05)

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> None:
        """Close the tab: the terminal's side goes, and the kernel hangs the other side up."""
        if self._open:
            self._open = False
            self._reader.join(5)
            os.close(self.master)

    def gone(self) -> int:
        """The exit status, once the process is gone (within the guard)."""
        try:
            return self.process.wait(GONE_WITHIN)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"sagedeck still runs {GONE_WITHIN:g}s after its terminal went away"
            ) from None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        with contextlib.suppress(OSError):
            self.close()


def _take_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.fixture
def start(aws_env: LocalAws, tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    started: list[Terminal] = []

    def start_sagedeck(*, controlling: bool = True) -> Terminal:
        env = {**os.environ, "SAGEDECK_CONFIG": str(tmp_path / "none.toml")}
        terminal = Terminal(sagedeck_argv(aws_env.endpoint_url), env, controlling=controlling)
        started.append(terminal)
        return terminal

    yield start_sagedeck
    for terminal in started:
        terminal.kill()


def test_gone_during_start_up(start: Callable[..., Terminal]) -> None:
    terminal = start()
    # The app has taken the terminal (alternate screen): the dashboard is still loading.
    terminal.wait_for(lambda: b"\x1b[?1049h" in terminal.output, "the alternate screen")
    terminal.close()
    assert terminal.gone() in (HANGUP_STATUS, -signal.SIGHUP)  # the latter: before the handler


def test_gone_during_a_refresh(start: Callable[..., Terminal]) -> None:
    terminal = start()
    terminal.wait_text("alice-sandbox")
    terminal.send("\x12")  # Ctrl-R: refresh now
    terminal.close()
    assert terminal.gone() == HANGUP_STATUS


def test_gone_while_the_log_view_is_open(start: Callable[..., Terminal]) -> None:
    terminal = start()
    terminal.wait_text(" name         alice-sandbox")  # the first row, selected
    terminal.send("l")
    terminal.wait_text("alice-sandbox (us-east-1) · ")
    terminal.wait_text("streams: ")
    terminal.close()
    assert terminal.gone() == HANGUP_STATUS


def test_gone_without_a_hangup_signal_ends_it_all_the_same(
    start: Callable[..., Terminal],
) -> None:
    """No controlling terminal: no SIGHUP comes; the first write that fails is the news."""
    terminal = start(controlling=False)
    terminal.wait_text("alice-sandbox")
    terminal.close()
    assert terminal.gone() == HANGUP_STATUS


def test_a_port_forward_does_not_outlive_its_terminal(
    aws_env: LocalAws, start: Callable[..., Terminal]
) -> None:
    terminal = start()
    terminal.wait_text(" name         alice-sandbox")
    terminal.send("F")
    terminal.wait_text("Port forwards · alice-sandbox (us-east-1)")
    terminal.send("j")
    terminal.wait_text("http://localhost:")
    assert re.search(r"http://localhost:\d+/", terminal.text())
    ssm = aws_env.client("ssm", "us-east-1")
    (session_id,) = active_sessions(ssm)
    assert processes_with_session(session_id)  # the plugin runs, in its own session

    terminal.close()
    assert terminal.gone() == HANGUP_STATUS
    assert processes_with_session(session_id) == []
    assert active_sessions(ssm) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_from_outside_ends_it_in_order(
    start: Callable[..., Terminal], sig: signal.Signals
) -> None:
    """`kill` from another terminal (SIGINT too: the dashboard reads Ctrl-C as a key)."""
    terminal = start()
    terminal.wait_text("alice-sandbox")
    mark = len(terminal.output)
    terminal.process.send_signal(sig)
    assert terminal.gone() == 128 + sig
    terminal.wait_output_after(mark, b"\x1b[?1049l")  # Textual left the alternate screen


def test_textual_s_writer_outlives_a_hung_up_terminal() -> None:
    """The cause, alone: Textual's writer thread on a terminal that hangs up. It used to die
    on the first EIO, and every later write (and stop()) waited for room in its queue."""
    master, slave = os.openpty()
    terminal = os.fdopen(slave, "w", encoding="utf-8")
    heard: list[str] = []
    output: Any = TerminalOutput(terminal, lambda: heard.append("gone"))  # as the driver does
    writer = WriterThread(output)
    writer.start()
    writer.write("before")
    os.close(master)  # the tab closes

    def paint() -> None:
        for _ in range(500):  # far more screens than the 30 its queue holds
            writer.write("screen " * 50)

    writes = threading.Thread(target=paint)
    writes.start()
    writes.join(GONE_WITHIN)
    assert not writes.is_alive(), "a write to the writer blocked"
    stopping = threading.Thread(target=writer.stop)
    stopping.start()
    stopping.join(GONE_WITHIN)
    assert not stopping.is_alive(), "the writer did not stop"
    assert heard == ["gone"]  # once, however many writes failed
    with contextlib.suppress(OSError):
        terminal.close()


# A plugin deaf to the hang-up (and to SIGTERM): only SIGKILL ends it. One process, so that
# nothing of it is left once it is killed.
STUBBORN_PLUGIN = """
import signal, sys, time
if sys.argv[1:] == ["--version"]:
    print("1.2.764.0")
    sys.exit(0)
for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP):
    signal.signal(sig, signal.SIG_IGN)
print("[stubborn plugin]", flush=True)
while True:
    time.sleep(1)
"""


@pytest.mark.parametrize("plugin", ["demo", "stubborn"])
def test_a_shell_does_not_outlive_its_terminal(
    aws_env: LocalAws,
    start: Callable[..., Terminal],
    plugin: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The demo plugin's shell leaves when its terminal goes; a plugin that ignores the
    hang-up is killed. Either way no process carries the session and the session is ended."""
    if plugin == "stubborn":
        script = tmp_path / "session-manager-plugin"
        script.write_text(f"#!{sys.executable}\n{STUBBORN_PLUGIN}")
        script.chmod(0o755)
        monkeypatch.setenv("SAGEDECK_SSM_PLUGIN", str(script))
    terminal = start()
    terminal.wait_text(" name         alice-sandbox")
    mark = len(terminal.output)
    terminal.send("s")
    prompt = b"[DEMO mi-" if plugin == "demo" else b"[stubborn plugin]"
    terminal.wait_for(lambda: prompt in terminal.output[mark:], "the shell")
    ssm = aws_env.client("ssm", "us-east-1")
    (session_id,) = active_sessions(ssm)
    assert processes_with_session(session_id)

    terminal.close()
    try:
        assert terminal.gone() == HANGUP_STATUS
        assert processes_with_session(session_id) == []
        assert active_sessions(ssm) == []
    finally:  # a failure leaves nothing running
        for pid in processes_with_session(session_id):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
