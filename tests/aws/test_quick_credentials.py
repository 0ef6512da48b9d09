"""The quick path's credentials for every kind of profile (sagedeck.aws.quick.sources): the
same keys as botocore's chain, a credential process and the AWS CLI's cache read without
botocore, assumed roles fetched once and shared with the AWS CLI both ways, and the config
file paths expanded as botocore expands them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.credentials import AssumeRoleCredentialFetcher, SSOCredentialFetcher

from sagedeck.aws import quick
from sagedeck.aws import session as aws_session
from sagedeck.aws.quick import cli_cache
from sagedeck.localaws import LocalAws
from system_tools import peer

CREDS_SCRIPT = """\
import json, sys
print(json.dumps({"Version": 1, "AccessKeyId": "AKIPROCESS", "SecretAccessKey": "process-secret",
                  "SessionToken": "process-token", "Expiration": "2999-01-01T00:00:00Z"}))
"""
ROLE_ARN = "arn:aws:iam::123456789012:role/deck-reader"


def botocore_keys(profile: str | None) -> tuple[str | None, str | None, str | None]:
    session = botocore.session.Session(profile=profile)
    found = session.get_credentials()
    assert found is not None
    frozen = found.get_frozen_credentials()
    return frozen.access_key, frozen.secret_key, frozen.token


def quick_keys(profile: str | None, endpoint_url: str | None = None) -> tuple[str, str, str | None]:
    plan = quick.plan(profile=profile, region="us-east-1", endpoint_url=endpoint_url)
    c = plan.credentials
    return c.access_key, c.secret_key, c.token


@pytest.fixture
def process_profile(aws_home: Path) -> str:
    script = aws_home / "creds.py"
    script.write_text(CREDS_SCRIPT)
    (aws_home / "config").write_text(
        f"[profile proc]\nregion = us-east-1\ncredential_process = {sys.executable} {script}\n"
    )
    return "proc"


def test_a_credential_process_gives_botocore_s_keys(process_profile: str) -> None:
    assert quick_keys(process_profile) == botocore_keys(process_profile)
    assert quick_keys(process_profile)[0] == "AKIPROCESS"


@pytest.mark.parametrize(
    "output",
    [
        "not json",
        '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"}',
        '{"Version": 1, "AccessKeyId": "A"}',
        '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "Expiration": "2001-01-01Z"}',
    ],
)
def test_a_failing_credential_process_is_left_to_the_ordinary_path(
    aws_home: Path, output: str
) -> None:
    script = aws_home / "bad.py"
    script.write_text(f"print({output!r})")
    (aws_home / "config").write_text(
        f"[profile bad]\ncredential_process = {sys.executable} {script}\n"
    )
    with pytest.raises(quick.Unsupported):
        quick.plan(profile="bad", region="us-east-1", endpoint_url=None)


def test_ls_with_a_credential_process_loads_no_botocore(
    aws: LocalAws, process_profile: str
) -> None:
    probe = (
        "import sys; from sagedeck.cli import main; code = main(['ls', '--json']); "
        "heavy = sorted(m for m in ('botocore', 'aiohttp', 'aiobotocore', 'asyncio') "
        "if m in sys.modules); print(code, heavy, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "AWS_PROFILE": process_profile, "AWS_ENDPOINT_URL": aws.endpoint_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stderr.strip().splitlines()[-1] == "0 []", done.stderr
    assert {nb["region"] for nb in json.loads(done.stdout)} == {"us-east-1"}


# --- the AWS CLI's cache -------------------------------------------------------------------------


def no_client(*args: object, **kwargs: object) -> Any:
    raise AssertionError("computing a cache key calls nothing")


ROLE_PROFILES = [
    {"role_arn": ROLE_ARN, "source_profile": "base"},
    {"role_arn": ROLE_ARN, "source_profile": "base", "role_session_name": "me"},
    {
        "role_arn": ROLE_ARN,
        "source_profile": "base",
        "external_id": "ext-1",
        "mfa_serial": "arn:aws:iam::123456789012:mfa/me",
        "duration_seconds": "7200",
    },
]


@pytest.mark.parametrize("profile", ROLE_PROFILES)
def test_assume_role_cache_key_is_botocore_s(profile: dict[str, str]) -> None:
    extra: dict[str, object] = {}
    for setting, argument in (
        ("role_session_name", "RoleSessionName"),
        ("external_id", "ExternalId"),
        ("mfa_serial", "SerialNumber"),
    ):
        if setting in profile:
            extra[argument] = profile[setting]
    if "duration_seconds" in profile:
        extra["DurationSeconds"] = int(profile["duration_seconds"])
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=no_client, source_credentials=None, role_arn=ROLE_ARN, extra_args=extra
    )
    assert cli_cache.assume_role_key(profile) == fetcher._cache_key  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "profile",
    [
        {"sso_start_url": "https://corp.awsapps.com/start", "sso_region": "eu-west-1"},
        {"sso_session": "corp"},
    ],
)
def test_sso_cache_key_is_botocore_s(profile: dict[str, str]) -> None:
    values = {**profile, "sso_account_id": "123456789012", "sso_role_name": "Reader"}
    fetcher = SSOCredentialFetcher(
        start_url=values.get("sso_start_url", "https://corp.awsapps.com/start"),
        sso_region="eu-west-1",
        role_name="Reader",
        account_id="123456789012",
        client_creator=no_client,
        sso_session_name=values.get("sso_session"),
    )
    assert cli_cache.sso_key(values) == fetcher._cache_key  # type: ignore[attr-defined]


def test_cached_sso_credentials_are_used_without_botocore(aws_home: Path) -> None:
    values = {
        "sso_session": "corp",
        "sso_account_id": "123456789012",
        "sso_role_name": "Reader",
    }
    (aws_home / "config").write_text(
        "[profile sso]\n"
        + "".join(f"{k} = {v}\n" for k, v in values.items())
        + "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        + "sso_region = eu-west-1\n"
    )
    key = cli_cache.sso_key(values)
    cache = cli_cache.cache_dir()
    cache.mkdir(parents=True)
    entry = {
        "ProviderType": "sso",
        "Credentials": {
            "AccessKeyId": "AKISSO",
            "SecretAccessKey": "sso-secret",
            "SessionToken": "sso-token",
            "Expiration": "2999-01-01T00:00:00Z",
        },
    }
    (cache / f"{key}.json").write_text(json.dumps(entry))
    assert quick_keys("sso") == ("AKISSO", "sso-secret", "sso-token")
    assert quick_keys("sso") == botocore_keys_with_cli_cache("sso")


def botocore_keys_with_cli_cache(profile: str) -> tuple[str | None, str | None, str | None]:
    from sagedeck.aws.quick.chain import share_cli_cache

    session = botocore.session.Session(profile=profile)
    share_cli_cache(session)
    found = session.get_credentials()
    assert found is not None
    frozen = found.get_frozen_credentials()
    return frozen.access_key, frozen.secret_key, frozen.token


@pytest.fixture
def role_profile(aws: LocalAws, aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``role``: an assumed role whose source profile has static keys; STS is the embedded
    AWS's."""
    (aws_home / "credentials").write_text(
        "[base]\naws_access_key_id = demo\naws_secret_access_key = demo\n"
    )
    (aws_home / "config").write_text(
        f"[profile role]\nrole_arn = {ROLE_ARN}\nsource_profile = base\nregion = us-east-1\n"
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    return "role"


def cache_files() -> dict[str, str]:
    folder = cli_cache.cache_dir()
    if not folder.is_dir():
        return {}
    return {p.name: p.read_text() for p in folder.iterdir()}


def aws_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(peer("aws")), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=dict(os.environ),
    )


