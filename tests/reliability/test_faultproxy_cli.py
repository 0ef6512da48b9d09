"""``python -m sagedeck.devtools.faultproxy`` as a person runs it: flags, stdin, control
endpoint."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import IO, Any

import aiohttp
import pytest
from aiobotocore.session import get_session
from botocore import exceptions as bce

from .reliability_support import no_retry_config


@pytest.fixture
def proxy_process(upstream: tuple[str, tuple[str, ...]]) -> Iterator[tuple[str, Any]]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sagedeck.devtools.faultproxy",
            "--upstream",
            upstream[0],
            "--throttle",
            "1",
            "--only",
            "ListNotebookInstances",
            "--seed",
            "7",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("faultproxy: http://127.0.0.1:"), first + _rest(proc.stderr)
        url = first.split()[1]
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(10)


def _rest(stream: IO[str] | None) -> str:
    return stream.read() if stream is not None else ""


def _read_reply(proc: Any) -> str:
    """The proxy's answer to one stdin command: the next non-indented line."""
    while True:
        line: str = proc.stdout.readline()
        if not line:
            raise AssertionError("fault proxy exited: " + _rest(proc.stderr))
        if not line.startswith(" "):
            return line.strip()


async def test_flags_stdin_commands_and_control_endpoint(
    proxy_process: tuple[str, Any],
) -> None:
    url, proc = proxy_process
    async with get_session().create_client(
        "sagemaker",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="demo",
        aws_secret_access_key="demo",
        config=no_retry_config(),
    ) as client:
        # --throttle 1 --only ListNotebookInstances
        with pytest.raises(bce.ClientError, match="ThrottlingException"):
            await client.list_notebook_instances()
        await client.list_endpoints()

        # a command typed on stdin
        proc.stdin.write("clear\n")
        proc.stdin.flush()
        assert _read_reply(proc) == "cleared"
        await client.list_notebook_instances()

        # the control endpoint, for a person in another terminal (curl -d ...)
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{url}/__faultproxy/", data="error status=500") as resp:
                assert resp.status == 200
                answer = json.loads(await resp.text())
            assert answer["faults"] == ["error rate=1 status=500"]
            with pytest.raises(bce.ClientError, match="InternalFailure"):
                await client.list_notebook_instances()
            async with http.post(f"{url}/__faultproxy/", data="explode") as resp:
                assert resp.status == 400
            async with http.get(f"{url}/__faultproxy/") as resp:
                status = json.loads(await resp.text())
            assert status["injected"] == {"throttle": 1, "error": 1}


def test_a_bad_flag_is_one_line_and_exit_2(upstream: tuple[str, tuple[str, ...]]) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sagedeck.devtools.faultproxy",
            "--upstream",
            upstream[0],
            "--fault",
            "x",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("faultproxy: unknown fault 'x'")
