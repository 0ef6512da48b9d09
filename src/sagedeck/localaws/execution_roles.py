"""The execution role of a new or updated notebook instance: SageMaker must be able to assume it.

moto accepts any RoleArn. AWS checks, before it creates or changes anything, that the role
exists (at that exact ARN, path included) and that its trust policy lets the SageMaker service
principal assume it, and answers otherwise with a ValidationException.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from moto.sagemaker.exceptions import ValidationError

from .state import iam_backend

PRINCIPAL = "sagemaker.amazonaws.com"


def _as_list(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def trusts_sagemaker(document: str) -> bool:
    try:
        policy = json.loads(unquote(document))
    except ValueError:
        return False
    for statement in _as_list(policy.get("Statement") if isinstance(policy, dict) else None):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if not {"sts:AssumeRole", "sts:*", "*"} & set(_as_list(statement.get("Action"))):
            continue
        principal = statement.get("Principal")
        if isinstance(principal, dict) and PRINCIPAL in _as_list(principal.get("Service")):
            return True
    return False


def require_assumable(account_id: str, role_arn: str) -> None:
    """AWS's answer to a role SageMaker cannot assume: missing, other path, other trust."""
    roles = iam_backend(account_id).roles.values()
    role = next((r for r in roles if r.arn == role_arn), None)
    if role is None or not trusts_sagemaker(role.assume_role_policy_document):
        raise ValidationError(
            f"Could not assume role {role_arn}. Please ensure that the role exists and allows "
            f"principal '{PRINCIPAL}' to assume the role."
        )
