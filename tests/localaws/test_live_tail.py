"""StartLiveTail streams what is ingested after the session began, every second."""

from __future__ import annotations

import time
from typing import Any, cast

import pytest
from mypy_boto3_logs import CloudWatchLogsClient

from sagedeck.localaws import LocalAws
from sagedeck.localaws.logs import live_tail

from .conftest import GROUP
from .helpers import aws_error

ARN = f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}"


@pytest.fixture
def fast_updates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_tail, "UPDATE_SECONDS", 0.05)


@pytest.fixture
def tail_client(aws: LocalAws) -> CloudWatchLogsClient:
    # As against AWS with an endpoint URL: no "streaming-" host prefix.
    return cast(CloudWatchLogsClient, aws.client("logs", inject_host_prefix=False))


def _put(logs: CloudWatchLogsClient, stream: str, *messages: str) -> None:
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName=stream,
        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(messages)],
    )


def _collect(events: Any, wanted: str, updates: int = 40) -> tuple[list[str], list[Any]]:
    seen: list[str] = []
    metadata: list[Any] = []
    for _, event in zip(range(updates), events, strict=False):
        update = event.get("sessionUpdate")
        if update is None:
            continue
        metadata.append(update["sessionMetadata"])
        seen += [result["message"] for result in update["sessionResults"]]
        if wanted in seen:
            break
    return seen, metadata


def test_new_events_only(
    fast_updates: None, tail_client: CloudWatchLogsClient, logs: CloudWatchLogsClient
) -> None:
    response = tail_client.start_live_tail(logGroupIdentifiers=[ARN], logStreamNamePrefixes=["nb/"])
    events = iter(response["responseStream"])
    start = next(events)["sessionStart"]
    assert start["logGroupIdentifiers"] == [ARN]
    assert start["logStreamNamePrefixes"] == ["nb/"]
    _put(logs, "nb/jupyter.log", "[I 2026-11-25 20:04:03.123 ServerApp] after")
    _put(logs, "nb-dev/jupyter.log", "not for this session")
    seen, _ = _collect(events, "[I 2026-11-25 20:04:03.123 ServerApp] after")
    response["responseStream"].close()
    assert seen == ["[I 2026-11-25 20:04:03.123 ServerApp] after"]


def test_empty_updates_keep_coming(fast_updates: None, tail_client: CloudWatchLogsClient) -> None:
    response = tail_client.start_live_tail(
        logGroupIdentifiers=[ARN], logStreamNames=["nb/jupyter.log"]
    )
    events = iter(response["responseStream"])
    next(events)
    updates = [next(events)["sessionUpdate"] for _ in range(3)]
    response["responseStream"].close()
    assert all(u["sessionResults"] == [] for u in updates)
    assert all(u["sessionMetadata"] == {"sampled": False} for u in updates)


def test_new_streams_and_filter_pattern(
    fast_updates: None, tail_client: CloudWatchLogsClient, logs: CloudWatchLogsClient
) -> None:
    response = tail_client.start_live_tail(
        logGroupIdentifiers=[ARN], logStreamNamePrefixes=["fresh/"], logEventFilterPattern="ERROR"
    )
    events = iter(response["responseStream"])
    next(events)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="fresh/jupyter.log")
    _put(logs, "fresh/jupyter.log", "INFO fine", "ERROR broken")
    seen, _ = _collect(events, "ERROR broken")
    response["responseStream"].close()
    assert seen == ["ERROR broken"]


def test_more_than_500_a_second_is_sampled(
    monkeypatch: pytest.MonkeyPatch, tail_client: CloudWatchLogsClient, logs: CloudWatchLogsClient
) -> None:
    monkeypatch.setattr(live_tail, "UPDATE_SECONDS", 0.5)
    response = tail_client.start_live_tail(
        logGroupIdentifiers=[ARN], logStreamNames=["nb/jupyter.log"]
    )
    events = iter(response["responseStream"])
    next(events)
    _put(logs, "nb/jupyter.log", *[f"line {i}" for i in range(1200)])
    for event in events:
        update = event["sessionUpdate"]
        if update["sessionResults"]:
            break
    response["responseStream"].close()
    assert update["sessionMetadata"] == {"sampled": True}
    assert len(update["sessionResults"]) == 500


def test_identifiers_outside_the_model_are_refused(
    tail_client: CloudWatchLogsClient, logs: CloudWatchLogsClient
) -> None:
    """DescribeLogGroups' ``arn`` ends in ``:*``, which the model's pattern for a
    logGroupIdentifier excludes: AWS answers InvalidParameterException, before any session."""
    arn = logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"][0]["arn"]
    assert arn.endswith(":*")
    with aws_error("InvalidParameterException") as caught:
        tail_client.start_live_tail(logGroupIdentifiers=[arn])
    assert caught.value.response["Error"]["Message"] == (
        f"1 validation error detected: Value '[{arn}]' at 'logGroupIdentifiers' failed to "
        "satisfy constraint: Member must satisfy constraint: [Member must satisfy regular "
        "expression pattern: [\\w#+=/:,.@-]*]"
    )
    with aws_error("InvalidParameterException") as caught:
        tail_client.start_live_tail(logGroupIdentifiers=[ARN], logStreamNamePrefixes=["nb*"])
    assert caught.value.response["Error"]["Message"].endswith(
        "at 'logStreamNamePrefixes' failed to satisfy constraint: Member must satisfy "
        "constraint: [Member must satisfy regular expression pattern: [^:*]*]"
    )
    response = tail_client.start_live_tail(logGroupIdentifiers=[arn.removesuffix(":*")])
    start = next(iter(response["responseStream"]))["sessionStart"]
    response["responseStream"].close()
    assert start["logGroupIdentifiers"] == [ARN]
