"""The log widget: batches drawn even once the bounded buffer is full (what Textual 8.2.8's
``Log(max_lines=N)`` gets wrong), search highlighting, and the bound itself."""

from __future__ import annotations

import re

from rich.style import Style
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Log

from sagedeck.models import LogEvent
from sagedeck.text.logtext import EventRenderer, ViewOptions
from sagedeck.ui.widgets.log_view import LogView

BARE = ViewOptions(timestamps=False, show_stream=False)  # a line is the message


class LogApp(App[None]):
    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def events(messages: list[str], first: int = 0) -> list[LogEvent]:
    return [
        LogEvent(1714564800000 + first + i, "nb/jupyter.log", m, str(first + i))
        for i, m in enumerate(messages)
    ]


def numbered(start: int, count: int) -> list[LogEvent]:
    return events([f"line {n}" for n in range(start, start + count)], start)


def shown_numbers(app: App[None]) -> list[int]:
    """The line numbers the terminal shows now: the composited screen, not a fresh render."""
    svg = app.export_screenshot()
    return [int(n) for n in re.findall(r"line&#160;(\d+)", svg)]


async def test_lines_written_after_the_buffer_is_full_are_drawn() -> None:
    view = LogView(max_events=50, renderer=EventRenderer(BARE))
    app = LogApp(view)
    async with app.run_test(size=(40, 12)) as pilot:
        for batch in range(20):
            view.append(numbered(batch * 10, 10))
            await pilot.pause()
        assert view.line_count == 50
        assert shown_numbers(app)[-1] == 199


async def test_textual_log_still_has_the_max_lines_bug() -> None:
    """Why LogView repaints after every batch (a full buffer's line count, and so the scroll
    position, no longer change, so nothing else would). When this fails, Textual has fixed
    ``Log``; LogView's own refresh stays needed either way."""
    log = Log(max_lines=50)
    app = LogApp(log)
    async with app.run_test(size=(40, 12)) as pilot:
        for batch in range(20):
            log.write_lines([f"line {batch * 10 + i}" for i in range(10)])
            await pilot.pause()
        assert shown_numbers(app)[-1] != 199


async def test_the_buffer_stays_bounded() -> None:
    view = LogView(max_events=1000, renderer=EventRenderer(BARE))
    app = LogApp(view)
    async with app.run_test(size=(60, 12)) as pilot:
        for batch in range(30):
            view.append(numbered(batch * 100, 100))
        await pilot.pause()
        assert view.line_count == 1000
        assert len(view.events) == 1000
        assert view.lines[0] == "line 2000"
        assert view.lines[-1] == "line 2999"


async def test_the_bound_counts_events_and_keeps_their_lines_whole() -> None:
    view = LogView(max_events=10, renderer=EventRenderer(BARE))
    app = LogApp(view)
    async with app.run_test(size=(60, 12)) as pilot:
        view.append(events([f"event {i}\nsecond line of {i}" for i in range(25)]))
        await pilot.pause()
        assert len(view.events) == 10
        assert view.line_count == 20
        assert list(view.lines[:2]) == ["event 15", "second line of 15"]


async def test_pruning_keeps_the_lines_under_a_reader_who_scrolled_up() -> None:
    view = LogView(max_events=200, renderer=EventRenderer(BARE))
    app = LogApp(view)
    async with app.run_test(size=(40, 12)) as pilot:
        view.append(numbered(0, 200))
        await pilot.pause()
        view.scroll_to(y=100, animate=False, immediate=True)
        await pilot.pause()
        top = shown_numbers(app)[0]
        view.append(numbered(200, 30))  # 30 lines pruned from the top
        await pilot.pause()
        assert shown_numbers(app)[0] == top
        assert view.lines[0] == "line 30"


async def test_search_highlights_matches_and_walks_them() -> None:
    view = LogView(max_events=1000, renderer=EventRenderer(BARE))
    app = LogApp(view)
    async with app.run_test(size=(60, 12)) as pilot:
        view.append(
            events([f"line {i} {'ERROR boom' if i % 25 == 0 else 'ok'}" for i in range(100)])
        )
        await pilot.pause()
        view.set_search(re.compile("ERROR"))
        assert view.match_lines() == [0, 25, 50, 75]
        assert view.find(forward=False, start=view.line_count) == 75
        assert view.find(forward=False) == 50
        assert view.match_position() == (3, 4)
        assert view.find(forward=True) == 75
        assert view.find(forward=True) == 0  # wraps around
        await pilot.pause()
        rendered = view._line_strip(0, Style())
        styles = [seg.style for seg in rendered if seg.text == "ERROR"]
        assert styles
        assert styles[0] is not None
        assert styles[0].bgcolor is not None
        plain = view._line_strip(1, Style())
        assert all(seg.style is None or seg.style.bgcolor is None for seg in plain)
        # Matches in batches that came after the search are found too.
        view.append(events(["late ERROR"], 100))
        assert view.match_lines() == [0, 25, 50, 75, 100]
        assert view.find(forward=False, start=0) == 100  # wraps around backwards


async def test_long_lines_scroll_sideways_when_not_wrapping() -> None:
    view = LogView(max_events=100, renderer=EventRenderer(ViewOptions()))
    app = LogApp(view)
    async with app.run_test(size=(40, 12)) as pilot:
        long = "start " + "x" * 150 + " THE-END"
        view.append(events(["short", long, "tab\tbed " + "y" * 60]))
        await pilot.pause()
        assert view.virtual_size.width >= len(view.lines[1])
        view.scroll_to(x=view.max_scroll_x, animate=False, immediate=True)
        await pilot.pause()
        assert "THE-END" in app.export_screenshot().replace("&#160;", " ")


async def test_mouse_selection_copies_the_lines_selected() -> None:
    from textual.geometry import Offset
    from textual.selection import Selection

    view = LogView(max_events=100, renderer=EventRenderer(BARE))
    app = LogApp(view)
    async with app.run_test(size=(40, 12)) as pilot:
        view.append(numbered(0, 5))
        await pilot.pause()
        copied = view.get_selection(Selection(Offset(5, 1), Offset(6, 3)))
        assert copied == ("1\nline 2\nline 3", "\n")
        app.screen.selections = {view: Selection(Offset(0, 1), Offset(4, 1))}
        await pilot.pause()
        strip = view._line_strip(1, Style())
        assert strip.text == "line 1"
