"""Reading a window of an instance's log history fast: every stream at once with GetLogEvents,
merged by time as it arrives.

FilterLogEvents interleaves the streams for us but AWS allows it 5 requests a second per account
and region: 100,000 events are 10 pages of 10,000, two seconds of budget. GetLogEvents reads one
stream (10 requests a second, its own budget), so the streams are read concurrently, each page
asked for as soon as the previous one's token is known, and merged here.

Order: by timestamp, then ingestion time, then stream name, each stream's own order kept.
FilterLogEvents orders equal timestamps by ingestion; AWS does not define it further.

Memory stays bounded: an event is handed on once every stream still being read has been read
past its timestamp (a later page of that stream could hold an earlier event), so each stream
holds at most the page in flight and about two pages fetched but not yet handed on.

GetLogEvents gives no event ids: ``--format json``, following and Live Tail keep FilterLogEvents
(:class:`sagedeck.aws.logs_follow.LogFollower`). Where GetLogEvents or DescribeLogStreams is
denied before anything was handed on (a policy granting only ``logs:FilterLogEvents``), the
reader falls back to the follower, so nothing that worked before stops working.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from sagedeck.aws.logs import PAGE_LIMIT, StreamPage
from sagedeck.aws.logs_follow import (
    MAX_OUTAGE_DELAY,
    ONE_SHOT_OUTAGE_RETRIES,
    FollowHealth,
    HealthState,
    LogFollower,
)
from sagedeck.aws.logs_limiter import GET_LOG_EVENTS
from sagedeck.aws.logs_time import now_ms
from sagedeck.errors import AccessDenied, AwsError, EndpointUnreachable, NotFound, Throttled
from sagedeck.models import LogEvent, NotebookKey

if TYPE_CHECKING:
    from sagedeck.aws.logs import CloudWatchLogs

# GetLogEvents' endTime is needed for the read to end while a stream grows; a little past now,
# so that a clock a little behind the service's does not hide the newest lines.
CLOCK_SKEW_MS = 60_000

T = TypeVar("T")


def _order(event: LogEvent) -> tuple[int, int]:
    return event.timestamp, event.ingestion_time or 0


def _timestamp(event: LogEvent) -> int:
    return event.timestamp


class _Stream:
    """One stream being read: events fetched but not handed on, and the next page in flight."""

    __slots__ = ("done", "events", "name", "read_to", "task", "token")

    def __init__(self, name: str) -> None:
        self.name = name
        self.events: list[LogEvent] = []
        self.token: str | None = None
        self.read_to: int | None = None  # the timestamp of the newest event fetched
        self.done = False
        self.task: asyncio.Task[StreamPage] | None = None


class HistoryReader:
    """An async iterator of batches of :class:`LogEvent` (without event ids), oldest first, of
    every stream under ``prefix`` from ``since_ms`` to ``until_ms`` (inclusive; None: now).

    The same contract as a :class:`LogFollower` without ``follow``: ``health`` and ``on_health``
    report throttling and outages, which are waited out; errors a person must fix end it.
    """

    def __init__(
        self,
        logs: CloudWatchLogs,
        key: NotebookKey,
        *,
        prefix: str,
        since_ms: int | None = None,
        until_ms: int | None = None,
        on_health: Callable[[FollowHealth], None] | None = None,
        page_limit: int | None = None,
    ) -> None:
        self.logs = logs
        self.key = key
        self.prefix = prefix
        self.since_ms = since_ms
        self.until_ms = until_ms
        self.on_health = on_health
        self.page_limit = page_limit or PAGE_LIMIT
        self.end_ms = 0  # GetLogEvents' exclusive end, fixed when the read starts
        self.events = 0
        self.polls = 0
        self.throttles = 0
        self.outages = 0
        self.fallback: LogFollower | None = None
        self._health = FollowHealth(HealthState.STARTING)

    @property
    def health(self) -> FollowHealth:
        return self.fallback.health if self.fallback is not None else self._health

    def __aiter__(self) -> AsyncIterator[list[LogEvent]]:
        return self._run()

    # --- the read ------------------------------------------------------------------------------

    async def _run(self) -> AsyncIterator[list[LogEvent]]:
        self._report(HealthState.READING, "reading the history")
        self.end_ms = self.until_ms + 1 if self.until_ms is not None else now_ms() + CLOCK_SKEW_MS
        handed_on = False
        try:
            names = await self._retrying(lambda: self.logs.stream_names(self.key, self.prefix))
            async for batch in self._merged(names):
                handed_on = True
                yield batch
        except NotFound:
            self._report(HealthState.NO_LOG_GROUP, "no notebook has logged in this region")
            return
        except AccessDenied:
            if handed_on:
                raise
        else:
            self._report(HealthState.DONE)
            return
        # Denied GetLogEvents or DescribeLogStreams: what FilterLogEvents alone can do.
        self.fallback = LogFollower(
            self.logs,
            self.key,
            prefix=self.prefix,
            since_ms=self.since_ms,
            until_ms=self.until_ms,
            follow=False,
            on_health=self.on_health,
        )
        async for batch in self.fallback:
            yield batch

    async def _merged(self, names: tuple[str, ...]) -> AsyncIterator[list[LogEvent]]:
        streams = [_Stream(name) for name in sorted(set(names))]
        for stream in streams:
            self._request(stream)
        try:
            while True:
                reading = [s for s in streams if not s.done]
                if not reading:
                    batch = self._cut(streams, None)
                    if batch:
                        self.events += len(batch)
                        yield batch
                    return
                # The stream read least far holds the merge back: wait for it. Others whose
                # page has come are taken too, so that they ask for the next one meanwhile.
                lagging = min(reading, key=lambda s: -1 if s.read_to is None else s.read_to)
                await self._take(lagging)
                for stream in reading:
                    if (
                        stream is not lagging
                        and stream.task is not None
                        and stream.task.done()
                        and len(stream.events) < self.page_limit
                    ):
                        await self._take(stream)
                marks = [s.read_to for s in streams if not s.done]
                if not marks or None in marks:
                    continue  # all read (the top of the loop hands on the rest), or not yet
                batch = self._cut(streams, min(m for m in marks if m is not None))
                if batch:
                    self.events += len(batch)
                    yield batch
        finally:
            for stream in streams:
                if stream.task is not None:
                    stream.task.cancel()

    def _request(self, stream: _Stream) -> None:
        token = stream.token
        stream.task = asyncio.ensure_future(
            self._retrying(
                lambda: self.logs.stream_page(
                    self.key.region,
                    stream.name,
                    start_ms=self.since_ms,
                    end_ms=self.end_ms,
                    token=token,
                    limit=self.page_limit,
                )
            )
        )
        # A reader that stops early never awaits it: no "exception never retrieved".
        stream.task.add_done_callback(lambda done: done.cancelled() or done.exception())

    async def _take(self, stream: _Stream) -> None:
        assert stream.task is not None
        try:
            page = await stream.task
        except NotFound:  # the stream was deleted while being read: it has nothing more
            stream.task, stream.done = None, True
            return
        stream.task = None
        self.polls += 1
        if page.events:
            stream.events.extend(page.events)
            stream.read_to = page.events[-1].timestamp
        if page.forward_token == stream.token:  # the same token back: the end of the stream
            stream.done = True
        else:
            stream.token = page.forward_token
            self._request(stream)

    @staticmethod
    def _cut(streams: list[_Stream], below: int | None) -> list[LogEvent]:
        """Every fetched event before ``below`` (all of them with None), merged in order."""
        parts: list[list[LogEvent]] = []
        for stream in streams:
            events = stream.events
            if not events:
                continue
            if below is None:
                cut = len(events)
            else:  # a finished stream too: the others may still hold earlier events
                cut = bisect.bisect_left(events, below, key=_timestamp)
            if cut:
                parts.append(events[:cut])
                del events[:cut]
        if len(parts) <= 1:
            return parts[0] if parts else []
        # heapq.merge never reorders one input, and takes the earlier input (stream name
        # order) first among equal keys.
        return list(heapq.merge(*parts, key=_order))

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """``call()``, after waiting out throttling and, a few times, an unreachable endpoint."""
        outage_delay = 1.0
        failures = 0
        while True:
            try:
                return await call()
            except Throttled:
                self.throttles += 1
                wait = max(self.logs.limiter(self.key.region, GET_LOG_EVENTS).paused_for, 0.5)
                self._report(HealthState.THROTTLED, "AWS is rate-limiting log reads", wait)
                await asyncio.sleep(wait)
            except (EndpointUnreachable, AwsError) as err:
                self.outages += 1
                failures += 1
                if failures > ONE_SHOT_OUTAGE_RETRIES:
                    raise
                wait = outage_delay * random.uniform(0.8, 1.2)
                outage_delay = min(MAX_OUTAGE_DELAY, outage_delay * 2)
                self._report(HealthState.RECONNECTING, str(err), wait)
                await asyncio.sleep(wait)

    def _report(self, state: HealthState, detail: str = "", retry_in: float = 0.0) -> None:
        self._health = FollowHealth(
            state, detail, retry_in, self.events, self.polls, self.throttles, self.outages
        )
        if self.on_health is not None:
            self.on_health(self._health)
