"""The instance table: one row per notebook instance, updated in place by row key.

perf.md: a column whose width changes re-lays out the whole table (~185 ms a cell at 5,000
rows), ``str`` cells need markup parsing, and clearing and re-adding every row costs seconds.
So every column has a fixed width, every cell is a ``rich.text.Text``, a refresh touches only
the cells whose text changed, and the caller wraps a refresh in ``App.batch_update()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

from sagedeck.models import NotebookStatus, NotebookSummary
from sagedeck.text.format import age
from sagedeck.ui.view.fleet import Fleet, SortColumn, shown_platform

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
# A full rebuild beats this many single removals (remove_row grows with the table).
REBUILD_THRESHOLD = 200
UNMEASURED_ROWS = 60  # rows on screen, guessed, before the table's first layout

STATUS_STYLE: dict[NotebookStatus, str] = {
    NotebookStatus.IN_SERVICE: "bold green",
    NotebookStatus.PENDING: "bold yellow",
    NotebookStatus.STOPPING: "yellow",
    NotebookStatus.STOPPED: "dim",
    NotebookStatus.FAILED: "bold red",
    NotebookStatus.DELETING: "magenta",
    NotebookStatus.UPDATING: "cyan",
}
STEADY_MARKER: dict[NotebookStatus, str] = {
    NotebookStatus.IN_SERVICE: "●",
    NotebookStatus.STOPPED: "○",
    NotebookStatus.FAILED: "✖",
}

# key, header, fixed width. The mark column is first; sortable columns carry a SortColumn key.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("mark", "", 1),
    (SortColumn.NAME, "NAME", 30),
    (SortColumn.STATUS, "STATUS", 12),
    (SortColumn.AGE, "IN STATE", 10),
    (SortColumn.TYPE, "TYPE", 16),
    (SortColumn.REGION, "REGION", 14),
    (SortColumn.LIFECYCLE, "LIFECYCLE", 18),
    (SortColumn.PLATFORM, "PLATFORM", 10),
)
COLUMN_KEYS = tuple(key for key, _label, _width in COLUMNS)


def status_text(status: NotebookStatus, frame: int) -> Text:
    marker = SPINNER[frame % len(SPINNER)] if status.is_transitional else STEADY_MARKER.get(status)
    style = STATUS_STYLE.get(status, "")
    return Text.assemble((f"{marker or '•'} ", style), (status.value, style), no_wrap=True)


def platform_text(platform: str | None) -> Text:
    if platform is None:
        return Text("…", style="dim")  # not described yet
    if not platform:
        return Text("-", style="dim")
    return Text(shown_platform(platform), no_wrap=True)


def row_cells(
    notebook: NotebookSummary, platform: str | None, marked: bool, now: datetime, frame: int
) -> tuple[Text, ...]:
    return (
        Text("✔", style="bold magenta") if marked else Text(" "),
        Text(notebook.name, style="bold" if marked else "", no_wrap=True, overflow="ellipsis"),
        status_text(notebook.status, frame),
        Text(age(notebook.last_modified, now), no_wrap=True),
        Text(notebook.instance_type, no_wrap=True),
        Text(notebook.region, no_wrap=True),
        Text(notebook.lifecycle_config, no_wrap=True, overflow="ellipsis")
        if notebook.lifecycle_config
        else Text("-", style="dim"),
        platform_text(platform),
    )


class InstanceTable(DataTable[Text]):
    """The live table. ``sync`` makes it show ``keys`` in order, touching only what changed."""

    DEFAULT_CSS = """
    InstanceTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", id=id, cursor_foreground_priority="renderable")
        self.frame = 0
        self._shown: dict[str, tuple[Text, ...]] = {}
        self._sources: dict[str, tuple[object, ...]] = {}  # what each shown row was made of
        self._stale_rows: set[RowKey] = set()  # updated since the last frame

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(Text(label, style="bold"), key=key, width=width)

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
            cells = row_cells(notebook, platform, is_marked, now, self.frame)
            if old is None:
                self.add_row(*cells, key=key)
            else:
                for column, before, after in zip(COLUMN_KEYS, old, cells, strict=True):
                    if before != after:
                        self.update_cell(key, column, after)
            self._shown[key] = cells
        if self.shown_keys() != list(keys):
            position = {key: index for index, key in enumerate(keys)}
            self.sort(
                SortColumn.REGION,
                SortColumn.NAME,
                key=lambda cells: position[f"{cells[0].plain}/{cells[1].plain}"],
            )
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
            status = status_text(notebook.status, self.frame)
            self.update_cell(key, SortColumn.STATUS, status)
            self._shown[key] = (*cells[:2], status, *cells[3:])
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

    def show_sort(self, column: SortColumn, reverse: bool) -> None:
        """Mark the sorted column's header (the width stays: the arrow fits the fixed width)."""
        for key, label, _width in COLUMNS:
            if not label:
                continue
            arrow = (" ▼" if reverse else " ▲") if key == column else ""
            self.columns[ColumnKey(key)].label = Text(label + arrow, style="bold")
        self.refresh()
