"""PRICE and RUN COST in the table, the running cost in the summary, a denied Price List API
said once, and `f`: the instances InService too long."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from textual.widgets.data_table import ColumnKey

from sagedeck.aws.pricing.client import Prices
from sagedeck.localaws import LocalAws, pricing
from sagedeck.models import NotebookStatus
from sagedeck.text.format import cost_since, hourly, money
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.dashboard.screen import DashboardScreen

from .support import (
    FLEET_SIZE,
    SIZE,
    build_app,
    loaded,
    poll_now,
    simulated_clock,
    text_of,
    wait_for,
)

EAST = "us-east-1"


@pytest.fixture
def denied_pricing() -> Iterator[None]:
    pricing.set_denied(True)
    yield
    pricing.set_denied(False)


def cell(board: DashboardScreen, key: str, column: str) -> str:
    return board.table.get_cell(key, ColumnKey(column)).plain


def summary(board: DashboardScreen) -> str:
    return text_of(board.summary, width=400)


def app_for(aws: LocalAws, **settings: Any) -> SagedeckApp:
    return build_app(aws, clock=simulated_clock(aws), **settings)


async def test_price_and_run_cost_columns_and_the_running_cost(aws: LocalAws) -> None:
    app = app_for(aws)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        now = app.clock()
        gpu = board.fleet.notebooks[f"{EAST}/cv-training-gpu"]
        assert cell(board, f"{EAST}/cv-training-gpu", "price") == "$3.825/h"
        assert cell(board, "eu-west-1/eu-vision-gpu", "price") == hourly(
            pricing.notebook_price("eu-west-1", "ml.g4dn.xlarge")
        )
        spent = cost_since(3.825, gpu.last_modified, now)
        assert cell(board, f"{EAST}/cv-training-gpu", "cost") == money(spent)
        assert spent > 3.825 * 25  # InService 26 h in the seed
        stopped = next(
            key for key, nb in board.fleet.notebooks.items() if nb.status is NotebookStatus.STOPPED
        )
        assert cell(board, stopped, "cost") == ""  # nothing runs, nothing is spent
        running = [
            nb for nb in board.fleet.notebooks.values() if nb.status is NotebookStatus.IN_SERVICE
        ]
        total = sum(pricing.notebook_price(nb.region, nb.instance_type) for nb in running)
        assert f"{len(running)} running · {hourly(total)}" in summary(board)


async def test_the_refresh_never_waits_for_prices(aws: LocalAws) -> None:
    app = app_for(aws)
    release = asyncio.Event()
    asked: list[object] = []
    original = Prices.fetch

    async def slow_fetch(self: Prices, keys: Any) -> Any:
        asked.append(keys)
        await release.wait()  # the Price List API hangs
        return await original(self, keys)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Prices, "fetch", slow_fetch)
        async with app.run_test(size=SIZE) as pilot:
            board = app.dashboard
            await wait_for(pilot, lambda: board.table.row_count == FLEET_SIZE, what="rows")
            await wait_for(pilot, lambda: asked, what="a price request")
            await poll_now(pilot, app)  # refreshes go on while prices hang
            await poll_now(pilot, app)
            assert board.poller.polls >= 3
            assert len(asked) == 1  # one worker at a time, not one per refresh
            assert cell(board, f"{EAST}/cv-training-gpu", "price") == "…"
            release.set()
            await wait_for(
                pilot,
                lambda: cell(board, f"{EAST}/cv-training-gpu", "price") == "$3.825/h",
                what="the price",
            )


@pytest.mark.usefixtures("denied_pricing")
async def test_denied_prices_are_said_once(aws: LocalAws) -> None:
    app = app_for(aws)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        prices = app.services.prices
        assert prices.calls == 1  # DescribeServices, denied: nothing more is asked
        await poll_now(pilot, app)
        assert prices.calls == 1
        shown = summary(board)
        assert shown.count("prices unavailable") == 1
        assert "pricing:DescribeServices" in shown  # names the permission
        assert cell(board, f"{EAST}/cv-training-gpu", "price") == "?"
        assert cell(board, f"{EAST}/cv-training-gpu", "cost") == "?"
        assert "error" not in {severity for severity, _title, _message in app.notices}


@pytest.mark.usefixtures("denied_pricing")
async def test_the_next_start_remembers_the_price_list_was_denied(aws: LocalAws) -> None:
    """Denied (or unreachable) is kept on disk for a while: the next start of the dashboard
    says so at once and asks nothing."""
    first = app_for(aws)
    async with first.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, first)
        await wait_for(pilot, lambda: "prices unavailable" in summary(board), what="the line")
        said = summary(board)
    second = app_for(aws)
    async with second.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, second)
        await wait_for(pilot, lambda: "not asked again for" in summary(board), what="the line")
        assert second.services.prices.calls == 0
        assert summary(board).count("prices unavailable") == 1
        assert "pricing:DescribeServices" in said
        assert cell(board, f"{EAST}/cv-training-gpu", "price") == "?"


async def test_f_shows_only_the_forgotten_instances(aws: LocalAws) -> None:
    app = app_for(aws)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        now = simulated_clock(aws)()
        forgotten = {
            key
            for key, nb in board.fleet.notebooks.items()
            if nb.status is NotebookStatus.IN_SERVICE
            and now - nb.last_modified > timedelta(hours=8)
        }
        assert f"{EAST}/cv-training-gpu" in forgotten
        assert f"{EAST}/alice-sandbox" not in forgotten  # InService 3 h only
        await pilot.press("f")
        await wait_for(pilot, lambda: set(board.table.shown_keys()) == forgotten)
        assert "forgotten: InService > 8h" in summary(board)
        await pilot.press("f")
        await wait_for(pilot, lambda: board.table.row_count == FLEET_SIZE)
        await pilot.press("f")
        await wait_for(pilot, lambda: set(board.table.shown_keys()) == forgotten)
        await pilot.press("escape")  # clears it, as it clears a filter
        await wait_for(pilot, lambda: board.table.row_count == FLEET_SIZE)


async def test_the_forgotten_threshold_comes_from_the_settings(aws: LocalAws) -> None:
    app = app_for(aws, forgotten_after=30 * 3600.0)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        await pilot.press("f")
        await wait_for(pilot, lambda: "InService > 30h" in summary(board))
        shown = set(board.table.shown_keys())
        assert f"{EAST}/cv-training-gpu" not in shown  # 26 h: not forgotten at 30 h
        assert shown  # the longer-running ones are
