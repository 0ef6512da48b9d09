"""CloudWatch Logs for notebook instances: the group, its streams, paced FilterLogEvents and
GetLogEvents.

SageMaker writes each instance's logs to ``/aws/sagemaker/NotebookInstances`` in streams
``<name>/LifecycleConfigOnCreate``, ``<name>/LifecycleConfigOnStart`` and ``<name>/jupyter.log``.
Every query uses the prefix ``<name>/`` *with* its slash: without it ``nb`` also matches
``nb-dev``. Following is :class:`sagedeck.aws.logs.follow.LogFollower`'s job; reading a window
of history fast is :class:`sagedeck.aws.logs.history.HistoryReader`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sagedeck.aws.logs.limiter import FILTER_LOG_EVENTS, GET_LOG_EVENTS, RateLimiter, limiter_for
from sagedeck.aws.session import AwsConnection
from sagedeck.aws.translate import translate_errors
from sagedeck.errors import Throttled
from sagedeck.models import LogEvent, NotebookKey, StreamChoice

if TYPE_CHECKING:
    from sagedeck.aws.logs.follow import FollowHealth, LogFollower
    from sagedeck.aws.logs.history import HistoryReader
    from sagedeck.aws.logs.live import LiveTail

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
        names: list[str] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "logGroupName": LOG_GROUP,
                "logStreamNamePrefix": prefix or stream_prefix(key.name),
            }
            if token:
                kwargs["nextToken"] = token
            with translate_errors(f"list the log streams of {key.name}", "logs:DescribeLogStreams"):
                page = await client.describe_log_streams(**kwargs)
            names.extend(s["logStreamName"] for s in page.get("logStreams", ()))
            token = page.get("nextToken")
            if not token:
                return tuple(names)

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

    def follower(
        self,
        key: NotebookKey,
        *,
        streams: StreamChoice = StreamChoice.ALL,
        since_ms: int | None = None,
        tail: int | None = None,
        until_ms: int | None = None,
        follow: bool = True,
        is_active: Callable[[], bool] | None = None,
        on_health: Callable[[FollowHealth], None] | None = None,
    ) -> LogFollower:
        """A follower of ``key``'s streams: see :class:`LogFollower`."""
        from sagedeck.aws.logs.follow import LogFollower

        return LogFollower(
            self,
            key,
            prefix=stream_prefix(key.name, streams),
            since_ms=since_ms,
            tail=tail,
            until_ms=until_ms,
            follow=follow,
            is_active=is_active,
            on_health=on_health,
        )

    def history(
        self,
        key: NotebookKey,
        *,
        streams: StreamChoice = StreamChoice.ALL,
        since_ms: int | None = None,
        until_ms: int | None = None,
        on_health: Callable[[FollowHealth], None] | None = None,
    ) -> HistoryReader:
        """A one-pass reader of ``key``'s streams from ``since_ms`` to ``until_ms`` (or now),
        each stream read with GetLogEvents at once and merged by time: see
        :class:`HistoryReader`. Its events carry no event id
        (but for the lifecycle streams, read with FilterLogEvents)."""
        from sagedeck.aws.logs.history import HistoryReader

        return HistoryReader(
            self,
            key,
            prefix=stream_prefix(key.name, streams),
            since_ms=since_ms,
            until_ms=until_ms,
            on_health=on_health,
        )

    def live_tail(
        self, follower: LogFollower, on_notice: Callable[[str], None] | None = None
    ) -> LiveTail:
        """The follower's history, then a StartLiveTail session (opt-in: billed per minute),
        with no gap and no repeat between them; polling where live tail cannot be had. See
        :mod:`sagedeck.aws.logs.live`."""
        from sagedeck.aws.logs.live import LiveTail

        return LiveTail(self, follower, on_notice=on_notice)
