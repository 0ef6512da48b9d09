"""What a listing of several regions and profiles says beyond its rows: which profiles failed
(one line each, with the command that fixes it), which regions are not enabled for the account
(one line, not an error per region) and which rows two profiles both list (shown once).

Plain functions over :class:`RegionListing`: ``sagedeck ls`` prints these lines on stderr and
the dashboard shows them in its status bar, so both say the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sagedeck.errors import CredentialsError, SagedeckError
from sagedeck.models import RegionListing


def by_profile(listings: Iterable[RegionListing]) -> dict[str | None, list[RegionListing]]:
    groups: dict[str | None, list[RegionListing]] = {}
    for listing in listings:
        groups.setdefault(listing.profile, []).append(listing)
    return groups


def not_enabled(listings: Sequence[RegionListing]) -> list[RegionListing]:
    """Regions whose listing was refused for the credentials while another region of the same
    profile answered: opt-in regions the account has not enabled answer so
    (UnrecognizedClientException, InvalidClientTokenId, AuthFailure)."""
    skipped: list[RegionListing] = []
    for group in by_profile(listings).values():
        if any(listing.error is None for listing in group):
            skipped += [g for g in group if isinstance(g.error, CredentialsError)]
    return skipped


def failed_profiles(listings: Sequence[RegionListing]) -> dict[str | None, SagedeckError]:
    """The profiles that failed in every region they list, with the first region's error."""
    failed: dict[str | None, SagedeckError] = {}
    for profile, group in by_profile(listings).items():
        if group and all(listing.error is not None for listing in group):
            error = group[0].error
            assert error is not None
            failed[profile] = error
    return failed


def with_fix_for(profile: str | None, message: str) -> str:
    """The fix a credentials message names, for this profile (``aws sso login --profile p``)."""
    if profile is None:
        return message
    return message.replace("aws sso login`", f"aws sso login --profile {profile}`").replace(
        "aws configure`", f"aws configure --profile {profile}`"
    )


@dataclass(frozen=True, slots=True)
class Problems:
    """The lines to show for a listing, and whether it failed as a whole."""

    lines: tuple[str, ...]
    partial: bool  # a region of a profile that answered failed (ls exits 1)
    everything_failed: SagedeckError | None  # no profile answered: this is the error


def problems(listings: Sequence[RegionListing]) -> Problems:
    """One line per failed profile, one per failed region of a profile that answered, one per
    profile for its regions that are not enabled."""
    if listings and all(listing.error is not None for listing in listings):
        first = listings[0].error
        assert first is not None
        several = len(by_profile(listings)) > 1
        if not several:
            return Problems((), False, first)
    lines: list[str] = []
    partial = False
    skipped = not_enabled(listings)
    dead = failed_profiles(listings)
    for profile, group in by_profile(listings).items():
        label = "" if profile is None else f"profile {profile}: "
        if profile in dead:
            lines.append(label + with_fix_for(profile, str(dead[profile])))
            continue
        for listing in group:
            if listing.error is not None and listing not in skipped:
                partial = True
                lines.append(
                    f"{label}{listing.region}: {with_fix_for(profile, str(listing.error))}"
                )
        regions = [listing.region for listing in group if listing in skipped]
        if regions:
            lines.append(
                f"{label}skipped regions not enabled for this account: {', '.join(regions)}"
            )
    everything = None
    if listings and len(dead) == len(by_profile(listings)):
        everything = next(iter(dead.values()))
    return Problems(tuple(lines), partial, everything)


def dedupe(
    listings: Sequence[RegionListing], profiles: Sequence[str | None]
) -> tuple[list[RegionListing], dict[str | None, str | None]]:
    """The listings with each instance (by ARN) kept once, under the first of ``profiles``
    that lists it: two profiles of one account (a role and an SSO login, say) list the same
    instances. Also: which profile's rows went to which (``{"b": "a"}``: b's shown via a)."""
    rank = {profile: index for index, profile in enumerate(profiles)}
    ordered = sorted(listings, key=lambda listing: rank.get(listing.profile, len(rank)))
    owner: dict[str, str | None] = {}
    shared: dict[str | None, str | None] = {}
    kept: list[RegionListing] = []
    for listing in ordered:
        rows = []
        for notebook in listing.notebooks:
            first = owner.setdefault(notebook.arn, listing.profile)
            if first == listing.profile:
                rows.append(notebook)
            else:
                shared[listing.profile] = first
        kept.append(
            listing
            if len(rows) == len(listing.notebooks)
            else replace(listing, notebooks=tuple(rows))
        )
    return kept, shared


def shared_lines(shared: dict[str | None, str | None]) -> list[str]:
    return [
        f"profile {profile} lists the same instances as profile {first}: shown once, via {first}"
        for profile, first in shared.items()
    ]
