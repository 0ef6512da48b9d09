"""What a new instance can be made of, read from the account and from the service's model.

Each part is read on its own: a denied ``iam:ListRoles`` leaves the role list empty with the
reason, and the subnets, keys and the rest still come.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import unquote

from sagedeck.aws.manage.fields import accelerator_types, instance_types, platforms
from sagedeck.aws.manage.fields import field as field_spec
from sagedeck.aws.paging import IAM_MARKER, KMS_MARKER, collect
from sagedeck.aws.translate import translate_errors
from sagedeck.errors import SagedeckError

if TYPE_CHECKING:
    from sagedeck.aws.services import AwsServices

T = TypeVar("T")
SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"


@dataclass(frozen=True, slots=True)
class RoleChoice:
    name: str
    arn: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class SubnetChoice:
    subnet_id: str
    vpc_id: str
    availability_zone: str
    cidr: str
    name: str = ""  # the Name tag


@dataclass(frozen=True, slots=True)
class SecurityGroupChoice:
    group_id: str
    name: str
    vpc_id: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class KmsKeyChoice:
    key_id: str
    arn: str
    alias: str = ""  # "alias/notebooks", or "" when the key has none


@dataclass(frozen=True, slots=True)
class Part(Generic[T]):
    """One list of choices, or why it could not be read (``problem``, one line)."""

    items: tuple[T, ...] = ()
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Choices:
    roles: Part[RoleChoice] = field(default_factory=Part)
    subnets: Part[SubnetChoice] = field(default_factory=Part)
    security_groups: Part[SecurityGroupChoice] = field(default_factory=Part)
    kms_keys: Part[KmsKeyChoice] = field(default_factory=Part)
    lifecycle_configs: Part[str] = field(default_factory=Part)
    code_repositories: Part[str] = field(default_factory=Part)
    # the service's own lists, from botocore's model
    instance_types: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    accelerator_types: tuple[str, ...] = ()  # retired: shown on instances that have them
    ip_address_types: tuple[str, ...] = ()

    def security_groups_of(self, vpc_id: str) -> tuple[SecurityGroupChoice, ...]:
        return tuple(g for g in self.security_groups.items if g.vpc_id == vpc_id)

    def subnet(self, subnet_id: str) -> SubnetChoice | None:
        return next((s for s in self.subnets.items if s.subnet_id == subnet_id), None)


async def _part(read: Callable[[], Awaitable[Iterable[T]]]) -> Part[T]:
    try:
        return Part(tuple(await read()))
    except SagedeckError as err:
        return Part((), str(err))


def _policy(document: object) -> Mapping[str, Any]:
    """A trust policy as IAM answers it: URL-encoded JSON text, or already decoded."""
    if isinstance(document, Mapping):
        return document
    if isinstance(document, str):
        try:
            decoded = json.loads(unquote(document))
        except ValueError:
            return {}
        return decoded if isinstance(decoded, Mapping) else {}
    return {}


def _as_list(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def sagemaker_can_assume(trust_policy: object) -> bool:
    """Whether a role's trust policy lets SageMaker assume it (sts:AssumeRole for the
    sagemaker.amazonaws.com service principal)."""
    for statement in _as_list(_policy(trust_policy).get("Statement")):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        actions = {str(a) for a in _as_list(statement.get("Action"))}
        if not actions & {"sts:AssumeRole", "sts:*", "*"}:
            continue
        principal = statement.get("Principal")
        services = _as_list(principal.get("Service")) if isinstance(principal, Mapping) else []
        if SAGEMAKER_PRINCIPAL in services:
            return True
    return False


async def _roles(services: AwsServices, region: str) -> list[RoleChoice]:
    client = await services.conn.client("iam", region)
    with translate_errors("list IAM roles", "iam:ListRoles"):
        roles = await collect(client.list_roles, {}, "Roles", tokens=IAM_MARKER)
    return sorted(
        (
            RoleChoice(r["RoleName"], r["Arn"], r.get("Description") or "")
            for r in roles
            if sagemaker_can_assume(r.get("AssumeRolePolicyDocument"))
        ),
        key=lambda r: r.name.lower(),
    )


def _name_tag(item: Mapping[str, Any]) -> str:
    return next((t.get("Value", "") for t in item.get("Tags") or () if t.get("Key") == "Name"), "")


async def _subnets(services: AwsServices, region: str) -> list[SubnetChoice]:
    client = await services.conn.client("ec2", region)
    with translate_errors("list subnets", "ec2:DescribeSubnets"):
        items = await collect(client.describe_subnets, {}, "Subnets")
    return sorted(
        (
            SubnetChoice(
                s["SubnetId"],
                s.get("VpcId", ""),
                s.get("AvailabilityZone", ""),
                s.get("CidrBlock", ""),
                _name_tag(s),
            )
            for s in items
        ),
        key=lambda s: (s.vpc_id, s.availability_zone, s.subnet_id),
    )


async def _security_groups(services: AwsServices, region: str) -> list[SecurityGroupChoice]:
    client = await services.conn.client("ec2", region)
    with translate_errors("list security groups", "ec2:DescribeSecurityGroups"):
        items = await collect(client.describe_security_groups, {}, "SecurityGroups")
    return sorted(
        (
            SecurityGroupChoice(
                g["GroupId"], g.get("GroupName", ""), g.get("VpcId", ""), g.get("Description", "")
            )
            for g in items
        ),
        key=lambda g: (g.vpc_id, g.name.lower()),
    )


async def _kms_keys(services: AwsServices, region: str) -> list[KmsKeyChoice]:
    client = await services.conn.client("kms", region)
    with translate_errors("list KMS keys", "kms:ListKeys"):
        keys = await collect(client.list_keys, {}, "Keys", tokens=KMS_MARKER)
    try:
        with translate_errors("list KMS aliases", "kms:ListAliases"):
            aliases = await collect(client.list_aliases, {}, "Aliases", tokens=KMS_MARKER)
    except SagedeckError:
        aliases = []  # the keys without their aliases are still choices
    alias_of: dict[str, str] = {}
    for alias in aliases:
        target = alias.get("TargetKeyId")
        if target and not str(alias.get("AliasName", "")).startswith("alias/aws/"):
            alias_of.setdefault(target, alias["AliasName"])
    return sorted(
        (KmsKeyChoice(k["KeyId"], k.get("KeyArn", ""), alias_of.get(k["KeyId"], "")) for k in keys),
        key=lambda k: (not k.alias, k.alias or k.key_id),
    )


async def account_choices(services: AwsServices, region: str) -> Choices:
    """Everything the create form offers, each part failing on its own."""

    async def lifecycle() -> tuple[str, ...]:
        return tuple(sorted(await services.sagemaker.list_lifecycle_configs(region)))

    async def repositories() -> list[str]:
        return sorted(r.name for r in await services.sagemaker.list_code_repositories(region))

    roles, subnets, groups, keys, configs, repos = await asyncio.gather(
        _part(lambda: _roles(services, region)),
        _part(lambda: _subnets(services, region)),
        _part(lambda: _security_groups(services, region)),
        _part(lambda: _kms_keys(services, region)),
        _part(lifecycle),
        _part(repositories),
    )
    return Choices(
        roles=roles,
        subnets=subnets,
        security_groups=groups,
        kms_keys=keys,
        lifecycle_configs=configs,
        code_repositories=repos,
        instance_types=instance_types(),
        platforms=platforms(),
        accelerator_types=accelerator_types(),
        ip_address_types=field_spec("IpAddressType").choices,
    )
