"""The background readers of the rows on screen: the PLATFORM column (each instance described,
``ui/view/platforms.py`` says which and when) and the IDLE column (each InService instance's
Jupyter activity, ``ui/view/activity.py``). Neither is ever awaited by a refresh."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sagedeck.jupyter.activity import ActivityReader
from sagedeck.jupyter.session import JupyterSession
from sagedeck.ui.screens.dashboard.fleet_cost import FleetCost
from sagedeck.ui.view.activity import MARGIN_ROWS as ACTIVITY_MARGIN_ROWS
from sagedeck.ui.view.activity import ActivityWatcher, activity_needed
from sagedeck.ui.view.platforms import MARGIN_ROWS, PlatformDescriber, platforms_needed

if TYPE_CHECKING:
    from sagedeck.models import NotebookKey
    from sagedeck.ui.view.columns import Column
    from sagedeck.ui.view.fleet import Fleet, RowFilter
    from sagedeck.ui.widgets.instance_table import InstanceTable


class RowReaders(FleetCost):
    """The base of the dashboard screen, which sets these."""

    table: InstanceTable
    _keys: list[str]
    row_filter: RowFilter
    sort_column: Column

    def _make_readers(self) -> None:
        self.describer = PlatformDescriber(
            lambda: self.deck.services,
            self._platforms_needed,
            self._platforms_landed,
            self._platforms_failed,
        )
        self.activity_reader = self._new_activity_reader()
        self.activity = ActivityWatcher(
            lambda: self.activity_reader,
            self._activity_needed,
            self._platforms_landed,  # the same: show the fleet again if it is still current
            self._activity_failed,
        )

    def _start_readers(self) -> None:
        """Their workers, woken again whenever other rows come on screen."""
        self.run_worker(
            self.describer.run(),
            name="platforms",
            group="platform",
            description="describe the instances on screen for their platform",
            exit_on_error=False,
        )
        self.watch(self.table, "scroll_y", self.describer.wake, init=False)
        if not self.deck.settings.jupyter_activity:
            return
        self.run_worker(
            self.activity.run(),
            name="activity",
            group="activity",
            description="read the Jupyter activity of the instances on screen",
            exit_on_error=False,
        )
        self.watch(self.table, "scroll_y", self.activity.wake, init=False)

    # --- the PLATFORM column (ui/platforms.py says what is described, and when) ------------

    @property
    def _describing(self) -> frozenset[str]:
        """The platforms being described now (tests wait for none)."""
        return self.describer.describing

    def _platforms_needed(self) -> tuple[Fleet, list[str]]:
        first, end = self.table.rows_on_screen()
        window = (first - MARGIN_ROWS, end + MARGIN_ROWS)
        needed = platforms_needed(self.fleet, self._keys, window, self.row_filter, self.sort_column)
        return self.fleet, needed

    def _platforms_landed(self, fleet: Fleet) -> None:
        if fleet is self.fleet:  # not a fleet forgotten by a switch of target meanwhile
            self._sync()

    def _platforms_failed(self, error: Exception) -> None:
        self.log.error(f"describing platforms failed: {error!r}")
        self.deck.notify(
            f"{type(error).__name__}: {error}",
            title="Could not describe the instances for their platform",
            severity="error",
            timeout=8,
        )

    # --- the IDLE column (ui/view/activity.py) -------------------------------------------

    def _new_activity_reader(self) -> ActivityReader:
        deck = self.deck

        def open_session(key: NotebookKey) -> JupyterSession:
            seconds = deck.settings.url_session_seconds
            return JupyterSession.for_notebook(deck.services.of(key).sagemaker, key, seconds)

        return ActivityReader(open_session)

    def _activity_needed(self) -> tuple[Fleet, list[str]]:
        first, end = self.table.rows_on_screen()
        window = (first - ACTIVITY_MARGIN_ROWS, end + ACTIVITY_MARGIN_ROWS)
        return self.fleet, activity_needed(self.fleet, self.activity_reader, self._keys, window)

    def _activity_failed(self, error: Exception) -> None:
        self.log.error(f"reading Jupyter activity failed: {error!r}")
