"""The real dashboard against the embedded AWS behind the fault proxy, one fault at a time.

For each fault: the app does not crash, its status line states the condition, the table keeps
its (stale) rows, keys keep answering (each press moves the cursor; where the fault keeps a call
outstanding, the presses are made while it is), and once the fault clears the app recovers by
itself by the end of its next complete poll (counted in polls).

How long each press took is recorded as a figure (``pytest -s`` prints them), not held to a
bound: the machine is shared (load averages of 8 on 2 cores were seen), and a bound on time
failed there for no fault of the code.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from aiobotocore.config import AioConfig
from textual.pilot import Pilot

from sagedeck.aws import session
from sagedeck.devtools.faultproxy import Fault, FaultKind, FaultProxy
from sagedeck.localaws import LocalAws
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.dashboard.screen import DashboardScreen

from .reliability_support import RestartableAws, dashboard_app

SIZE = (160, 40)
REFRESH = 0.5  # seconds between polls: "one refresh" in these tests
KEY_PRESSES = 5
LIST = frozenset({"ListNotebookInstances"})
WAIT_SECONDS = 15


def status_line(board: DashboardScreen) -> str:
    return str(board.summary.render())


async def wait_for(pilot: Pilot[int], condition: Callable[[], object], what: str) -> None:
    """Run the app until ``condition()`` holds (checks every 20 ms, never a blind sleep)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


@asynccontextmanager
async def running(endpoint: str, regions: tuple[str, ...]) -> AsyncIterator[Dashboard]:
    app = dashboard_app(endpoint, regions, refresh=REFRESH)
    async with app.run_test(size=SIZE) as pilot:
        board = app.dashboard
        await wait_for(pilot, lambda: board.table.row_count > 0 and board.problem is None, "rows")
        deck = Dashboard(app, pilot, board)
        deck.baseline = await deck.key_latencies(3)
        yield deck
        assert app.is_running  # not crashed
        unexpected = [n for n in app.notices if "Unexpected" in n[1]]
        assert unexpected == [], unexpected


@dataclass
class Dashboard:
    app: SagedeckApp
    pilot: Pilot[int]
    board: DashboardScreen
    baseline: list[float] = field(default_factory=list)

    async def shows(self, text: str) -> None:
        await wait_for(self.pilot, lambda: text in status_line(self.board), f"{text!r} shown")

    async def key_latencies(self, presses: int = KEY_PRESSES) -> list[float]:
        """Press j/k in turn; each press must move the cursor. Seconds per press."""
        table = self.board.table
        taken = []
        for i in range(presses):
            before = table.cursor_row
            started = time.perf_counter()
            await self.pilot.press("j" if i % 2 == 0 else "k")
            taken.append(time.perf_counter() - started)
            assert table.cursor_row != before, "the key was not handled"
        return taken

    async def recovers(self, clear: Callable[[], None], problem: str) -> float:
        """Clear the fault; the problem must be gone by the end of the next complete poll.
        Returns seconds from the clear to the recovered status line."""
        poller = self.board.poller
        # a poll already in flight started under the fault: it may still fail
        allowed = poller.polls + (2 if poller.running else 1)
        clear()
        started = time.monotonic()
        await wait_for(self.pilot, lambda: problem not in status_line(self.board), "recovery")
        assert poller.polls <= allowed, f"recovered after {poller.polls - allowed + 1} polls"
        assert self.board.problem is None
        return time.monotonic() - started


def report_keys(
    record_property: Callable[[str, object], None],
    fault: str,
    deck: Dashboard,
    latencies: list[float],
    **figures: float,
) -> None:
    """Record the figures (the presses were checked as they were made: each moved the cursor)."""
    base = statistics.median(deck.baseline)
    median = statistics.median(latencies)
    figures |= {"key_median_before": base, "key_median": median, "key_max": max(latencies)}
    for name, value in figures.items():
        record_property(f"{fault}:{name}", round(value, 4))
    print(f"\nFIGURE tui {fault}: " + ", ".join(f"{k}={v:.3f}s" for k, v in figures.items()))


