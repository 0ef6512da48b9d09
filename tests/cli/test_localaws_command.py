"""``sagedeck localaws`` serves an endpoint other programs use: the AWS CLI, and sagedeck itself
with the simulator running in real time (sped up)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Iterator

import pytest

from system_tools import peer

from .conftest import PYTHON, CliEnvironment, clean_environment

SERVING = re.compile(r"serving on (http://127\.0\.0\.1:\d+)")

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``sagedeck localaws`` in a subprocess at 20x speed; its endpoint, read from its output.
    One server for this module: starting one costs seconds."""
    env = clean_environment(tmp_path_factory.mktemp("localaws") / "home")
    proc = subprocess.Popen(
        [PYTHON, "-m", "sagedeck", "localaws", "--port", "0", "--speed", "20"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        url = None
        for line in proc.stdout:  # blocks until the server prints; pytest-timeout bounds it
            match = SERVING.search(line)
            if match:
                url = match.group(1)
                break
        assert url, proc.stderr.read() if proc.stderr else "no output"
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        assert proc.returncode == 0


def test_aws_cli_lists_the_fleet(cli: CliEnvironment, served: str) -> None:
    result = subprocess.run(
        [
            str(peer("aws")),
            "sagemaker",
            "list-notebook-instances",
            "--endpoint-url",
            served,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ],
        env={**cli.env, "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    names = {nb["NotebookInstanceName"] for nb in json.loads(result.stdout)["NotebookInstances"]}
    assert {"alice-sandbox", "cv-training-gpu", "nb", "nb-dev"} <= names
    assert "eu-forecasting" not in names  # another region


def test_start_wait_against_the_running_simulator(cli: CliEnvironment, served: str) -> None:
    """The simulator runs on its own here (20x): Pending, then InService, as on AWS."""
    result = cli.run(
        "--endpoint-url", served, "--region", "us-east-1", "start", "nb-dev", "--wait", timeout=80
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "nb-dev: starting"
    assert lines[1].startswith("nb-dev: Pending (")
    assert lines[-1].startswith("nb-dev: InService (")
    listed = cli.run("--endpoint-url", served, "--region", "us-east-1", "ls", "--json")
    rows = {r["name"]: r["status"] for r in json.loads(listed.stdout)}
    assert rows["nb-dev"] == "InService"
