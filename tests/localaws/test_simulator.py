"""The simulator: transitions take time and logs fill line by line, as on AWS."""

from __future__ import annotations

import base64
import threading
import time
from typing import cast

import pytest
from mypy_boto3_logs import CloudWatchLogsClient
from mypy_boto3_sagemaker import SageMakerClient
from mypy_boto3_ssm import SSMClient

from sagedeck.localaws import LocalAws, Timings

from .conftest import Clients
from .helpers import status_of
from .test_logs import read_all

ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240131T145746"


def _since(logs: CloudWatchLogsClient, prefix: str, start_ms: int) -> list[tuple[int, str, str]]:
    return [
        (e["timestamp"], e["logStreamName"].split("/", 1)[1], e["message"])
        for e in read_all(logs, logStreamNamePrefix=prefix, startTime=start_ms)
    ]


def test_start_fills_logs_in_order_then_in_service(
    aws: LocalAws, sagemaker: SageMakerClient, logs: CloudWatchLogsClient
) -> None:
    start_ms = int(aws.simulator.now() * 1000)
    sagemaker.start_notebook_instance(NotebookInstanceName="nb-dev")
    assert _since(logs, "nb-dev/", start_ms) == []
    aws.simulator.step(aws.simulator.timings.start * 0.5)
    partial = _since(logs, "nb-dev/", start_ms)
    assert partial, "the lifecycle script's output arrives while Pending"
    assert status_of(sagemaker, "nb-dev") == "Pending"
    aws.simulator.step(aws.simulator.timings.start * 0.5)
    assert status_of(sagemaker, "nb-dev") == "InService"
    lines = _since(logs, "nb-dev/", start_ms)
    assert lines[: len(partial)] == partial
    streams = [stream for _, stream, _ in lines]
    on_start = [m for _, s, m in lines if s == "LifecycleConfigOnStart"]
    assert on_start[0] == "Fetching the autostop script"
    assert on_start[-1] == "Lifecycle config finished"
    # All of the script's output comes before Jupyter starts.
    assert streams.index("jupyter.log") > max(
        i for i, s in enumerate(streams) if s == "LifecycleConfigOnStart"
    )
    jupyter = [m for _, s, m in lines if s == "jupyter.log"]
    assert any("Jupyter Server 1.24.0 is running at:" in m for m in jupyter)
    assert jupyter[-1].endswith("(twice to skip confirmation).")
    timestamps = [ts for ts, _, _ in lines]
    assert timestamps == sorted(timestamps)
    assert start_ms < timestamps[0]
    assert timestamps[-1] <= start_ms + 20_000


def test_log_lines_carry_simulated_time(
    aws: LocalAws, sagemaker: SageMakerClient, logs: CloudWatchLogsClient
) -> None:
    start_ms = int(aws.simulator.now() * 1000)
    sagemaker.start_notebook_instance(NotebookInstanceName="nb-dev")
    aws.simulator.step(aws.simulator.timings.start)
    last = _since(logs, "nb-dev/jupyter.log", start_ms)[-1]
    expected_ms = start_ms + int(aws.simulator.timings.start * 0.97 * 1000)
    assert abs(last[0] - expected_ms) < 1500
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(last[0] / 1000))
    assert last[2].startswith(f"[I {stamp}.")


def test_failing_lifecycle_script_ends_failed(
    aws: LocalAws, sagemaker: SageMakerClient, logs: CloudWatchLogsClient
) -> None:
    start_ms = int(aws.simulator.now() * 1000)
    sagemaker.start_notebook_instance(NotebookInstanceName="nlp-finetune")
    aws.simulator.settle()
    described = sagemaker.describe_notebook_instance(NotebookInstanceName="nlp-finetune")
    assert described["NotebookInstanceStatus"] == "Failed"
    assert "took longer than 5 minutes" in described["FailureReason"]
    lines = _since(logs, "nlp-finetune/", start_ms)
    assert {stream for _, stream, _ in lines} == {"LifecycleConfigOnStart"}
    messages = [m for _, _, m in lines]
    assert "Solving environment: ...working... done" in messages
    assert "Lifecycle config finished" not in messages


def test_script_exiting_non_zero_fails_the_start(
    aws: LocalAws, sagemaker: SageMakerClient, logs: CloudWatchLogsClient
) -> None:
    script = "#!/bin/bash\necho 'mounting EFS'\necho 'mount.nfs4: Connection timed out'\nexit 32\n"
    sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="mount-efs",
        OnStart=[{"Content": base64.b64encode(script.encode()).decode()}],
    )
    sagemaker.update_notebook_instance(
        NotebookInstanceName="nb-dev", LifecycleConfigName="mount-efs"
    )
    aws.simulator.settle()
    sagemaker.start_notebook_instance(NotebookInstanceName="nb-dev")
    aws.simulator.settle()
    described = sagemaker.describe_notebook_instance(NotebookInstanceName="nb-dev")
    assert described["NotebookInstanceStatus"] == "Failed"
    assert described["FailureReason"].startswith(
        "Notebook Instance Lifecycle Config 'arn:aws:sagemaker:us-east-1:123456789012:"
        "notebook-instance-lifecycle-config/mount-efs' for Notebook Instance "
    )
    assert " failure. Please check your CloudWatch logs" in described["FailureReason"]


