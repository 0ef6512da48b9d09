"""Credentials that are missing or expired: a CredentialsError naming the command that fixes it,
and the same services object works again once the credentials are renewed (no restart).

The SSO cases use a real ~/.aws/config and token cache in a temporary HOME, read by botocore
itself, and a stand-in for the SSO portal (the one call, GetRoleCredentials, that turns a valid
token into keys), so renewal is tested end to end.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from botocore.credentials import SSOProvider
from botocore.tokens import SSOTokenProvider

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget
from sagedeck.cli import main
from sagedeck.devtools.faultproxy import FaultProxy
from sagedeck.errors import CredentialsError

START_URL = "https://example.awsapps.com/start"


@pytest.fixture
def aws_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A HOME with an empty ~/.aws and no AWS_* variable: botocore finds nothing but what the
    test writes."""
    home = tmp_path / "home"
    (home / ".aws" / "sso" / "cache").mkdir(parents=True)
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # botocore resolves the SSO token cache from HOME once, at import: follow the new HOME
    cache = str(home / ".aws" / "sso" / "cache")
    monkeypatch.setattr(SSOTokenProvider, "_SSO_TOKEN_CACHE_DIR", cache)
    monkeypatch.setattr(SSOProvider, "_SSO_TOKEN_CACHE_DIR", cache)
    return home / ".aws"


@pytest.fixture
async def sso_portal(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[str]]:
    """GetRoleCredentials as the SSO portal answers it; records the bearer tokens it saw."""
    tokens: list[str] = []

    async def role_credentials(request: web.Request) -> web.Response:
        tokens.append(request.headers.get("x-amz-sso_bearer_token", ""))
        expires = int((datetime.now(UTC) + timedelta(hours=1)).timestamp() * 1000)
        return web.json_response(
            {
                "roleCredentials": {
                    "accessKeyId": "ASIASSO",
                    "secretAccessKey": "sso-secret",
                    "sessionToken": "sso-session-token",
                    "expiration": expires,
                }
            }
        )

    app = web.Application()
    app.router.add_get("/federation/credentials", role_credentials)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", f"http://127.0.0.1:{port}")
    yield tokens
    await runner.cleanup()


def write_sso_profile(aws: Path, *, session: bool) -> None:
    """A profile as ``aws configure sso`` writes it: legacy (start URL in the profile) or with
    an ``sso-session`` section (the default since AWS CLI 2.9)."""
    if session:
        text = f"""[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Developer
region = us-east-1

[sso-session corp]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""
    else:
        text = f"""[profile dev]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Developer
region = us-east-1
"""
    (aws / "config").write_text(text)


def write_sso_token(aws: Path, *, session: bool, expires: datetime, token: str) -> None:
    """The token cache ``aws sso login`` writes, keyed by the session name or the start URL."""
    key = hashlib.sha1(b"corp" if session else START_URL.encode()).hexdigest()
    cached = {
        "startUrl": START_URL,
        "region": "us-east-1",
        "accessToken": token,
        "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    (aws / "sso" / "cache" / f"{key}.json").write_text(json.dumps(cached))


def profile_target(proxy: FaultProxy, profile: str | None) -> AwsTarget:
    return AwsTarget(profile=profile, regions=("us-east-1",), endpoint_url=proxy.url)


async def test_no_credentials_names_aws_configure(aws_home: Path, proxy: FaultProxy) -> None:
    async with AwsServices(profile_target(proxy, None)) as services:
        with pytest.raises(CredentialsError) as caught:
            await services.sagemaker.list_all()
    message = str(caught.value)
    assert "no AWS credentials" in message
    assert "aws configure" in message
    assert proxy.stats().requests == 0  # nothing unsigned left the machine


def test_no_credentials_in_the_cli_is_one_line_and_exit_1(
    aws_home: Path, proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ls", "--endpoint-url", proxy.url, "--region", "us-east-1"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("sagedeck: no AWS credentials")
    assert "Traceback" not in err


@pytest.mark.parametrize("session", [False, True], ids=["legacy-sso", "sso-session"])
async def test_expired_sso_token_names_aws_sso_login_and_recovers_after_login(
    aws_home: Path, proxy: FaultProxy, sso_portal: list[str], session: bool
) -> None:
    write_sso_profile(aws_home, session=session)
    past = datetime.now(UTC) - timedelta(hours=1)
    write_sso_token(aws_home, session=session, expires=past, token="stale-token")
    async with AwsServices(profile_target(proxy, "dev")) as services:
        with pytest.raises(CredentialsError) as caught:
            await services.sagemaker.list_all()
        assert "aws sso login" in str(caught.value)
        assert sso_portal == []  # an expired token is never sent to the portal
        assert proxy.stats().requests == 0

        # `aws sso login` writes a fresh token; the next call of the same services object
        # reads it (botocore's SSO credentials are deferred): no restart, no reset needed
        future = datetime.now(UTC) + timedelta(hours=8)
        write_sso_token(aws_home, session=session, expires=future, token="fresh-token")
        await services.sagemaker.list_all()
    assert sso_portal == ["fresh-token"]


def test_expired_sso_in_the_cli_is_one_line_naming_the_fix(
    aws_home: Path, proxy: FaultProxy
) -> None:
    """A real process, so botocore finds the token cache from HOME by itself."""
    write_sso_profile(aws_home, session=True)
    past = datetime.now(UTC) - timedelta(minutes=5)
    write_sso_token(aws_home, session=True, expires=past, token="stale-token")
    done = subprocess.run(
        [sys.executable, "-m", "sagedeck", "ls", "--profile", "dev", "--endpoint-url", proxy.url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert "aws sso login" in done.stderr
    assert "stale-token" not in done.stderr
    assert proxy.stats().requests == 0
