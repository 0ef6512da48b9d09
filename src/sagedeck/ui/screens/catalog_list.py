"""What the lifecycle-configuration and Git-repository screens share: a heading, a table of
entries by key, the selected entry's detail below, a reload worker, refresh and close, and the
checks that hide the changes in read-only mode.

Over several profiles the table lists every profile's entries (read at once), with a PROFILE
column; a profile that cannot answer is one line under the heading and hides no other's. A
change goes through :meth:`CatalogListScreen.services_of` the entry, so it reaches the account
that holds it; a new entry goes to the profile the form names (the selected entry's at first).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from rich.text import Text
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from sagedeck.aws.across import Listed, across_profiles
from sagedeck.ui.keys import CATALOG_MUTATING
from sagedeck.ui.safe_text import text_line, text_lines
from sagedeck.ui.screens.base import DeckScreen
from sagedeck.ui.widgets.deck_table import DeckTable
from sagedeck.ui.widgets.footer import DeckFooter

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.app import ComposeResult

    from sagedeck.aws.across import Across
    from sagedeck.aws.services import AwsServices

E = TypeVar("E", bound=Listed)
PROFILE_COLUMN = ("profile", "PROFILE")


def where(region: str, profile: str | None) -> str:
    """``us-east-1``, or ``us-east-1 (profile research)`` when several profiles are listed."""
    return region if profile is None else f"{region} (profile {profile})"


class CatalogListScreen(DeckScreen[None], Generic[E]):
    DEFAULT_CSS = """
    CatalogListScreen #problems {
        height: auto;
        padding: 0 1;
        color: $warning;
    }
    """

    TITLE_TEXT: ClassVar[str] = ""  # "Lifecycle configurations"
    LISTING: ClassVar[str] = ""  # the reload worker's description
    EMPTY: ClassVar[str] = ""  # the detail when nothing is selected
    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = ()
    BOX_ID: ClassVar[str] = ""
    TABLE_ID: ClassVar[str] = ""
    PANE_ID: ClassVar[str] = ""
    TEXT_ID: ClassVar[str] = ""

    def __init__(self, services: AwsServices, *, read_only: bool) -> None:
        super().__init__()
        self.services = services
        self.read_only = read_only
        self.entries: dict[str, E] = {}
        self.problems: list[str] = []  # one line per profile that could not answer
        self.loads = 0  # finished listings (tests wait on it)

    @property
    def several(self) -> bool:
        return self.services.target.many_profiles

    # --- what a screen says of its entries ----------------------------------------------

    async def list_entries(self, services: AwsServices) -> Sequence[E]:
        raise NotImplementedError

    def cells(self, entry: E) -> tuple[RenderableType, ...]:
        raise NotImplementedError

    def heading(self, entries: Sequence[E]) -> str:
        return f"{self.TITLE_TEXT} · {len(entries)}"

    def detail(self, entry: E) -> RenderableType:
        raise NotImplementedError

    def listed(self) -> None:
        """A new listing is in (a screen drops what it read of the old one)."""

    # --- the list ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id=self.BOX_ID):
            yield Static(text_line(f"{self.TITLE_TEXT} · loading…"), id="heading")
            problems = Static("", id="problems")
            problems.display = False
            yield problems
            yield DeckTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id=self.PANE_ID):
                yield Static("", id=self.TEXT_ID)
        yield DeckFooter()

    def on_mount(self) -> None:
        table = self.table
        for key, label in (*self.COLUMNS, *((PROFILE_COLUMN,) if self.several else ())):
            table.add_column(label, key=key)
        table.focus()
        self.reload()

    @property
    def table(self) -> DataTable[RenderableType]:
        return self.query_one(f"#{self.TABLE_ID}", DataTable)

    @property
    def current(self) -> E | None:
        table = self.table
        if not table.row_count:
            return None
        row = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return self.entries.get(str(row.value))

    def reload(self, select: str | None = None) -> None:
        """The entries read again (``select``: the key to put the cursor on)."""
        self.run_worker(
            self._reload(select),
            group="catalog-list",
            exclusive=True,
            description=self.LISTING,
            exit_on_error=False,
        )

    async def _reload(self, select: str | None) -> None:
        listed: Across[E] = await across_profiles(self.services, self.list_entries)
        entries = listed.entries
        keep = select or (self.current.key if self.current else None)
        self.entries = {entry.key: entry for entry in entries}
        self.listed()
        table = self.table
        table.clear()
        for entry in entries:
            profile = (text_line(entry.profile or ""),) if self.several else ()
            table.add_row(*self.cells(entry), *profile, key=entry.key)
        if keep in self.entries:
            table.move_cursor(row=table.get_row_index(keep))
        heading = self.heading(entries)
        if self.several:
            heading += f" · {len(self.services.profiles)} profiles"
        heading += " · read-only" if self.read_only else ""
        self.query_one("#heading", Static).update(text_line(heading))
        self.problems = listed.lines()
        problems = self.query_one("#problems", Static)
        problems.update(text_lines("\n".join(f"⚠ {line}" for line in self.problems)))
        problems.display = bool(self.problems)
        self.loads += 1
        self.refresh_bindings()
        self.show_selected()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_selected()

    def show_selected(self) -> None:
        entry = self.current
        text = self.query_one(f"#{self.TEXT_ID}", Static)
        text.update(self.detail(entry) if entry else Text(self.EMPTY, style="dim"))

    # --- where a change goes -------------------------------------------------------------

    def services_of(self, entry: E) -> AwsServices:
        """The services of the profile that listed ``entry``."""
        if entry.profile is None or not self.several:
            return self.services
        return self.services.for_profile(entry.profile)

    def profile_regions(self) -> dict[str, tuple[str, ...]]:
        """Several profiles: each one's regions, for a form that asks where a new entry goes
        (empty with one profile: the form asks for a region only)."""
        if not self.several:
            return {}
        return {
            str(profile): self.services.for_profile(profile).conn.regions
            for profile in self.services.profiles
        }

    def new_profile(self) -> str | None:
        """Where a new entry goes first: the selected entry's profile, else the first."""
        entry = self.current
        if not self.several:
            return None
        return entry.profile if entry is not None else self.services.profiles[0]

    # --- keys ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in CATALOG_MUTATING and self.read_only:
            return False  # hidden: read-only mode has no such action
        if action in ("edit", "delete") and self.current is None:
            return None
        return True

    def action_refresh(self) -> None:
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)
