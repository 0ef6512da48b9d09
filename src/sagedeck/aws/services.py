"""One object that carries every AWS service sagedeck uses, built once by the CLI or a test."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import TYPE_CHECKING

from sagedeck.aws.notebooks import SageMaker
from sagedeck.aws.regions import REGIONS_AT_ONCE
from sagedeck.aws.session import AwsConnection, AwsTarget
from sagedeck.config import DEFAULTS
from sagedeck.errors import AmbiguousName, InvalidInput, NotFound, SagedeckError
from sagedeck.models import NotebookKey, RegionListing

if TYPE_CHECKING:
    from sagedeck.aws.lifecycle import LifecycleConfigs
    from sagedeck.aws.logs.client import CloudWatchLogs
    from sagedeck.aws.manage.calls import Manage
    from sagedeck.aws.pricing.client import Prices
    from sagedeck.aws.repos import CodeRepositories
    from sagedeck.aws.ssm import SessionManager


class AwsServices:
    """The AWS layer as the UI and the CLI see it. Close it when done.

    Over several profiles (``target.many_profiles``) this object is the first profile's
    services, and :meth:`for_profile` (or :meth:`of` a row's key) gives each other profile's:
    every call on an instance must go through the services of the profile that listed it.
    """

    def __init__(
        self,
        target: AwsTarget,
        *,
        ssm_tag_key: str = DEFAULTS.ssm_tag_key,
        stamped: bool = False,
    ) -> None:
        self.target = target
        self.ssm_tag_key = ssm_tag_key  # the node tag that names the notebook (Settings)
        own = target.split()[0]
        self.conn = AwsConnection(own)
        # Rows and keys carry their profile when several are listed.
        stamped = stamped or target.many_profiles
        self.sagemaker = SageMaker(self.conn, own.profile if stamped else None)
        self._members: dict[str | None, AwsServices] = {own.profile: self}

    # --- several profiles ----------------------------------------------------------------

    @property
    def profiles(self) -> tuple[str | None, ...]:
        return self.target.profiles

    def for_profile(self, profile: str | None) -> AwsServices:
        """The services of one of the target's profiles (made on first use)."""
        found = self._members.get(profile)
        if found is not None:
            return found
        for member in self.target.split():
            if member.profile == profile:
                found = AwsServices(member, ssm_tag_key=self.ssm_tag_key, stamped=True)
                self._members[profile] = found
                return found
        raise InvalidInput(f"profile {profile!r} is not one of those sagedeck lists")

    def of(self, key: NotebookKey) -> AwsServices:
        """The services of the profile that listed ``key``."""
        if not self.target.many_profiles or key.profile is None:
            return self
        return self.for_profile(key.profile)

    def members(self) -> list[AwsServices]:
        """The services of every profile made so far (this one first)."""
        return list(self._members.values())

    async def list_fleet(
        self,
        on_listing: Callable[[RegionListing], None] | None = None,
        on_page: Callable[[RegionListing], None] | None = None,
    ) -> list[RegionListing]:
        """Every region of every profile, :data:`REGIONS_AT_ONCE` calls at a time in all;
        ``on_listing`` hears each (profile, region) as it answers, ``on_page`` its rows so
        far after each page."""
        if not self.target.many_profiles:
            return await self.sagemaker.list_regions(on_listing=on_listing, on_page=on_page)
        limit = asyncio.Semaphore(REGIONS_AT_ONCE)
        per_profile = await asyncio.gather(
            *(
                self.for_profile(profile).sagemaker.list_regions(
                    on_listing=on_listing, limit=limit, on_page=on_page
                )
                for profile in self.profiles
            )
        )
        return [listing for listings in per_profile for listing in listings]

    async def find(self, name: str) -> NotebookKey:
        """Which profile and region hold ``name``; a name found in several asks to choose."""
        if not self.target.many_profiles:
            return await self.sagemaker.find(name)

        async def look(profile: str | None) -> NotebookKey | None:
            sagemaker = self.for_profile(profile).sagemaker
            try:
                key = await sagemaker.find(name)
                if len(sagemaker.conn.regions) == 1:  # find took the one region on trust
                    await sagemaker.describe(key)
            except NotFound:
                return None
            except AmbiguousName as err:  # in several regions of this profile
                ambiguous.extend(f"{profile} {region}" for region in err.regions)
                return None
            except SagedeckError as err:  # a profile that cannot answer hides no other's
                failures.append(err)
                return None
            return key

        failures: list[SagedeckError] = []
        ambiguous: list[str] = []
        hits = [key for key in await asyncio.gather(*map(look, self.profiles)) if key]
        where = [f"{key.profile} {key.region}" for key in hits] + ambiguous
        if len(where) > 1:
            raise AmbiguousName(name, where, "--profile (and --region)")
        if not hits and failures:
            raise failures[0]
        if not hits:
            raise NotFound(
                f"no notebook instance named {name!r} in profiles"
                f" {', '.join(str(p) for p in self.profiles)}"
            )
        return hits[0]

    async def reset_clients(self, profiles: Iterable[str | None] | None = None) -> None:
        """The clients of ``profiles`` (default: every profile) dropped, so renewed credentials
        (``aws sso login``) are picked up."""
        # One profile: its rows name none, so whatever is asked is this one.
        many = self.target.many_profiles
        wanted = None if profiles is None or not many else set(profiles)
        for profile, member in list(self._members.items()):
            if wanted is None or profile in wanted:
                await member.conn.reset_clients()

    @cached_property
    def logs(self) -> CloudWatchLogs:
        from sagedeck.aws.logs.client import CloudWatchLogs

        return CloudWatchLogs(self.conn)

    @cached_property
    def ssm(self) -> SessionManager:
        from sagedeck.aws.ssm import SessionManager

        return SessionManager(self.conn, tag_key=self.ssm_tag_key)

    @cached_property
    def lifecycle(self) -> LifecycleConfigs:
        from sagedeck.aws.lifecycle import LifecycleConfigs

        return LifecycleConfigs(self.sagemaker)

    @cached_property
    def repos(self) -> CodeRepositories:
        from sagedeck.aws.repos import CodeRepositories

        return CodeRepositories(self.sagemaker)

    @cached_property
    def manage(self) -> Manage:
        from sagedeck.aws.manage.calls import Manage

        return Manage(self.conn)

    @cached_property
    def prices(self) -> Prices:
        """Hourly prices, cached on disk for a day (``aws/pricing/``)."""
        from sagedeck.aws.pricing.cache import PriceCache
        from sagedeck.aws.pricing.client import Prices

        return Prices(self.conn, PriceCache(endpoint_url=self.target.endpoint_url))

    @property
    def read_only(self) -> bool:
        return self.target.read_only

    async def close(self) -> None:
        for member in list(self._members.values()):
            if member is not self:
                await member.close()
        await self.conn.close()

    async def __aenter__(self) -> AwsServices:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
