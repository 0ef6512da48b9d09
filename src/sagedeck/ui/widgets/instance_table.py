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
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

from sagedeck.text.format import age
from sagedeck.ui.safe_text import text_line
from sagedeck.ui.view import columns as view_columns
from sagedeck.ui.view.columns import Cell, Column, Row
from sagedeck.ui.view.fleet import Fleet

# A full rebuild beats this many single removals (remove_row grows with the table).
REBUILD_THRESHOLD = 200
UNMEASURED_ROWS = 60  # rows on screen, guessed, before the table's first layout
KEPT_TEXTS = 20_000  # cells' Texts kept for reuse, then forgotten all at once


def cell_text(cell: Cell) -> Text:
    """A cell as the table shows it: one line, cut at the column's width."""
    text = text_line(cell.text, style=cell.style)
    text.no_wrap = True
    if cell.ellipsis:
        text.overflow = "ellipsis"
    return text


class InstanceTable(DataTable[Text]):
    """The live table. ``sync`` makes it show ``keys`` in order, touching only what changed."""

    DEFAULT_CSS = """
    InstanceTable { height: 1fr; }
    """

    def __init__(self, *, many_profiles: bool = False, id: str | None = None) -> None:
        super().__init__(cursor_type="row", id=id, cursor_foreground_priority="renderable")
        # Read when the table is made, not at import: a test can add a column.
        self._choose_columns(many_profiles)
        self.frame = 0
        self._now = datetime.fromtimestamp(0, UTC)  # of the last sync
        self._marked: set[str] = set()  # of the last sync
        # Equal cells share one Text (never changed once made): most cells repeat (a status, a
        # type, a region) and making a Text costs more than finding it.
        self._texts: dict[Cell, Text] = {}
        self._shown: dict[str, tuple[Text, ...]] = {}
        self._sources: dict[str, tuple[object, ...]] = {}  # what each shown row was made of
        self._stale_rows: set[RowKey] = set()  # updated since the last frame

    def _choose_columns(self, many_profiles: bool) -> None:
        self.many_profiles = many_profiles
        self.table_columns: tuple[Column, ...] = view_columns.shown_columns(many_profiles)
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
        sources = self._sources
        for key in keys:
            notebook = fleet.notebooks[key]
            platform, is_marked = fleet.platforms.get(key), key in marked
            # What the row's cells are made of: unchanged (most rows, most refreshes), the
            # cells are too, and building them for 1,000 rows was ~15 ms a refresh.
            source = (
                notebook,
                platform,
                is_marked,
                age(notebook.last_modified, now),
                self.frame if notebook.status.is_transitional else 0,
            )
            old = self._shown.get(key)
            if old is not None and sources.get(key) == source:
                continue
            sources[key] = source
            cells = self.row_cells(Row(notebook, platform, is_marked, now, self.frame))
            if old is None:
                self.add_row(*cells, key=key)
            else:
                for column, before, after in zip(self._column_keys, old, cells, strict=True):
                    if before != after:
                        self.update_cell(key, column, after)
            self._shown[key] = cells
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
            row = Row(notebook, fleet.platforms.get(key), key in self._marked, self._now, frame)
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
            arrow = (" ▼" if reverse else " ▲") if column.key == sorted_by.key else ""
            self.columns[ColumnKey(column.key)].label = Text(column.header + arrow, style="bold")
        self.refresh()
