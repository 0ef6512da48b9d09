"""Access denied on one part shows in that part only; every other part is still filled.

The proxy denies one IAM action at a time, exactly as AWS words it for that protocol (IAM's
query XML, EC2's UnauthorizedOperation, SageMaker's and Logs' JSON), in front of the seeded
fleet, and the report the CLI's ``show`` and the dashboard's detail pane share is checked.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sagedeck.aws.details import NotebookReport, Part, load_report
from sagedeck.aws.logs.follow import LogFollower
from sagedeck.aws.services import AwsServices
from sagedeck.cli import main
from sagedeck.devtools.faultproxy import Fault, FaultKind, FaultProxy
from sagedeck.errors import AccessDenied
from sagedeck.models import NotebookDetail


async def vpc_notebook(services: AwsServices) -> NotebookDetail:
    """A seeded notebook with every part: a role, a network interface, a lifecycle config."""
    for summary in await services.sagemaker.list_all():
        if summary.lifecycle_config is None:
            continue
        detail = await services.sagemaker.describe(summary.key)
        if detail.role_arn and detail.network_interface_id:
            return detail
    raise AssertionError("the seeded fleet has no VPC notebook with a lifecycle config")


def deny(proxy: FaultProxy, *operations: str) -> None:
    proxy.add(Fault(FaultKind.DENY, operations=frozenset(operations)))


def assert_filled(report: NotebookReport, *, but: str) -> None:
    parts: dict[str, Part[Any]] = {
        "network": report.network,
        "role": report.role,
        "lifecycle": report.lifecycle,
        "tags": report.tags,
    }
    for name, part in parts.items():
        if name != but:
            assert part.ok, f"{name} failed: {part.error}"
            assert part.value, f"{name} is empty"
    if but != "role":
        assert report.role.value is not None
        assert report.role.value.denied == ()


async def test_nothing_denied_fills_every_part(services: AwsServices) -> None:
    report = await load_report(services, await vpc_notebook(services))
    assert_filled(report, but="")


@pytest.mark.parametrize(
    "denied",
    [
        ("iam:GetRole",),
        ("iam:ListAttachedRolePolicies",),
        ("iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"),
    ],
)
async def test_denied_role_calls_show_in_the_role_part_only(
    services: AwsServices, proxy: FaultProxy, denied: tuple[str, ...]
) -> None:
    detail = await vpc_notebook(services)
    deny(proxy, *denied)
    report = await load_report(services, detail)
    assert report.role.ok
    assert report.role.value is not None
    assert report.role.value.denied == denied
    assert report.role.value.role.arn == detail.role_arn  # still says which role it is
    if "iam:ListAttachedRolePolicies" not in denied:
        assert report.role.value.role.attached_policies  # the allowed calls were made
    assert_filled(report, but="role")


async def test_denied_network_interface_shows_in_the_network_part_only(
    services: AwsServices, proxy: FaultProxy
) -> None:
    detail = await vpc_notebook(services)
    deny(proxy, "ec2:DescribeNetworkInterfaces")
    report = await load_report(services, detail)
    assert not report.network.ok
    assert report.network.error is not None
    assert "not allowed: ec2:DescribeNetworkInterfaces" in report.network.error
    assert_filled(report, but="network")


async def test_denied_tags_show_in_the_tags_part_only(
    services: AwsServices, proxy: FaultProxy
) -> None:
    detail = await vpc_notebook(services)
    deny(proxy, "sagemaker:ListTags")
    report = await load_report(services, detail)
    assert report.tags.error is not None
    assert "not allowed: sagemaker:ListTags" in report.tags.error
    assert_filled(report, but="tags")


async def test_denied_logs_end_the_follow_with_the_permission_named(
    services: AwsServices, proxy: FaultProxy
) -> None:
    detail = await vpc_notebook(services)
    deny(proxy, "logs:FilterLogEvents")
    follower = LogFollower(
        services.logs, detail.key, prefix=f"{detail.name}/", since_ms=0, follow=True
    )
    with pytest.raises(AccessDenied) as caught:
        async for _ in follower:
            pass
    assert caught.value.permission == "logs:FilterLogEvents"
    # the rest of the notebook is unaffected
    assert_filled(await load_report(services, detail), but="")


async def test_show_prints_the_denied_part_and_the_rest(
    services: AwsServices,
    proxy: FaultProxy,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    detail = await vpc_notebook(services)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "demo")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "demo")
    deny(proxy, "ec2:DescribeNetworkInterfaces")
    argv = ["show", detail.name, "--region", detail.region, "--endpoint-url", proxy.url]
    code = await _run_cli(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "not allowed: ec2:DescribeNetworkInterfaces" in out
    assert detail.role_arn is not None
    assert detail.role_arn.rsplit("/", 1)[-1] in out
    assert "Traceback" not in out + err


async def _run_cli(argv: list[str]) -> int:
    """main() runs its own event loop: give it a thread."""
    return await asyncio.to_thread(main, argv)
