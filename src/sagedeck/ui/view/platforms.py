"""The PLATFORM column: ListNotebookInstances does not carry the platform, so it takes one
DescribeNotebookInstance per instance. Describing the whole fleet at every start cost 1,001
calls for 1,000 instances (docs/performance.md), so only what the screen needs is described:

- the rows on screen and a margin around them, as the user scrolls, moves, filters or sorts;
- every row shown, once the table is sorted by platform;
- the rows a filter could show or hide by their platform alone (it could match a platform
  and matches no other column of the row); meanwhile a filter treats an unknown platform as
  empty, as it treats an unreadable one.

The detail pane's describe of the selected row fills its platform too (the dashboard's
``on_detail_loaded``), but the selected row is not left to the pane: a hidden pane, or one
denied the call, would leave "…" there for good, to save one call at start-up. A failed
describe shows "-" and is not asked again; a throttled or vanished one stays unknown and is
asked again at the next change of the screen or poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sagedeck.errors import NotFound, SagedeckError, Throttled
from sagedeck.ui.view.columns import Column, searches, shown_platform
from sagedeck.ui.view.fleet import Fleet, RowFilter

if TYPE_CHECKING:
    from sagedeck.aws.services import AwsServices

DESCRIBE_CONCURRENCY = 8
DESCRIBE_BATCH = 50  # then the table is updated, and what is needed is worked out again
MARGIN_ROWS = 10  # described above and below the rows on screen, so j/k rarely shows "…"
DEBOUNCE_SECONDS = 0.1  # what is on screen must rest this long before it is described...
MAX_DELAY_SECONDS = 0.5  # ...or this long since the first change, while the user scrolls on
# SageMaker's platform identifiers, as the column shows them (without "notebook-"): a filter
# that matches none of these, nor any platform already seen, needs no describe.
KNOWN_PLATFORMS = ("al1-v1", "al2-v1", "al2-v2", "al2-v3", "al2023-v1")


def filter_needs_platforms(row_filter: RowFilter, fleet: Fleet) -> bool:
    """Whether ``row_filter`` could match a platform, known or seen in ``fleet``."""
    if not row_filter.active:
        return False
    seen = {shown_platform(platform) for platform in fleet.platforms.values() if platform}
    return any(row_filter.finds(platform) for platform in (*KNOWN_PLATFORMS, *seen))


def platforms_needed(
    fleet: Fleet,
    shown: Sequence[str],
    window: tuple[int, int],
    row_filter: RowFilter,
    sort_column: Column,
) -> list[str]:
    """The keys to describe, most urgent first: the rows of ``shown`` (the table's order) in
    ``window`` (first, end), then every shown row if sorted by a described column, then the
    rows the filter decides by their platform alone (found in no column the listing fills)."""
    known = fleet.platforms
    first, end = window
    wanted = [key for key in shown[max(0, first) : max(0, end)] if key not in known]
    if sort_column.described:
        wanted.extend(key for key in shown if key not in known)
    if filter_needs_platforms(row_filter, fleet):
        listed = searches(described=False, many_profiles=fleet.many_profiles)
        wanted.extend(
            key
            for key, notebook in fleet.notebooks.items()
            if key not in known and not row_filter.finds(*(text(notebook, None) for text in listed))
        )
    return [key for key in dict.fromkeys(wanted) if key in fleet.notebooks]


async def describe_platforms(services: AwsServices, fleet: Fleet, keys: Sequence[str]) -> None:
    """Fill ``fleet.platforms`` for ``keys``, a few at a time."""
    limit = asyncio.Semaphore(DESCRIBE_CONCURRENCY)

    async def one(key: str) -> None:
        notebook = fleet.get(key)
        if notebook is None:
            return
        async with limit:
            try:
                detail = await services.of(notebook.key).sagemaker.describe(notebook.key)
            except (NotFound, Throttled):
                return  # gone (the next listing says so) or throttled: asked again later
            except SagedeckError:
                fleet.platforms[key] = ""  # not readable: show "-", don't ask every poll
                return
        fleet.platforms[key] = detail.platform or ""

    await asyncio.gather(*(one(key) for key in keys))


class PlatformDescriber:
    """Describes what ``needed()`` asks for, one batch at a time, in one loop: batches never
    overlap and the screen can change its mind between them. ``wake()`` on every change of what
    the screen shows; ``await describer.run()`` in a worker.

    A round starts on a wake, once the screen has rested (debounced), and ends when everything
    needed has been tried once: a key that stays unknown (throttled, gone) waits for the next
    wake, so a round never spins on it.
    """

    def __init__(
        self,
        services: Callable[[], AwsServices],
        needed: Callable[[], tuple[Fleet, list[str]]],
        landed: Callable[[Fleet], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        self._services = services
        self._needed = needed
        self._landed = landed
        self._on_error = on_error
        self._wake = asyncio.Event()
        self.describing: frozenset[str] = frozenset()  # the batch in flight

    def wake(self) -> None:
        self._wake.set()

    async def _rest(self) -> None:
        """Wait until no wake came for DEBOUNCE_SECONDS, or MAX_DELAY_SECONDS in all."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_DELAY_SECONDS
        while (left := deadline - loop.time()) > 0:
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), min(DEBOUNCE_SECONDS, left))
            except TimeoutError:
                return

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            await self._rest()
            try:
                await self._round()
            except Exception as err:  # the loop must outlive any one failure
                self._on_error(err)

    async def _round(self) -> None:
        tried: set[str] = set()
        while True:
            if self._wake.is_set():  # the screen changed meanwhile: let it rest first
                await self._rest()
            self._wake.clear()
            fleet, keys = self._needed()
            batch = [key for key in keys if key not in tried][:DESCRIBE_BATCH]
            if not batch:
                return
            tried.update(batch)
            self.describing = frozenset(batch)
            try:
                await describe_platforms(self._services(), fleet, batch)
            finally:
                self.describing = frozenset()
            woken = self._wake.is_set()  # by the user, while the batch was out
            self._landed(fleet)
            if not woken:
                self._wake.clear()  # the table's own update is no reason to wait
