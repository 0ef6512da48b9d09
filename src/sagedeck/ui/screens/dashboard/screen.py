"""The main screen: the live instance table, its summary, the detail pane and every key."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import BindingType
from textual.command import Provider
from textual.containers import Container
from textual.widgets import DataTable

from sagedeck.errors import SagedeckError
from sagedeck.models import NotebookSummary
from sagedeck.ui.keys import DASHBOARD_BINDINGS, MUTATING, REFUSALS
from sagedeck.ui.messages import (
    DetailLoaded,
    FilterChanged,
    FilterClosed,
    TextCopied,
    UrlCopied,
)
from sagedeck.ui.screens.dashboard.actions import NotebookActions
from sagedeck.ui.screens.dashboard.commands import SagedeckCommands
from sagedeck.ui.screens.dashboard.deck import Deck
from sagedeck.ui.screens.dashboard.listing import FleetListing
from sagedeck.ui.screens.help import DASHBOARD_HINTS
from sagedeck.ui.view.columns import is_sortable, sort_column
from sagedeck.ui.view.costs import forgotten_keys
from sagedeck.ui.view.fleet import (
    Fleet,
    RowFilter,
    action_applies,
    marked_targets,
    visible_keys,
)
from sagedeck.ui.view.poller import Poller
from sagedeck.ui.widgets.detail_pane import DetailPane
from sagedeck.ui.widgets.filter_bar import FilterBar
from sagedeck.ui.widgets.footer import DeckFooter
from sagedeck.ui.widgets.instance_table import InstanceTable
from sagedeck.ui.widgets.status_bars import SummaryBar, TitleBar, UrlCountdown

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from sagedeck.ui.screens.target import TargetChoice

SPINNER_SECONDS = 0.5  # each frame repaints the visible table (perf.md): keep it slow
WAITING_AFTER = 3.0  # a refresh outstanding this long says so, and counts the seconds
WIDE_ENOUGH_FOR_RIGHT_PANE = 180


class DashboardScreen(FleetListing):
    CSS_PATH = "dashboard.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [*DASHBOARD_BINDINGS, *REFUSALS]
    HELP_HINTS = DASHBOARD_HINTS
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {SagedeckCommands}

    def __init__(self, deck: Deck) -> None:
        super().__init__(id="dashboard")
        self.deck = deck
        self.fleet = Fleet(deck.services.profiles)
        self.row_filter = RowFilter()
        self.sort_column = sort_column("name")
        self.sort_reverse = False
        self.marked: set[str] = set()
        self.problem: str | None = None
        self._keys: list[str] = []  # the rows of the table, in its order
        self._announce_refresh = False
        self._user_placed_detail = False
        self._bindings_state: tuple[object, ...] | None = None
        self._waiting: int | None = None  # seconds the refresh in flight has waited, once long
        self._rows_shown = 0
        self.forgotten_only = False  # `f`: only the instances InService too long
        self._pricing = False  # a worker is reading prices (fleet_cost.py)
        self.partial_applies = 0  # regions merged as they answered (tests count them)
        self.page_applies = 0  # pages of the first listing merged as they came
        self._started = False  # the app's start-up is over (its first frame is laid out)
        self._pages_waiting = False
        self._make_readers()

    def compose(self) -> ComposeResult:
        deck = self.deck
        yield TitleBar(id="title")
        yield SummaryBar(id="summary")
        with Container(id="body"):
            hidden = frozenset() if deck.settings.jupyter_activity else frozenset({"idle"})
            yield InstanceTable(
                many_profiles=deck.services.target.many_profiles, id="instances", hidden=hidden
            )
            yield DetailPane(
                lambda: deck.services,
                deck.clock,
                deck.settings.ssm_tag_key,
                jupyter=(lambda: self.activity_reader) if deck.settings.jupyter_activity else None,
                id="detail",
            )
        yield FilterBar(id="filter")
        yield UrlCountdown(deck.clock, id="countdown")
        yield DeckFooter()

    def on_mount(self) -> None:
        self.table = self.query_one(InstanceTable)
        self.detail = self.query_one(DetailPane)
        self.summary = self.query_one(SummaryBar)
        self.actions = NotebookActions(self.deck, self, self.request_refresh)
        self.poller = Poller(
            self._fetch, self._interval, self._poll_failed, lambda: self.fleet.throttled
        )
        self.show_target()
        self._sync()
        self.table.show_sort(self.sort_column, self.sort_reverse)
        self.table.focus()
        self.set_interval(SPINNER_SECONDS, self._spin)
        self.run_worker(
            self.poller.run(),
            name="poll",
            group="poll",
            description="refresh the notebook instances",
            exit_on_error=False,
        )
        self._start_readers()

    async def on_unmount(self) -> None:
        await self.activity_reader.close()

    def on_resize(self) -> None:
        if not self._user_placed_detail:
            body = self.query_one("#body")
            body.set_class(self.size.width < WIDE_ENOUGH_FOR_RIGHT_PANE, "-bottom")
        self.describer.wake()  # more or fewer rows on screen
        self.activity.wake()

    # --- refreshing ----------------------------------------------------------------------

    def show_target(self) -> None:
        target = self.deck.services.target
        self.query_one(TitleBar).show(
            target.profile,
            target.regions,
            self.deck.demo,
            self.deck.read_only,
            profiles=target.profiles,
        )

    def reset(self) -> None:
        """A new profile or regions: forget the old fleet and poll the new one now."""
        services = self.deck.services
        self.fleet = Fleet(services.profiles)
        self.marked.clear()
        old, self.activity_reader = self.activity_reader, self._new_activity_reader()
        self.run_worker(old.close(), group="activity-close", exit_on_error=False)
        self.detail.invalidate()
        self.table.clear()
        self.table._shown.clear()
        self.table.show_profiles(services.target.many_profiles)
        self.show_target()
        self._sync()
        self.request_refresh()

    def request_refresh(self) -> None:
        self.poller.wake()

    def _interval(self) -> float:
        settings = self.deck.settings
        if self.fleet.transitional:
            return settings.fast_refresh_interval
        return settings.refresh_interval

    def _poll_failed(self, error: Exception) -> None:
        self.problem = (
            f"refresh failed: {error}"
            if isinstance(error, SagedeckError)
            else (f"refresh failed: {type(error).__name__}: {error}")
        )
        self.log.error(self.problem)
        self._waiting = None
        self._sync()

    def _sync(self) -> None:
        now = self.deck.clock()
        keys = visible_keys(self.fleet, self.row_filter, self.sort_column, self.sort_reverse, now)
        if self.forgotten_only:
            keys = forgotten_keys(keys, self.fleet.notebooks, now, self._forgotten)
        self._rows_shown = len(keys)
        self._keys = keys
        with self.app.batch_update():
            self.table.sync(self.fleet, keys, self.marked, now, self._frame())
            self._show_summary()
            self._selection_changed()
        self.describer.wake()  # new rows on screen, maybe
        self.activity.wake()

    def _show_summary(self) -> None:
        self.summary.show(
            self.fleet,
            shown=self._rows_shown,
            marked=len(self.marked),
            interval=self._interval(),
            problem=self.problem,
            waiting=self._waiting,
            only=self.forgotten_label(),
        )

    def _frame(self) -> int:
        """The spinner's frame, from the clock: a frozen clock (snapshots) freezes it."""
        return int(self.deck.clock().timestamp() / SPINNER_SECONDS)

    def _spin(self) -> None:
        waited = self.poller.outstanding()
        waiting = int(waited) if waited >= WAITING_AFTER else None
        if waiting != self._waiting:  # a hung call: say so, instead of a stale "refreshed"
            self._waiting = waiting
            self._show_summary()
        if self.fleet.transitional:
            with self.app.batch_update():
                self.table.animate_markers(self.fleet, self._frame())

    # --- selection, filter, sort ---------------------------------------------------------

    def _targets(self) -> list[NotebookSummary]:
        return marked_targets(self.marked, self.table.current_key, self.fleet)

    def _selection_changed(self) -> None:
        current = self.current
        self.detail.show(current)
        # What check_action answers from. Asking the footer to re-check on every poll or cursor
        # move cost 0.1-0.3 s of CPU each (and leaked, Textualize/textual#6666): only on change.
        state = (
            self.deck.read_only,
            current.status if current is not None else None,
            frozenset(notebook.status for notebook in self._targets()),
            bool(self.marked),
        )
        if state != self._bindings_state:
            self._bindings_state = state
            self.refresh_bindings()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._selection_changed()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        key = event.column_key.value
        if key is not None and is_sortable(key):
            self.action_sort(str(key))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        key = str(message.detail.key)
        platform = message.detail.platform or ""
        if key in self.fleet.notebooks and self.fleet.platforms.get(key) != platform:
            self.fleet.platforms[key] = platform
            self._sync()

    def on_filter_changed(self, message: FilterChanged) -> None:
        self.row_filter = RowFilter.parse(message.text)
        self._sync()

    def on_filter_closed(self, message: FilterClosed) -> None:
        self.set_focus(self.table)

    def on_url_copied(self, message: UrlCopied) -> None:
        self.query_one(UrlCountdown).start(message.url, message.where)

    def on_text_copied(self, _message: TextCopied) -> None:
        self.query_one(UrlCountdown).replaced()

    def jump_to(self, key: str) -> None:
        """Put the cursor on ``key``, clearing a filter that hides it."""
        if key not in self.fleet.notebooks:
            return
        if key not in self.table.shown_keys():
            self.query_one(FilterBar).action_clear()
            self.row_filter = RowFilter()
            self._sync()
        self.table.follow(key)
        self.table.focus()

    # --- bindings ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MUTATING and self.deck.read_only:
            return False  # hidden, not greyed: read-only mode has no such action
        applies = action_applies(action, self.fleet, self.table.current_key, self.marked)
        return True if applies else None  # None: shown greyed

    def action_start(self) -> None:
        self.actions.start(self._targets())
        self._clear_marks()

    def action_stop(self) -> None:
        self.actions.stop(self._targets())
        self._clear_marks()

    def action_mark(self) -> None:
        key = self.table.current_key
        if key is not None:
            self.marked.symmetric_difference_update({key})
            self._sync()

    def _clear_marks(self) -> None:
        if self.marked:
            self.marked.clear()
            self._sync()

    def action_clear_marks(self) -> None:
        self._clear_marks()

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def action_back(self) -> None:
        if self.forgotten_only:
            self.action_forgotten()
        if self.row_filter.active or self.query_one(FilterBar).value:
            self.query_one(FilterBar).action_clear()
        else:
            self._clear_marks()

    def action_refresh(self) -> None:
        self.detail.invalidate()
        self._announce_refresh = True
        self.request_refresh()

    @work(
        name="switch target",
        group="target",
        description="switch profile or regions",
        exit_on_error=False,
    )
    async def action_switch_target(self) -> None:
        from sagedeck.ui.screens.target import choose_target

        offered = self.deck.offered_profiles
        choice = await choose_target(
            self.app, self.deck.services.target, None if offered is None else list(offered)
        )
        if choice is not None:
            self.switch_target(choice)

    def action_lifecycle_configs(self) -> None:
        self.actions.lifecycle_configs()

    def action_repositories(self) -> None:
        self.actions.repositories()

    def switch_target(self, choice: TargetChoice) -> None:
        """Another profile or regions: the app rebuilds its services, the fleet starts over."""
        if self.deck.switch_target(choice):
            self.reset()

    def action_toggle_detail(self) -> None:
        self.detail.display = not self.detail.display
        if self.detail.display:
            self.detail.show(self.current)

    def action_flip_detail(self) -> None:
        self._user_placed_detail = True
        self.query_one("#body").toggle_class("-bottom")

    def action_cursor(self, where: str) -> None:
        table = self.table
        if where == "down":
            table.action_cursor_down()
        elif where == "up":
            table.action_cursor_up()
        elif where == "top":
            table.move_cursor(row=0)
        else:
            table.move_cursor(row=table.row_count - 1)

    def action_sort(self, column: str) -> None:
        chosen = sort_column(column)
        self.sort_reverse = not self.sort_reverse if chosen is self.sort_column else False
        self.sort_column = chosen
        self.table.show_sort(chosen, self.sort_reverse)
        self._sync()
