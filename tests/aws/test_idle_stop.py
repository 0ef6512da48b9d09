"""The built-in idle-stop script, run for real: its installer (the OnStart script) under a
scratch root, then the check it installs, against a fake Jupyter server on localhost and an
``aws`` on PATH that records its arguments (the script's real contract with the instance)."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sagedeck.aws.lifecycle import content_limit, encode, idle_stop_script
from sagedeck.errors import InvalidInput

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ARN = "arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/alice-sandbox"


def stamp(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FakeJupyter:
    """``/api/sessions``, ``/api/kernels``, ``/api/terminals`` as a Jupyter server answers them
    (lists of JSON objects), or 503 when ``down``."""

    def __init__(self) -> None:
        self.answers: dict[str, list[dict[str, Any]]] = {
            "sessions": [],
            "kernels": [],
            "terminals": [],
        }
        self.down = False
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.requests.append(self.path)
                name = self.path.removeprefix("/api/").split("?", 1)[0]
                if fake.down or name not in fake.answers:
                    self.send_error(503 if fake.down else 404)
                    return
                body = json.dumps(fake.answers[name]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def jupyter() -> Iterator[FakeJupyter]:
    fake = FakeJupyter()
    yield fake
    fake.close()


class Instance:
    """The installed script under a scratch root, an ``aws`` that records each call (and says
    the instance is ``status``), and the metadata file a notebook instance carries."""

    def __init__(self, root: Path, minutes: int) -> None:
        self.root = root
        self.calls = root / "aws-calls"
        bin_dir = root / "stub-bin"
        bin_dir.mkdir(parents=True)
        aws = bin_dir / "aws"
        aws.write_text(
            "#!/bin/bash\n"
            f'printf "%s\\n" "$*" >> {self.calls}\n'
            f'if [ "$2" = describe-notebook-instance ]; then cat {root}/status; fi\n'
        )
        aws.chmod(0o755)
        self.status = "InService"
        self.path = f"{bin_dir}:/usr/bin:/bin"
        self.metadata = root / "resource-metadata.json"
        self.metadata.write_text(json.dumps({"ResourceArn": ARN, "ResourceName": "alice-sandbox"}))
        script = root / "on-start.sh"
        script.write_text(idle_stop_script(minutes))
        self.install = subprocess.run(
            ["bash", str(script)],
            env={"ROOT_DIR": str(root / "fs"), "PATH": self.path},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        self.check = root / "fs/usr/local/bin/sagedeck-idle-check"
        self.state = root / "fs/var/lib/sagedeck-idle-stop"

    @property
    def status(self) -> str:
        return (self.root / "status").read_text()

    @status.setter
    def status(self, value: str) -> None:
        (self.root / "status").write_text(value + "\n")

    def started(self, minutes_ago: float) -> None:
        (self.state / "started").write_text(
            f"{int((NOW - timedelta(minutes=minutes_ago)).timestamp())}\n"
        )

    def run_check(self, jupyter: FakeJupyter, minutes: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.check)],
            env={
                "IDLE_MINUTES": str(minutes),
                "STATE_DIR": str(self.state),
                "JUPYTER_URL": jupyter.url,
                "METADATA_FILE": str(self.metadata),
                "NOW": str(int(NOW.timestamp())),
                "PATH": self.path,
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def aws_calls(self) -> list[str]:
        return self.calls.read_text().splitlines() if self.calls.exists() else []


STOP = "sagemaker stop-notebook-instance --region eu-west-1 --notebook-instance-name alice-sandbox"
DESCRIBE = (
    "sagemaker describe-notebook-instance --region eu-west-1 --notebook-instance-name"
    " alice-sandbox --query NotebookInstanceStatus --output text"
)


@pytest.fixture
def instance(tmp_path: Path) -> Instance:
    installed = Instance(tmp_path, minutes=30)
    assert installed.install.returncode == 0, installed.install.stderr
    installed.started(minutes_ago=120)
    return installed


def test_the_script_and_the_check_it_installs_parse(instance: Instance) -> None:
    for script in (instance.root / "on-start.sh", instance.check):
        subprocess.run(["bash", "-n", str(script)], check=True, timeout=30)


def test_the_installer_only_installs_a_cron_job(instance: Instance) -> None:
    """It returns at once (OnStart has 5 minutes): no call to Jupyter or AWS, one cron entry
    running the check as root every 5 minutes with the minutes given."""
    assert instance.aws_calls() == []
    cron = (instance.root / "fs/etc/cron.d/sagedeck-idle-stop").read_text().splitlines()
    assert cron[0].startswith("PATH=/usr/local/bin:")
    assert cron[1].startswith("*/5 * * * * root IDLE_MINUTES=30 ")
    assert f" {instance.check} >> " in cron[1]
    assert cron[1].endswith("/var/log/sagedeck-idle-stop.log 2>&1")
    assert "30 idle minutes" in instance.install.stdout


POLLED = ("sessions", "kernels", "terminals")


def test_a_recent_kernel_keeps_it_running(instance: Instance, jupyter: FakeJupyter) -> None:
    jupyter.answers["kernels"] = [
        {"id": "k1", "execution_state": "idle", "last_activity": stamp(10), "connections": 1}
    ]
    result = instance.run_check(jupyter, minutes=30)
    assert result.returncode == 0, result.stderr
    assert instance.aws_calls() == []
    assert "idle 10 of 30 minutes" in result.stdout
    # Untracked: a poll every 5 minutes must not count as use of the server (IDLE reads it).
    untracked = {f"/api/{name}?no_track_activity=1" for name in POLLED}
    assert untracked <= set(jupyter.requests)


def test_idle_longer_than_the_limit_stops_this_instance(
    instance: Instance, jupyter: FakeJupyter
) -> None:
    jupyter.answers["kernels"] = [
        {"id": "k1", "execution_state": "idle", "last_activity": stamp(45), "connections": 0}
    ]
    jupyter.answers["terminals"] = [{"name": "1", "last_activity": stamp(31)}]
    result = instance.run_check(jupyter, minutes=30)
    assert result.returncode == 0, result.stderr
    assert instance.aws_calls() == [DESCRIBE, STOP]
    assert "stopping alice-sandbox" in result.stdout


@pytest.mark.parametrize(
    ("answers", "why"),
    [
        (
            {"kernels": [{"execution_state": "busy", "last_activity": stamp(90)}]},
            "a running cell",
        ),
        (
            {"sessions": [{"kernel": {"execution_state": "busy", "last_activity": stamp(90)}}]},
            "a notebook's kernel running",
        ),
        ({"terminals": [{"name": "1", "last_activity": stamp(5)}]}, "a terminal in use"),
        (
            {"sessions": [{"kernel": {"execution_state": "idle", "last_activity": stamp(29)}}]},
            "a notebook used 29 minutes ago",
        ),
    ],
)
def test_activity_keeps_it_running(
    instance: Instance, jupyter: FakeJupyter, answers: dict[str, list[dict[str, Any]]], why: str
) -> None:
    jupyter.answers.update(answers)
    result = instance.run_check(jupyter, minutes=30)
    assert result.returncode == 0, result.stderr
    assert instance.aws_calls() == [], why


def test_with_nothing_open_the_time_counts_from_the_start(
    instance: Instance, jupyter: FakeJupyter
) -> None:
    instance.started(minutes_ago=10)
    assert instance.run_check(jupyter, minutes=30).returncode == 0
    assert instance.aws_calls() == []
    instance.started(minutes_ago=31)
    assert instance.run_check(jupyter, minutes=30).returncode == 0
    assert instance.aws_calls() == [DESCRIBE, STOP]


def test_no_stop_when_jupyter_does_not_answer_or_the_instance_is_not_in_service(
    instance: Instance, jupyter: FakeJupyter
) -> None:
    jupyter.down = True
    result = instance.run_check(jupyter, minutes=30)
    assert result.returncode == 0
    assert "Jupyter did not answer" in result.stdout
    assert instance.aws_calls() == []
    jupyter.down = False
    instance.status = "Stopping"
    result = instance.run_check(jupyter, minutes=30)
    assert instance.aws_calls() == [DESCRIBE]
    assert "alice-sandbox is Stopping: not stopping" in result.stdout


def test_the_minutes_are_checked_and_the_script_fits_aws_limit() -> None:
    with pytest.raises(InvalidInput, match="5 to 10080 minutes"):
        idle_stop_script(4)
    script = idle_stop_script(60)
    assert "\nIDLE_MINUTES=60\n" in script
    assert "sagemaker:StopNotebookInstance" in script  # the role's needs, said at the top
    assert "sagemaker:DescribeNotebookInstance" in script
    (hook,) = encode(script, "on-start")
    assert len(hook["Content"]) <= content_limit() == 16384


def test_a_server_without_terminals_is_judged_on_its_kernels(
    instance: Instance, jupyter: FakeJupyter
) -> None:
    del jupyter.answers["terminals"]  # 404, as jupyter-server started with terminals off
    jupyter.answers["kernels"] = [{"execution_state": "idle", "last_activity": stamp(10)}]
    assert instance.run_check(jupyter, minutes=30).returncode == 0
    assert instance.aws_calls() == []
    jupyter.answers["kernels"] = [{"execution_state": "idle", "last_activity": stamp(50)}]
    assert instance.run_check(jupyter, minutes=30).returncode == 0
    assert instance.aws_calls() == [DESCRIBE, STOP]
