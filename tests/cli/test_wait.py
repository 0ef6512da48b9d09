"""``--wait`` survives what a long wait meets on AWS: a describe that still shows the old state
right after the call (eventual consistency) and a throttled poll."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sagedeck.commands.notebooks as commands
from aws.wire import Reply, Responder, json_error, json_ok, wire_server  # tests/aws/wire.py

from .conftest import InProcess

ARN = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb"


def described(status: str, reason: str | None = None) -> Reply:
    item: dict[str, object] = {
        "NotebookInstanceName": "nb",
        "NotebookInstanceArn": ARN,
        "NotebookInstanceStatus": status,
        "InstanceType": "ml.t3.medium",
        "CreationTime": 1700000000.0,
        "LastModifiedTime": 1700000000.0,
    }
    if reason:
        item["FailureReason"] = reason
    return json_ok(item)


def sequence(*replies: Reply) -> Iterator[Reply]:
    yield from replies
    while True:
        yield replies[-1]


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commands, "WAIT_POLL_SECONDS", 0.01)


def test_stale_state_and_throttling_do_not_end_the_wait(offline: InProcess) -> None:
    answers = sequence(
        described("Stopped"),  # the start has not shown up yet
        json_error("ThrottlingException", "Rate exceeded"),
        json_error("ThrottlingException", "Rate exceeded"),
        described("Pending"),
        described("InService"),
    )
    replies: dict[str, Reply | Responder] = {
        "StartNotebookInstance": json_ok({}),
        "DescribeNotebookInstance": lambda action, body: next(answers),
    }
    with wire_server(replies) as wire:
        result = offline.run(
            "--endpoint-url", wire.url, "--region", "us-east-1", "start", "nb", "--wait"
        )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = [line.split(" (")[0] for line in result.stdout.splitlines()]
    assert lines == ["nb: starting", "nb: Stopped", "nb: Pending", "nb: InService"]


def test_failure_after_a_transition_ends_the_wait_with_the_reason(offline: InProcess) -> None:
    answers = sequence(
        described("Pending"), described("Failed", "OnStart script ran\nfor more than 5 minutes")
    )
    replies: dict[str, Reply | Responder] = {
        "StartNotebookInstance": json_ok({}),
        "DescribeNotebookInstance": lambda action, body: next(answers),
    }
    with wire_server(replies) as wire:
        result = offline.run(
            "--endpoint-url", wire.url, "--region", "us-east-1", "start", "nb", "--wait"
        )
    assert result.assert_one_line_error(exit_code=1) == (
        "sagedeck: nb ended Failed, not InService: OnStart script ran for more than 5 minutes"
    )


def test_throttled_until_the_timeout_says_so(offline: InProcess) -> None:
    replies = {
        "StopNotebookInstance": json_ok({}),
        "DescribeNotebookInstance": json_error("ThrottlingException", "Rate exceeded"),
    }
    with wire_server(replies) as wire:
        result = offline.run(
            "--endpoint-url",
            wire.url,
            "--region",
            "us-east-1",
            "stop",
            "nb",
            "--wait",
            "--timeout",
            "0.3",
        )
    line = result.assert_one_line_error(exit_code=1)
    assert line.startswith("sagedeck: gave up waiting after 0.3s (throttled by AWS")
