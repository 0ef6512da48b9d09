"""Notebook instance states and transitions as AWS enforces them."""

from __future__ import annotations

from typing import Any

import pytest
from mypy_boto3_sagemaker import SageMakerClient

from sagedeck.localaws import LocalAws

from .helpers import aws_error, status_of

ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240131T145746"
ARN = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/{}"


def _transition_error(status: str, allowed: str, target: str, name: str) -> str:
    return (
        f"Status ({status}) not in ([{allowed}]). Unable to transition to ({target}) "
        f"for Notebook Instance ({ARN.format(name)})"
    )


def test_create_is_pending_then_in_service(aws: LocalAws, sagemaker: SageMakerClient) -> None:
    sagemaker.create_notebook_instance(
        NotebookInstanceName="new-one", InstanceType="ml.g5.2xlarge", RoleArn=ROLE
    )
    assert status_of(sagemaker, "new-one") == "Pending"
    aws.simulator.step(aws.simulator.timings.create - 1)
    assert status_of(sagemaker, "new-one") == "Pending"
    aws.simulator.step(1)
    assert status_of(sagemaker, "new-one") == "InService"


def test_describe_reports_the_fields_aws_always_returns(sagemaker: SageMakerClient) -> None:
    sagemaker.create_notebook_instance(
        NotebookInstanceName="fields", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    described = sagemaker.describe_notebook_instance(NotebookInstanceName="fields")
    assert described["PlatformIdentifier"] == "notebook-al2023-v1"  # the API model's default
    assert described["InstanceMetadataServiceConfiguration"] == {
        "MinimumInstanceMetadataServiceVersion": "1"
    }
    assert described["RootAccess"] == "Enabled"
    assert described["DirectInternetAccess"] == "Enabled"
    assert described["VolumeSizeInGB"] == 5
    assert described["Url"] == "fields.notebook.us-east-1.sagemaker.aws"
    assert "NetworkInterfaceId" not in described
    assert "FailureReason" not in described


def test_create_accepts_current_instance_types_and_platforms(sagemaker: SageMakerClient) -> None:
    sagemaker.create_notebook_instance(
        NotebookInstanceName="gpu",
        InstanceType="ml.g4dn.xlarge",
        RoleArn=ROLE,
        PlatformIdentifier="notebook-al2-v3",
        InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "2"},
        RootAccess="Disabled",
    )
    described = sagemaker.describe_notebook_instance(NotebookInstanceName="gpu")
    assert described["PlatformIdentifier"] == "notebook-al2-v3"
    assert (
        described["InstanceMetadataServiceConfiguration"]["MinimumInstanceMetadataServiceVersion"]
        == "2"
    )
    assert described["RootAccess"] == "Disabled"


def test_create_rejects_unknown_instance_type(sagemaker: SageMakerClient) -> None:
    unknown: Any = "ml.nope.large"  # not in the stubs' Literal either
    with aws_error("ValidationException") as caught:
        sagemaker.create_notebook_instance(
            NotebookInstanceName="bad", InstanceType=unknown, RoleArn=ROLE
        )
    assert "instanceType" in str(caught.value)


def test_create_rejects_duplicate_name(sagemaker: SageMakerClient) -> None:
    with aws_error(
        "ValidationException", f"Cannot create a duplicate Notebook Instance ({ARN.format('nb')})"
    ):
        sagemaker.create_notebook_instance(
            NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE
        )


def test_direct_internet_access_disabled_needs_a_subnet(sagemaker: SageMakerClient) -> None:
    with aws_error("ValidationException"):
        sagemaker.create_notebook_instance(
            NotebookInstanceName="isolated",
            InstanceType="ml.t3.medium",
            RoleArn=ROLE,
            DirectInternetAccess="Disabled",
        )


def test_stop_then_start(aws: LocalAws, sagemaker: SageMakerClient) -> None:
    sagemaker.stop_notebook_instance(NotebookInstanceName="nb")
    assert status_of(sagemaker, "nb") == "Stopping"
    aws.simulator.step(aws.simulator.timings.stop)
    assert status_of(sagemaker, "nb") == "Stopped"
    sagemaker.start_notebook_instance(NotebookInstanceName="nb")
    assert status_of(sagemaker, "nb") == "Pending"
    aws.simulator.step(aws.simulator.timings.start)
    assert status_of(sagemaker, "nb") == "InService"


def test_last_modified_time_moves_with_each_transition(
    aws: LocalAws, sagemaker: SageMakerClient
) -> None:
    before = sagemaker.describe_notebook_instance(NotebookInstanceName="nb-dev")
    sagemaker.start_notebook_instance(NotebookInstanceName="nb-dev")
    pending = sagemaker.describe_notebook_instance(NotebookInstanceName="nb-dev")
    aws.simulator.step(aws.simulator.timings.start)
    running = sagemaker.describe_notebook_instance(NotebookInstanceName="nb-dev")
    assert before["LastModifiedTime"] < pending["LastModifiedTime"] < running["LastModifiedTime"]
    assert before["CreationTime"] == running["CreationTime"]


