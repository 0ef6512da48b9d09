"""Where sagedeck connects: profile, regions and endpoint, and the clients built from them.

Clients are created once per (service, region) and reused: the first client of a service
loads its model (~0.3 s), later ones are cheap.
"""

from __future__ import annotations

import asyncio
import functools
import os
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import botocore.exceptions

from sagedeck.aws import profiles, regions
from sagedeck.aws.read_only import guard_client, refuse_unless_allowed
from sagedeck.aws.translate import translate_errors, translate_exception
from sagedeck.errors import InvalidInput

if TYPE_CHECKING:
    import botocore.loaders
    import botocore.session
    from aiobotocore.config import AioConfig
    from aiobotocore.session import AioSession

# aiobotocore (with aiohttp, ~0.1 s) and botocore's session are imported when the first
# connection is made, not with this module: `sagedeck --help` and `sagedeck ls` on its quick
# path (sagedeck.aws.quick) never need them.


def _client_config() -> AioConfig:
    """Settings fit for a UI (botocore's defaults take ~8 s to fail on a refused connection and
    minutes on a hung endpoint). sagedeck paces and backs off on its own above these. Two
    attempts, not three: standard mode sleeps up to 1 s and then 2 s between attempts, so a third
    attempt made a refused connection take up to ~3 s to report; with two it is under ~1 s.

    Built once, on first use, as the module attribute ``CLIENT_CONFIG`` (tests may replace it).
    """
    config = globals().get("CLIENT_CONFIG")
    if config is None:
        from aiobotocore.config import AioConfig

        config = AioConfig(
            retries={"mode": "standard", "total_max_attempts": 2},
            connect_timeout=2,
            read_timeout=10,
            max_pool_connections=20,
            user_agent_extra="sagedeck",
        )
        globals()["CLIENT_CONFIG"] = config
    return config


def __getattr__(name: str) -> Any:
    if name == "CLIENT_CONFIG":
        return _client_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class StaticCredentials:
    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class AwsTarget:
    """What to talk to. Built by :func:`resolve_target` from flags, environment and config.

    Several profiles at once (``--profile a,b`` or ``all``): ``members`` holds one target per
    profile, each with its own regions; ``profile`` is then the first one's and ``regions``
    all of theirs. One profile: ``members`` is empty."""

    profile: str | None
    regions: tuple[str, ...]
    endpoint_url: str | None = None
    read_only: bool = False
    credentials: StaticCredentials | None = None
    members: tuple[AwsTarget, ...] = ()

    @property
    def session_profile(self) -> str | None:
        """The profile botocore is to read: none when the keys are given (the embedded AWS's
        profiles exist in no config file)."""
        return None if self.credentials else self.profile

    @property
    def many_profiles(self) -> bool:
        return len(self.members) > 1

    @property
    def profiles(self) -> tuple[str | None, ...]:
        return tuple(member.profile for member in self.split())

    def split(self) -> tuple[AwsTarget, ...]:
        """One target per profile (this one alone when it has one profile)."""
        return self.members or (self,)


def joined(members: tuple[AwsTarget, ...]) -> AwsTarget:
    """One target over several profiles' targets (the target itself when there is one)."""
    if len(members) == 1:
        return members[0]
    regions = tuple(dict.fromkeys(region for member in members for region in member.regions))
    first = members[0]
    return AwsTarget(
        first.profile,
        regions,
        first.endpoint_url,
        first.read_only,
        first.credentials,
        members,
    )


def _botocore_session() -> botocore.session.Session:
    """A plain botocore session on the shared loader: the endpoint data it parses to check a
    region (~50-100 ms) is parsed once per process, and the first client reuses it."""
    import botocore.session

    session = botocore.session.Session()
    session.register_component("data_loader", _shared_loader())
    return session


@functools.cache
def sagemaker_regions() -> tuple[str, ...]:
    """Every commercial region where SageMaker is offered, from botocore's endpoint data (no API
    call): what ``--region all`` means. (China and GovCloud need other accounts.)"""
    fast = regions.sagemaker_regions("aws")  # without loading the SageMaker model
    if fast is not None:
        return tuple(sorted(fast))
    return tuple(sorted(_botocore_session().get_available_regions("sagemaker")))


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition where SageMaker is offered: what ``--region`` accepts."""
    fast = regions.sagemaker_regions(None)
    if fast is not None:
        return fast
    session = _botocore_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("sagemaker", partition_name=partition)
    )


def resolve_target(
    *,
    profile: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    read_only: bool = False,
    credentials: StaticCredentials | None = None,
    default_profile: str | None = None,
    default_regions: tuple[str, ...] = (),
) -> AwsTarget:
    """Flags first, then the AWS_* environment, then the config file's defaults, then the
    profile's region in ~/.aws/config, as the AWS CLI resolves them.

    ``region`` is comma-separated or ``all`` (every region where SageMaker is offered);
    ``profile`` is one name, comma-separated names or ``all`` (every profile of the AWS config
    and credentials files that can yield credentials), each with its own configured region
    unless regions are given.
    """
    spec = profile or os.environ.get("AWS_PROFILE") or default_profile or None
    endpoint_url = endpoint_url or None
    try:
        session = _botocore_session()
        names = profile_names(spec, session) if spec else (None,)
        region_spec = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if not region_spec and default_regions:
            region_spec = ",".join(default_regions)
        given = parse_regions(region_spec) if region_spec else None
        members = tuple(
            AwsTarget(
                name,
                given or _configured_regions(name),
                endpoint_url,
                read_only,
                credentials if len(names) == 1 else None,
            )
            for name in names
        )
    except botocore.exceptions.BotoCoreError as exc:
        # a corrupt ~/.aws/config, say: one line, not a traceback
        raise translate_exception(exc, "read the AWS configuration", "") or InvalidInput(
            f"cannot read the AWS configuration: {exc}"
        ) from None
    if endpoint_url is not None:
        validate_endpoint_url(endpoint_url)
    return joined(members)


def profile_names(spec: str, session: botocore.session.Session) -> tuple[str, ...]:
    """The profiles ``spec`` names (``a``, ``a,b,c`` or ``all``), each checked to exist."""
    return profiles.profile_names(
        spec, session.available_profiles, session.full_config.get("profiles", {})
    )


def _configured_regions(profile: str | None) -> tuple[str, ...]:
    """The profile's own region in the AWS config (as the AWS CLI reads it), else the default."""
    session = _botocore_session()
    if profile:
        session.set_config_variable("profile", profile)
    configured = session.get_config_variable("region")
    return parse_regions(configured) if configured else (DEFAULT_REGION,)


