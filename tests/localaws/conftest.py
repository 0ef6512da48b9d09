"""Typed boto3 clients on the embedded AWS: the same calls a user's tools make.

Clients are built once per session (building one costs tens of milliseconds) and handed to
each test after ``aws`` has reset the account.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from mypy_boto3_ec2 import EC2Client
from mypy_boto3_iam import IAMClient
from mypy_boto3_logs import CloudWatchLogsClient
from mypy_boto3_sagemaker import SageMakerClient
from mypy_boto3_ssm import SSMClient

from sagedeck.localaws import LocalAws

GROUP = "/aws/sagemaker/NotebookInstances"


class Clients:
    def __init__(self, local: LocalAws) -> None:
        self._local = local
        self._made: dict[tuple[str, str], Any] = {}

    def get(self, service: str, region: str = "us-east-1") -> Any:
        key = (service, region)
        if key not in self._made:
            self._made[key] = self._local.client(service, region)
        return self._made[key]


@pytest.fixture(scope="session")
def clients(local_aws: LocalAws) -> Clients:
    return Clients(local_aws)


@pytest.fixture
def sagemaker(aws: LocalAws, clients: Clients) -> SageMakerClient:
    return cast(SageMakerClient, clients.get("sagemaker"))


@pytest.fixture
def sagemaker_eu(aws: LocalAws, clients: Clients) -> SageMakerClient:
    return cast(SageMakerClient, clients.get("sagemaker", "eu-west-1"))


@pytest.fixture
def logs(aws: LocalAws, clients: Clients) -> CloudWatchLogsClient:
    return cast(CloudWatchLogsClient, clients.get("logs"))


@pytest.fixture
def ec2(aws: LocalAws, clients: Clients) -> EC2Client:
    return cast(EC2Client, clients.get("ec2"))


@pytest.fixture
def iam(aws: LocalAws, clients: Clients) -> IAMClient:
    return cast(IAMClient, clients.get("iam"))


@pytest.fixture
def ssm(aws: LocalAws, clients: Clients) -> SSMClient:
    return cast(SSMClient, clients.get("ssm"))
