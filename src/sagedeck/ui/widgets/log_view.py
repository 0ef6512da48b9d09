"""The log view: the kept events, drawn line by line as they come on screen.

The widget keeps events, not lines ("parse only what is shown"): a line is rendered by the
:class:`EventRenderer` when it is drawn (46 lines on a 50-row terminal), never for the whole
buffer. What it keeps per event is where its lines start (prefix sums of
:meth:`EventRenderer.line_count`, bisected from a screen row to an event and a line of it).
So ``t`` and ``u`` cost the lines on screen, whatever the buffer holds: they change neither
the events nor their line counts. ``j``, ``w`` (and ``t`` while wrapping) count the lines of
every kept event again, which is cheap next to rendering them (no JSON parse unless a message
looks like JSON). A filter or stream choice gives the view another list of events.

It refreshes after every batch: pruning the top of a full buffer moves every line under the
screen, which Textual 8.2.8's ``Log(max_lines=N)`` forgot to repaint
(``tests/ui/test_logs_widget.py``). Tabs are expanded and control characters (C0, C1, bidi
overrides) shown as visible stand-ins (:func:`~sagedeck.text.sanitize.sanitize_line`): a
notebook's own code writes these lines, and an escape sequence in one must not reach the
terminal. The time column is dim; search matches are highlighted, the selected one brighter.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from typing import overload

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from sagedeck.models import LogEvent
from sagedeck.text.logtext import EventRenderer, ViewOptions
from sagedeck.text.sanitize import sanitize_line


class RenderedLines(Sequence[str]):
    """The view's lines as text, rendered when read: for the save key and the tests.
    Iterating renders every event once, without disturbing the view's cache."""

    def __init__(self, view: LogView) -> None:
        self._view = view

    def __len__(self) -> int:
        return self._view.line_count

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        count = len(self)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(index)
        return self._view.line(index)

    def __iter__(self) -> Iterator[str]:
        view = self._view
        for event in list(view.events):
            yield from view.renderer.render(event)


