"""FilterLogEvents as AWS serves it: prefixes, interleaving, paging, ids, patterns, throttling."""

from __future__ import annotations

import itertools
import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from mypy_boto3_logs import CloudWatchLogsClient
from mypy_boto3_logs.type_defs import FilteredLogEventTypeDef

from sagedeck.localaws import LocalAws
from sagedeck.localaws.logs.quota import FILTER_LOG_EVENTS_LIMIT

from .conftest import GROUP, Clients
from .helpers import aws_error


def read_all(logs: CloudWatchLogsClient, **kwargs: Any) -> Iterator[FilteredLogEventTypeDef]:
    params: dict[str, Any] = {"logGroupName": GROUP, **kwargs}
    while True:
        page = logs.filter_log_events(**params)
        yield from page["events"]
        if "nextToken" not in page:
            return
        params["nextToken"] = page["nextToken"]


def _new_stream(logs: CloudWatchLogsClient, name: str, events: list[tuple[int, str]]) -> None:
    logs.create_log_stream(logGroupName=GROUP, logStreamName=name)
    for start in range(0, len(events), 10_000):
        batch = events[start : start + 10_000]
        logs.put_log_events(
            logGroupName=GROUP,
            logStreamName=name,
            logEvents=[{"timestamp": ts, "message": message} for ts, message in batch],
        )


def test_prefix_with_slash_separates_nb_from_nb_dev(logs: CloudWatchLogsClient) -> None:
    exact = {e["logStreamName"] for e in read_all(logs, logStreamNamePrefix="nb/")}
    assert exact == {"nb/jupyter.log", "nb/LifecycleConfigOnStart"}
    loose = {e["logStreamName"] for e in read_all(logs, logStreamNamePrefix="nb")}
    # As on AWS, the prefix without the slash also matches nb-dev (and nothing else).
    assert loose == exact | {"nb-dev/jupyter.log", "nb-dev/LifecycleConfigOnStart"}


def test_stream_names_select_streams(logs: CloudWatchLogsClient) -> None:
    names = {
        e["logStreamName"]
        for e in read_all(logs, logStreamNames=["nb-dev/jupyter.log", "alice-sandbox/jupyter.log"])
    }
    assert names == {"nb-dev/jupyter.log", "alice-sandbox/jupyter.log"}


def test_names_and_prefix_together_are_refused(logs: CloudWatchLogsClient) -> None:
    with aws_error("InvalidParameterException"):
        logs.filter_log_events(
            logGroupName=GROUP, logStreamNames=["nb/jupyter.log"], logStreamNamePrefix="nb/"
        )


def test_streams_are_interleaved_by_time_then_ingestion(logs: CloudWatchLogsClient) -> None:
    events = list(read_all(logs, logStreamNamePrefix="alice-sandbox/"))
    keys = [(e["timestamp"], e["ingestionTime"]) for e in events]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)
    streams = [e["logStreamName"] for e in events]
    switches = sum(1 for a, b in itertools.pairwise(streams) if a != b)
    assert switches > 2  # OnStart output sits between days of jupyter.log, not after it


def test_equal_timestamps_keep_ingestion_order(logs: CloudWatchLogsClient) -> None:
    now = int(time.time() * 1000)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="tie/a")
    logs.create_log_stream(logGroupName=GROUP, logStreamName="tie/b")
    for index in range(6):
        logs.put_log_events(
            logGroupName=GROUP,
            logStreamName=f"tie/{'ab'[index % 2]}",
            logEvents=[{"timestamp": now, "message": f"line {index}"}],
        )
    messages = [e["message"] for e in read_all(logs, logStreamNamePrefix="tie/")]
    assert messages == [f"line {index}" for index in range(6)]


def test_more_than_ten_thousand_events_page_with_next_token(logs: CloudWatchLogsClient) -> None:
    first = logs.filter_log_events(logGroupName=GROUP, logStreamNames=["data-eng-etl/jupyter.log"])
    assert "nextToken" in first
    size = sum(len(e["message"].encode()) + 26 for e in first["events"])
    assert len(first["events"]) <= 10_000
    assert size <= 1_048_576
    events = list(read_all(logs, logStreamNames=["data-eng-etl/jupyter.log"]))
    assert len(events) > 10_000
    ids = [e["eventId"] for e in events]
    assert len(ids) == len(set(ids))
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)


def test_limit_caps_a_page(logs: CloudWatchLogsClient) -> None:
    page = logs.filter_log_events(logGroupName=GROUP, logStreamNamePrefix="nb/", limit=7)
    assert len(page["events"]) == 7
    following = logs.filter_log_events(
        logGroupName=GROUP, logStreamNamePrefix="nb/", limit=7, nextToken=page["nextToken"]
    )
    assert following["events"][0]["timestamp"] >= page["events"][-1]["timestamp"]
    assert not {e["eventId"] for e in page["events"]} & {e["eventId"] for e in following["events"]}


