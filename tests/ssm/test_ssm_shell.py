"""The shell hand-off's failure paths: nothing stays open, and the message says what to do."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.cli import end_sessions_now
from sagedeck.errors import ReadOnly, SagedeckError
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookKey
from sagedeck.ssm.live_shells import end_shells_blocking, live_shells
from sagedeck.ssm.plugin import Plugin, PluginNotFound
from sagedeck.ssm.shell import NoManagedNode, ShellOutcome, ShellPlan, plan_shell, run_shell

from .ssm_support import (
    NODELESS,
    OFFLINE,
    ONLINE,
    REGION,
    Recorder,
    active_sessions,
    node_id,
    processes_with_session,
)

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


# --- a shell must not outlive sagedeck ---------------------------------------------------


@pytest.fixture
def demo_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The demo plugin, whose shell waits (stdin is no terminal here: bash would just exit).
    Yields the ids of the sessions started; whatever carries one at the end is killed, so a
    failed test leaves nothing running."""
    shell = tmp_path / "waiting-shell"
    shell.write_text("#!/bin/sh\nexec sleep 600\n")
    shell.chmod(0o755)
    monkeypatch.setenv("SAGEDECK_SSM_PLUGIN", "demo")
    monkeypatch.setenv("SAGEDECK_DEMO_SHELL", str(shell))
    started: list[str] = []
    yield started
    for session_id in started:
        for pid in processes_with_session(session_id):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


async def shell_running(
    services: AwsServices, started: list[str]
) -> tuple[asyncio.Task[ShellOutcome], str]:
    """run_shell under way: the demo plugin and its shell both run. Returns the session id."""
    plan = await plan_shell(services, KEY)
    assert plan.plugin.demo
    running = asyncio.create_task(run_shell(services, plan, announce=lambda _: None))
    deadline = time.monotonic() + 30  # a hang guard
    while True:
        shells = live_shells()
        if shells and len(processes_with_session(shells[0].session.session_id)) == 2:
            started.append(shells[0].session.session_id)
            return running, started[-1]
        assert not running.done(), running
        assert time.monotonic() < deadline, "the demo plugin and its shell did not start"
        await asyncio.sleep(0.05)


async def test_the_last_rites_end_a_shell_while_the_event_loop_is_stuck(
    aws: LocalAws, services: AwsServices, demo_shell: list[str]
) -> None:
    """What the exit deadline's watchdog runs when the orderly exit is stuck, called on the
    loop's own thread: nothing of the orderly path (``run_shell``'s ``finally``) can run
    until it returns, so what is ended by then, the last rites ended."""
    running, session_id = await shell_running(services, demo_shell)
    end_sessions_now()
    assert processes_with_session(session_id) == []  # the plugin and the shell it ran
    assert active_sessions(aws) == []
    assert live_shells() == []
    outcome = await running  # the loop runs again: the orderly path finds it all ended
    assert outcome.exit_code == 128 + signal.SIGHUP  # hung up, as by a closed terminal
    assert list(history(aws).values()) == ["Terminated"]


async def test_a_shell_given_up_on_is_hung_up_and_its_session_ended(
    aws: LocalAws, services: AwsServices, demo_shell: list[str]
) -> None:
    """The app closing cancels the wait for the plugin: left running, the plugin would keep
    the terminal (and a process carrying the session) after sagedeck has gone."""
    running, session_id = await shell_running(services, demo_shell)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert active_sessions(aws) == []  # at once: the AWS clients may be closing next
    deadline = time.monotonic() + 30  # a hang guard: the demo plugin heeds the hang-up
    while processes_with_session(session_id):
        assert time.monotonic() < deadline, "the plugin outlived the hang-up"
        await asyncio.sleep(0.05)
    assert [shell.session.session_id for shell in live_shells()] == [session_id]
    assert end_shells_blocking() == []  # what atexit runs: nothing left to do but forget it
    assert live_shells() == []


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
