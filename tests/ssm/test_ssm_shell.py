"""The shell hand-off's failure paths: nothing stays open, and the message says what to do."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.errors import ReadOnly, SagedeckError
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookKey
from sagedeck.ssm.plugin import Plugin, PluginNotFound
from sagedeck.ssm.shell import NoManagedNode, ShellPlan, plan_shell, run_shell

from .ssm_support import NODELESS, OFFLINE, ONLINE, REGION, Recorder, active_sessions, node_id

KEY = NotebookKey(REGION, ONLINE)


def target_for(aws: LocalAws, read_only: bool = False) -> AwsTarget:
    return AwsTarget(
        None, (REGION,), aws.endpoint_url, read_only, StaticCredentials("demo", "demo")
    )


@pytest.fixture
async def services(no_session_left: LocalAws) -> AsyncIterator[AwsServices]:
    async with AwsServices(target_for(no_session_left)) as services:
        yield services


@pytest.fixture
def use_recorder(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    for name, value in recorder.env().items():
        monkeypatch.setenv(name, value)
    return recorder


def history(aws: LocalAws) -> dict[str, str]:
    sessions = aws.client("ssm", REGION).describe_sessions(State="History")["Sessions"]
    return {s["SessionId"]: s["Status"] for s in sessions}


async def test_exit_status_is_returned_and_the_session_ended(
    services: AwsServices, use_recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECORDER_EXIT", "3")
    plan = await plan_shell(services, KEY)
    seen: list[str] = []
    outcome = await run_shell(services, plan, announce=seen.append)
    assert outcome.exit_code == 3
    assert outcome.terminated
    assert outcome.summary == "session ended, exit status 3"
    assert seen == [f"── sagedeck: shell on {ONLINE} ({plan.node.instance_id}, {REGION})"
                    " · type `exit` or Ctrl-D to come back ──"]  # fmt: skip
    assert len(use_recorder.records()) == 1


async def test_plugin_missing_opens_no_session_and_says_how_to_install(
    services: AwsServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("SAGEDECK_SSM_PLUGIN", "session-manager-plugin")
    with pytest.raises(PluginNotFound, match=r"install it, see https://docs\.aws\.amazon\.com/"):
        await plan_shell(services, KEY)


async def test_plugin_gone_at_exec_terminates_the_started_session(
    aws: LocalAws, services: AwsServices, tmp_path: Path
) -> None:
    """As the AWS CLI does when the plugin is missing: TerminateSession, then the hint."""
    node = await services.ssm.find_node(ONLINE, REGION)
    assert node is not None
    vanished = Plugin((str(tmp_path / "session-manager-plugin"),), "1.2.764.0")
    with pytest.raises(PluginNotFound, match="install"):
        await run_shell(services, ShellPlan(KEY, node, vanished), announce=lambda _: None)
    assert list(history(aws).values()) == ["Terminated"]


async def test_plugin_that_cannot_run_terminates_the_session(
    aws: LocalAws, services: AwsServices, tmp_path: Path
) -> None:
    node = await services.ssm.find_node(ONLINE, REGION)
    assert node is not None
    broken = tmp_path / "session-manager-plugin"
    broken.write_text("not a program")
    broken.chmod(0o644)  # found once, not executable now
    with pytest.raises(SagedeckError, match="could not be started"):
        await run_shell(
            services, ShellPlan(KEY, node, Plugin((str(broken),), None)), announce=lambda _: None
        )
    assert list(history(aws).values()) == ["Terminated"]


async def test_target_not_connected_is_one_line_with_the_next_step(
    services: AwsServices, use_recorder: Recorder
) -> None:
    plan = await plan_shell(services, NotebookKey(REGION, OFFLINE))
    with pytest.raises(SagedeckError) as caught:
        await run_shell(services, plan, announce=lambda _: None)
    message = str(caught.value)
    assert "\n" not in message
    assert "TargetNotConnected" in message
    assert f"sagedeck doctor {OFFLINE}" in message
    assert use_recorder.records() == []  # the plugin never ran


async def test_no_node_and_read_only_fail_before_any_session(
    aws: LocalAws, services: AwsServices
) -> None:
    with pytest.raises(NoManagedNode, match=f"run `sagedeck doctor {NODELESS}`"):
        await plan_shell(services, NotebookKey(REGION, NODELESS))
    async with AwsServices(target_for(aws, read_only=True)) as read_only:
        with pytest.raises(ReadOnly):
            await plan_shell(read_only, KEY)
    assert history(aws) == {}


def sagedeck(aws: LocalAws, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sagedeck", *args, "--endpoint-url", aws.endpoint_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_cli_errors_are_one_line(aws_env: LocalAws, recorder: Recorder) -> None:
    env = recorder.env()
    offline = sagedeck(aws_env, "ssm", OFFLINE, env=env)
    assert offline.returncode == 1
    assert offline.stderr.count("\n") == 1
    assert "TargetNotConnected" in offline.stderr
    missing = sagedeck(aws_env, "ssm", ONLINE, env={**env, "PATH": "/nonexistent"})
    assert missing.returncode == 1
    assert missing.stderr.startswith("sagedeck: session-manager-plugin not found")
    assert "install" in missing.stderr
    assert missing.stderr.count("\n") == 1
    assert active_sessions(aws_env) == []
    assert recorder.records() == []


def test_cli_returns_the_plugin_exit_status(aws_env: LocalAws, recorder: Recorder) -> None:
    done = sagedeck(aws_env, "ssm", ONLINE, env=recorder.env(RECORDER_EXIT="7"))
    assert done.returncode == 7
    assert "session ended, exit status 7" in done.stderr
    assert active_sessions(aws_env, node_id(aws_env, ONLINE)) == []