def test_limit_above_ten_thousand_is_refused(logs: CloudWatchLogsClient) -> None:
    with aws_error("InvalidParameterException"):
        logs.filter_log_events(logGroupName=GROUP, limit=10_001)


def test_event_ids_are_stable(logs: CloudWatchLogsClient) -> None:
    once = [e["eventId"] for e in read_all(logs, logStreamNamePrefix="nb/")]
    again = [e["eventId"] for e in read_all(logs, logStreamNamePrefix="nb/")]
    assert once == again
    assert len(once) == len(set(once))


def test_start_and_end_time_are_inclusive(logs: CloudWatchLogsClient) -> None:
    events = list(read_all(logs, logStreamNames=["nb/jupyter.log"]))
    middle = events[len(events) // 2]["timestamp"]
    later = events[len(events) // 2 + 40]["timestamp"]
    window = list(
        read_all(logs, logStreamNames=["nb/jupyter.log"], startTime=middle, endTime=later)
    )
    assert window[0]["timestamp"] == middle
    assert window[-1]["timestamp"] == later
    assert all(middle <= e["timestamp"] <= later for e in window)


def test_newest_first_when_not_from_head(logs: CloudWatchLogsClient) -> None:
    oldest_first = list(read_all(logs, logStreamNames=["nb/jupyter.log"]))
    page = logs.filter_log_events(
        logGroupName=GROUP, logStreamNames=["nb/jupyter.log"], startFromHead=False, limit=50
    )
    assert [e["eventId"] for e in page["events"]] == [e["eventId"] for e in oldest_first[::-1][:50]]
    following = logs.filter_log_events(
        logGroupName=GROUP,
        logStreamNames=["nb/jupyter.log"],
        limit=50,
        nextToken=page["nextToken"],
    )
    assert [e["eventId"] for e in following["events"]] == [
        e["eventId"] for e in oldest_first[::-1][50:100]
    ]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("Kernel", lambda m: "Kernel" in m),
        ("kernel", lambda m: "kernel" in m),  # case-sensitive, as on AWS
        ('"Kernel started"', lambda m: "Kernel started" in m),
        ("Kernel -started", lambda m: "Kernel" in m and "started" not in m),
        ("?Traceback ?WebSocket", lambda m: "Traceback" in m or "WebSocket" in m),
        (
            "%Kernel (started|restarted)%",
            lambda m: "Kernel started" in m or "Kernel restarted" in m,
        ),
        ('{ $.logger = "autostop" }', lambda m: '"logger": "autostop"' in m),
        (
            "{ $.idle_seconds > 2000 }",
            lambda m: "idle_seconds" in m and json.loads(m)["idle_seconds"] > 2000,
        ),
    ],
)
def test_filter_patterns(logs: CloudWatchLogsClient, pattern: str, expected: Any) -> None:
    every = [e["message"] for e in read_all(logs, logStreamNamePrefix="alice-sandbox/")]
    matched = [
        e["message"]
        for e in read_all(logs, logStreamNamePrefix="alice-sandbox/", filterPattern=pattern)
    ]
    assert matched
    assert matched == [m for m in every if expected(m)]


def test_unsupported_pattern_is_refused_not_misanswered(logs: CloudWatchLogsClient) -> None:
    with aws_error("InvalidParameterException"):
        logs.filter_log_events(logGroupName=GROUP, filterPattern="[ip, user, request]")


def test_multiline_tracebacks_are_one_event(logs: CloudWatchLogsClient) -> None:
    tracebacks = list(read_all(logs, filterPattern='"Uncaught exception"'))
    assert tracebacks
    assert all("\n    Traceback (most recent call last):\n" in e["message"] for e in tracebacks)


def test_unknown_group(logs: CloudWatchLogsClient) -> None:
    with aws_error("ResourceNotFoundException"):
        logs.filter_log_events(logGroupName="/aws/sagemaker/Nope")


def test_group_by_arn(logs: CloudWatchLogsClient) -> None:
    arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}"
    page = logs.filter_log_events(logGroupIdentifier=arn, logStreamNamePrefix="nb/", limit=3)
    assert len(page["events"]) == 3


def test_group_arn_ending_in_a_star_is_refused(logs: CloudWatchLogsClient) -> None:
    """DescribeLogGroups' ``arn`` ends in ``:*``; the model's pattern for logGroupIdentifier has
    no ``*``, so AWS refuses it (``logGroupArn`` is the one to pass)."""
    group = logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"][0]
    arn = group["arn"]
    assert arn.endswith(":*")
    refused = (
        f"1 validation error detected: Value '{arn}' at 'logGroupIdentifier' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*"
    )
    with aws_error("InvalidParameterException", refused):
        logs.filter_log_events(logGroupIdentifier=arn, limit=1)
    assert logs.filter_log_events(logGroupIdentifier=group["logGroupArn"], limit=1)["events"]


