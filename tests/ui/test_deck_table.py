"""The list screens' table: its header follows the widths measured after a frame was painted."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from sagedeck.ui.widgets.deck_table import DeckTable


class OneTable(App[None]):
    def __init__(self, table: DataTable[str]) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        yield self.table


async def header_after_a_frame_between_rows_and_measure(
    table: DataTable[str],
) -> tuple[str, str]:
    """The header line drawn after the idle measure and before the Resize that the measure's
    new virtual size brings, with a frame drawn between ``add_row`` and the measure: an order a
    busy screen can take (the lifecycle snapshot caught it in CI, 1 run in 6)."""
    app = OneTable(table)
    async with app.run_test(size=(80, 6)) as pilot:
        table.add_columns("NAME", "REGION")
        await pilot.pause()
        table.add_row("a-long-configuration-name", "eu-west-1")
        table.render_line(0)  # the frame in between: the header at the labels' widths
        await table._on_idle(events.Idle())  # the measure, as the table's idle runs it
        return table.render_line(0).text, table.render_line(1).text


async def test_the_header_is_as_wide_as_its_rows() -> None:
    header, row = await header_after_a_frame_between_rows_and_measure(DeckTable())
    assert header.index("REGION") == row.index("eu-west-1"), (header, row)


async def test_the_race_is_textuals() -> None:
    """DataTable itself keeps the narrow header: when this fails, Textual fixed the race and
    DeckTable can go."""
    header, row = await header_after_a_frame_between_rows_and_measure(DataTable())
    assert header.index("REGION") == len(" NAME  ") < row.index("eu-west-1")
