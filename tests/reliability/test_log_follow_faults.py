"""A log follow across every fault neither loses nor repeats an event.

Lines are written to the embedded AWS directly (not through the proxy) before, during and after
each fault; the follower reads through the proxy. At the end the follower's events are compared
with the server's own list, by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiobotocore.session import get_session

from sagedeck.aws.logs.client import LOG_GROUP
from sagedeck.aws.logs.follow import FollowHealth, LogFollower
from sagedeck.aws.logs.limiter import forget_limiters
from sagedeck.aws.services import AwsServices
from sagedeck.devtools.faultproxy import Fault, FaultKind, FaultProxy, Stats
from sagedeck.models import LogEvent, NotebookKey

WAIT_SECONDS = 20


@pytest.fixture
async def direct_logs(upstream: tuple[str, tuple[str, ...]]) -> AsyncIterator[Any]:
    """A CloudWatch Logs client straight to the embedded AWS: the writer and the referee."""
    async with get_session().create_client(
        "logs",
        region_name=upstream[1][0],
        endpoint_url=upstream[0],
        aws_access_key_id="demo",
        aws_secret_access_key="demo",
    ) as client:
        with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
            await client.create_log_group(logGroupName=LOG_GROUP)
        yield client


class Writer:
    def __init__(self, client: Any, stream: str) -> None:
        self.client = client
        self.stream = stream
        self.written = 0

    async def write(self, count: int) -> None:
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": f"line {self.written + i}"} for i in range(count)]
        await self.client.put_log_events(
            logGroupName=LOG_GROUP, logStreamName=self.stream, logEvents=events
        )
        self.written += count

    async def server_events(self) -> list[tuple[str, str]]:
        """(event id, message) of every event of the stream, as the server holds them."""
        found: list[tuple[str, str]] = []
        kwargs: dict[str, Any] = {"logGroupName": LOG_GROUP, "logStreamNames": [self.stream]}
        while True:
            page = await self.client.filter_log_events(**kwargs)
            found += [(e["eventId"], e["message"]) for e in page.get("events", ())]
            if not page.get("nextToken"):
                return found
            kwargs["nextToken"] = page["nextToken"]


class Watch:
    """Hears the follower's health reports; waits for a condition, nudging the follower past
    its back-off sleeps (the test checks what is delivered, not how patiently)."""

    def __init__(self) -> None:
        self.changed = asyncio.Event()
        self.follower: LogFollower | None = None

    def on_health(self, health: FollowHealth) -> None:
        self.changed.set()

    async def until(self, predicate: Callable[[], bool]) -> None:
        assert self.follower is not None
        async with asyncio.timeout(WAIT_SECONDS):
            while not predicate():
                self.changed.clear()
                self.follower.poke()
                await self.changed.wait()


async def wait_proxy(proxy: FaultProxy, predicate: Callable[[Stats], bool]) -> None:
    await asyncio.to_thread(proxy.wait_for, predicate, WAIT_SECONDS)


def dead_endpoint() -> str:
    """A URL nobody listens on: the embedded AWS killed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


async def test_follow_across_every_fault_loses_and_repeats_nothing(
    services: AwsServices, proxy: FaultProxy, direct_logs: Any
) -> None:
    forget_limiters()
    name = f"follow-{uuid.uuid4().hex[:8]}"
    stream = f"{name}/jupyter.log"
    await direct_logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
    writer = Writer(direct_logs, stream)
    watch = Watch()
    follower = LogFollower(
        services.logs,
        NotebookKey(services.conn.regions[0], name),
        prefix=f"{name}/",
        since_ms=0,
        fast_poll=0.05,
        slow_poll=0.2,
        on_health=watch.on_health,
    )
    watch.follower = follower
    received: list[LogEvent] = []

    async def follow() -> None:
        async for batch in follower:
            received.extend(e for e in batch if e.stream == stream)

    async def caught_up() -> None:
        await watch.until(lambda: len(received) >= writer.written)

    task = asyncio.create_task(follow())
    try:
        await writer.write(5)
        await caught_up()
        only_filter = frozenset({"FilterLogEvents"})
        for fault in (
            Fault(FaultKind.THROTTLE, operations=only_filter, times=3),
            Fault(FaultKind.ERROR, status=503, operations=only_filter, times=4),
            Fault(FaultKind.ERROR, status=500, operations=only_filter, times=4),
            Fault(FaultKind.RESET, operations=only_filter, times=3),
        ):
            proxy.reset_stats()
            proxy.add(fault)
            await writer.write(7)  # written while the follower is failing
            follower.poke()
            kind = fault.kind.value
            await wait_proxy(proxy, lambda s: s.injected[kind] >= 1)  # noqa: B023 - awaited here
            await writer.write(7)
            await caught_up()

        # hang: the follower's call is held while lines keep coming, then released
        proxy.add(Fault(FaultKind.HANG, operations=only_filter, times=1))
        follower.poke()
        await wait_proxy(proxy, lambda s: s.hung_now == 1)
        await writer.write(7)
        proxy.release()
        await caught_up()

        # refused connections
        outages = follower.outages
        proxy.refuse()
        await writer.write(7)
        await watch.until(lambda: follower.outages > outages)
        proxy.accept()
        await caught_up()

        # the endpoint behind the proxy killed, then back
        outages = follower.outages
        real, proxy.upstream = proxy.upstream, dead_endpoint()
        await writer.write(7)
        await watch.until(lambda: follower.outages > outages)
        proxy.upstream = real
        await caught_up()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    ids = [e.event_id for e in received]
    assert len(ids) == len(set(ids)), "an event was shown twice"
    server = await writer.server_events()
    assert sorted(ids) == sorted(i for i, _ in server), "an event was lost"
    assert [e.message for e in received] == [m for _, m in server]  # in order, too
    assert follower.throttles >= 1
    assert follower.outages >= 4
