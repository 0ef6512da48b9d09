"""Request constraints read from the AWS service models (botocore's), in AWS's wording.

AWS rejects a parameter that breaks its model's length, pattern or enum with "1 validation error
detected: Value 'x' at 'member' failed to satisfy constraint: Member must ...". Reading the
constraint from the model at run time keeps the embedded AWS in step with the botocore it runs
on, where a copied regex would drift.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from moto.sagemaker.exceptions import ValidationError


def constraint_message(value: object, field: str, constraint: str) -> str:
    """AWS's wording for a request parameter that breaks its model's constraints."""
    return (
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
        f"constraint: {constraint}"
    )


def constraint_error(value: object, field: str, constraint: str) -> ValidationError:
    """SageMaker's ValidationException for a parameter that breaks its model's constraints."""
    return ValidationError(constraint_message(value, field, constraint))


def _service_model(service: str) -> Any:
    from moto.core.utils import get_service_model  # cached: the server parses it anyway

    return get_service_model(service)


@functools.cache
def instance_types() -> tuple[str, ...]:
    """The instance types SageMaker accepts, from the API model (moto's own list is years old)."""
    from botocore.model import StringShape

    shape = _service_model("sagemaker").shape_for("InstanceType")
    assert isinstance(shape, StringShape)
    return tuple(shape.enum)


Rules = tuple[int | None, int | None, str | None, re.Pattern[str] | None]


def _rules_of(shape: Any) -> Rules:
    """(min length, max length, pattern as the model writes it, that pattern compiled)."""
    metadata = shape.metadata
    pattern: str | None = metadata.get("pattern")
    compiled = None
    if pattern is not None:
        try:
            # The models' patterns are Java's, where \w and \d are ASCII only.
            compiled = re.compile(pattern, re.ASCII)
        except re.error:  # Java-only syntax: leave the pattern to AWS
            pattern = None
    return metadata.get("min"), metadata.get("max"), pattern, compiled


@functools.cache
def _string_rules(service: str, operation: str, member: str) -> Rules:
    return _rules_of(_service_model(service).operation_model(operation).input_shape.members[member])


@functools.cache
def _list_member_rules(service: str, operation: str, member: str) -> Rules:
    shape = _service_model(service).operation_model(operation).input_shape.members[member]
    return _rules_of(shape.member)


def _broken(rules: Rules, value: str) -> list[str]:
    """The constraints of ``rules`` that ``value`` breaks, in AWS's wording."""
    low, high, pattern, compiled = rules
    broken = []
    if low is not None and len(value) < low:
        broken.append(f"Member must have length greater than or equal to {low}")
    if high is not None and len(value) > high:
        broken.append(f"Member must have length less than or equal to {high}")
    if compiled is not None and compiled.fullmatch(value) is None:
        broken.append(f"Member must satisfy regular expression pattern: {pattern}")
    return broken


def string_violation(service: str, operation: str, member: str, value: str) -> str | None:
    """The message AWS gives when ``value`` breaks the model's rules for a top-level string
    ``member`` of ``operation``'s request, or None when it keeps them."""
    broken = _broken(_string_rules(service, operation, member), value)
    return constraint_message(value, member, broken[0]) if broken else None


def list_violation(service: str, operation: str, member: str, values: list[str]) -> str | None:
    """The message AWS gives when an item of the top-level string list ``member`` breaks the
    model's rules for its items: the list as Java prints it, every rule broken (not verified
    against AWS for every operation), or None when all items keep them."""
    rules = _list_member_rules(service, operation, member)
    broken = list(dict.fromkeys(c for value in values for c in _broken(rules, value)))
    if not broken:
        return None
    shown = "[" + ", ".join(values) + "]"
    return constraint_message(
        shown, member, f"Member must satisfy constraint: [{', '.join(broken)}]"
    )
