"""Who the caller is: GetCallerIdentity, session owners and the SSH helper's ``SSHOwner`` tag
name the same identity, as they do in AWS.

AWS's side: GetCallerIdentity of an IAM user answers ``arn:aws:iam::<account>:user/<name>`` and
the user id ``AIDA…``; a session's Owner is the caller's ARN and its id starts with the user or
role-session name (the AWS CLI's describe-sessions example); sagemaker-ssh-helper tags a node
``SSHOwner`` with the registering user's ``aws:userid`` and its policy compares it with
``${aws:userid}``.
"""

from __future__ import annotations

import re
from typing import cast

import boto3
from mypy_boto3_iam import IAMClient
from mypy_boto3_ssm import SSMClient
from mypy_boto3_sts import STSClient

from sagedeck.localaws import LocalAws
from sagedeck.localaws.identity import user_id

from .conftest import Clients

DEMO_ARN = "arn:aws:iam::123456789012:user/demo"


def _owners(ssm: SSMClient) -> dict[str, set[str]]:
    """SSHOwner of every node, by notebook."""
    found: dict[str, set[str]] = {}
    for node in ssm.describe_instance_information()["InstanceInformationList"]:
        tags = {
            t["Key"]: t["Value"]
            for t in ssm.list_tags_for_resource(
                ResourceType="ManagedInstance", ResourceId=node["InstanceId"]
            )["TagList"]
        }
        found.setdefault(tags["SSHResourceName"], set()).add(tags["SSHOwner"])
    return found


def test_the_demo_credentials_are_an_iam_user(clients: Clients, iam: IAMClient) -> None:
    sts = cast(STSClient, clients.get("sts"))
    identity = sts.get_caller_identity()
    assert identity["Arn"] == DEMO_ARN
    assert identity["Account"] == "123456789012"
    assert re.fullmatch(r"AIDA[A-Z0-9]{17}", identity["UserId"])
    user = iam.get_user(UserName="demo")["User"]
    assert (user["UserId"], user["Arn"]) == (identity["UserId"], identity["Arn"])


def test_an_empty_account_still_knows_the_caller(aws: LocalAws, clients: Clients) -> None:
    aws.reset(seed=False)
    sts = cast(STSClient, clients.get("sts"))
    assert sts.get_caller_identity()["Arn"] == DEMO_ARN


def test_sessions_are_owned_by_the_caller(aws: LocalAws, ssm: SSMClient, iam: IAMClient) -> None:
    target = ssm.describe_instance_information(
        Filters=[{"Key": "tag:SSHResourceName", "Values": ["alice-sandbox"]}]
    )["InstanceInformationList"][0]["InstanceId"]
    mine = ssm.start_session(Target=target)["SessionId"]
    assert mine.startswith("demo-")

    iam.create_user(UserName="zoe")
    key = iam.create_access_key(UserName="zoe")["AccessKey"]
    as_zoe = boto3.client(
        "ssm",
        region_name="us-east-1",
        endpoint_url=aws.endpoint_url,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    theirs = as_zoe.start_session(Target=target)["SessionId"]
    assert theirs.startswith("zoe-")
    owners = {s["SessionId"]: s["Owner"] for s in ssm.describe_sessions(State="Active")["Sessions"]}
    assert owners == {mine: DEMO_ARN, theirs: "arn:aws:iam::123456789012:user/zoe"}


def test_ssh_owner_is_the_registering_users_id(ssm: SSMClient, clients: Clients) -> None:
    """Most nodes were registered by the demo caller; priya registered her own notebook's."""
    demo, priya = user_id("demo"), user_id("priya")
    assert _owners(ssm) == {
        "alice-sandbox": {demo},
        "cv-training-gpu": {priya},
        "data-eng-etl": {demo},
    }
    eu = cast(SSMClient, clients.get("ssm", "eu-west-1"))
    assert _owners(eu) == {"eu-forecasting": {demo}}
    iam = cast(IAMClient, clients.get("iam"))
    assert iam.get_user(UserName="priya")["User"]["UserId"] == priya


def test_registered_nodes_default_to_the_caller(aws: LocalAws, ssm: SSMClient) -> None:
    aws.register_managed_node("us-east-1", "nb")
    assert _owners(ssm)["nb"] == {user_id("demo")}
