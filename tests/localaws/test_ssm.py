"""SSM managed nodes for notebooks, and Session Manager sessions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from mypy_boto3_ssm import SSMClient
from mypy_boto3_ssm.type_defs import InstanceInformationStringFilterTypeDef

from sagedeck.localaws import LocalAws
from sagedeck.localaws.identity import user_id

from .conftest import Clients
from .helpers import aws_error


def _nodes(ssm: SSMClient, *filters: InstanceInformationStringFilterTypeDef) -> list[str]:
    found: list[str] = []
    for page in ssm.get_paginator("describe_instance_information").paginate(Filters=list(filters)):
        found += [node["InstanceId"] for node in page["InstanceInformationList"]]
    return found


def _tag(ssm: SSMClient, node_id: str, key: str) -> str:
    tags = ssm.list_tags_for_resource(ResourceType="ManagedInstance", ResourceId=node_id)
    return next(tag["Value"] for tag in tags["TagList"] if tag["Key"] == key)


def test_tag_filter_finds_a_notebooks_nodes(ssm: SSMClient) -> None:
    found = ssm.describe_instance_information(
        Filters=[{"Key": "tag:SSHResourceName", "Values": ["cv-training-gpu"]}]
    )["InstanceInformationList"]
    assert {node["PingStatus"] for node in found} == {"Online", "ConnectionLost"}
    newest = max(found, key=lambda node: int(_tag(ssm, node["InstanceId"], "SSHTimestamp")))
    assert newest["PingStatus"] == "Online"
    node = newest
    assert re.fullmatch(r"mi-[0-9a-f]{17}", node["InstanceId"])
    assert node["ResourceType"] == "ManagedInstance"
    assert node["PlatformType"] == "Linux"
    assert node["PlatformName"] == "Amazon Linux"
    assert node["ComputerName"].endswith(".ec2.internal")
    assert node["IPAddress"].startswith("172.16.")
    assert node["AgentVersion"]
    assert "LastPingDateTime" in node
    assert _tag(ssm, node["InstanceId"], "SSHResourceArn") == (
        "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/cv-training-gpu"
    )
    assert _tag(ssm, node["InstanceId"], "SSHOwner") == user_id("priya")  # her aws:userid


def test_seeded_nodes(ssm: SSMClient, clients: Clients) -> None:
    names = {
        _tag(ssm, node_id, "SSHResourceName"): node_id
        for node_id in _nodes(ssm, {"Key": "PingStatus", "Values": ["Online"]})
    }
    assert set(names) == {"alice-sandbox", "cv-training-gpu"}
    offline = _nodes(ssm, {"Key": "PingStatus", "Values": ["ConnectionLost"]})
    assert {_tag(ssm, node_id, "SSHResourceName") for node_id in offline} == {
        "cv-training-gpu",
        "data-eng-etl",
    }
    eu = cast(SSMClient, clients.get("ssm", "eu-west-1"))
    assert [_tag(eu, node, "SSHResourceName") for node in _nodes(eu)] == ["eu-forecasting"]


def test_filters_combine(ssm: SSMClient) -> None:
    every = _nodes(ssm)
    assert len(every) == 4
    one = every[0]
    assert _nodes(ssm, {"Key": "InstanceIds", "Values": [one]}) == [one]
    assert _nodes(ssm, {"Key": "tag-key", "Values": ["SSHOwner"]}) == every
    assert _nodes(
        ssm,
        {"Key": "tag:SSHOwner", "Values": [user_id("priya")]},
        {"Key": "tag:SSHResourceName", "Values": ["cv-training-gpu"]},
    ) == [n for n in every if _tag(ssm, n, "SSHOwner") == user_id("priya")]
    assert _nodes(ssm, {"Key": "PlatformTypes", "Values": ["Windows"]}) == []


def test_tag_filters_cannot_be_mixed_with_others(ssm: SSMClient) -> None:
    with aws_error(
        "ValidationException", "Cannot mix tag or inventory filter with any other filter."
    ):
        ssm.describe_instance_information(
            Filters=[
                {"Key": "tag:SSHResourceName", "Values": ["nb"]},
                {"Key": "PingStatus", "Values": ["Online"]},
            ]
        )


def test_bad_filters(ssm: SSMClient) -> None:
    with aws_error("InvalidFilterKey"):
        ssm.describe_instance_information(Filters=[{"Key": "Colour", "Values": ["blue"]}])
    with aws_error("InvalidInstanceInformationFilterValue"):
        ssm.describe_instance_information(Filters=[{"Key": "PingStatus", "Values": ["Sleepy"]}])
    with aws_error(
        "InvalidInstanceInformationFilterValue", "ResourceType filter may contain only one value."
    ):
        ssm.describe_instance_information(
            Filters=[{"Key": "ResourceType", "Values": ["ManagedInstance", "EC2Instance"]}]
        )


def test_legacy_filter_list(ssm: SSMClient) -> None:
    found = ssm.describe_instance_information(
        InstanceInformationFilterList=[{"key": "PingStatus", "valueSet": ["Online"]}]
    )["InstanceInformationList"]
    assert len(found) == 2


def test_pagination(aws: LocalAws, ssm: SSMClient) -> None:
    for index in range(8):
        aws.register_managed_node("us-east-1", f"extra-{index}")
    first = ssm.describe_instance_information(MaxResults=5)
    assert len(first["InstanceInformationList"]) == 5
    assert "NextToken" in first
    assert len(_nodes(ssm)) == 12


def test_register_managed_node(aws: LocalAws, ssm: SSMClient) -> None:
    node_id = aws.register_managed_node("us-east-1", "nb", owner="bob")
    found = _nodes(ssm, {"Key": "tag:SSHResourceName", "Values": ["nb"]})
    assert found == [node_id]
    assert _tag(ssm, node_id, "SSHOwner") == "bob"
    assert _tag(ssm, node_id, "SSHResourceArn").endswith(":notebook-instance/nb")


def test_managed_instance_tags(ssm: SSMClient) -> None:
    node_id = _nodes(ssm)[0]
    ssm.add_tags_to_resource(
        ResourceType="ManagedInstance",
        ResourceId=node_id,
        Tags=[{"Key": "SSHOwner", "Value": "zoe"}],
    )
    assert _tag(ssm, node_id, "SSHOwner") == "zoe"
    ssm.remove_tags_from_resource(
        ResourceType="ManagedInstance", ResourceId=node_id, TagKeys=["SSHOwner"]
    )
    keys = {
        tag["Key"]
        for tag in ssm.list_tags_for_resource(ResourceType="ManagedInstance", ResourceId=node_id)[
            "TagList"
        ]
    }
    assert "SSHOwner" not in keys
    with aws_error("InvalidResourceId"):
        ssm.list_tags_for_resource(
            ResourceType="ManagedInstance", ResourceId="mi-00000000000000000"
        )


def _online_node(ssm: SSMClient, notebook: str) -> str:
    return _nodes(
        ssm,
        {"Key": "tag:SSHResourceName", "Values": [notebook]},
    )[-1]


def test_start_and_terminate_a_session(ssm: SSMClient) -> None:
    target = _online_node(ssm, "alice-sandbox")
    started = ssm.start_session(
        Target=target,
        DocumentName="AWS-StartPortForwardingSession",
        Parameters={"portNumber": ["8888"], "localPortNumber": ["8888"]},
        Reason="tensorboard",
    )
    session_id = started["SessionId"]
    assert re.fullmatch(r"demo-[0-9a-f]{17}", session_id)
    assert started["StreamUrl"] == (
        f"wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/{session_id}"
        "?role=publish_subscribe"
    )
    assert 100 < len(started["TokenValue"]) <= 300
    active = ssm.describe_sessions(State="Active")["Sessions"]
    assert [(s["SessionId"], s["Target"], s["Status"]) for s in active] == [
        (session_id, target, "Connected")
    ]
    assert active[0]["DocumentName"] == "AWS-StartPortForwardingSession"
    assert active[0]["Reason"] == "tensorboard"
    assert ssm.terminate_session(SessionId=session_id)["SessionId"] == session_id
    assert ssm.describe_sessions(State="Active")["Sessions"] == []
    history = ssm.describe_sessions(State="History")["Sessions"]
    assert [(s["SessionId"], s["Status"]) for s in history] == [(session_id, "Terminated")]
    assert "EndDate" in history[0]
    # Terminating again is not an error.
    assert ssm.terminate_session(SessionId=session_id)["SessionId"] == session_id


@pytest.mark.parametrize("which", ["offline", "unknown"])
def test_target_not_connected(ssm: SSMClient, which: str) -> None:
    if which == "offline":
        target = _nodes(ssm, {"Key": "tag:SSHResourceName", "Values": ["data-eng-etl"]})[0]
    else:
        target = "mi-0123456789abcdef0"
    with aws_error("TargetNotConnected", f"{target} is not connected."):
        ssm.start_session(Target=target)


def test_session_filters(ssm: SSMClient) -> None:
    alice = _online_node(ssm, "alice-sandbox")
    priya = _online_node(ssm, "cv-training-gpu")
    ssm.start_session(Target=alice)
    second = ssm.start_session(Target=priya)["SessionId"]
    by_target = ssm.describe_sessions(State="Active", Filters=[{"key": "Target", "value": priya}])
    assert [s["SessionId"] for s in by_target["Sessions"]] == [second]
    with aws_error("InvalidFilterKey"):
        ssm.describe_sessions(State="Active", Filters=[{"key": "Colour", "value": "x"}])  # type: ignore[typeddict-item]


def test_node_going_offline_ends_its_sessions(aws: LocalAws, ssm: SSMClient) -> None:
    target = _online_node(ssm, "alice-sandbox")
    session_id = ssm.start_session(Target=target)["SessionId"]
    aws.set_node_ping("us-east-1", target, "ConnectionLost")
    history = ssm.describe_sessions(State="History")["Sessions"]
    assert [s["SessionId"] for s in history] == [session_id]
    with aws_error("TargetNotConnected"):
        ssm.start_session(Target=target)


def _ping_of(ssm: SSMClient, node_id: str) -> datetime:
    found = ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [node_id]}])
    return found["InstanceInformationList"][0]["LastPingDateTime"]


def _simulated_now(aws: LocalAws) -> datetime:
    return datetime.fromtimestamp(aws.simulator.now(), UTC)


def test_online_nodes_ping_every_five_minutes(aws: LocalAws, ssm: SSMClient) -> None:
    """An agent pings every five minutes: an Online node's last ping is always recent."""
    target = _online_node(ssm, "alice-sandbox")  # registered 3.1 hours before the seed
    registered = ssm.describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": [target]}]
    )["InstanceInformationList"][0]["RegistrationDate"]
    for _ in range(3):
        ping = _ping_of(ssm, target)
        now = _simulated_now(aws)
        assert now - timedelta(minutes=5) < ping <= now
        assert (ping - registered) % timedelta(minutes=5) == timedelta(0)  # its beat
        assert _ping_of(ssm, target) == ping  # deterministic
        aws.simulator.step(7 * 60)


def test_lost_nodes_keep_their_last_ping(aws: LocalAws, ssm: SSMClient) -> None:
    lost = _nodes(ssm, {"Key": "tag:SSHResourceName", "Values": ["data-eng-etl"]})[0]
    before = _ping_of(ssm, lost)
    assert _simulated_now(aws) - before > timedelta(hours=24)
    aws.simulator.step(3600)
    assert _ping_of(ssm, lost) == before

    target = _online_node(ssm, "alice-sandbox")
    aws.simulator.step(4 * 60)
    last = _ping_of(ssm, target)
    aws.set_node_ping("us-east-1", target, "ConnectionLost")
    aws.simulator.step(3600)
    assert _ping_of(ssm, target) == last
    aws.set_node_ping("us-east-1", target, "Online")  # the agent is back: it pings at once
    assert abs(_ping_of(ssm, target) - _simulated_now(aws)) < timedelta(seconds=1)
