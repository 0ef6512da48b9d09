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

The two budgets are used together: the lifecycle-script streams (``LifecycleConfigOnCreate``
and ``LifecycleConfigOnStart``: a few minutes of output at each start) are read by one
FilterLogEvents pass over their common prefix, which ends without the extra call GetLogEvents
needs to see a stream's end, while ``jupyter.log`` (the firehose) and any other stream go
through GetLogEvents. 100,000 events in the two streams take 10 GetLogEvents and 1
FilterLogEvents instead of 12 GetLogEvents, so no call waits for the next second's budget.
Where FilterLogEvents is denied the lifecycle streams are read with GetLogEvents too.

GetLogEvents gives no event ids: ``--format json``, following and Live Tail keep FilterLogEvents
(:class:`sagedeck.aws.logs.follow.LogFollower`). Where GetLogEvents or DescribeLogStreams is
denied before anything was handed on (a policy granting only ``logs:FilterLogEvents``), the
reader falls back to the follower, so nothing that worked before stops working.
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import heapq
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from sagedeck.aws.logs.client import (
    PAGE_LIMIT,
    CloudWatchLogs,
    LogPage,
    StreamPage,
    stream_kind,
    stream_prefix,
)
from sagedeck.aws.logs.follow import (
    MAX_OUTAGE_DELAY,
    ONE_SHOT_OUTAGE_RETRIES,
    FollowHealth,
    HealthState,
    LogFollower,
)
from sagedeck.aws.logs.limiter import FILTER_LOG_EVENTS, GET_LOG_EVENTS
from sagedeck.aws.logs.timewindow import now_ms
from sagedeck.errors import AccessDenied, AwsError, EndpointUnreachable, NotFound, Throttled
from sagedeck.models import LogEvent, NotebookKey, StreamChoice

# GetLogEvents' endTime is needed for the read to end while a stream grows; a little past now,
# so that a clock a little behind the service's does not hide the newest lines.
CLOCK_SKEW_MS = 60_000

T = TypeVar("T")


def _order(event: LogEvent) -> tuple[int, int]:
    return event.timestamp, event.ingestion_time or 0


def _timestamp(event: LogEvent) -> int:
    return event.timestamp


class _Stream:
    """One stream being read (or, with ``streams``, the streams under a prefix read by one
    FilterLogEvents pass, time-ordered across its pages): events fetched but not handed on, and
    the next page in flight."""

    __slots__ = ("done", "events", "name", "read_to", "streams", "task", "token")

    def __init__(self, name: str, streams: tuple[str, ...] = ()) -> None:
        self.name = name  # a stream, or the prefix of ``streams``
        self.streams = streams  # non-empty: read with FilterLogEvents
        self.events: list[LogEvent] = []
        self.token: str | None = None
        self.read_to: int | None = None  # the timestamp of the newest event fetched
        self.done = False
        self.task: asyncio.Task[StreamPage | LogPage] | None = None


class HistoryReader:
    """An async iterator of batches of :class:`LogEvent`, oldest first, of every stream under
    ``prefix`` (None: every stream of the instance) from ``since_ms`` to ``until_ms``
    (inclusive; None: now), in one pass. Event ids only where FilterLogEvents read them (the
    lifecycle streams).

    The same contract as a :class:`LogFollower` without ``follow``: ``health`` and ``on_health``
    report throttling and outages, which are waited out; errors a person must fix end it.
    """

    def __init__(
        self,
        logs: CloudWatchLogs,
        key: NotebookKey,
        *,
        prefix: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        on_health: Callable[[FollowHealth], None] | None = None,
        page_limit: int | None = None,
    ) -> None:
        self.logs = logs
        self.key = key
        self.prefix = stream_prefix(key.name) if prefix is None else prefix
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

    def _sources(self, names: tuple[str, ...]) -> list[_Stream]:
        """GetLogEvents for each stream, but one FilterLogEvents pass for the lifecycle scripts'
        streams when the reader's prefix takes in more than them. In name order: the merge
        takes the earlier source first among equal keys."""
        names = tuple(sorted(set(names)))
        lifecycle = tuple(n for n in names if stream_kind(n) is StreamChoice.LIFECYCLE)
        prefix = stream_prefix(self.key.name, StreamChoice.LIFECYCLE)
        if not lifecycle or len(lifecycle) == len(names) or not prefix.startswith(self.prefix):
            return [_Stream(name) for name in names]
        sources = [_Stream(name) for name in names if name not in lifecycle]
        sources.append(_Stream(prefix, lifecycle))
        return sorted(sources, key=lambda source: source.name)

    async def _merged(self, names: tuple[str, ...]) -> AsyncIterator[list[LogEvent]]:
        streams = self._sources(names)
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
                await self._take(lagging, streams)
                for stream in reading:
                    if (
                        stream is not lagging
                        and stream.task is not None
                        and stream.task.done()
                        and len(stream.events) < self.page_limit
                    ):
                        await self._take(stream, streams)
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
        call: Callable[[], Awaitable[StreamPage | LogPage]]
        if stream.streams:
            operation = FILTER_LOG_EVENTS
            call = functools.partial(
                self.logs.filter_page,
                self.key.region,
                stream.name,
                start_ms=self.since_ms,
                end_ms=self.end_ms - 1,  # FilterLogEvents' endTime is inclusive
                token=stream.token,
                limit=self.page_limit,
            )
        else:
            operation = GET_LOG_EVENTS
            call = functools.partial(
                self.logs.stream_page,
                self.key.region,
                stream.name,
                start_ms=self.since_ms,
                end_ms=self.end_ms,
                token=stream.token,
                limit=self.page_limit,
            )
        stream.task = asyncio.ensure_future(self._retrying(call, operation))
        # A reader that stops early never awaits it: no "exception never retrieved".
        stream.task.add_done_callback(lambda done: done.cancelled() or done.exception())

    async def _take(self, stream: _Stream, streams: list[_Stream]) -> None:
        """Take the page in flight and ask for the next. A FilterLogEvents pass denied at its
        first page is replaced in ``streams`` by GetLogEvents for each of its streams."""
        assert stream.task is not None
        try:
            page = await stream.task
        except NotFound:  # the stream was deleted while being read: it has nothing more
            stream.task, stream.done = None, True
            return
        except AccessDenied:
            if not stream.streams or stream.token is not None or stream.read_to is not None:
                raise
            stream.task, stream.done = None, True
            replacements = [_Stream(name) for name in stream.streams]
            streams.remove(stream)
            streams.extend(replacements)
            streams.sort(key=lambda source: source.name)
            for replacement in replacements:
                self._request(replacement)
            return
        stream.task = None
        self.polls += 1
        if page.events:
            stream.events.extend(page.events)
            stream.read_to = page.events[-1].timestamp
        if isinstance(page, LogPage):  # FilterLogEvents: no token is the end
            stream.token = page.next_token
            stream.done = page.next_token is None
        elif page.forward_token == stream.token:  # the same token back: the stream's end
            stream.done = True
        else:
            stream.token = page.forward_token
        if not stream.done:
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

    async def _retrying(
        self, call: Callable[[], Awaitable[T]], operation: str = GET_LOG_EVENTS
    ) -> T:
        """``call()``, after waiting out throttling and, a few times, an unreachable endpoint."""
        outage_delay = 1.0
        failures = 0
        while True:
            try:
                return await call()
            except Throttled:
                self.throttles += 1
                wait = max(self.logs.limiter(self.key.region, operation).paused_for, 0.5)
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
