"""Screen snapshots of the demo fleet at a pinned moment (the embedded AWS's clock is frozen
at SEED_TIME and the app reads that clock), through the same steps as ``make screenshots``.

Regenerate after a deliberate UI change: ``pytest tests/ui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from sagedeck.devtools.screenshots import SEED_TIME, SIZE, demo_app, prepare
from sagedeck.localaws import LocalAws

SnapCompare = Callable[..., bool]


@pytest.fixture
def pinned(aws: LocalAws, monkeypatch: pytest.MonkeyPatch, utc: None) -> LocalAws:
    """The seeded fleet as it stood at SEED_TIME, with the clock stopped there."""
    monkeypatch.setattr(aws.simulator, "_start_time", SEED_TIME.timestamp())
    aws.reset(seed=True)
    return aws


def snap(snap_compare: SnapCompare, app: App[Any], view: str, *press: str) -> bool:
    async def run_before(pilot: Pilot[Any]) -> None:
        await prepare(pilot, view)
        if press:
            await pilot.press(*press)
            await pilot.pause()

    return snap_compare(app, run_before=run_before, terminal_size=SIZE)


def test_dashboard(pinned: LocalAws, snap_compare: SnapCompare) -> None:
    assert snap(snap_compare, demo_app(pinned), "dashboard")


def test_detail_pane_of_a_failed_vpc_instance(pinned: LocalAws, snap_compare: SnapCompare) -> None:
    assert snap(snap_compare, demo_app(pinned), "detail")


def test_help(pinned: LocalAws, snap_compare: SnapCompare) -> None:
    assert snap(snap_compare, demo_app(pinned), "help")


def test_lifecycle_configurations(pinned: LocalAws, snap_compare: SnapCompare) -> None:
    assert snap(snap_compare, demo_app(pinned), "lifecycle")


def test_read_only_footer_and_title(pinned: LocalAws, snap_compare: SnapCompare) -> None:
    assert snap(snap_compare, demo_app(pinned, read_only=True), "dashboard")


def test_filtered_and_sorted_by_status(pinned: LocalAws, snap_compare: SnapCompare) -> None:
    keys = ("slash", *"!^eu-", "enter", "S")
    assert snap(snap_compare, demo_app(pinned), "dashboard", *keys)
