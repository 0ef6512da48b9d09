"""The start-to-ready timeline: stages and their durations, the lifecycle budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sagedeck.models import NotebookStatus as S
from sagedeck.ui.widgets.start_panel import StartTimeline, render_timeline

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_stages_and_durations() -> None:
    timeline = StartTimeline(S.STOPPED, at(-3600), has_lifecycle=True)
    assert timeline.observe(S.PENDING, at(0))
    assert not timeline.observe(S.PENDING, at(5))
    assert timeline.observe(S.IN_SERVICE, at(95))
    assert [s.status for s in timeline.stages] == [S.STOPPED, S.PENDING, S.IN_SERVICE]
    assert timeline.stages[1].duration(at(200)) == timedelta(seconds=95)
    text = render_timeline(timeline, at(100)).plain
    assert text == "Stopped → Pending 1:35 → InService 0:05"


def test_the_budget_runs_from_the_first_script_line_even_when_it_came_first() -> None:
    timeline = StartTimeline(S.STOPPED, at(-3600), has_lifecycle=True)
    timeline.lifecycle_line(at(-7200))  # an old start's line: not this one
    timeline.lifecycle_line(at(12))  # seen before the status poll saw Pending
    timeline.observe(S.PENDING, at(14))
    assert timeline.script_started == at(12)
    assert timeline.budget_left(at(72)) == timedelta(minutes=4)
    assert "lifecycle budget 4:00 left (script running)" in render_timeline(timeline, at(72)).plain
    assert "over 5:00" in render_timeline(timeline, at(400)).plain


def test_before_the_script_the_budget_counts_from_pending() -> None:
    timeline = StartTimeline(S.PENDING, at(0), has_lifecycle=True)
    assert timeline.budget_left(at(30)) == timedelta(minutes=4, seconds=30)
    assert "script not started yet" in render_timeline(timeline, at(30)).plain


def test_no_budget_without_a_lifecycle_configuration_or_once_settled() -> None:
    timeline = StartTimeline(S.PENDING, at(0), has_lifecycle=False)
    assert timeline.budget_left(at(30)) is None
    assert "no lifecycle script" in render_timeline(timeline, at(30)).plain
    timeline = StartTimeline(S.PENDING, at(0), has_lifecycle=True)
    timeline.observe(S.FAILED, at(301), "took longer than 5 minutes")
    assert timeline.budget_left(at(302)) is None
    assert timeline.failure_reason == "took longer than 5 minutes"


def test_every_log_key_has_an_id_and_a_help_category() -> None:
    from sagedeck.ui.keys import CATEGORIES
    from sagedeck.ui.screens.logs_keys import LOG_BINDINGS

    ids = [b.id for b in LOG_BINDINGS if not isinstance(b, tuple)]
    assert all(ids)
    assert len(ids) == len(set(ids))
    assert all(CATEGORIES.get(i or "") for i in ids)
