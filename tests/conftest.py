"""Shared fixtures: the embedded AWS, started once per test session (per xdist worker).

``local_aws`` is the server; ``aws`` resets and re-seeds it before a test (a few tens of ms);
``aws_env`` also points botocore at it through the environment, with dummy credentials and a
private, empty ``~/.aws``. The simulator does not run on its own: a test plays time forward
with ``aws.simulator.step(seconds)`` (or ``settle()``). FilterLogEvents throttling is off;
a test that wants AWS's 5 requests/s calls ``aws.set_log_throttle(True)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sagedeck.localaws import LocalAws

_CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)


# The longest tests (a minute or more on 2 cores) start first: begun near the end of a run,
# either would keep one xdist worker busy alone while the other has nothing left to do.
FIRST = ("tests/test_bench_smoke.py", "tests/ui/test_hostile_property.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.nodeid.partition("::")[0] not in FIRST)  # stable


@pytest.fixture(autouse=True)
def private_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test its own empty cache folder (prices.json): never the user's, never another
    test's (the embedded AWS keeps one endpoint for the session, so its prices would carry)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    """One embedded AWS for the session; tests step its simulator by hand."""
    with (
        pytest.MonkeyPatch.context() as patch,
        LocalAws(seed=True, simulate=False, throttle_filter_log_events=False) as local,
    ):
        patch.setattr("moto.kms.models.generate_private_key", _one_private_key_per_spec())
        yield local


def _one_private_key_per_spec() -> Callable[[str], Any]:
    """moto's key generation, made once per key spec for the session.

    moto gives every KMS key a new RSA key pair, the seed's symmetric keys too (which never use
    it): three 2048-bit pairs were three quarters of each test's reset and re-seed. No test
    signs or verifies with a KMS key, so keys of the same spec may share their pair.
    """
    from moto.kms import utils

    made: dict[str, Any] = {}

    def generate(key_spec: str) -> Any:
        if key_spec not in made:
            made[key_spec] = utils.generate_private_key(key_spec)
        return made[key_spec]

    return generate


@pytest.fixture
def aws(local_aws: LocalAws) -> LocalAws:
    """The embedded AWS, reset to the freshly seeded fleet."""
    local_aws.reset(seed=True)
    return local_aws


@pytest.fixture
def aws_env(aws: LocalAws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> LocalAws:
    """``aws``, plus an environment in which any AWS client reaches it and nothing else."""
    import os

    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL_"):
            monkeypatch.delenv(name)
    aws_dir = tmp_path / "aws-home"
    aws_dir.mkdir()
    (aws_dir / "config").write_text("[default]\nregion = us-east-1\n")
    (aws_dir / "credentials").write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_dir / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws_dir / "credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "demo")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "demo")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no wait on 169.254.169.254
    return aws


@pytest.fixture
def profiles_env(aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> LocalAws:
    """``aws_env`` with an AWS config of several profiles: ``demo`` and ``research`` (two
    accounts of the embedded AWS, static keys) and ``broken`` (an SSO profile nobody has
    logged in to), no keys in the environment and a private HOME (no SSO token cache)."""
    aws_dir = tmp_path / "profiles"
    aws_dir.mkdir()
    for name, value in aws_env.write_profiles(aws_dir, broken=("broken",)).items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return aws_env
