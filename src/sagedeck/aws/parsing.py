"""Response parsing where botocore's generic parser is the cost, not the network.

Measured (bench/, docs/performance.md): for 1,000 notebook instances, botocore's timestamp parser
(dateutil's ``tzlocal()`` built per value) took ~0.1-0.3 s of a ~1 s ``sagedeck ls``, and its
shape walk (a ``getattr`` dispatch per value) most of the rest of the parsing; for 100,000 log
events, walking FilterLogEvents' output shape took ~1.2 s of CPU, ten times the ``json.loads``
it follows. The same values, for less:

- epoch timestamps (the JSON protocols') become the same aware datetimes in local time, with a
  fixed-offset ``timezone`` instead of dateutil's ``tzlocal``; anything else goes to botocore;
- a JSON response is converted by a plan compiled once per output shape: the same rules as
  botocore's ``BaseJSONParser`` (renamed members, nulls dropped from structures and kept in
  lists, timestamps and blobs converted, documents as they are), with tagged unions and
  anything unusual handed to botocore itself;
- the log-event pages, whose shapes hold only JSON's own types, are returned as ``json.loads``
  gives them (botocore would copy each event into an identical dict).
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiobotocore.parsers import AioJSONParser, AioResponseParserFactory
from botocore.model import Shape
from botocore.parsers import JSONParser
from botocore.utils import parse_timestamp as botocore_parse_timestamp

# Output shapes returned as decoded: pages of log events (hundreds of thousands per reading).
PLAIN_JSON_OUTPUTS = frozenset({"FilterLogEventsResponse", "GetLogEventsResponse"})
_JSON_SCALARS = frozenset({"string", "integer", "long", "boolean", "double", "float"})

Convert = Callable[[Any], Any]


def parse_timestamp(value: Any) -> datetime:
    """botocore's ``parse_timestamp``, without dateutil for epoch seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC).astimezone()
        except (OverflowError, OSError, ValueError):
            pass
    result: datetime = botocore_parse_timestamp(value)
    return result


def decode_blob(value: Any) -> bytes:
    """botocore's default blob parser (a bound method there, a function here so plans cache)."""
    return base64.b64decode(value)


def is_plain_json(shape: Any) -> bool:
    """True when botocore's parse of ``shape`` is the decoded JSON itself: only JSON scalars,
    lists and structures, no renamed members, timestamps, blobs, documents or unions."""
    return _plain(shape, frozenset())


def _plain(shape: Any, seen: frozenset[str]) -> bool:
    if shape.name in seen:
        return True  # recursive shapes: judged where they started
    seen = seen | {shape.name}
    kind = shape.type_name
    if kind in _JSON_SCALARS:
        return True
    if kind == "list":
        return _plain(shape.member, seen)
    if kind != "structure" or shape.is_document_type or shape.is_tagged_union:
        return False
    return all(
        "name" not in member.serialization and _plain(member, seen)
        for member in shape.members.values()
    )


@functools.lru_cache(maxsize=512)
def compile_plan(
    shape: Shape, timestamp: Convert = parse_timestamp, blob: Convert = decode_blob
) -> Convert:
    """A converter from decoded JSON to what botocore's JSON parser returns for ``shape``."""
    fallback: Any = JSONParser(timestamp_parser=timestamp, blob_parser=blob)
    built: dict[str, Convert] = {}
    building: set[str] = set()

    def delegate(shape: Any) -> Convert:
        return lambda value: fallback._parse_shape(shape, value)

    def build(shape: Any) -> Convert | None:  # None: the value as it is
        kind = shape.type_name
        if kind in _JSON_SCALARS:
            return None
        if kind == "timestamp":
            return timestamp
        if kind == "blob":
            return blob
        name = shape.name
        if name in built:
            return built[name]
        if name in building:  # a recursive shape: looked up once it is built
            return lambda value: built[name](value)
        building.add(name)
        if kind == "list":
            member = build(shape.member)
            convert = _list(member)
        elif kind == "map":
            if shape.key.type_name != "string":
                return delegate(shape)
            convert = _map(build(shape.value))
        elif kind == "structure":
            if shape.is_document_type:
                return None
            if shape.is_tagged_union:
                return delegate(shape)
            members = [
                (name, member.serialization.get("name", name), build(member))
                for name, member in shape.members.items()
            ]
            convert = _structure(members)
        else:
            return delegate(shape)
        built[name] = convert
        return convert

    plan = build(shape)
    return plan if plan is not None else _identity


def _identity(value: Any) -> Any:
    return value


def _list(member: Convert | None) -> Convert:
    if member is None:
        return list  # a copy, as botocore makes (nulls kept)

    def convert(value: Any) -> Any:
        return [None if item is None else member(item) for item in value]

    return convert


def _map(value_convert: Convert | None) -> Convert:
    if value_convert is None:
        return dict

    def convert(value: Any) -> Any:
        return {key: value_convert(item) for key, item in value.items()}

    return convert


def _structure(members: list[tuple[str, str, Convert | None]]) -> Convert:
    def convert(value: Any) -> Any:
        if value is None:
            return None
        parsed = {}
        get = value.get
        for name, wire, member in members:
            raw = get(wire)
            if raw is not None:
                parsed[name] = raw if member is None else member(raw)
        return parsed

    return convert


@functools.cache
def _fast_shape(shape: Any) -> bool:
    return shape.name in PLAIN_JSON_OUTPUTS and is_plain_json(shape)


class FastJSONParser(AioJSONParser):
    """aiobotocore's JSON parser, with the body converted by :func:`compile_plan`."""

    def _handle_json_body(self, raw_body: bytes, shape: Any) -> Any:
        this: Any = self
        if shape is None:
            return JSONParser._handle_json_body(this, raw_body, shape)  # type: ignore[attr-defined]
        parsed = this._parse_body_as_json(raw_body)
        if _fast_shape(shape) and isinstance(parsed, dict):
            return parsed
        return compile_plan(shape, this._timestamp_parser, this._blob_parser)(parsed)


class FastParserFactory(AioResponseParserFactory):
    """aiobotocore's factory, with :class:`FastJSONParser` and :func:`parse_timestamp`."""

    def __init__(self) -> None:
        super().__init__()
        self.set_parser_defaults(timestamp_parser=parse_timestamp, blob_parser=decode_blob)

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "json":
            defaults: dict[str, Any] = getattr(self, "_defaults", {})
            return FastJSONParser(**defaults)
        return super().create_parser(protocol_name)
