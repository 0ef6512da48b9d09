"""Live tail with FilterLogEvents around it (sagedeck.aws.logs.live): nothing lost, nothing
repeated, across the history, the session's start, a broken session and endpoints that cannot
live-tail.

Everything runs against the embedded AWS over HTTP, through the fault proxy: a held
StartLiveTail opens the gap between the history and the session, a held FilterLogEvents makes
both sources see one event, ``refuse()`` cuts a session in the middle.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from sagedeck.aws.logs.follow import LogFollower
from sagedeck.aws.logs.live import LiveTail
from sagedeck.aws.logs.overlap import Overlap
from sagedeck.aws.services import AwsServices
from sagedeck.devtools.faultproxy import FaultProxy, parse_fault
from sagedeck.localaws import LocalAws
from sagedeck.models import LogEvent, NotebookKey

from .conftest import REGION, put, server_lines, target

NAME = "lt"  # an instance of its own: the seeded history of nb would only slow these down
STREAM = f"{NAME}/jupyter.log"


def now_ms() -> int:
    return int(time.time() * 1000)


def event(message: str, ts: int = 1_000, ingestion: int | None = 1_005, eid: str = "") -> LogEvent:
    return LogEvent(
        timestamp=ts, stream=STREAM, message=message, event_id=eid, ingestion_time=ingestion
    )


# --- Overlap, on its own ---------------------------------------------------------------------


def test_an_event_from_the_other_source_is_dropped_once() -> None:
    overlap = Overlap()
    assert overlap.admit(event("a", eid="1"), live=False)
    assert not overlap.admit(event("a"), live=True)  # the session's copy of the polled one
    assert overlap.admit(event("a"), live=True)  # a second, identical line: printed
    assert not overlap.admit(event("a", eid="1"), live=False)  # ...which a pass re-reads
    assert len(overlap) == 0


def test_identical_lines_within_one_source_are_all_kept() -> None:
    overlap = Overlap()
    assert all(overlap.admit(event("tick"), live=True) for _ in range(3))
    assert [overlap.admit(event("tick", eid=str(i)), live=False) for i in range(4)] == [
        False,
        False,
        False,
        True,
    ]


def test_the_ingestion_time_tells_identical_lines_apart() -> None:
    overlap = Overlap()
    assert overlap.admit(event("x", ingestion=1_005), live=False)
    assert overlap.admit(event("x", ingestion=2_000), live=True)  # logged again, later
    assert not overlap.admit(event("x", ingestion=None), live=False)  # unknown: matches


def test_the_window_is_bounded() -> None:
    overlap = Overlap(cap=3)
    for i in range(5):
        overlap.admit(event(f"p{i}", ts=i), live=False, stamp=i)
    assert len(overlap) == 3  # the oldest polled events went first
    overlap.expire_polled(3)
    assert len(overlap) == 1
    for i in range(5):
        overlap.admit(event(f"l{i}", ts=100 + i), live=True)
    assert overlap.live_floor() == 102  # over the cap: the cursor must move up to here
    assert overlap.live_count == 3
    overlap.expire_live(104)
    assert overlap.live_count == 1
    assert overlap.admit(event("l2", ts=102), live=False)  # forgotten: printed again


# --- against the embedded AWS ----------------------------------------------------------------


@pytest.fixture
def proxy(aws: LocalAws) -> Iterator[FaultProxy]:
    with FaultProxy(aws.endpoint_url) as p:
        yield p


@pytest.fixture
async def proxied(proxy: FaultProxy) -> AsyncIterator[AwsServices]:
    async with AwsServices(target(proxy.url)) as s:
        yield s


def history(logs_client: Any) -> list[tuple[int, str, str]]:
    start = now_ms() - 5_000
    put(logs_client, STREAM, ["h1", "h2"], start)
    put(logs_client, f"{NAME}/LifecycleConfigOnStart", ["h0"], start - 1)
    return server_lines(logs_client, f"{NAME}/")


def follower_for(services: AwsServices) -> LogFollower:
    return LogFollower(services.logs, NotebookKey(REGION, NAME), since_ms=None, follow=False)


class Run:
    """A LiveTail consumed by a task, as the CLI does."""

    def __init__(self, live: LiveTail) -> None:
        self.live = live
        self.events: list[LogEvent] = []
        self.task: asyncio.Task[None] | None = None

    async def _consume(self) -> None:
        async with contextlib.aclosing(aiter(self.live)) as batches:
            async for batch in batches:
                self.events.extend(batch)

    def messages(self) -> list[str]:
        return [e.message for e in self.events]

    def lines(self) -> list[tuple[int, str, str]]:
        return [(e.timestamp, e.stream, e.message) for e in self.events]

    def printed(self, message: str) -> bool:
        return message in self.messages()

    async def until(self, predicate: Callable[[], bool], within: float = 20.0) -> None:
        """Wait for ``predicate``; fail at once if the live tail itself failed."""
        async with asyncio.timeout(within):
            while not predicate():
                if self.task is not None and self.task.done():
                    self.task.result()
                    raise AssertionError("the live tail ended")
                await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def running(live: LiveTail) -> AsyncIterator[Run]:
    run = Run(live)
    run.task = asyncio.create_task(run._consume())
    try:
        yield run
    finally:
        run.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run.task


async def test_an_event_in_the_gap_before_the_session_starts_comes_from_the_catch_up(
    aws: LocalAws, logs_client: Any, proxied: AwsServices, proxy: FaultProxy
) -> None:
    before = history(logs_client)
    proxy.add(parse_fault("hang ops=logs:StartLiveTail times=1"))
    live = LiveTail(proxied.logs, follower_for(proxied), settle_seconds=1.0)
    async with running(live) as run:
        await run.until(lambda: len(run.events) == len(before) and proxy.stats().hung_now == 1)
        # The history is printed and the session has not started: what comes now is in the
        # gap, which the session will not send (it was ingested before the session began).
        put(logs_client, STREAM, ["gap"], now_ms())
        proxy.release()
        await run.until(lambda: run.printed("gap") and live.streaming)
        await run.until(lambda: live.passes >= 3)  # history, catch-up, settle
        put(logs_client, STREAM, ["live"], now_ms())
        await run.until(lambda: run.printed("live"))
    assert run.lines() == server_lines(logs_client, f"{NAME}/")
    assert [m for _, _, m in run.lines()] == ["h0", "h1", "h2", "gap", "live"]
    by_message = {e.message: e for e in run.events}
    assert by_message["gap"].event_id  # read by FilterLogEvents
    assert by_message["live"].event_id == ""  # sent by the session
    assert live.sessions == 1
    assert not live.polling


async def test_an_event_polled_first_is_not_printed_again_by_the_session(
    aws: LocalAws, logs_client: Any, proxied: AwsServices, proxy: FaultProxy
) -> None:
    before = history(logs_client)
    proxy.add(parse_fault("hang ops=logs:StartLiveTail times=1"))
    live = LiveTail(proxied.logs, follower_for(proxied), settle_seconds=1.0)
    async with running(live) as run:
        await run.until(lambda: len(run.events) == len(before) and proxy.stats().hung_now == 1)
        proxy.add(parse_fault("hang ops=logs:FilterLogEvents times=1"))
        proxy.release()  # the session starts; its catch-up pass is held
        await run.until(lambda: live.sessions == 1 and proxy.stats().hangs == 2)
        put(logs_client, STREAM, ["both"], now_ms())  # after the start, before the pass
        proxy.release()
        await run.until(lambda: run.printed("both") and live.received >= 1)
    assert run.messages() == ["h0", "h1", "h2", "both"]
    assert run.events[-1].event_id  # the pass printed it; the session's copy was dropped


async def test_a_broken_session_is_reopened_and_what_came_meanwhile_is_caught_up(
    aws: LocalAws, logs_client: Any, proxied: AwsServices, proxy: FaultProxy
) -> None:
    before = history(logs_client)
    follower = follower_for(proxied)
    live = LiveTail(proxied.logs, follower, settle_seconds=1.0)
    async with running(live) as run:
        # Started and settled (history, catch-up, settle): no pass is due any more.
        await run.until(lambda: len(run.events) == len(before) and live.passes >= 3)
        put(logs_client, STREAM, ["one"], now_ms())
        await run.until(lambda: run.printed("one"))
        passes = live.passes
        proxy.refuse()  # every connection dropped, the session's included
        await run.until(lambda: not live.streaming)
        put(logs_client, STREAM, ["during"], now_ms())
        proxy.accept()
        await run.until(lambda: run.printed("during") and live.streaming, within=40)
        polled = follower.events  # events FilterLogEvents returned that it had not before
        put(logs_client, STREAM, ["after"], now_ms())
        await run.until(lambda: run.printed("after"))
    assert run.messages() == ["h0", "h1", "h2", "one", "during", "after"]
    assert run.lines() == server_lines(logs_client, f"{NAME}/")
    by_message = {e.message: e for e in run.events}
    assert by_message["one"].event_id == ""  # sent by the first session...
    assert live.passes > passes
    assert polled == len(before) + 2  # ...and read again by a pass: one, during
    assert by_message["during"].event_id  # caught up by FilterLogEvents
    assert live.sessions == 2
    assert not live.polling


async def test_a_sampled_second_is_read_whole_by_a_pass(
    aws: LocalAws, logs_client: Any, proxied: AwsServices, proxy: FaultProxy
) -> None:
    before = history(logs_client)
    live = LiveTail(proxied.logs, follower_for(proxied), settle_seconds=1.0)
    burst = [f"burst {i:04d}" for i in range(1_200)]  # a session sends at most 500 a second
    async with running(live) as run:
        await run.until(lambda: len(run.events) == len(before) and live.passes >= 3)
        passes = live.passes
        put(logs_client, STREAM, burst, now_ms())
        await run.until(lambda: len(run.events) == len(before) + len(burst))
        await run.until(lambda: live.passes >= passes + 2)  # the pass, and the settling one
        put(logs_client, STREAM, ["after"], now_ms())
        await run.until(lambda: run.printed("after"))
    assert run.messages() == ["h0", "h1", "h2", *burst, "after"]
    assert run.lines() == server_lines(logs_client, f"{NAME}/")
    assert live.received == 1  # the sampled update was not printed: only "after" was


async def test_sessions_that_keep_failing_fall_back_to_polling(
    aws: LocalAws, logs_client: Any, proxied: AwsServices, proxy: FaultProxy
) -> None:
    before = history(logs_client)
    proxy.add(parse_fault("reset ops=logs:StartLiveTail"))
    notices: list[str] = []
    live = LiveTail(proxied.logs, follower_for(proxied), on_notice=notices.append)
    async with running(live) as run:
        await run.until(lambda: len(run.events) == len(before))
        put(logs_client, STREAM, ["meanwhile"], now_ms())  # while sessions fail
        await run.until(lambda: live.polling, within=60)
        put(logs_client, STREAM, ["polled"], now_ms())
        await run.until(lambda: run.printed("polled"))
    assert run.messages() == ["h0", "h1", "h2", "meanwhile", "polled"]
    assert live.sessions == 0
    assert len(notices) == 1
    assert notices[0].startswith("live tail sessions keep failing (AWS endpoint unreachable")
    assert notices[0].endswith(": polling instead")