def test_our_assumed_role_is_cached_for_the_aws_cli(role_profile: str, aws: LocalAws) -> None:
    ours = quick_keys(role_profile, aws.endpoint_url)
    files = cache_files()
    key = cli_cache.assume_role_key({"role_arn": ROLE_ARN})
    assert list(files) == [f"{key}.json"]
    assert json.loads(files[f"{key}.json"])["Credentials"]["AccessKeyId"] == ours[0]
    assert ours[0] != "demo"
    # the AWS CLI finds them: it does not assume the role again (which would rewrite the file)
    done = aws_cli("sts", "get-caller-identity", "--profile", role_profile)
    assert done.returncode == 0, done.stderr
    assert cache_files() == files
    # and so does the next run of ours, without botocore
    assert quick_keys(role_profile, aws.endpoint_url) == ours


def test_the_aws_cli_s_assumed_role_is_ours_without_botocore(
    role_profile: str, aws: LocalAws
) -> None:
    done = aws_cli("sts", "get-caller-identity", "--profile", role_profile)
    assert done.returncode == 0, done.stderr
    files = cache_files()
    assert len(files) == 1
    cached = json.loads(next(iter(files.values())))["Credentials"]
    probe = (
        "import sys; from sagedeck.aws import quick; "
        f"p = quick.plan(profile={role_profile!r}, region='us-east-1', endpoint_url=None); "
        "print(p.credentials.access_key, 'botocore' in sys.modules)"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert ran.stdout.split() == [cached["AccessKeyId"], "False"], ran.stderr
    assert cache_files() == files


def test_an_expiring_cached_role_is_fetched_again(role_profile: str, aws: LocalAws) -> None:
    first = quick_keys(role_profile, aws.endpoint_url)
    (path,) = cli_cache.cache_dir().iterdir()
    entry = json.loads(path.read_text())
    entry["Credentials"]["Expiration"] = "2001-01-01T00:00:00UTC"
    path.write_text(json.dumps(entry))
    again = quick_keys(role_profile, aws.endpoint_url)
    assert again != first
    assert cli_cache.expiry(json.loads(path.read_text())["Credentials"]["Expiration"]) is not None


def test_the_ordinary_path_shares_the_cli_cache(role_profile: str) -> None:
    session = aws_session.new_session(role_profile)
    resolver = session.get_component("credential_provider")
    for name in ("assume-role", "assume-role-with-web-identity", "sso"):
        cache = resolver.get_provider(name).cache
        assert Path(cache._working_dir) == cli_cache.cache_dir()


def test_web_identity_comes_from_botocore_s_chain(
    aws: LocalAws, aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = aws_home / "token"
    token.write_text("a-web-identity-token")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token))
    monkeypatch.setenv("AWS_ROLE_ARN", ROLE_ARN)
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    keys = quick_keys(None, aws.endpoint_url)
    assert keys[0] not in ("", "demo")
    assert len(cache_files()) == 1  # cached where the AWS CLI caches it


