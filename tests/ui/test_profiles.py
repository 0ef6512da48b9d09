"""The dashboard over several profiles, with the Pilot against the embedded AWS's two
accounts: rows of both with PROFILE and ACCOUNT, one status line for the profile that cannot
sign in, rows shown as each region answers, and actions through the row's own profile."""

from __future__ import annotations

from typing import Any

import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import resolve_target
from sagedeck.config import Settings
from sagedeck.localaws import LocalAws
from sagedeck.localaws.accounts import RESEARCH_ACCOUNT_ID, RESEARCH_NOTEBOOKS
from sagedeck.localaws.state import ACCOUNT_ID, sagemaker_backend
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.dashboard.screen import DashboardScreen

from .support import FLEET_SIZE, SIZE, loaded, notices_text, wait_for

BOTH_REGIONS = "us-east-1,eu-west-1"
ALL_ROWS = FLEET_SIZE + len(RESEARCH_NOTEBOOKS)


def build_profiles_app(profiles: str, regions: str = BOTH_REGIONS) -> SagedeckApp:
    """The app as the CLI builds it for ``--profile PROFILES --region REGIONS``."""
    target = resolve_target(profile=profiles, region=regions)
    settings = Settings(refresh_interval=30.0, fast_refresh_interval=30.0)
    return SagedeckApp(settings=settings, services=AwsServices(target), demo=True)


async def test_rows_of_two_accounts_and_one_line_for_the_broken_profile(
    profiles_env: LocalAws,
) -> None:
    app = build_profiles_app("demo,research,broken")
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=ALL_ROWS)
        assert [column.key for column in board.table.table_columns][-2:] == ["profile", "account"]
        # the same name in both accounts' us-east-1: two rows
        research = board.fleet.notebooks["research:us-east-1/alice-sandbox"]
        demo = board.fleet.notebooks["demo:us-east-1/alice-sandbox"]
        assert (research.account, demo.account) == (RESEARCH_ACCOUNT_ID, ACCOUNT_ID)
        row = board.table.get_row("research:us-east-1/forgotten-p3")
        assert [str(cell) for cell in row[-2:]] == ["research", RESEARCH_ACCOUNT_ID]
        await wait_for(pilot, lambda: board.fleet.refreshed_at is not None, what="a refresh")
        summary = str(board.summary.render())
        assert len(board.fleet.notes) == 1, board.fleet.notes
        assert "⚠ profile broken: " in summary
        assert "aws sso login --profile broken" in summary
        assert "demo 16  research 4  broken 0" in summary
        assert "profiles demo, research, broken" in str(board.query_one("#title").render())


async def test_one_profile_shows_no_profile_columns(profiles_env: LocalAws) -> None:
    app = build_profiles_app("research")
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=len(RESEARCH_NOTEBOOKS))
        keys = [column.key for column in board.table.table_columns]
        assert "profile" not in keys
        assert "account" not in keys
        assert "us-east-1/forgotten-p3" in board.fleet.notebooks  # keys as ever


async def test_rows_appear_as_each_region_answers(
    profiles_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each (profile, region) is merged and painted as it answers: the table shows some rows
    before the last region has answered."""
    seen: list[int] = []
    original = DashboardScreen._sync

    def recording_sync(self: DashboardScreen) -> None:
        original(self)
        seen.append(self.table.row_count)

    monkeypatch.setattr(DashboardScreen, "_sync", recording_sync)
    app = build_profiles_app("demo,research")
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=ALL_ROWS)
        await wait_for(pilot, lambda: board.poller.polls >= 1, what="the first poll")
        assert board.partial_applies == 4  # 2 profiles x 2 regions, one merge each
        partial = [count for count in seen if 0 < count < ALL_ROWS]
        assert partial, seen  # some rows on screen before the whole fleet


async def test_start_goes_through_the_rows_profile(profiles_env: LocalAws) -> None:
    app = build_profiles_app("demo,research")
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=ALL_ROWS)
        key = "research:us-east-1/alice-sandbox"
        board.table.follow(key)
        await wait_for(pilot, lambda: board.table.current_key == key, what=key)
        main = sagemaker_backend(ACCOUNT_ID, "us-east-1").notebook_instances["alice-sandbox"]
        before = main.status
        await pilot.press("u")
        await wait_for(pilot, lambda: "Starting alice-sandbox" in notices_text(app))
        research = sagemaker_backend(RESEARCH_ACCOUNT_ID, "us-east-1").notebook_instances
        assert research["alice-sandbox"].status == "Pending"
        assert main.status == before


async def test_switcher_picks_several_profiles(profiles_env: LocalAws) -> None:
    from textual.widgets import SelectionList

    from sagedeck.ui.screens.target import TargetScreen

    app = build_profiles_app("demo")
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=FLEET_SIZE)
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, TargetScreen))
        profiles: SelectionList[Any] = app.screen.query_one("#profile", SelectionList)
        assert profiles.selected == ["demo"]
        profiles.select("research")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.services.target.profiles == ("demo", "research"))
        await wait_for(pilot, lambda: board.table.row_count == ALL_ROWS, what="both accounts")
        assert [column.key for column in board.table.table_columns][-2:] == ["profile", "account"]
        assert "Now on profiles demo, research" in notices_text(app)


async def test_a_region_not_enabled_is_one_quiet_line(profiles_env: LocalAws) -> None:
    """me-south-1 is an opt-in region the embedded account has not enabled: AWS refuses it as
    an unknown key. The dashboard says so once, lists the rest, and does not take it for
    expired credentials (which would rebuild every client at each refresh)."""
    app = build_profiles_app("demo", regions=f"{BOTH_REGIONS},me-south-1")
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=FLEET_SIZE)
        await wait_for(pilot, lambda: board.fleet.refreshed_at is not None, what="a refresh")
        assert board.fleet.notes == ("skipped regions not enabled for this account: me-south-1",)
        assert not board.fleet.credentials_failed
        assert board.fleet.failed_regions == 0
        assert "⚠ skipped regions not enabled for this account: me-south-1" in str(
            board.summary.render()
        )


async def test_the_demo_offers_its_own_accounts_in_the_switcher(aws_env: LocalAws) -> None:
    """``sagedeck --demo``: ``P`` lists the embedded AWS's profiles (which exist only as keys,
    in no AWS config) rather than the user's, and choosing ``research`` lists that account."""
    from textual.widgets import SelectionList

    from sagedeck.cli import demo_profiles
    from sagedeck.ui.screens.target import DEFAULT_PROFILE, TargetScreen

    from .support import build_app

    app = build_app(aws_env)
    app.offered_profiles = demo_profiles(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=FLEET_SIZE)
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, TargetScreen))
        profiles: SelectionList[Any] = app.screen.query_one("#profile", SelectionList)
        offered = [profiles.get_option_at_index(i).value for i in range(profiles.option_count)]
        assert offered == [DEFAULT_PROFILE, "demo", "research"]
        profiles.select("research")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.services.target.profiles == (None, "research"))
        await wait_for(pilot, lambda: board.table.row_count == ALL_ROWS, what="both accounts")
        assert board.fleet.notes == (), board.fleet.notes
