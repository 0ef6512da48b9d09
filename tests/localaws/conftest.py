"""Typed boto3 clients on the embedded AWS: the same calls a user's tools make."""

from __future__ import annotations

from typing import cast

import pytest
from mypy_boto3_ec2 import EC2Client
from mypy_boto3_iam import IAMClient
from mypy_boto3_logs import CloudWatchLogsClient
from mypy_boto3_sagemaker import SageMakerClient
from mypy_boto3_ssm import SSMClient

from sagedeck.localaws import LocalAws

GROUP = "/aws/sagemaker/NotebookInstances"


@pytest.fixture
def sagemaker(aws: LocalAws) -> SageMakerClient:
    return cast(SageMakerClient, aws.client("sagemaker"))


@pytest.fixture
def sagemaker_eu(aws: LocalAws) -> SageMakerClient:
    return cast(SageMakerClient, aws.client("sagemaker", "eu-west-1"))


@pytest.fixture
def logs(aws: LocalAws) -> CloudWatchLogsClient:
    return cast(CloudWatchLogsClient, aws.client("logs"))


@pytest.fixture
def ec2(aws: LocalAws) -> EC2Client:
    return cast(EC2Client, aws.client("ec2"))


@pytest.fixture
def iam(aws: LocalAws) -> IAMClient:
    return cast(IAMClient, aws.client("iam"))


@pytest.fixture
def ssm(aws: LocalAws) -> SSMClient:
    return cast(SSMClient, aws.client("ssm"))
