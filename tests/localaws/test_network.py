"""The ENI SageMaker puts in the customer's subnet for a notebook created with a SubnetId."""

from __future__ import annotations

from mypy_boto3_ec2 import EC2Client
from mypy_boto3_sagemaker import SageMakerClient

from sagedeck.localaws import LocalAws

from .helpers import aws_error

ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240131T145746"


def _private_network(ec2: EC2Client) -> tuple[str, list[str], str]:
    subnets = ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": ["ml-private-a"]}])
    subnet = subnets["Subnets"][0]
    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [subnet["VpcId"]]},
            {"Name": "group-name", "Values": ["sagemaker-notebooks", "efs-clients"]},
        ]
    )["SecurityGroups"]
    return subnet["SubnetId"], sorted(g["GroupId"] for g in groups), subnet["VpcId"]


def test_eni_in_the_subnet_with_the_groups(ec2: EC2Client, sagemaker: SageMakerClient) -> None:
    subnet_id, group_ids, vpc_id = _private_network(ec2)
    sagemaker.create_notebook_instance(
        NotebookInstanceName="in-vpc",
        InstanceType="ml.t3.medium",
        RoleArn=ROLE,
        SubnetId=subnet_id,
        SecurityGroupIds=group_ids,
        DirectInternetAccess="Disabled",
    )
    described = sagemaker.describe_notebook_instance(NotebookInstanceName="in-vpc")
    assert described["SubnetId"] == subnet_id
    assert sorted(described["SecurityGroups"]) == group_ids
    eni_id = described["NetworkInterfaceId"]
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    assert eni["SubnetId"] == subnet_id
    assert eni["VpcId"] == vpc_id
    assert sorted(g["GroupId"] for g in eni["Groups"]) == group_ids
    assert eni["Description"] == (
        "[DO NOT DELETE] ENI managed by SageMaker for Notebook Instance in-vpc"
    )
    assert eni["PrivateIpAddress"].startswith("10.20.1.")
    assert eni["RequesterManaged"] is True


def test_eni_is_deleted_with_the_notebook(
    aws: LocalAws, ec2: EC2Client, sagemaker: SageMakerClient
) -> None:
    eni_id = sagemaker.describe_notebook_instance(NotebookInstanceName="fraud-detection")[
        "NetworkInterfaceId"
    ]
    assert ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"]
    sagemaker.delete_notebook_instance(NotebookInstanceName="fraud-detection")
    aws.simulator.step(aws.simulator.timings.delete / 2)
    # Still there while the instance is Deleting.
    assert ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"]
    aws.simulator.step(aws.simulator.timings.delete)
    with aws_error("InvalidNetworkInterfaceID.NotFound"):
        ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])


def test_eni_survives_stop_and_start(aws: LocalAws, sagemaker: SageMakerClient) -> None:
    before = sagemaker.describe_notebook_instance(NotebookInstanceName="cv-training-gpu")
    sagemaker.stop_notebook_instance(NotebookInstanceName="cv-training-gpu")
    aws.simulator.settle()
    after = sagemaker.describe_notebook_instance(NotebookInstanceName="cv-training-gpu")
    assert after["NotebookInstanceStatus"] == "Stopped"
    assert after["NetworkInterfaceId"] == before["NetworkInterfaceId"]


def test_no_eni_without_a_subnet(ec2: EC2Client, sagemaker: SageMakerClient) -> None:
    described = sagemaker.describe_notebook_instance(NotebookInstanceName="alice-sandbox")
    assert "NetworkInterfaceId" not in described
    assert "SubnetId" not in described
    eni_descriptions = [
        eni["Description"] for eni in ec2.describe_network_interfaces()["NetworkInterfaces"]
    ]
    assert not any(d.endswith(" alice-sandbox") for d in eni_descriptions)


def test_seeded_vpc_notebooks_have_enis(ec2: EC2Client, sagemaker: SageMakerClient) -> None:
    enis = ec2.describe_network_interfaces(
        Filters=[{"Name": "description", "Values": ["*ENI managed by SageMaker*"]}]
    )["NetworkInterfaces"]
    assert {eni["Description"].rsplit(" ", 1)[-1] for eni in enis} == {
        "nlp-finetune",
        "cv-training-gpu",
        "fraud-detection",
        "data-eng-etl",
    }


def test_default_security_group_when_none_given(ec2: EC2Client, sagemaker: SageMakerClient) -> None:
    subnet_id, _, vpc_id = _private_network(ec2)
    sagemaker.create_notebook_instance(
        NotebookInstanceName="default-sg",
        InstanceType="ml.t3.medium",
        RoleArn=ROLE,
        SubnetId=subnet_id,
    )
    described = sagemaker.describe_notebook_instance(NotebookInstanceName="default-sg")
    default = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]
    assert described["SecurityGroups"] == [default["GroupId"]]


def test_unknown_subnet_is_rejected(sagemaker: SageMakerClient) -> None:
    with aws_error("ValidationException"):
        sagemaker.create_notebook_instance(
            NotebookInstanceName="lost",
            InstanceType="ml.t3.medium",
            RoleArn=ROLE,
            SubnetId="subnet-0000000000000000",
        )
    with aws_error("ValidationException", "RecordNotFound"):
        sagemaker.describe_notebook_instance(NotebookInstanceName="lost")


def test_security_group_of_another_vpc_is_rejected(
    ec2: EC2Client, sagemaker: SageMakerClient
) -> None:
    subnet_id, _, _ = _private_network(ec2)
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])
    other = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [default_vpc["Vpcs"][0]["VpcId"]]}]
    )["SecurityGroups"][0]["GroupId"]
    with aws_error("ValidationException"):
        sagemaker.create_notebook_instance(
            NotebookInstanceName="mixed",
            InstanceType="ml.t3.medium",
            RoleArn=ROLE,
            SubnetId=subnet_id,
            SecurityGroupIds=[other],
        )
