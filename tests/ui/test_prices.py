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


def shown_values(board: DashboardScreen, column: str) -> list[float | None]:
    """The column's cells in the table's order, as numbers; None where none is shown."""
    values: list[float | None] = []
    for key in board.table.shown_keys():
        text = cell(board, key, column)
        number = text.removeprefix("$").removesuffix("/h").replace(",", "")
        values.append(float(number) if number and number[0].isdigit() else None)
    return values


def known_first(values: list[float | None]) -> list[float]:
    """The known values, after checking that every unknown one comes after them."""
    known = [value for value in values if value is not None]
    assert values[len(known) :] == [None] * (len(values) - len(known))
    return known


@pytest.fixture
def t3_unpriced(monkeypatch: pytest.MonkeyPatch) -> None:
    """ml.t3.medium is never priced (as while its price is on the way): "…" in PRICE."""
    original = Prices.fetch

    async def without_t3(self: Prices, keys: Any) -> Any:
        return await original(self, [key for key in keys if key[1] != "ml.t3.medium"])

    monkeypatch.setattr(Prices, "fetch", without_t3)


async def listed(pilot: Any, app: SagedeckApp) -> DashboardScreen:
    """The fleet's rows on screen (``loaded`` would wait for every price too)."""
    board = app.dashboard
    await wait_for(pilot, lambda: board.table.row_count == FLEET_SIZE, what="rows")
    return board


async def priced(pilot: Any, app: SagedeckApp) -> DashboardScreen:
    """The rows, and the prices the Price List API gives (the t3.medium ones not)."""
    board = await listed(pilot, app)
    gpu = f"{EAST}/cv-training-gpu"
    await wait_for(pilot, lambda: cell(board, gpu, "price") == "$3.825/h", what="prices")
    await wait_for(pilot, lambda: not board._pricing, what="the price worker done")
    return board


def sorted_by(board: DashboardScreen, column: str, reverse: bool) -> bool:
    return board.sort_column.key == column and board.sort_reverse is reverse


@pytest.mark.usefixtures("t3_unpriced")
async def test_sort_by_price_dearest_first_unknown_prices_last_either_way(aws: LocalAws) -> None:
    app = app_for(aws)
    async with app.run_test(size=SIZE) as pilot:
        board = await priced(pilot, app)
        gpu = f"{EAST}/cv-training-gpu"
        await pilot.press("dollar_sign")
        await wait_for(pilot, lambda: sorted_by(board, "price", False), what="sorted by PRICE")
        assert board.table.columns[ColumnKey("price")].label.plain == "PRICE ▲"
        values = shown_values(board, "price")
        known = known_first(values)
        assert known == sorted(known, reverse=True)
        assert board.table.shown_keys()[0] == gpu  # the dearest
        unknown = board.table.shown_keys()[len(known) :]
        assert unknown  # the t3.medium rows, by name then region
        assert {board.fleet.notebooks[key].instance_type for key in unknown} == {"ml.t3.medium"}
        by_name = sorted(unknown, key=lambda k: (k.split("/")[1], k.split("/")[0]))
        assert unknown == by_name
        shown = board.table.shown_keys()
        for price in set(known):  # rows of one price: by name then region
            ties = [key for key, value in zip(shown, values, strict=True) if value == price]
            assert ties == sorted(ties, key=lambda k: (k.split("/")[1], k.split("/")[0]))
        assert any(known.count(price) > 1 for price in known)  # there are ties to order

        await pilot.press("dollar_sign")  # the cheapest first: the unknown ones still last
        await wait_for(pilot, lambda: sorted_by(board, "price", True), what="reversed")
        assert board.table.columns[ColumnKey("price")].label.plain == "PRICE ▼"
        cheapest = known_first(shown_values(board, "price"))
        assert cheapest == sorted(known)
        assert board.table.shown_keys()[len(cheapest) :] == unknown


@pytest.mark.usefixtures("t3_unpriced")
async def test_sort_by_run_cost_most_spent_first_the_rest_last(aws: LocalAws) -> None:
    app = app_for(aws)
    async with app.run_test(size=SIZE) as pilot:
        board = await priced(pilot, app)
        await pilot.press("M")
        await wait_for(pilot, lambda: sorted_by(board, "cost", False), what="sorted by RUN COST")
        assert board.table.columns[ColumnKey("cost")].label.plain == "RUN COST▲"
        spent = known_first(shown_values(board, "cost"))
        assert spent == sorted(spent, reverse=True)
        running = [
            key
            for key, nb in board.fleet.notebooks.items()
            if nb.status is NotebookStatus.IN_SERVICE and nb.instance_type != "ml.t3.medium"
        ]
        assert len(spent) == len(running)  # every running, priced one: the others after them
        rest = board.table.shown_keys()[len(spent) :]
        assert rest == sorted(rest, key=lambda k: (k.split("/")[1], k.split("/")[0]))
        await pilot.press("M")
        await wait_for(pilot, lambda: sorted_by(board, "cost", True), what="reversed")
        assert known_first(shown_values(board, "cost")) == sorted(spent)
        assert board.table.shown_keys()[len(spent) :] == rest


async def test_prices_that_arrive_after_the_sort_reorder_the_table(aws: LocalAws) -> None:
    app = app_for(aws)
    release = asyncio.Event()
    original = Prices.fetch

    async def slow_fetch(self: Prices, keys: Any) -> Any:
        await release.wait()  # the Price List API is slow to answer
        return await original(self, keys)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Prices, "fetch", slow_fetch)
        async with app.run_test(size=SIZE) as pilot:
            board = await listed(pilot, app)
            await pilot.press("dollar_sign")
            await wait_for(pilot, lambda: sorted_by(board, "price", False), what="sorted")
            by_name = board.table.shown_keys()
            assert shown_values(board, "price") == [None] * len(by_name)  # all "…": by name
            assert by_name == sorted(by_name, key=lambda k: (k.split("/")[1], k.split("/")[0]))
            release.set()
            gpu = f"{EAST}/cv-training-gpu"
            await wait_for(pilot, lambda: board.table.shown_keys()[0] == gpu, what="reordered")
            known = known_first(shown_values(board, "price"))
            assert len(known) == len(by_name)
            assert known == sorted(known, reverse=True)
