"""``sagedeck ls`` in a fraction of a second: ListNotebookInstances without botocore.

A script that runs ``sagedeck ls --json`` pays for the interpreter, botocore, aiobotocore and
aiohttp, the endpoint data and the SageMaker service model before the first request: ~0.45 s
of a ~0.65 s listing of 1,000 instances (docs/performance.md). This module does that one
read-only call with the standard library alone: the AWS configuration files read as botocore
reads them, a Signature Version 4 request, one keep-alive connection per region, regions in
parallel.

It only handles the plain case, and it says so by raising :class:`Unsupported` *before any
output*: then the caller runs the ordinary path, which handles everything botocore does (SSO,
assumed roles, credential processes, FIPS and dual-stack endpoints, proxies, custom CA
bundles, other partitions) and words every error as the rest of sagedeck does. The plain case:
static keys (the environment, or the profile's keys in the credentials or config file), regions
of the ``aws`` partition or an explicit endpoint URL, and an answer of 200 from every region.
Anything else from AWS (throttling, denial, an expired token, a stale page token, a refused
connection) is handed to the ordinary path too, which retries and reports it; only a timeout
is reported here (as the ordinary path would, after the same two attempts), so a hung endpoint
does not cost its timeouts twice.

``tests/aws/test_quick.py`` holds this to botocore: the same credentials and regions for every
configuration it covers, the same signature, the same output byte for byte.
"""

from __future__ import annotations

import configparser
import hashlib
import hmac
import http.client
import json
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sagedeck import __version__
from sagedeck.aws import regions as region_data
from sagedeck.aws.shapes import summary_from_api, wire_time
from sagedeck.errors import EndpointUnreachable
from sagedeck.models import NotebookSummary, RegionListing

if TYPE_CHECKING:
    from concurrent.futures import Future

SERVICE = "sagemaker"  # the signing name
TARGET = "SageMaker.ListNotebookInstances"
PAGE_SIZE = 100
CONNECT_TIMEOUT, READ_TIMEOUT, ATTEMPTS = 2.0, 10.0, 2  # as aws.session's client settings
DEFAULT_REGION = "us-east-1"