def test_follower_sees_new_streams_and_late_events(logs: CloudWatchLogsClient) -> None:
    now = int(time.time() * 1000)
    before = list(read_all(logs, logStreamNamePrefix="late/", startTime=now))
    assert before == []
    _new_stream(logs, "late/one", [(now + 1, "first"), (now + 3, "third")])
    assert [e["message"] for e in read_all(logs, logStreamNamePrefix="late/", startTime=now)] == [
        "first",
        "third",
    ]
    _new_stream(logs, "late/two", [(now + 2, "second")])
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName="late/one",
        logEvents=[{"timestamp": now, "message": "zero"}],
    )
    messages = [e["message"] for e in read_all(logs, logStreamNamePrefix="late/", startTime=now)]
    assert messages == ["zero", "first", "second", "third"]


def test_hundred_thousand_events_in_pages_of_ten_thousand(logs: CloudWatchLogsClient) -> None:
    """Every event once, in AWS's page size. How long it takes is a figure of
    ``python -m bench`` (section localaws), not a time bound here."""
    now = int(time.time() * 1000) - 3_600_000
    _new_stream(
        logs,
        "bulk/jupyter.log",
        [
            (now + i * 10, f"[I 2026-11-25 20:04:03.{i % 1000:03d} ServerApp] line {i}")
            for i in range(100_000)
        ],
    )
    sizes = []
    params: dict[str, Any] = {"logGroupName": GROUP, "logStreamNames": ["bulk/jupyter.log"]}
    seen: set[str] = set()
    while True:
        page = logs.filter_log_events(**params)
        sizes.append(len(page["events"]))
        seen.update(e["eventId"] for e in page["events"])
        if "nextToken" not in page:
            break
        params["nextToken"] = page["nextToken"]
    assert len(seen) == sum(sizes) == 100_000
    assert sizes == [10_000] * 10


def _raw_filter(endpoint: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    request = urllib.request.Request(
        endpoint,
        data=json.dumps({"logGroupName": GROUP, "limit": 1}).encode(),
        headers={
            "X-Amz-Target": "Logs_20140328.FilterLogEvents",
            "Content-Type": "application/x-amz-json-1.1",
            # moto reads the region from the credential scope; it does not check signatures.
            "Authorization": "AWS4-HMAC-SHA256 "
            "Credential=demo/20261125/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_throttling_is_aws_json_on_the_wire(aws: LocalAws, frozen_quota_clock: list[float]) -> None:
    aws.set_log_throttle(True)
    results = [_raw_filter(aws.endpoint_url) for _ in range(6)]
    assert [status for status, _, _ in results[:5]] == [200] * 5
    status, headers, body = results[5]
    assert status == 400
    assert body == {"__type": "ThrottlingException", "message": "Rate exceeded"}
    assert headers.get("X-Amzn-ErrorType") == "ThrottlingException"


@pytest.fixture
def frozen_quota_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The throttle's clock, stopped: a loaded machine must not let the window slide."""
    now = [1000.0]
    monkeypatch.setattr(FILTER_LOG_EVENTS_LIMIT, "clock", lambda: now[0])
    return now


def test_throttling_through_boto3(
    aws: LocalAws, logs: CloudWatchLogsClient, clients: Clients, frozen_quota_clock: list[float]
) -> None:
    aws.set_log_throttle(True)
    for _ in range(5):
        logs.filter_log_events(logGroupName=GROUP, limit=1)
    with aws_error("ThrottlingException", "Rate exceeded") as caught:
        logs.filter_log_events(logGroupName=GROUP, limit=1)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # Per account and region: eu-west-1 has its own budget.
    clients.get("logs", "eu-west-1").filter_log_events(logGroupName=GROUP, limit=1)


def test_throttle_window_refills(
    aws: LocalAws, logs: CloudWatchLogsClient, frozen_quota_clock: list[float]
) -> None:
    now = frozen_quota_clock
    aws.set_log_throttle(True)
    for _ in range(5):
        logs.filter_log_events(logGroupName=GROUP, limit=1)
        now[0] += 0.1
    with aws_error("ThrottlingException"):
        logs.filter_log_events(logGroupName=GROUP, limit=1)
    now[0] += 0.55  # only the first call of the window is now over a second old
    logs.filter_log_events(logGroupName=GROUP, limit=1)
    with aws_error("ThrottlingException"):
        logs.filter_log_events(logGroupName=GROUP, limit=1)


def test_reset_restores_the_throttle_default(aws: LocalAws, logs: CloudWatchLogsClient) -> None:
    aws.set_log_throttle(True)
    aws.reset()
    for _ in range(8):
        logs.filter_log_events(logGroupName=GROUP, limit=1)
