"""Small assertions shared by the localaws tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from botocore.exceptions import ClientError
from mypy_boto3_sagemaker import SageMakerClient


@contextmanager
def aws_error(code: str, message: str | None = None) -> Iterator[pytest.ExceptionInfo[ClientError]]:
    """Expect a ClientError with ``code`` (and exactly ``message`` if given)."""
    with pytest.raises(ClientError) as caught:
        yield caught
    error = caught.value.response["Error"]
    assert error["Code"] == code, error
    if message is not None:
        assert error["Message"] == message, error


def status_of(client: SageMakerClient, name: str) -> str:
    return client.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]
