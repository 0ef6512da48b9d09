"""GetLogEvents as AWS serves it: one stream, pages of 10,000 events or 1 MB, tokens that come
back unchanged at the end, ``endTime`` exclusive, newest first by default, its own quota."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from mypy_boto3_logs import CloudWatchLogsClient
from mypy_boto3_logs.type_defs import GetLogEventsResponseTypeDef

from sagedeck.localaws import LocalAws
from sagedeck.localaws.logs.quota import FILTER_LOG_EVENTS_LIMIT, GET_LOG_EVENTS_LIMIT

from .conftest import GROUP
from .helpers import aws_error


def pages(
    logs: CloudWatchLogsClient, stream: str, **kwargs: Any
) -> Iterator[GetLogEventsResponseTypeDef]:
    """Every forward page until the token comes back unchanged (the documented end)."""
    params: dict[str, Any] = {
        "logGroupName": GROUP,
        "logStreamName": stream,
        "startFromHead": True,
        **kwargs,
    }
    for _ in range(1_000):
        page = logs.get_log_events(**params)
        yield page
        if page["nextForwardToken"] == params.get("nextToken"):
            return
        params["nextToken"] = page["nextForwardToken"]
    raise AssertionError("the forward token never came back unchanged")


def new_stream(logs: CloudWatchLogsClient, name: str, events: list[tuple[int, str]]) -> None:
    logs.create_log_stream(logGroupName=GROUP, logStreamName=name)
    for start in range(0, len(events), 10_000):
        logs.put_log_events(
            logGroupName=GROUP,
            logStreamName=name,
            logEvents=[{"timestamp": ts, "message": m} for ts, m in events[start : start + 10_000]],
        )


def filtered(logs: CloudWatchLogsClient, stream: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    params: dict[str, Any] = {"logGroupName": GROUP, "logStreamNames": [stream]}
    while True:
        page = logs.filter_log_events(**params)
        out += [(e["timestamp"], e["message"]) for e in page["events"]]
        if "nextToken" not in page:
            return out
        params["nextToken"] = page["nextToken"]


def test_forward_pages_end_with_the_same_token(logs: CloudWatchLogsClient) -> None:
    stream = "data-eng-etl/jupyter.log"  # seeded with more than 10,000 events
    read = list(pages(logs, stream))
    assert len(read) >= 3  # full pages, then the empty one that returns the token unchanged
    assert read[-1]["events"] == []
    for page in read:
        assert len(page["events"]) <= 10_000
        assert sum(len(e["message"].encode()) + 26 for e in page["events"]) <= 1_048_576
        assert page["nextBackwardToken"]
    got = [(e["timestamp"], e["message"]) for page in read for e in page["events"]]
    assert got == filtered(logs, stream)  # the same events, in the same order, as FilterLogEvents
    again = logs.get_log_events(
        logGroupName=GROUP,
        logStreamName=stream,
        startFromHead=True,
        nextToken=read[-1]["nextForwardToken"],
    )
    assert again["events"] == []
    assert again["nextForwardToken"] == read[-1]["nextForwardToken"]


def test_a_page_stops_at_one_megabyte(logs: CloudWatchLogsClient) -> None:
    now = int(time.time() * 1000)
    new_stream(logs, "big/jupyter.log", [(now + i, f"{i:06d}" + "x" * 20_000) for i in range(120)])
    read = list(pages(logs, "big/jupyter.log"))
    first = read[0]["events"]
    assert 0 < len(first) < 120
    assert sum(len(e["message"].encode()) + 26 for e in first) <= 1_048_576
    assert [e["message"][:6] for p in read for e in p["events"]] == [f"{i:06d}" for i in range(120)]


def test_start_time_is_inclusive_and_end_time_exclusive(logs: CloudWatchLogsClient) -> None:
    now = int(time.time() * 1000)
    new_stream(logs, "win/jupyter.log", [(now + i, f"m{i}") for i in range(10)])
    read = list(pages(logs, "win/jupyter.log", startTime=now + 2, endTime=now + 6))
    assert [e["message"] for p in read for e in p["events"]] == ["m2", "m3", "m4", "m5"]


def test_an_empty_window_still_has_tokens(logs: CloudWatchLogsClient) -> None:
    now = int(time.time() * 1000)
    new_stream(logs, "quiet/jupyter.log", [(now, "only")])
    read = list(pages(logs, "quiet/jupyter.log", startTime=now + 1))
    assert [p["events"] for p in read] == [[], []]
    assert read[0]["nextForwardToken"]
    assert read[0]["nextBackwardToken"]


def test_newest_first_by_default_then_backwards(logs: CloudWatchLogsClient) -> None:
    now = int(time.time() * 1000)
    new_stream(logs, "back/jupyter.log", [(now + i, f"m{i}") for i in range(25)])
    page = logs.get_log_events(logGroupName=GROUP, logStreamName="back/jupyter.log", limit=10)
    assert [e["message"] for e in page["events"]] == [f"m{i}" for i in range(15, 25)]
    seen = [e["message"] for e in page["events"]]
    token = page["nextBackwardToken"]
    while True:
        page = logs.get_log_events(
            logGroupName=GROUP, logStreamName="back/jupyter.log", limit=10, nextToken=token
        )
        if page["nextBackwardToken"] == token:
            break
        seen = [e["message"] for e in page["events"]] + seen
        token = page["nextBackwardToken"]
    assert seen == [f"m{i}" for i in range(25)]
    assert page["events"] == []


def test_events_after_the_end_come_with_the_last_token(logs: CloudWatchLogsClient) -> None:
    now = int(time.time() * 1000)
    new_stream(logs, "grow/jupyter.log", [(now, "one")])
    end = list(pages(logs, "grow/jupyter.log"))[-1]["nextForwardToken"]
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName="grow/jupyter.log",
        logEvents=[{"timestamp": now + 1, "message": "two"}],
    )
    page = logs.get_log_events(
        logGroupName=GROUP, logStreamName="grow/jupyter.log", startFromHead=True, nextToken=end
    )
    assert [e["message"] for e in page["events"]] == ["two"]
    assert set(page["events"][0]) == {"timestamp", "message", "ingestionTime"}  # no eventId


def test_errors(logs: CloudWatchLogsClient) -> None:
    with aws_error("ResourceNotFoundException"):
        logs.get_log_events(logGroupName=GROUP, logStreamName="nobody/jupyter.log")
    with aws_error("ResourceNotFoundException"):
        logs.get_log_events(logGroupName="/aws/nope", logStreamName="nb/jupyter.log")
    with aws_error("InvalidParameterException"):
        logs.get_log_events(logGroupName=GROUP, logStreamName="nb/jupyter.log", limit=10_001)
    with aws_error("InvalidParameterException"):
        logs.get_log_events(
            logGroupName=GROUP, logStreamName="nb/jupyter.log", nextToken="f/not-a-token"
        )


def test_group_names_outside_the_model_are_refused(logs: CloudWatchLogsClient) -> None:
    """The ``:*`` ARN DescribeLogGroups returns is not a logGroupIdentifier (the model's pattern
    has no ``*``), nor is a wildcard a logGroupName: AWS answers InvalidParameterException."""
    arn = logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"][0]["arn"]
    assert arn.endswith(":*")
    stream = "nb/jupyter.log"
    with aws_error("InvalidParameterException") as caught:
        logs.get_log_events(logGroupIdentifier=arn, logStreamName=stream)
    assert caught.value.response["Error"]["Message"] == (
        f"1 validation error detected: Value '{arn}' at 'logGroupIdentifier' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*"
    )
    with aws_error("InvalidParameterException") as caught:
        logs.get_log_events(logGroupName="/aws/sagemaker/*", logStreamName=stream)
    assert caught.value.response["Error"]["Message"].endswith(
        "at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression "
        "pattern: [\\.\\-_/#A-Za-z0-9]+"
    )
    page = logs.get_log_events(logGroupIdentifier=arn.removesuffix(":*"), logStreamName=stream)
    assert page["events"]


def test_reading_from_the_middle_of_a_long_stream(logs: CloudWatchLogsClient) -> None:
    """From the middle of a long stream: every later event once, in AWS's page size. The
    server's time (a bisect, not a scan and sort) is a figure of ``python -m bench`` (section
    localaws), not a time bound here."""
    now = int(time.time() * 1000) - 3_600_000
    new_stream(logs, "bulk/jupyter.log", [(now + i, f"line {i}") for i in range(100_000)])
    read = list(pages(logs, "bulk/jupyter.log", startTime=now + 50_000))
    assert [len(p["events"]) for p in read] == [10_000] * 5 + [0]  # the last: the end, empty
    messages = [e["message"] for p in read for e in p["events"]]
    assert messages == [f"line {i}" for i in range(50_000, 100_000)]


@pytest.fixture
def frozen_quota_clocks(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    for limit in (FILTER_LOG_EVENTS_LIMIT, GET_LOG_EVENTS_LIMIT):
        monkeypatch.setattr(limit, "clock", lambda: now[0])
    return now


def test_get_log_events_has_its_own_quota_of_ten(
    aws: LocalAws, logs: CloudWatchLogsClient, frozen_quota_clocks: list[float]
) -> None:
    aws.set_log_throttle(True)
    for _ in range(10):
        logs.get_log_events(logGroupName=GROUP, logStreamName="nb/jupyter.log", limit=1)
    with aws_error("ThrottlingException", "Rate exceeded"):
        logs.get_log_events(logGroupName=GROUP, logStreamName="nb/jupyter.log", limit=1)
    logs.filter_log_events(logGroupName=GROUP, limit=1)  # FilterLogEvents' budget is apart
    frozen_quota_clocks[0] += 1.0
    logs.get_log_events(logGroupName=GROUP, logStreamName="nb/jupyter.log", limit=1)
    aws.set_log_throttle(False)
    for _ in range(20):
        logs.get_log_events(logGroupName=GROUP, logStreamName="nb/jupyter.log", limit=1)
