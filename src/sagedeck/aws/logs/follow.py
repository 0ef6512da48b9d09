"""Following every log stream of one notebook instance: no line lost, none shown twice.

One FilterLogEvents *pass* reads every stream under ``<name>/`` from a start time to the end,
page by page, interleaved by time (streams created since the last pass come along by
themselves: the prefix matches them). Between passes the follower sleeps about a second while
lines flow or the instance changes state, longer when it is quiet.

The next pass starts from the newest timestamp seen *minus a lookback*, and every event id seen
at or after that cursor is remembered, so re-read events are dropped. ``aws logs tail`` restarts
from the newest timestamp exactly; that loses an event that reaches CloudWatch after a newer one
from another stream (the agent ships each stream on its own schedule). The lookback follows the
ingestion delays actually observed (``ingestionTime - timestamp``), 1 s to 30 s. The cursor
never moves back, so the remembered ids always cover everything a pass can return again.

A failed pass (throttled, endpoint down, server restarted) is retried from the cursor: pages
came in time order, so the cursor already stands behind the last event delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from sagedeck.aws.logs.client import PAGE_LIMIT, CloudWatchLogs, LogPage, stream_prefix
from sagedeck.errors import AwsError, EndpointUnreachable, NotFound, Throttled
from sagedeck.models import LogEvent, NotebookKey

FAST_POLL = 1.0  # seconds, while lines flow or the instance changes state
SLOW_POLL = 5.0  # seconds, when quiet (aws logs tail polls every 5 s all the time)
MIN_LOOKBACK_MS = 1_000
MAX_LOOKBACK_MS = 30_000
MAX_OUTAGE_DELAY = 30.0
SEEN_CAP = 200_000  # remembered ids; past it the lookback shrinks to the newest timestamp
ONE_SHOT_OUTAGE_RETRIES = 3  # without --follow, give up on a dead endpoint after this many


class HealthState(enum.StrEnum):
    STARTING = "starting"
    READING = "reading"
    FOLLOWING = "following"
    QUIET = "quiet"
    THROTTLED = "throttled"
    RECONNECTING = "reconnecting"
    NO_LOG_GROUP = "no log group yet"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class FollowHealth:
    """What the follower is doing, for a status line."""

    state: HealthState
    detail: str = ""
    retry_in: float = 0.0
    events: int = 0
    polls: int = 0
    throttles: int = 0
    outages: int = 0


class SeenIds:
    """Event ids by timestamp, for every timestamp at or after a floor."""

    def __init__(self) -> None:
        self._by_ts: dict[int, set[str]] = {}
        self.count = 0

    def add(self, event: LogEvent) -> bool:
        """True when the event is new."""
        ids = self._by_ts.get(event.timestamp)
        if ids is None:
            ids = self._by_ts[event.timestamp] = set()
        elif event.event_id in ids:
            return False
        ids.add(event.event_id)
        self.count += 1
        return True

    def prune_below(self, floor: int) -> None:
        for ts in [ts for ts in self._by_ts if ts < floor]:
            self.count -= len(self._by_ts.pop(ts))

    def newest(self) -> int | None:
        return max(self._by_ts) if self._by_ts else None


class LogFollower:
    """An async iterator of batches of new :class:`LogEvent` for one instance.

    ``prefix`` picks the streams (None: every stream of the instance; ``stream_prefix`` for
    one kind). ``since_ms`` starts at a time (None: from the first event); ``tail`` starts with
    about that many most recent events instead. Without ``follow`` it stops after one full pass.
    ``is_active`` says whether the instance is changing state (fast polls); ``on_health``
    hears about every poll, throttle and outage. Errors a person must fix (access denied,
    credentials) end the iteration; throttling and outages are waited out.
    """

    def __init__(
        self,
        logs: CloudWatchLogs,
        key: NotebookKey,
        *,
        prefix: str | None = None,
        since_ms: int | None = None,
        tail: int | None = None,
        until_ms: int | None = None,
        follow: bool = True,
        is_active: Callable[[], bool] | None = None,
        on_health: Callable[[FollowHealth], None] | None = None,
        fast_poll: float = FAST_POLL,
        slow_poll: float = SLOW_POLL,
        page_limit: int | None = None,
    ) -> None:
        self.logs = logs
        self.key = key
        self.prefix = stream_prefix(key.name) if prefix is None else prefix
        self.since_ms = since_ms
        self.tail = tail
        self.until_ms = until_ms
        self.follow = follow and until_ms is None
        self.is_active = is_active or (lambda: False)
        self.on_health = on_health
        self.fast_poll = fast_poll
        self.slow_poll = slow_poll
        self.page_limit = page_limit
        self.cursor: int | None = since_ms
        self.seen = SeenIds()
        self.delay_ms = 0.0  # the recent maximum ingestion delay, decaying
        self.events = 0
        self.polls = 0
        self.throttles = 0
        self.outages = 0
        self._wake: asyncio.Event | None = None
        self.health = FollowHealth(HealthState.STARTING)

    # --- public ------------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[list[LogEvent]]:
        return self._run()

    def poke(self) -> None:
        """Poll now instead of at the end of the current wait (a key press, a status change)."""
        if self._wake is not None:
            self._wake.set()

    @property
    def lookback_ms(self) -> int:
        return int(min(MAX_LOOKBACK_MS, max(MIN_LOOKBACK_MS, self.delay_ms + 1_000)))

    # --- the loop ----------------------------------------------------------------------------

    async def _run(self) -> AsyncIterator[list[LogEvent]]:
        self._wake = asyncio.Event()
        if self.tail is not None:
            self._report(HealthState.READING, "finding the last lines")
            self.cursor = await self._find_tail_start(self.tail)
        interval = self.fast_poll
        outage_delay = 1.0
        one_shot_failures = 0
        while True:
            got = 0
            try:
                if not self.polls:
                    self._report(HealthState.READING, "reading the history")
                async for batch in self._one_pass():
                    got += len(batch)
                    yield batch
            except Throttled:
                self.throttles += 1
                wait = max(self.logs.limiter(self.key.region).paused_for, 0.5)
                self._report(HealthState.THROTTLED, "AWS is rate-limiting log reads", wait)
                await self._sleep(wait)
                continue
            except NotFound:
                self._report(HealthState.NO_LOG_GROUP, "no notebook has logged in this region")
                if not self.follow:
                    return
                await self._sleep(self.slow_poll)
                continue
            except (EndpointUnreachable, AwsError) as err:
                self.outages += 1
                one_shot_failures += 1
                if not self.follow and one_shot_failures > ONE_SHOT_OUTAGE_RETRIES:
                    raise
                wait = outage_delay * random.uniform(0.8, 1.2)
                outage_delay = min(MAX_OUTAGE_DELAY, outage_delay * 2)
                self._report(HealthState.RECONNECTING, str(err), wait)
                await self._sleep(wait)
                continue
            outage_delay = 1.0
            if not self.follow:
                self._report(HealthState.DONE)
                return
            if got or self.is_active():
                interval = self.fast_poll
            else:
                interval = min(self.slow_poll, interval * 1.5)
            self._report(HealthState.FOLLOWING if got else HealthState.QUIET, "", interval)
            await self._sleep(interval)

    async def _one_pass(self) -> AsyncIterator[list[LogEvent]]:
        """Every event from the cursor to now, minus those already delivered.

        The next page is asked for as soon as this page's token is known, before its events
        are handed on: what the reader does with them (print, render) overlaps the next
        request, its pacing and AWS's own time (bench/, docs/performance.md).
        """
        start = self.cursor
        newest: int | None = None
        last: int | None = None
        ordered = True
        pass_delay = 0

        def request(token: str | None) -> asyncio.Task[LogPage]:
            task = asyncio.ensure_future(
                self.logs.filter_page(
                    self.key.region,
                    self.prefix,
                    start_ms=start,
                    end_ms=self.until_ms,
                    token=token,
                    limit=self.page_limit or PAGE_LIMIT,
                )
            )
            # A reader that stops early never awaits it: no "exception never retrieved".
            task.add_done_callback(lambda done: done.cancelled() or done.exception())
            return task

        pending: asyncio.Task[LogPage] | None = request(None)
        try:
            while pending is not None:
                page = await pending
                self.polls += 1
                pending = request(page.next_token) if page.next_token else None
                fresh: list[LogEvent] = []
                for event in page.events:
                    ts = event.timestamp
                    if last is not None and ts < last:
                        ordered = False
                    last = ts
                    if newest is None or ts > newest:
                        newest = ts
                    if event.ingestion_time is not None:
                        pass_delay = max(pass_delay, event.ingestion_time - ts)
                    if self.seen.add(event):
                        fresh.append(event)
                if ordered and newest is not None:
                    # Everything before ``newest`` in this pass has been delivered: a retry
                    # after a failure may start from here instead of from the beginning.
                    self._advance(newest)
                if fresh:
                    self.events += len(fresh)
                    yield fresh
        finally:
            if pending is not None:
                pending.cancel()  # the reader stopped, or this page failed
        self.delay_ms = max(float(pass_delay), self.delay_ms * 0.9)
        if newest is not None:
            self._advance(newest)

    def _advance(self, newest: int) -> None:
        candidate = newest - self.lookback_ms
        if self.cursor is None or candidate > self.cursor:
            self.cursor = candidate
            self.seen.prune_below(candidate)
        if self.seen.count > SEEN_CAP:
            # Thousands of events a second within the lookback: remember only the newest
            # timestamp's ids, as aws logs tail does, rather than grow without bound.
            top = self.seen.newest()
            if top is not None:
                self.cursor = max(self.cursor or top, top)
                self.seen.prune_below(self.cursor)

    async def _find_tail_start(self, count: int) -> int | None:
        delay = 1.0
        while True:
            try:
                return await self.logs.tail_start(self.key, self.prefix, count)
            except NotFound:
                return self.since_ms
            except (Throttled, EndpointUnreachable, AwsError) as err:
                if not self.follow:
                    raise
                self._report(HealthState.RECONNECTING, str(err), delay)
                await self._sleep(delay)
                delay = min(MAX_OUTAGE_DELAY, delay * 2)

    async def _sleep(self, seconds: float) -> None:
        assert self._wake is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()

    def _report(self, state: HealthState, detail: str = "", retry_in: float = 0.0) -> None:
        self.health = FollowHealth(
            state,
            detail,
            retry_in,
            self.events,
            self.polls,
            self.throttles,
            self.outages,
        )
        if self.on_health is not None:
            self.on_health(self.health)
