"""The instance table repaints only the rows whose cells changed (DataTable would re-render every
visible cell on any update: docs/performance.md), what it paints is never a stale render, and
it knows its size without measuring every new cell.

It leans on DataTable's private render caches: if a Textual upgrade changes them, these fail.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.widgets import DataTable, Static

from sagedeck.models import NotebookStatus, NotebookSummary, RegionListing
from sagedeck.ui.view.fleet import Fleet
from sagedeck.ui.widgets.instance_table import FILL_CHUNK, FIRST_ROWS, InstanceTable

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield InstanceTable(id="instances")


def fleet_of(count: int, status: NotebookStatus = NotebookStatus.STOPPED) -> Fleet:
    notebooks = tuple(
        NotebookSummary(
            name=f"nb-{index:03d}",
            arn=f"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-{index:03d}",
            region="us-east-1",
            status=status,
            instance_type="ml.t3.medium",
            url=None,
            created=NOW - timedelta(days=3),
            last_modified=NOW - timedelta(hours=5),
        )
        for index in range(count)
    )
    fleet = Fleet()
    fleet.apply([RegionListing("us-east-1", notebooks)], NOW)
    return fleet


def screen_text(app: App[None]) -> str:
    """What the whole screen shows, rendered from the widgets' caches as a frame would be."""
    return app.export_screenshot().replace("&#160;", " ")


async def test_an_update_repaints_its_row_and_nothing_is_stale() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 12)) as pilot:
        table = app.query_one(InstanceTable)
        fleet = fleet_of(30)
        keys = sorted(fleet.notebooks)
        table.sync(fleet, keys, set(), NOW)
        await pilot.pause()
        assert "Stopped" in screen_text(app)
        # New rows are not measured (fixed-width columns), yet the table knows its size.
        assert table.virtual_size.height == 30 + 1  # the rows and the header
        assert table.virtual_size.width == sum(
            c.get_render_width(table) for c in table.columns.values()
        )
        full_invalidations = table._update_count

        table.update_cell(keys[2], "status", Text("Changed-2"))
        table.update_cell(keys[25], "status", Text("Changed-25"))  # off screen
        await pilot.pause()

        assert table._update_count == full_invalidations  # no every-cell re-render
        shown = screen_text(app)
        assert "Changed-2" in shown
        assert "Changed-25" not in shown
        assert shown.count("Stopped") >= 5  # the other rows are still drawn
        table.move_cursor(row=25)
        await pilot.pause()
        assert "Changed-25" in screen_text(app)  # rendered when it scrolls into view
        table.update_cell(keys[24], "status", Text("Changed-24"))  # scrolled: visible
        await pilot.pause()
        assert "Changed-24" in screen_text(app)


async def test_a_refresh_that_changes_a_status_shows_it() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 12)) as pilot:
        table = app.query_one(InstanceTable)
        fleet = fleet_of(10)
        keys = sorted(fleet.notebooks)
        table.sync(fleet, keys, set(), NOW)
        await pilot.pause()
        assert "InService" not in screen_text(app)
        fleet.apply(
            [
                RegionListing(
                    "us-east-1", tuple(fleet_of(10, NotebookStatus.IN_SERVICE).notebooks.values())
                )
            ],
            NOW,
        )
        table.sync(fleet, keys, set(), NOW)
        await pilot.pause()
        assert screen_text(app).count("InService") == 10


async def test_a_big_first_fill_paints_its_first_rows_first_then_the_rest_in_order() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 12)) as pilot:
        table = app.query_one(InstanceTable)
        count = FILL_CHUNK * 2 + 300
        fleet = fleet_of(count)
        keys = sorted(fleet.notebooks, reverse=True)  # any order the screen asks for
        table.sync(fleet, keys, set(), NOW)
        assert table.row_count == FIRST_ROWS  # what the first paint has to lay out
        assert table.filling
        while table.filling:
            await pilot.pause()
        assert table.row_count == count
        assert table.shown_keys() == keys


async def test_a_sync_during_a_fill_shows_every_row_itself() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 12)) as pilot:
        table = app.query_one(InstanceTable)
        fleet = fleet_of(FILL_CHUNK * 3)
        keys = sorted(fleet.notebooks)
        table.sync(fleet, keys, set(), NOW)
        assert table.filling  # its next chunk waits for the next paint
        fewer = keys[::2]
        table.sync(fleet, fewer, set(), NOW)
        assert not table.filling
        assert table.shown_keys() == fewer
        for _ in range(5):  # the older fill's next chunk, if any, must add nothing
            await pilot.pause()
        assert table.shown_keys() == fewer


async def test_row_regions_are_data_table_s_without_the_sum_over_rows() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 12)) as pilot:
        table = app.query_one(InstanceTable)
        fleet = fleet_of(50)
        table.sync(fleet, sorted(fleet.notebooks), set(), NOW)
        await pilot.pause()
        for index in (0, 1, 17, 49, 50):
            assert table._get_row_region(index) == DataTable._get_row_region(table, index)
            for column in (0, 3):
                at = Coordinate(index, column)
                assert table._get_cell_region(at) == DataTable._get_cell_region(table, at)


class PaneApp(App[None]):
    """The table beside a pane, as the dashboard's table beside its detail pane."""

    CSS = "#pane { width: 60; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield InstanceTable(id="instances")
            yield Static("detail", id="pane")


def cursor_line_colours(table: InstanceTable) -> tuple[object, object]:
    """The background of the cursor row's first and last cell, as the next frame paints them
    (from the table's cached lines)."""
    y = table.header_height + table.cursor_row - round(table.scroll_y)
    (strip,) = table.render_lines(Region(0, y, table.size.width, 1))
    cells = [segment for segment in strip if segment.text and segment.style]
    first, last = cells[0].style, cells[-1].style
    assert first is not None
    assert last is not None
    return first.bgcolor, last.bgcolor


async def test_a_table_that_widens_repaints_its_rows_at_the_new_width() -> None:
    """Hiding the pane widens the table past its columns: the cursor row's colour then reaches
    the new right edge. DataTable re-keys its row caches on the Resize without repainting, and
    the frame at the new width is painted before it from rows cached at the old width: that
    frame stayed until something else repainted the table."""
    app = PaneApp()
    async with app.run_test(size=(200, 12)) as pilot:
        table = app.query_one(InstanceTable)
        fleet = fleet_of(5)
        table.sync(fleet, sorted(fleet.notebooks), set(), NOW)
        await pilot.pause()
        narrow = table.size.width
        assert narrow < table.virtual_size.width  # the columns do not fit beside the pane
        app.query_one("#pane").display = False
        await pilot.pause()
        assert table.size.width > table.virtual_size.width  # room to spare after the columns
        await pilot.pause()
        first, last = cursor_line_colours(table)
        assert last == first  # the cursor's colour, out to the edge
