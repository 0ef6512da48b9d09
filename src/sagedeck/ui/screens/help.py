"""``?``: every key of the screen it was opened from, by category, with the keymap applied."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from sagedeck.ui.keys import CATEGORIES
from sagedeck.ui.safe_text import text_line
from sagedeck.ui.screens.base import DeckModal

if TYPE_CHECKING:
    from textual.app import App, ComposeResult


@dataclass(frozen=True, slots=True)
class KeyHelp:
    category: str
    key: str
    description: str
    binding_id: str | None
    enabled: bool


def key_help(app: App[Any], screen: Screen[Any]) -> list[KeyHelp]:
    """The keys active on ``screen`` now (hidden actions, e.g. in read-only mode, left out)."""
    seen: set[tuple[str, str]] = set()
    entries: list[KeyHelp] = []
    for _key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or not binding.description:
            continue
        category = CATEGORIES.get(binding.id or "")
        if category is None:
            continue  # Textual's own (arrows, tab...): summed up in the screen's hints
        display = app.get_key_display(binding)
        marker = (display, binding.description)
        if marker in seen:
            continue
        seen.add(marker)
        entries.append(KeyHelp(category, display, binding.description, binding.id, active.enabled))
    return entries


# Columns of categories, widest layout first; another category gets a column of its own.
LAYOUT = [["Instance"], ["Fleet", "App"], ["View", "Manage"]]
GAP = 4  # columns between two columns of keys


def render_help(
    entries: Iterable[KeyHelp], width: int | None = None, console: Console | None = None
) -> Table:
    """Three columns: Instance | Fleet and App | View and Manage (and any other category after).
    With a ``width`` (and the ``console`` to measure with) that they overflow, the last two
    columns become one until they fit: fewer, longer columns, never keys cut off."""
    by_category: dict[str, list[KeyHelp]] = {}
    for entry in entries:
        by_category.setdefault(entry.category, []).append(entry)
    known = {c for column in LAYOUT for c in column}
    layout = [[c for c in column if c in by_category] for column in LAYOUT]
    layout = [column for column in layout if column]
    layout += [[c] for c in by_category if c not in known]
    cells = [_column(by_category, categories) for categories in layout]
    while width is not None and console is not None and len(cells) > 1:
        needed = sum(console.measure(cell).maximum for cell in cells) + GAP * (len(cells) - 1)
        if needed <= width:
            break
        layout[-2:] = [layout[-2] + layout[-1]]
        cells = [_column(by_category, categories) for categories in layout]
    outer = Table.grid(padding=(0, GAP))
    for _ in cells:
        outer.add_column(vertical="top")
    outer.add_row(*cells)
    return outer


def _column(by_category: dict[str, list[KeyHelp]], categories: list[str]) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(no_wrap=True)
    for category in categories:
        if table.row_count:
            table.add_row("", "")
        table.add_row(Text(category, style="bold underline"), "")
        for entry in by_category[category]:
            # Keys come from the user's keymap: text, never markup ("[" is a key).
            description = text_line(entry.description)
            if not entry.enabled:
                description.append(" (not now)", style="dim italic")
            table.add_row(text_line(entry.key), description)
    return table


NAVIGATION = Text.assemble(
    ("Move ", "bold"),
    "↑ ↓ j k, pgup pgdn, g G first/last; click a header to sort by it; tab moves to the "
    "detail pane and back.",
)
TABLE_FILTER = Text.assemble(
    ("Filter ", "bold"),
    "/ then a regex, searched in each column; ",
    ("!", "bold"),
    " first keeps the rows that don't match; enter keeps it, esc clears it.",
)
DASHBOARD_HINTS = (NAVIGATION, TABLE_FILTER)
REBINDING = Text.assemble(
    ("Keys ", "bold"),
    'are rebound by id in the config file\'s [keys] table, e.g. start = "S".',
)


def _room(columns: int) -> int:
    """The width left for the keys in a terminal ``columns`` wide: the box is at most 95% of
    it (help.tcss), less its border (1 + 1) and padding (2 + 2)."""
    return columns * 95 // 100 - 6


class HelpScreen(DeckModal[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", id="help_close"),
    ]

    def __init__(
        self, entries: list[KeyHelp], title: str = "Keys", hints: tuple[Text, ...] = ()
    ) -> None:
        """``hints``: the paragraphs of the screen it was opened from (its ``HELP_HINTS``)."""
        super().__init__()
        self._entries = entries
        self._title = title
        self._hints = hints

    def compose(self) -> ComposeResult:
        *apart, last = (*self._hints, REBINDING)
        if apart:
            last = Text("\n").join((apart.pop(), last))
        with VerticalScroll(id="help") as scroll:
            scroll.border_title = text_line(f"{self._title}  (esc closes)")
            yield Static(
                render_help(self._entries, _room(self.app.size.width), self.app.console), id="keys"
            )
            for hint in (*apart, last):
                yield Static(hint, classes="hints")

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
