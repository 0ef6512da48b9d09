"""The detail pane: every part from the embedded AWS, lazily, cached, and what was denied."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagedeck.aws import details
from sagedeck.aws.services import AwsServices
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookKey, Tag
from sagedeck.ui.widgets.detail_pane import DetailPane

from .support import SIZE, build_app, loaded, part, parts_loaded, poll_now, select, wait_for


async def test_a_failed_vpc_instance_shows_why_and_its_network(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nlp-finetune")
        await parts_loaded(pilot, app)
        overview = part(app, "overview")
        assert "FailureReason" in overview
        assert "200 GB" in overview
        assert "KMS key" in overview
        # seeded in a VPC subnet with DirectInternetAccess Disabled
        assert re.search(r"internet +through the VPC only", overview), overview
        assert "direct (SageMaker's network)" not in overview
        network = part(app, "network")
        assert "eni-" in network
        assert "subnet-" in network
        assert "vpc-" in network
        assert "sg-" in network
        role = part(app, "role")
        assert "nlp-team-notebook-role" in role
        lifecycle = part(app, "lifecycle")
        assert "conda-setup-broken" in lifecycle
        assert "#!/bin/bash" in lifecycle
        assert "owner" in part(app, "tags")
        assert "dmitri" in part(app, "tags")


async def test_repositories_and_the_ssm_node(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "cv-training-gpu")
        await parts_loaded(pilot, app)
        repos = part(app, "repositories")
        assert "ml-utils" in repos
        assert "sagemaker-examples" in repos
        ssm = part(app, "ssm")
        assert "mi-" in ssm
        assert "Online" in ssm
        assert "notebook-al2-v3" in part(app, "overview")
        assert "none: not in a VPC" not in part(app, "network")


def _denying(client: Any, method: str, code: str) -> Any:
    """The real client, except that ``method`` answers as AWS does when IAM denies it."""

    class Denying:
        def __getattr__(self, name: str) -> Any:
            if name == method:

                async def denied(**kwargs: Any) -> Any:
                    error = {"Error": {"Code": code, "Message": "not authorized"}}
                    raise ClientError(error, method)  # type: ignore[arg-type]

                return denied
            return getattr(client, name)

    return Denying()


async def test_a_denied_part_says_what_was_denied_and_the_rest_still_shows(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env)
    conn = app.services.conn
    real_client = conn.client

    async def client(service: str, region: str) -> Any:
        found = await real_client(service, region)
        if service == "iam":
            return _denying(found, "get_role", "AccessDenied")
        if service == "ec2":
            return _denying(found, "describe_network_interfaces", "UnauthorizedOperation")
        return found

    monkeypatch.setattr(conn, "client", client)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "fraud-detection")
        await parts_loaded(pilot, app)
        assert "not allowed: ec2:DescribeNetworkInterfaces" in part(app, "network")
        role = part(app, "role")
        assert "not allowed: iam:GetRole" in role
        assert "AmazonSageMakerFullAccess" in role  # ListAttachedRolePolicies was allowed
        assert "auto-stop-idle" in part(app, "lifecycle")


async def test_parts_are_cached_until_the_instance_changes_or_a_manual_refresh(
    aws_env: LocalAws,
) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        pane = app.dashboard.query_one(DetailPane)
        await select(pilot, app, "us-east-1", "nb")
        await parts_loaded(pilot, app)
        loads = pane.loads
        await select(pilot, app, "us-east-1", "nb-dev")
        await parts_loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await poll_now(pilot, app)  # a quiet refresh: nb did not change
        await parts_loaded(pilot, app)
        assert pane.loads == loads + 1  # only nb-dev was loaded
        await pilot.press("ctrl+r")  # a manual refresh drops the cache
        await wait_for(pilot, lambda: pane.loads == loads + 2, what="a reload")
        await parts_loaded(pilot, app)


async def test_detail_pane_toggles_and_flips(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        pane = app.dashboard.query_one(DetailPane)
        body = app.dashboard.query_one("#body")
        assert pane.display
        assert not body.has_class("-bottom")
        await pilot.press("v")
        assert body.has_class("-bottom")
        await pilot.press("d")
        assert not pane.display
        loads = pane.loads
        await select(pilot, app, "eu-west-1", "eu-forecasting")
        await pilot.pause(0.3)
        assert pane.loads == loads  # hidden: nothing is loaded
        await pilot.press("d")
        await wait_for(pilot, lambda: pane.loads == loads + 1)
        await parts_loaded(pilot, app)
        assert "eu-forecasting" in part(app, "overview")


async def test_platform_is_described_once_per_instance(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env)
    calls: list[str] = []
    sagemaker = app.services.sagemaker
    describe = sagemaker.describe

    async def counting(key: Any) -> Any:
        calls.append(str(key))
        return await describe(key)

    monkeypatch.setattr(sagemaker, "describe", counting)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        app.dashboard.query_one(DetailPane).display = False
        first = len(calls)
        for _ in range(3):
            await poll_now(pilot, app)
        assert len(calls) == first
        assert first <= len(board.fleet) + 1  # + the detail pane's describe of the first row


async def test_the_pane_and_show_load_the_parts_of_one_table(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pane loads every part of ``aws/details.PARTS`` and ``load_report`` (``sagedeck
    show``) the reported ones, each through the table's loader: one loader changed there
    changes both."""
    calls: list[tuple[str, str]] = []

    def recorded(part: details.DetailPart) -> details.DetailPart:
        async def load(services: AwsServices, subject: details.Subject) -> Any:
            calls.append((part.key, subject.summary.name))
            if part.key == "tags":
                return (Tag("loaded-by", "the-parts-table"),)
            return await part.load(services, subject)

        return replace(part, load=load)

    monkeypatch.setattr(details, "PARTS", tuple(recorded(part) for part in details.PARTS))
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "fraud-detection")
        await parts_loaded(pilot, app)
        pane = [key for key, name in calls if name == "fraud-detection"]
        assert pane == [part.key for part in details.PARTS]
        assert "the-parts-table" in part(app, "tags")
        detail = await app.services.sagemaker.describe(NotebookKey("us-east-1", "fraud-detection"))
        calls.clear()
        report = await details.load_report(app.services, detail)
    assert [key for key, _name in calls] == [p.key for p in details.PARTS if p.reported]
    assert report.tags.value == (Tag("loaded-by", "the-parts-table"),)
    assert report.role.value is not None  # the other loaders are the real ones
    assert report.role.value.role.name == "AmazonSageMaker-ExecutionRole-20240131T145746"
    reported = [field.name for field in fields(details.NotebookReport)]
    assert reported == ["detail", *(p.key for p in details.PARTS if p.reported)]
