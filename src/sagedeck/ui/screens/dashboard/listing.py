"""How the dashboard takes in a listing: the first one page by page (a large fleet is many
pages), every one region by region as each answers, then the complete answer; an answer for a
target the user has left is dropped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sagedeck.ui.screens.dashboard.readers import RowReaders

if TYPE_CHECKING:
    from sagedeck.models import RegionListing
    from sagedeck.ui.view.fleet import Fleet
    from sagedeck.ui.view.poller import Poller


class FleetListing(RowReaders):
    """The base of the dashboard screen, which sets these."""

    fleet: Fleet
    marked: set[str]
    poller: Poller
    problem: str | None
    partial_applies: int  # regions merged as they answered (tests count them)
    page_applies: int  # pages of the first listing merged as they came
    _waiting: int | None
    _announce_refresh: bool
    _rows_shown: int
    _started: bool
    _pages_waiting: bool

    def _selection_changed(self) -> None:
        raise NotImplementedError

    async def _fetch(self) -> None:
        services = self.deck.services
        expired = self.fleet.credentials_failed
        if expired:  # `aws sso login` may have renewed them meanwhile
            await services.reset_clients(expired)

        def landed(listing: RegionListing) -> None:
            """One region (of one profile) answered: its rows show before the slowest's."""
            if services is not self.deck.services:
                return
            self.fleet.apply([listing], self.deck.clock(), partial=True)
            self.partial_applies += 1
            self._sync_first_rows()

        def paged(listing: RegionListing) -> None:
            """A page of the first listing: the rows so far show before the last page comes."""
            if services is not self.deck.services or self.fleet.refreshed_at is not None:
                return
            self.fleet.apply([listing], self.deck.clock(), partial=True)
            self.page_applies += 1
            if (self._started and not self._pages_waiting) or not self._rows_shown:
                self._sync_first_rows()
            else:  # the rows so far are in the first frame; more wait until it is painted
                self._pages_waiting = True

        several = sum(len(member.regions) for member in services.target.split()) > 1
        # The first listing shows its rows page by page (a large fleet is many pages); a
        # later refresh keeps the rows it has until a region has answered in full.
        first = self.fleet.refreshed_at is None
        listings = await services.list_fleet(
            on_listing=landed if several else None, on_page=paged if first else None
        )
        if services is not self.deck.services:
            return  # the target changed during the call: this answer is for the old one
        self.problem = None
        self._waiting = None
        self.fleet.apply(listings, self.deck.clock())
        self.marked &= self.fleet.notebooks.keys()
        self._sync()
        self._price_missing()  # in a worker: the refresh never waits for prices
        if self.poller.polls:  # the second refresh or a later one
            self.deck.startup_done()
        if self._announce_refresh:
            self._announce_refresh = False
            failed = self.fleet.failed_regions
            self.deck.notify(
                f"Refreshed: {len(self.fleet)} instances"
                + (f", {failed} region(s) failed" if failed else ""),
                severity="warning" if failed else "information",
                timeout=2,
            )

    def _sync_first_rows(self) -> None:
        # Until the first refresh is complete, a cursor on the top row stays there (on
        # whichever row sorts first), not on the row that happened to answer first.
        at_top = self.fleet.refreshed_at is None and self.table.cursor_row == 0
        self._sync()
        if at_top and self.table.cursor_row != 0:
            self.table.move_cursor(row=0)
            self._selection_changed()

    def started(self) -> None:
        """The app's start-up is over: pages that came during it show now (a sync each
        before would only have delayed the first frame)."""
        self._started = True
        self.call_after_refresh(self._show_waiting_pages)  # after the first frame is written

    def _show_waiting_pages(self) -> None:
        if self._pages_waiting:
            self._pages_waiting = False
            if self.fleet.refreshed_at is None:  # else the complete listing is shown already
                self._sync_first_rows()
