"""Fixtures for the log tests: sagedeck's AWS layer and a referee client on the embedded AWS."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from sagedeck.aws.logs.client import LOG_GROUP
from sagedeck.aws.logs.limiter import forget_limiters
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.localaws import LocalAws
from sagedeck.models import LogEvent

REGION = "us-east-1"
Line = tuple[int, str, str]  # (timestamp, stream, message): what a reader sees


def target(endpoint_url: str) -> AwsTarget:
    return AwsTarget(None, (REGION,), endpoint_url, False, StaticCredentials("demo", "demo"))


@pytest.fixture(autouse=True)
def fresh_limiters() -> Iterator[None]:
    forget_limiters()
    yield
    forget_limiters()


@pytest.fixture
async def services(aws: LocalAws) -> AsyncIterator[AwsServices]:
    async with AwsServices(target(aws.endpoint_url)) as s:
        yield s


@pytest.fixture
def logs_client(aws: LocalAws) -> Any:
    """A boto3 client straight to the server: writes events and referees."""
    client = aws.client("logs", REGION)
    with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
        client.create_log_group(logGroupName=LOG_GROUP)
    return client


def put(client: Any, stream: str, messages: list[str], ts: int) -> None:
    """Write ``messages`` to ``stream`` (created if needed), all at timestamp ``ts``."""
    with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
        client.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
    for start in range(0, len(messages), 10_000):
        chunk = messages[start : start + 10_000]
        client.put_log_events(
            logGroupName=LOG_GROUP,
            logStreamName=stream,
            logEvents=[{"timestamp": ts, "message": m} for m in chunk],
        )


def server_lines(client: Any, prefix: str) -> list[Line]:
    """Every event of every stream under ``prefix``, read stream by stream with GetLogEvents:
    another code path than the FilterLogEvents the follower uses."""
    streams: list[str] = []
    kwargs: dict[str, Any] = {"logGroupName": LOG_GROUP, "logStreamNamePrefix": prefix}
    while True:
        page = client.describe_log_streams(**kwargs)
        streams += [s["logStreamName"] for s in page["logStreams"]]
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    lines: list[Line] = []
    for stream in streams:
        token: str | None = None
        while True:
            args: dict[str, Any] = {
                "logGroupName": LOG_GROUP,
                "logStreamName": stream,
                "startFromHead": True,
            }
            if token:
                args["nextToken"] = token
            page = client.get_log_events(**args)
            lines += [(e["timestamp"], stream, e["message"]) for e in page["events"]]
            if page.get("nextForwardToken") in (None, token):
                break
            token = page["nextForwardToken"]
    return sorted(lines)


def as_lines(events: list[LogEvent]) -> list[Line]:
    return sorted((e.timestamp, e.stream, e.message) for e in events)


async def until(predicate: Callable[[], bool], within: float = 20.0) -> None:
    """Wait for a condition that other tasks and threads make true (hence a poll)."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - the condition has no event to wait on
            await asyncio.sleep(0.02)
