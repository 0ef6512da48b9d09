"""CloudWatch Logs FilterLogEvents as AWS serves it (GetLogEvents: :mod:`.logs_get`).

moto 5.2.5 ignores ``logStreamNamePrefix`` (so ``nb`` silently reads ``nb-dev`` too... and
everything else), does not interleave streams and re-sorts every event on every page. Here each
stream keeps a sorted index, so a page costs a bisect plus the events it returns, and the
account-and-region rate limits (FilterLogEvents 5 requests/s, GetLogEvents 10, neither
raisable) can be switched on together.
"""

from __future__ import annotations

import base64
import bisect
import heapq
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from moto.logs.exceptions import InvalidParameterException, LogsClientError

from .filter_pattern import Matcher, UnsupportedPattern, compile_pattern
from .patching import replace

MAX_EVENTS = 10_000
MAX_BYTES = 1_048_576
EVENT_OVERHEAD = 26  # bytes CloudWatch adds to each message when it sizes a batch
RATE_PER_SECOND = 5  # FilterLogEvents
# GetLogEvents: "10 requests per second per account per Region. This quota can't be changed."
# (CloudWatch Logs quotas, awsdocs/amazon-cloudwatch-logs-user-guide cloudwatch_limits_cwl.md).
# sagedeck.aws.logs.limiter.GET_LOG_EVENTS_PER_SECOND must stay at or below it.
GET_LOG_EVENTS_PER_SECOND = 10

Key = tuple[int, int]  # (timestamp, ingestion sequence): the order AWS documents


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


def install() -> None:
    from moto.logs import responses

    from .logs_get import handle_get_log_events

    replace(responses.LogsResponse, "filter_log_events", _filter_log_events)
    replace(responses.LogsResponse, "get_log_events", handle_get_log_events)


@dataclass
class _StreamIndex:
    """A stream's events sorted by (timestamp, ingestion order), extended as events arrive."""

    source: list[Any]
    size: int = 0
    keys: list[Key] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)


def stream_index(stream: Any) -> _StreamIndex:
    events: list[Any] = stream.events
    index: _StreamIndex | None = stream.__dict__.get("_sagedeck_index")
    if index is not None and index.source is events and index.size == len(events):
        return index
    if index is not None and index.source is events and index.size < len(events):
        fresh = events[index.size :]
        keys = [(e.timestamp, e.event_id) for e in fresh]
        in_order = all(a < b for a, b in itertools.pairwise(keys))
        if in_order and (not index.keys or keys[0] > index.keys[-1]):
            index.keys.extend(keys)
            index.events.extend(fresh)
            index.size = len(events)
            return index
    ordered = sorted(events, key=lambda e: (e.timestamp, e.event_id))
    index = _StreamIndex(events, len(events), [(e.timestamp, e.event_id) for e in ordered], ordered)
    stream._sagedeck_index = index
    return index


@dataclass(frozen=True, slots=True)
class _Query:
    group: str
    start: int | None
    end: int | None
    forward: bool
    after: Key | None  # resume point from nextToken (exclusive)


def _encode_token(group: str, forward: bool, key: Key) -> str:
    raw = json.dumps({"g": group, "f": forward, "t": key[0], "i": key[1]}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str, group: str) -> tuple[bool, Key] | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        if data["g"] != group:
            return None
        return bool(data["f"]), (int(data["t"]), int(data["i"]))
    except (ValueError, KeyError, TypeError):
        return None


def _stream_slice(index: _StreamIndex, query: _Query) -> range:
    low = 0 if query.start is None else bisect.bisect_left(index.keys, (query.start, -1))
    high = len(index.keys)
    if query.end is not None:
        high = bisect.bisect_right(index.keys, (query.end, float("inf")))
    if query.after is not None:
        if query.forward:
            low = max(low, bisect.bisect_right(index.keys, query.after))
        else:
            high = min(high, bisect.bisect_left(index.keys, query.after))
    return range(low, high) if query.forward else range(high - 1, low - 1, -1)


