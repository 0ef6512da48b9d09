"""The heap built at start-up is frozen out of the cyclic GC once start-up is over
(docs/performance.md: every full collection walked it, stopping the event loop 100-220 ms
every few seconds while the log view tailed a firehose). No timing here: the benchmarks
measure the pauses; these tests check when the freeze happens, and that tests are spared it
(a freeze in the test process would keep every earlier test's cyclic garbage for good)."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from textual.app import App

from sagedeck.localaws import LocalAws
from sagedeck.ui.screens.help import HelpScreen

from .support import FLEET_SIZE, SIZE, build_app, poll_now, wait_for


@pytest.fixture
def freezes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Calls of gc.freeze(); the real freeze is not done (it would last for the rest of the
    test process)."""
    calls: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    return calls


async def test_the_heap_is_frozen_at_the_second_refresh_once(
    aws_env: LocalAws, freezes: list[str]
) -> None:
    app = build_app(aws_env)
    app.freeze_startup_heap = True  # as run() sets it
    async with app.run_test(size=SIZE) as pilot:
        board = app.dashboard
        await wait_for(pilot, lambda: board.table.row_count == FLEET_SIZE, what="rows")
        assert freezes == []  # the first refresh's describes and detail are still to come
        await poll_now(pilot, app)
        assert freezes == ["freeze"]
        await poll_now(pilot, app)
        assert freezes == ["freeze"]  # once, not at every refresh


async def test_no_freeze_while_a_screen_is_over_the_dashboard(
    aws_env: LocalAws, freezes: list[str]
) -> None:
    app = build_app(aws_env)
    app.freeze_startup_heap = True
    async with app.run_test(size=SIZE) as pilot:
        board = app.dashboard
        await wait_for(pilot, lambda: board.table.row_count == FLEET_SIZE, what="rows")
        app.action_help()
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await poll_now(pilot, app)
        assert freezes == []  # it would be kept for good once closed
        app.pop_screen()
        await poll_now(pilot, app)
        assert freezes == ["freeze"]


async def test_run_freezes_and_run_test_does_not(
    aws_env: LocalAws, freezes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = app.dashboard
        await wait_for(pilot, lambda: board.table.row_count == FLEET_SIZE, what="rows")
        await poll_now(pilot, app)
    assert freezes == []

    def run(self: App[Any], *args: Any, **kwargs: Any) -> int:
        return 0

    monkeypatch.setattr(App, "run", run)  # what the CLI calls, without a terminal
    ran = build_app(aws_env)
    ran.run()
    assert ran.freeze_startup_heap
