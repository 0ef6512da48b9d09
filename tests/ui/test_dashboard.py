"""The live table against the embedded AWS: rows, refresh in place, cursor, filter, sort."""

from __future__ import annotations

import pytest

from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookStatus

from .support import FLEET_SIZE, SIZE, build_app, loaded, poll_now, select, wait_for


async def test_every_seeded_instance_in_both_regions_with_its_platform(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        regions = {nb.region for nb in board.fleet.notebooks.values()}
        assert regions == {"us-east-1", "eu-west-1"}
        # same name in two regions: two rows, keyed region/name
        assert "us-east-1/alice-sandbox" in board.table.shown_keys()
        assert "eu-west-1/alice-sandbox" in board.table.shown_keys()
        # the platform column came from one describe per instance
        platform = board.table.get_cell("us-east-1/legacy-analytics", "platform")
        assert platform.plain == "al1-v1"
        status = board.table.get_cell("us-east-1/nlp-finetune", "status")
        assert "Failed" in status.plain
        summary = str(board.summary.render())
        assert f"{FLEET_SIZE} instances" in summary
        assert "1 Failed" in summary
        assert "us-east-1 11" in summary
        assert "eu-west-1 5" in summary


async def test_refresh_updates_cells_in_place_and_the_cursor_follows(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        await pilot.press("S")  # by status: Pending rows sort above InService ones
        pending = await select(pilot, app, "us-east-1", "bob-experiments")
        assert pending.status is NotebookStatus.PENDING
        index_before = board.table.cursor_row
        removed: list[object] = []
        clear, remove_row = board.table.clear, board.table.remove_row

        def spy_clear(columns: bool = False) -> object:
            removed.append("clear")
            return clear(columns)

        def spy_remove(key: str) -> None:
            removed.append(key)
            remove_row(key)

        monkeypatch.setattr(board.table, "clear", spy_clear)
        monkeypatch.setattr(board.table, "remove_row", spy_remove)
        aws_env.simulator.settle()  # every transition finishes: Pending -> InService, ...
        await poll_now(pilot, app)
        assert removed == ["eu-west-1/gdpr-audit-tmp"]  # the deleted one only, never a clear
        assert board.problem is None
        cell = board.table.get_cell("us-east-1/bob-experiments", "status")
        assert "InService" in cell.plain
        # the row moved down among the InService rows; the cursor moved with it
        assert board.table.current_key == "us-east-1/bob-experiments"
        assert board.table.cursor_row != index_before


async def test_fast_refresh_while_an_instance_is_changing_state(aws_env: LocalAws) -> None:
    app = build_app(aws_env, refresh_interval=30.0, fast_refresh_interval=0.2)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        assert board.fleet.transitional
        polls = board.poller.polls
        await wait_for(pilot, lambda: board.poller.polls >= polls + 2, limit=5, what="fast polls")
        aws_env.simulator.settle()
        await wait_for(pilot, lambda: not board.fleet.transitional, limit=5, what="settled")
        assert board._interval() == 30.0
        assert "every 30s" in str(board.summary.render())


async def test_polls_never_overlap(aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        sagemaker = app.services.sagemaker
        original = sagemaker.list_regions
        in_flight = peak = 0

        async def counting(*args: object, **kwargs: object) -> object:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await original()
            finally:
                in_flight -= 1

        monkeypatch.setattr(sagemaker, "list_regions", counting)
        polls = board.poller.polls
        for _ in range(6):  # ctrl+r hammered
            await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: board.poller.polls >= polls + 2, what="two polls")
        assert peak == 1


async def test_filter_regex_inverted_and_cleared(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        await pilot.press("slash", *"gpu")
        await wait_for(pilot, lambda: board.table.row_count < FLEET_SIZE)
        assert all("gpu" in key for key in board.table.shown_keys())
        assert board.table.row_count == 2
        await pilot.press("enter")  # keeps the filter, back to the table
        assert board.table.has_focus
        await pilot.press("escape")  # from the table: clears the filter
        await wait_for(pilot, lambda: board.table.row_count == FLEET_SIZE)
        await pilot.press("slash", *"!InService|Stopped")
        await wait_for(pilot, lambda: board.row_filter.text == "!InService|Stopped")
        statuses = {board.fleet.notebooks[k].status for k in board.table.shown_keys()}
        assert NotebookStatus.IN_SERVICE not in statuses
        assert NotebookStatus.STOPPED not in statuses
        assert NotebookStatus.FAILED in statuses
        await pilot.press("escape")
        await wait_for(pilot, lambda: board.table.row_count == FLEET_SIZE)
        assert "shown" not in str(board.summary.render())


async def test_invalid_regex_filters_literally(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        await pilot.press("slash", *"nb-(")
        await wait_for(pilot, lambda: board.row_filter.text == "nb-(")
        assert not board.row_filter.valid
        assert board.table.row_count == 0


async def test_sort_by_column_keys_and_header_click(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("S")
        first = board.fleet.notebooks[board.table.shown_keys()[0]]
        assert first.status is NotebookStatus.FAILED
        assert board.table.current_key == "us-east-1/nb"  # the cursor stayed on its instance
        await pilot.press("S")  # again: reversed
        last = board.fleet.notebooks[board.table.shown_keys()[-1]]
        assert last.status is NotebookStatus.FAILED
        await pilot.press("R")
        regions = [board.fleet.notebooks[k].region for k in board.table.shown_keys()]
        assert regions == sorted(regions)
        await pilot.click("#instances", offset=(65, 0))  # the TYPE header
        types = [board.fleet.notebooks[k].instance_type for k in board.table.shown_keys()]
        assert board.sort_column.key == "type"
        assert types == sorted(types)
        assert board.table.current_key == "us-east-1/nb"
