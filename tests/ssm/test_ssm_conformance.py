"""sagedeck runs session-manager-plugin exactly as ``aws ssm start-session`` (AWS CLI v1) does.

Both run against the embedded AWS with the same recording plugin first on PATH; the recorded
invocations must match argument for argument, and environment for the env-var form. Only the
session's own values (SessionId, TokenValue, StreamUrl) differ between two sessions.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sagedeck.localaws import LocalAws
from sagedeck.ssm.port_forwards import free_local_port
from system_tools import peer

from .ssm_support import ONLINE, REGION, Recorder, active_sessions, node_id

ENV_NAME = "AWS_SSM_START_SESSION_RESPONSE"
SESSION_FIELDS = ["SessionId", "TokenValue", "StreamUrl"]
# ENV_NAME is compared by shape; RECORDER_HOLD is set for one run only; AWS_DATA_PATH is set
# by the awscli package in its own process at import (its private model data), not for the plugin.
NOT_COMPARED = {"RECORDER_HOLD", ENV_NAME, "AWS_DATA_PATH"}

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def aws_cli() -> Path:
    return peer("aws")


def shape(response: str) -> str:
    """The response JSON with the session's own values blanked, keeping its exact text."""
    parsed = json.loads(response)
    assert list(parsed) == SESSION_FIELDS
    return re.sub(r'"(SessionId|TokenValue|StreamUrl)": "[^"]*"', r'"\1": "<>"', response)


def response_of(record: dict[str, Any]) -> str:
    first = record["argv"][0]
    return str(record["env"][ENV_NAME]) if first == ENV_NAME else str(first)


def assert_same_invocation(cli: dict[str, Any], ours: dict[str, Any], env_form: bool) -> None:
    assert len(cli["argv"]) == len(ours["argv"]) == 6
    assert ours["argv"][1:] == cli["argv"][1:]  # region, operation, profile, request, endpoint
    if env_form:
        assert cli["argv"][0] == ours["argv"][0] == ENV_NAME
    else:
        assert ENV_NAME not in cli["env"]
        assert ENV_NAME not in ours["env"]
        assert cli["argv"][0] != ENV_NAME
    assert shape(response_of(ours)) == shape(response_of(cli))
    cli_env = {k: v for k, v in cli["env"].items() if k not in NOT_COMPARED}
    our_env = {k: v for k, v in ours["env"].items() if k not in NOT_COMPARED}
    assert our_env == cli_env


def write_profile(tmp_path: Path, env: dict[str, str]) -> None:
    config = tmp_path / "aws-home" / "config"
    config.write_text("[default]\nregion = us-east-1\n[profile conformance]\nregion = us-east-1\n")
    credentials = tmp_path / "aws-home" / "credentials"
    credentials.write_text(
        "[conformance]\naws_access_key_id = demo\naws_secret_access_key = demo\n"
    )
    env["AWS_CONFIG_FILE"], env["AWS_SHARED_CREDENTIALS_FILE"] = str(config), str(credentials)


def common_flags(aws: LocalAws, profile: str | None) -> list[str]:
    flags = ["--endpoint-url", aws.endpoint_url, "--region", REGION]
    return [*flags, "--profile", profile] if profile else flags


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


@pytest.mark.parametrize(
    ("version", "env_form", "profile"),
    [
        ("1.2.764.0", True, None),  # current plugins: the response in the environment
        ("1.2.497.0", False, None),  # the last legacy version: the response as argument 1
        ("1.2.497.1", True, "conformance"),  # just above it, with a named profile
        ("dev-build", False, "conformance"),  # unparseable: legacy, as the CLI falls back
    ],
)
def test_shell_invocation_matches_the_aws_cli(
    aws_env: LocalAws,
    aws_cli: Path,
    recorder: Recorder,
    tmp_path: Path,
    version: str,
    env_form: bool,
    profile: str | None,
) -> None:
    target = node_id(aws_env, ONLINE)
    env = recorder.env(version)
    if profile:
        write_profile(tmp_path, env)
    flags = common_flags(aws_env, profile)

    cli = run([str(aws_cli), "ssm", "start-session", "--target", target, *flags], env)
    assert cli.returncode == 0, cli.stderr
    ours = run([sys.executable, "-m", "sagedeck", "ssm", ONLINE, *flags], env)
    assert ours.returncode == 0, ours.stderr
    assert f"shell on {ONLINE} ({target}" in ours.stderr  # the one-line banner

    cli_record, our_record = recorder.records()
    assert_same_invocation(cli_record, our_record, env_form)
    assert json.loads(our_record["argv"][4]) == {"Target": target}
    assert our_record["argv"][3] == (profile or "")
    # The AWS CLI leaves its session to the plugin; sagedeck always ends its own.
    our_session = json.loads(response_of(our_record))["SessionId"]
    cli_session = json.loads(response_of(cli_record))["SessionId"]
    assert active_sessions(aws_env, target) == [cli_session]
    assert our_session != cli_session


@pytest.mark.parametrize("version", ["1.2.764.0", "1.2.497.0"])
def test_port_forward_invocation_matches_the_aws_cli(
    aws_env: LocalAws, aws_cli: Path, recorder: Recorder, version: str
) -> None:
    target = node_id(aws_env, ONLINE)
    local_port = free_local_port()
    env = recorder.env(version)
    flags = common_flags(aws_env, None)
    parameters = json.dumps({"portNumber": ["8888"], "localPortNumber": [str(local_port)]})
    cli = run(
        [
            str(aws_cli), "ssm", "start-session", "--target", target,
            "--document-name", "AWS-StartPortForwardingSession", "--parameters", parameters,
            *flags,
        ],
        env,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr

    ours = subprocess.Popen(
        [sys.executable, "-m", "sagedeck", "forward", ONLINE, "8888",
         "--local-port", str(local_port), *flags],
        env={**env, "RECORDER_HOLD": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert ours.stdout is not None
        ready = ours.stdout.readline()  # printed once the plugin listens
        assert f"http://localhost:{local_port}/ → {ONLINE}:8888" in ready, ours.stderr
        cli_record, our_record = recorder.records()
        assert_same_invocation(cli_record, our_record, env_form=version != "1.2.497.0")
        plugin_pid = int(our_record["pid"])
        ours.send_signal(signal.SIGTERM)
        assert ours.wait(timeout=30) == 0
    finally:
        if ours.poll() is None:
            ours.kill()
    with pytest.raises(ProcessLookupError):
        os.kill(plugin_pid, 0)
    cli_session = json.loads(response_of(cli_record))["SessionId"]
    assert active_sessions(aws_env, target) == [cli_session]
