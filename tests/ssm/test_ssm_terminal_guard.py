"""The terminal comes back sane whatever the plugin did to it (a real pseudo-terminal)."""

from __future__ import annotations

import os
import subprocess
import termios
from collections.abc import Iterator
from typing import IO, Any

import pytest

from sagedeck.ssm.shell import exit_status
from sagedeck.system.terminal import TerminalGuard


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, IO[str]]]:
    master, slave = os.openpty()
    with open(slave, "w", buffering=1, closefd=True) as stream:
        try:
            yield master, stream
        finally:
            os.close(master)


def flags(fd: int) -> tuple[bool, bool, bool]:
    attrs = termios.tcgetattr(fd)
    return (
        bool(attrs[3] & termios.ECHO),
        bool(attrs[3] & termios.ICANON),
        bool(attrs[1] & termios.OPOST),
    )


def break_terminal(fd: int) -> None:
    """What a plugin killed mid-session leaves: raw mode, no echo (a real `stty`)."""
    subprocess.run(["stty", "raw", "-echo"], stdin=fd, check=True, timeout=10)


def test_attributes_are_restored_after_the_plugin_left_raw_mode(
    pty_pair: tuple[int, IO[str]],
) -> None:
    _, stream = pty_pair
    fd = stream.fileno()
    before = termios.tcgetattr(fd)
    assert flags(fd) == (True, True, True)
    with TerminalGuard(stream, out=stream) as guard:
        break_terminal(fd)
        assert flags(fd) == (False, False, False)
    assert termios.tcgetattr(fd) == before
    assert not guard.used_fallback


def test_stty_sane_when_the_attributes_cannot_be_put_back(
    pty_pair: tuple[int, IO[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, stream = pty_pair
    fd = stream.fileno()
    guard = TerminalGuard(stream, out=stream)
    with guard:
        break_terminal(fd)

        def refuse(*_args: Any) -> None:
            raise termios.error(5, "Input/output error")

        monkeypatch.setattr(termios, "tcsetattr", refuse)
    assert guard.used_fallback
    assert flags(fd) == (True, True, True)  # `stty sane` did it, not termios


def test_no_terminal_no_changes() -> None:
    with (
        subprocess.Popen(["true"], stdin=subprocess.PIPE) as proc,
        TerminalGuard(
            proc.stdin  # type: ignore[arg-type]
        ) as guard,
    ):
        assert guard.fd is None


def test_signal_deaths_read_like_a_shell() -> None:
    assert exit_status(0) == 0
    assert exit_status(3) == 3
    assert exit_status(-15) == 143
