"""``ls --profile a,b`` (and ``all``) on the quick path (sagedeck.aws.quick): the output of the
ordinary path byte for byte, without botocore, and a profile that fails said as it says it."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sagedeck.aws.quick import listing
from sagedeck.commands import notebooks
from sagedeck.config import Settings
from sagedeck.errors import EndpointUnreachable
from sagedeck.localaws import LocalAws
from sagedeck.localaws.accounts import RESEARCH_ACCOUNT_ID
from sagedeck.localaws.state import ACCOUNT_ID
from sagedeck.models import RegionListing

from .conftest import InProcess, Result

QuickLs = Callable[[argparse.Namespace, Settings], int | None]


@pytest.fixture
def quick_codes(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """What each run's quick path answered (None: it handed over to the ordinary path)."""
    codes: list[int | None] = []
    real: QuickLs = notebooks.quick_ls

    def spy(args: argparse.Namespace, settings: Settings) -> int | None:
        codes.append(real(args, settings))
        return codes[-1]

    monkeypatch.setattr(notebooks, "quick_ls", spy)
    return codes


def ordinary_run(sagedeck: InProcess, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    with monkeypatch.context() as patch:
        patch.setattr(notebooks, "quick_ls", lambda args, settings: None)
        return sagedeck.run(*args)


@pytest.fixture
def two_profiles(aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> LocalAws:
    """``demo`` and ``research`` (two accounts, static keys), no other profile."""
    aws_dir = tmp_path / "profiles"
    aws_dir.mkdir()
    for name, value in aws_env.write_profiles(aws_dir).items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return aws_env


@pytest.mark.parametrize("spec", ["demo,research", "all"])
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "table"])
def test_several_profiles_quick_output_is_the_ordinary_path_s(
    two_profiles: LocalAws,
    sagedeck: InProcess,
    monkeypatch: pytest.MonkeyPatch,
    quick_codes: list[int | None],
    spec: str,
    as_json: bool,
) -> None:
    args = ("--profile", spec, "ls", *(("--json",) if as_json else ()))
    # the ordinary path first: with --json it caches the prices, which the quick path reads
    ordinary = ordinary_run(sagedeck, monkeypatch, *args)
    fast = sagedeck.run(*args)
    assert quick_codes == [0]  # listed on the quick path, not handed over
    assert (fast.returncode, fast.stderr) == (ordinary.returncode, ordinary.stderr) == (0, "")
    if as_json:
        assert fast.stdout == ordinary.stdout
        rows = json.loads(fast.stdout)
        accounts = {(row["profile"], row["account"]) for row in rows}
        assert accounts == {("demo", ACCOUNT_ID), ("research", RESEARCH_ACCOUNT_ID)}
        assert {row["region"] for row in rows} == set(two_profiles.regions)
    else:  # the same table but for the IN STATE ages: the two listings ran a moment apart
        import re

        age = re.compile(r"\d+[dhms]( \d+[dhms])?(?=\s+\S+\s+\S+$)", re.M)
        assert age.sub("AGE", fast.stdout) == age.sub("AGE", ordinary.stdout)
        assert fast.stdout.splitlines()[0].split()[-2:] == ["PROFILE", "ACCOUNT"]


def test_several_profiles_load_no_botocore(two_profiles: LocalAws, tmp_path: Path) -> None:
    probe = (
        "import sys; from sagedeck.cli import main; "
        "code = main(['--profile', 'demo,research', 'ls', '--json']); "
        "heavy = sorted(m for m in ('botocore', 'aiohttp', 'aiobotocore', 'asyncio') "
        "if m in sys.modules); print(code, heavy, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={
            **os.environ,
            "AWS_REGION": ",".join(two_profiles.regions),
            "SAGEDECK_CONFIG": str(tmp_path / "no-config.toml"),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stderr.strip().splitlines()[-1] == "0 []", done.stderr
    rows = json.loads(done.stdout)
    assert {(row["profile"], row["region"]) for row in rows} == {
        (profile, region) for profile in ("demo", "research") for region in two_profiles.regions
    }


def test_a_profile_the_quick_path_cannot_serve_sends_all_the_ordinary_way(
    profiles_env: LocalAws,
    sagedeck: InProcess,
    monkeypatch: pytest.MonkeyPatch,
    quick_codes: list[int | None],
) -> None:
    """``broken`` (an SSO login nobody made) is the ordinary path's to report: nothing was
    printed before it took over, and its one line is the ordinary path's."""
    args = ("--profile", "demo,research,broken", "ls", "--json")
    ordinary = ordinary_run(sagedeck, monkeypatch, *args)
    result = sagedeck.run(*args)
    assert quick_codes == [None]
    assert (result.returncode, result.stdout, result.stderr) == (
        ordinary.returncode,
        ordinary.stdout,
        ordinary.stderr,
    )
    assert len(result.error_lines) == 1
    assert result.error_lines[0].startswith("sagedeck: profile broken: ")


def test_a_profile_that_times_out_is_one_line_as_on_the_ordinary_path(
    two_profiles: LocalAws,
    sagedeck: InProcess,
    monkeypatch: pytest.MonkeyPatch,
    quick_codes: list[int | None],
) -> None:
    """A timeout is reported by the quick path itself (not waited through again): for one
    profile of several it is that profile's one line, and the others' rows are listed."""
    real = listing.RegionClient.list

    def hung(client: listing.RegionClient) -> RegionListing:
        if client.profile == "research":
            raise EndpointUnreachable(
                f"AWS endpoint unreachable during list notebooks in {client.region}:"
                f' Read timeout on endpoint URL: "{client.url}/"'
            )
        return real(client)

    monkeypatch.setattr(listing.RegionClient, "list", hung)
    result = sagedeck.run("--profile", "demo,research", "ls", "--json")
    assert quick_codes == [0]
    assert result.returncode == 0, result.stderr
    assert {row["profile"] for row in json.loads(result.stdout)} == {"demo"}
    assert len(result.error_lines) == 1, result.stderr
    assert result.error_lines[0].startswith("sagedeck: profile research: ")
    assert "Read timeout" in result.error_lines[0]
