"""Several profiles at once, over HTTP against the embedded AWS: each profile's credentials and
regions, rows that name their profile and account, one failing profile that hides nothing, and
every call on an instance made through the profile that listed it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sagedeck.aws.fleet import dedupe, problems, shared_lines
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import resolve_target
from sagedeck.errors import CredentialsError, InvalidInput
from sagedeck.localaws import LocalAws
from sagedeck.localaws.accounts import RESEARCH_ACCOUNT_ID, RESEARCH_NOTEBOOKS
from sagedeck.localaws.state import ACCOUNT_ID, sagemaker_backend
from sagedeck.models import RegionListing

BOTH = "us-east-1,eu-west-1"


def test_profile_list_and_all(profiles_env: LocalAws) -> None:
    target = resolve_target(profile="demo,research")
    assert target.many_profiles
    assert target.profiles == ("demo", "research")
    # each profile's own region from its config
    assert [member.regions for member in target.split()] == [("us-east-1",), ("eu-west-1",)]
    assert target.regions == ("us-east-1", "eu-west-1")
    assert resolve_target(profile="all").profiles == ("demo", "research", "broken")
    regions = resolve_target(profile="all", region="eu-west-1").split()
    assert {member.regions for member in regions} == {("eu-west-1",)}


def test_all_skips_profiles_without_credentials(profiles_env: LocalAws) -> None:
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.write_text(config.read_text() + "\n[profile region-only]\nregion = eu-west-1\n")
    assert "region-only" not in resolve_target(profile="all").profiles
    assert "region-only" in resolve_target(profile="demo,region-only").profiles


def test_unknown_profile_in_a_list_is_one_line(profiles_env: LocalAws) -> None:
    with pytest.raises(InvalidInput, match="unknown AWS profile 'nope'"):
        resolve_target(profile="demo,nope")


async def test_rows_of_both_accounts_and_one_line_for_the_broken_profile(
    profiles_env: LocalAws,
) -> None:
    target = resolve_target(profile="demo,research,broken", region=BOTH)
    async with AwsServices(target) as services:
        heard: list[RegionListing] = []
        listings = await services.list_fleet(on_listing=heard.append)
    assert len(heard) == len(listings) == 6  # 3 profiles x 2 regions, each heard as it came
    rows = [nb for listing in listings for nb in listing.notebooks]
    research = {nb.name for nb in rows if nb.profile == "research"}
    assert research == {spec.name for spec in RESEARCH_NOTEBOOKS}
    assert {nb.account for nb in rows if nb.profile == "research"} == {RESEARCH_ACCOUNT_ID}
    assert {nb.account for nb in rows if nb.profile == "demo"} == {ACCOUNT_ID}
    broken = [listing for listing in listings if listing.profile == "broken"]
    assert all(isinstance(listing.error, CredentialsError) for listing in broken)
    found = problems(listings)
    assert len(found.lines) == 1, found.lines
    assert found.lines[0].startswith("profile broken: ")
    assert "aws sso login --profile broken" in found.lines[0]
    assert not found.partial
    assert found.everything_failed is None


@pytest.fixture
def demo_again(profiles_env: LocalAws) -> str:
    """A second profile with the demo keys: the same account as ``demo``."""
    credentials = Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"])
    again = "\n[demo-again]\naws_access_key_id = demo\naws_secret_access_key = demo\n"
    credentials.write_text(credentials.read_text() + again)
    return "demo-again"


async def test_two_profiles_of_one_account_show_each_instance_once(demo_again: str) -> None:
    target = resolve_target(profile="demo,demo-again", region="us-east-1")
    async with AwsServices(target) as services:
        listings = await services.list_fleet()
    kept, shared = dedupe(listings, target.profiles)
    names = [nb.name for listing in kept for nb in listing.notebooks]
    assert len(names) == len(set(names)) > 0
    assert {nb.profile for listing in kept for nb in listing.notebooks} == {"demo"}
    assert shared_lines(shared) == [
        "profile demo-again lists the same instances as profile demo: shown once, via demo"
    ]


async def test_start_goes_to_the_account_of_the_rows_profile(profiles_env: LocalAws) -> None:
    """alice-sandbox exists in both accounts' us-east-1: starting the research row starts the
    research account's, and the main account's stays as it was."""
    main = sagemaker_backend(ACCOUNT_ID, "us-east-1").notebook_instances["alice-sandbox"]
    before = main.status
    target = resolve_target(profile="demo,research", region="us-east-1")
    async with AwsServices(target) as services:
        listings = await services.list_fleet()
        row = next(
            nb
            for listing in listings
            for nb in listing.notebooks
            if nb.name == "alice-sandbox" and nb.profile == "research"
        )
        await services.of(row.key).sagemaker.start(row.key)
        detail = await services.of(row.key).sagemaker.describe(row.key)
    research = sagemaker_backend(RESEARCH_ACCOUNT_ID, "us-east-1")
    assert research.notebook_instances["alice-sandbox"].status == "Pending"
    assert main.status == before
    assert detail.summary.profile == "research"
    assert detail.key == row.key


async def test_find_names_the_profile_and_refuses_an_ambiguous_name(
    profiles_env: LocalAws,
) -> None:
    target = resolve_target(profile="demo,research", region="us-east-1")
    async with AwsServices(target) as services:
        key = await services.find("llm-eval")
        assert (key.profile, key.region) == ("research", "us-east-1")
        with pytest.raises(InvalidInput, match=r"demo us-east-1, research us-east-1.*--profile"):
            await services.find("alice-sandbox")


async def test_find_is_not_stopped_by_a_broken_profile(profiles_env: LocalAws) -> None:
    target = resolve_target(profile="broken,research", region="us-east-1")
    async with AwsServices(target) as services:
        key = await services.find("forgotten-p3")
        assert key.profile == "research"
        # not "not found": one profile could not look
        with pytest.raises(CredentialsError, match="aws sso login"):
            await services.find("no-such-instance")