# Profile settings this path knows to change nothing about a ListNotebookInstances call.
# Anything else (role_arn, sso_*, credential_process, endpoint_url, services, ca_bundle,
# use_fips_endpoint, ...) sends the listing down the ordinary path.
PLAIN_PROFILE_KEYS = frozenset(
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
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")


class Unsupported(Exception):
    """Not the plain case: use the ordinary path. Raised before anything is printed."""


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Plan:
    regions: tuple[str, ...]
    credentials: Credentials
    endpoint_url: str | None  # None: each region's public endpoint
    ca_bundle: str | None = None  # None: botocore's default bundle

    def endpoint(self, region: str) -> str:
        return self.endpoint_url or f"https://{region_data.ENDPOINT_PREFIX}.{region}.amazonaws.com"


# --- configuration, as botocore reads it ---------------------------------------------------------


def _ini(path: str) -> dict[str, dict[str, str]]:
    file = Path(path).expanduser()
    if not file.is_file():
        return {}
    parser = configparser.RawConfigParser()
    try:
        parser.read(file, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        raise Unsupported("unreadable AWS configuration") from None
    return {section: dict(parser.items(section)) for section in parser.sections()}


def load_profiles(env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Profile name -> settings, config file first and the credentials file over it, with
    botocore's section names (``[default]`` and ``[profile NAME]`` in the config file, ``[NAME]``
    in the credentials file)."""
    profiles: dict[str, dict[str, str]] = {}
    for section, values in _ini(env.get("AWS_CONFIG_FILE", "~/.aws/config")).items():
        if section.startswith("profile"):
            try:
                parts = shlex.split(section)
            except ValueError:
                continue
            if len(parts) == 2:
                if parts[1] in profiles:  # [default] and [profile default]: botocore's order
                    raise Unsupported("profile defined twice")
                profiles[parts[1]] = values
        elif section == "default":
            if section in profiles:
                raise Unsupported("profile defined twice")
            profiles[section] = values
    credentials_file = env.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")
    for section, values in _ini(credentials_file).items():
        profiles.setdefault(section, {}).update(values)
    return profiles


def _static_keys(values: Mapping[str, str]) -> Credentials | None:
    access, secret = values.get("aws_access_key_id"), values.get("aws_secret_access_key")
    if access and secret:
        return Credentials(access, secret, values.get("aws_session_token") or None)
    if access or secret:
        raise Unsupported("partial credentials")
    return None


def resolve_credentials(
    profile: str | None, profiles: Mapping[str, Mapping[str, str]], env: Mapping[str, str]
) -> Credentials:
    """botocore's chain for the plain case. A profile sagedeck names is explicit, and an
    explicit profile ignores the environment's keys (botocore's rule); without one, the
    environment's keys come first, then the ``default`` profile's. The caller (:func:`plan`)
    has checked that the profile holds nothing but plain settings."""
    if profile is None:
        access, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
        if access and secret:
            return Credentials(access, secret, env.get("AWS_SESSION_TOKEN") or None)
        if access or secret:
            raise Unsupported("partial credentials in the environment")
    values = profiles.get(profile or "default")
    if values is None:
        raise Unsupported("no such profile")  # the ordinary path names the known ones
    credentials = _static_keys(values)
    if credentials is None:
        raise Unsupported("no static keys")  # container or instance credentials, or none
    return credentials


# --- regions, from botocore's endpoint data (no botocore import) ---------------------------------


def _regions(partition_name: str | None) -> frozenset[str]:
    found = region_data.sagemaker_regions(partition_name)
    if found is None:
        raise Unsupported("botocore's data is overridden")
    return found


def commercial_regions() -> tuple[str, ...]:
    """What ``--region all`` means (as ``aws.session.sagemaker_regions``)."""
    return tuple(sorted(_regions("aws")))


def parse_regions(spec: str) -> tuple[str, ...]:
    if spec.strip().lower() == "all":
        return commercial_regions()
    regions = tuple(dict.fromkeys(part.strip() for part in spec.split(",") if part.strip()))
    if not regions or not set(regions) <= _regions(None):
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
    # role_arn, sso_*, credential_process, endpoint_url, services, use_fips_endpoint...: even
    # with keys in the environment, such a profile changes what botocore would do
    if not set(profiles.get(profile or "default", {})) <= PLAIN_PROFILE_KEYS:
        raise Unsupported("the profile needs botocore")
    credentials = resolve_credentials(profile, profiles, env)
    regions = resolve_regions(region, default_regions, profile, profiles, env)
    endpoint = endpoint_url or None
    if endpoint is not None:
        endpoint = check_endpoint_url(endpoint)
    elif not set(regions) <= _regions("aws"):
        raise Unsupported("another partition")
    # botocore's order: AWS_CA_BUNDLE, then the profile's ca_bundle
    ca_bundle = env.get("AWS_CA_BUNDLE") or profiles.get(profile or "default", {}).get("ca_bundle")
    return Plan(regions, credentials, endpoint, ca_bundle or None)


# --- the request ---------------------------------------------------------------------------------


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign(
    *,
    credentials: Credentials,
    region: str,
    host: str,
    body: bytes,
    headers: Mapping[str, str],
    when: datetime,
) -> dict[str, str]:
    """Signature Version 4 of a POST to ``/``: ``headers`` plus Host, X-Amz-Date, the session
    token and Authorization. Every given header is signed."""
    stamp = when.strftime("%Y%m%dT%H%M%SZ")
    signed = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    signed.update({"host": host, "x-amz-date": stamp})
    if credentials.token:
        signed["x-amz-security-token"] = credentials.token
    names = sorted(signed)
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{stamp[:8]}/{region}/{SERVICE}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(("AWS4" + credentials.secret_key).encode(), stamp[:8])
    for part in (region, SERVICE, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    out = dict(headers)
    out.update({"Host": host, "X-Amz-Date": stamp})
    if credentials.token:
        out["X-Amz-Security-Token"] = credentials.token
    out["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return out


def _ssl_context(ca_bundle: str | None) -> Any:
    import ssl

    if ca_bundle:
        return ssl.create_default_context(cafile=str(Path(ca_bundle).expanduser()))
    try:  # botocore's default bundle: certifi's when it is installed, else its own
        import certifi

        cafile = certifi.where()
    except ImportError:
        root = region_data.botocore_dir()
        if root is None:
            raise Unsupported("no CA bundle") from None
        cafile = str(root / "cacert.pem")
    return ssl.create_default_context(cafile=cafile)


class _Region:
    """One region's listing over one keep-alive connection."""

    def __init__(self, plan: Plan, region: str) -> None:
        self.plan, self.region = plan, region
        self.url = plan.endpoint(region)
        parts = urlsplit(self.url)
        self.host = parts.netloc
        self.https = parts.scheme == "https"
        self.hostname, self.port = parts.hostname or "", parts.port
        self.conn: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection
        if self.https:
            conn = http.client.HTTPSConnection(
                self.hostname,
                self.port,
                timeout=CONNECT_TIMEOUT,
                context=_ssl_context(self.plan.ca_bundle),
            )
        else:
            conn = http.client.HTTPConnection(self.hostname, self.port, timeout=CONNECT_TIMEOUT)
        conn.connect()
        assert conn.sock is not None
        conn.sock.settimeout(READ_TIMEOUT)
        return conn

    def call(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload).encode()
        headers = sign(
            credentials=self.plan.credentials,
            region=self.region,
            host=self.host,
            body=body,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": TARGET,
            },
            when=datetime.now(UTC),
        )
        headers["User-Agent"] = f"sagedeck/{__version__} (quick listing)"
        for attempt in range(ATTEMPTS):
            phase = "Connect"
            try:
                if self.conn is None:
                    self.conn = self._connect()
                phase = "Read"
                self.conn.request("POST", "/", body, headers)
                response = self.conn.getresponse()
                data = response.read()
            except TimeoutError:
                self.close()
                if attempt + 1 < ATTEMPTS:
                    continue
                raise EndpointUnreachable(
                    f"AWS endpoint unreachable during list notebooks in {self.region}:"
                    f' {phase} timeout on endpoint URL: "{self.url}/"'
                ) from None
            except (OSError, http.client.HTTPException):
                self.close()
                raise Unsupported("connection failed") from None  # the ordinary path reports
            if response.status != 200:
                raise Unsupported(f"HTTP {response.status}")  # the ordinary path reports
            try:
                page = json.loads(data)
            except ValueError:
                raise Unsupported("not JSON") from None
            if not isinstance(page, dict):
                raise Unsupported("not a page")
            return page
        raise AssertionError("unreachable: the last attempt returns or raises")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def list(self) -> RegionListing:
        found: dict[str, NotebookSummary] = {}
        token: str | None = None
        try:
            while True:
                payload: dict[str, Any] = {"MaxResults": PAGE_SIZE}
                if token:
                    payload["NextToken"] = token
                page = self.call(payload)
                for item in page.get("NotebookInstances") or ():
                    summary = summary_from_json(item, self.region)
                    found[summary.name] = summary
                token = page.get("NextToken")
                if not token:
                    return RegionListing(self.region, tuple(found.values()))
        finally:
            self.close()


