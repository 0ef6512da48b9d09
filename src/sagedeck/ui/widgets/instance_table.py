"""The instance table: one row per notebook instance, updated in place by row key. Its
columns, and what each cell shows, are ``ui/view/columns.py``'s ``COLUMNS``; here they are
styled and kept up to date.

perf.md: a column whose width changes re-lays out the whole table (~185 ms a cell at 5,000
rows), ``str`` cells need markup parsing, and clearing and re-adding every row costs seconds.
So every column has a fixed width, every cell is a ``rich.text.Text``, a refresh touches only
the cells whose text changed, and the caller wraps a refresh in ``App.batch_update()``. A cell's
text is AWS's: sanitised (``ui/safe_text``), never markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

from sagedeck.models import NotebookStatus, NotebookSummary
from sagedeck.text.format import age, age_changes_at, cost_since
from sagedeck.ui.safe_text import text_line
from sagedeck.ui.view import columns as view_columns
from sagedeck.ui.view.columns import Cell, Column, Row
from sagedeck.ui.view.fleet import Fleet
from sagedeck.ui.widgets.deck_table import DeckTable

# A full rebuild beats this many single removals (remove_row grows with the table).
REBUILD_THRESHOLD = 200
UNMEASURED_ROWS = 60  # rows on screen, guessed, before the table's first layout
KEPT_TEXTS = 20_000  # cells' Texts kept for reuse, then forgotten all at once
# An empty table filled with more rows than this gets the first FIRST_ROWS before the first
# paint and the rest in chunks of FILL_CHUNK between paints: adding 5,000 rows at once
# (~0.3 s) delayed the first paint, and every key press meanwhile.
FIRST_ROWS = 200
FILL_CHUNK = 1_000


def _cents(price: float | None, notebook: NotebookSummary, now: datetime) -> int:
    if price is None or notebook.status is not NotebookStatus.IN_SERVICE:
        return 0
    return int(cost_since(price, notebook.last_modified, now) * 100)


def cell_text(cell: Cell) -> Text:
    """A cell as the table shows it: one line, cut at the column's width."""
    text = text_line(cell.text, style=cell.style)
    text.no_wrap = True
    if cell.ellipsis:
        text.overflow = "ellipsis"
    return text


@dataclass(frozen=True, slots=True)
class _Source:
    """What a shown row's cells were made of, and from when to when its age text holds."""

    notebook: NotebookSummary
    platform: str | None
    marked: bool
    age: str
    spin: int
    activity: object  # the row's Jupyter activity as last read (IDLE), or None
    price: float | None
    priced: bool
    cents: int  # RUN COST, in cents: it grows while the instance runs
    since: datetime
    until: datetime

    def same_cells(self, other: _Source) -> bool:
        return (
            self.notebook,
            self.platform,
            self.marked,
            self.age,
            self.spin,
            self.activity,
            self.price,
            self.priced,
            self.cents,
        ) == (
            other.notebook,
            other.platform,
            other.marked,
            other.age,
            other.spin,
            other.activity,
            other.price,
            other.priced,
            other.cents,
        )


