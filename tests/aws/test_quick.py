"""The quick listing (sagedeck.aws.quick) held to botocore and to the ordinary path: the same
credentials, regions, endpoints and signatures, the same output byte for byte, and the
ordinary path whenever the setup is not the plain case."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import botocore.auth
import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from sagedeck.aws import quick
from sagedeck.aws import session as aws_session
from sagedeck.aws.pricing.products import PRICING_REGION
from sagedeck.aws.quick import listing, plain
from sagedeck.aws.quick import pricing as quick_pricing
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.commands.notebooks import cmd_ls, quick_ls
from sagedeck.config import Settings
from sagedeck.errors import EndpointUnreachable
from sagedeck.localaws import LocalAws


def write(path: Path, text: str) -> None:
    path.write_text(text)


def boto_keys(profile: str | None) -> tuple[str | None, str | None, str | None] | None:
    """What botocore resolves, with the profile passed as sagedeck passes it (explicitly)."""
    session = botocore.session.Session(profile=profile) if profile else botocore.session.Session()
    creds = session.get_credentials()
    if creds is None:
        return None
    frozen = creds.get_frozen_credentials()
    return frozen.access_key, frozen.secret_key, frozen.token


def quick_keys(profile: str | None) -> tuple[str, str, str | None]:
    plan = quick.plan(profile=profile, region="us-east-1", endpoint_url=None)
    c = plan.credentials
    return c.access_key, c.secret_key, c.token


CREDENTIALS = """\
[default]
aws_access_key_id = AKIDEFAULTFILE
aws_secret_access_key = default-file-secret

[dev]
aws_access_key_id = AKIDEVFILE
aws_secret_access_key = dev-file-secret
aws_session_token = dev-file-token
"""
CONFIG = """\
[default]
region = eu-west-1

[profile dev]
region = us-west-2
aws_access_key_id = AKIDEVCONFIG
aws_secret_access_key = dev-config-secret

[profile only-config]
aws_access_key_id = AKIONLYCONFIG
aws_secret_access_key = only-config-secret
output = json
"""


@pytest.mark.parametrize("env_keys", [False, True], ids=["no-env-keys", "env-keys"])
@pytest.mark.parametrize("profile", [None, "default", "dev", "only-config"])
def test_credentials_are_botocore_s(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, profile: str | None, env_keys: bool
) -> None:
    write(aws_home / "credentials", CREDENTIALS)
    write(aws_home / "config", CONFIG)
    if env_keys:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIENV")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
        monkeypatch.setenv("AWS_SESSION_TOKEN", "env-token")
    assert quick_keys(profile) == boto_keys(profile)


def test_aws_profile_from_the_environment_is_explicit_as_in_sagedeck(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sagedeck passes AWS_PROFILE to the session as an explicit profile (resolve_target), so
    the profile's keys win over the environment's: the quick path does the same."""
    write(aws_home / "credentials", CREDENTIALS)
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    target = aws_session.resolve_target()
    assert (
        quick_keys(None)
        == boto_keys(target.profile)
        == ("AKIDEVFILE", "dev-file-secret", "dev-file-token")
    )


@pytest.mark.parametrize(
    ("region", "profile", "default_regions"),
    [
        (None, None, ()),
        (None, "dev", ()),
        ("ap-south-1", "dev", ()),
        (None, None, ("eu-central-1", "us-east-2")),
        ("all", None, ()),
        ("us-east-1, eu-west-1,us-east-1", None, ()),
    ],
)
def test_regions_are_resolve_target_s(
    aws_home: Path, region: str | None, profile: str | None, default_regions: tuple[str, ...]
) -> None:
    write(aws_home / "credentials", CREDENTIALS)
    write(aws_home / "config", CONFIG)
    plan = quick.plan(
        profile=profile, region=region, endpoint_url=None, default_regions=default_regions
    )
    target = aws_session.resolve_target(
        profile=profile, region=region, default_regions=default_regions
    )
    assert plan.regions == target.regions