def test_create_runs_on_create_then_on_start(
    aws: LocalAws, sagemaker: SageMakerClient, logs: CloudWatchLogsClient
) -> None:
    start_ms = int(aws.simulator.now() * 1000)
    sagemaker.create_notebook_instance(
        NotebookInstanceName="fresh",
        InstanceType="ml.t3.medium",
        RoleArn=ROLE,
        LifecycleConfigName="conda-setup",
    )
    aws.simulator.step(aws.simulator.timings.create)
    assert status_of(sagemaker, "fresh") == "InService"
    streams = [stream for _, stream, _ in _since(logs, "fresh/", start_ms)]
    order = list(dict.fromkeys(streams))
    assert order == ["LifecycleConfigOnCreate", "LifecycleConfigOnStart", "jupyter.log"]


def test_a_plain_start_does_not_run_on_create(aws: LocalAws, clients: Clients) -> None:
    start_ms = int(aws.simulator.now() * 1000)
    client = cast(SageMakerClient, clients.get("sagemaker", "eu-west-1"))
    eu_logs = cast(CloudWatchLogsClient, clients.get("logs", "eu-west-1"))
    client.stop_notebook_instance(NotebookInstanceName="eu-forecasting")
    aws.simulator.settle()
    client.start_notebook_instance(NotebookInstanceName="eu-forecasting")
    aws.simulator.settle()
    streams = {stream for _, stream, _ in _since(eu_logs, "eu-forecasting/", start_ms)}
    assert streams == {"LifecycleConfigOnStart", "jupyter.log"}


def test_stop_writes_shutdown_and_drops_the_ssm_node(
    aws: LocalAws, sagemaker: SageMakerClient, logs: CloudWatchLogsClient, ssm: SSMClient
) -> None:
    start_ms = int(aws.simulator.now() * 1000)
    sagemaker.stop_notebook_instance(NotebookInstanceName="alice-sandbox")
    aws.simulator.step(aws.simulator.timings.stop)
    assert status_of(sagemaker, "alice-sandbox") == "Stopped"
    shutdown = [m for _, _, m in _since(logs, "alice-sandbox/jupyter.log", start_ms)]
    assert "received signal 15, stopping" in shutdown[0]
    assert shutdown[-1].endswith("Shutting down 0 terminals")
    nodes = ssm.describe_instance_information(
        Filters=[{"Key": "tag:SSHResourceName", "Values": ["alice-sandbox"]}]
    )["InstanceInformationList"]
    assert [node["PingStatus"] for node in nodes] == ["ConnectionLost"]
    # On the next start the helper registers a fresh node.
    sagemaker.start_notebook_instance(NotebookInstanceName="alice-sandbox")
    aws.simulator.settle()
    nodes = ssm.describe_instance_information(
        Filters=[{"Key": "tag:SSHResourceName", "Values": ["alice-sandbox"]}]
    )["InstanceInformationList"]
    assert sorted(node["PingStatus"] for node in nodes) == ["ConnectionLost", "Online"]


def test_seeded_transitions_finish(
    aws: LocalAws, sagemaker: SageMakerClient, sagemaker_eu: SageMakerClient
) -> None:
    assert {name for _, name, _ in aws.simulator.pending()} == {
        "bob-experiments",
        "recsys-prototype",
        "churn-model",
        "gdpr-audit-tmp",
    }
    aws.simulator.settle()
    assert aws.simulator.pending() == []
    assert status_of(sagemaker, "bob-experiments") == "InService"
    assert status_of(sagemaker, "recsys-prototype") == "Stopped"
    assert status_of(sagemaker, "churn-model") == "Stopped"
    listed = sagemaker_eu.list_notebook_instances()["NotebookInstances"]
    names = {n["NotebookInstanceName"] for n in listed}
    assert "gdpr-audit-tmp" not in names


def test_time_only_moves_forward(aws: LocalAws) -> None:
    with pytest.raises(ValueError, match="forward"):
        aws.simulator.step(-1)


def test_background_thread_plays_in_real_time(
    aws: LocalAws, sagemaker: SageMakerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws.simulator, "timings", Timings(start=0.4, stop=0.2))
    sagemaker.start_notebook_instance(NotebookInstanceName="nb-dev")
    errors: list[BaseException] = []
    done = threading.Event()

    def hammer() -> None:
        # Requests racing the simulator thread must never see a half-applied tick.
        client = cast(SageMakerClient, aws.client("sagemaker"))
        while not done.is_set():
            try:
                client.list_notebook_instances()
            except Exception as error:  # collected, asserted below
                errors.append(error)

    racer = threading.Thread(target=hammer)
    racer.start()
    aws.simulator.start()
    try:
        deadline = time.monotonic() + 10
        while status_of(sagemaker, "nb-dev") != "InService":
            assert time.monotonic() < deadline, "the simulator thread did not finish the start"
            time.sleep(0.05)
    finally:
        aws.simulator.stop()
        done.set()
        racer.join()
    assert errors == []
    assert aws.simulator.last_error is None
    assert not aws.simulator.running
