"""sagedeck's faster response parsing gives what botocore's parser gives: every output shape of
the services sagedeck reads over the JSON protocol, filled with generated values."""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.parsers import JSONParser
from botocore.utils import parse_timestamp as botocore_parse_timestamp

from sagedeck.aws.parsing import (
    PLAIN_JSON_OUTPUTS,
    FastJSONParser,
    FastParserFactory,
    compile_plan,
    decode_blob,
    is_plain_json,
    parse_timestamp,
)

SERVICES = ("sagemaker", "logs", "ssm")


def sample(shape: Any, rng: random.Random, depth: int = 0, nulls: bool = True) -> Any:
    """A value for ``shape`` as it comes over the wire (JSON protocol)."""
    kind = shape.type_name
    if kind == "string":
        return rng.choice(["", "a", "nb-1", "InService", "ü/é"])
    if kind in ("integer", "long"):
        return rng.randint(-5, 10**12)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("double", "float"):
        return rng.choice([0.5, 1.0, 1e10])
    if kind == "timestamp":
        return rng.choice([1714564800, 1714564800.123, 0, "2024-05-01T12:00:00Z"])
    if kind == "blob":
        return base64.b64encode(b"\x00bytes").decode()
    if kind == "list":
        if depth > 4:
            return []
        items = [sample(shape.member, rng, depth + 1, nulls) for _ in range(rng.randint(0, 3))]
        if nulls and items and rng.random() < 0.2:
            items.append(None)
        return items
    if kind == "map":
        if depth > 4:
            return {}
        return {
            f"k{i}": sample(shape.value, rng, depth + 1, nulls) for i in range(rng.randint(0, 2))
        }
    assert kind == "structure", kind
    if shape.is_document_type:
        return {"any": [1, "two", None, {"three": 3.0}]}
    members = list(shape.members.items())
    if shape.is_tagged_union:
        name, member = rng.choice(members)
        return {member.serialization.get("name", name): sample(member, rng, depth + 1, nulls)}
    value: dict[str, Any] = {}
    for name, member in members:
        if depth > 4 and rng.random() < 0.7:
            continue
        roll = rng.random()
        if roll < 0.2:
            continue  # absent
        wire = member.serialization.get("name", name)
        value[wire] = None if nulls and roll < 0.3 else sample(member, rng, depth + 1, nulls)
    return value


def output_shapes() -> list[tuple[str, str]]:
    session = botocore.session.get_session()
    found = []
    for service in SERVICES:
        model = session.get_service_model(service)
        assert model.resolved_protocol == "json"
        for operation in model.operation_names:
            if model.operation_model(operation).output_shape is not None:
                found.append((service, operation))
    return found


@pytest.fixture(scope="module")
def models() -> dict[str, Any]:
    session = botocore.session.get_session()
    return {service: session.get_service_model(service) for service in SERVICES}


@pytest.mark.parametrize(("service", "operation"), output_shapes())
def test_same_values_as_botocore(service: str, operation: str, models: dict[str, Any]) -> None:
    shape = models[service].operation_model(operation).output_shape
    plain = shape.name in PLAIN_JSON_OUTPUTS  # returned as decoded: no nulls from AWS there
    botocore_parser: Any = JSONParser(timestamp_parser=parse_timestamp, blob_parser=decode_blob)
    fast: Any = FastJSONParser(timestamp_parser=parse_timestamp, blob_parser=decode_blob)
    rng = random.Random(f"{service}.{operation}")
    for _ in range(5):
        body = json.dumps(sample(shape, rng, nulls=not plain)).encode()
        assert fast._handle_json_body(body, shape) == botocore_parser._handle_json_body(body, shape)


def test_log_pages_are_plain_json(models: dict[str, Any]) -> None:
    for operation in ("FilterLogEvents", "GetLogEvents"):
        shape = models["logs"].operation_model(operation).output_shape
        assert shape.name in PLAIN_JSON_OUTPUTS
        assert is_plain_json(shape)
    listing = models["sagemaker"].operation_model("ListNotebookInstances").output_shape
    assert not is_plain_json(listing)  # timestamps


def test_plans_are_compiled_once(models: dict[str, Any]) -> None:
    shape = models["sagemaker"].operation_model("ListNotebookInstances").output_shape
    assert compile_plan(shape) is compile_plan(shape)


@pytest.mark.parametrize(
    "value",
    [0, 1714564800, 1714564800.123, "1714564800", "2024-05-01T12:00:00Z", "2024-05-01"],
)
def test_timestamps_as_botocore_parses_them(value: Any) -> None:
    ours, theirs = parse_timestamp(value), botocore_parse_timestamp(value)
    assert ours == theirs
    assert ours.utcoffset() == theirs.utcoffset()
    assert ours.isoformat() == theirs.isoformat()


def test_epoch_timestamps_are_aware_and_local() -> None:
    moment = parse_timestamp(1714564800)
    assert moment.tzinfo is not None
    assert moment == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_the_factory_makes_fast_json_parsers() -> None:
    factory = FastParserFactory()
    assert isinstance(factory.create_parser("json"), FastJSONParser)
    assert not isinstance(factory.create_parser("query"), FastJSONParser)
