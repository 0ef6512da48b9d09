"""A refresh that AWS does not answer: the status line says so, second by second, instead of
showing the last good "refreshed HH:MM:SS" alone until the read timeout (20 s) says
"unreachable". The embedded AWS sits behind the fault proxy, which holds the listing."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from sagedeck.devtools.faultproxy import Fault, FaultKind, FaultProxy
from sagedeck.localaws import LocalAws
from sagedeck.ui.screens.dashboard.screen import WAITING_AFTER, DashboardScreen

from .support import SIZE, build_app, loaded, wait_for

WAITING = re.compile(r"waiting for AWS \((\d+) s\)")


@pytest.fixture
def proxy(aws_env: LocalAws) -> Iterator[FaultProxy]:
    with FaultProxy(aws_env.endpoint_url, seed=7) as proxy:
        yield proxy


def status_line(board: DashboardScreen) -> str:
    return str(board.summary.render())


def waited(board: DashboardScreen) -> int | None:
    found = WAITING.search(status_line(board))
    return int(found.group(1)) if found else None


async def test_a_hung_refresh_counts_the_seconds_it_has_waited_for_aws(
    aws_env: LocalAws, proxy: FaultProxy
) -> None:
    app = build_app(aws_env, endpoint_url=proxy.url)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        assert waited(board) is None
        refreshed = re.search(r"refreshed \d\d:\d\d:\d\d", status_line(board))
        assert refreshed is not None
        proxy.add(Fault(FaultKind.HANG, operations=frozenset({"ListNotebookInstances"})))
        board.request_refresh()
        await wait_for(pilot, lambda: proxy.stats().hung_now >= 1, what="a hung refresh")
        assert waited(board) is None  # a refresh may take a moment: not said at once
        await wait_for(pilot, lambda: waited(board) is not None, limit=WAITING_AFTER + 30)
        first = waited(board)
        assert first is not None
        assert first >= WAITING_AFTER
        await wait_for(pilot, lambda: (waited(board) or 0) > first, limit=30, what="a tick")
        line = status_line(board)
        assert refreshed.group(0) in line  # the last good refresh is still shown beside it
        assert "⚠" not in line  # waiting is not (yet) a failure
        assert board.poller.running
        proxy.clear()  # AWS answers at last
        await wait_for(pilot, lambda: not board.poller.running, what="the refresh done")
        await pilot.pause()
        assert waited(board) is None
        assert board.problem is None
