"""The recording plugin the SSM tests put on PATH refuses what session-manager-plugin would not
understand: a test cannot pass with sagedeck calling the plugin wrongly."""

from __future__ import annotations

import json
import subprocess

import pytest

from .recording_plugin import CONTRACT_BROKEN, ENV_RESPONSE, violations
from .ssm_support import Recorder

RESPONSE = json.dumps({"SessionId": "s-1", "TokenValue": "t", "StreamUrl": "wss://x/s-1"})
REQUEST = json.dumps({"Target": "mi-0123456789abcdef0"})
GOOD = [
    ENV_RESPONSE,
    "us-east-1",
    "StartSession",
    "",
    REQUEST,
    "https://ssm.us-east-1.amazonaws.com",
]
ENV = {ENV_RESPONSE: RESPONSE}


def test_the_aws_cli_forms_pass() -> None:
    assert violations(GOOD, ENV, "1.2.764.0") == []
    legacy = [RESPONSE, *GOOD[1:]]
    assert violations(legacy, {}, "1.2.497.0") == []
    assert violations(legacy, {}, "dev-build") == []  # unparseable: legacy, as the CLI does


@pytest.mark.parametrize(
    ("argv", "env", "version", "broken"),
    [
        (GOOD[:5], ENV, "1.2.764.0", "expected 6 arguments"),
        ([*GOOD, "--extra"], ENV, "1.2.764.0", "expected 6 arguments"),
        (GOOD, {}, "1.2.764.0", "not JSON"),  # the variable is missing
        ([RESPONSE, *GOOD[1:]], ENV, "1.2.764.0", "takes the response from"),
        (GOOD, ENV, "1.2.497.0", "too old"),
        ([*GOOD[:1], "us-east-1 ", *GOOD[2:]], ENV, "1.2.764.0", "not a region"),
        ([*GOOD[:2], "start-session", *GOOD[3:]], ENV, "1.2.764.0", "not 'StartSession'"),
        ([*GOOD[:4], "{}", GOOD[5]], ENV, "1.2.764.0", "no Target"),
        ([*GOOD[:4], '{"Target": "i", "Port": 1}', GOOD[5]], ENV, "1.2.764.0", "unknown"),
        ([*GOOD[:5], "ssm.us-east-1.amazonaws.com"], ENV, "1.2.764.0", "not an endpoint URL"),
        (GOOD, {ENV_RESPONSE: '{"SessionId": "s"}'}, "1.2.764.0", "the response has"),
    ],
)
def test_a_call_against_the_contract_is_named(
    argv: list[str], env: dict[str, str], version: str, broken: str
) -> None:
    found = violations(argv, env, version)
    assert any(broken in problem for problem in found), found


def test_a_broken_call_fails_loudly(recorder: Recorder) -> None:
    done = subprocess.run(
        ["session-manager-plugin", "i-123", "us-east-1"],
        env=recorder.env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == CONTRACT_BROKEN
    assert "contract broken: expected 6 arguments" in done.stderr
    with pytest.raises(AssertionError, match="called against its contract"):
        recorder.records()
