"""Pacing the log reads: AWS allows 5 FilterLogEvents and 10 GetLogEvents a second per account
and region, and neither limit can be raised. Every log view, every page of a pagination and the
CLI in one process draw on the same budgets, so there is one :class:`RateLimiter` per
(account-or-endpoint, region, operation).

The limiter is a sliding window of reserved send times rather than a token bucket: a bucket of 5
refilling at 5/s lets 9 requests into one second, which the service would throttle. Reservations
are made under a ``threading.Lock`` and waited for with ``asyncio.sleep``, so one limiter serves
every event loop in the process (the TUI's, a test's, the CLI's) and no caller holds a lock
while it waits.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import deque
from collections.abc import Callable

FILTER_LOG_EVENTS = "FilterLogEvents"
GET_LOG_EVENTS = "GetLogEvents"
FILTER_LOG_EVENTS_PER_SECOND = 5
# "10 requests per second per account per Region. This quota can't be changed." (the CloudWatch
# Logs quotas page as awsdocs/amazon-cloudwatch-logs-user-guide keeps it; later pages are said
# to give 25, which the sources at hand did not confirm: raise it here once they do).
GET_LOG_EVENTS_PER_SECOND = 10
RATES = {FILTER_LOG_EVENTS: FILTER_LOG_EVENTS_PER_SECOND, GET_LOG_EVENTS: GET_LOG_EVENTS_PER_SECOND}
# A little slack per window: the service counts on its own clock, ours is a few ms off.
WINDOW_MARGIN = 0.02
THROTTLE_BASE_DELAY = 1.0
THROTTLE_MAX_DELAY = 30.0


class RateLimiter:
    """At most ``rate`` sends in any ``period`` seconds, plus a shared pause after throttling."""

    def __init__(
        self,
        rate: int = FILTER_LOG_EVENTS_PER_SECOND,
        period: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate < 1 or period <= 0:
            raise ValueError("rate must be >= 1 and period > 0")
        self.rate = rate
        self.period = period
        self._clock = clock
        self._lock = threading.Lock()
        self._sent: deque[float] = deque(maxlen=rate)  # the last ``rate`` reserved send times
        self._paused_until = 0.0
        self._throttles = 0  # consecutive throttled calls, for the backoff's exponent
        self.sends = 0
        self.waited = 0.0  # seconds callers spent waiting, for the benchmark and tests

    def reserve(self) -> float:
        """Reserve the next free slot; returns how long the caller must wait before sending.

        Reservations never go backwards in time, so ``_sent[0]`` is always the oldest send of
        the window and the window can be checked in O(1).
        """
        with self._lock:
            now = self._clock()
            slot = max(now, self._paused_until)
            if len(self._sent) == self.rate:
                slot = max(slot, self._sent[0] + self.period + WINDOW_MARGIN)
            self._sent.append(slot)
            self.sends += 1
            delay = slot - now
            self.waited += delay
            return delay

    async def acquire(self) -> float:
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)
        return delay

    def throttled(self) -> float:
        """AWS throttled a call: pause every caller of this limiter, longer each time in a row
        (with jitter, so several processes sharing the account do not retry in step)."""
        with self._lock:
            self._throttles += 1
            backoff = min(THROTTLE_MAX_DELAY, THROTTLE_BASE_DELAY * 2.0 ** (self._throttles - 1))
            backoff *= random.uniform(0.75, 1.25)
            self._paused_until = max(self._paused_until, self._clock() + backoff)
            return backoff

    def succeeded(self) -> None:
        """A call went through: the next throttle starts the backoff from the beginning."""
        if self._throttles:
            with self._lock:
                self._throttles = 0

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._clock())


_REGISTRY: dict[tuple[str, str, str], RateLimiter] = {}
_REGISTRY_LOCK = threading.Lock()


def limiter_for(scope: str, region: str, operation: str = FILTER_LOG_EVENTS) -> RateLimiter:
    """The process-wide limiter of ``operation`` (FilterLogEvents unless said) for one account
    (or endpoint) and region."""
    key = (scope, region, operation)
    with _REGISTRY_LOCK:
        limiter = _REGISTRY.get(key)
        if limiter is None:
            limiter = _REGISTRY[key] = RateLimiter(RATES[operation])
        return limiter


def replace_limiter(
    scope: str, region: str, limiter: RateLimiter, operation: str = FILTER_LOG_EVENTS
) -> None:
    """Use ``limiter`` for (scope, region, operation) from now on: a benchmark measuring the
    reader rather than the budget, or a test with a tighter one."""
    with _REGISTRY_LOCK:
        _REGISTRY[(scope, region, operation)] = limiter


def forget_limiters() -> None:
    """Drop every limiter (tests that want a fresh budget)."""
    with _REGISTRY_LOCK:
        _REGISTRY.clear()
