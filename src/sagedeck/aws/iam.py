"""The execution role of a notebook instance and its policies, read through IAM.

Each of the three calls may be denied while the others are allowed: the role comes back with
what could be read, and :class:`RoleView` says what was denied.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sagedeck.aws.paging import IAM_MARKER, collect
from sagedeck.aws.session import AwsConnection
from sagedeck.aws.translate import translate_errors
from sagedeck.errors import AccessDenied
from sagedeck.models import PolicyRef, Role


@dataclass(frozen=True, slots=True)
class RoleView:
    role: Role
    denied: tuple[str, ...]  # permissions that were refused, e.g. ("iam:ListRolePolicies",)


def role_name_from_arn(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


async def _attached(client: Any, name: str) -> tuple[PolicyRef, ...]:
    with translate_errors(f"list policies of {name}", "iam:ListAttachedRolePolicies"):
        policies = await collect(
            client.list_attached_role_policies,
            {"RoleName": name},
            "AttachedPolicies",
            tokens=IAM_MARKER,
        )
    return tuple(PolicyRef(p["PolicyName"], p["PolicyArn"]) for p in policies)


async def _inline(client: Any, name: str) -> tuple[str, ...]:
    with translate_errors(f"list inline policies of {name}", "iam:ListRolePolicies"):
        names = await collect(
            client.list_role_policies, {"RoleName": name}, "PolicyNames", tokens=IAM_MARKER
        )
    return tuple(names)


async def role(conn: AwsConnection, role_arn: str, region: str) -> RoleView:
    """GetRole, ListAttachedRolePolicies and ListRolePolicies together.

    ``region`` only picks the partition's IAM endpoint (IAM is global).
    """
    client = await conn.client("iam", region)
    name = role_name_from_arn(role_arn)

    async def get_role() -> dict[str, Any]:
        with translate_errors(f"read role {name}", "iam:GetRole"):
            result: dict[str, Any] = (await client.get_role(RoleName=name))["Role"]
            return result

    got, attached, inline = await asyncio.gather(
        get_role(), _attached(client, name), _inline(client, name), return_exceptions=True
    )
    denied: list[str] = []
    for result in (got, attached, inline):
        if isinstance(result, AccessDenied):
            denied.append(result.permission)
        elif isinstance(result, BaseException):
            raise result
    info: dict[str, Any] = got if isinstance(got, dict) else {}
    return RoleView(
        Role(
            name=name,
            arn=info.get("Arn", role_arn),
            created=info.get("CreateDate"),
            attached_policies=attached if isinstance(attached, tuple) else (),
            inline_policies=inline if isinstance(inline, tuple) else (),
            description=info.get("Description"),
            max_session_duration=info.get("MaxSessionDuration"),
        ),
        tuple(denied),
    )