@pytest.mark.parametrize(
    ("action", "name", "status", "allowed", "target"),
    [
        ("start", "nb", "InService", "Stopped, Failed", "Pending"),
        ("start", "bob-experiments", "Pending", "Stopped, Failed", "Pending"),
        ("stop", "nb-dev", "Stopped", "InService", "Stopping"),
        ("stop", "nlp-finetune", "Failed", "InService", "Stopping"),
        ("stop", "recsys-prototype", "Stopping", "InService", "Stopping"),
        ("delete", "nb", "InService", "Stopped, Failed", "Deleting"),
        ("delete", "churn-model", "Updating", "Stopped, Failed", "Deleting"),
    ],
)
def test_illegal_transitions_are_validation_errors(
    sagemaker: SageMakerClient, action: str, name: str, status: str, allowed: str, target: str
) -> None:
    call = {
        "start": sagemaker.start_notebook_instance,
        "stop": sagemaker.stop_notebook_instance,
        "delete": sagemaker.delete_notebook_instance,
    }[action]
    with aws_error("ValidationException", _transition_error(status, allowed, target, name)):
        call(NotebookInstanceName=name)
    assert status_of(sagemaker, name) == status


def test_start_from_failed_clears_the_failure_reason(
    aws: LocalAws, sagemaker: SageMakerClient
) -> None:
    assert "FailureReason" in sagemaker.describe_notebook_instance(
        NotebookInstanceName="nlp-finetune"
    )
    sagemaker.start_notebook_instance(NotebookInstanceName="nlp-finetune")
    pending = sagemaker.describe_notebook_instance(NotebookInstanceName="nlp-finetune")
    assert pending["NotebookInstanceStatus"] == "Pending"
    assert "FailureReason" not in pending


def test_delete_goes_through_deleting(aws: LocalAws, sagemaker: SageMakerClient) -> None:
    sagemaker.delete_notebook_instance(NotebookInstanceName="nb-dev")
    assert status_of(sagemaker, "nb-dev") == "Deleting"
    aws.simulator.step(aws.simulator.timings.delete)
    with aws_error("ValidationException", "RecordNotFound"):
        sagemaker.describe_notebook_instance(NotebookInstanceName="nb-dev")


@pytest.mark.parametrize("call", ["describe", "start", "stop", "delete", "update", "presigned_url"])
def test_unknown_name_is_record_not_found(sagemaker: SageMakerClient, call: str) -> None:
    with aws_error("ValidationException", "RecordNotFound"):
        if call == "describe":
            sagemaker.describe_notebook_instance(NotebookInstanceName="ghost")
        elif call == "start":
            sagemaker.start_notebook_instance(NotebookInstanceName="ghost")
        elif call == "stop":
            sagemaker.stop_notebook_instance(NotebookInstanceName="ghost")
        elif call == "delete":
            sagemaker.delete_notebook_instance(NotebookInstanceName="ghost")
        elif call == "update":
            sagemaker.update_notebook_instance(NotebookInstanceName="ghost", VolumeSizeInGB=10)
        else:
            sagemaker.create_presigned_notebook_instance_url(NotebookInstanceName="ghost")


def test_list_filters_and_sorts(sagemaker: SageMakerClient) -> None:
    listed = sagemaker.list_notebook_instances(NameContains="nb", SortBy="Name")
    assert [n["NotebookInstanceName"] for n in listed["NotebookInstances"]] == ["nb", "nb-dev"]
    stopped = sagemaker.list_notebook_instances(StatusEquals="Stopped")["NotebookInstances"]
    assert {n["NotebookInstanceName"] for n in stopped} == {
        "fraud-detection",
        "legacy-analytics",
        "nb-dev",
    }
    by_config = sagemaker.list_notebook_instances(
        NotebookInstanceLifecycleConfigNameContains="conda"
    )["NotebookInstances"]
    assert [n["NotebookInstanceName"] for n in by_config] == ["nlp-finetune"]
    by_repo = sagemaker.list_notebook_instances(AdditionalCodeRepositoryEquals="ml-utils")
    assert [n["NotebookInstanceName"] for n in by_repo["NotebookInstances"]] == ["alice-sandbox"]
    newest = sagemaker.list_notebook_instances(SortBy="CreationTime", SortOrder="Descending")
    assert newest["NotebookInstances"][0]["NotebookInstanceName"] == "recsys-prototype"


def test_list_summary_carries_what_a_table_needs(sagemaker: SageMakerClient) -> None:
    summary = sagemaker.list_notebook_instances(NameContains="cv-training")["NotebookInstances"][0]
    assert summary["Url"] == "cv-training-gpu.notebook.us-east-1.sagemaker.aws"
    assert summary["InstanceType"] == "ml.p3.2xlarge"
    assert summary["DefaultCodeRepository"] == "ml-utils"
    assert summary["AdditionalCodeRepositories"] == ["sagemaker-examples"]
    assert "SubnetId" not in summary  # only Describe has the configuration


def test_list_pages_and_a_deleted_item_invalidates_the_token(
    aws: LocalAws, sagemaker: SageMakerClient
) -> None:
    first = sagemaker.list_notebook_instances(MaxResults=3)
    names = [n["NotebookInstanceName"] for n in first["NotebookInstances"]]
    assert names == ["alice-sandbox", "bob-experiments", "churn-model"]
    second = sagemaker.list_notebook_instances(MaxResults=2, NextToken=first["NextToken"])
    names = [n["NotebookInstanceName"] for n in second["NotebookInstances"]]
    assert names == ["cv-training-gpu", "data-eng-etl"]
    # The token points at the next item (fraud-detection); once it is gone, AWS refuses it.
    sagemaker.delete_notebook_instance(NotebookInstanceName="fraud-detection")
    aws.simulator.settle()
    with aws_error("InvalidToken"):
        sagemaker.list_notebook_instances(MaxResults=2, NextToken=second["NextToken"])