def parse_regions(spec: str) -> tuple[str, ...]:
    """``us-east-1``, ``us-east-1,eu-west-1`` or ``all`` (every SageMaker region)."""
    if spec.strip().lower() == "all":
        return sagemaker_regions()
    regions = tuple(dict.fromkeys(part.strip() for part in spec.split(",") if part.strip()))
    if not regions:
        raise InvalidInput("--region needs a region name, a comma-separated list, or 'all'")
    known = known_regions()
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise InvalidInput(
            f"unknown region {unknown[0]!r}: SageMaker regions are e.g. us-east-1, eu-west-1"
            " (or use --region all)"
        )
    return regions


def validate_endpoint_url(url: str) -> None:
    """Refuse what botocore would refuse later with a traceback-worthy ValueError."""
    from urllib.parse import urlsplit

    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    problem = f"malformed endpoint URL {url!r}: expected http(s)://host[:port]"
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number in 0-65535
    except ValueError:
        raise InvalidInput(problem) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(problem)
    if not (is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url)):
        raise InvalidInput(problem)


@functools.cache
def _shared_loader() -> botocore.loaders.Loader:
    """One loader of botocore's service models for every session: the first client of a
    service parses its model (~60-100 ms for SageMaker), every later session reuses it, so
    renewing credentials (a new session) costs no re-parsing."""
    import botocore.loaders

    return botocore.loaders.create_loader(os.environ.get("AWS_DATA_PATH"))


def new_session(profile: str | None) -> AioSession:
    from aiobotocore.session import AioSession, get_session

    from sagedeck.aws.parsing import FastParserFactory
    from sagedeck.aws.quick.chain import share_cli_cache

    session = AioSession(profile=profile) if profile else get_session()
    session.register_component("data_loader", _shared_loader())
    # Same parsed values, less CPU: see sagedeck.aws.parsing (measured there).
    session.register_component("response_parser_factory", FastParserFactory())
    # Assumed-role and SSO credentials (an MFA code, a browser login) shared with the AWS CLI
    # and the quick path: its cache in ~/.aws/cli/cache.
    share_cli_cache(session)
    return session


class AwsConnection:
    """Owns the aiobotocore session and one client per (service, region). A read-only
    target's clients refuse every operation not on :data:`sagedeck.aws.read_only.ALLOWED`.

    Use as ``async with AwsConnection(target) as conn``; every client closes with it.
    """

    def __init__(self, target: AwsTarget) -> None:
        self.target = target
        self._session = new_session(target.session_profile)
        self._stack = AsyncExitStack()
        self._clients: dict[tuple[str, str], Any] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    @property
    def regions(self) -> tuple[str, ...]:
        return self.target.regions

    @property
    def read_only(self) -> bool:
        return self.target.read_only

    def require_allowed(self, operation: str) -> None:
        """Raise now what read-only mode would raise when ``operation`` is called: for a
        caller that must say so before doing other work (a shell finds its node and its
        plugin first). Every client refuses on its own anyway (:mod:`sagedeck.aws.read_only`)."""
        if self.target.read_only:
            refuse_unless_allowed(operation)

    async def client(self, service: str, region: str) -> Any:
        key = (service, region)
        client = self._clients.get(key)
        if client is not None:
            return client
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            client = self._clients.get(key)
            if client is None:
                creds = self.target.credentials
                with translate_errors(f"connect to {service}", f"{service}:*"):
                    created = await self._stack.enter_async_context(
                        self._session.create_client(
                            service,
                            region_name=region,
                            endpoint_url=self.target.endpoint_url,
                            config=_client_config(),
                            aws_access_key_id=creds.access_key if creds else None,
                            aws_secret_access_key=creds.secret_key if creds else None,
                            aws_session_token=creds.token if creds else None,
                        )
                    )
                if self.target.read_only:
                    guard_client(created.meta.events)
                self._clients[key] = client = created
        return client

    async def reset_clients(self) -> None:
        """Drop every client, so renewed credentials (``aws sso login``) are picked up."""
        stack, self._stack = self._stack, AsyncExitStack()
        self._clients.clear()
        self._session = new_session(self.target.session_profile)
        await stack.aclose()

    async def close(self) -> None:
        self._clients.clear()
        await self._stack.aclose()

    async def __aenter__(self) -> AwsConnection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
