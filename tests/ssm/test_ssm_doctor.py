"""The doctor: what is there, what is missing, and the next step for each problem."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.devtools.faultproxy import FaultProxy
from sagedeck.devtools.faultproxy.faults import Fault, FaultKind
from sagedeck.localaws import LocalAws
from sagedeck.localaws.identity import user_id
from sagedeck.models import NotebookKey
from sagedeck.ssm.doctor import DoctorReport, Status, diagnose, render_text

from .ssm_support import NODELESS, OFFLINE, ONLINE, REGION, Recorder, node_id


def target_for(
    url: str, creds: StaticCredentials | None = None, read_only: bool = False
) -> AwsTarget:
    return AwsTarget(
        None,
        (REGION,),
        url,
        read_only=read_only,
        credentials=creds or StaticCredentials("demo", "demo"),
    )


@pytest.fixture
async def services(aws: LocalAws) -> AsyncIterator[AwsServices]:
    async with AwsServices(target_for(aws.endpoint_url)) as services:
        yield services


@pytest.fixture
def proxy(aws: LocalAws) -> Iterator[FaultProxy]:
    with FaultProxy(aws.endpoint_url, seed=7) as proxy:
        yield proxy


def statuses(report: DoctorReport) -> dict[str, Status]:
    return {c.topic: c.status for c in report.checks}


async def test_instance_without_a_node_says_why_and_what_to_do(services: AwsServices) -> None:
    report = await diagnose(services, NotebookKey(REGION, NODELESS))
    assert not report.healthy
    assert report.node is None
    text = render_text(report)
    lines = text.splitlines()
    assert lines[0] == f"sagedeck doctor: {NODELESS} ({REGION})"
    assert (
        f"  FAIL  node         no SSM managed node is tagged SSHResourceName={NODELESS} in"
        f" {REGION}, so {NODELESS} cannot be reached: a notebook instance is not an SSM target"
        " by itself"
    ) in lines
    assert lines[lines.index("Next steps:") + 1].startswith(
        "  1. register one with sagemaker-ssh-helper (https://github.com/aws-samples/"
        "sagemaker-ssh-helper): add its lifecycle configuration to the instance"
    )
    assert f"then run `sagedeck doctor {NODELESS}` again" in text
    assert f"advanced-instances tier is on in {REGION}" in text  # seeded: the helper needs it
    assert statuses(report) == {
        "plugin": Status.OK,
        "identity": Status.OK,
        "notebook": Status.OK,
        "node": Status.FAIL,
        "tier": Status.OK,
        "permissions": Status.OK,
    }


async def test_a_stopped_instance_says_start_it(services: AwsServices) -> None:
    report = await diagnose(services, NotebookKey(REGION, "fraud-detection"))
    notebook = report.check("notebook")
    assert notebook is not None
    assert notebook.status is Status.WARN
    assert "is Stopped" in notebook.summary
    assert "sagedeck start fraud-detection --wait" in report.next_steps[0]


async def test_online_node_and_owner_against_caller(aws: LocalAws, services: AwsServices) -> None:
    report = await diagnose(services, NotebookKey(REGION, ONLINE))  # as the demo caller
    node = report.check("node")
    assert node is not None
    assert node.status is Status.OK
    assert node.summary.startswith(f"{node_id(aws, ONLINE)}: Online, agent 3.")
    owner = report.check("owner")
    assert owner is not None
    assert owner.status is Status.OK
    # AWS's unique ids are opaque: each says what it is.
    assert owner.summary == f"registered by you (SSHOwner = your IAM user id {user_id('demo')})"
    identity = report.check("identity")
    assert identity is not None
    assert identity.summary.endswith(f"(account 123456789012, IAM user id {user_id('demo')})")
    assert report.healthy
    assert "Nothing to fix" in render_text(report)
    iam = aws.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    alice = StaticCredentials(key["AccessKeyId"], key["SecretAccessKey"])
    async with AwsServices(target_for(aws.endpoint_url, alice)) as as_alice:
        report = await diagnose(as_alice, NotebookKey(REGION, ONLINE))
    owner = report.check("owner")
    assert owner is not None
    assert owner.status is Status.WARN  # the same node, seen by someone who did not register it


async def test_someone_elses_node_is_a_warning_with_the_policy(services: AwsServices) -> None:
    report = await diagnose(services, NotebookKey(REGION, "cv-training-gpu"))
    owner = report.check("owner")
    assert owner is not None
    assert owner.status is Status.WARN
    assert owner.summary.startswith(
        f"registered by IAM user id {user_id('priya')} (SSHOwner tag),"
        f" not by you (IAM user id {user_id('demo')}):"
    )
    assert "${aws:userid}" in owner.summary
    assert owner.fix is not None  # who that is: the command that names the user
    assert f"--query \"Users[?UserId=='{user_id('priya')}'].UserName\"" in owner.fix
    assert report.healthy  # a warning does not block


async def test_offline_node(services: AwsServices) -> None:
    report = await diagnose(services, NotebookKey(REGION, OFFLINE))
    node = report.check("node")
    assert node is not None
    assert node.status is Status.FAIL
    assert "ConnectionLost" in node.summary
    assert "TargetNotConnected" in node.summary


async def test_plugin_missing_and_outdated(
    services: AwsServices, recorder: Recorder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SAGEDECK_SSM_PLUGIN", "session-manager-plugin")
    monkeypatch.setenv("PATH", str(tmp_path))
    report = await diagnose(services, None)
    plugin = report.check("plugin")
    assert plugin is not None
    assert plugin.status is Status.FAIL
    assert plugin.fix
    assert "session-manager-working-with-install-plugin" in plugin.fix
    for name, value in recorder.env("1.2.400.0").items():
        monkeypatch.setenv(name, value)
    report = await diagnose(services, None)
    plugin = report.check("plugin")
    assert plugin is not None
    assert plugin.status is Status.WARN
    assert "1.2.400.0" in plugin.summary
    assert "outdated" in plugin.summary


async def test_denied_and_failed_calls_are_named(aws: LocalAws, proxy: FaultProxy) -> None:
    proxy.add(Fault(FaultKind.DENY, operations=frozenset({"ssm:DescribeInstanceInformation"})))
    async with AwsServices(target_for(proxy.url)) as services:
        report = await diagnose(services, NotebookKey(REGION, ONLINE))
    assert [c.permission for c in report.failed_calls] == ["ssm:DescribeInstanceInformation"]
    permissions = report.check("permissions")
    assert permissions is not None
    assert permissions.status is Status.FAIL
    assert "denied: ssm:DescribeInstanceInformation" in permissions.summary
    assert "ask an administrator to allow ssm:DescribeInstanceInformation" in report.next_steps
    proxy.refuse()
    async with AwsServices(target_for(proxy.url)) as services:
        report = await diagnose(services, NotebookKey(REGION, ONLINE))
    text = render_text(report)
    assert {c.permission for c in report.failed_calls} >= {
        "sts:GetCallerIdentity",
        "ssm:DescribeInstanceInformation",
    }
    assert "Failed calls:" in text
    assert "unreachable" in text


async def test_read_only_is_noted(aws: LocalAws) -> None:
    async with AwsServices(target_for(aws.endpoint_url, read_only=True)) as services:
        report = await diagnose(services, NotebookKey(REGION, ONLINE))
    read_only = report.check("read-only")
    assert read_only is not None
    assert read_only.status is Status.WARN


def test_cli_doctor_exit_status(aws_env: LocalAws) -> None:
    def doctor(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sagedeck", "doctor", *args, "--endpoint-url",
             aws_env.endpoint_url],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    missing_node = doctor(NODELESS)
    assert missing_node.returncode == 1
    assert f"FAIL  node         no SSM managed node is tagged SSHResourceName={NODELESS}" in (
        missing_node.stdout
    )
    general = doctor()
    assert general.returncode == 0
    assert "sagedeck doctor: SSM setup" in general.stdout


def test_cli_ssm_commands_use_the_tag_key_from_the_config(
    aws_env: LocalAws,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The setting reaches the commands through the services the CLI builds: ONLINE's node is
    tagged SSHResourceName, so under another tag key it has none."""
    from sagedeck.cli import main

    args = ["doctor", ONLINE, "--region", REGION, "--endpoint-url", aws_env.endpoint_url]
    monkeypatch.setenv("SAGEDECK_CONFIG", str(tmp_path / "absent.toml"))
    assert main(args) == 0
    config = tmp_path / "config.toml"
    config.write_text('ssm_tag_key = "Owner"\n', encoding="utf-8")
    monkeypatch.setenv("SAGEDECK_CONFIG", str(config))
    capsys.readouterr()
    assert main(args) == 1
    assert f"no SSM managed node is tagged Owner={ONLINE}" in capsys.readouterr().out
