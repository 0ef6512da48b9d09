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


@functools.cache
def _string_rules(
    service: str, operation: str, member: str
) -> tuple[int | None, int | None, str | None, re.Pattern[str] | None]:
    """(min length, max length, pattern as the model writes it, that pattern compiled)."""
    shape = _service_model(service).operation_model(operation).input_shape.members[member]
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


def string_violation(service: str, operation: str, member: str, value: str) -> str | None:
    """The message AWS gives when ``value`` breaks the model's rules for a top-level string
    ``member`` of ``operation``'s request, or None when it keeps them."""
    low, high, pattern, compiled = _string_rules(service, operation, member)
    if low is not None and len(value) < low:
        constraint = f"Member must have length greater than or equal to {low}"
    elif high is not None and len(value) > high:
        constraint = f"Member must have length less than or equal to {high}"
    elif compiled is not None and compiled.fullmatch(value) is None:
        constraint = f"Member must satisfy regular expression pattern: {pattern}"
    else:
        return None
    return constraint_message(value, member, constraint)
