"""Every setting of a notebook instance, read from botocore's SageMaker model at run time.

CreateNotebookInstance and UpdateNotebookInstance are the source of truth: names, lengths,
patterns, ranges and enums come from the model installed with botocore, never from a copied
table, so a new platform or instance type shows up with a botocore upgrade. The CLI builds its
options from :data:`FIELDS` and the TUI its form; :mod:`sagedeck.aws.manage.validate` checks
values against the same records.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sagedeck.text.sanitize import one_line

if TYPE_CHECKING:
    import botocore.model

CREATE = "CreateNotebookInstance"
UPDATE = "UpdateNotebookInstance"
NAME_KEY = "NotebookInstanceName"


class Kind(StrEnum):
    TEXT = "text"  # one string (with an optional pattern)
    INT = "int"  # a whole number in [minimum, maximum]
    ENUM = "enum"  # one of ``choices``
    LIST = "list"  # several strings (security groups, repositories, accelerator types)
    TAGS = "tags"  # Key/Value pairs
    FLAG_ENUM = "flag-enum"  # Enabled|Disabled: a switch in the form
    FLAG = "flag"  # a boolean request member (UpdateNotebookInstance's Disassociate* flags)
    IMDS = "imds"  # InstanceMetadataServiceConfiguration: one small structure, one value


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One member of CreateNotebookInstance and/or UpdateNotebookInstance.

    ``minimum``/``maximum`` bound the value (INT), the length (TEXT) or the count (LIST, TAGS);
    ``item_minimum``/``item_maximum``/``pattern`` bound each item of a LIST (or the value of a
    TEXT/IMDS). ``choices`` lists an ENUM's values, a LIST's allowed items, IMDS's versions.
    """

    key: str
    option: str
    label: str
    kind: Kind
    required: bool
    choices: tuple[str, ...]
    minimum: int | None
    maximum: int | None
    pattern: str | None
    on_create: bool
    on_update: bool
    doc: str
    item_minimum: int | None = None
    item_maximum: int | None = None
    supported: bool = True  # False: the model says the service no longer offers it
    unsupported_reason: str = ""

    def matches(self, value: str) -> bool:
        """Whether ``value`` fits the model's pattern (AWS matches the whole value)."""
        return self.pattern is None or pattern_matcher(self.pattern)(value)


# Labels a person reads in the form; the key itself when a member is not named here.
LABELS: dict[str, str] = {
    NAME_KEY: "Name",
    "InstanceType": "Instance type",
    "SubnetId": "Subnet",
    "SecurityGroupIds": "Security groups",
    "IpAddressType": "IP address type",
    "RoleArn": "IAM role",
    "KmsKeyId": "KMS key",
    "Tags": "Tags",
    "LifecycleConfigName": "Lifecycle configuration",
    "DisassociateLifecycleConfig": "Remove lifecycle configuration",
    "DirectInternetAccess": "Direct internet access",
    "VolumeSizeInGB": "Volume size (GB)",
    "AcceleratorTypes": "Elastic Inference accelerators",
    "DisassociateAcceleratorTypes": "Remove accelerators",
    "DefaultCodeRepository": "Default code repository",
    "AdditionalCodeRepositories": "Additional code repositories",
    "DisassociateDefaultCodeRepository": "Remove default code repository",
    "DisassociateAdditionalCodeRepositories": "Remove additional code repositories",
    "RootAccess": "Root access",
    "PlatformIdentifier": "Platform",
    "InstanceMetadataServiceConfiguration": "Minimum IMDS version",
}
_NO_LONGER = re.compile(r"no longer (supported|available)", re.I)


@functools.cache
def sagemaker_model() -> botocore.model.ServiceModel:
    """SageMaker's service model, parsed once per process on the shared loader."""
    from sagedeck.aws.session import _botocore_session

    return _botocore_session().get_service_model("sagemaker")


def input_members(operation: str) -> dict[str, botocore.model.Shape]:
    shape = sagemaker_model().operation_model(operation).input_shape
    assert shape is not None
    return dict(shape.members)


