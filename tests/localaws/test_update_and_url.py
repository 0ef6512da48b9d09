"""UpdateNotebookInstance and CreatePresignedNotebookInstanceUrl, missing from moto 5.2.5."""

from __future__ import annotations

import re
from typing import cast

import pytest
from mypy_boto3_sagemaker import SageMakerClient

from sagedeck.localaws import LocalAws

from .helpers import aws_error, status_of

NEW_ROLE = "arn:aws:iam::123456789012:role/sagemaker/nlp-team-notebook-role"


def test_update_only_when_stopped(sagemaker: SageMakerClient) -> None:
    with aws_error(
        "ValidationException",
        "Status (InService) not in ([Stopped]). Unable to transition to (Updating) for "
        "Notebook Instance (arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb)",
    ):
        sagemaker.update_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.m5.xlarge")
    with aws_error("ValidationException"):
        sagemaker.update_notebook_instance(NotebookInstanceName="nlp-finetune", VolumeSizeInGB=300)


def test_update_goes_through_updating(aws: LocalAws, sagemaker: SageMakerClient) -> None:
    sagemaker.update_notebook_instance(
        NotebookInstanceName="nb-dev",
        InstanceType="ml.g4dn.xlarge",
        VolumeSizeInGB=50,
        RoleArn=NEW_ROLE,
        LifecycleConfigName="install-extensions",
        RootAccess="Disabled",
        PlatformIdentifier="notebook-al2023-v1",
        InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "2"},
        DefaultCodeRepository="ml-utils",
        AdditionalCodeRepositories=["https://github.com/acme-ml/scratch.git"],
    )
    updating = sagemaker.describe_notebook_instance(NotebookInstanceName="nb-dev")
    assert updating["NotebookInstanceStatus"] == "Updating"
    aws.simulator.step(aws.simulator.timings.update)
    done = sagemaker.describe_notebook_instance(NotebookInstanceName="nb-dev")
    assert done["NotebookInstanceStatus"] == "Stopped"
    assert done["InstanceType"] == "ml.g4dn.xlarge"
    assert done["VolumeSizeInGB"] == 50
    assert done["RoleArn"] == NEW_ROLE
    assert done["NotebookInstanceLifecycleConfigName"] == "install-extensions"
    assert done["RootAccess"] == "Disabled"
    assert done["PlatformIdentifier"] == "notebook-al2023-v1"
    assert (
        done["InstanceMetadataServiceConfiguration"]["MinimumInstanceMetadataServiceVersion"] == "2"
    )
    assert done["DefaultCodeRepository"] == "ml-utils"
    assert done["AdditionalCodeRepositories"] == ["https://github.com/acme-ml/scratch.git"]


def test_volume_only_grows(sagemaker: SageMakerClient) -> None:
    with aws_error("ValidationException") as caught:
        sagemaker.update_notebook_instance(
            NotebookInstanceName="fraud-detection", VolumeSizeInGB=20
        )
    assert "VolumeSizeInGB" in str(caught.value)
    assert status_of(sagemaker, "fraud-detection") == "Stopped"
    described = sagemaker.describe_notebook_instance(NotebookInstanceName="fraud-detection")
    assert described["VolumeSizeInGB"] == 50


def test_disassociations(aws: LocalAws, sagemaker: SageMakerClient) -> None:
    sagemaker.update_notebook_instance(
        NotebookInstanceName="legacy-analytics",
        DisassociateAcceleratorTypes=True,
        DisassociateLifecycleConfig=True,
        DisassociateDefaultCodeRepository=True,
    )
    aws.simulator.settle()
    described = sagemaker.describe_notebook_instance(NotebookInstanceName="legacy-analytics")
    assert "AcceleratorTypes" not in described
    assert "NotebookInstanceLifecycleConfigName" not in described


def test_conflicting_update_is_rejected_and_changes_nothing(sagemaker: SageMakerClient) -> None:
    with aws_error("ValidationException"):
        sagemaker.update_notebook_instance(
            NotebookInstanceName="nb-dev",
            InstanceType="ml.m5.xlarge",
            LifecycleConfigName="conda-setup",
            DisassociateLifecycleConfig=True,
        )
    described = sagemaker.describe_notebook_instance(NotebookInstanceName="nb-dev")
    assert described["InstanceType"] == "ml.t3.medium"
    assert described["NotebookInstanceStatus"] == "Stopped"


def test_update_rejects_unknown_lifecycle_config(sagemaker: SageMakerClient) -> None:
    with aws_error("ValidationException"):
        sagemaker.update_notebook_instance(
            NotebookInstanceName="nb-dev", LifecycleConfigName="does-not-exist"
        )


def test_presigned_url(sagemaker: SageMakerClient) -> None:
    url = sagemaker.create_presigned_notebook_instance_url(
        NotebookInstanceName="nb", SessionExpirationDurationInSeconds=1800
    )["AuthorizedUrl"]
    # The embedded AWS signs in to the instance's real Jupyter server: its gateway, at a path
    # named after the host AWS would answer at.
    match = re.fullmatch(
        r"http://127\.0\.0\.1:\d+/nb\.notebook\.us-east-1\.sagemaker\.aws\?authToken=([A-Za-z0-9_-]+)",
        url,
    )
    assert match is not None, url
    assert len(match.group(1)) > 400
    again = sagemaker.create_presigned_notebook_instance_url(NotebookInstanceName="nb")
    assert again["AuthorizedUrl"] != url  # a fresh credential each time


def test_presigned_url_in_other_region(sagemaker_eu: SageMakerClient) -> None:
    url = sagemaker_eu.create_presigned_notebook_instance_url(
        NotebookInstanceName="eu-forecasting"
    )["AuthorizedUrl"]
    assert "/eu-forecasting.notebook.eu-west-1.sagemaker.aws?authToken=" in url


@pytest.mark.parametrize(
    ("seconds", "constraint"),
    [
        (1799, "Member must have value greater than or equal to 1800"),
        (43201, "Member must have value less than or equal to 43200"),
    ],
)
def test_presigned_url_session_bounds(aws: LocalAws, seconds: int, constraint: str) -> None:
    # botocore would refuse 1799 itself: switch its validation off to see what AWS says.
    client = cast(SageMakerClient, aws.client("sagemaker", parameter_validation=False))
    with aws_error(
        "ValidationException",
        f"1 validation error detected: Value '{seconds}' at 'sessionExpirationDurationInSeconds' "
        f"failed to satisfy constraint: {constraint}",
    ):
        client.create_presigned_notebook_instance_url(
            NotebookInstanceName="nb", SessionExpirationDurationInSeconds=seconds
        )