# --- file paths ----------------------------------------------------------------------------------


def test_config_file_paths_expand_variables_as_botocore_does(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (aws_home / "config").write_text("[default]\nregion = eu-west-1\n")
    (aws_home / "credentials").write_text(
        "[default]\naws_access_key_id = AKIFILE\naws_secret_access_key = file-secret\n"
    )
    monkeypatch.setenv("DECK_AWS_DIR", str(aws_home))
    monkeypatch.setenv("AWS_CONFIG_FILE", "$DECK_AWS_DIR/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "${DECK_AWS_DIR}/credentials")
    plan = quick.plan(profile=None, region=None, endpoint_url=None)
    assert plan.regions == aws_session.resolve_target().regions == ("eu-west-1",)
    assert plan.credentials.access_key == botocore_keys(None)[0] == "AKIFILE"


def test_one_profile_s_listing_names_its_profile(
    aws: LocalAws, process_profile: str, aws_home: Path
) -> None:
    """What a caller listing several profiles calls once per profile."""
    with (aws_home / "credentials").open("a") as out:
        out.write("[other]\naws_access_key_id = demo\naws_secret_access_key = demo\n")
    for profile in (process_profile, "other"):
        (listing,) = quick.quick_listing(profile, "eu-west-1", aws.endpoint_url)
        assert listing.region == "eu-west-1"
        assert listing.error is None
        assert {nb.name for nb in listing.notebooks} >= {"eu-forecasting"}


async def test_the_ordinary_path_uses_what_the_cli_cached(role_profile: str) -> None:
    """A cached assumed role (an MFA code typed once) serves aiobotocore's session too."""
    key = cli_cache.assume_role_key({"role_arn": ROLE_ARN})
    cli_cache.cache_dir().mkdir(parents=True)
    entry = {
        "Credentials": {
            "AccessKeyId": "AKICACHED",
            "SecretAccessKey": "cached-secret",
            "SessionToken": "cached-token",
            "Expiration": "2999-01-01T00:00:00UTC",
        }
    }
    (cli_cache.cache_dir() / f"{key}.json").write_text(json.dumps(entry))
    session = aws_session.new_session(role_profile)
    found = await session.get_credentials()
    assert found is not None
    frozen = await found.get_frozen_credentials()
    assert (frozen.access_key, frozen.secret_key, frozen.token) == (
        "AKICACHED",
        "cached-secret",
        "cached-token",
    )
