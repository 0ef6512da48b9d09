"""The refresh loop (dolphie's habit): the next poll is scheduled only once the last one has
finished, so polls never overlap; a key press can ask for one now; a failure is reported and
the loop goes on; throttling backs the interval off.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

MAX_BACKOFF_SECONDS = 60.0


class Poller:
    """``await poller.run()`` in a worker; ``wake()`` from anywhere on the loop."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[None]],
        interval: Callable[[], float],
        on_error: Callable[[Exception], None],
        throttled: Callable[[], bool] = lambda: False,
    ) -> None:
        self._fetch = fetch
        self._interval = interval
        self._on_error = on_error
        self._throttled = throttled
        self._wake = asyncio.Event()
        self._backoff = 0.0
        self.polls = 0  # completed polls, successful or not
        self.running = False  # a fetch is in flight
        self._started: float | None = None  # when the fetch in flight started (monotonic)

    def wake(self) -> None:
        self._wake.set()

    def outstanding(self) -> float:
        """Seconds the fetch in flight has waited so far; 0 when none is in flight."""
        started = self._started
        return 0.0 if started is None else time.monotonic() - started

    def next_delay(self) -> float:
        base = self._interval()
        if self._throttled():
            self._backoff = min(MAX_BACKOFF_SECONDS, max(base, self._backoff * 2 or base * 2))
            return self._backoff
        self._backoff = 0.0
        return base

    async def run(self) -> None:
        while True:
            self._wake.clear()
            self.running = True
            self._started = time.monotonic()
            try:
                await self._fetch()
            except Exception as err:  # the loop must outlive any one failure
                self._started = None  # answered, if with an error
                self._on_error(err)
            finally:
                self.running = False
                self._started = None
                self.polls += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.next_delay())
