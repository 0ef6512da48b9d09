"""Response parsing where botocore's generic parser is the cost, not the network.

Measured (bench/, docs/performance.md): for 1,000 notebook instances, botocore's timestamp parser
(dateutil's ``tzlocal()`` built per value) took ~0.1-0.3 s of a ~1 s ``sagedeck ls``; for
100,000 log events, walking FilterLogEvents' output shape member by member took ~1.2 s of CPU,
ten times the ``json.loads`` it follows. Both are replaced here with what gives the same values:

- epoch timestamps (the JSON protocols') become the same aware datetimes in local time, with a
  fixed-offset ``timezone`` instead of dateutil's ``tzlocal``; anything else goes to botocore;
- the log-event pages, whose shapes hold only JSON's own types, are returned as ``json.loads``
  gives them (botocore would copy each event into an identical dict).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from aiobotocore.parsers import AioJSONParser, AioResponseParserFactory
from botocore.model import Shape
from botocore.utils import parse_timestamp as botocore_parse_timestamp

# Output shapes returned as decoded: pages of log events (hundreds of thousands per reading).
PLAIN_JSON_OUTPUTS = frozenset({"FilterLogEventsResponse", "GetLogEventsResponse"})
_JSON_SCALARS = frozenset({"string", "integer", "long", "boolean", "double", "float"})


def parse_timestamp(value: Any) -> datetime:
    """botocore's ``parse_timestamp``, without dateutil for epoch seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC).astimezone()
        except (OverflowError, OSError, ValueError):
            pass
    result: datetime = botocore_parse_timestamp(value)
    return result


def is_plain_json(shape: Shape) -> bool:
    """True when botocore's parse of ``shape`` is the decoded JSON itself: only JSON scalars,
    lists and structures, no renamed members, timestamps, blobs, documents or unions."""
    return _plain(shape, frozenset())


def _plain(shape: Shape, seen: frozenset[str]) -> bool:
    if shape.name in seen:
        return True  # recursive shapes: judged where they started
    seen = seen | {shape.name}
    kind = shape.type_name
    if kind in _JSON_SCALARS:
        return True
    if kind == "list":
        member: Shape = shape.member  # type: ignore[attr-defined]
        return _plain(member, seen)
    if kind != "structure" or shape.is_document_type or shape.is_tagged_union:
        return False
    members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]
    return all(
        "name" not in member.serialization and _plain(member, seen) for member in members.values()
    )


@functools.cache
def _fast_shape(shape: Shape) -> bool:
    return shape.name in PLAIN_JSON_OUTPUTS and is_plain_json(shape)


class FastJSONParser(AioJSONParser):  # type: ignore[misc]
    def _handle_json_body(self, raw_body: bytes, shape: Shape | None) -> Any:
        if shape is not None and _fast_shape(shape):
            parsed = self._parse_body_as_json(raw_body)
            if isinstance(parsed, dict):
                return parsed
        return super()._handle_json_body(raw_body, shape)


class FastParserFactory(AioResponseParserFactory):  # type: ignore[misc]
    """aiobotocore's factory, with :class:`FastJSONParser` and :func:`parse_timestamp`."""

    def __init__(self) -> None:
        super().__init__()
        self.set_parser_defaults(timestamp_parser=parse_timestamp)

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "json":
            return FastJSONParser(**self._defaults)
        return super().create_parser(protocol_name)
