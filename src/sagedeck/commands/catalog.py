"""What ``sagedeck lifecycle ls`` and ``sagedeck repos ls`` share: the entries of every chosen
profile, a table or a JSON array on stdout (with the profile of each when several), and one
line on stderr for each profile that could not answer, as ``sagedeck ls`` says them.

Exit status: 0 when a profile answered (a failing one is said, as ``ls`` does), else the
error's; with one profile its error is raised as ever.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sagedeck.aws.across import Listed, across_profiles
from sagedeck.text.format import table
from sagedeck.text.sanitize import dumps_json, one_line, tolerate_unencodable

if TYPE_CHECKING:
    from sagedeck.aws.services import AwsServices

E = TypeVar("E", bound=Listed)


async def print_entries(
    services: AwsServices,
    listing: Callable[[AwsServices], Awaitable[Sequence[E]]],
    *,
    as_json: bool,
    header: tuple[str, ...],
    row: Callable[[E], tuple[str, ...]],
    record: Callable[[E], dict[str, Any]],
) -> int:
    """``record`` starts with ``name`` and ``region``; ``profile`` follows them when several
    profiles are listed (the table gains a PROFILE column)."""
    listed = await across_profiles(services, listing)
    for line in listed.lines():
        print(one_line(f"sagedeck: {line}"), file=sys.stderr)
    if listed.failed and len(listed.failed) == len(services.profiles):
        return next(iter(listed.failed.values())).exit_code
    entries = listed.entries
    if as_json:
        rows = [_with_profile(record(e), e.profile, listed.several) for e in entries]
        sys.stdout.write(dumps_json(rows, indent=2) + "\n")
        return 0
    tolerate_unencodable(sys.stdout)
    if listed.several:
        header = (*header, "PROFILE")
    print(
        table(header, [(*row(e), *((e.profile or "",) if listed.several else ())) for e in entries])
    )
    return 0


def _with_profile(fields: dict[str, Any], profile: str | None, several: bool) -> dict[str, Any]:
    if not several:
        return fields
    first = {key: fields.pop(key) for key in ("name", "region")}
    return {**first, "profile": profile, **fields}