class InstanceTable(DeckTable[Text]):
    """The live table. ``sync`` makes it show ``keys`` in order, touching only what changed."""

    DEFAULT_CSS = """
    InstanceTable { height: 1fr; }
    """

    def __init__(
        self,
        *,
        many_profiles: bool = False,
        id: str | None = None,
        hidden: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(cursor_type="row", id=id, cursor_foreground_priority="renderable")
        # Read when the table is made, not at import: a test can add a column. ``hidden``:
        # the keys of columns turned off by the settings.
        self._hidden = hidden
        self._choose_columns(many_profiles)
        self.frame = 0
        self._now = datetime.fromtimestamp(0, UTC)  # of the last sync
        self._marked: set[str] = set()  # of the last sync
        # Equal cells share one Text (never changed once made): most cells repeat (a status, a
        # type, a region) and making a Text costs more than finding it.
        self._texts: dict[Cell, Text] = {}
        self._shown: dict[str, tuple[Text, ...]] = {}
        self._sources: dict[str, _Source] = {}  # what each shown row was made of
        self._stale_rows: set[RowKey] = set()  # updated since the last frame
        self._fills = 0  # each sync starts a new fill: a later chunk of an older one is dropped
        self._fill_left = 0  # rows of the last sync not added yet

    def _choose_columns(self, many_profiles: bool) -> None:
        self.many_profiles = many_profiles
        self.table_columns: tuple[Column, ...] = tuple(
            column
            for column in view_columns.shown_columns(many_profiles)
            if column.key not in self._hidden
        )
        self._column_keys = tuple(column.key for column in self.table_columns)
        self._animated = tuple(column for column in self.table_columns if column.animated)

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for column in self.table_columns:
            self.add_column(Text(column.header, style="bold"), key=column.key, width=column.width)

    def show_profiles(self, many_profiles: bool) -> None:
        """PROFILE and ACCOUNT shown (several profiles) or not: the table starts over."""
        if many_profiles == self.many_profiles:
            return
        self._choose_columns(many_profiles)
        self.clear(columns=True)
        self._shown.clear()
        self._sources.clear()
        self._add_columns()

    def row_cells(self, row: Row) -> tuple[Text, ...]:
        if len(self._texts) > KEPT_TEXTS:
            self._texts.clear()
        return tuple([self._text(column.cell(row)) for column in self.table_columns])

    def _text(self, cell: Cell) -> Text:
        text = self._texts.get(cell)
        if text is None:
            text = self._texts[cell] = cell_text(cell)
        return text

    @property
    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None

    def rows_on_screen(self) -> tuple[int, int]:
        """The indexes of the first row on screen and of the row after the last one."""
        first = round(self.scroll_y)
        height = self.size.height - (self.header_height if self.show_header else 0)
        return first, first + (height if self.size.height else UNMEASURED_ROWS)

    def shown_keys(self) -> list[str]:
        return [row.key.value for row in self.ordered_rows if row.key.value is not None]

    def sync(
        self,
        fleet: Fleet,
        keys: Sequence[str],
        marked: set[str],
        now: datetime,
        frame: int = 0,
    ) -> None:
        """Show ``keys`` (already filtered and sorted) with their current values.

        Call inside ``App.batch_update()`` so the frame is painted once. The cursor stays on
        the instance it was on, wherever that row moves.
        """
        current = self.current_key
        self.frame = frame
        self._now, self._marked = now, marked
        self._fills += 1
        later: Sequence[str] = ()
        if not self._shown and len(keys) > FILL_CHUNK:
            keys, later = keys[:FIRST_ROWS], keys[FIRST_ROWS:]
        self._fill_left = len(later)
        wanted = set(keys)
        gone = [key for key in self._shown if key not in wanted]
        if len(gone) > REBUILD_THRESHOLD:
            self.clear()
            self._shown.clear()
            self._sources.clear()
        else:
            for key in gone:
                self.remove_row(key)
                del self._shown[key]
                self._sources.pop(key, None)
        for key in keys:
            self._show_row(fleet, key)
        if self.shown_keys() != list(keys):
            # DataTable.sort hands the key function cells, not the row key: a row is known by
            # its region and name cells as shown (a name is unique in its region).
            region, name = self._column_keys.index("region"), self._column_keys.index("name")
            position = {
                (self._shown[key][region].plain, self._shown[key][name].plain): index
                for index, key in enumerate(keys)
            }
            self.sort("region", "name", key=lambda cells: position[cells[0].plain, cells[1].plain])
        self.follow(current)
        if later:
            self._fill_later(fleet, later, self._fills)

    def _show_row(self, fleet: Fleet, key: str) -> None:
        """Add or update the row of ``key``, with the values of the last sync."""
        notebook = fleet.notebooks[key]
        platform, is_marked = fleet.platforms.get(key), key in self._marked
        activity = fleet.activity.get(key)
        prices = fleet.prices
        # as FleetPrices.price and .priced, inline: this runs for every row
        price_key = (notebook.region, notebook.instance_type)
        price = prices.known.get(price_key)
        priced = prices.problem is not None or price_key in prices.known
        spin = self.frame if notebook.status.is_transitional else 0
        now = self._now
        cents = _cents(price, notebook, now)
        old = self._shown.get(key)
        known = self._sources.get(key)
        # Unchanged (most rows, most refreshes): the same notebook (the fleet keeps an equal
        # one's object) before its age's text changes. Comparing fields and working out the
        # age of every row cost ~70 ms a refresh at 10,000 rows.
        if (
            old is not None
            and known is not None
            and known.notebook is notebook
            and known.since <= now < known.until
            and known.activity is activity
            and (known.price, known.priced, known.cents) == (price, priced, cents)
            and (known.platform, known.marked, known.spin) == (platform, is_marked, spin)
        ):
            return
        source = _Source(
            notebook,
            platform,
            is_marked,
            age(notebook.last_modified, now),
            spin,
            activity,
            price,
            priced,
            cents,
            now,
            age_changes_at(notebook.last_modified, now),
        )
        self._sources[key] = source
        if old is not None and known is not None and known.same_cells(source):
            return
        row = Row(notebook, platform, is_marked, now, self.frame, activity, price, priced)
        cells = self.row_cells(row)
        if old is None:
            self.add_row(*cells, key=key)
        else:
            for column, before, after in zip(self._column_keys, old, cells, strict=True):
                if before != after:
                    self.update_cell(key, column, after)
        self._shown[key] = cells

    def _fill_later(self, fleet: Fleet, keys: Sequence[str], fill: int) -> None:
        """Append ``keys`` (the end of a sync's, in order) a chunk after each paint, unless
        another sync came meanwhile (it shows every row itself)."""

        def more() -> None:
            if fill != self._fills or not self.is_attached:
                return
            with self.app.batch_update():
                for key in keys[:FILL_CHUNK]:
                    if key in fleet.notebooks:
                        self._show_row(fleet, key)
            self._fill_left = max(0, len(keys) - FILL_CHUNK)
            if self._fill_left:
                self._fill_later(fleet, keys[FILL_CHUNK:], fill)

        self.call_after_refresh(more)

    @property
    def filling(self) -> bool:
        """Rows of the last sync are still being added (tests wait for it)."""
        return self._fill_left > 0

    def follow(self, key: str | None) -> None:
        """Put the cursor back on ``key`` if it is still shown."""
        if key is None or key not in self._shown:
            return
        index = self.get_row_index(key)
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False)

    def animate_markers(self, fleet: Fleet, frame: int) -> bool:
        """Show spinner ``frame`` on transitional rows. False when nothing changed.

        The frame comes from the app's clock, so a frozen clock (snapshots) freezes it too.
        """
        if frame == self.frame:
            return False
        self.frame = frame
        moved = False
        for key, cells in self._shown.items():
            notebook = fleet.notebooks.get(key)
            if notebook is None or not notebook.status.is_transitional:
                continue
            prices = fleet.prices
            row = Row(
                notebook,
                fleet.platforms.get(key),
                key in self._marked,
                self._now,
                frame,
                fleet.activity.get(key),
                prices.price(notebook),
                prices.priced(notebook),
            )
            shown = list(cells)
            for column in self._animated:
                text = self._text(column.cell(row))
                self.update_cell(key, column.key, text)
                shown[self._column_keys.index(column.key)] = text
            self._shown[key] = tuple(shown)
            moved = True
        return moved

    # --- repainting only the rows that changed ----------------------------------------------

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: Text,
        *,
        update_width: bool = False,
    ) -> None:
        """As DataTable's, but only this row is repainted.

        DataTable keys every cached render by one update counter, so any ``update_cell`` makes
        the next frame render every visible cell again: ~40-50 ms at 200x50, on nearly every
        refresh (an age ticks somewhere each minute). Here the row's cached renders are dropped
        before the next frame and only its region is repainted. This leans on DataTable's
        private caches (Textual is pinned to 8.2); tests/ui/test_table_repaint.py fails if
        they change.
        """
        row = row_key if isinstance(row_key, RowKey) else RowKey(row_key)
        column = column_key if isinstance(column_key, ColumnKey) else ColumnKey(column_key)
        if update_width or row not in self._row_locations or column not in self._column_locations:
            super().update_cell(row, column, value, update_width=update_width)
            return
        self._data[row][column] = value
        self._stale_rows.add(row)
        self.refresh_row(self.get_row_index(row))

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """DataTable measures every cell of every new row for its column's width: ~0.1 s for
        1,000 rows, on the way to the first paint. Every column here has a fixed width (the
        measure is unused) and every row one line: only rows with a label or an automatic
        height (none today) still need it."""
        if any(column.auto_width for column in self.columns.values()):
            super()._update_dimensions(new_rows)
            return
        rows = self.rows
        super()._update_dimensions(
            [
                key
                for key in new_rows
                if key in rows and (rows[key].label is not None or rows[key].auto_height)
            ]
        )

    def _get_row_region(self, row_index: int) -> Region:
        """As DataTable's, without summing the heights of every row above it, which made each
        cursor move and each updated cell cost O(rows) (~1 ms at 10,000): every row here is
        one line (checked: the total height is the row count), so its y is its index."""
        if self._total_row_height != len(self.rows) or not self.is_valid_row_index(row_index):
            return super()._get_row_region(row_index)
        width = (
            sum(column.get_render_width(self) for column in self.columns.values())
            + self._row_label_column_width
        )
        y = row_index + (self.header_height if self.show_header else 0)
        return Region(0, y, max(self.size.width, width), 1)

    def _get_cell_region(self, coordinate: Coordinate) -> Region:
        """As DataTable's, with a one-line row's y from its index (see _get_row_region)."""
        if self._total_row_height != len(self.rows) or not self.is_valid_coordinate(coordinate):
            return super()._get_cell_region(coordinate)
        row = self._get_row_region(coordinate.row)
        column = self._get_column_region(coordinate.column)
        return Region(column.x, row.y, column.width, 1)

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._stale_rows:
            stale, self._stale_rows = self._stale_rows, set()
            indexes = {self._row_locations.get(row) for row in stale}
            caches: tuple[tuple[Any, int, set[Any]], ...] = (
                (self._cell_render_cache, 0, stale),  # (row key, column key, ...)
                (self._row_render_cache, 0, stale),  # (row key, line, ...)
                (self._row_renderable_cache, 1, indexes),  # (update count, row index)
            )
            for cache, position, rows in caches:
                # Textual's LRUCache is not iterable itself: its keys() is.
                for key in [key for key in cache.keys() if key[position] in rows]:  # noqa: SIM118
                    cache.discard(key)
            self._line_cache.clear()  # keyed by screen line, not row: cheap to rebuild
        return super().render_lines(crop)

    def show_sort(self, sorted_by: Column, reverse: bool) -> None:
        """Mark the sorted column's header (the width stays: the arrow fits the fixed width)."""
        for column in self.table_columns:
            if not column.header:
                continue
            arrow = ("▼" if reverse else "▲") if column.key == sorted_by.key else ""
            if arrow and len(column.header) + 2 <= column.width:
                arrow = " " + arrow  # else tight against it (RUN COST▲): the width is full
            self.columns[ColumnKey(column.key)].label = Text(column.header + arrow, style="bold")
        self.refresh()
