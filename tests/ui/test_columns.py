"""The table's columns are one list: the table, the sort, the filter, the platform look-ups
and the sort keys all read ``COLUMNS``, so a column added there shows up in each."""

from __future__ import annotations

import pytest
from textual.widgets.data_table import ColumnKey

from sagedeck.localaws import LocalAws
from sagedeck.models import RegionListing
from sagedeck.ui.keys import DASHBOARD_BINDINGS
from sagedeck.ui.view import columns
from sagedeck.ui.view.columns import Cell, Column, column_by_key, is_sortable, sort_column
from sagedeck.ui.view.fleet import Fleet, RowFilter, visible_keys
from sagedeck.ui.view.platforms import platforms_needed

from .support import SIZE, build_app, loaded, wait_for
from .test_fleet import NOW, nb

# A column only the tests have: how many characters the name has.
CHARS = Column(
    "chars",
    "CHARS",
    8,
    lambda row: Cell(f"{len(row.notebook.name)} chars"),
    sort=lambda notebook, _platform: len(notebook.name),
    search=lambda notebook, _platform: f"{len(notebook.name)} chars",
)


@pytest.fixture
def with_chars(monkeypatch: pytest.MonkeyPatch) -> None:
    """CHARS second, after the mark: every column after it moves one place."""
    first, *rest = columns.COLUMNS
    monkeypatch.setattr(columns, "COLUMNS", (first, CHARS, *rest))


def names(keys: list[str]) -> list[str]:
    return [key.split("/")[1] for key in keys]


def test_every_sort_key_names_a_sortable_column() -> None:
    actions = [b.action for b in DASHBOARD_BINDINGS if b.action.startswith("sort(")]
    assert len(actions) == 7
    for action in actions:
        assert is_sortable(action.removeprefix("sort('").removesuffix("')")), action
    assert not is_sortable("mark")
    with pytest.raises(ValueError, match="mark"):
        sort_column("mark")


@pytest.mark.usefixtures("with_chars")
def test_an_added_column_sorts_and_filters() -> None:
    fleet = Fleet()
    fleet.apply([RegionListing("us-east-1", (nb("abc"), nb("a"), nb("ab")))], NOW)
    every = RowFilter()
    assert names(visible_keys(fleet, every, sort_column("chars"), False)) == ["a", "ab", "abc"]
    assert names(visible_keys(fleet, every, sort_column("chars"), True)) == ["abc", "ab", "a"]
    name = column_by_key("name")
    assert names(visible_keys(fleet, RowFilter.parse("^2 chars$"), name, False)) == ["ab"]
    assert names(visible_keys(fleet, RowFilter.parse("!^2 chars$"), name, False)) == ["a", "abc"]


def test_the_platform_look_ups_read_the_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns, "COLUMNS", (*columns.COLUMNS, CHARS))  # after PLATFORM
    fleet = Fleet()
    fleet.apply([RegionListing("us-east-1", (nb("ab"), nb("abc"), nb("abcd")))], NOW)
    shown = visible_keys(fleet, RowFilter(), column_by_key("name"), False)
    # A filter that could match a platform: the rows it finds in a column the listing fills
    # (CHARS too) are decided without a describe.
    wanted = platforms_needed(fleet, shown, (0, 0), RowFilter.parse("^2 chars$|al2"), CHARS)
    assert names(wanted) == ["abc", "abcd"]
    # Sorted by a column the describe fills: every row shown is needed; by one the listing
    # fills, only the window.
    described = Column("p", "P", 6, lambda row: Cell(""), sort=lambda _n, p: p, described=True)
    assert names(platforms_needed(fleet, shown, (0, 1), RowFilter(), described)) == names(shown)
    assert names(platforms_needed(fleet, shown, (0, 1), RowFilter(), CHARS)) == ["ab"]


@pytest.mark.usefixtures("with_chars")
async def test_an_added_column_is_in_the_table_sortable_and_filterable(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        table = board.table
        labels = [column.label.plain for column in table.columns.values()]
        assert labels[:3] == ["", "CHARS", "NAME ▲"]
        assert table.columns[ColumnKey("chars")].width == 8
        assert table.get_cell("us-east-1/nb", "chars").plain == "2 chars"
        assert table.get_cell("us-east-1/nb", "name").plain == "nb"  # the others kept theirs
        await pilot.click("#instances", offset=(4, 0))  # the CHARS header
        await wait_for(pilot, lambda: board.sort_column is CHARS, what="sorted by CHARS")
        assert table.columns[ColumnKey("chars")].label.plain == "CHARS ▲"
        lengths = [len(name) for name in names(table.shown_keys())]
        assert lengths == sorted(lengths)
        await pilot.press("slash", *"^2 chars$")
        await wait_for(pilot, lambda: board.row_filter.text == "^2 chars$", what="the filter")
        shown = names(table.shown_keys())
        assert shown
        assert all(len(name) == 2 for name in shown)
        assert len(shown) == sum(len(nb.name) == 2 for nb in board.fleet.notebooks.values())
