"""CloudWatch Logs for notebook instances: the group, its streams, paced FilterLogEvents and
GetLogEvents.

SageMaker writes each instance's logs to ``/aws/sagemaker/NotebookInstances`` in streams
``<name>/LifecycleConfigOnCreate``, ``<name>/LifecycleConfigOnStart`` and ``<name>/jupyter.log``.
Every query uses the prefix ``<name>/`` *with* its slash: without it ``nb`` also matches
``nb-dev``. This module is the bottom of ``aws.logs``: the readers built on it (following,
reading a window of history fast, Live Tail) import it, never the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagedeck.aws.logs.limiter import FILTER_LOG_EVENTS, GET_LOG_EVENTS, RateLimiter, limiter_for
from sagedeck.aws.paging import LOGS_TOKEN, collect
from sagedeck.aws.session import AwsConnection
from sagedeck.aws.translate import translate_errors
from sagedeck.errors import Throttled
from sagedeck.models import LogEvent, NotebookKey, StreamChoice

LOG_GROUP = "/aws/sagemaker/NotebookInstances"
PAGE_LIMIT = 10_000  # FilterLogEvents' maximum (or 1 MB, whichever comes first)
TAIL_EVENTS = 1_000  # how many recent events the tail view starts with
_SERVICE_HOOK = "before-send.cloudwatch-logs.{operation}"


_SUFFIX = {
    StreamChoice.ALL: "",
    StreamChoice.LIFECYCLE: "LifecycleConfigOn",
    StreamChoice.JUPYTER: "jupyter.log",
}


def stream_prefix(name: str, choice: StreamChoice = StreamChoice.ALL) -> str:
    """The logStreamNamePrefix for ``name``'s streams: always ends the name with ``/``."""
    return f"{name}/{_SUFFIX[choice]}"


def stream_kind(stream: str) -> StreamChoice:
    """LIFECYCLE or JUPYTER for a stream name; ALL for a stream of neither kind."""
    _, _, leaf = stream.partition("/")
    if leaf.startswith("LifecycleConfigOn"):
        return StreamChoice.LIFECYCLE
    if leaf.startswith("jupyter"):
        return StreamChoice.JUPYTER
    return StreamChoice.ALL


def event_from_api(item: Mapping[str, Any]) -> LogEvent:
    return LogEvent(
        timestamp=int(item["timestamp"]),
        stream=str(item.get("logStreamName", "")),
        message=str(item.get("message", "")),
        event_id=str(item.get("eventId", "")),
        ingestion_time=item.get("ingestionTime"),
    )


@dataclass(frozen=True, slots=True)
class LogPage:
    events: tuple[LogEvent, ...]
    next_token: str | None


@dataclass(frozen=True, slots=True)
class StreamPage:
    """One GetLogEvents page: events of one stream, oldest first, without event ids."""

    events: list[LogEvent]
    forward_token: str


def limiter_scope(conn: AwsConnection) -> str:
    """What shares one FilterLogEvents budget: the endpoint when one is set, else the profile or
    the access key (two profiles of one account get two budgets: we cannot know without STS)."""
    target = conn.target
    if target.endpoint_url:
        return f"endpoint:{target.endpoint_url}"
    if target.credentials:
        return f"key:{target.credentials.access_key}"
    return f"profile:{target.profile or 'default'}"


