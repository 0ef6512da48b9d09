"""The table of the short list screens (lifecycle configurations, repositories, port forwards,
tags): a ``DataTable`` whose header keeps up with its columns' widths.

Textual 8.2's DataTable caches every rendered line under one update counter, which ``add_row``
bumps; the columns' widths are measured later, when the table is idle. A frame painted between
the two caches the header at the old widths, and nothing bumps the counter after the measure: the
header stays narrower than the rows under it until the next change (the symptom of textual#1026,
back through a race). Here the caches are dropped whenever a measure changes a width.
This leans on DataTable's private caches (Textual is pinned to 8.2); tests/ui/test_list_table.py
fails if they change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

CellType = TypeVar("CellType")


class ListTable(DataTable[CellType]):
    """A DataTable drawn again whenever its columns are measured to new widths."""

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        widths = [column.get_render_width(self) for column in self.columns.values()]
        super()._update_dimensions(new_rows)
        if widths != [column.get_render_width(self) for column in self.columns.values()]:
            # What the Resize that the new virtual size brings does, a frame later or never
            # (same virtual size): every cached render is keyed by this counter.
            self._update_count += 1
            self.refresh()
