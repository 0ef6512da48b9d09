"""What the log view shows around the log: which of the kept events (the streams and the line
filter chosen), and the title and status lines that say so. Plain data and ``Text`` (names,
the user's filter and the follower's errors are data, never markup): the screen puts them on
screen."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from sagedeck.aws.logs.client import stream_kind
from sagedeck.aws.logs.follow import FollowHealth, HealthState
from sagedeck.aws.logs.timewindow import describe_window
from sagedeck.models import LogEvent, NotebookKey, NotebookStatus, StreamChoice
from sagedeck.text.logtext import LineFilter
from sagedeck.text.sanitize import sanitize_line

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


_SEPARATOR = " · "


def title_text(
    key: NotebookKey, status: NotebookStatus, choice: EventChoice, window: str, local_time: bool
) -> Text:
    """The title line: the instance, its status, and what the view shows."""
    shown_window = {"start": "this start", "0": "tail"}.get(window) or describe_window(window)
    clock = "local time" if local_time else "UTC"
    rest = ("", status.value, f"streams: {choice.streams.value}", shown_window, clock)
    text = Text.assemble(
        (sanitize_line(key.name), "bold"),
        sanitize_line(f" ({key.region})"),
        _SEPARATOR.join(rest),
    )
    if choice.line_filter:
        text.append(f"{_SEPARATOR}filter: {sanitize_line(choice.line_filter.text)}")
    return text


def status_text(
    following: bool, held: int, lines: int, health: FollowHealth | None, search: str | None
) -> Text:
    """The status line: following or paused, the line count, the follower's trouble if any,
    and the search's matches (``search``, when a search is on)."""
    text = Text("following") if following else Text.assemble(("paused", "bold"), f" ({held} new)")
    text.append(f"{_SEPARATOR}{lines} lines")
    if health is not None and health.state not in (HealthState.FOLLOWING, HealthState.QUIET):
        wait = f", retry in {health.retry_in:.0f}s" if health.retry_in >= 1 else ""
        detail = f" {sanitize_line(health.detail)}{wait}".rstrip()
        text.append(_SEPARATOR)
        text.append(health.state.value, style="bold")
        text.append(detail)
    if search is not None:
        text.append(f"{_SEPARATOR}{sanitize_line(search)}")
    return text


def stopped_text(message: str) -> Text:
    """The status line once following has ended on an error."""
    return Text.assemble(("stopped:", "bold red"), " ", sanitize_line(message))