def first_sentence(doc: str, count: int = 1) -> str:
    """The model's documentation (HTML) as plain text: its first ``count`` sentences."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", doc or ""))
    text = one_line(" ".join(text.split()))
    sentences = re.findall(r".+?[.!?](?=\s|$)", text) or [text]
    return " ".join(s.strip() for s in sentences[:count])[:300]


def _kind(key: str, shape: botocore.model.Shape) -> Kind:
    if shape.type_name == "boolean":
        return Kind.FLAG
    if shape.type_name == "integer":
        return Kind.INT
    if shape.type_name == "structure":
        return Kind.IMDS
    if shape.type_name == "list":
        member = getattr(shape, "member", None)
        return Kind.TAGS if member is not None and member.type_name == "structure" else Kind.LIST
    enum = tuple(getattr(shape, "enum", None) or ())
    if set(enum) == {"Enabled", "Disabled"}:
        return Kind.FLAG_ENUM
    return Kind.ENUM if enum else Kind.TEXT


def _value_shape(kind: Kind, shape: botocore.model.Shape) -> botocore.model.Shape:
    """The shape whose metadata bounds a single value: the list's item, IMDS's one member."""
    if kind is Kind.LIST:
        member: botocore.model.Shape = shape.member  # type: ignore[attr-defined]
        return member
    if kind is Kind.IMDS:
        members = shape.members  # type: ignore[attr-defined]
        return next(iter(members.values()))  # type: ignore[no-any-return]
    return shape


def _spec(key: str, shape: botocore.model.Shape, create: bool, update: bool) -> FieldSpec:
    from botocore import xform_name

    kind = _kind(key, shape)
    meta = shape.metadata
    value = _value_shape(kind, shape)
    value_meta = value.metadata
    choices = tuple(getattr(value, "enum", None) or ())
    pattern = value_meta.get("pattern")
    listed = alternatives(pattern)
    if listed and not choices:  # "1|2", "(notebook-al1-v1|...)": the model's list of values
        choices = listed
        kind = Kind.ENUM if kind is Kind.TEXT else kind
    doc = first_sentence(shape.documentation or "")
    retired = bool(_NO_LONGER.search(doc))
    counted = kind in (Kind.LIST, Kind.TAGS)
    return FieldSpec(
        key=key,
        option="--" + xform_name(key, "-"),
        label=LABELS.get(key, key),
        kind=kind,
        required=create and key in _required(CREATE),
        choices=choices,
        minimum=meta.get("min") if kind is not Kind.TEXT or meta.get("min") else None,
        maximum=meta.get("max"),
        pattern=pattern if not counted or kind is Kind.LIST else None,
        on_create=create,
        on_update=update,
        doc=doc,
        item_minimum=value_meta.get("min") if kind in (Kind.LIST, Kind.IMDS) else None,
        item_maximum=value_meta.get("max") if kind in (Kind.LIST, Kind.IMDS) else None,
        supported=not retired,
        unsupported_reason=first_sentence(shape.documentation or "", 2) if retired else "",
    )


@functools.cache
def _required(operation: str) -> frozenset[str]:
    shape = sagemaker_model().operation_model(operation).input_shape
    assert shape is not None
    return frozenset(shape.required_members)


# Declared, not assigned: the module's __getattr__ builds it on first use (parsing the model
# takes ~0.1 s, which the CLI's other commands must not pay).
FIELDS: tuple[FieldSpec, ...]


@functools.cache
def fields() -> tuple[FieldSpec, ...]:
    """Every member of CreateNotebookInstance and UpdateNotebookInstance, create's order first."""
    create, update = input_members(CREATE), input_members(UPDATE)
    keys = list(create) + [key for key in update if key not in create]
    return tuple(
        _spec(key, create.get(key) or update[key], key in create, key in update) for key in keys
    )


def __getattr__(name: str) -> Any:
    if name == "FIELDS":  # ``from sagedeck.aws.manage.fields import FIELDS`` works, lazily
        return fields()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def field(key: str) -> FieldSpec:
    for spec in fields():
        if spec.key == key:
            return spec
    raise KeyError(key)


def create_fields() -> Iterator[FieldSpec]:
    return (spec for spec in fields() if spec.on_create)


def update_fields() -> Iterator[FieldSpec]:
    return (spec for spec in fields() if spec.on_update)


# Where DescribeNotebookInstance answers a request member under another name.
DESCRIBED_AS: dict[str, str] = {
    "SecurityGroupIds": "SecurityGroups",
    "LifecycleConfigName": "NotebookInstanceLifecycleConfigName",
}


def described_value(described: Mapping[str, Any], key: str) -> Any:
    """The value of request member ``key`` in a DescribeNotebookInstance answer (None: unset)."""
    value = described.get(DESCRIBED_AS.get(key, key))
    if value in ("", [], ()):
        return None
    return value


def instance_types() -> tuple[str, ...]:
    return field("InstanceType").choices


def platforms() -> tuple[str, ...]:
    """The platforms the model's PlatformIdentifier pattern names (``(a|b|c)``)."""
    return field("PlatformIdentifier").choices


_ALTERNATIVES = re.compile(r"\(?([\w.-]+(?:\|[\w.-]+)+)\)?")


def alternatives(pattern: str | None) -> tuple[str, ...]:
    """The values a pattern that only lists literals allows (``(a|b)`` → a, b); else ()."""
    match = _ALTERNATIVES.fullmatch(pattern or "")
    return tuple(match.group(1).split("|")) if match else ()


def accelerator_types() -> tuple[str, ...]:
    return field("AcceleratorTypes").choices


# --- the model's patterns in Python ------------------------------------------------------
# The model writes patterns for Java's regex engine; two differ from Python's re: ``\p{L}``-style
# Unicode classes (tag keys and values) and nothing else sagedeck's fields use.
_UNICODE_CLASS = re.compile(r"\\p\{(\w+)\}")
_CLASS_ONLY = re.compile(r"^\(?\[((?:\\.|[^\]])*)\]\*\)?$")


@functools.cache
def pattern_matcher(pattern: str) -> Callable[[str], bool]:
    """A full-match test for one of the model's patterns."""
    if "\\p{" not in pattern:
        compiled = re.compile(pattern)
        return lambda value: compiled.fullmatch(value) is not None
    match = _CLASS_ONLY.match(pattern)
    if match is None:  # a shape sagedeck has not met: accept, AWS will say
        return lambda value: True
    body = match.group(1)
    categories = tuple(_UNICODE_CLASS.findall(body))
    literals = set(re.sub(r"\\(.)", r"\1", _UNICODE_CLASS.sub("", body)))

    def test(value: str) -> bool:
        return all(
            ch in literals or unicodedata.category(ch).startswith(categories) for ch in value
        )

    return test