def test_region_lists_are_botocore_s() -> None:
    """sagedeck reads botocore's endpoint data itself (aws/regions.py): the same regions as
    botocore's session, which loads the SageMaker model to find them."""
    session = botocore.session.Session()
    partitions = session.get_available_partitions()
    by_botocore = {
        p: frozenset(session.get_available_regions("sagemaker", partition_name=p))
        for p in partitions
    }
    assert quick.commercial_regions() == tuple(sorted(by_botocore["aws"]))
    assert aws_session.sagemaker_regions() == tuple(sorted(by_botocore["aws"]))
    every = frozenset().union(*by_botocore.values())
    assert plain.known_regions(None) == aws_session.known_regions() == every
    assert len(every) > 30


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2", "il-central-1"])
def test_public_endpoint_is_botocore_s(aws_home: Path, region: str) -> None:
    write(aws_home / "credentials", CREDENTIALS)
    client = botocore.session.Session().create_client("sagemaker", region_name=region)
    plan = quick.plan(profile=None, region=region, endpoint_url=None)
    assert plan.endpoint(region) == client.meta.endpoint_url


@pytest.mark.parametrize("token", [None, "session-token"])
@pytest.mark.parametrize(
    ("service", "region", "host", "target"),
    [
        ("sagemaker", "eu-west-1", "api.sagemaker.eu-west-1.amazonaws.com", listing.TARGET),
        ("pricing", "us-east-1", "api.pricing.us-east-1.amazonaws.com", "AWSPriceListService.X"),
    ],
)
def test_signature_is_botocore_s(
    token: str | None,
    service: str,
    region: str,
    host: str,
    target: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    when = datetime(2026, 11, 25, 23, 30, 5, tzinfo=UTC)
    body = b'{"MaxResults": 100, "NextToken": "abc"}'
    base = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
    ours = quick.sign(
        credentials=quick.Credentials("AKIDEXAMPLE", "secret", token),
        region=region,
        host=host,
        body=body,
        headers=base,
        when=when,
        service=service,
    )
    request = AWSRequest(method="POST", url=f"https://{host}/", data=body, headers=dict(base))
    signer = SigV4Auth(BotoCredentials("AKIDEXAMPLE", "secret", token), service, region)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: when.replace(tzinfo=None))
    signer.add_auth(request)
    assert ours["Authorization"] == request.headers["Authorization"]
    assert ours.get("X-Amz-Security-Token") == request.headers.get("X-Amz-Security-Token")


def test_the_pricing_endpoint_is_botocore_s() -> None:
    client = botocore.session.Session().create_client("pricing", region_name=PRICING_REGION)
    assert client.meta.endpoint_url == quick_pricing.ENDPOINT
    assert client.meta.service_model.signing_name == quick_pricing.SIGNING_NAME


@pytest.mark.parametrize(
    ("config", "env"),
    [
        # roles, SSO and credential processes: tests/aws/test_quick_credentials.py
        ("[default]\nendpoint_url = http://localhost:1\n", {}),
        ("[default]\nservices = local\n", {}),
        ("[default]\nuse_fips_endpoint = true\n", {}),
        ("", {"AWS_USE_FIPS_ENDPOINT": "true"}),
        ("", {"HTTPS_PROXY": "http://proxy:3128"}),
        ("", {"AWS_ENDPOINT_URL_SAGEMAKER": "http://localhost:1"}),
        ("", {"AWS_REGION": "cn-north-1"}),  # another partition, another domain
        ("", {"AWS_REGION": "moon-1"}),  # the ordinary path words the error
        ("", {"AWS_PROFILE": "ghost"}),  # likewise
        ("", {"AWS_ACCESS_KEY_ID": "AKIONLYHALF"}),
    ],
)
def test_anything_but_the_plain_case_goes_the_ordinary_way(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, config: str, env: dict[str, str]
) -> None:
    write(aws_home / "credentials", CREDENTIALS)
    write(aws_home / "config", config)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(quick.Unsupported):
        quick.plan(profile=None, region=None, endpoint_url=None)


