"""CloudWatch Logs GetLogEvents as AWS serves it.

moto 5.2.5 filters and sorts the whole stream on every call, ignores the 1 MB page limit, keeps
``endTime`` inclusive (AWS leaves out events *at* ``endTime``) and encodes its tokens as indexes
into that filtered list. Here a page is a bisect on the stream's sorted index
(:func:`.streams.stream_index`, shared with FilterLogEvents) plus the events it
returns, and tokens name a position in the stream, so they stay valid while events arrive.

What AWS documents and this follows: pages of up to 10,000 events or 1 MB (messages in UTF-8 plus
26 bytes each); ``startFromHead`` false (the default) returns the newest events first (a page is
still in ascending order); ``nextForwardToken`` and ``nextBackwardToken`` are never null, and at
the end of the stream in that direction the token passed in comes back unchanged.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException

from .quota import GET_LOG_EVENTS_LIMIT
from .streams import EVENT_OVERHEAD, MAX_BYTES, Key, find_group, page_limit, stream_index

# A position between events: (timestamp, ingestion sequence) of the event just before it.
# Tokens carry it as f/ or b/ plus 56 digits, AWS's shape: 20 for timestamp + 1, 36 for
# sequence + 1 (0 in either stands for "before every event at or after this time").
_TOKEN = re.compile(r"^([fb])/(\d{20})(\d{36})$")
_BEFORE_ALL: Key = (-1, -1)


def _token(direction: str, key: Key) -> str:
    return f"{direction}/{key[0] + 1:020d}{key[1] + 1:036d}"


def _parse_token(token: str) -> tuple[bool, Key]:
    match = _TOKEN.match(token)
    if match is None:
        raise InvalidParameterException("The specified nextToken is invalid.")
    return match.group(1) == "f", (int(match.group(2)) - 1, int(match.group(3)) - 1)


def _just_before(key: Key) -> Key:
    """The position just before the event at ``key``: forward from it, that event comes next."""
    return (key[0], key[1] - 1)


def get_log_events(
    stream: Any,
    *,
    start: int | None,
    end: int | None,
    limit: int,
    token: str | None,
    from_head: bool,
) -> dict[str, Any]:
    index = stream_index(stream)
    keys = index.keys
    low = 0 if start is None else bisect.bisect_left(keys, (start, -1))
    # endTime is exclusive for GetLogEvents (FilterLogEvents keeps it inclusive).
    high = len(keys) if end is None else bisect.bisect_left(keys, (end, -1))
    forward = from_head
    if token is not None:
        forward, after = _parse_token(token)
        if forward:
            low = max(low, bisect.bisect_right(keys, after))
        else:
            high = min(high, bisect.bisect_right(keys, after))
    rows = range(low, high) if forward else range(high - 1, low - 1, -1)
    page: list[Any] = []
    size = 0
    for row in rows:
        event = index.events[row]
        event_size = len(event.message.encode()) + EVENT_OVERHEAD
        if len(page) >= limit or size + event_size > MAX_BYTES:
            break
        page.append(event)
        size += event_size
    if not forward:
        page.reverse()
    events = [
        {"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion_time}
        for e in page
    ]
    if page:
        first: Key = (page[0].timestamp, page[0].event_id)
        last: Key = (page[-1].timestamp, page[-1].event_id)
        return {
            "events": events,
            "nextForwardToken": _token("f", last),
            "nextBackwardToken": _token("b", _just_before(first)),
        }
    # Nothing left in the direction asked: that direction's token comes back unchanged.
    if token is not None:
        _, at = _parse_token(token)
        other = _token("b" if forward else "f", at)
        forward_token, backward_token = (token, other) if forward else (other, token)
    else:
        # An empty window: both tokens stand where the window begins (or ends).
        at = _just_before(keys[low]) if low < len(keys) else (keys[-1] if keys else _BEFORE_ALL)
        forward_token, backward_token = _token("f", at), _token("b", at)
    return {
        "events": [],
        "nextForwardToken": forward_token,
        "nextBackwardToken": backward_token,
    }


def handle_get_log_events(self: Any) -> str:
    """moto's LogsResponse.get_log_events, replaced."""
    GET_LOG_EVENTS_LIMIT.check(self.current_account, self.region)
    get = self._get_param
    group = find_group(self.logs_backend, "GetLogEvents", get)
    name = get("logStreamName")
    stream = group.streams.get(name)
    if stream is None:
        raise ResourceNotFoundException("The specified log stream does not exist.")
    limit = page_limit(get)
    page = get_log_events(
        stream,
        start=get("startTime"),
        end=get("endTime"),
        limit=limit,
        token=get("nextToken") or None,
        from_head=bool(get("startFromHead", False)),
    )
    return json.dumps(page)
