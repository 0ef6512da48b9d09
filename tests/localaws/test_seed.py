"""The seeded account looks like a real team's: both regions, every status, roles, logs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import cast

from mypy_boto3_ec2 import EC2Client
from mypy_boto3_iam import IAMClient
from mypy_boto3_logs import CloudWatchLogsClient
from mypy_boto3_sagemaker import SageMakerClient

from sagedeck.localaws import LocalAws

from .conftest import GROUP, Clients
from .helpers import aws_error
from .test_logs import read_all

ALL_STATUSES = {"Pending", "InService", "Stopping", "Stopped", "Failed", "Deleting", "Updating"}
GPU = {"ml.g4dn.xlarge", "ml.p3.2xlarge", "ml.g5.2xlarge"}


def _fleet(aws: LocalAws, clients: Clients) -> dict[tuple[str, str], dict[str, object]]:
    fleet: dict[tuple[str, str], dict[str, object]] = {}
    for region in aws.regions:
        client = cast(SageMakerClient, clients.get("sagemaker", region))
        for summary in client.list_notebook_instances()["NotebookInstances"]:
            described = client.describe_notebook_instance(
                NotebookInstanceName=summary["NotebookInstanceName"]
            )
            fleet[(region, summary["NotebookInstanceName"])] = dict(described)
    return fleet


def test_both_regions_every_status(aws: LocalAws, clients: Clients) -> None:
    assert aws.regions == ("us-east-1", "eu-west-1")
    assert aws.account_id == "123456789012"
    fleet = _fleet(aws, clients)
    assert 14 <= len(fleet) <= 18
    assert {region for region, _ in fleet} == set(aws.regions)
    assert {str(nb["NotebookInstanceStatus"]) for nb in fleet.values()} == ALL_STATUSES
    in_service = [nb for nb in fleet.values() if nb["NotebookInstanceStatus"] == "InService"]
    stopped = [nb for nb in fleet.values() if nb["NotebookInstanceStatus"] == "Stopped"]
    assert len(in_service) >= 3
    assert len(stopped) >= 3
    assert {str(nb["InstanceType"]) for nb in fleet.values()} >= GPU
    assert {"ml.t3.medium", "ml.m5.xlarge"} <= {str(nb["InstanceType"]) for nb in fleet.values()}


def test_names_that_catch_bugs(aws: LocalAws, clients: Clients) -> None:
    fleet = _fleet(aws, clients)
    assert ("us-east-1", "nb") in fleet
    assert ("us-east-1", "nb-dev") in fleet
    # The same name in two regions.
    assert ("us-east-1", "alice-sandbox") in fleet
    assert ("eu-west-1", "alice-sandbox") in fleet


def test_failed_instance_says_why(sagemaker: SageMakerClient) -> None:
    failed = sagemaker.describe_notebook_instance(NotebookInstanceName="nlp-finetune")
    assert failed["NotebookInstanceStatus"] == "Failed"
    reason = failed["FailureReason"]
    assert "conda-setup-broken" in reason
    assert "took longer than 5 minutes" in reason
    assert len(reason) <= 1024


def test_vpc_and_internet_only_instances(aws: LocalAws, clients: Clients) -> None:
    fleet = _fleet(aws, clients)
    in_vpc = [nb for nb in fleet.values() if "SubnetId" in nb]
    internet = [nb for nb in fleet.values() if "SubnetId" not in nb]
    assert in_vpc
    assert internet
    assert all(nb["DirectInternetAccess"] == "Disabled" for nb in in_vpc)
    assert all(nb["NetworkInterfaceId"] and nb["SecurityGroups"] for nb in in_vpc)
    assert all(nb["DirectInternetAccess"] == "Enabled" for nb in internet)


def test_time_in_state_looks_real(sagemaker: SageMakerClient) -> None:
    now = datetime.now(UTC)
    etl = sagemaker.describe_notebook_instance(NotebookInstanceName="data-eng-etl")
    assert now - etl["CreationTime"] > timedelta(days=30)
    assert now - etl["LastModifiedTime"] > timedelta(days=7)
    legacy = sagemaker.describe_notebook_instance(NotebookInstanceName="legacy-analytics")
    assert legacy["PlatformIdentifier"] == "notebook-al1-v1"
    assert legacy["AcceleratorTypes"] == ["ml.eia2.medium"]


def test_roles_with_paths_and_policies(iam: IAMClient, sagemaker: SageMakerClient) -> None:
    role_arn = sagemaker.describe_notebook_instance(NotebookInstanceName="nb")["RoleArn"]
    assert role_arn == (
        "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240131T145746"
    )
    name = role_arn.rsplit("/", 1)[-1]
    role = iam.get_role(RoleName=name)["Role"]
    assert role["Path"] == "/service-role/"
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert {p["PolicyArn"] for p in attached} == {
        "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
    }
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["s3-team-buckets"]
    assert datetime.now(UTC) - role["CreateDate"] > timedelta(days=365)


def test_managed_policies_exist(iam: IAMClient) -> None:
    policy = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonSageMakerFullAccess")
    # the console's execution role, the NLP team's, the platform's and bob-experiments'
    assert policy["Policy"]["AttachmentCount"] == 4


def test_a_deleted_role(iam: IAMClient, sagemaker: SageMakerClient) -> None:
    role_arn = sagemaker.describe_notebook_instance(NotebookInstanceName="legacy-analytics")[
        "RoleArn"
    ]
    with aws_error("NoSuchEntity"):
        iam.get_role(RoleName=role_arn.rsplit("/", 1)[-1])


def test_network(ec2: EC2Client) -> None:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["ml-platform"]}])["Vpcs"]
    assert [vpc["CidrBlock"] for vpc in vpcs] == ["10.20.0.0/16"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]}])
    assert len(subnets["Subnets"]) == 2


def test_log_streams_for_every_notebook_that_ran(logs: CloudWatchLogsClient) -> None:
    streams = {
        s["logStreamName"]
        for s in logs.describe_log_streams(logGroupName=GROUP, limit=50)["logStreams"]
    }
    assert "nb/jupyter.log" in streams
    assert "nb/LifecycleConfigOnStart" in streams
    assert "nlp-finetune/LifecycleConfigOnStart" in streams
    assert "cv-training-gpu/jupyter.log" in streams
    assert not any(name.startswith("legacy-analytics/") for name in streams)


def test_weeks_of_history_with_realistic_lines(logs: CloudWatchLogsClient) -> None:
    described = logs.describe_log_streams(
        logGroupName=GROUP, logStreamNamePrefix="cv-training-gpu/jupyter.log"
    )["logStreams"][0]
    span = described["lastEventTimestamp"] - described["firstEventTimestamp"]
    assert span > 14 * 24 * 3600 * 1000
    page = logs.filter_log_events(
        logGroupName=GROUP, logStreamNames=["cv-training-gpu/jupyter.log"], limit=200
    )["events"]
    messages = [e["message"] for e in page]
    assert any("Jupyter Server 2." in m and "is running at" in m for m in messages)
    assert any(m.startswith("[I 20") and "ServerApp]" in m for m in messages)


def test_failed_start_logs_the_script(logs: CloudWatchLogsClient) -> None:
    page = logs.filter_log_events(
        logGroupName=GROUP, logStreamNames=["nlp-finetune/LifecycleConfigOnStart"]
    )["events"]
    messages = [e["message"] for e in page]
    assert any("Solving environment" in m for m in messages)
    # The script was killed: it never got to its last line.
    assert messages[-1] != "Lifecycle config finished"


def test_reseed_is_in_place_and_repeatable(aws: LocalAws, sagemaker: SageMakerClient) -> None:
    """The same server (no restart) gives the same fleet again. Its cost is a figure of
    ``python -m bench`` (section localaws), not a time bound here."""
    endpoint = aws.endpoint_url
    before = sagemaker.describe_notebook_instance(NotebookInstanceName="fraud-detection")
    sagemaker.delete_notebook_instance(NotebookInstanceName="fraud-detection")
    aws.reset()
    after = sagemaker.describe_notebook_instance(NotebookInstanceName="fraud-detection")
    assert aws.endpoint_url == endpoint
    assert after["NotebookInstanceStatus"] == "Stopped"
    assert after["NetworkInterfaceId"] == before["NetworkInterfaceId"]
    assert after["SubnetId"] == before["SubnetId"]


def test_reset_without_seed_is_empty(aws: LocalAws, sagemaker: SageMakerClient) -> None:
    aws.reset(seed=False)
    assert sagemaker.list_notebook_instances()["NotebookInstances"] == []


def test_seed_time_pins_every_timestamp(aws: LocalAws) -> None:
    """Screenshots need the same fleet, ids and logs on every run."""
    from sagedeck.localaws import notebooks

    pinned = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    snapshots = []
    for _ in range(2):
        with LocalAws(simulate=False, seed_time=pinned) as other:
            client = cast(SageMakerClient, other.client("sagemaker"))
            logs = cast(CloudWatchLogsClient, other.client("logs"))
            described = {
                key: value
                for key, value in client.describe_notebook_instance(
                    NotebookInstanceName="cv-training-gpu"
                ).items()
                if key != "ResponseMetadata"
            }
            events = logs.filter_log_events(
                logGroupName=GROUP, logStreamNamePrefix="cv-training-gpu/", limit=500
            )["events"]
            snapshots.append((described, [(e["timestamp"], e["message"]) for e in events]))
    assert snapshots[0] == snapshots[1]
    described = snapshots[0][0]
    assert described["LastModifiedTime"] == pinned - timedelta(hours=26)
    # The session's server got its hooks back.
    assert notebooks.current_scheduler() == aws.simulator.schedule


def test_history_runs_alternate_start_and_stop(logs: CloudWatchLogsClient) -> None:
    streams = [
        s["logStreamName"]
        for s in logs.describe_log_streams(logGroupName=GROUP, limit=50)["logStreams"]
        if s["logStreamName"].endswith("/jupyter.log")
    ]
    assert len(streams) >= 8
    for stream in streams:
        markers = [
            "start" if "is running at" in e["message"] else "stop"
            for e in read_all(logs, logStreamNames=[stream])
            if "is running at" in e["message"] or "received signal 15" in e["message"]
        ]
        assert markers, stream
        assert markers[0] == "start", stream
        assert all(a != b for a, b in itertools.pairwise(markers)), stream
