"""The log follower against the embedded AWS over HTTP: every stream of an instance and only
its streams, streams that appear while following, bursts of one timestamp, late events,
outages, throttling and a long history; nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from functools import partial
from typing import Any

import pytest

from sagedeck.aws.logs.client import stream_prefix
from sagedeck.aws.logs.follow import HealthState, LogFollower
from sagedeck.aws.services import AwsServices
from sagedeck.localaws import LocalAws
from sagedeck.models import LogEvent, NotebookKey, StreamChoice

from .conftest import REGION, as_lines, put, server_lines, target, until
from .tcp_proxy import CuttableProxy


def now_ms() -> int:
    return int(time.time() * 1000)


def fresh_name() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


def follower(services: AwsServices, name: str, **kwargs: Any) -> LogFollower:
    kwargs.setdefault("since_ms", 0)
    kwargs.setdefault("fast_poll", 0.05)
    kwargs.setdefault("slow_poll", 0.2)
    return LogFollower(services.logs, NotebookKey(REGION, name), prefix=f"{name}/", **kwargs)


class Collector:
    def __init__(self, source: LogFollower) -> None:
        self.source = source
        self.events: list[LogEvent] = []
        self.task: asyncio.Task[None] = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for batch in self.source:
            self.events.extend(batch)

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        if self.task.done() and not self.task.cancelled() and self.task.exception():
            raise self.task.exception()  # type: ignore[misc]

    def count(self, stream_suffix: str = "") -> int:
        return sum(e.stream.endswith(stream_suffix) for e in self.events)

    def assert_no_duplicate(self) -> None:
        ids = [e.event_id for e in self.events]
        assert len(ids) == len(set(ids)), "an event was delivered twice"


def has_events(collector: Collector, stream_suffix: str, count: int) -> bool:
    return collector.count(stream_suffix) == count


async def test_nb_gets_its_own_streams_and_never_nb_dev(
    aws: LocalAws, services: AwsServices
) -> None:
    client = aws.client("logs", REGION)
    assert server_lines(client, "nb-dev/"), "the seed should give nb-dev a history"
    events: list[LogEvent] = []
    async for batch in LogFollower(services.logs, NotebookKey(REGION, "nb"), follow=False):
        events.extend(batch)
    assert events
    assert all(e.stream.startswith("nb/") for e in events)
    assert as_lines(events) == server_lines(client, "nb/")
    stamps = [e.timestamp for e in events]
    assert stamps == sorted(stamps), "streams are interleaved by time"
    assert {e.stream for e in events} == {"nb/LifecycleConfigOnStart", "nb/jupyter.log"}


async def test_one_stream_kind(aws: LocalAws, services: AwsServices) -> None:
    events: list[LogEvent] = []
    key = NotebookKey(REGION, "nb")
    async for batch in LogFollower(
        services.logs, key, prefix=stream_prefix("nb", StreamChoice.LIFECYCLE), follow=False
    ):
        events.extend(batch)
    assert events
    assert {e.stream for e in events} == {"nb/LifecycleConfigOnStart"}


async def test_streams_that_appear_while_following_are_picked_up(
    aws: LocalAws, services: AwsServices, logs_client: Any
) -> None:
    name = fresh_name()
    put(logs_client, f"{name}-dev/jupyter.log", ["the prefix trap"], now_ms())
    collector = Collector(follower(services, name))
    try:
        await until(lambda: collector.source.polls >= 3)  # following, with no stream yet
        for stream in ("LifecycleConfigOnCreate", "LifecycleConfigOnStart", "jupyter.log"):
            put(logs_client, f"{name}/{stream}", [f"{stream} {i}" for i in range(3)], now_ms())
            await until(partial(has_events, collector, stream, 3))
    finally:
        await collector.stop()
    collector.assert_no_duplicate()
    assert as_lines(collector.events) == server_lines(logs_client, f"{name}/")
    order = [e.stream.split("/")[1] for e in collector.events]
    assert (
        order
        == ["LifecycleConfigOnCreate"] * 3 + ["LifecycleConfigOnStart"] * 3 + ["jupyter.log"] * 3
    )


async def test_bursts_of_one_timestamp_across_polls_and_pages(
    aws: LocalAws, services: AwsServices, logs_client: Any
) -> None:
    name = fresh_name()
    ts = now_ms()
    collector = Collector(follower(services, name, page_limit=7))
    try:
        for burst in range(3):  # the same millisecond, written while the follower polls
            put(logs_client, f"{name}/jupyter.log", [f"b{burst} {i}" for i in range(12)], ts)
            put(logs_client, f"{name}/LifecycleConfigOnStart", [f"s{burst}"], ts)
            await until(partial(has_events, collector, "", 13 * (burst + 1)))
        polls = collector.source.polls
        await until(lambda: collector.source.polls >= polls + 6)  # re-reading brings nothing
    finally:
        await collector.stop()
    collector.assert_no_duplicate()
    assert len(collector.events) == 39
    assert as_lines(collector.events) == server_lines(logs_client, f"{name}/")


async def test_an_event_that_arrives_after_a_newer_one_is_not_lost(
    aws: LocalAws, services: AwsServices, logs_client: Any
) -> None:
    """The agent ships each stream on its own schedule: jupyter.log's line from a moment ago
    can reach CloudWatch after a newer lifecycle line. Restarting at the newest timestamp
    (aws logs tail) would skip it; the lookback does not."""
    name = fresh_name()
    collector = Collector(follower(services, name))
    try:
        newest = now_ms()
        put(logs_client, f"{name}/LifecycleConfigOnStart", ["newer, arrived first"], newest)
        await until(lambda: len(collector.events) == 1)
        polls = collector.source.polls
        await until(lambda: collector.source.polls >= polls + 3)  # the cursor on ``newest``
        put(logs_client, f"{name}/jupyter.log", ["older, arrived late"], newest - 700)
        await until(lambda: len(collector.events) == 2)
    finally:
        await collector.stop()
    assert [e.message for e in collector.events] == ["newer, arrived first", "older, arrived late"]


async def test_an_outage_in_the_middle_of_a_follow_loses_and_repeats_nothing(
    aws: LocalAws, logs_client: Any
) -> None:
    name = fresh_name()
    host, port = aws.endpoint_url.removeprefix("http://").split(":")
    done = threading.Event()

    def writer() -> None:  # keeps writing, to the server directly, through the outage
        for i in range(60):
            ts = now_ms()
            put(logs_client, f"{name}/jupyter.log", [f"j{i} a", f"j{i} b"], ts)
            put(logs_client, f"{name}/LifecycleConfigOnStart", [f"s{i}"], ts)
            time.sleep(0.05)
        done.set()

    with CuttableProxy(host, int(port)) as proxy:
        async with AwsServices(target(proxy.url)) as services:
            states: list[HealthState] = []
            source = follower(services, name, on_health=lambda h: states.append(h.state))
            collector = Collector(source)
            thread = threading.Thread(target=writer)
            thread.start()
            await until(lambda: len(collector.events) > 20)
            proxy.cut()
            await until(lambda: source.outages >= 1)
            await asyncio.sleep(1.0)  # lines keep coming while the follower cannot reach AWS
            proxy.restore()
            await asyncio.to_thread(thread.join)
            expected = server_lines(logs_client, f"{name}/")
            source.poke()
            await until(lambda: len(collector.events) >= len(expected), within=30)
            polls = source.polls
            await until(lambda: source.polls >= polls + 3)  # more polls bring no repeats
            await collector.stop()
    assert done.is_set()
    collector.assert_no_duplicate()
    assert len(expected) == 180
    assert as_lines(collector.events) == expected
    assert HealthState.RECONNECTING in states


async def test_followers_sharing_the_budget_are_not_throttled(
    aws: LocalAws, services: AwsServices, logs_client: Any
) -> None:
    aws.set_log_throttle(True)
    names = [fresh_name() for _ in range(4)]
    for name in names:
        put(logs_client, f"{name}/jupyter.log", [f"{name} {i}" for i in range(30)], now_ms())
    limiter = services.logs.limiter(REGION)
    waited, sends = limiter.waited, limiter.sends
    # Four followers asking ~100 times a second, together: 20 polls are four windows' worth.
    collectors = [Collector(follower(services, n, fast_poll=0.01, slow_poll=0.01)) for n in names]
    try:
        await until(lambda: sum(c.source.polls for c in collectors) >= 20, within=30)
    finally:
        for c in collectors:
            await c.stop()
    assert all(len(c.events) == 30 for c in collectors)
    assert sum(c.source.throttles for c in collectors) == 0
    polls = sum(c.source.polls for c in collectors)
    assert limiter.sends - sends >= polls  # every poll went through the shared limiter...
    assert limiter.waited > waited  # ...which held them back, rather than AWS throttling them


async def test_throttled_by_someone_else_backs_off_and_recovers(
    aws: LocalAws, services: AwsServices, logs_client: Any
) -> None:
    """Another tool in the same account eats the budget: we are throttled, wait, and still
    deliver every event once."""
    aws.set_log_throttle(True)
    name = fresh_name()
    put(logs_client, f"{name}/jupyter.log", ["before"], now_ms())
    stop = threading.Event()

    def hog() -> None:
        other = aws.client("logs", REGION)
        deadline = time.monotonic() + 3.0
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                other.filter_log_events(logGroupName="/aws/sagemaker/NotebookInstances", limit=1)
            except Exception:
                time.sleep(0.01)

    hogs = [threading.Thread(target=hog) for _ in range(2)]
    for thread in hogs:
        thread.start()
    await asyncio.sleep(0.2)
    states: list[HealthState] = []
    source = follower(services, name, on_health=lambda h: states.append(h.state))
    collector = Collector(source)
    try:
        await until(lambda: source.throttles >= 1)
        put(logs_client, f"{name}/jupyter.log", ["during"], now_ms())
        stop.set()
        for thread in hogs:
            thread.join()
        await until(lambda: len(collector.events) == 2, within=40)
    finally:
        await collector.stop()
    collector.assert_no_duplicate()
    assert [e.message for e in collector.events] == ["before", "during"]
    assert HealthState.THROTTLED in states


@pytest.mark.timeout(180)
async def test_a_history_of_100000_events(
    aws: LocalAws, services: AwsServices, logs_client: Any
) -> None:
    name = fresh_name()
    base = now_ms() - 3_600_000
    for part in range(10):
        put(
            logs_client,
            f"{name}/jupyter.log",
            [f"line {part * 10_000 + i}" for i in range(10_000)],
            base + part * 1000,
        )
    put(logs_client, f"{name}/LifecycleConfigOnStart", ["script"], base + 4500)
    events: list[LogEvent] = []  # how fast: ``python -m bench`` (section logs, the follower)
    async for batch in follower(services, name, since_ms=None, follow=False):
        events.extend(batch)
    assert len(events) == 100_001
    assert len({e.event_id for e in events}) == 100_001
    assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)
    assert events[50_000].message == "script"


async def test_tail_starts_with_the_last_lines(aws: LocalAws, services: AwsServices) -> None:
    client = aws.client("logs", REGION)
    everything = server_lines(client, "nb/")
    events: list[LogEvent] = []
    async for batch in LogFollower(services.logs, NotebookKey(REGION, "nb"), tail=50, follow=False):
        events.extend(batch)
    assert 50 <= len(events) < 60
    assert as_lines(events) == everything[-len(events) :]


async def test_no_log_group_is_waited_for_not_an_error(aws: LocalAws) -> None:
    aws.client("logs", REGION).delete_log_group(logGroupName="/aws/sagemaker/NotebookInstances")
    async with AwsServices(target(aws.endpoint_url)) as services:
        source = LogFollower(services.logs, NotebookKey(REGION, "nb"), follow=False)
        batches = [batch async for batch in source]
    assert batches == []
    assert source.health.state is HealthState.NO_LOG_GROUP