class CloudWatchLogs:
    """The CloudWatch Logs calls sagedeck makes, over one :class:`AwsConnection`."""

    def __init__(self, conn: AwsConnection) -> None:
        self.conn = conn
        self.scope = limiter_scope(conn)

    def limiter(self, region: str, operation: str = FILTER_LOG_EVENTS) -> RateLimiter:
        return limiter_for(self.scope, region, operation)

    async def _client(self, region: str) -> Any:
        client = await self.conn.client("logs", region)
        if not getattr(client, "_sagedeck_paced", False):
            # Every HTTP attempt, botocore's own retries included, waits for the shared limiter
            # of its operation (looked up at each send: a benchmark or test may replace it).
            for operation in (FILTER_LOG_EVENTS, GET_LOG_EVENTS):

                async def pace(_operation: str = operation, **_: Any) -> None:
                    await self.limiter(region, _operation).acquire()

                client.meta.events.register(_SERVICE_HOOK.format(operation=operation), pace)
            client._sagedeck_paced = True
        return client

    async def _read(
        self,
        region: str,
        operation: str,
        action: str,
        kwargs: dict[str, Any],
        *,
        start_ms: int | None,
        end_ms: int | None,
        token: str | None,
    ) -> Mapping[str, Any]:
        """One FilterLogEvents or GetLogEvents call over a window from a token. A
        ThrottlingException pauses that operation's shared limiter before it is raised as
        :class:`Throttled`, so the caller only has to retry."""
        client = await self._client(region)
        if start_ms is not None:
            kwargs["startTime"] = start_ms
        if end_ms is not None:
            kwargs["endTime"] = end_ms
        if token:
            kwargs["nextToken"] = token
        call = client.filter_log_events if operation == FILTER_LOG_EVENTS else client.get_log_events
        limiter = self.limiter(region, operation)
        try:
            with translate_errors(action, f"logs:{operation}"):
                page: Mapping[str, Any] = await call(**kwargs)
        except Throttled:
            limiter.throttled()
            raise
        limiter.succeeded()
        return page

    async def filter_page(
        self,
        region: str,
        prefix: str,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        token: str | None = None,
        limit: int = PAGE_LIMIT,
        group: str = LOG_GROUP,
    ) -> LogPage:
        """One FilterLogEvents call (``end_ms`` inclusive); :class:`Throttled` to retry."""
        page = await self._read(
            region,
            FILTER_LOG_EVENTS,
            f"read the logs of {prefix.rstrip('/')}",
            {"logGroupName": group, "logStreamNamePrefix": prefix, "limit": limit},
            start_ms=start_ms,
            end_ms=end_ms,
            token=token,
        )
        return LogPage(
            tuple(event_from_api(item) for item in page.get("events", ())),
            page.get("nextToken") or None,
        )

    async def stream_page(
        self,
        region: str,
        stream: str,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        token: str | None = None,
        limit: int = PAGE_LIMIT,
        group: str = LOG_GROUP,
    ) -> StreamPage:
        """One GetLogEvents call, oldest first. ``end_ms`` is exclusive, as GetLogEvents has it.
        The end of the stream is a ``forward_token`` equal to ``token``. :class:`Throttled` to
        retry."""
        page = await self._read(
            region,
            GET_LOG_EVENTS,
            f"read the log of {stream}",
            {"logGroupName": group, "logStreamName": stream, "startFromHead": True, "limit": limit},
            start_ms=start_ms,
            end_ms=end_ms,
            token=token,
        )
        return StreamPage(
            [
                LogEvent(int(e["timestamp"]), stream, str(e.get("message", "")), "", ingestion)
                for e in page.get("events", ())
                for ingestion in (e.get("ingestionTime"),)
            ],
            str(page.get("nextForwardToken") or ""),
        )

    async def stream_names(self, key: NotebookKey, prefix: str | None = None) -> tuple[str, ...]:
        """The instance's streams (DescribeLogStreams, 25 requests/s: not the scarce budget)."""
        client = await self._client(key.region)
        request = {
            "logGroupName": LOG_GROUP,
            "logStreamNamePrefix": prefix or stream_prefix(key.name),
        }
        with translate_errors(f"list the log streams of {key.name}", "logs:DescribeLogStreams"):
            streams = await collect(
                client.describe_log_streams, request, "logStreams", tokens=LOGS_TOKEN
            )
        return tuple(s["logStreamName"] for s in streams)

    async def tail_start(
        self, key: NotebookKey, prefix: str, count: int = TAIL_EVENTS
    ) -> int | None:
        """The timestamp from which about ``count`` events remain, over every stream under
        ``prefix``; None when there are no events. FilterLogEvents only reads forward, so the
        newest events of each stream come from GetLogEvents read backwards, and the follow then
        starts at the ``count``-th newest timestamp (a few more arrive when timestamps tie)."""
        client = await self._client(key.region)
        stamps: list[int] = []
        for stream in await self.stream_names(key, prefix):
            with translate_errors(f"read the log of {stream}", "logs:GetLogEvents"):
                page = await client.get_log_events(
                    logGroupName=LOG_GROUP,
                    logStreamName=stream,
                    startFromHead=False,
                    limit=min(count, 10_000),
                )
            stamps.extend(int(e["timestamp"]) for e in page.get("events", ()))
        if not stamps:
            return None
        stamps.sort()
        return stamps[-count] if len(stamps) >= count else stamps[0]

    async def log_group_arn(self, region: str, group: str = LOG_GROUP) -> str | None:
        """The group's ARN (StartLiveTail names groups by ARN); None if the group is absent."""
        client = await self._client(region)
        with translate_errors("describe the notebook log group", "logs:DescribeLogGroups"):
            page = await client.describe_log_groups(logGroupNamePrefix=group)
        for item in page.get("logGroups", ()):
            if item.get("logGroupName") == group:
                arn = str(item.get("logGroupArn") or item.get("arn", ""))
                return arn.removesuffix(":*") or None
        return None
