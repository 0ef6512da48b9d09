"""``sagedeck logs --live``: CloudWatch Live Tail (StartLiveTail) with FilterLogEvents around it,
so that no line is lost and none is printed twice.

Live Tail is opt-in because it is billed per minute of session (about $0.01 a minute in
us-east-1 after the free 1,800 minutes a month) while FilterLogEvents polling is free up to its
5 requests/s. A session sends, every second, the events *ingested* in that second (at most 500:
above that it samples and says so), for at most 3 hours. It sends nothing that was ingested
before it started, and its events carry no ``eventId``.

Design (:class:`LiveTail`):

1. *No gap between the history and the live tail.* The session is opened first, in a task that
   reads it into a queue; meanwhile the :class:`~sagedeck.aws.logs.follow.LogFollower` reads the
   history with FilterLogEvents. Once the session's ``sessionStart`` has arrived, a *catch-up*
   pass of the follower, from its cursor, reads what was ingested between the end of the
   history and the session's start. Only then are the queued live updates printed. A second
   pass a few seconds later (``SETTLE_SECONDS``) picks up events that FilterLogEvents had not
   made visible yet at the first one.
2. *No repeat.* Between the passes and the session the same event can come twice: once from
   FilterLogEvents (with an id) and once from the session (without). :class:`Overlap` keeps what
   one source printed, keyed by (timestamp, stream, message) with the ingestion time to tell
   identical lines apart, and drops an event when the *other* source already printed it. Each
   source is never deduplicated against itself: the follower drops its own repeats by
   ``eventId``, and a session sends each ingested event once, so two identical lines logged in
   the same millisecond are both printed. The window is bounded: polled events are kept for
   ``KEEP_UPDATES`` live updates (after that the session has sent whatever was ingested before
   they were read), live events until the follower's cursor passes them (a pass never reads
   below its cursor). The cursor follows the live events, ``lookback_ms`` behind the newest, so
   a pass after a long session does not re-read it all; it stays put while a pass is due, so
   that the pass reads everything since the one before.
3. *Sessions end* (the 3-hour limit, a network failure, a stalled stream: an update comes every
   second, so a read timeout means a dead connection). The session is reopened, with backoff
   after a failure; a pass before it and the catch-up pass after its ``sessionStart`` fill the
   time between the two sessions. (As when polling, a line that reaches CloudWatch while no
   session is open *and* is stamped more than the lookback before the newest line is missed.)
   A sampled update is not printed: a pass reads that second completely instead, and a second
   pass settles it.
4. *Endpoints that cannot live-tail* fall back to polling with the same follower (its cursor
   and ids carry over) and the same :class:`Overlap`, after one line on stderr: access denied
   for ``logs:StartLiveTail``, an operation the endpoint or the log group does not support
   (``InvalidOperationException``, ``UnsupportedOperation``...: see ``UNSUPPORTED_CODES``), too
   many sessions in the account (``LimitExceededException``), or ``MAX_STRIKES`` sessions in a
   row that fail or close at once while FilterLogEvents works (moto 5.2.5 closes them after one
   snapshot; a proxy may cut streams). A network outage that FilterLogEvents suffers too is
   waited out instead, and live tail resumes when it is over.

One session (its client, its event stream, its errors) is :mod:`sagedeck.aws.logs.live_session`;
the deduplication between the two sources is :mod:`sagedeck.aws.logs.overlap`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

from sagedeck.aws.logs.client import CloudWatchLogs, event_from_api
from sagedeck.aws.logs.follow import FollowHealth, HealthState, LogFollower
from sagedeck.aws.logs.live_session import LiveTailUnsupported, Session, live_client
from sagedeck.aws.logs.overlap import Overlap
from sagedeck.errors import (
    AccessDenied,
    AwsError,
    CredentialsError,
    EndpointUnreachable,
    InvalidInput,
    NotFound,
    Throttled,
)
from sagedeck.models import LogEvent

SHORT_SESSION = 10.0  # seconds: a session that ends this soon was not a working one
MAX_STRIKES = 3  # failed or short sessions in a row, FilterLogEvents working, before polling
SETTLE_SECONDS = 5.0  # the second catch-up pass, for events FilterLogEvents showed late
KEEP_UPDATES = 30  # live updates during which a polled event may still come from the session
MAX_RETRY_DELAY = 30.0


class LiveTail:
    """An async iterator of batches of new :class:`LogEvent` for the follower's instance and
    streams: the history from ``follower.since_ms``, then live events, for ever.

    ``on_notice`` hears the one line saying that live tail is not possible and polling goes
    on instead; outages are reported through the follower's ``on_health``.
    """

    def __init__(
        self,
        logs: CloudWatchLogs,
        follower: LogFollower,
        *,
        on_notice: Callable[[str], None] | None = None,
        settle_seconds: float = SETTLE_SECONDS,
        short_session: float = SHORT_SESSION,
    ) -> None:
        self.logs = logs
        self.follower = follower
        self.on_notice = on_notice
        self.settle_seconds = settle_seconds
        self.short_session = short_session
        self.overlap = Overlap()
        self.updates = 0  # live updates received, over every session
        self.received = 0  # live events received (printed or not), over every session
        self.sessions = 0  # sessions that reached sessionStart
        self.passes = 0  # FilterLogEvents passes completed
        self.polling = False  # fell back to polling
        self.streaming = False  # a session has started and its first catch-up pass is done
        self._arn: str | None = None
        self._pass_ok = True
        self._poll_reason: str | None = None  # why live tail is not possible here
        # While a pass is due, the cursor stays where it is (live events do not move it), so
        # that the pass reads everything since the last one.
        self._settle_at: float | None = None
        self._live_newest: int | None = None

    def __aiter__(self) -> AsyncGenerator[list[LogEvent], None]:
        return self._run()

    # --- the loop ------------------------------------------------------------------------

    async def _run(self) -> AsyncGenerator[list[LogEvent], None]:
        self.follower.follow = False  # one pass per iteration: this loop decides when
        key = self.follower.key
        # The sessions are closed before their client (the generator is not left to the GC).
        async with (
            live_client(self.logs.conn.target, key.region, key.name) as client,
            contextlib.aclosing(self._sessions(client)) as batches,
        ):
            async for batch in batches:
                yield batch
        async for batch in self._poll():
            yield batch

    async def _sessions(self, client: Any) -> AsyncGenerator[list[LogEvent], None]:
        """The history, then one session after another, until live tail proves impossible
        here (``_poll_reason`` then says why)."""
        session = self._open(client)
        try:
            async for batch in self._pass():  # the history, read while the session opens
                yield batch
            strikes, delay = 0, 1.0
            while True:
                if await session.wait_start():
                    self.sessions += 1
                    self._settle_at = time.monotonic() + self.settle_seconds
                    async for batch in self._pass():  # what came before sessionStart
                        yield batch
                    self.streaming = True
                    async for batch in self._stream(session):
                        yield batch
                    self.streaming = False
                await session.close()
                self._poll_reason = self._fallback_reason(session)
                if self._poll_reason is not None:
                    return
                strikes, delay = await self._wait_to_reopen(session, strikes, delay)
                # Between two sessions: print what came meanwhile, and tell a live tail that
                # does not work (FilterLogEvents does) from an endpoint that is down.
                async for batch in self._pass():
                    yield batch
                if not self._pass_ok:
                    strikes = 0
                elif strikes >= MAX_STRIKES:
                    self._poll_reason = self._strike_reason(session)
                    return
                session = self._open(client)
        finally:
            await session.close()

    async def _wait_to_reopen(
        self, session: Session, strikes: int, delay: float
    ) -> tuple[int, float]:
        """Wait before the next session: not at all after one that worked; with backoff after
        one that failed or ended at once, which counts as a strike unless the log group is
        missing. Returns the new strikes and backoff delay."""
        if session.timed_out or session.lived >= self.short_session:
            strikes, delay, wait = 0, 1.0, 0.0
        else:
            if not isinstance(session.error, NotFound):
                strikes += 1
            wait = delay * random.uniform(0.8, 1.2)
            delay = min(MAX_RETRY_DELAY, delay * 2)
        if isinstance(session.error, NotFound):
            wait = max(wait, self.follower.slow_poll)
            self._report(HealthState.NO_LOG_GROUP, str(session.error), wait)
        elif session.error is not None:
            self._report(HealthState.RECONNECTING, str(session.error), wait)
        if wait:
            await asyncio.sleep(wait)
        return strikes, delay

    async def _poll(self) -> AsyncIterator[list[LogEvent]]:
        """Live tail is not possible here: poll with the same follower and overlap."""
        if self.on_notice is not None:
            self.on_notice(f"{self._poll_reason}: polling instead")
        self.polling = True
        self.follower.follow = True
        async for batch in self.follower:
            fresh = [e for e in batch if self.overlap.admit(e, live=False, remember=False)]
            self._expire_live()
            if fresh:
                yield fresh

    def _fallback_reason(self, session: Session) -> str | None:
        """The reason to poll instead, or None to reopen; raises what a person must fix."""
        error = session.error
        if isinstance(error, LiveTailUnsupported | AccessDenied):
            return str(error)
        if isinstance(error, CredentialsError | InvalidInput):
            raise error
        return None

    def _strike_reason(self, session: Session) -> str:
        if session.error is not None:
            return f"live tail sessions keep failing ({session.error})"
        if session.started_at is None:
            return "this endpoint ends live tail sessions before they start"
        return "this endpoint closes live tail sessions at once"

    async def _stream(self, session: Session) -> AsyncIterator[list[LogEvent]]:
        """Live updates until the session ends, with the passes they call for."""
        sampled = False
        while True:
            settle_at = self._settle_at
            timeout = None if settle_at is None else max(0.0, settle_at - time.monotonic())
            try:
                async with asyncio.timeout(timeout):
                    kind, update = await session.queue.get()
            except TimeoutError:
                kind, update = "tick", None
            if kind == "end":
                return
            if kind == "update":
                self.updates += 1
                if (update.get("sessionMetadata") or {}).get("sampled"):
                    sampled = True  # not every event of that second: a pass reads them all
                else:
                    batch = self._live_batch(update.get("sessionResults") or ())
                    if batch:
                        yield batch
                self.overlap.expire_polled(self.updates - KEEP_UPDATES)
            due = self._settle_at is not None and time.monotonic() >= self._settle_at
            if (sampled and session.queue.empty()) or due:
                self._settle_at = None
                async for batch in self._pass():
                    yield batch
                if sampled or not self._pass_ok:
                    # Once more a little later: FilterLogEvents shows new events with a delay.
                    self._settle_at = time.monotonic() + self.settle_seconds
                elif self._live_newest is not None:
                    self._advance(self._live_newest - self.follower.lookback_ms)
                sampled = False

    def _live_batch(self, results: Any) -> list[LogEvent]:
        follower = self.follower
        since = follower.since_ms
        out: list[LogEvent] = []
        for item in results:
            self.received += 1
            event = event_from_api(item)
            if since is not None and event.timestamp < since:
                continue
            if self._live_newest is None or event.timestamp > self._live_newest:
                self._live_newest = event.timestamp
            if event.ingestion_time is not None:
                delay = float(event.ingestion_time - event.timestamp)
                follower.delay_ms = max(follower.delay_ms, min(delay, 30_000.0))
            if self.overlap.admit(event, live=True, stamp=self.updates):
                out.append(event)
        if self._settle_at is None and self._live_newest is not None:
            self._advance(self._live_newest - follower.lookback_ms)
        return out

    def _advance(self, cursor: int) -> None:
        """Move the follower's cursor up to ``cursor``: the session delivered what came below
        it, so a pass need not read that again."""
        follower = self.follower
        if follower.cursor is None or cursor > follower.cursor:
            follower.cursor = cursor
            follower.seen.prune_below(cursor)
        self._expire_live()

    def _expire_live(self) -> None:
        follower = self.follower
        floor = self.overlap.live_floor()
        if floor is not None and (follower.cursor is None or floor > follower.cursor):
            follower.cursor = floor
            follower.seen.prune_below(floor)
        if follower.cursor is not None:
            self.overlap.expire_live(follower.cursor)

    async def _pass(self) -> AsyncIterator[list[LogEvent]]:
        """One FilterLogEvents pass of the follower from its cursor, minus what the session
        printed. The follower retries an outage a few times; then ``_pass_ok`` is False."""
        self._pass_ok = False
        try:
            async for batch in self.follower:
                fresh = [e for e in batch if self.overlap.admit(e, live=False, stamp=self.updates)]
                if fresh:
                    yield fresh
        except (EndpointUnreachable, AwsError, Throttled) as err:
            self._report(HealthState.RECONNECTING, str(err))
            return
        self._pass_ok = True
        self.passes += 1
        self._expire_live()

    def _report(self, state: HealthState, detail: str, retry_in: float = 0.0) -> None:
        follower = self.follower
        if follower.on_health is not None:
            follower.on_health(
                FollowHealth(
                    state,
                    detail,
                    retry_in,
                    follower.events,
                    follower.polls,
                    follower.throttles,
                    follower.outages,
                )
            )

    # --- the sessions --------------------------------------------------------------------

    def _open(self, client: Any) -> Session:
        return Session.open(client, self._group_arn, self.follower.key.name, self.follower.prefix)

    async def _group_arn(self) -> str:
        if self._arn is None:
            region = self.follower.key.region
            arn = await self.logs.log_group_arn(region)
            if arn is None:
                raise NotFound(f"no log group for notebook instances in {region} yet")
            self._arn = arn
        return self._arn
