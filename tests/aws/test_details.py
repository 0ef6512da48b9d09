"""The detail report: network interface (EC2), role and policies (IAM), lifecycle scripts,
repositories and tags, each part loaded on its own so one denied call spoils only its part.

Partial denial is produced two real ways: moto's IAM enforcement (``/moto-api/reset-auth``,
with a user whose policy allows some calls and not others), and a per-service endpoint
(``AWS_ENDPOINT_URL_IAM``) pointing IAM at the wire-format server while everything else goes
to the embedded AWS.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sagedeck.aws import iam, network
from sagedeck.aws.details import load_report
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.errors import NotFound
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookKey
from sagedeck.text.format import report_json, report_text

from .wire import query_error, wire_server

EAST, WEST = "us-east-1", "eu-west-1"
EXECUTION_ROLE = "AmazonSageMaker-ExecutionRole-20240131T145746"


async def test_network_interface_of_vpc_instance(aws: LocalAws, layer: AwsServices) -> None:
    detail = await layer.sagemaker.describe(NotebookKey(EAST, "cv-training-gpu"))
    assert detail.network_interface_id
    eni = await network.network_interface(layer.conn, detail.network_interface_id, EAST)
    truth = aws.client("ec2", EAST).describe_network_interfaces(
        NetworkInterfaceIds=[detail.network_interface_id]
    )["NetworkInterfaces"][0]
    assert eni.eni_id == detail.network_interface_id
    assert eni.subnet_id == detail.subnet_id == truth["SubnetId"]
    assert eni.vpc_id == truth["VpcId"]
    assert eni.private_ip == truth["PrivateIpAddress"]
    assert eni.availability_zone == truth["AvailabilityZone"]
    assert eni.availability_zone is not None
    assert eni.availability_zone.startswith(EAST)
    assert {g.group_id for g in eni.security_groups} == set(detail.security_groups)
    assert all(g.name for g in eni.security_groups)


async def test_unknown_network_interface(layer: AwsServices) -> None:
    with pytest.raises(NotFound):
        await network.network_interface(layer.conn, "eni-0123456789abcdef0", EAST)


async def test_role_with_path_and_policies(layer: AwsServices) -> None:
    detail = await layer.sagemaker.describe(NotebookKey(EAST, "fraud-detection"))
    assert detail.role_arn is not None
    assert "/service-role/" in detail.role_arn
    view = await iam.role(layer.conn, detail.role_arn, EAST)
    assert view.denied == ()
    assert view.role.name == EXECUTION_ROLE
    assert view.role.arn == detail.role_arn
    assert [p.arn for p in view.role.attached_policies] == [
        "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
    ]
    assert view.role.inline_policies == ("s3-team-buckets",)
    assert view.role.created is not None


async def test_role_with_several_policies(layer: AwsServices) -> None:
    detail = await layer.sagemaker.describe(NotebookKey(EAST, "nlp-finetune"))
    assert detail.role_arn is not None
    view = await iam.role(layer.conn, detail.role_arn, EAST)
    assert len(view.role.attached_policies) == 3
    assert set(view.role.inline_policies) == {"git-credentials-secret", "kms-decrypt-datasets"}


async def test_report_of_vpc_instance_has_every_part(layer: AwsServices) -> None:
    detail = await layer.sagemaker.describe(NotebookKey(EAST, "cv-training-gpu"))
    report = await load_report(layer, detail)
    assert report.network.ok
    assert report.network.value is not None
    assert report.network.value.eni_id == detail.network_interface_id
    assert report.role.ok
    assert report.role.value is not None
    assert report.role.value.role.name == "ml-platform-notebooks"
    assert report.lifecycle.ok  # none configured: an empty part, not an error
    assert report.lifecycle.value is None
    assert report.repositories.ok
    assert report.repositories.value is not None
    assert [r.name for r in report.repositories.value] == ["ml-utils", "sagemaker-examples"]
    assert all(r.url.startswith("https://") for r in report.repositories.value)
    assert report.tags.ok
    assert report.tags.value
    as_json = report_json(report)
    assert as_json["errors"] == {}
    json.dumps(as_json)  # serialisable as it is
    text = report_text(report)
    assert detail.network_interface_id is not None
    assert detail.network_interface_id in text


async def test_report_decodes_lifecycle_scripts(layer: AwsServices) -> None:
    detail = await layer.sagemaker.describe(NotebookKey(EAST, "alice-sandbox"))
    report = await load_report(layer, detail)
    assert report.network.value is None  # internet only: no interface, no error
    assert report.network.ok
    assert report.lifecycle.value is not None
    assert report.lifecycle.value.name == "auto-stop-idle"
    assert report.lifecycle.value.on_start is not None
    assert report.lifecycle.value.on_start.startswith("#!/bin/bash")
    assert "| #!/bin/bash" in report_text(report)


async def test_report_with_deleted_role_keeps_the_rest(layer: AwsServices) -> None:
    detail = await layer.sagemaker.describe(NotebookKey(EAST, "legacy-analytics"))
    report = await load_report(layer, detail)
    assert report.role.error is not None
    assert "legacy-notebook-role" in report.role.error
    assert report.tags.ok
    assert report_json(report)["errors"] == {"role": report.role.error}


# --- denied for real: moto's IAM enforcement -----------------------------------------------

PARTIAL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["sagemaker:*", "iam:GetRole"], "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:ListRolePolicies", "Resource": "*"},
    ],
}


def set_auth(endpoint: str, count: str) -> None:
    """moto's /moto-api/reset-auth: authenticate and authorize every request after ``count``."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=count.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},  # not a form: moto reads the raw body
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