def test_no_static_keys_goes_the_ordinary_way(aws_home: Path) -> None:
    """Container or instance credentials, or none at all: botocore's chain finds (or reports)."""
    write(aws_home / "config", "[default]\nregion = us-east-1\n")
    with pytest.raises(quick.Unsupported):
        quick.plan(profile=None, region=None, endpoint_url=None)


def test_ca_bundle_is_botocore_s_choice(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS_CA_BUNDLE first, then the profile's ca_bundle (botocore's order)."""
    write(aws_home / "credentials", CREDENTIALS)
    write(aws_home / "config", "[default]\nca_bundle = /etc/profile-ca.pem\n")
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    assert quick.plan(profile=None, region="us-east-1", endpoint_url=None).ca_bundle == (
        "/etc/profile-ca.pem"
    )
    monkeypatch.setenv("AWS_CA_BUNDLE", "/etc/env-ca.pem")
    assert quick.plan(profile=None, region="us-east-1", endpoint_url=None).ca_bundle == (
        "/etc/env-ca.pem"
    )


@pytest.mark.parametrize(
    "url", ["http://localhost:5000/prefix", "http://user@localhost:5000", "http://exa mple.com"]
)
def test_unusual_endpoint_urls_go_the_ordinary_way(aws_home: Path, url: str) -> None:
    write(aws_home / "credentials", CREDENTIALS)
    with pytest.raises(quick.Unsupported):
        quick.plan(profile=None, region="us-east-1", endpoint_url=url)


# --- against the embedded AWS ------------------------------------------------------------------


def ls_args(*, as_json: bool, regions: str) -> argparse.Namespace:
    return argparse.Namespace(json=as_json, profile=None, region=regions, endpoint_url=None)


def both_outputs(aws: LocalAws, as_json: bool) -> tuple[str, str]:
    """The quick path's output and the ordinary one's. The ordinary path runs first: with
    --json it reads the prices and caches them, which the quick path only reads."""
    regions = ",".join(aws.regions)
    target = AwsTarget(
        None, aws.regions, aws.endpoint_url, credentials=StaticCredentials("demo", "demo")
    )

    async def ordinary() -> int:
        async with AwsServices(target) as services:
            return await cmd_ls(ls_args(as_json=as_json, regions=regions), services)

    ordinary_out = io.StringIO()
    with redirect_stdout(ordinary_out):
        assert asyncio.run(ordinary()) == 0
    out = io.StringIO()
    with redirect_stdout(out):
        code = quick_ls(ls_args(as_json=as_json, regions=regions), Settings())
    assert code == 0
    return out.getvalue(), ordinary_out.getvalue()


@pytest.fixture
def demo_keys(aws: LocalAws, aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> LocalAws:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "demo")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "demo")
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    return aws


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_json_output_is_the_ordinary_path_s_byte_for_byte(
    demo_keys: LocalAws, monkeypatch: pytest.MonkeyPatch, tz: str
) -> None:
    import time

    monkeypatch.setenv("TZ", tz)
    time.tzset()
    try:
        fast, ordinary = both_outputs(demo_keys, as_json=True)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert fast == ordinary
    listed = json.loads(fast)
    assert {nb["region"] for nb in listed} == set(demo_keys.regions)
    assert len(listed) >= 10


def test_table_output_is_the_ordinary_path_s(demo_keys: LocalAws) -> None:
    """The same table, but for the IN STATE ages: the two listings ran a moment apart."""
    import re

    fast, ordinary = both_outputs(demo_keys, as_json=False)
    age = re.compile(r"\d+[dhms]( \d+[dhms])?$", re.M)
    assert age.sub("AGE", fast) == age.sub("AGE", ordinary)
    assert len(age.findall(fast)) == len(fast.splitlines()) - 1  # every row has one
    assert "alice-sandbox" in fast


def test_the_quick_path_imports_neither_botocore_nor_aiohttp(demo_keys: LocalAws) -> None:
    """What makes it quick: a run of `sagedeck ls` on the plain case never loads them (the
    prices of its rows cached, as after the day's first run)."""
    both_outputs(demo_keys, as_json=True)
    probe = (
        "import sys; from sagedeck.cli import main; code = main(['ls', '--json']); "
        "heavy = sorted(m for m in ('botocore.session', 'aiohttp', 'aiobotocore', 'asyncio') "
        "if m in sys.modules); print(code, heavy, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "AWS_REGION": demo_keys.regions[0]},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stderr.strip().splitlines()[-1] == "0 []", done.stderr
    assert json.loads(done.stdout)


class SilentServer:
    """Accepts connections, reads each request, and never answers. Counts the requests."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.requests: list[bytes] = []  # the request line of each
        self._idle_passes = 0  # accept() calls that found no connection waiting
        self._changed = threading.Condition()
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn = self.server.accept()[0]
            except TimeoutError:
                with self._changed:
                    self._idle_passes += 1
                    self._changed.notify_all()
                continue
            self._held.append(conn)
            conn.settimeout(5)
            try:
                head = conn.recv(65536)
            except OSError:
                continue
            if head:
                self.requests.append(head.split(b"\r\n", 1)[0])

    def settled(self) -> list[bytes]:
        """The requests, once every connection made before this call has been accepted and
        read: an accept() begun after this call found none waiting."""
        with self._changed:
            target = self._idle_passes + 2  # the pass under way may have begun before
            assert self._changed.wait_for(lambda: self._idle_passes >= target, 10), "stalled"
        return self.requests

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for conn in self._held:
            conn.close()
        self.server.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def test_a_hung_endpoint_is_reported_after_two_attempts(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch, silent_server: SilentServer
) -> None:
    """A timeout is reported here, as the ordinary path would after its two attempts, rather
    than handed over to wait through the same timeouts again."""
    # RegionClient's read_timeout defaults to READ_TIMEOUT as the class was defined: patching
    # the constant alone left each attempt waiting the real 10 s.
    defaults = listing.RegionClient.__init__.__kwdefaults__
    assert defaults is not None
    monkeypatch.setitem(defaults, "read_timeout", 0.2)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "demo")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "demo")
    plan = quick.plan(profile=None, region="us-east-1", endpoint_url=silent_server.url)
    with pytest.raises(EndpointUnreachable, match="Read timeout on endpoint URL"):
        quick.list_regions(plan)
    assert (
        silent_server.settled()
        == [b"POST / HTTP/1.1"] * listing.ATTEMPTS
        == [b"POST / HTTP/1.1"] * 2
    )


def test_overridden_botocore_data_is_left_to_botocore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With AWS_DATA_PATH botocore may read another endpoints.json: sagedeck asks botocore."""
    from sagedeck.aws import regions

    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    regions.endpoint_data.cache_clear()
    aws_session.known_regions.cache_clear()
    try:
        assert regions.sagemaker_regions(None) is None
        assert "eu-west-1" in aws_session.known_regions()  # from botocore's session
        with pytest.raises(quick.Unsupported):
            quick.commercial_regions()
    finally:
        monkeypatch.undo()
        regions.endpoint_data.cache_clear()
        aws_session.known_regions.cache_clear()


def test_the_dashboard_starts_its_first_listing_before_loading(
    demo_keys: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sagedeck` (no command) starts the plain case's listing before the UI is imported; with
    --demo the embedded AWS shares the process, so it does not."""
    from sagedeck.cli import build_parser, prefetch_listing

    monkeypatch.setenv("AWS_REGION", ",".join(demo_keys.regions))
    first = prefetch_listing(build_parser().parse_args([]), Settings())
    assert first is not None
    regions, listing, pages = first
    assert regions == demo_keys.regions
    heard: list[None] = []
    pages.listen(lambda: heard.append(None))  # as the dashboard does once mounted
    listed = listing.result(timeout=30)
    assert {entry.region for entry in listed} == set(demo_keys.regions)
    assert all(entry.notebooks for entry in listed)
    assert heard
    # every page was handed on as it came: the last one holds the region's rows
    assert pages.latest() == {entry.region: entry.notebooks for entry in listed}
    assert prefetch_listing(build_parser().parse_args(["--demo"]), Settings()) is None
