"""Field constraints read from botocore's service model at run time: lengths and patterns as
the installed model states them, never a copied table. A value the model refuses is one line
of :class:`InvalidInput` before anything is sent."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from sagedeck.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Constraint:
    min_length: int | None
    max_length: int | None
    pattern: str | None


@functools.cache
def _model(service: str) -> Any:
    from sagedeck.aws.session import _botocore_session

    return _botocore_session().get_service_model(service)


@functools.cache
def constraint(service: str, shape: str) -> Constraint:
    """The length and pattern of ``shape`` (a string shape) in ``service``'s model."""
    metadata = _model(service).shape_for(shape).metadata
    return Constraint(metadata.get("min"), metadata.get("max"), metadata.get("pattern"))


def max_length(service: str, shape: str) -> int:
    limit = constraint(service, shape).max_length
    assert limit is not None, f"{service} {shape} has no maximum length"
    return limit


def check(service: str, shape: str, value: str, label: str) -> str:
    """``value`` if the model's ``shape`` allows it; else one line naming ``label`` and why."""
    rule = constraint(service, shape)
    if rule.min_length is not None and len(value) < rule.min_length:
        raise InvalidInput(f"{label} must be at least {rule.min_length} characters")
    if rule.max_length is not None and len(value) > rule.max_length:
        raise InvalidInput(f"{label} must be at most {rule.max_length} characters")
    if rule.pattern and not re.fullmatch(rule.pattern.removeprefix("^").removesuffix("$"), value):
        raise InvalidInput(f"{label} {value!r} does not match AWS's pattern {rule.pattern}")
    return value
