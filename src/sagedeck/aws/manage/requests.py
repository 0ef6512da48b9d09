"""Requests built from an instance that exists: a clone's CreateNotebookInstance, an edit's
UpdateNotebookInstance holding only what changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sagedeck.aws.manage.fields import (
    DESCRIBED_AS,
    NAME_KEY,
    Kind,
    create_fields,
    described_value,
    update_fields,
)
from sagedeck.aws.manage.validate import RESERVED_TAG_PREFIX, disassociations

# Left out of a clone: the service no longer accepts them on create (Elastic Inference).
_NOT_CLONED = frozenset({"AcceleratorTypes"})


def clone_params(described: Mapping[str, Any], tags: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """Every setting of an existing instance as CreateNotebookInstance members, without a name:
    the caller adds NotebookInstanceName (and any overrides). AWS-reserved ``aws:`` tags and the
    retired accelerator types are left out: AWS would refuse both on create."""
    params: dict[str, Any] = {}
    for spec in create_fields():
        if spec.key in (NAME_KEY, "Tags") or spec.key in _NOT_CLONED:
            continue
        value = described_value(described, spec.key)
        if value is None:
            continue
        params[spec.key] = list(value) if isinstance(value, list | tuple) else value
    kept = [
        {"Key": str(t["Key"]), "Value": str(t.get("Value", ""))}
        for t in tags
        if not str(t["Key"]).lower().startswith(RESERVED_TAG_PREFIX)
    ]
    if kept:
        params["Tags"] = kept
    return params


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return list(a) == list(b)
    return bool(a == b)


def update_params(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """UpdateNotebookInstance members (without the name) that take ``current`` (a describe
    answer) to ``wanted``: only what changed. A value emptied in ``wanted`` (None, "", []) that
    is set now becomes its ``Disassociate*`` flag; a flag given in ``wanted`` passes through.
    Members an update cannot carry (subnet, tags, ...) are left to :func:`validate_update`."""
    removers = {target: flag for flag, target in disassociations().items()}
    params: dict[str, Any] = {}
    for spec in update_fields():
        if spec.key == NAME_KEY or spec.key not in wanted:
            continue
        value, now = wanted[spec.key], described_value(current, spec.key)
        if spec.kind is Kind.FLAG:
            if value:
                params[spec.key] = True
            continue
        if value is None or value in ("", [], ()):
            if now is not None and spec.key in removers:
                params[removers[spec.key]] = True
            continue
        if not _same(value, now):
            params[spec.key] = list(value) if isinstance(value, tuple) else value
    return params


def describe_member_names() -> frozenset[str]:
    """The members of DescribeNotebookInstance's answer (for tests of DESCRIBED_AS)."""
    from sagedeck.aws.manage.fields import sagemaker_model

    shape = sagemaker_model().operation_model("DescribeNotebookInstance").output_shape
    assert shape is not None
    return frozenset(shape.members)


def request_json_ready(params: Mapping[str, Any]) -> dict[str, Any]:
    """The request with its members in the model's order (create's, then update's own)."""
    order: dict[str, int] = {}
    for spec in (*create_fields(), *update_fields()):
        order.setdefault(spec.key, len(order))
    return dict(sorted(params.items(), key=lambda kv: order.get(kv[0], len(order))))


__all__ = ["DESCRIBED_AS", "clone_params", "described_value", "update_params"]
