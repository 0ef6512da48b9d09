"""What GetLogEvents and FilterLogEvents share: the request's log group, its checks against the
service model, and each stream's events kept sorted so a page costs a bisect.

moto 5.2.5 re-sorts every event of a stream on every page; here each stream keeps a sorted index,
extended in place while events arrive in order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException

from ..validation import string_violation

MAX_EVENTS = 10_000
MAX_BYTES = 1_048_576
EVENT_OVERHEAD = 26  # bytes CloudWatch adds to each message when it sizes a batch

Key = tuple[int, int]  # (timestamp, ingestion sequence): the order AWS documents


@dataclass
class StreamIndex:
    """A stream's events sorted by (timestamp, ingestion order), extended as events arrive."""

    source: list[Any]
    size: int = 0
    keys: list[Key] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)


def stream_index(stream: Any) -> StreamIndex:
    events: list[Any] = stream.events
    index: StreamIndex | None = stream.__dict__.get("_sagedeck_index")
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
    index = StreamIndex(events, len(events), [(e.timestamp, e.event_id) for e in ordered], ordered)
    stream._sagedeck_index = index
    return index


def find_group(backend: Any, operation: str, get: Callable[[str], Any]) -> Any:
    """The log group a GetLogEvents or FilterLogEvents request names, checked as AWS checks it.

    An ARN ending in ``:*`` (DescribeLogGroups' ``arn`` field) is refused: the model's pattern
    for ``logGroupIdentifier`` has no ``*``.
    """
    name, identifier = get("logGroupName"), get("logGroupIdentifier")
    if name and identifier:
        raise InvalidParameterException(
            "LogGroup name and LogGroup ARN are mutually exclusive parameters."
        )
    if not name and not identifier:
        raise InvalidParameterException("Should provide either name or ARN of the log group.")
    for member, value in (("logGroupName", name), ("logGroupIdentifier", identifier)):
        if isinstance(value, str):
            message = string_violation("logs", operation, member, value)
            if message is not None:
                raise InvalidParameterException(message)
    if identifier:
        name = identifier
        if identifier.startswith("arn:"):
            name = identifier.split(":log-group:", 1)[-1]
    group = backend.groups.get(name)
    if group is None:
        raise ResourceNotFoundException()
    return group


def page_limit(get: Callable[[str], Any]) -> int:
    """The request's ``limit``, checked against the service's 10,000."""
    limit: int = get("limit") or MAX_EVENTS
    if limit > MAX_EVENTS:
        constraint = f"Member must have value less than or equal to {MAX_EVENTS}"
    elif limit < 1:
        constraint = "Member must have value greater than or equal to 1"
    else:
        return limit
    raise InvalidParameterException(constraint=constraint, parameter="limit", value=limit)