def _iterate(name: str, index: _StreamIndex, rows: range) -> Iterator[tuple[Key, str, Any]]:
    keys, events = index.keys, index.events
    for row in rows:
        yield keys[row], name, events[row]


def filter_events(
    group: Any,
    stream_names: list[str] | None,
    prefix: str | None,
    query: _Query,
    matcher: Matcher | None,
    limit: int,
) -> dict[str, Any]:
    streams = [
        (name, stream)
        for name, stream in group.streams.items()
        if (not stream_names or name in stream_names) and (not prefix or name.startswith(prefix))
    ]
    iterators = [
        _iterate(name, index, _stream_slice(index, query))
        for name, stream in streams
        for index in (stream_index(stream),)
    ]
    merged = (
        iterators[0] if len(iterators) == 1 else heapq.merge(*iterators, reverse=not query.forward)
    )
    page: list[dict[str, Any]] = []
    size = 0
    last: Key | None = None
    more = False
    for key, name, event in merged:
        message: str = event.message
        if matcher is not None and not matcher(message):
            continue
        event_size = len(message.encode()) + EVENT_OVERHEAD
        if len(page) >= limit or size + event_size > MAX_BYTES:
            more = True
            break
        page.append(
            {
                "logStreamName": name,
                "timestamp": event.timestamp,
                "message": message,
                "ingestionTime": event.ingestion_time,
                # Stable and unique: the ingestion sequence never repeats in a process.
                "eventId": f"{event.event_id:056d}",
            }
        )
        size += event_size
        last = key
    result: dict[str, Any] = {
        "events": page,
        "searchedLogStreams": [
            {"logStreamName": name, "searchedCompletely": True} for name, _ in streams
        ],
    }
    if more and last is not None:
        result["nextToken"] = _encode_token(query.group, query.forward, last)
    return result


def _find_group(backend: Any, name: str | None, identifier: str | None) -> Any:
    from moto.logs.exceptions import ResourceNotFoundException

    if name and identifier:
        raise InvalidParameterException(
            "LogGroup name and LogGroup ARN are mutually exclusive parameters."
        )
    if not name and not identifier:
        raise InvalidParameterException("Should provide either name or ARN of the log group.")
    if identifier:
        name = identifier
        if identifier.startswith("arn:"):
            name = identifier.removesuffix(":*").split(":log-group:", 1)[-1]
    group = backend.groups.get(name)
    if group is None:
        raise ResourceNotFoundException()
    return group


def _filter_log_events(self: Any) -> str:
    FILTER_LOG_EVENTS_LIMIT.check(self.current_account, self.region)
    get = self._get_param
    group = _find_group(self.logs_backend, get("logGroupName"), get("logGroupIdentifier"))
    stream_names, prefix = get("logStreamNames"), get("logStreamNamePrefix")
    if stream_names and prefix:
        raise InvalidParameterException(
            "Cannot specify both logStreamNames and logStreamNamePrefix."
        )
    limit = get("limit") or MAX_EVENTS
    if limit > MAX_EVENTS or limit < 1:
        raise InvalidParameterException(
            constraint=f"Member must have value less than or equal to {MAX_EVENTS}",
            parameter="limit",
            value=limit,
        )
    try:
        matcher = compile_pattern(get("filterPattern"))
    except (UnsupportedPattern, ValueError) as error:
        raise InvalidParameterException(f"Invalid filter pattern: {error}") from error
    forward = get("startFromHead")
    forward = True if forward is None else bool(forward)
    after: Key | None = None
    token = get("nextToken")
    if token:
        decoded = _decode_token(token, group.name)
        if decoded is None:
            # AWS answers an unusable token with an empty page, not an error.
            return json.dumps({"events": [], "searchedLogStreams": []})
        forward, after = decoded
    query = _Query(group.name, get("startTime"), get("endTime"), forward, after)
    return json.dumps(filter_events(group, stream_names, prefix, query, matcher, limit))
