"""The Jupyter shell end to end in a real pseudo-terminal, against the embedded AWS's Jupyter:
from the dashboard (``s`` on an instance without an SSM node, ``J`` on one with a node) and
from ``sagedeck shell``. Type a command, see its output, come back to the same row, the
terminal restored, no terminal left on the server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagedeck.localaws import LocalAws
from ui.ssm_pty import PtyApp, lflags

from .embedded import sagedeck_argv, sagedeck_env, terminals

pytestmark = pytest.mark.timeout(180)
WAIT = 90  # the instance's Jupyter server starts on the first sign-in


@pytest.fixture
def tui(aws_env: LocalAws, tmp_path: Path) -> Iterator[PtyApp]:
    env = sagedeck_env(tmp_path / "home")
    # No IDLE column: it would start the Jupyter server of every InService row on screen.
    config = Path(env["SAGEDECK_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("jupyter_activity = false\n")
    app = PtyApp(sagedeck_argv(aws_env), env)
    try:
        yield app
    finally:
        app.close()


def detail_name(tui: PtyApp) -> str | None:
    found = re.search(r"^ name {9}(\S+)", tui.text(), re.MULTILINE)
    return found.group(1) if found else None


def move_to(tui: PtyApp, name: str, key: str) -> None:
    for _ in range(12):
        current = detail_name(tui)
        if current == name:
            return
        tui.send(key)
        tui.wait_for(lambda c=current: detail_name(tui) not in (c, None), "the cursor to move")  # type: ignore[misc]
    raise AssertionError(f"{name} not reached:\n{tui.text()}")


async def test_s_without_a_node_and_j_with_one_open_jupyter_terminals_and_come_back(
    aws_env: LocalAws, tui: PtyApp
) -> None:
    tui.wait_text(" name         alice-sandbox")
    move_to(tui, "nb", "j")
    mark = tui.mark()
    tui.send("s")  # shell = "auto" and no SSM node: a Jupyter terminal
    tui.wait_output("── sagedeck: Jupyter terminal on nb (user ec2-user)", mark, WAIT)
    tui.wait_output("Ctrl-] to come back ──", mark)
    mark = tui.mark()
    tui.send("echo $((6*7))-from-jupyter\r")
    tui.wait_output("42-from-jupyter", mark, WAIT)
    assert len(await terminals(aws_env, "nb")) == 1
    tui.send("stty raw -echo; exit\r")  # leaves the terminal as a killed program may
    tui.wait_text("Jupyter terminal closed", WAIT)
    tui.wait_text(" name         nb")  # the same row
    assert lflags(tui.attrs())["opost"]
    assert await terminals(aws_env, "nb") == []

    move_to(tui, "alice-sandbox", "k")  # it has an SSM node: `J` chooses Jupyter anyway
    mark = tui.mark()
    tui.send("J")
    tui.wait_output("── sagedeck: Jupyter terminal on alice-sandbox (user ec2-user)", mark, WAIT)
    tui.send(b"\x1d")
    tui.wait_text("left the Jupyter terminal (Ctrl-])", WAIT)
    tui.wait_text(" name         alice-sandbox")
    assert await terminals(aws_env, "alice-sandbox") == []

    tui.send("q")
    assert tui.wait_exit() == 0
    assert tui.attrs() == tui.baseline


async def test_cli_shell_through_jupyter(aws_env: LocalAws, tmp_path: Path) -> None:
    cli = PtyApp(sagedeck_argv(aws_env, "shell", "nb"), sagedeck_env(tmp_path / "home"))
    try:
        cli.wait_output("── sagedeck: Jupyter terminal on nb (user ec2-user)", 0, WAIT)
        mark = cli.mark()
        cli.send("echo $((6*7))-cli\r")
        cli.wait_output("42-cli", mark, WAIT)
        cli.send("exit\r")
        cli.wait_output("sagedeck: nb: Jupyter terminal closed")
        assert cli.wait_exit() == 0
        assert cli.attrs() == cli.baseline
    finally:
        cli.close()
    assert await terminals(aws_env, "nb") == []


def test_cp_draws_a_progress_bar_on_a_terminal(aws_env: LocalAws, tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(bytes(3 * 1024 * 1024))
    argv = sagedeck_argv(aws_env, "cp", str(tmp_path / "data.bin"), "nb:data.bin")
    cli = PtyApp(argv, sagedeck_env(tmp_path / "home"))
    try:
        assert cli.wait_exit(WAIT) == 0
        cli.wait_output("] 100%  3.1 MB/3.1 MB")
        assert "[" + "#" * 30 + "]" in cli.output_since(0)
    finally:
        cli.close()
