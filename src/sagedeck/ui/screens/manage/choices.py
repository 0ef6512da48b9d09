"""What the form offers from the account (``sagedeck.aws.manage.choices``), field by field:
each list as options that say what each item is, or why it could not be listed.

Security groups belong to a VPC: the form offers those of the chosen subnet's VPC, and offers
them again when the subnet changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sagedeck.aws.manage.choices import Choices, Part
from sagedeck.ui.screens.manage.field_row import Choice, FieldRow

NO_SUBNET = "choose a subnet first: security groups are those of its VPC"


class Form(Protocol):
    def row(self, key: str) -> FieldRow | None: ...


def _joined(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def _offers(choices: Choices) -> dict[str, tuple[Part[Any], Callable[[Any], Choice], str]]:
    """Each chosen field: its part of the choices, how one item reads, what the part is."""
    return {
        "RoleArn": (
            choices.roles,
            lambda r: (_joined(r.name, r.description), r.arn),
            "roles SageMaker can assume",
        ),
        "SubnetId": (
            choices.subnets,
            lambda s: (
                _joined(s.subnet_id, s.name, s.vpc_id, s.availability_zone, s.cidr),
                s.subnet_id,
            ),
            "subnets",
        ),
        "KmsKeyId": (
            choices.kms_keys,
            lambda k: (_joined(k.alias, k.key_id), k.key_id),
            "KMS keys",
        ),
        "LifecycleConfigName": (
            choices.lifecycle_configs,
            lambda n: (n, n),
            "lifecycle configurations",
        ),
        "DefaultCodeRepository": (choices.code_repositories, lambda n: (n, n), "code repositories"),
        "AdditionalCodeRepositories": (
            choices.code_repositories,
            lambda n: (n, n),
            "code repositories",
        ),
    }


def _offer(row: FieldRow, part: Part[Any], read: Callable[[Any], Choice], what: str) -> None:
    if part.problem is not None:
        row.set_choices(None, f"could not list {what} ({part.problem}): type a value")
    elif not part.items:
        row.set_choices(None, f"no {what} in this account and region: type a value")
    else:
        row.set_choices([read(item) for item in part.items])


def offer_choices(form: Form, choices: Choices) -> None:
    for key, (part, read, what) in _offers(choices).items():
        row = form.row(key)
        if row is not None and not row.locked:
            _offer(row, part, read, what)
    offer_security_groups(form, choices)


def offer_security_groups(form: Form, choices: Choices) -> None:
    """The security groups of the chosen subnet's VPC (none until a subnet is chosen)."""
    groups, subnets = form.row("SecurityGroupIds"), form.row("SubnetId")
    if groups is None or groups.locked:
        return
    if choices.security_groups.problem is not None:
        _offer(groups, choices.security_groups, _group, "security groups")
        return
    subnet_id = subnets.value() if subnets is not None else None
    subnet = choices.subnet(subnet_id) if isinstance(subnet_id, str) else None
    if subnet is None:
        reason = NO_SUBNET if not subnet_id else "subnet not listed: type the security groups"
        groups.set_choices(None, reason)
        return
    offered = Part(choices.security_groups_of(subnet.vpc_id))
    _offer(groups, offered, _group, f"security groups in {subnet.vpc_id}")


def _group(group: Any) -> Choice:
    return (_joined(group.group_id, group.name), group.group_id)


# The fields whose choices come from the account (the others: the model's, or free text).
CHOSEN = frozenset({*_offers(Choices()), "SecurityGroupIds"})
