"""What a refresh and a key press cost: nothing they need not do.

No timings here (they belong to bench/): each test counts the work a regression would bring
back: footer rebuilds and the keys they leave behind (Textualize/textual#6666), detail loads,
part updates, and layouts of the whole screen.
"""

from __future__ import annotations

import gc
import itertools
import weakref
from collections import Counter
from typing import Any

import pytest
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from sagedeck.localaws import LocalAws
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.dashboard.screen import DashboardScreen
from sagedeck.ui.widgets import detail_pane, detail_render
from sagedeck.ui.widgets.footer import DeckFooter

from .support import (
    SIZE,
    build_app,
    loaded,
    part,
    parts_loaded,
    poll_now,
    select,
    simulated_clock,
    wait_for,
)

PARTS = tuple(name for name, _title in detail_render.PARTS)
# Seeded instances of which some pairs show parts of the same heights in the right-hand pane.
SAME_SHAPE = (
    ("eu-west-1", "alice-sandbox"),
    ("eu-west-1", "eu-vision-gpu"),
    ("us-east-1", "recsys-prototype"),
    ("eu-west-1", "eu-sandbox-carol"),
    ("eu-west-1", "gdpr-audit-tmp"),
)


def footer_key(board: DashboardScreen, action: str) -> FooterKey:
    return next(key for key in board.query(FooterKey) if key.action == action)


def greyed(board: DashboardScreen) -> set[str]:
    """Which of start and stop the footer shows greyed."""
    return {a for a in ("start", "stop") if footer_key(board, a).has_class("-disabled")}


def count_part_updates(board: DashboardScreen, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    updates: Counter[str] = Counter()
    for name in PARTS:
        static = board.query_one(f"#part-{name}", Static)

        def update(content: Any = "", *, layout: bool = True, static: Static = static) -> None:
            assert static.id is not None
            updates[static.id] += 1
            Static.update(static, content, layout=layout)

        monkeypatch.setattr(static, "update", update)
    return updates


def count_layouts(board: DashboardScreen, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Layouts of the whole screen (the cost of a part that changes height)."""
    layouts = [0]
    compositor = board._compositor
    original = compositor.reflow

    def counting(*args: Any, **kwargs: Any) -> Any:
        layouts[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(compositor, "reflow", counting)
    return layouts


def assert_parts_fit(app: SagedeckApp) -> None:
    """Each part is as high as what it shows: a repaint in place never clipped one."""
    pane = app.dashboard.detail
    for name in PARTS:
        static = app.dashboard.query_one(f"#part-{name}", Static)
        known = pane._heights.get(name)
        if known is not None and known[0] == static.content_size.width:
            assert static.content_size.height == known[1], name


async def test_a_quiet_refresh_leaves_the_footer_and_the_detail_pane_alone(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env, clock=simulated_clock(aws_env))  # ages stand still
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        await parts_loaded(pilot, app)
        footer = board.query_one(DeckFooter)
        rebuilds = footer.rebuilds
        asked: list[None] = []
        refresh_bindings = board.refresh_bindings

        def counting() -> None:
            asked.append(None)
            refresh_bindings()

        monkeypatch.setattr(board, "refresh_bindings", counting)
        updates = count_part_updates(board, monkeypatch)
        for _ in range(3):
            await poll_now(pilot, app)
        assert asked == []  # the selected row did not change: the footer is not asked
        assert footer.rebuilds == rebuilds
        assert updates == Counter()  # nor is any part of the detail pane repainted


async def test_cursor_moves_grey_footer_keys_in_place_and_a_new_key_rebuilds_it(
    aws_env: LocalAws,
) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        footer = board.query_one(DeckFooter)
        await select(pilot, app, "us-east-1", "alice-sandbox")  # InService: no Start
        # The footer greys keys after the frame that shows the move: wait for that frame.
        await wait_for(pilot, lambda: greyed(board) == {"start"}, what="start greyed")
        rebuilds = footer.rebuilds
        await pilot.press("k")  # eu-west-1/alice-sandbox, Stopped
        assert board.table.current_key == "eu-west-1/alice-sandbox"
        await wait_for(pilot, lambda: greyed(board) == {"stop"}, what="stop greyed")
        assert footer.rebuilds == rebuilds  # the same keys: greyed in place
        app.set_keymap({"start": "U"})  # a key the footer shows changes: rebuilt
        await wait_for(pilot, lambda: footer_key(board, "start").key == "U", what="key U")
        assert footer.rebuilds == rebuilds + 1


async def test_a_rebuilt_footer_keeps_none_of_the_keys_it_removed(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        footer = board.query_one(DeckFooter)
        keys = len(footer.query(FooterKey))
        rebuilds = footer.rebuilds
        # Only this footer's keys count: other apps of this test process may still hold theirs.
        removed: list[weakref.ref[FooterKey]] = []
        for _ in range(10):
            removed.extend(weakref.ref(key) for key in footer.query(FooterKey))
            footer.refresh(recompose=True)  # as on each change of the keys shown
            await pilot.pause()
        assert footer.rebuilds == rebuilds + 10
        assert len(footer.query(FooterKey)) == keys
        # Textual 8.2 keeps each removed key in the footer's watcher list (#6666)
        assert footer.watcher_count() <= keys
        gc.collect()
        kept = [key for ref in removed if (key := ref()) is not None and not key.is_attached]
        assert len(kept) < keys  # not ten rebuilds' worth of keys


async def test_moving_between_loaded_instances_repaints_the_detail_pane_in_place(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env, clock=simulated_clock(aws_env))
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        pane = board.detail
        # Instances of the same shape (every part as high as the other's), each loaded once
        shapes: dict[tuple[str, str], tuple[object, ...]] = {}
        for where in SAME_SHAPE:
            await select(pilot, app, *where)
            await parts_loaded(pilot, app)
            await pilot.pause()
            shapes[where] = tuple(pane._heights.get(name) for name in PARTS)
        first, second = next(
            (a, b) for a, b in itertools.combinations(SAME_SHAPE, 2) if shapes[a] == shapes[b]
        )
        await select(pilot, app, *first)
        await pilot.pause(0.1)  # its layout (from the last of SAME_SHAPE) done
        loads = pane.loads
        layouts = count_layouts(board, monkeypatch)
        for region, name in (second, first, second, first):
            await select(pilot, app, region, name)
            await pilot.pause()
            assert name in part(app, "overview")
            assert "loading…" not in part(app, "tags")  # shown from the cache at once
            assert_parts_fit(app)
        assert pane.loads == loads
        assert layouts[0] == 0  # same heights: no layout of the whole screen


async def test_a_new_row_shows_its_overview_at_once_and_loads_once_the_cursor_rests(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env, clock=simulated_clock(aws_env))
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        await parts_loaded(pilot, app)
        pane = board.detail
        loads = pane.loads
        # A Pilot pause can outlast the real debounce on a busy machine: hold it off here.
        monkeypatch.setattr(detail_pane, "DEBOUNCE_SECONDS", 3.0)
        for _ in range(4):  # j held down: one row after another
            layouts = pane.layouts
            board.action_cursor("down")
            await pilot.pause()
            assert board.current is not None
            assert board.current.name in part(app, "overview")
            assert "loading…" in part(app, "tags")
            # "loading…" as high as what each part showed before: only the overview may move
            assert pane.layouts <= layouts + 1
            assert_parts_fit(app)
        assert pane.loads == loads
        await wait_for(pilot, lambda: pane.loads > loads, what="a load")
        await parts_loaded(pilot, app)
        assert pane.loads == loads + 1  # only where the cursor rested
        assert_parts_fit(app)
