"""How long each InService instance has been idle, read from its Jupyter server and cached.

One :class:`ActivityReader` serves the dashboard's IDLE column, the detail pane and
``sagedeck ls --activity``: each instance's activity (server, kernels, terminals) is read at most
once per ``ttl`` seconds, a few instances at a time, through one signed-in session per instance
(kept, so a re-read costs three GETs, not a new presigned URL).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..errors import SagedeckError
from ..models import JupyterActivity, NotebookKey
from ..text.format import idle_text
from .api import JupyterApi
from .session import JupyterSession

__all__ = ["ActivityReader", "Reading", "idle_text"]

CACHE_SECONDS = 180.0  # activity is about hours: minutes-old figures are fine
CONCURRENCY = 4  # instances read at once


@dataclass(frozen=True, slots=True)
class Reading:
    """The last read of one instance: its activity or the one-line error, and when (monotonic)."""

    activity: JupyterActivity | None
    error: str | None
    at: float


class ActivityReader:
    """Reads and caches activity per instance. ``open_session(key)`` makes a session."""

    def __init__(
        self,
        open_session: Callable[[NotebookKey], JupyterSession],
        *,
        ttl: float = CACHE_SECONDS,
        concurrency: int = CONCURRENCY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._open_session = open_session
        self._ttl = ttl
        self._clock = clock
        self._limit = asyncio.Semaphore(concurrency)
        self._sessions: dict[NotebookKey, JupyterSession] = {}
        self._readings: dict[NotebookKey, Reading] = {}
        self._reading: dict[NotebookKey, asyncio.Task[Reading]] = {}
        self.reads = 0  # reads that went to a server (tests count them)

    def last(self, key: NotebookKey) -> Reading | None:
        """The last reading of ``key``, however old."""
        return self._readings.get(key)

    def fresh(self, key: NotebookKey) -> bool:
        reading = self._readings.get(key)
        return reading is not None and self._clock() - reading.at < self._ttl

    def forget(self, key: NotebookKey) -> None:
        """Drop the reading (the instance left InService: its server is gone)."""
        self._readings.pop(key, None)

    async def read(self, key: NotebookKey, *, force: bool = False) -> Reading:
        """``key``'s activity: the cached reading while fresh, else read now (one read per
        instance at a time: a second caller waits for the first)."""
        reading = self._readings.get(key)
        if reading is not None and not force and self.fresh(key):
            return reading
        task = self._reading.get(key)
        if task is None:
            task = asyncio.ensure_future(self._read(key))
            self._reading[key] = task
            task.add_done_callback(lambda _: self._reading.pop(key, None))
        return await asyncio.shield(task)

    async def read_many(self, keys: Iterable[NotebookKey]) -> dict[NotebookKey, Reading]:
        keys = list(dict.fromkeys(keys))
        readings = await asyncio.gather(*(self.read(key) for key in keys))
        return dict(zip(keys, readings, strict=True))

    async def _read(self, key: NotebookKey) -> Reading:
        async with self._limit:
            self.reads += 1
            session = self._sessions.get(key)
            if session is None:
                session = self._sessions[key] = self._open_session(key)
            try:
                reading = Reading(await JupyterApi(session).activity(), None, self._clock())
            except SagedeckError as err:
                reading = Reading(None, str(err), self._clock())
        self._readings[key] = reading
        return reading

    async def close(self) -> None:
        for task in list(self._reading.values()):
            task.cancel()
        sessions, self._sessions = self._sessions, {}
        for session in sessions.values():
            await session.close()