# fault -> (what the proxy does, what the status line must say)
PROXY_FAULTS: dict[str, tuple[Fault, str]] = {
    "throttle": (Fault(FaultKind.THROTTLE, operations=LIST), "throttled"),
    "503": (Fault(FaultKind.ERROR, status=503, operations=LIST), "ServiceUnavailable"),
    "500": (Fault(FaultKind.ERROR, status=500, operations=LIST), "InternalFailure"),
    "reset": (Fault(FaultKind.RESET, operations=LIST), "unreachable"),
    "expired-token": (Fault(FaultKind.EXPIRED_TOKEN), "aws sso login"),
    "denied": (
        Fault(FaultKind.DENY, operations=LIST),
        "not allowed: sagemaker:ListNotebookInstances",
    ),
}


@pytest.mark.parametrize("name", sorted(PROXY_FAULTS))
async def test_fault_is_shown_keys_answer_and_the_app_recovers(
    aws: LocalAws,
    proxy: FaultProxy,
    record_property: Callable[[str, object], None],
    name: str,
) -> None:
    fault, says = PROXY_FAULTS[name]
    async with running(proxy.url, aws.regions[:1]) as deck:
        rows = deck.board.table.row_count
        proxy.add(fault)
        started = time.monotonic()
        await deck.shows(says)
        shown_after = time.monotonic() - started
        assert deck.board.table.row_count == rows  # stale rows kept, not dropped
        latencies = await deck.key_latencies()
        recovery = await deck.recovers(proxy.clear, says)
        report_keys(record_property, name, deck, latencies, shown=shown_after, recovery=recovery)


async def test_latency_keeps_keys_answering_while_a_poll_is_slow(
    aws: LocalAws, proxy: FaultProxy, record_property: Callable[[str, object], None]
) -> None:
    async with running(proxy.url, aws.regions[:1]) as deck:
        proxy.add(Fault(FaultKind.LATENCY, seconds=2.0))
        await wait_for(deck.pilot, lambda: deck.board.poller.running, "a slow poll")
        latencies = await deck.key_latencies()
        assert deck.board.poller.running  # the keys were answered during the slow call
        assert deck.board.problem is None
        assert "⚠" not in status_line(deck.board)
        report_keys(record_property, "latency 2s", deck, latencies)


@pytest.fixture
def short_read_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    """A hang ends at attempts x read_timeout (20 s with the real settings, proven in
    test_aws_faults); 1 s here keeps the dashboard test short."""
    config = session.CLIENT_CONFIG.merge(AioConfig(read_timeout=1))
    monkeypatch.setattr(session, "CLIENT_CONFIG", config)
    return 1.0


async def test_hang_keeps_keys_answering_then_shows_unreachable_and_recovers(
    aws: LocalAws,
    proxy: FaultProxy,
    short_read_timeout: float,
    record_property: Callable[[str, object], None],
) -> None:
    async with running(proxy.url, aws.regions[:1]) as deck:
        proxy.add(Fault(FaultKind.HANG, operations=LIST))
        await wait_for(deck.pilot, lambda: proxy.stats().hung_now >= 1, "a hung poll")
        latencies = await deck.key_latencies()
        assert proxy.stats().hung_now >= 1  # the keys were answered while the poll hung
        await deck.shows("unreachable")
        recovery = await deck.recovers(proxy.clear, "unreachable")
        report_keys(record_property, "hang", deck, latencies, recovery=recovery)


async def test_refused_connections_are_shown_and_the_app_recovers(
    aws: LocalAws, proxy: FaultProxy, record_property: Callable[[str, object], None]
) -> None:
    async with running(proxy.url, aws.regions[:1]) as deck:
        proxy.refuse()
        await deck.shows("unreachable")
        latencies = await deck.key_latencies()
        recovery = await deck.recovers(proxy.accept, "unreachable")
        report_keys(record_property, "refused", deck, latencies, recovery=recovery)


async def test_embedded_aws_killed_and_restarted(
    aws: LocalAws, record_property: Callable[[str, object], None]
) -> None:
    with RestartableAws(aws) as server:
        async with running(server.endpoint_url, aws.regions[:1]) as deck:
            server.kill()
            await deck.shows("unreachable")
            latencies = await deck.key_latencies()
            recovery = await deck.recovers(server.start, "unreachable")
            report_keys(record_property, "server killed", deck, latencies, recovery=recovery)
