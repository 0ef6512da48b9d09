"""Install attributes on moto's classes, loudly: every replaced attribute must exist in moto
and every added one must not (if moto grows its own, we want to know before it is shadowed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class MotoInternalsChanged(RuntimeError):
    """moto no longer looks like the 5.2.5 these extensions were written against."""


@dataclass(frozen=True, slots=True)
class PatchRecord:
    owner: type
    name: str
    replaced: bool
    original: Any


RECORDS: list[PatchRecord] = []


def replace(owner: type, name: str, value: Any) -> Any:
    """Replace ``owner.name`` (which must exist); return the original."""
    original = owner.__dict__.get(name)
    if original is None:
        raise MotoInternalsChanged(f"{owner.__module__}.{owner.__qualname__}.{name} is missing")
    setattr(owner, name, value)
    RECORDS.append(PatchRecord(owner, name, True, original))
    return original


def add(owner: type, name: str, value: Any) -> None:
    """Add ``owner.name``, which moto must not define itself."""
    if any(name in vars(klass) for klass in owner.__mro__):
        raise MotoInternalsChanged(
            f"{owner.__module__}.{owner.__qualname__}.{name} now exists in moto: "
            "check whether the extension is still needed"
        )
    setattr(owner, name, value)
    RECORDS.append(PatchRecord(owner, name, False, None))
