"""The plugin's version rules and invocation, checked against the AWS CLI's own code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.aws.ssm import StartedSession
from sagedeck.localaws.demo_plugin import UsageError, parse
from sagedeck.ssm.plugin import (
    ENV_OVERRIDE,
    ENV_RESPONSE,
    Plugin,
    PluginNotFound,
    build_invocation,
    demo_command,
    find_plugin,
    is_loopback_endpoint,
    uses_env_form,
)
from system_tools import peer

VERSIONS = [
    "1.2.497.0",
    "1.2.497.1",
    "1.2.498",
    "1.2.764.0\n",
    " 1.2.764.0 ",
    "1.2",
    "1.3",
    "1.2.497",
    "2",
    "1.1.999.999",
    "1.2.497.0.1",
    "v1.2.764.0",
    "",
    "garbage",
]

SESSION = StartedSession(
    session_id="alice-0123456789abcdef0",
    token="tok/en+value==",
    stream_url="wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/alice-0123",
    region="us-east-1",
    endpoint_url="https://ssm.us-east-1.amazonaws.com",
    target="mi-0123456789abcdef0",
    request={"Target": "mi-0123456789abcdef0"},
)


def test_env_form_decision_matches_the_aws_cli_for_every_version() -> None:
    code = (
        "import json, sys\n"
        "from awscli.customizations.sessionmanager import StartSessionCaller, VersionRequirement\n"
        "req = VersionRequirement(StartSessionCaller.LAST_PLUGIN_VERSION_WITHOUT_ENV_VAR)\n"
        "print(json.dumps([req.meets_requirement(v) for v in json.loads(sys.argv[1])]))\n"
    )
    done = subprocess.run(
        [str(peer("python")), "-c", code, json.dumps(VERSIONS)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    expected = json.loads(done.stdout)
    assert [uses_env_form(v) for v in VERSIONS] == expected
    assert True in expected
    assert False in expected


def test_env_form_puts_the_response_in_the_environment_only() -> None:
    plugin = Plugin(("/opt/session-manager-plugin",), "1.2.764.0")
    target = AwsTarget(profile="work", regions=("us-east-1",))
    invocation = build_invocation(plugin, SESSION, target, base_env={"PATH": "/bin"})
    assert invocation.argv == (
        "/opt/session-manager-plugin",
        ENV_RESPONSE,
        "us-east-1",
        "StartSession",
        "work",
        '{"Target": "mi-0123456789abcdef0"}',
        "https://ssm.us-east-1.amazonaws.com",
    )
    assert json.loads(invocation.env[ENV_RESPONSE]) == {
        "SessionId": SESSION.session_id,
        "TokenValue": SESSION.token,
        "StreamUrl": SESSION.stream_url,
    }
    assert SESSION.token not in " ".join(invocation.argv)


def test_legacy_form_passes_the_response_as_the_first_argument() -> None:
    plugin = Plugin(("/opt/session-manager-plugin",), "1.2.497.0")
    target = AwsTarget(profile=None, regions=("us-east-1",))
    invocation = build_invocation(plugin, SESSION, target, base_env={ENV_RESPONSE: "stale"})
    assert json.loads(invocation.argv[1])["TokenValue"] == SESSION.token
    assert invocation.argv[4] == ""  # no profile: an empty argument, as the CLI passes
    assert invocation.env[ENV_RESPONSE] == "stale"  # untouched, as the CLI leaves it


def test_static_credentials_reach_the_plugin_environment() -> None:
    target = AwsTarget(None, ("us-east-1",), credentials=StaticCredentials("demo", "secret"))
    invocation = build_invocation(
        Plugin(demo_command(), "1.2.764.0", demo=True),
        SESSION,
        target,
        base_env={"AWS_SESSION_TOKEN": "old"},
    )
    assert invocation.env["AWS_ACCESS_KEY_ID"] == "demo"
    assert invocation.env["AWS_SECRET_ACCESS_KEY"] == "secret"
    assert "AWS_SESSION_TOKEN" not in invocation.env
    assert invocation.argv[: len(demo_command())] == demo_command()
    assert len(invocation.plugin_args) == 6


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:4566", True),
        ("http://localhost:5000", True),
        ("http://[::1]:80", True),
        ("https://ssm.us-east-1.amazonaws.com", False),
        ("http://10.0.0.5:4566", False),
        (None, False),
    ],
)
def test_loopback_endpoints_are_the_demo(url: str | None, loopback: bool) -> None:
    assert is_loopback_endpoint(url) is loopback


def test_plugin_choice(tmp_path: Path) -> None:
    assert find_plugin("http://127.0.0.1:1", env={"PATH": ""}).demo
    with pytest.raises(PluginNotFound, match="install it"):
        find_plugin("https://ssm.us-east-1.amazonaws.com", env={"PATH": str(tmp_path)})
    fake = tmp_path / "session-manager-plugin"
    fake.write_text("#!/bin/sh\necho 1.2.650.0\n")
    fake.chmod(0o755)
    real = find_plugin("https://ssm.us-east-1.amazonaws.com", env={"PATH": str(tmp_path)})
    assert real == Plugin((str(fake),), "1.2.650.0")
    assert real.uses_env_form
    assert real.outdated
    forced = find_plugin("http://127.0.0.1:1", env={"PATH": str(tmp_path), ENV_OVERRIDE: str(fake)})
    assert not forced.demo
    assert forced.command == (str(fake),)
    demo = find_plugin("https://ssm.us-east-1.amazonaws.com", env={ENV_OVERRIDE: "demo"})
    assert demo.demo
    assert demo.uses_env_form


def test_demo_plugin_reads_both_forms_and_rejects_others() -> None:
    response = SESSION.response_json()
    args = ["us-east-1", "StartSession", "", SESSION.request_json(), "http://127.0.0.1:1"]
    legacy = parse([response, *args], {})
    via_env = parse([ENV_RESPONSE, *args], {ENV_RESPONSE: response})
    assert legacy == via_env
    assert legacy["target"] == SESSION.target
    assert legacy["session_id"] == SESSION.session_id
    with pytest.raises(UsageError, match="not set"):
        parse([ENV_RESPONSE, *args], {})
    with pytest.raises(UsageError, match="6 arguments"):
        parse(args, {})


def test_demo_plugin_answers_like_the_real_one() -> None:
    version = subprocess.run(
        [*demo_command(), "--version"], capture_output=True, text=True, timeout=30, check=True
    )
    assert uses_env_form(version.stdout)
    bare = subprocess.run(demo_command(), capture_output=True, text=True, timeout=30, check=True)
    assert "installed successfully" in bare.stdout
    bad = subprocess.run(
        [*demo_command(), "x"], capture_output=True, text=True, timeout=30, check=False
    )
    assert bad.returncode == 1
    assert "6 arguments" in bad.stderr
    assert sys.executable == demo_command()[0]
