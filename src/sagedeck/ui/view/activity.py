"""The IDLE column: each InService instance's Jupyter activity, read only for the rows on
screen, cached for minutes (``jupyter.activity.ActivityReader``), a few at a time, in its own
loop: a refresh of the table never waits for it. A row whose activity is not read yet shows
"…", one that could not be read "-" (the detail pane says why).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from sagedeck.jupyter.activity import ActivityReader
from sagedeck.models import NotebookStatus
from sagedeck.ui.view.fleet import Fleet

DEBOUNCE_SECONDS = 0.3  # scrolling through the table reads nothing until it rests
# The first read signs in to several servers at once: not while the dashboard first paints
# and the user takes their first steps (and, in the demo, each sign-in starts a server).
START_DELAY_SECONDS = 2.0
MARGIN_ROWS = 2


def activity_needed(
    fleet: Fleet, reader: ActivityReader, shown: Sequence[str], window: tuple[int, int]
) -> list[str]:
    """The InService rows in ``window`` of ``shown`` whose activity is unknown or stale."""
    first, end = window
    wanted = []
    for key in shown[max(0, first) : max(0, end)]:
        notebook = fleet.notebooks.get(key)
        if notebook is None or notebook.status is not NotebookStatus.IN_SERVICE:
            continue
        if key not in fleet.activity or not reader.fresh(notebook.key):
            wanted.append(key)
    return wanted


class ActivityWatcher:
    """Reads what ``needed()`` asks for whenever woken; ``landed(fleet)`` after each round.
    ``wake()`` on every change of the screen and after every refresh."""

    def __init__(
        self,
        reader: Callable[[], ActivityReader],
        needed: Callable[[], tuple[Fleet, list[str]]],
        landed: Callable[[Fleet], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        self._reader = reader
        self._needed = needed
        self._landed = landed
        self._on_error = on_error
        self._wake = asyncio.Event()
        self.reading: frozenset[str] = frozenset()  # the round in flight (tests wait for none)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        await asyncio.sleep(START_DELAY_SECONDS)
        while True:
            await self._wake.wait()
            await asyncio.sleep(DEBOUNCE_SECONDS)
            self._wake.clear()
            try:
                await self._round()
            except Exception as err:  # the loop must outlive any one failure
                self._on_error(err)

    async def _round(self) -> None:
        fleet, keys = self._needed()
        if not keys:
            return
        reader = self._reader()
        self.reading = frozenset(keys)
        try:
            readings = await reader.read_many(fleet.notebooks[key].key for key in keys)
        finally:
            self.reading = frozenset()
        for key in keys:
            reading = readings.get(fleet.notebooks[key].key) if key in fleet.notebooks else None
            if reading is not None:
                fleet.activity[key] = (
                    reading.activity if reading.activity is not None else (reading.error or "?")
                )
        self._landed(fleet)
