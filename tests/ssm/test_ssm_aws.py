"""The SSM calls against the embedded AWS: finding the node, sessions, read-only mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.aws.ssm import TargetNotConnected
from sagedeck.errors import ReadOnly
from sagedeck.localaws import LocalAws
from sagedeck.localaws.identity import user_id

from .ssm_support import NODELESS, OFFLINE, ONLINE, REGION, active_sessions, node_id


def target_for(aws: LocalAws, read_only: bool = False) -> AwsTarget:
    return AwsTarget(
        None, (REGION,), aws.endpoint_url, read_only, StaticCredentials("demo", "demo")
    )


@pytest.fixture
async def services(aws: LocalAws) -> AsyncIterator[AwsServices]:
    async with AwsServices(target_for(aws)) as services:
        yield services


async def count_calls(services: AwsServices, operation: str) -> list[str]:
    client = await services.conn.client("ssm", REGION)
    calls: list[str] = []

    def seen(**_: Any) -> None:
        calls.append(operation)

    client.meta.events.register(f"before-call.ssm.{operation}", seen)
    return calls


async def test_finds_the_node_with_one_tag_filtered_call(
    aws: LocalAws, services: AwsServices
) -> None:
    calls = await count_calls(services, "DescribeInstanceInformation")
    node = await services.ssm.find_node(ONLINE, REGION)
    assert node is not None
    assert node.instance_id == node_id(aws, ONLINE)
    assert node.ping_status == "Online"
    assert node.agent_version
    assert node.tag("SSHResourceName") == ONLINE
    assert node.tag("SSHOwner") == user_id("demo")  # the registering caller's aws:userid
    assert calls == ["DescribeInstanceInformation"]
    assert await services.ssm.find_node(NODELESS, REGION) is None


async def test_prefers_online_then_the_newest_registration(
    aws: LocalAws, services: AwsServices
) -> None:
    now = datetime.now(UTC)
    name = "fraud-detection"  # seeded without a node
    old_online = aws.register_managed_node(REGION, name, registered=now - timedelta(days=2))
    newer_online = aws.register_managed_node(REGION, name, registered=now - timedelta(days=1))
    aws.register_managed_node(REGION, name, "ConnectionLost", registered=now)  # newest, dead
    node = await services.ssm.find_node(name, REGION)
    assert node is not None
    assert node.instance_id == newer_online != old_online


async def test_the_tag_key_is_configurable(aws: LocalAws, services: AwsServices) -> None:
    client = aws.client("ssm", REGION)
    node = node_id(aws, ONLINE)
    client.add_tags_to_resource(
        ResourceType="ManagedInstance", ResourceId=node, Tags=[{"Key": "Box", "Value": "x1"}]
    )
    found = await services.ssm.find_node("x1", REGION, tag_key="Box")
    assert found is not None
    assert found.instance_id == node
    services.ssm.tag_key = "Box"
    assert await services.ssm.find_node(ONLINE, REGION) is None


async def test_offline_node_is_target_not_connected(aws: LocalAws, services: AwsServices) -> None:
    with pytest.raises(TargetNotConnected, match="not connected"):
        await services.ssm.start_session(REGION, node_id(aws, OFFLINE))
    assert active_sessions(aws) == []


async def test_session_round_trip(aws: LocalAws, services: AwsServices) -> None:
    node = node_id(aws, ONLINE)
    session = await services.ssm.start_port_forward(REGION, node, 8888, 50123)
    assert dict(session.request) == {
        "Target": node,
        "DocumentName": "AWS-StartPortForwardingSession",
        "Parameters": {"portNumber": ["8888"], "localPortNumber": ["50123"]},
    }
    assert session.endpoint_url == aws.endpoint_url
    assert session.region == REGION
    assert "TokenValue" in session.response_json()
    assert session.token not in repr(session)
    listed = await services.ssm.active_sessions(REGION, node)
    assert [s.session_id for s in listed] == [session.session_id]
    await services.ssm.terminate_session(REGION, session.session_id)
    assert active_sessions(aws) == []


async def test_read_only_refuses_sessions_but_still_ends_them(aws: LocalAws) -> None:
    node = node_id(aws, ONLINE)
    async with AwsServices(target_for(aws)) as writable:
        session = await writable.ssm.start_session(REGION, node)
    async with AwsServices(target_for(aws, read_only=True)) as read_only:
        with pytest.raises(ReadOnly):
            await read_only.ssm.start_session(REGION, node)
        with pytest.raises(ReadOnly):
            await read_only.ssm.start_port_forward(REGION, node, 8888, 50124)
        await read_only.ssm.terminate_session(REGION, session.session_id)
        assert await read_only.ssm.find_node(ONLINE, REGION) is not None
    assert active_sessions(aws) == []


async def test_caller_identity(services: AwsServices) -> None:
    identity = await services.ssm.caller_identity(REGION)
    assert identity.account == "123456789012"
    assert identity.arn.startswith("arn:aws:")
