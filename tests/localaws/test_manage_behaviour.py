"""What AWS checks when an instance is made or changed, and the account's choices to make it of.

AWS refuses, before it creates or changes anything, a role SageMaker cannot assume (missing, at
another path, or trusting another service), tag keys in the reserved ``aws:`` space and more
than 50 tags on one resource. moto 5.2.5 accepts all of these.
"""

from __future__ import annotations

import pytest
from mypy_boto3_ec2 import EC2Client
from mypy_boto3_iam import IAMClient
from mypy_boto3_sagemaker import SageMakerClient
from mypy_boto3_sagemaker.type_defs import TagTypeDef

from sagedeck.localaws import LocalAws
from sagedeck.localaws.fleet import NOTEBOOKS

from .helpers import aws_error, status_of

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-20240131T145746"
ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:notebook-instance/nb"


def cannot_assume(role: str) -> str:
    return (
        f"Could not assume role {role}. Please ensure that the role exists and allows principal "
        "'sagemaker.amazonaws.com' to assume the role."
    )


def names(sagemaker: SageMakerClient) -> set[str]:
    page = sagemaker.list_notebook_instances(MaxResults=100)
    return {nb["NotebookInstanceName"] for nb in page["NotebookInstances"]}


@pytest.mark.parametrize(
    "role",
    [
        f"arn:aws:iam::{ACCOUNT}:role/never-made",
        f"arn:aws:iam::{ACCOUNT}:role/nightly-loader-ec2",  # trusts EC2, not SageMaker
        f"arn:aws:iam::{ACCOUNT}:role/AmazonSageMaker-ExecutionRole-20240131T145746",  # no path
    ],
)
def test_create_with_a_role_sagemaker_cannot_assume(sagemaker: SageMakerClient, role: str) -> None:
    before = names(sagemaker)
    with aws_error("ValidationException", cannot_assume(role)):
        sagemaker.create_notebook_instance(
            NotebookInstanceName="no-role", InstanceType="ml.t3.medium", RoleArn=role
        )
    assert names(sagemaker) == before


def test_update_with_a_role_sagemaker_cannot_assume(sagemaker: SageMakerClient) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/nightly-loader-ec2"
    with aws_error("ValidationException", cannot_assume(role)):
        sagemaker.update_notebook_instance(NotebookInstanceName="nb-dev", RoleArn=role)
    assert status_of(sagemaker, "nb-dev") == "Stopped"  # nothing began


def test_reserved_tags_are_refused_on_create_and_add_tags(sagemaker: SageMakerClient) -> None:
    reserved = "Tag keys starting with 'aws:' are reserved for internal use"
    with aws_error("ValidationException", reserved):
        sagemaker.create_notebook_instance(
            NotebookInstanceName="tagged",
            InstanceType="ml.t3.medium",
            RoleArn=ROLE,
            Tags=[{"Key": "aws:owner", "Value": "me"}],
        )
    assert "tagged" not in names(sagemaker)
    with aws_error("ValidationException", reserved):
        sagemaker.add_tags(ResourceArn=ARN, Tags=[{"Key": "AWS:x", "Value": "1"}])


def test_at_most_50_tags_per_resource(sagemaker: SageMakerClient) -> None:
    existing = len(sagemaker.list_tags(ResourceArn=ARN)["Tags"])
    room: list[TagTypeDef] = [{"Key": f"k{i}", "Value": ""} for i in range(50 - existing)]
    sagemaker.add_tags(ResourceArn=ARN, Tags=room)
    sagemaker.add_tags(ResourceArn=ARN, Tags=[{"Key": "k0", "Value": "overwritten"}])  # no new key
    with aws_error("ValidationException"):
        sagemaker.add_tags(ResourceArn=ARN, Tags=[{"Key": "one-too-many", "Value": ""}])
    assert len(sagemaker.list_tags(ResourceArn=ARN, MaxResults=100)["Tags"]) == 50


def test_the_account_has_choices_to_make_an_instance_of(
    aws: LocalAws, iam: IAMClient, ec2: EC2Client
) -> None:
    trusts = {r["RoleName"]: r["AssumeRolePolicyDocument"] for r in iam.list_roles()["Roles"]}
    ec2_only = trusts["nightly-loader-ec2"]
    assert "ec2.amazonaws.com" in str(ec2_only)
    assert "sagemaker.amazonaws.com" in str(trusts["nlp-team-notebook-role"])
    for region, aliases in (
        ("us-east-1", {"alias/notebook-volumes", "alias/datasets"}),
        ("eu-west-1", {"alias/notebook-volumes"}),
    ):
        kms = aws.client("kms", region)
        listed = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
        assert aliases <= set(listed)
        keys = {k["KeyId"] for k in kms.list_keys()["Keys"]}
        assert {listed[a] for a in aliases} <= keys
    groups = ec2.describe_security_groups()["SecurityGroups"]
    assert {"sagemaker-notebooks", "efs-clients"} <= {g["GroupName"] for g in groups}


def test_the_seeded_fleet_is_unchanged(sagemaker: SageMakerClient, ec2: EC2Client) -> None:
    east = {spec.name for spec in NOTEBOOKS if spec.region == "us-east-1"}
    assert names(sagemaker) == east
    described = sagemaker.describe_notebook_instance(NotebookInstanceName="cv-training-gpu")
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[described["NetworkInterfaceId"]])
    assert eni["NetworkInterfaces"][0]["SubnetId"] == described["SubnetId"]
