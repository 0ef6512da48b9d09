"""CloudWatch Logs FilterLogEvents as AWS serves it.

moto 5.2.5 ignores ``logStreamNamePrefix`` (so ``nb`` silently reads ``nb-dev`` too... and
everything else), does not interleave streams and re-sorts every event on every page. Here the
streams' sorted indexes (:mod:`.streams`) are merged, so a page costs a bisect per stream plus
the events it returns.
"""

from __future__ import annotations

import base64
import bisect
import heapq
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from moto.logs.exceptions import InvalidParameterException

from .filter_pattern import Matcher, UnsupportedPattern, compile_pattern
from .quota import FILTER_LOG_EVENTS_LIMIT
from .streams import (
    EVENT_OVERHEAD,
    MAX_BYTES,
    Key,
    StreamIndex,
    find_group,
    page_limit,
    stream_index,
)


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


def _stream_slice(index: StreamIndex, query: _Query) -> range:
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


def _iterate(name: str, index: StreamIndex, rows: range) -> Iterator[tuple[Key, str, Any]]:
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


def handle_filter_log_events(self: Any) -> str:
    """moto's LogsResponse.filter_log_events, replaced."""
    FILTER_LOG_EVENTS_LIMIT.check(self.current_account, self.region)
    get = self._get_param
    group = find_group(self.logs_backend, "FilterLogEvents", get)
    stream_names, prefix = get("logStreamNames"), get("logStreamNamePrefix")
    if stream_names and prefix:
        raise InvalidParameterException(
            "Cannot specify both logStreamNames and logStreamNamePrefix."
        )
    limit = page_limit(get)
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
