"""What a field's editor holds, as the request member AWS takes, and back (to prefill a clone or
an edit). Plain Python: the form's widgets hold text and choices; this module turns them into
CreateNotebookInstance / UpdateNotebookInstance values by the field's kind (``FieldSpec.kind``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sagedeck.aws.manage.fields import Kind

IMDS_MEMBER = "MinimumInstanceMetadataServiceVersion"
_LIST_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True, slots=True)
class Unparsed:
    """Text the field cannot turn into its value yet: the reason, shown beside the field."""

    reason: str


def split_list(text: str) -> list[str]:
    """``sg-1, sg-2`` or ``sg-1 sg-2``: the items typed in a list field's free text."""
    return [item for item in _LIST_SEPARATORS.split(text.strip()) if item]


def parse_tag_lines(text: str) -> list[dict[str, str]] | Unparsed:
    """One ``key=value`` a line (the value may hold ``=`` and spaces; ``key=`` is an empty
    value). A line without ``=`` is refused with its number."""
    tags: list[dict[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, equals, value = line.partition("=")
        if not equals or not key.strip():
            return Unparsed(f"line {number}: write key=value")
        tags.append({"Key": key.strip(), "Value": value.strip()})
    return tags


def tag_lines(tags: Iterable[Mapping[str, str]]) -> str:
    return "\n".join(f"{tag['Key']}={tag.get('Value', '')}" for tag in tags)


def from_text(kind: Kind, text: str) -> Any:
    """The member for ``text`` typed in a field of ``kind``: None when empty (not sent),
    :class:`Unparsed` when it cannot be one."""
    text = text.strip() if kind is not Kind.TAGS else text
    if kind is Kind.TAGS:
        return parse_tag_lines(text) or None
    if not text:
        return None
    if kind is Kind.INT:
        return int(text) if re.fullmatch(r"-?\d+", text) else Unparsed("a whole number")
    if kind is Kind.LIST:
        return split_list(text) or None
    if kind is Kind.IMDS:
        return {IMDS_MEMBER: text}
    return text


def from_choice(kind: Kind, chosen: str | list[str] | None) -> Any:
    """The member for what a Select or a SelectionList holds (None: nothing chosen)."""
    if chosen is None or chosen == []:
        return None
    if kind is Kind.IMDS:
        return {IMDS_MEMBER: chosen}
    return chosen


def to_text(kind: Kind, value: Any) -> str:
    """``value`` (a member of a describe or of clone parameters) as a field's text."""
    if value is None:
        return ""
    if kind is Kind.TAGS:
        return tag_lines(value)
    if kind is Kind.LIST:
        return ", ".join(str(item) for item in value)
    if kind is Kind.IMDS:
        return str(value.get(IMDS_MEMBER, "")) if isinstance(value, Mapping) else str(value)
    return str(value)


def to_choices(kind: Kind, value: Any) -> list[str]:
    """``value`` as the items a choice editor selects (one, several or none)."""
    if value is None:
        return []
    if kind is Kind.LIST:
        return [str(item) for item in value]
    return [to_text(kind, value)] if to_text(kind, value) else []
