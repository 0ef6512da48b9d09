"""The first listing shows its rows page by page (issue 15: 5,000 instances are 50 pages): rows
are on screen while the listing's last page has not been served, and the complete listing then
replaces them. Pages are counted where AWS sees them: at the fault proxy in front of the
embedded AWS, which holds the listing's pages until the test lets each through."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sagedeck.devtools.faultproxy import Fault, FaultKind, FaultProxy
from sagedeck.localaws import LocalAws
from sagedeck.ui.screens.dashboard.screen import DashboardScreen

from .support import SIZE, build_app, wait_for
from .test_platform_describes import SEEDED, add_instances

BULK = 250  # with the seeded instances: three pages of ListNotebookInstances
ROWS = SEEDED + BULK
PAGE = 100  # the listing's page size
LIST = "ListNotebookInstances"


@pytest.fixture
def proxy(aws_env: LocalAws) -> Iterator[FaultProxy]:
    add_instances(BULK)
    with FaultProxy(aws_env.endpoint_url, seed=7) as proxy:
        yield proxy


def pages_asked(proxy: FaultProxy) -> int:
    return sum(1 for seen in proxy.seen() if seen.call.operation == LIST)


def names(board: DashboardScreen) -> list[str]:
    return [key.rpartition("/")[2] for key in board.table.shown_keys()]


async def test_the_first_page_is_on_screen_before_the_last_page_is_served(
    aws_env: LocalAws, proxy: FaultProxy
) -> None:
    proxy.add(Fault(FaultKind.HANG, operations=frozenset({LIST})))
    app = build_app(aws_env, regions=("us-east-1",), endpoint_url=proxy.url)
    async with app.run_test(size=SIZE) as pilot:
        board = app.dashboard
        await wait_for(pilot, lambda: proxy.stats().hung_now == 1, what="the first page held")
        proxy.release()  # the first page only: the second is held in turn
        await wait_for(pilot, lambda: board.table.row_count > 0, what="the first rows")
        assert board.table.row_count == PAGE
        assert pages_asked(proxy) <= 2  # the first page served, the second held at most
        assert proxy.stats().hung_now <= 1
        assert board.fleet.refreshed_at is None  # the listing is not complete
        assert board.page_applies >= 1
        assert names(board) == sorted(names(board))  # the rows so far, sorted
        assert board.table.cursor_row == 0
        assert f"{PAGE} instances" in str(board.summary.render())

        await wait_for(pilot, lambda: proxy.stats().hung_now == 1, what="the second page held")
        proxy.release()
        await wait_for(pilot, lambda: board.table.row_count == 2 * PAGE, what="two pages")
        assert board.fleet.refreshed_at is None
        assert board.table.cursor_row == 0  # the cursor stays on the top row meanwhile

        proxy.clear()  # the last page
        await wait_for(pilot, lambda: board.fleet.refreshed_at is not None, what="the listing")
        assert pages_asked(proxy) == 3
        complete = await app.services.sagemaker.list_all(["us-east-1"])
        assert sorted(names(board)) == sorted(nb.name for nb in complete)
        assert len(names(board)) == ROWS
        assert names(board) == sorted(names(board))
        assert board.table.cursor_row == 0