def summary_from_json(item: Any, region: str) -> NotebookSummary:
    """The same mapping as the ordinary path (``aws.shapes``), on the wire's JSON."""
    try:
        return summary_from_api(item, region, wire_time)
    except (KeyError, TypeError, AttributeError, ValueError):
        raise Unsupported("unexpected item") from None


def prefetch(plan: Plan) -> Future[list[RegionListing]]:
    """:func:`list_regions` in a thread of its own, started now: the network wait overlaps
    whatever the caller does meanwhile (the dashboard's imports)."""
    import threading
    from concurrent.futures import Future

    listing: Future[list[RegionListing]] = Future()

    def run() -> None:
        if not listing.set_running_or_notify_cancel():
            return
        try:
            listing.set_result(list_regions(plan))
        except BaseException as err:  # the taker decides; a thread must not die loudly
            listing.set_exception(err)

    threading.Thread(target=run, name="sagedeck-prefetch", daemon=True).start()
    return listing


def list_regions(plan: Plan) -> list[RegionListing]:
    """Every region of the plan, in parallel; :class:`Unsupported` if any region did not
    answer plainly (the ordinary path then lists them all and reports what went wrong)."""
    regions = [_Region(plan, region) for region in plan.regions]
    if len(regions) == 1:
        return [regions[0].list()]
    from concurrent.futures import ThreadPoolExecutor  # ~10 ms: only for several regions

    with ThreadPoolExecutor(max_workers=min(len(regions), 16)) as pool:
        futures = [pool.submit(region.list) for region in regions]
        try:
            return [future.result() for future in futures]
        finally:
            for future in futures:
                future.cancel()


__all__ = [
    "Credentials",
    "Plan",
    "Unsupported",
    "list_regions",
    "plan",
    "sign",
]
