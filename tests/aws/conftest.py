"""Fixtures for the AWS layer's tests (the embedded AWS itself comes from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.localaws import LocalAws

AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SAGEMAKER",
    "AWS_ENDPOINT_URL_IAM",
    "AWS_ENDPOINT_URL_EC2",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)


@pytest.fixture
def aws_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty ~/.aws and no AWS_* variables: the tests write the config they need.

    Returns the directory holding ``config`` and ``credentials`` (which do not exist yet).
    """
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no 1 s wait on 169.254.169.254
    return home / ".aws"


@pytest.fixture
async def layer(aws: LocalAws) -> AsyncIterator[AwsServices]:
    """sagedeck's AWS layer on the embedded AWS (reset and re-seeded for this test)."""
    target = AwsTarget(
        None, aws.regions, aws.endpoint_url, credentials=StaticCredentials("demo", "demo")
    )
    async with AwsServices(target) as services:
        yield services


@pytest.fixture
async def read_only_layer(aws: LocalAws) -> AsyncIterator[AwsServices]:
    target = AwsTarget(
        None,
        aws.regions,
        aws.endpoint_url,
        read_only=True,
        credentials=StaticCredentials("demo", "demo"),
    )
    async with AwsServices(target) as services:
        yield services
