"""Port forwards with the demo plugin: a real local listener, listed, ended, and ended at exit
however sagedeck exits (close_all, atexit, SIGTERM, SIGHUP, Ctrl-C)."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import AsyncIterator

import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.errors import InvalidInput, SagedeckError
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookKey
from sagedeck.ssm.port_forwards import PortForward, PortForwards, claim_local_port, release_port

from .ssm_support import OFFLINE, ONLINE, REGION, active_sessions, processes_with_session

KEY = NotebookKey(REGION, ONLINE)
pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def forwards(no_session_left: LocalAws) -> AsyncIterator[PortForwards]:
    target = AwsTarget(
        None, (REGION,), no_session_left.endpoint_url, credentials=StaticCredentials("d", "d")
    )
    async with AwsServices(target) as services:
        manager = PortForwards(services)
        try:
            yield manager
        finally:
            await manager.close_all()


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())


def refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def assert_gone(forward: PortForward) -> None:
    assert forward.process.poll() is not None
    assert processes_with_session(forward.session_id) == []
    assert refused(forward.local_port)


async def test_start_list_and_end(aws: LocalAws, forwards: PortForwards) -> None:
    jupyter, board = await asyncio.gather(forwards.start(KEY, 8888), forwards.start(KEY, 6006))
    assert jupyter.local_port != board.local_port
    assert jupyter.local_url == f"http://localhost:{jupyter.local_port}/"
    assert f"demo Jupyter on {ONLINE}:8888" in fetch(jupyter.local_url)
    assert f"demo TensorBoard on {ONLINE}:6006" in fetch(board.local_url)
    assert {id(f) for f in forwards.active(KEY)} == {id(jupyter), id(board)}
    assert forwards.active(NotebookKey(REGION, "other")) == []
    assert sorted(active_sessions(aws)) == sorted([jupyter.session_id, board.session_id])

    assert await forwards.end(jupyter)
    assert_gone(jupyter)
    assert forwards.active() == [board]
    assert active_sessions(aws) == [board.session_id]
    await forwards.close_all()
    assert_gone(board)


def test_a_claimed_port_is_not_handed_out_twice() -> None:
    first = claim_local_port(None)
    try:
        second = claim_local_port(None)
        release_port(second)
        assert second != first
        with pytest.raises(InvalidInput, match="already in use"):
            claim_local_port(first)
    finally:
        release_port(first)
    assert claim_local_port(first) == first
    release_port(first)


async def test_chosen_local_port_and_a_busy_one(forwards: PortForwards) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(InvalidInput, match="already in use"):
            await forwards.start(KEY, 8888, port)
    forward = await forwards.start(KEY, 8888, port)  # free again
    assert forward.local_port == port
    assert "demo Jupyter" in fetch(forward.local_url)


async def test_offline_node_leaves_nothing(forwards: PortForwards) -> None:
    with pytest.raises(SagedeckError, match="TargetNotConnected"):
        await forwards.start(NotebookKey(REGION, OFFLINE), 8888)
    assert forwards.active() == []


async def test_a_forward_that_dies_is_reaped(aws: LocalAws, forwards: PortForwards) -> None:
    forward = await forwards.start(KEY, 8888)
    forward.process.terminate()
    forward.process.wait(10)
    assert not forward.alive
    assert await forwards.reap() == [forward]
    assert active_sessions(aws) == []
    assert forwards.active() == []


ATEXIT_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from sagedeck.aws.services import AwsServices
    from sagedeck.aws.session import AwsTarget, StaticCredentials
    from sagedeck.models import NotebookKey
    from sagedeck.ssm.port_forwards import PortForwards

    async def main():
        target = AwsTarget(None, ("us-east-1",), sys.argv[1],
                           credentials=StaticCredentials("d", "d"))
        services = AwsServices(target)
        forward = await PortForwards.for_services(services).start(
            NotebookKey("us-east-1", "alice-sandbox"), 8888)
        print(forward.session_id, forward.local_port, flush=True)
        await services.close()

    asyncio.run(main())
    sys.exit(0)  # no close_all: atexit must end the forward
    """
)


def test_atexit_ends_forwards_left_open(no_session_left: LocalAws) -> None:
    done = subprocess.run(
        [sys.executable, "-c", ATEXIT_SCRIPT, no_session_left.endpoint_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    session_id, port = done.stdout.split()
    assert processes_with_session(session_id) == []
    assert refused(int(port))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_cli_forward_ends_on_signals(aws_env: LocalAws, sig: signal.Signals) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sagedeck", "forward", ONLINE, "6006",
         "--endpoint-url", aws_env.endpoint_url],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert f"→ {ONLINE}:6006 (TensorBoard), session " in line, process.stderr
        url, session_id = line.split()[0], line.split("session ")[1].split(":")[0]
        assert f"demo TensorBoard on {ONLINE}:6006" in fetch(url)
        assert processes_with_session(session_id) != []
        process.send_signal(sig)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert processes_with_session(session_id) == []
    assert active_sessions(aws_env) == []


ORPHAN_SCRIPT = textwrap.dedent(
    """
    import json, subprocess, sys, time
    request = {"Target": "mi-0", "DocumentName": "AWS-StartPortForwardingSession",
               "Parameters": {"portNumber": ["8888"], "localPortNumber": ["0"]}}
    response = {"SessionId": "orphan-test", "TokenValue": "t", "StreamUrl": "wss://x"}
    plugin = subprocess.Popen(
        [sys.executable, "-m", "sagedeck.localaws.demo_plugin", json.dumps(response), "us-east-1",
         "StartSession", "", json.dumps(request), "http://127.0.0.1:9"],
        start_new_session=True)
    print(plugin.pid, flush=True)
    time.sleep(120)
    """
)


def test_demo_plugin_ends_itself_when_sagedeck_is_killed_outright() -> None:
    """SIGKILL leaves sagedeck no chance to end its forwards: the stand-in notices."""
    parent = subprocess.Popen(
        [sys.executable, "-c", ORPHAN_SCRIPT], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    plugin_pid = int(parent.stdout.readline())
    ready = parent.stdout.readline()
    while "Waiting for connections" not in ready:
        ready = parent.stdout.readline()
        assert ready, "the plugin ended before listening"
    parent.kill()
    parent.wait(10)
    deadline = time.monotonic() + 20
    while processes_with_session("orphan-test"):
        assert time.monotonic() < deadline, f"plugin {plugin_pid} outlived its parent"
        time.sleep(0.1)
