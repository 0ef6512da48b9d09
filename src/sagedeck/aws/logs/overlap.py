"""What Live Tail and FilterLogEvents both printed: the one place an event from one source is
dropped because the other source printed it already.

FilterLogEvents gives each event an id; a live session gives none, so a copy is known by
(timestamp, stream, message), with the ingestion time to tell identical lines apart. Each
source is never deduplicated against itself: the follower drops its own repeats by ``eventId``,
and a session sends each ingested event once.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from sagedeck.models import LogEvent

OVERLAP_CAP = 50_000  # remembered events of each source

Key = tuple[int, str, str]  # (timestamp, stream, message)


@dataclass(eq=False, slots=True)
class _Copy:
    key: Key
    live: bool
    ingestion: int | None
    stamp: int  # live updates received when it was printed
    gone: bool = False


def _same_ingestion(a: int | None, b: int | None) -> bool:
    return a is None or b is None or a == b


class Overlap:
    """The events printed lately, by source: an event is dropped when the *other* source
    printed it already (each copy matches once, so repeats within a source are kept)."""

    def __init__(self, cap: int = OVERLAP_CAP) -> None:
        self.cap = cap
        self._copies: dict[Key, list[_Copy]] = {}
        self._polled: deque[_Copy] = deque()
        self._live: dict[int, list[_Copy]] = {}  # by timestamp
        self.live_count = 0

    def __len__(self) -> int:
        return sum(len(c) for c in self._copies.values())

    def admit(self, event: LogEvent, *, live: bool, stamp: int = 0, remember: bool = True) -> bool:
        """True when ``event`` is to be printed."""
        key = (event.timestamp, event.stream, event.message)
        copies = self._copies.get(key)
        if copies:
            for copy in copies:
                if copy.live is not live and _same_ingestion(copy.ingestion, event.ingestion_time):
                    self._forget(copy)
                    return False
        if remember:
            copy = _Copy(key, live, event.ingestion_time, stamp)
            self._copies.setdefault(key, []).append(copy)
            if live:
                self._live.setdefault(event.timestamp, []).append(copy)
                self.live_count += 1
            else:
                self._polled.append(copy)
                while len(self._polled) > self.cap:
                    self._forget(self._polled.popleft())
        return True

    def expire_polled(self, stamp: int) -> None:
        """Forget polled events printed at or before live update ``stamp``."""
        while self._polled and self._polled[0].stamp <= stamp:
            self._forget(self._polled.popleft())

    def expire_live(self, floor: int) -> None:
        """Forget live events older than ``floor`` (a pass reads nothing below it)."""
        for ts in [ts for ts in self._live if ts < floor]:
            for copy in self._live.pop(ts):
                self.live_count -= 1
                self._forget(copy, live_index=False)

    def live_floor(self) -> int | None:
        """Over the cap, forget the oldest live events and return the timestamp from which
        live events are still known (the follower's cursor must not stay below it)."""
        if self.live_count <= self.cap:
            return None
        stamps = sorted(self._live)
        while self.live_count > self.cap and len(stamps) > 1:
            self.expire_live(stamps[1])
            stamps.pop(0)
        return stamps[0]

    def _forget(self, copy: _Copy, *, live_index: bool = True) -> None:
        if copy.gone:
            return
        copy.gone = True
        copies = self._copies.get(copy.key)
        if copies is not None:
            copies.remove(copy)
            if not copies:
                del self._copies[copy.key]
        if copy.live and live_index:
            same_ts = self._live.get(copy.key[0])
            if same_ts is not None and copy in same_ts:
                same_ts.remove(copy)
                self.live_count -= 1
                if not same_ts:
                    del self._live[copy.key[0]]
