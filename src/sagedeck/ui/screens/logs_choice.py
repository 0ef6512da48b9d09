"""What the log view shows around the log: which of the kept events (the streams and the line
filter chosen), and the title and status lines that say so. Plain data and markup strings:
the screen puts them on screen."""

from __future__ import annotations

from collections.abc import Iterable

from rich.markup import escape

from sagedeck.aws.logs.client import stream_kind
from sagedeck.aws.logs.follow import FollowHealth, HealthState
from sagedeck.aws.logs.timewindow import describe_window
from sagedeck.models import LogEvent, NotebookKey, NotebookStatus, StreamChoice
from sagedeck.text.logtext import LineFilter

_STREAM_CYCLE = (StreamChoice.ALL, StreamChoice.LIFECYCLE, StreamChoice.JUPYTER)


class EventChoice:
    """The streams and the line filter chosen: which of the kept events the view shows."""

    def __init__(self) -> None:
        self.streams = StreamChoice.ALL
        self.line_filter: LineFilter | None = None
        self._kinds: dict[str, StreamChoice] = {}  # stream name -> kind

    def next_streams(self) -> None:
        """``v``: all streams, then the lifecycle scripts', then jupyter.log's."""
        at = _STREAM_CYCLE.index(self.streams)
        self.streams = _STREAM_CYCLE[(at + 1) % len(_STREAM_CYCLE)]

    def pick(
        self, events: Iterable[LogEvent], top: LogEvent | None = None
    ) -> tuple[list[LogEvent], int | None]:
        """The events the current streams and filter show (one pass over up to 50,000); the
        index among them of ``top``, or of the first one after it."""
        streams = self.streams
        kinds = self._kinds
        line_filter = self.line_filter
        search = line_filter.pattern.search if line_filter else None
        inverted = line_filter.inverted if line_filter else False
        shown: list[LogEvent] = []
        anchor: int | None = None
        passed = top is None
        for event in events:
            if event is top:
                passed = True
            if streams is not StreamChoice.ALL:
                kind = kinds.get(event.stream)
                if kind is None:
                    kind = kinds[event.stream] = stream_kind(event.stream)
                if kind is not streams:
                    continue
            if search is not None and (search(event.message) is None) is not inverted:
                continue
            if passed and anchor is None:
                anchor = len(shown)
            shown.append(event)
        return shown, anchor


def title_markup(
    key: NotebookKey, status: NotebookStatus, choice: EventChoice, window: str, local_time: bool
) -> str:
    """The title line: the instance, its status, and what the view shows."""
    shown_window = {"start": "this start", "0": "tail"}.get(window) or describe_window(window)
    parts = [
        f"[b]{key.name}[/] ({key.region})",
        status.value,
        f"streams: {choice.streams.value}",
        shown_window,
        "local time" if local_time else "UTC",
    ]
    if choice.line_filter:
        parts.append(f"filter: {escape(choice.line_filter.text)}")
    return " · ".join(parts)


def status_markup(
    following: bool, held: int, lines: int, health: FollowHealth | None, search: str | None
) -> str:
    """The status line: following or paused, the line count, the follower's trouble if any,
    and the search's matches (``search``, when a search is on)."""
    follow = "following" if following else f"[b]paused[/] ({held} new)"
    parts = [follow, f"{lines} lines"]
    if health is not None and health.state not in (HealthState.FOLLOWING, HealthState.QUIET):
        wait = f", retry in {health.retry_in:.0f}s" if health.retry_in >= 1 else ""
        parts.append(f"[b]{health.state.value}[/] {escape(health.detail)}{wait}".strip())
    if search is not None:
        parts.append(escape(search))
    return " · ".join(parts)
