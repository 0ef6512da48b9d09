"""``ls`` and the instance commands over several profiles and every region, against the
embedded AWS: two accounts, one SSO profile nobody logged in to, opt-in regions not enabled."""

from __future__ import annotations

import json

from sagedeck.localaws import LocalAws
from sagedeck.localaws.accounts import RESEARCH_ACCOUNT_ID
from sagedeck.localaws.state import ACCOUNT_ID, sagemaker_backend

from .conftest import InProcess


def test_ls_json_names_profile_and_account(profiles_env: LocalAws, sagedeck: InProcess) -> None:
    result = sagedeck.run("--profile", "demo,research,broken", "ls", "--json")
    assert result.returncode == 0, result.stderr  # a profile answered: the broken one is said
    rows = json.loads(result.stdout)
    accounts = {(row["profile"], row["account"]) for row in rows}
    assert accounts == {("demo", ACCOUNT_ID), ("research", RESEARCH_ACCOUNT_ID)}
    assert ("alice-sandbox", "research") in {(row["name"], row["profile"]) for row in rows}
    assert len(result.error_lines) == 1, result.stderr
    line = result.error_lines[0]
    assert line.startswith("sagedeck: profile broken: ")
    assert "aws sso login --profile broken" in line


def test_ls_table_has_profile_and_account_columns(
    profiles_env: LocalAws, sagedeck: InProcess
) -> None:
    result = sagedeck.run("--profile", "demo,research", "ls")
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header.split()[-2:] == ["PROFILE", "ACCOUNT"]
    assert any(line.split()[-2:] == ["research", RESEARCH_ACCOUNT_ID] for line in lines)


def test_ls_fails_when_no_profile_answers(profiles_env: LocalAws, sagedeck: InProcess) -> None:
    result = sagedeck.run("--profile", "broken", "ls")
    line = result.assert_one_line_error(exit_code=1)
    assert "aws sso login" in line


def test_one_profile_json_says_which_profile(profiles_env: LocalAws, sagedeck: InProcess) -> None:
    result = sagedeck.run("--profile", "research", "ls", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows
    assert {(row["profile"], row["account"]) for row in rows} == {("research", RESEARCH_ACCOUNT_ID)}


def test_region_all_skips_regions_not_enabled_in_one_line_per_profile(
    profiles_env: LocalAws, sagedeck: InProcess
) -> None:
    profiles_env.enable_region("af-south-1")
    result = sagedeck.run("--profile", "demo,research", "--region", "all", "ls", "--json")
    assert result.returncode == 0, result.stderr
    assert {row["profile"] for row in json.loads(result.stdout)} == {"demo", "research"}
    assert len(result.error_lines) == 2, result.stderr
    for profile, line in zip(("demo", "research"), result.error_lines, strict=True):
        assert line.startswith(
            f"sagedeck: profile {profile}: skipped regions not enabled for this account: "
        )
        assert "me-south-1" in line
        assert "af-south-1" not in line  # enabled
        assert "us-east-1" not in line


def test_start_uses_the_profile_that_has_the_instance(
    profiles_env: LocalAws, sagedeck: InProcess
) -> None:
    result = sagedeck.run("--profile", "demo,research", "start", "eu-genomics")
    assert result.returncode == 0, result.stderr
    research = sagemaker_backend(RESEARCH_ACCOUNT_ID, "eu-west-1").notebook_instances
    assert research["eu-genomics"].status == "Pending"


def test_a_name_in_two_profiles_asks_for_one(profiles_env: LocalAws, sagedeck: InProcess) -> None:
    result = sagedeck.run("--profile", "demo,research", "start", "alice-sandbox")
    line = result.assert_one_line_error(exit_code=2)
    assert "demo eu-west-1, demo us-east-1, research us-east-1" in line
    assert "--profile" in line
