"""The manage calls over HTTP against the embedded AWS: create, clone, update, tags."""

from __future__ import annotations

from typing import Any

import pytest

from sagedeck.aws.manage.fields import NAME_KEY, create_fields, described_value
from sagedeck.aws.manage.requests import update_params
from sagedeck.aws.manage.validate import validate_create
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.errors import AwsError, InvalidState, NotFound, ReadOnly
from sagedeck.localaws import LocalAws
from sagedeck.localaws.state import ACCOUNT_ID, sagemaker_backend

EAST = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240131T145746"
# Every setting sagedeck copies, as DescribeNotebookInstance reports it.
COMPARED = [s.key for s in create_fields() if s.key not in (NAME_KEY, "Tags", "AcceleratorTypes")]


def described(aws: LocalAws, name: str) -> dict[str, Any]:
    item: dict[str, Any] = aws.client("sagemaker", EAST).describe_notebook_instance(
        NotebookInstanceName=name
    )
    return item


def names(aws: LocalAws) -> set[str]:
    page = aws.client("sagemaker", EAST).list_notebook_instances(MaxResults=100)
    return {nb["NotebookInstanceName"] for nb in page["NotebookInstances"]}


def tags_of(aws: LocalAws, name: str) -> list[dict[str, str]]:
    client = aws.client("sagemaker", EAST)
    tags: list[dict[str, str]] = client.list_tags(
        ResourceArn=described(aws, name)["NotebookInstanceArn"]
    )["Tags"]
    return tags


async def test_create_makes_the_instance_as_asked(layer: AwsServices, aws: LocalAws) -> None:
    params = {
        NAME_KEY: "made-here",
        "InstanceType": "ml.t3.large",
        "RoleArn": ROLE,
        "VolumeSizeInGB": 30,
        "RootAccess": "Disabled",
        "PlatformIdentifier": "notebook-al2023-v1",
        "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
        "Tags": [{"Key": "team", "Value": "ml"}],
    }
    assert validate_create(params) == []
    arn = await layer.manage.create(EAST, params)
    item = described(aws, "made-here")
    assert item["NotebookInstanceArn"] == arn
    assert item["NotebookInstanceStatus"] == "Pending"
    for key, value in params.items():
        if key != "Tags":
            assert described_value(item, key) == value, key
    assert tags_of(aws, "made-here") == [{"Key": "team", "Value": "ml"}]


async def test_clone_copies_every_setting_and_drops_aws_tags(
    layer: AwsServices, aws: LocalAws
) -> None:
    source = sagemaker_backend(ACCOUNT_ID, EAST).notebook_instances["cv-training-gpu"]
    source.tags.append({"Key": "aws:cloudformation:stack-name", "Value": "ml-platform"})
    params = await layer.manage.describe_for_clone(EAST, "cv-training-gpu")
    await layer.manage.create(EAST, {NAME_KEY: "cv-training-gpu-2", **params})
    original, clone = described(aws, "cv-training-gpu"), described(aws, "cv-training-gpu-2")
    for key in COMPARED:
        assert described_value(clone, key) == described_value(original, key), key
    assert clone["NetworkInterfaceId"] != original["NetworkInterfaceId"]  # its own ENI
    kept = [t for t in tags_of(aws, "cv-training-gpu") if not t["Key"].startswith("aws:")]
    assert tags_of(aws, "cv-training-gpu-2") == kept
    assert len(kept) == 4


async def test_an_aws_refusal_is_one_aws_error_and_nothing_is_made(
    layer: AwsServices, aws: LocalAws
) -> None:
    before = names(aws)
    unassumable = "arn:aws:iam::123456789012:role/nightly-loader-ec2"
    with pytest.raises(AwsError) as caught:
        await layer.manage.create(
            EAST, {NAME_KEY: "no-role", "InstanceType": "ml.t3.medium", "RoleArn": unassumable}
        )
    assert "Could not assume role" in str(caught.value)
    assert caught.value.exit_code == 1
    assert names(aws) == before


async def test_update_sends_only_changes_and_the_disassociate_flags(
    layer: AwsServices, aws: LocalAws
) -> None:
    current = await layer.manage.describe(EAST, "fraud-detection")
    wanted = {"VolumeSizeInGB": 80, "InstanceType": "ml.m5.xlarge", "LifecycleConfigName": None}
    params = update_params(current, wanted)
    assert params == {"VolumeSizeInGB": 80, "DisassociateLifecycleConfig": True}
    await layer.manage.update(EAST, "fraud-detection", params)
    item = described(aws, "fraud-detection")
    assert item["NotebookInstanceStatus"] == "Updating"
    assert item["VolumeSizeInGB"] == 80
    assert "NotebookInstanceLifecycleConfigName" not in item
    aws.simulator.settle()
    assert described(aws, "fraud-detection")["NotebookInstanceStatus"] == "Stopped"


async def test_update_of_a_running_instance_is_an_invalid_state(layer: AwsServices) -> None:
    with pytest.raises(InvalidState):
        await layer.manage.update(EAST, "alice-sandbox", {"VolumeSizeInGB": 40})


async def test_describe_of_a_missing_instance(layer: AwsServices) -> None:
    with pytest.raises(NotFound):
        await layer.manage.describe(EAST, "never-was")


async def test_tags_add_overwrite_and_delete(layer: AwsServices, aws: LocalAws) -> None:
    arn = str(described(aws, "nb")["NotebookInstanceArn"])
    await layer.manage.add_tags(
        EAST, arn, [{"Key": "env", "Value": "prod"}, {"Key": "new", "Value": ""}]
    )
    tags = {t["Key"]: t["Value"] for t in await layer.manage.tags(EAST, arn)}
    assert (tags["env"], tags["new"]) == ("prod", "")
    await layer.manage.delete_tags(EAST, arn, ["new", "owner"])
    assert {t["Key"] for t in tags_of(aws, "nb")} == {"team", "cost-center", "env"}
    with pytest.raises(AwsError, match="reserved"):
        await layer.manage.add_tags(EAST, arn, [{"Key": "aws:x", "Value": "1"}])


async def test_read_only_refuses_create_before_sending(aws: LocalAws) -> None:
    target = AwsTarget(None, (EAST,), aws.endpoint_url, True, StaticCredentials("demo", "demo"))
    async with AwsServices(target) as services:
        with pytest.raises(ReadOnly):
            await services.manage.create(
                EAST, {NAME_KEY: "ro", "InstanceType": "ml.t3.medium", "RoleArn": ROLE}
            )
    assert "ro" not in names(aws)


async def test_empty_form_values_are_not_sent(layer: AwsServices, aws: LocalAws) -> None:
    params: dict[str, Any] = {
        NAME_KEY: "from-a-form",
        "InstanceType": "ml.t3.medium",
        "RoleArn": ROLE,
        "SubnetId": "",
        "SecurityGroupIds": [],
        "KmsKeyId": None,
    }
    assert validate_create(params) == []
    await layer.manage.create(EAST, params)
    assert "SubnetId" not in described(aws, "from-a-form")
