"""``ls`` and the instance commands over several profiles and every region, against the
embedded AWS: two accounts, one SSO profile nobody logged in to, opt-in regions not enabled."""

from __future__ import annotations

import json

import pytest

from research_account import (
    RESEARCH_CONFIG,
    RESEARCH_REPOSITORY,
    RESEARCH_USER,
    SHARED_CONFIG,
    research_config_names,
    seed_research_catalog,
)
from sagedeck.localaws import LocalAws
from sagedeck.localaws.accounts import RESEARCH_ACCOUNT_ID
from sagedeck.localaws.state import ACCOUNT_ID, sagemaker_backend

from .conftest import InProcess

ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240131T145746"


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


# --- lifecycle configurations, Git repositories and create over several profiles -------------


def test_lifecycle_ls_lists_every_profile_with_its_own_users(
    profiles_env: LocalAws, sagedeck: InProcess
) -> None:
    seed_research_catalog(profiles_env)
    result = sagedeck.run("--profile", "demo,research", "lifecycle", "ls", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert list(rows[0])[:3] == ["name", "region", "profile"]
    shared = {
        row["profile"]: row["used_by"]
        for row in rows
        if (row["name"], row["region"]) == (SHARED_CONFIG, "us-east-1")
    }
    assert shared["research"] == [RESEARCH_USER]  # that account's instances only
    assert "fraud-detection" in shared["demo"]
    assert (RESEARCH_CONFIG, "research") in {(row["name"], row["profile"]) for row in rows}
    table = sagedeck.run("--profile", "demo,research", "lifecycle", "ls")
    header, *lines = table.stdout.splitlines()
    assert header.split()[-1] == "PROFILE"
    assert any(line.startswith(RESEARCH_CONFIG) and line.endswith("research") for line in lines)


def test_a_profile_that_cannot_answer_is_one_line_and_hides_no_other(
    profiles_env: LocalAws, sagedeck: InProcess
) -> None:
    seed_research_catalog(profiles_env)
    result = sagedeck.run("--profile", "research,broken", "repos", "ls", "--json")
    assert result.returncode == 0, result.stderr
    assert [row["name"] for row in json.loads(result.stdout)] == [RESEARCH_REPOSITORY]
    assert len(result.error_lines) == 1, result.stderr
    assert result.error_lines[0].startswith("sagedeck: profile broken: ")
    assert "aws sso login --profile broken" in result.error_lines[0]


def test_one_profile_lists_as_before(profiles_env: LocalAws, sagedeck: InProcess) -> None:
    seed_research_catalog(profiles_env)
    result = sagedeck.run("--profile", "research", "repos", "ls", "--json")
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert "profile" not in row
    header = sagedeck.run("--profile", "research", "lifecycle", "ls").stdout.splitlines()[0]
    assert header.split() == ["NAME", "REGION", "CREATED", "MODIFIED", "USED", "BY"]


@pytest.mark.parametrize(
    "command",
    [
        ["lifecycle", "show", "auto-stop-idle"],
        ["lifecycle", "create", "new-config", "--idle-stop", "60"],
        ["lifecycle", "update", "auto-stop-idle", "--idle-stop", "60"],
        ["lifecycle", "delete", "conda-setup"],
        ["repos", "add", "new-repo", "--url", "https://github.com/acme/new.git"],
        ["repos", "delete", "ml-utils"],
        ["create", "new-nb", "--instance-type", "ml.t3.medium", "--role-arn", ROLE],
    ],
)
def test_a_change_over_several_profiles_must_name_one(
    profiles_env: LocalAws, sagedeck: InProcess, command: list[str]
) -> None:
    before = sagedeck.run("--profile", "demo", "lifecycle", "ls", "--json").stdout
    repos = sagedeck.run("--profile", "demo", "repos", "ls", "--json").stdout
    result = sagedeck.run("--profile", "demo,research", "--region", "us-east-1", *command)
    line = result.assert_one_line_error(exit_code=2)
    assert "several profiles (demo, research): name one with --profile" in line
    assert sagedeck.run("--profile", "demo", "lifecycle", "ls", "--json").stdout == before
    assert sagedeck.run("--profile", "demo", "repos", "ls", "--json").stdout == repos
    assert "new-nb" not in sagemaker_backend(ACCOUNT_ID, "us-east-1").notebook_instances
    assert "new-nb" not in sagemaker_backend(RESEARCH_ACCOUNT_ID, "us-east-1").notebook_instances


def test_a_change_in_one_named_profile_lands_in_its_account(
    profiles_env: LocalAws, sagedeck: InProcess
) -> None:
    result = sagedeck.run(
        "--profile", "research", "--region", "us-east-1", "lifecycle", "create", "r-idle",
        "--idle-stop", "60",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "r-idle" in research_config_names(profiles_env)
    demo = sagedeck.run("--profile", "demo", "lifecycle", "ls", "--json")
    assert "r-idle" not in {row["name"] for row in json.loads(demo.stdout)}
