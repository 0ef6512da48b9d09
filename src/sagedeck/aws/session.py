"""Where sagedeck connects: profile, regions and endpoint, and the clients built from them.

Clients are created once per (service, region) and reused: the first client of a service
loads its model (~0.3 s), later ones are cheap.
"""

from __future__ import annotations

import asyncio
import functools
import os
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from typing import Any

import botocore.session
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session

from sagedeck.aws.translate import translate_errors
from sagedeck.errors import InvalidInput, ReadOnly

# Settings fit for a UI (aws.md: the defaults take ~8 s to fail on a refused connection and
# minutes on a hung endpoint). sagedeck paces and backs off on its own above these.
CLIENT_CONFIG = AioConfig(
    retries={"mode": "standard", "total_max_attempts": 3},
    connect_timeout=2,
    read_timeout=10,
    max_pool_connections=20,
    user_agent_extra="sagedeck",
)

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class StaticCredentials:
    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class AwsTarget:
    """What to talk to. Built by :func:`resolve_target` from flags, environment and config."""

    profile: str | None
    regions: tuple[str, ...]
    endpoint_url: str | None = None
    read_only: bool = False
    credentials: StaticCredentials | None = None

    def with_regions(self, regions: tuple[str, ...]) -> AwsTarget:
        return replace(self, regions=regions)


@functools.cache
def sagemaker_regions() -> tuple[str, ...]:
    """Every region where SageMaker is offered, from botocore's endpoint data (no API call)."""
    return tuple(sorted(botocore.session.Session().get_available_regions("sagemaker")))


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

    ``region`` is comma-separated or ``all`` (every region where SageMaker is offered).
    """
    profile = profile or os.environ.get("AWS_PROFILE") or default_profile or None
    session = botocore.session.Session()
    if profile and profile not in session.available_profiles:
        known = ", ".join(sorted(session.available_profiles)) or "none configured"
        raise InvalidInput(f"unknown profile {profile!r} (known: {known})")
    region_spec = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region_spec:
        regions = parse_regions(region_spec)
    elif default_regions:
        regions = default_regions
    else:
        if profile:
            session.set_config_variable("profile", profile)
        configured = session.get_config_variable("region")
        regions = (configured or DEFAULT_REGION,)
    endpoint_url = endpoint_url or None
    if endpoint_url is not None:
        validate_endpoint_url(endpoint_url)
    return AwsTarget(profile, regions, endpoint_url, read_only, credentials)


def parse_regions(spec: str) -> tuple[str, ...]:
    known = sagemaker_regions()
    if spec.strip() == "all":
        return known
    regions = tuple(dict.fromkeys(part.strip() for part in spec.split(",") if part.strip()))
    if not regions:
        raise InvalidInput("--region needs a region name, a comma-separated list, or 'all'")
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise InvalidInput(
            f"unknown region {unknown[0]!r}: SageMaker is offered in {', '.join(known[:6])}, …"
            " (or use --region all)"
        )
    return regions


def validate_endpoint_url(url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"malformed endpoint URL {url!r}: expected http(s)://host[:port]")
    try:
        _ = parts.port
    except ValueError:
        raise InvalidInput(f"malformed endpoint URL {url!r}: bad port") from None


class AwsConnection:
    """Owns the aiobotocore session and one client per (service, region).

    Use as ``async with AwsConnection(target) as conn``; every client closes with it.
    """

    def __init__(self, target: AwsTarget) -> None:
        self.target = target
        self._session = AioSession(profile=target.profile) if target.profile else get_session()
        self._stack = AsyncExitStack()
        self._clients: dict[tuple[str, str], Any] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    @property
    def regions(self) -> tuple[str, ...]:
        return self.target.regions

    @property
    def read_only(self) -> bool:
        return self.target.read_only

    def require_writable(self, action: str) -> None:
        """Refuse a mutating call in read-only mode. Every mutating call in aws/ calls this."""
        if self.target.read_only:
            raise ReadOnly(action)

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
                    client = await self._stack.enter_async_context(
                        self._session.create_client(
                            service,
                            region_name=region,
                            endpoint_url=self.target.endpoint_url,
                            config=CLIENT_CONFIG,
                            aws_access_key_id=creds.access_key if creds else None,
                            aws_secret_access_key=creds.secret_key if creds else None,
                            aws_session_token=creds.token if creds else None,
                        )
                    )
                self._clients[key] = client
        return client

    async def reset_clients(self) -> None:
        """Drop every client, so renewed credentials (``aws sso login``) are picked up."""
        stack, self._stack = self._stack, AsyncExitStack()
        self._clients.clear()
        self._session = (
            AioSession(profile=self.target.profile) if self.target.profile else get_session()
        )
        await stack.aclose()

    async def close(self) -> None:
        self._clients.clear()
        await self._stack.aclose()

    async def __aenter__(self) -> AwsConnection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
