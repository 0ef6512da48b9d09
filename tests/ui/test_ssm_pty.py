"""End to end in a real pseudo-terminal: the shell hand-off from the dashboard and back, and
port forwards ended when the app is told to stop (SIGTERM)."""

from __future__ import annotations

import os
import re
import signal
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.terminal import private_env
from sagedeck.localaws import LocalAws

from .ssm_pty import PtyApp, active_sessions, lflags, processes_with_session, sagedeck_argv

pytestmark = pytest.mark.timeout(90)
DOWN = "j"


def private(tmp_path: Path) -> dict[str, str]:
    """This process's environment (``aws_env`` points it at the embedded AWS) with a HOME,
    XDG folders and sagedeck config of the test's own."""
    return {**os.environ, **private_env(tmp_path / "home")}


@pytest.fixture
def tui(aws_env: LocalAws, tmp_path: Path) -> Iterator[PtyApp]:
    app = PtyApp(sagedeck_argv(aws_env.endpoint_url), private(tmp_path))
    try:
        yield app
    finally:
        app.close()


def detail_name(tui: PtyApp) -> str | None:
    found = re.search(r"^ name {9}(\S+)", tui.text(), re.MULTILINE)
    return found.group(1) if found else None


def select(tui: PtyApp, name: str) -> None:
    """Move the cursor down one row at a time until the detail pane shows ``name``."""
    tui.wait_text(" name         alice-sandbox")  # the first row, selected at start
    for _ in range(12):
        current = detail_name(tui)
        if current == name:
            return
        tui.send(DOWN)
        tui.wait_for(lambda c=current: detail_name(tui) not in (c, None), "the cursor to move")  # type: ignore[misc]
    raise AssertionError(f"{name} not reached:\n{tui.text()}")


def test_shell_round_trip_lands_on_the_same_row_with_the_terminal_intact(
    aws_env: LocalAws, tui: PtyApp
) -> None:
    assert lflags(tui.baseline) == {"echo": True, "icanon": True, "isig": True, "opost": True}
    select(tui, "cv-training-gpu")
    row = tui.line_with("cv-training-gpu  ")
    cursor_colour = tui.background(row, 6)
    assert cursor_colour != tui.background(tui.line_with("alice-sandbox  "), 6)

    mark = tui.mark()
    tui.send("s")
    tui.wait_output("── sagedeck: shell on cv-training-gpu (mi-", mark)
    tui.wait_output("type `exit` or Ctrl-D to come back ──", mark)
    tui.wait_output("*** DEMO session", mark)
    tui.wait_output("[DEMO mi-", mark)
    assert len(active_sessions(aws_env.client("ssm", "us-east-1"))) == 1
    # The shell leaves the terminal raw and silent, as a plugin killed mid-session does.
    tui.send("stty raw -echo; exit 3\r")

    tui.wait_text("session ended, exit status 3")
    tui.wait_text(" name         cv-training-gpu")  # the detail pane follows the cursor row
    assert tui.background(tui.line_with("cv-training-gpu  "), 6) == cursor_colour
    assert lflags(tui.attrs())["opost"]  # raw mode undone (Textual itself keeps output on)
    assert active_sessions(aws_env.client("ssm", "us-east-1")) == []

    tui.send("q")
    assert tui.wait_exit() == 0
    assert tui.attrs() == tui.baseline  # the user's shell gets its terminal back as it was


def test_port_forward_ends_when_the_app_is_terminated(aws_env: LocalAws, tui: PtyApp) -> None:
    select(tui, "alice-sandbox")
    tui.send("F")
    tui.wait_text("Port forwards · alice-sandbox (us-east-1)")
    tui.send("j")
    tui.wait_text("http://localhost:")
    match = re.search(r"http://localhost:(\d+)/", tui.text())
    assert match is not None
    port = int(match.group(1))
    with urllib.request.urlopen(match.group(0), timeout=10) as page:
        assert "demo Jupyter on alice-sandbox:8888" in page.read().decode()
    ssm = aws_env.client("ssm", "us-east-1")
    (session_id,) = active_sessions(ssm)
    assert processes_with_session(session_id)

    tui.process.send_signal(signal.SIGTERM)
    assert tui.wait_exit() == 128 + signal.SIGTERM
    assert processes_with_session(session_id) == []
    assert active_sessions(ssm) == []
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    assert tui.attrs() == tui.baseline  # an orderly exit: Textual restored the terminal


def test_cli_shell_restores_the_terminal_and_returns_the_exit_status(
    aws_env: LocalAws, tmp_path: Path
) -> None:
    argv = [*sagedeck_argv(aws_env.endpoint_url), "ssm", "alice-sandbox"]
    cli = PtyApp(argv, private(tmp_path))
    try:
        cli.wait_output("── sagedeck: shell on alice-sandbox (mi-")
        cli.wait_output("[DEMO mi-")
        cli.send("stty raw -echo; exit 4\r")
        assert cli.wait_exit() == 4
        cli.wait_output("session ended, exit status 4")
        assert cli.attrs() == cli.baseline
        assert active_sessions(aws_env.client("ssm", "us-east-1")) == []
    finally:
        cli.close()
