"""The read quotas of CloudWatch Logs: FilterLogEvents 5 and GetLogEvents 10 requests per second
per account and region, neither raisable, switched on and off together."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from moto.logs.exceptions import LogsClientError

RATE_PER_SECOND = 5  # FilterLogEvents
# GetLogEvents: "10 requests per second per account per Region. This quota can't be changed."
# (CloudWatch Logs quotas, awsdocs/amazon-cloudwatch-logs-user-guide cloudwatch_limits_cwl.md).
# sagedeck.aws.logs.limiter.GET_LOG_EVENTS_PER_SECOND must stay at or below it.
GET_LOG_EVENTS_PER_SECOND = 10


class ThrottlingException(LogsClientError):
    """AWS's JSON-protocol throttling error: HTTP 400, ``__type`` ThrottlingException."""

    def __init__(self) -> None:
        super().__init__("ThrottlingException", "Rate exceeded")


@dataclass
class RateLimit:
    """A sliding one-second window per account and region, like the service quota."""

    enabled: bool = False
    per_second: int = RATE_PER_SECOND
    clock: Callable[[], float] = time.monotonic  # real time: AWS's quota is per real second
    _calls: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, account_id: str, region: str) -> None:
        if not self.enabled:
            return
        now = self.clock()
        with self._lock:
            calls = self._calls.setdefault((account_id, region), deque())
            while calls and now - calls[0] >= 1.0:
                calls.popleft()
            if len(calls) >= self.per_second:
                raise ThrottlingException()
            calls.append(now)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


FILTER_LOG_EVENTS_LIMIT = RateLimit()
GET_LOG_EVENTS_LIMIT = RateLimit(per_second=GET_LOG_EVENTS_PER_SECOND)


def set_read_throttle(enabled: bool) -> None:
    """Enforce (or not) FilterLogEvents' and GetLogEvents' quotas, from an empty window."""
    for limit in (FILTER_LOG_EVENTS_LIMIT, GET_LOG_EVENTS_LIMIT):
        limit.clear()
        limit.enabled = enabled
