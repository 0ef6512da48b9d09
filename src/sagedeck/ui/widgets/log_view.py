"""The log view: Textual's ``Log`` fed in batches, with search highlighting.

``Log`` keeps plain strings and renders only the lines on screen, which is what lets it take
~200k lines/s in batches (perf.md; ``RichLog`` is ten times slower and unbounded). On top of it
this widget dims the timestamp column and highlights search matches, again only for the lines
on screen, and works around Textual 8.2.8's ``max_lines`` bug: once the buffer is full,
``write_lines`` prunes the top and refreshes rows *past* the end, so nothing visible repaints
until something else refreshes the widget. :meth:`append` refreshes after every batch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Log

_CONTROL = re.compile("[\u0000-\u0008\u000b-\u001f\u007f]")


class LogView(Log):
    """A bounded, batch-fed log with search highlighting."""

    class Jumped(Message):
        """The user jumped to the end (follow again) or to the top (stop following)."""

        def __init__(self, to_end: bool) -> None:
            super().__init__()
            self.to_end = to_end

    DEFAULT_CSS = """
    LogView {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(
        self, max_lines: int, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(
            highlight=False, max_lines=max_lines, auto_scroll=True, id=id, classes=classes
        )
        self.search: re.Pattern[str] | None = None
        self.current_match: int | None = None  # line index of the selected match
        self.dim_columns = 0  # leading cells drawn dim (the timestamp column)
        self._match_style = Style(bgcolor="yellow", color="black")
        self._current_style = Style(bgcolor="dark_orange", color="black", bold=True)
        self._dim_style = Style(dim=True)

    # --- feeding -------------------------------------------------------------------------------

    def append(self, lines: Sequence[str]) -> None:
        """Add one batch of lines. Never call this once per line (perf.md: ~100x slower)."""
        if not lines:
            return
        self.write_lines(lines)
        # Textual 8.2.8: with max_lines reached, the lines written are stored but not drawn
        # until something refreshes the widget.
        self.refresh()

    def replace(self, lines: Sequence[str], *, keep_end: bool = True) -> None:
        """Show ``lines`` instead of what is shown (a filter or format changed)."""
        self.clear()
        self.write_lines(lines, scroll_end=keep_end)
        self.refresh()

    def action_scroll_end(self) -> None:
        super().action_scroll_end()
        self.post_message(self.Jumped(to_end=True))

    def action_scroll_home(self) -> None:
        super().action_scroll_home()
        self.post_message(self.Jumped(to_end=False))

    # --- search --------------------------------------------------------------------------------

    def set_search(self, pattern: re.Pattern[str] | None) -> None:
        self.search = pattern
        self.current_match = None
        self.refresh()

    def match_lines(self) -> list[int]:
        """Indexes of the lines that match the search (one regex scan of the buffer)."""
        pattern = self.search
        if pattern is None:
            return []
        search = pattern.search
        return [i for i, line in enumerate(self.lines) if search(line)]

    def find(self, *, forward: bool, start: int | None = None) -> int | None:
        """The next (or previous) matching line after ``start`` (default: the current match,
        else the top of the view), wrapping around; selects it and scrolls to it."""
        pattern = self.search
        lines = self.lines
        if pattern is None or not lines:
            return None
        if start is None:
            start = self.current_match if self.current_match is not None else self._top_line() - 1
        count = len(lines)
        step = 1 if forward else -1
        index = start
        for _ in range(count):
            index = (index + step) % count
            if pattern.search(lines[index]):
                self.select_line(index)
                return index
        return None

    def select_line(self, index: int) -> None:
        self.current_match = index
        self.auto_scroll = False
        self.scroll_to(y=max(0, index - self.scrollable_content_region.height // 2), animate=False)
        self.refresh()

    def _top_line(self) -> int:
        return int(self.scroll_offset.y)

    # --- rendering -----------------------------------------------------------------------------

    def _render_line_strip(self, y: int, rich_style: Style) -> Strip:
        if self.text_selection is not None:
            return super()._render_line_strip(y, rich_style)
        raw = self.lines[y]
        line = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", raw.expandtabs()) if raw else raw
        text = Text(line, no_wrap=True, style=rich_style)
        if self.dim_columns:
            text.stylize(self._dim_style, 0, self.dim_columns)
        pattern = self.search
        if pattern is not None:
            style = self._current_style if y == self.current_match else self._match_style
            for match in pattern.finditer(line):
                if match.end() > match.start():
                    text.stylize(style, match.start(), match.end())
        return Strip(text.render(self.app.console), cell_len(line))
