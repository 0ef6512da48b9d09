"""The PLATFORM column describes only what the screen needs (issue 7): the rows on screen and a
margin, newly visible rows as the user scrolls, every row for a sort by platform or a filter
that could match one; never anything on a refresh. Calls are counted where AWS sees them: at
the fault proxy in front of the embedded AWS (no fault set: every call goes through)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.pilot import Pilot

from sagedeck.devtools.faultproxy import Fault, FaultKind, FaultProxy
from sagedeck.localaws import LocalAws
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.dashboard.screen import DashboardScreen
from sagedeck.ui.view import platforms
from sagedeck.ui.view.platforms import MARGIN_ROWS

from .support import SIZE, build_app, poll_now, wait_for

BULK = 300  # instances added to the seeded fleet: six screenfuls at 200x50
SEEDED = 11  # the seeded instances in us-east-1, the only region listed here
ROWS = SEEDED + BULK
DESCRIBE = "DescribeNotebookInstance"
ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240131T145746"
AL1_EVERY = 50  # one bulk instance in 50 runs notebook-al1-v1, the others al2-v2


def add_instances(count: int, region: str = "us-east-1") -> None:
    """Steady instances created in the backend (as the seed does): quicker than the API."""
    from sagedeck.localaws.sagemaker_api import create_notebook
    from sagedeck.localaws.state import ACCOUNT_ID, LOCK, sagemaker_backend

    with LOCK:
        backend = sagemaker_backend(ACCOUNT_ID, region)
        for index in range(count):
            notebook = create_notebook(
                backend,
                {
                    "NotebookInstanceName": f"bulk-{index:04d}",
                    "InstanceType": "ml.t3.medium",
                    "RoleArn": ROLE,  # a seeded role: the embedded AWS checks it
                    "PlatformIdentifier": (
                        "notebook-al1-v1" if index % AL1_EVERY == 0 else "notebook-al2-v2"
                    ),
                },
            )
            notebook.__dict__.pop("_sagedeck_operation", None)  # no transition: steady
            notebook.status = "Stopped"


@pytest.fixture
def proxy(aws_env: LocalAws) -> Iterator[FaultProxy]:
    add_instances(BULK)
    with FaultProxy(aws_env.endpoint_url, seed=7) as proxy:
        yield proxy


def describes(proxy: FaultProxy) -> list[str]:
    """The DescribeNotebookInstance calls AWS has seen, in order (their region only: the
    proxy reads the operation, not the body)."""
    return [seen.call.region for seen in proxy.seen() if seen.call.operation == DESCRIBE]


def on_screen(board: DashboardScreen) -> list[str]:
    first, end = board.table.rows_on_screen()
    return board.table.shown_keys()[first:end]


def settled(board: DashboardScreen) -> bool:
    """Nothing on screen waits for its platform, and no describe is out."""
    return not board._describing and all(key in board.fleet.platforms for key in on_screen(board))


async def start(pilot: Pilot[Any], app: SagedeckApp, proxy: FaultProxy) -> DashboardScreen:
    board = app.dashboard
    await wait_for(pilot, lambda: board.table.row_count == ROWS, what=f"{ROWS} rows")
    await wait_for(pilot, lambda: settled(board), what="the platforms on screen")
    await pilot.pause()
    return board


async def quiet(pilot: Pilot[Any], board: DashboardScreen, proxy: FaultProxy) -> int:
    """Wait until the describes stop (the describer's rounds and the detail pane's load)."""
    await wait_for(pilot, lambda: settled(board), what="the platforms on screen")
    count = -1
    while count != len(describes(proxy)):
        count = len(describes(proxy))
        # Longer than the describer's debounce and the detail pane's: a call would be out.
        await pilot.pause(platforms.MAX_DELAY_SECONDS)
        await wait_for(pilot, lambda: not board._describing, what="the batch out")
    return count


async def test_start_up_describes_the_rows_on_screen_not_the_fleet(
    aws_env: LocalAws, proxy: FaultProxy
) -> None:
    app = build_app(aws_env, endpoint_url=proxy.url, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        board = await start(pilot, app, proxy)
        count = await quiet(pilot, board, proxy)
        screenful = len(on_screen(board))
        assert screenful > 30  # the table is laid out: a real screenful
        # The rows on screen, the margin below them and the detail pane's one row: not 300+.
        assert screenful <= count <= screenful + MARGIN_ROWS + 2
        assert count < ROWS // 4
        shown = board.table.shown_keys()
        for key in on_screen(board):
            assert board.table.get_cell(key, "platform").plain not in ("…", "")
        below = shown[screenful + MARGIN_ROWS + 5 :]
        assert all(board.table.get_cell(key, "platform").plain == "…" for key in below)
        # Refreshes: a listing, never a describe.
        for _ in range(2):
            await poll_now(pilot, app)
        assert await quiet(pilot, board, proxy) == count


async def test_scrolling_describes_the_rows_it_brings_on_screen(
    aws_env: LocalAws, proxy: FaultProxy
) -> None:
    app = build_app(aws_env, endpoint_url=proxy.url, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        board = await start(pilot, app, proxy)
        await pilot.press("d")  # no detail pane: the scrolling alone must bring the describes
        before = await quiet(pilot, board, proxy)
        screenful = len(on_screen(board))
        await pilot.press("pagedown", "pagedown")
        await wait_for(pilot, lambda: board.table.rows_on_screen()[0] > screenful, what="scroll")
        after = await quiet(pilot, board, proxy)
        assert settled(board)
        assert 0 < after - before <= 2 * screenful + 2 * MARGIN_ROWS + 2
        # To the bottom as the mouse wheel goes, the cursor left behind: the last rows, not
        # everything between.
        board.table.scroll_end(animate=False)
        await wait_for(pilot, lambda: board.table.rows_on_screen()[1] >= ROWS, what="the end")
        last = await quiet(pilot, board, proxy)
        assert settled(board)
        assert last - after <= screenful + 2 * MARGIN_ROWS + 2
        # Nothing between the pages seen and the bottom was described.
        skipped = board.table.shown_keys()[4 * screenful : ROWS - screenful - MARGIN_ROWS - 1]
        assert len(skipped) > 50
        assert not any(key in board.fleet.platforms for key in skipped)


async def test_describes_never_overlap_while_the_user_scrolls(
    aws_env: LocalAws, proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_flight = peak = batches = 0
    original = platforms.describe_platforms

    async def counting(*args: Any) -> None:
        nonlocal in_flight, peak, batches
        in_flight += 1
        batches += 1
        peak = max(peak, in_flight)
        try:
            await original(*args)
        finally:
            in_flight -= 1

    monkeypatch.setattr(platforms, "describe_platforms", counting)
    app = build_app(aws_env, endpoint_url=proxy.url, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        board = await start(pilot, app, proxy)
        await quiet(pilot, board, proxy)
        started = batches
        for _ in range(40):  # j held down, then page after page
            await pilot.press("j")
        for _ in range(4):
            await pilot.press("pagedown")
        await quiet(pilot, board, proxy)
        assert settled(board)
        assert peak == 1
        # Debounced: a few batches, not one per key press.
        assert 1 <= batches - started <= 10


async def test_a_sort_by_platform_describes_every_row(aws_env: LocalAws, proxy: FaultProxy) -> None:
    app = build_app(aws_env, endpoint_url=proxy.url, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        board = await start(pilot, app, proxy)
        await quiet(pilot, board, proxy)
        board.action_sort("platform")
        await wait_for(pilot, lambda: not board.fleet.missing_platforms(), what="every platform")
        count = await quiet(pilot, board, proxy)
        rows = len(board.fleet)
        assert rows <= count <= rows + 2  # each once (and the detail pane's)
        shown = [board.table.get_cell(k, "platform").plain for k in on_screen(board)]
        assert shown[0] == "al1-v1"  # the sort sees every platform: the al1 rows come first
        assert "…" not in shown


async def test_a_filter_that_could_match_a_platform_describes_the_rows_it_decides(
    aws_env: LocalAws, proxy: FaultProxy
) -> None:
    app = build_app(aws_env, endpoint_url=proxy.url, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        board = await start(pilot, app, proxy)
        await quiet(pilot, board, proxy)
        # Matches no platform: the rows it shows on screen are described, no others.
        await pilot.press("slash", *"bulk-02")
        await wait_for(pilot, lambda: board.row_filter.text == "bulk-02")
        await quiet(pilot, board, proxy)
        assert board.table.row_count == 100  # bulk-0200 to bulk-0299
        assert settled(board)
        assert len(board.fleet.missing_platforms()) > ROWS // 2
        await pilot.press("escape")
        await wait_for(pilot, lambda: not board.row_filter.active)
        # "^al1" can only match a platform: every row unknown until described, then shown if
        # it runs al1 (the seeded legacy-analytics and one bulk row in fifty).
        await pilot.press("slash", *"^al1")
        await wait_for(pilot, lambda: not board.fleet.missing_platforms(), what="every platform")
        await quiet(pilot, board, proxy)
        al1 = {
            key for key, platform in board.fleet.platforms.items() if platform == "notebook-al1-v1"
        }
        assert len(al1) == BULK // AL1_EVERY + 1
        assert set(board.table.shown_keys()) == al1


async def test_an_unreadable_platform_shows_a_dash_and_is_not_asked_again(
    aws_env: LocalAws, proxy: FaultProxy
) -> None:
    proxy.add(Fault(FaultKind.DENY, operations=frozenset({DESCRIBE})))
    app = build_app(aws_env, endpoint_url=proxy.url, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        board = await start(pilot, app, proxy)
        count = await quiet(pilot, board, proxy)
        cells = {board.table.get_cell(key, "platform").plain for key in on_screen(board)}
        assert cells == {"-"}
        for _ in range(2):
            await poll_now(pilot, app)
        assert await quiet(pilot, board, proxy) == count


async def test_an_update_describes_its_row_again(aws_env: LocalAws, proxy: FaultProxy) -> None:
    from sagedeck.localaws.state import ACCOUNT_ID, LOCK, sagemaker_backend

    app = build_app(aws_env, endpoint_url=proxy.url, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        board = await start(pilot, app, proxy)
        count = await quiet(pilot, board, proxy)
        key = on_screen(board)[3]
        name = key.split("/", 1)[1]
        backend = sagemaker_backend(ACCOUNT_ID, "us-east-1")
        for status, platform in (("Updating", None), ("Stopped", "notebook-al2023-v1")):
            with LOCK:
                notebook = backend.notebook_instances[name]
                notebook.status = status
                if platform:
                    notebook.platform_identifier = platform
            await poll_now(pilot, app)
        await wait_for(pilot, lambda: board.fleet.platforms.get(key) == "notebook-al2023-v1")
        assert await quiet(pilot, board, proxy) == count + 1
