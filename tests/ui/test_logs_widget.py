"""The log widget: batches drawn even once the bounded buffer is full (Textual 8.2.8's
``max_lines`` bug), search highlighting, and the bound itself."""

from __future__ import annotations

import re

from rich.style import Style
from textual.app import App, ComposeResult
from textual.widgets import Log

from sagedeck.ui.widgets.log_view import LogView


class LogApp(App[None]):
    def __init__(self, widget: Log) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def shown_numbers(app: App[None]) -> list[int]:
    """The line numbers the terminal shows now: the composited screen, not a fresh render."""
    svg = app.export_screenshot()
    return [int(n) for n in re.findall(r"line&#160;(\d+)", svg)]


async def test_lines_written_after_the_buffer_is_full_are_drawn() -> None:
    view = LogView(max_lines=50)
    app = LogApp(view)
    async with app.run_test(size=(40, 12)) as pilot:
        for batch in range(20):
            view.append([f"line {batch * 10 + i}" for i in range(10)])
            await pilot.pause()
        assert view.line_count == 50
        assert shown_numbers(app)[-1] == 199


async def test_textual_log_still_has_the_max_lines_bug() -> None:
    """The reason for LogView.append's refresh(). When this fails, Textual has fixed the bug
    and the workaround can go."""
    log = Log(max_lines=50)
    app = LogApp(log)
    async with app.run_test(size=(40, 12)) as pilot:
        for batch in range(20):
            log.write_lines([f"line {batch * 10 + i}" for i in range(10)])
            await pilot.pause()
        assert shown_numbers(app)[-1] != 199


async def test_the_buffer_stays_bounded() -> None:
    view = LogView(max_lines=1000)
    app = LogApp(view)
    async with app.run_test(size=(60, 12)) as pilot:
        for batch in range(30):
            view.append([f"line {batch * 100 + i}" for i in range(100)])
        await pilot.pause()
        assert view.line_count == 1000
        assert view.lines[0] == "line 2000"
        assert view.lines[-1] == "line 2999"


async def test_search_highlights_matches_and_walks_them() -> None:
    view = LogView(max_lines=1000)
    app = LogApp(view)
    async with app.run_test(size=(60, 12)) as pilot:
        view.append([f"line {i} {'ERROR boom' if i % 25 == 0 else 'ok'}" for i in range(100)])
        await pilot.pause()
        view.set_search(re.compile("ERROR"))
        assert view.match_lines() == [0, 25, 50, 75]
        assert view.find(forward=False, start=len(view.lines)) == 75
        assert view.find(forward=False) == 50
        assert view.find(forward=True) == 75
        assert view.find(forward=True) == 0  # wraps around
        await pilot.pause()
        rendered = view._render_line_strip(0, Style())
        styles = [seg.style for seg in rendered if seg.text == "ERROR"]
        assert styles
        assert styles[0] is not None
        assert styles[0].bgcolor is not None
        plain = view._render_line_strip(1, Style())
        assert all(seg.style is None or seg.style.bgcolor is None for seg in plain)
