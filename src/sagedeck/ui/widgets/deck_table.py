"""Every table of the app (the instances, lifecycle configurations, repositories, port
forwards, tags): a ``DataTable`` that never shows rows drawn for another width.

Textual 8.2's DataTable caches every rendered line under one update counter. Two orders leave a
stale picture on screen until something else repaints:
- ``add_row`` bumps the counter, but the columns are measured later, when the table is idle; a
  frame painted between the two caches the header at the old widths, and nothing bumps the
  counter after the measure (the symptom of textual#1026, back through a race). Here the counter
  moves whenever a measure changes a width.
- a Resize bumps the counter but repaints nothing, and the frame at the new size was already
  painted from rows cached at the old one (hiding the detail pane: the cursor row's colour
  stopped where the narrower table ended). Here a resize repaints.
This leans on DataTable's private caches (Textual is pinned to 8.2); tests/ui/test_deck_table.py
and tests/ui/test_table_repaint.py fail if they change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

CellType = TypeVar("CellType")


class DeckTable(DataTable[CellType]):
    """A DataTable drawn again when resized or when its columns are measured to new widths."""

    def on_resize(self) -> None:
        self.refresh()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        widths = [column.get_render_width(self) for column in self.columns.values()]
        super()._update_dimensions(new_rows)
        if widths != [column.get_render_width(self) for column in self.columns.values()]:
            # What the Resize that the new virtual size brings does, a frame later or never
            # (same virtual size): every cached render is keyed by this counter.
            self._update_count += 1
            self.refresh()
