"""The Jupyter shell's hand-off in a real pseudo-terminal: keys in, output out, resizes passed
on, Ctrl-] and ``exit`` to come back, the terminal's modes restored and no terminal left on the
server, also when the server goes away mid-session."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import struct
import sys
import termios
import urllib.request
from pathlib import Path

import pytest

from ui.ssm_pty import PtyApp, lflags

from .token_server import TokenServer

pytestmark = pytest.mark.timeout(60)
CHILD = Path(__file__).with_name("shell_child.py")


def terminals(server: TokenServer) -> list[object]:
    request = urllib.request.Request(
        f"{server.url}/api/terminals", headers={"Authorization": f"token {server.token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        listed = json.load(answer)
    assert isinstance(listed, list)
    return listed


def shell(server: TokenServer) -> PtyApp:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return PtyApp([sys.executable, str(CHILD), server.url, server.token], env)


def test_type_a_command_see_its_output_exit_and_get_the_terminal_back(
    jupyter_server: TokenServer,
) -> None:
    pty = shell(jupyter_server)
    try:
        pty.wait_output("── sagedeck: Jupyter terminal on nb-pty (user ec2-user)")
        pty.wait_output("type `exit` or press Ctrl-] to come back ──")
        mark = pty.mark()
        pty.send("echo $((6*7))-answer\r")
        pty.wait_output("42-answer", mark)
        assert len(terminals(jupyter_server)) == 1
        # A resize reaches the remote shell (SIGWINCH -> set_size).
        fcntl.ioctl(pty.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
        os.killpg(pty.process.pid, signal.SIGWINCH)  # as the terminal sends it on a resize
        mark = pty.mark()
        pty.send("stty size\r")
        pty.wait_output("33 101", mark)
        # Leave the terminal raw and silent, as a program killed mid-session may.
        pty.send("stty raw -echo; exit\r")
        pty.wait_output("outcome: Jupyter terminal closed")
        assert pty.wait_exit() == 0
        assert pty.attrs() == pty.baseline
        assert terminals(jupyter_server) == []
    finally:
        pty.close()


def test_ctrl_close_bracket_comes_back_and_deletes_the_terminal(
    jupyter_server: TokenServer,
) -> None:
    pty = shell(jupyter_server)
    try:
        pty.wait_output("Ctrl-] to come back ──")
        mark = pty.mark()
        pty.send("sleep 600 &\rjobs\r")
        pty.wait_output("sleep 600", mark)
        pty.send(b"\x1d")
        pty.wait_output("outcome: left the Jupyter terminal (Ctrl-])")
        assert pty.wait_exit() == 0
        assert lflags(pty.attrs()) == lflags(pty.baseline)
        assert pty.attrs() == pty.baseline
        assert terminals(jupyter_server) == []
    finally:
        pty.close()


def test_a_server_gone_mid_session_is_one_line_and_the_terminal_restored(
    own_server: TokenServer,
) -> None:
    pty = shell(own_server)
    try:
        pty.wait_output("Ctrl-] to come back ──")
        mark = pty.mark()
        pty.send("echo ready-$((1+1))\r")
        pty.wait_output("ready-2", mark)
        own_server.process.kill()
        pty.wait_output("outcome: nb-pty: the connection to the Jupyter terminal was lost")
        assert pty.wait_exit() == 1
        assert pty.attrs() == pty.baseline
        assert "Traceback" not in pty.output_since(0)
    finally:
        pty.close()
