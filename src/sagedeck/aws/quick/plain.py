"""Whether a listing is the plain case, and what it talks to: the profile, the regions and the
endpoint resolved as ``aws.session.resolve_target`` and botocore resolve them, from the
environment, the AWS configuration files and botocore's endpoint data (standard library only).
Anything this module does not know to be plain raises :class:`Unsupported`."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from sagedeck.aws import profiles as profile_choice
from sagedeck.aws import regions as region_data
from sagedeck.aws.quick import sources
from sagedeck.aws.quick.credentials import Credentials, load_profiles
from sagedeck.aws.quick.unsupported import Unsupported
from sagedeck.errors import InvalidInput

DEFAULT_REGION = "us-east-1"

# Profile settings this path knows to change nothing about a ListNotebookInstances call but
# where its credentials come from (sources.CREDENTIAL_KEYS). Anything else (endpoint_url,
# services, use_fips_endpoint, ...) sends the listing down the ordinary path.
PLAIN_PROFILE_KEYS = sources.CREDENTIAL_KEYS | frozenset(
    {
        "region",
        "output",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "retry_mode",  # sagedeck sets its own retries
        "max_attempts",
        "cli_pager",
        "cli_history",
        "cli_auto_prompt",
        "cli_binary_format",
        "cli_timestamp_format",
        "parameter_validation",
        "ca_bundle",
    }
)
# Environment that changes credentials, endpoints or transport in ways this path does not copy.
UNSUPPORTED_ENV = (
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL_SAGEMAKER",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_DATA_PATH",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")


@dataclass(frozen=True, slots=True)
class Plan:
    regions: tuple[str, ...]
    credentials: Credentials
    endpoint_url: str | None  # None: each region's public endpoint
    ca_bundle: str | None = None  # None: botocore's default bundle

    def endpoint(self, region: str) -> str:
        return self.endpoint_url or f"https://{region_data.ENDPOINT_PREFIX}.{region}.amazonaws.com"


# --- regions, from botocore's endpoint data (no botocore import) ---------------------------------


def known_regions(partition_name: str | None) -> frozenset[str]:
    """SageMaker's regions in one partition (None: every partition)."""
    found = region_data.sagemaker_regions(partition_name)
    if found is None:
        raise Unsupported("botocore's data is overridden")
    return found


def commercial_regions() -> tuple[str, ...]:
    """What ``--region all`` means (as ``aws.session.sagemaker_regions``)."""
    return tuple(sorted(known_regions("aws")))


def parse_regions(spec: str) -> tuple[str, ...]:
    if spec.strip().lower() == "all":
        return commercial_regions()
    regions = tuple(dict.fromkeys(part.strip() for part in spec.split(",") if part.strip()))
    if not regions or not set(regions) <= known_regions(None):
        raise Unsupported("not a known region")  # the ordinary path words the error
    return regions


def resolve_regions(
    region_flag: str | None,
    default_regions: tuple[str, ...],
    profile: str | None,
    profiles: Mapping[str, Mapping[str, str]],
    env: Mapping[str, str],
) -> tuple[str, ...]:
    """As ``aws.session.resolve_target``: flag, AWS_REGION / AWS_DEFAULT_REGION, the config
    file's regions, the profile's region, us-east-1."""
    spec = region_flag or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if spec:
        return parse_regions(spec)
    if default_regions:
        return parse_regions(",".join(default_regions))
    configured = profiles.get(profile or "default", {}).get("region")
    return parse_regions(configured) if configured else (DEFAULT_REGION,)


def check_endpoint_url(url: str) -> str:
    """The plain case of an endpoint URL: http(s), a host name or IPv4 address, no path."""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        raise Unsupported("malformed endpoint URL") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not _HOST.fullmatch(parts.hostname)
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise Unsupported("endpoint URL needs botocore")
    return f"{parts.scheme}://{parts.netloc}"


# --- the decision --------------------------------------------------------------------------------


def plan(
    *,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    default_profile: str | None = None,
    default_regions: tuple[str, ...] = (),
    env: Mapping[str, str] | None = None,
) -> Plan:
    """What the listing will talk to, resolved as ``aws.session.resolve_target`` and botocore
    resolve it (``endpoint_url`` already resolved from flag, environment and config file);
    :class:`Unsupported` unless it is the plain case."""
    env = os.environ if env is None else env
    if any(env.get(name) for name in UNSUPPORTED_ENV):
        raise Unsupported("environment needs botocore")
    profile = profile or env.get("AWS_PROFILE") or default_profile or None
    profiles = load_profiles(env)
    if profile is not None and profile not in profiles:
        raise Unsupported("no such profile")
    # endpoint_url, services, use_fips_endpoint...: even with keys in the environment, such a
    # profile changes what botocore would do
    if not set(profiles.get(profile or "default", {})) <= PLAIN_PROFILE_KEYS:
        raise Unsupported("the profile needs botocore")
    regions = resolve_regions(region, default_regions, profile, profiles, env)
    endpoint = endpoint_url or None
    if endpoint is not None:
        endpoint = check_endpoint_url(endpoint)
    elif not set(regions) <= known_regions("aws"):
        raise Unsupported("another partition")
    # botocore's order: AWS_CA_BUNDLE, then the profile's ca_bundle
    ca_bundle = env.get("AWS_CA_BUNDLE") or profiles.get(profile or "default", {}).get("ca_bundle")
    # last: a credential process, an MFA prompt or a call to STS is worth it only now
    credentials = sources.resolve(profile, profiles, env)
    return Plan(regions, credentials, endpoint, ca_bundle or None)


def profile_plans(
    *,
    profile: str,
    region: str | None,
    endpoint_url: str | None,
    default_regions: tuple[str, ...] = (),
    env: Mapping[str, str] | None = None,
) -> list[tuple[str, Plan]]:
    """Each profile ``profile`` names (``a``, ``a,b,c`` or ``all``, chosen as the ordinary
    path chooses them) with its :func:`plan`, in order; :class:`Unsupported` unless every one
    is the plain case. One after the other: a credential process may prompt (an MFA code)."""
    env = os.environ if env is None else env
    configured = load_profiles(env)
    try:
        names = profile_choice.profile_names(profile, configured, configured)
    except InvalidInput:
        raise Unsupported("the ordinary path words it") from None
    return [
        (
            name,
            plan(
                profile=name,
                region=region,
                endpoint_url=endpoint_url,
                default_regions=default_regions,
                env=env,
            ),
        )
        for name in names
    ]
