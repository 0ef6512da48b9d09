"""Start-to-ready: each status an instance went through and how long it took, the 5-minute
lifecycle-script budget counting down while Pending, and the FailureReason when it failed."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rich.text import Text
from textual.widgets import Static

from sagedeck.models import NotebookStatus
from sagedeck.text.sanitize import sanitize

# AWS fails a start whose lifecycle script runs longer than this.
LIFECYCLE_BUDGET = timedelta(minutes=5)
# A script line logged this long before Pending was seen still belongs to this start (the
# status poll and the log poll each see the change up to a second late).
_CLOCK_SLACK = timedelta(seconds=5)


@dataclass(slots=True)
class Stage:
    status: NotebookStatus
    entered: datetime
    left: datetime | None = None

    def duration(self, now: datetime) -> timedelta:
        return max(timedelta(0), (self.left or now) - self.entered)


class StartTimeline:
    """The statuses seen, in order. Pure: fed by the screen's status poll."""

    def __init__(self, status: NotebookStatus, since: datetime, has_lifecycle: bool) -> None:
        self.stages: list[Stage] = [Stage(status, since)]
        self.has_lifecycle = has_lifecycle
        self.failure_reason: str | None = None
        self._script_lines: deque[datetime] = deque(maxlen=500)  # lifecycle lines' times

    @property
    def status(self) -> NotebookStatus:
        return self.stages[-1].status

    def observe(self, status: NotebookStatus, at: datetime, failure: str | None = None) -> bool:
        """Record ``status`` seen at ``at``; True when it changed."""
        if failure:
            self.failure_reason = failure
        current = self.stages[-1]
        if status == current.status:
            return False
        at = max(at, current.entered)
        current.left = at
        self.stages.append(Stage(status, at))
        return True

    def lifecycle_line(self, at: datetime) -> None:
        """A lifecycle script wrote a line at ``at`` (the log and the status are polled apart:
        a line may come before the Pending it belongs to)."""
        self._script_lines.append(at)

    @property
    def script_started(self) -> datetime | None:
        """The first lifecycle line of the current Pending: the script's 5 minutes run from it."""
        if self.status is not NotebookStatus.PENDING:
            pending = [s for s in self.stages if s.status is NotebookStatus.PENDING]
            if not pending:
                return None
            since = pending[-1].entered
        else:
            since = self.stages[-1].entered
        return min((t for t in self._script_lines if t >= since - _CLOCK_SLACK), default=None)

    def budget_left(self, now: datetime) -> timedelta | None:
        """Time left of the lifecycle budget, while Pending with a lifecycle configuration."""
        if self.status is not NotebookStatus.PENDING or not self.has_lifecycle:
            return None
        start = self.script_started or self.stages[-1].entered
        return LIFECYCLE_BUDGET - max(timedelta(0), now - start)


def _clock(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    minutes, secs = divmod(seconds, 60)
    return f"{'-' if delta < timedelta(0) else ''}{minutes}:{secs:02d}"


_STATUS_STYLE = {
    NotebookStatus.IN_SERVICE: "bold green",
    NotebookStatus.FAILED: "bold red",
    NotebookStatus.PENDING: "bold yellow",
    NotebookStatus.STOPPED: "dim",
}


def render_timeline(timeline: StartTimeline, now: datetime) -> Text:
    text = Text()
    for i, stage in enumerate(timeline.stages):
        if i:
            text.append(" → ", style="dim")
        text.append(stage.status.value, style=_STATUS_STYLE.get(stage.status, "bold"))
        if i or stage.left is None:
            live = "…" if stage.left is None and stage.status.is_transitional else ""
            text.append(f" {_clock(stage.duration(now))}{live}")
    left = timeline.budget_left(now)
    if left is not None:
        started = "script running" if timeline.script_started else "script not started yet"
        style = "bold red" if left <= timedelta(minutes=1) else "yellow"
        text.append("   lifecycle budget ", style="dim")
        text.append(f"{_clock(left)} left" if left >= timedelta(0) else "over 5:00", style=style)
        text.append(f" ({started})", style="dim")
    elif timeline.status is NotebookStatus.PENDING and not timeline.has_lifecycle:
        text.append("   no lifecycle script", style="dim")
    return text


class StartPanel(Static):
    """The timeline line, and the FailureReason in a red box below it on failure."""

    DEFAULT_CSS = """
    StartPanel {
        height: auto;
        padding: 0 1;
        background: $boost;
    }
    StartPanel.-failed {
        border: heavy $error;
        background: $error 15%;
    }
    """

    def __init__(self, timeline: StartTimeline, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.timeline = timeline

    def on_mount(self) -> None:
        self.update_view()
        self.set_interval(1.0, self.update_view)

    def update_view(self, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        text = render_timeline(self.timeline, now)
        reason = self.timeline.failure_reason
        failed = self.timeline.status is NotebookStatus.FAILED
        if failed and reason:
            text.append("\nFailureReason: ", style="bold red")
            text.append(sanitize(reason))  # AWS's text: its escape bytes shown, never sent
        self.set_class(failed, "-failed")
        self.update(text)
