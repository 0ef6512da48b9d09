"""Lifecycle configurations and code repositories over several profiles (``--profile a,b``):
every profile's entries listed at once, a profile that cannot answer said in one line that
hides no other's; and the one profile a change must name.

Each entry carries the profile that listed it (None with one profile), so a change goes to
that profile's account and "used by" counts the instances of that account and region only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from sagedeck.aws.fleet import with_fix_for
from sagedeck.errors import InvalidInput, SagedeckError
from sagedeck.models import NotebookKey

if TYPE_CHECKING:
    from sagedeck.aws.services import AwsServices


class Listed(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def profile(self) -> str | None: ...
    @property
    def key(self) -> str: ...


E = TypeVar("E", bound=Listed)


def entry_key(profile: str | None, region: str, name: str) -> str:
    """``region/name``, or ``profile:region/name`` when several profiles are listed: a
    notebook's key, read the same way."""
    return str(NotebookKey(region, name, profile))


def profile_line(profile: str | None, error: SagedeckError) -> str:
    """``profile dev: <why>`` with the fix for that profile (``aws sso login --profile dev``)."""
    return f"profile {profile}: {with_fix_for(profile, str(error))}"


@dataclass(frozen=True, slots=True)
class Across(Generic[E]):
    """What every profile listed, by name, region, then the profiles' order; and the
    profiles that could not answer, with why."""

    entries: list[E]
    failed: dict[str | None, SagedeckError] = field(default_factory=dict)
    several: bool = False  # several profiles listed: entries name theirs

    def lines(self) -> list[str]:
        return [profile_line(profile, error) for profile, error in self.failed.items()]


async def across_profiles(
    services: AwsServices, listing: Callable[[AwsServices], Awaitable[Sequence[E]]]
) -> Across[E]:
    """``listing`` of every profile's services, all at once. One profile: its error is raised
    as ever; several: a failing profile is in ``failed`` and the others' entries still come."""
    if not services.target.many_profiles:
        return Across(list(await listing(services)))
    profiles = services.profiles

    async def one(profile: str | None) -> Sequence[E] | SagedeckError:
        try:
            return await listing(services.for_profile(profile))
        except SagedeckError as err:
            return err

    answers = await asyncio.gather(*map(one, profiles))
    failed = {p: a for p, a in zip(profiles, answers, strict=True) if isinstance(a, SagedeckError)}
    rank = {profile: index for index, profile in enumerate(profiles)}
    entries = sorted(
        (entry for answer in answers if not isinstance(answer, SagedeckError) for entry in answer),
        key=lambda e: (e.name, e.region, rank.get(e.profile, len(rank))),
    )
    return Across(entries, failed, several=True)


def one_profile(services: AwsServices) -> AwsServices:
    """The services a change goes through: it must name one profile, never silently the
    first of several."""
    if services.target.many_profiles:
        names = ", ".join(str(profile) for profile in services.profiles)
        raise InvalidInput(f"several profiles ({names}): name one with --profile")
    return services