class LogView(ScrollView, can_focus=True):
    """A bounded, batch-fed log of events, drawn on demand, with search highlighting."""

    ALLOW_SELECT = True

    class Jumped(Message):
        """The user jumped to the end (follow again) or to the top (stop following)."""

        def __init__(self, to_end: bool) -> None:
            super().__init__()
            self.to_end = to_end

    DEFAULT_CSS = """
    LogView {
        height: 1fr;
        background: $surface;
        color: $text;
        overflow: scroll;
        scrollbar-size-vertical: 1;
        &:focus {
            background-tint: $foreground 5%;
        }
    }
    """

    def __init__(
        self,
        max_events: int,
        renderer: EventRenderer | None = None,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.max_events = max_events
        self.renderer = renderer or EventRenderer(ViewOptions())
        self.auto_scroll = True  # new lines scroll the view to the end, if it was there
        self.events: list[LogEvent] = []
        # Lines are numbered from the view's creation (never renumbered by pruning, so a
        # match or a cached line keeps its number): ``_starts[i]`` is the first line of
        # ``events[i]``, ``_base`` the first line kept, ``_end`` the line after the last.
        self._starts: list[int] = []
        self._base = 0
        self._end = 0
        self._first_seq = 0  # events are numbered the same way, for the cache
        self._body_width = 0  # the widest message seen (an estimate), prefix left out
        self._cache: LRUCache[int, list[str]] = LRUCache(1024)
        self.search: re.Pattern[str] | None = None
        self._current: int | None = None  # the selected match's line
        self._matches: list[int] | None = None  # lines matching the search, found when asked
        self._match_style = Style(bgcolor="yellow", color="black")
        self._current_style = Style(bgcolor="dark_orange", color="black", bold=True)
        self._dim_style = Style(dim=True)

    # --- what is kept --------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        return self._end - self._base

    @property
    def lines(self) -> RenderedLines:
        return RenderedLines(self)

    def line(self, index: int) -> str:
        """Line ``index`` (0: the first kept), rendered now or taken from the cache."""
        number = self._base + index
        position = bisect_right(self._starts, number) - 1
        lines = self._event_lines(position)
        return lines[min(number - self._starts[position], len(lines) - 1)]

    def _event_lines(self, position: int) -> list[str]:
        key = self._first_seq + position
        lines = self._cache.get(key)
        if lines is None:
            lines = self.renderer.render(self.events[position])
            self._cache[key] = lines
        return lines

    def _locate(self, index: int) -> tuple[int, int]:
        """(event position, line within it) of line ``index``."""
        number = self._base + index
        position = bisect_right(self._starts, number) - 1
        return position, number - self._starts[position]

    # --- feeding -------------------------------------------------------------------------------

    def append(self, events: Sequence[LogEvent]) -> None:
        """Add one batch of events (one call per batch: each call repaints the view)."""
        if not events:
            return
        at_end = self.is_vertical_scroll_end
        first_new = len(self.events)
        self._end, self._body_width = self.renderer.number_lines(
            events, self._starts, self._end, self._body_width
        )
        self.events.extend(events)
        if self._matches is not None:
            self._matches.extend(self._scan(first_new))
        pruned = self._prune()
        self._resize()
        if self.auto_scroll and at_end and not self.is_vertical_scrollbar_grabbed:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        elif pruned:
            # The same lines stay under the reader (the top of the buffer went away).
            self.scroll_to(y=max(0, self.scroll_offset.y - pruned), animate=False, immediate=True)
        # Every batch repaints: pruning moved every line on screen (the Log bug, above).
        self.refresh()

    def _prune(self) -> int:
        """Drop the oldest events past ``max_events``; how many lines went."""
        extra = len(self.events) - self.max_events
        if extra <= 0:
            return 0
        new_base = self._starts[extra] if extra < len(self._starts) else self._end
        del self.events[:extra]
        del self._starts[:extra]
        self._first_seq += extra
        pruned, self._base = new_base - self._base, new_base
        return pruned

    def clear(self) -> None:
        self.events.clear()
        self._starts.clear()
        self._base = self._end
        self._body_width = 0
        self._cache.clear()
        self._matches = None
        self._current = None
        self._resize()
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def replace(self, events: Sequence[LogEvent], *, top: int | None = None) -> None:
        """Show ``events`` instead (a filter or the stream choice changed). Following, the
        view stays at the end; else ``events[top]`` comes to the top (the event that was
        there, or the first one after it that is still shown)."""
        self.events = list(events[-self.max_events :])
        if top is not None:
            top = max(0, top - (len(events) - len(self.events)))
        self._cache.clear()
        self._matches = None
        self._current = None
        self._body_width = 0
        self._recount()
        self._place(None if self.auto_scroll or top is None else (top, 0))

    def set_renderer(self, renderer: EventRenderer) -> None:
        """Draw with other options. Same line counts (``t`` or ``u`` without wrapping): only
        the lines on screen are drawn again. Else every event's lines are counted again,
        and the event at the top stays there (or the end, when following)."""
        same_counts = renderer.count_key == self.renderer.count_key
        self.renderer = renderer
        self._cache.clear()
        self._matches = None
        if same_counts:
            self._resize()
            self.refresh()
            return
        top = self._locate(self.scroll_offset.y) if self.events else None
        current = None
        if self._current is not None and self._current >= self._base:
            current = self._locate(self._current - self._base)
        self._recount()
        if current is not None:
            self._current = self._starts[current[0]] + min(
                current[1], self._line_count_of(current[0]) - 1
            )
        self._place(None if self.auto_scroll else top)

    def top_event(self) -> LogEvent | None:
        """The event whose line is at the top of the view."""
        if not self.events:
            return None
        return self.events[self._locate(self.scroll_offset.y)[0]]

    def _line_count_of(self, position: int) -> int:
        following = position + 1
        end = self._starts[following] if following < len(self._starts) else self._end
        return end - self._starts[position]

    def _recount(self) -> None:
        """Number every line again, from 0, under the current options."""
        starts: list[int] = []
        end, self._body_width = self.renderer.number_lines(self.events, starts, 0, self._body_width)
        self._starts, self._base, self._end = starts, 0, end

    def _place(self, anchor: tuple[int, int] | None) -> None:
        """After a recount: to the end (no anchor), or event ``anchor[0]``'s line ``anchor[1]``
        at the top."""
        self._resize()
        if anchor is None or not self.events:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            position, line = anchor
            line = min(line, self._line_count_of(position) - 1)
            self.scroll_to(
                y=self._starts[position] - self._base + line, animate=False, immediate=True
            )
        self.refresh()

    def _resize(self) -> None:
        wrap = self.renderer.options.wrap_width
        width = wrap if wrap else self.renderer.prefix_width + self._body_width
        self.virtual_size = Size(width if self.events else 0, self.line_count)

    def action_scroll_end(self) -> None:
        super().action_scroll_end()
        self.post_message(self.Jumped(to_end=True))

    def action_scroll_home(self) -> None:
        super().action_scroll_home()
        self.post_message(self.Jumped(to_end=False))

    # --- search --------------------------------------------------------------------------------

    def set_search(self, pattern: re.Pattern[str] | None) -> None:
        self.search = pattern
        self._current = None
        self._matches = None
        self.refresh()

    @property
    def current_match(self) -> int | None:
        """The selected match's line index, if it is still kept."""
        current = self._current
        return None if current is None or current < self._base else current - self._base

    def _scan(self, first: int) -> list[int]:
        """The lines of ``events[first:]`` that match the search."""
        pattern = self.search
        if pattern is None:
            return []
        search = pattern.search
        render = self.renderer.render
        starts = self._starts
        found = []
        for position in range(first, len(self.events)):
            lines = render(self.events[position])
            if len(lines) == 1:
                if search(lines[0]):
                    found.append(starts[position])
                continue
            found.extend(starts[position] + i for i, line in enumerate(lines) if search(line))
        return found

    def _match_numbers(self) -> list[int]:
        """The matching lines still kept (one scan of the buffer, then kept up to date as
        batches come, until the search or the options change)."""
        if self._matches is None:
            self._matches = self._scan(0)
        matches = self._matches
        gone = bisect_left(matches, self._base)
        if gone:
            del matches[:gone]
        return matches

    def match_lines(self) -> list[int]:
        """Indexes of the lines that match the search."""
        base = self._base
        return [number - base for number in self._match_numbers()] if self.search else []

    def match_position(self) -> tuple[int | None, int]:
        """(1-based rank of the selected match or None, number of matches)."""
        if self.search is None:
            return None, 0
        matches = self._match_numbers()
        current = self._current
        if current is not None:
            rank = bisect_left(matches, current)
            if rank < len(matches) and matches[rank] == current:
                return rank + 1, len(matches)
        return None, len(matches)

    def find(self, *, forward: bool, start: int | None = None) -> int | None:
        """The next (or previous) matching line after ``start`` (default: the current match,
        else the top of the view), wrapping around; selects it and scrolls to it."""
        if self.search is None or not self.events:
            return None
        matches = self._match_numbers()
        if not matches:
            return None
        if start is None:
            current = self.current_match
            start = current if current is not None else self.scroll_offset.y - 1
        number = self._base + start
        if forward:
            rank = bisect_right(matches, number)
            found = matches[rank if rank < len(matches) else 0]
        else:
            rank = bisect_left(matches, number) - 1
            found = matches[rank if rank >= 0 else -1]
        self.select_line(found - self._base)
        return found - self._base

    def select_line(self, index: int) -> None:
        self._current = self._base + index
        self.auto_scroll = False
        self.scroll_to(y=max(0, index - self.scrollable_content_region.height // 2), animate=False)
        self.refresh()

    # --- selection (mouse) ---------------------------------------------------------------------

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract("\n".join(self.lines)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    # --- rendering -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        rich_style = self.rich_style
        if index >= self.line_count:
            return Strip.blank(width, rich_style)
        strip = self._line_strip(index, rich_style)
        return strip.crop_extend(scroll_x, scroll_x + width, rich_style).apply_offsets(
            scroll_x, index
        )

    def _line_strip(self, index: int, rich_style: Style) -> Strip:
        line = _shown(self.line(index))
        text = Text(line, no_wrap=True, style=rich_style)
        dim = self.renderer.dim_width
        if dim:
            text.stylize(self._dim_style, 0, dim)
        pattern = self.search
        if pattern is not None:
            current = self._base + index == self._current
            style = self._current_style if current else self._match_style
            for match in pattern.finditer(line):
                if match.end() > match.start():
                    text.stylize(style, match.start(), match.end())
        selection = self.text_selection
        if selection is not None:
            span = selection.get_span(index)
            if span is not None:
                start, end = span
                selected = self.screen.get_component_rich_style("screen--selection")
                text.stylize(selected, start, len(line) if end == -1 else end)
        return Strip(text.render(self.app.console), cell_len(line))


def _shown(line: str) -> str:
    """A line as the terminal shows it: tabs expanded, control characters visible."""
    if "\t" in line:
        line = line.expandtabs()
    return sanitize_line(line)