@pytest.fixture
def restricted_user(aws: LocalAws) -> Iterator[StaticCredentials]:
    """An IAM user allowed SageMaker, iam:GetRole and iam:ListRolePolicies, nothing else;
    moto enforces IAM for the length of the test."""
    client = aws.client("iam", EAST)
    client.create_user(UserName="half-denied")
    client.put_user_policy(
        UserName="half-denied", PolicyName="partial", PolicyDocument=json.dumps(PARTIAL_POLICY)
    )
    key = client.create_access_key(UserName="half-denied")["AccessKey"]
    set_auth(aws.endpoint_url, "0")
    try:
        yield StaticCredentials(key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        set_auth(aws.endpoint_url, "inf")


@pytest.fixture
async def restricted_layer(
    aws: LocalAws, restricted_user: StaticCredentials
) -> AsyncIterator[AwsServices]:
    target = AwsTarget(None, aws.regions, aws.endpoint_url, credentials=restricted_user)
    async with AwsServices(target) as services:
        yield services


async def test_report_with_iam_enforced_shows_what_was_denied(
    restricted_layer: AwsServices,
) -> None:
    detail = await restricted_layer.sagemaker.describe(NotebookKey(EAST, "cv-training-gpu"))
    report = await load_report(restricted_layer, detail)

    assert report.role.value is not None
    assert report.role.value.denied == ("iam:ListAttachedRolePolicies",)
    assert report.role.value.role.inline_policies == ("ssm-ssh-helper",)
    assert report.role.value.role.description  # GetRole was allowed
    assert report.network.error == (
        f"not allowed: ec2:DescribeNetworkInterfaces"
        f" (read network interface {detail.network_interface_id})"
    )
    assert report.repositories.ok
    assert report.tags.ok
    assert report.tags.value
    text = report_text(report)
    assert "not allowed: iam:ListAttachedRolePolicies" in text
    assert "not allowed: ec2:DescribeNetworkInterfaces" in text


# --- denied through a per-service endpoint -------------------------------------------------


async def test_report_with_iam_endpoint_denying_everything(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """AWS_ENDPOINT_URL_IAM sends IAM elsewhere (botocore honours it): there every call is
    denied, while SageMaker and EC2 answer from the embedded AWS."""
    replies = {
        action: query_error("AccessDenied", f"not authorized to perform: iam:{action}")
        for action in ("GetRole", "ListAttachedRolePolicies", "ListRolePolicies")
    }
    with wire_server(dict(replies)) as wire:
        monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", wire.url)
        async with AwsServices(AwsTarget(None, (EAST, WEST))) as services:
            detail = await services.sagemaker.describe(NotebookKey(WEST, "eu-forecasting"))
            report = await load_report(services, detail)
    assert sorted(wire.calls) == sorted(replies)
    assert report.role.value is not None
    assert set(report.role.value.denied) == {f"iam:{a}" for a in replies}
    assert report.network.ok
    assert report.network.value is not None
    assert report.repositories.value
    assert report.tags.ok
