"""The app around the table: help, command palette, config (keys, theme), profile and region
switching, and failures of a whole region shown in the status line."""

from __future__ import annotations

import io
import os

import pytest
from rich.console import Console
from textual.command import CommandPalette
from textual.widgets import SelectionList, Static
from textual.widgets._footer import FooterKey

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.config import Settings
from sagedeck.errors import Throttled
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookStatus
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.keys import DASHBOARD_BINDINGS
from sagedeck.ui.screens.help import HelpScreen
from sagedeck.ui.screens.logs import LogScreen
from sagedeck.ui.screens.target import TargetChoice, TargetScreen

from .support import (
    FLEET_SIZE,
    SIZE,
    aws_status,
    build_app,
    loaded,
    notices_text,
    palette_settled,
    poll_now,
    select,
    wait_for,
)


async def test_help_lists_every_key_of_the_dashboard(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        ids = {entry.binding_id for entry in app.screen._entries}
        assert {b.id for b in DASHBOARD_BINDINGS} <= ids
        assert {"help", "quit", "palette"} <= ids
        start = next(e for e in app.screen._entries if e.binding_id == "start")
        assert start.key == "u"
        assert not start.enabled
        await pilot.press("escape")
        assert app.screen_stack[-1] is app.dashboard


def help_hints(screen: HelpScreen) -> str:
    return "\n".join(str(hint.render()) for hint in screen.query(".hints").results(Static))


async def test_help_explains_the_keys_of_the_screen_it_was_opened_from(
    aws_env: LocalAws,
) -> None:
    """The notes under the keys are the screen's own: in the log view j is JSON (not down), /
    searches lines (not columns) and n / N go from match to match."""
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        dashboard = help_hints(app.screen)
        assert "click a header to sort by it" in dashboard
        assert "searched in each column" in dashboard
        await pilot.press("escape")
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LogScreen))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        logs = help_hints(app.screen)
        assert "n / N" in logs
        assert "click a header" not in logs
        assert "column" not in logs
        assert "[keys]" in logs  # rebinding works on every screen


@pytest.mark.parametrize("size", [(80, 24), (120, 30)])
async def test_help_fits_the_terminals_width(aws_env: LocalAws, size: tuple[int, int]) -> None:
    """At 80 columns the three columns of keys do not fit: fewer columns, scrolled down,
    rather than View and Manage cut off at the right."""
    app = build_app(aws_env)
    async with app.run_test(size=size) as pilot:
        await loaded(pilot, app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        box = app.screen.query_one("#help")
        keys = app.screen.query_one("#keys", Static)
        assert keys.outer_size.width <= box.content_region.width
        assert box.outer_size.width <= size[0]
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(keys.content)
        text = console.export_text()  # every category still listed
        assert all(c in text for c in ("Instance", "Fleet", "App", "View", "Manage"))


async def test_the_help_key_shows_in_the_footer_at_80_columns(aws_env: LocalAws) -> None:
    """? is how a new user finds every other key: the instance keys must not push it off."""
    app = build_app(aws_env)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app)
        [help_key] = [k for k in app.screen.query(FooterKey) if k.action == "help"]
        assert help_key.region.width > 0
        assert help_key.region.right <= 80
        assert app.screen.find_widget(help_key).region == help_key.region  # not clipped


async def test_keys_are_rebound_from_the_config(aws_env: LocalAws) -> None:
    app = build_app(aws_env, keys={"start": "ctrl+u", "help": "f1"})
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb-dev")
        await pilot.press("u")  # the old key does nothing now
        await pilot.pause()
        assert aws_status(aws_env, "us-east-1", "nb-dev") is NotebookStatus.STOPPED
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        start = next(e for e in app.screen._entries if e.binding_id == "start")
        assert start.key == "^u"
        await pilot.press("escape")
        await pilot.press("ctrl+u")
        await wait_for(pilot, lambda: "Starting nb-dev" in notices_text(app))


async def test_theme_from_the_config_and_an_unknown_one_warns(aws_env: LocalAws) -> None:
    app = build_app(aws_env, theme="nord")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "nord"
    app = build_app(aws_env, theme="no-such-theme")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
        assert "unknown theme 'no-such-theme'" in notices_text(app)


async def test_palette_runs_actions_and_jumps_to_an_instance(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        await pilot.press("colon")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"jump to eu-vision")
        await wait_for(pilot, lambda: palette_settled(app), what="the palette's hits")
        await pilot.press("enter")
        await wait_for(pilot, lambda: board.table.current_key == "eu-west-1/eu-vision-gpu")
        await select(pilot, app, "us-east-1", "nb-dev")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"start: nb-dev")
        await wait_for(pilot, lambda: palette_settled(app), what="the palette's hits")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Starting nb-dev" in notices_text(app))


async def test_palette_jump_clears_a_filter_that_hides_the_instance(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        await pilot.press("slash", *"gpu", "enter")
        await wait_for(pilot, lambda: board.table.row_count == 2)
        board.jump_to("us-east-1/nb")
        await pilot.pause()
        assert board.table.row_count == FLEET_SIZE
        assert board.table.current_key == "us-east-1/nb"


async def test_switch_regions_in_the_app(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        old_services = app.services
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, TargetScreen))
        regions = app.screen.query_one("#regions", SelectionList)
        assert set(regions.selected) == {"us-east-1", "eu-west-1"}
        regions.deselect("us-east-1")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.services is not old_services)
        await wait_for(pilot, lambda: board.table.row_count == 5, what="eu-west-1 only")
        assert {nb.region for nb in board.fleet.notebooks.values()} == {"eu-west-1"}
        assert app.services.target.regions == ("eu-west-1",)
        assert app.services.target.endpoint_url == aws_env.endpoint_url
        assert "Now on profile default" in notices_text(app)
        assert "eu-west-1" in str(board.query_one("#title").render())


@pytest.fixture
def ml_team_profile(aws_env: LocalAws) -> str:
    """A second profile in the (private) AWS files ``aws_env`` made."""
    with open(os.environ["AWS_SHARED_CREDENTIALS_FILE"], "a") as credentials:
        credentials.write("[ml-team]\naws_access_key_id = demo\naws_secret_access_key = demo\n")
    return "ml-team"


async def test_switch_profile_rebuilds_the_services(
    aws_env: LocalAws, ml_team_profile: str
) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        board.switch_target(TargetChoice(ml_team_profile, ("us-east-1",)))
        await pilot.pause()
        assert app.services.target.profile == ml_team_profile
        assert app.services.target.credentials is None  # the profile's own credentials
        east = sorted(
            s["NotebookInstanceName"]
            for s in aws_env.client("sagemaker", "us-east-1").list_notebook_instances()[
                "NotebookInstances"
            ]
        )
        await wait_for(pilot, lambda: board.table.row_count == len(east), what="us-east-1 rows")
        assert board.fleet.regions == ("us-east-1",)
        assert sorted(nb.name for nb in board.fleet.notebooks.values()) == east
        assert {nb.region for nb in board.fleet.notebooks.values()} == {"us-east-1"}


async def test_a_failing_region_keeps_its_rows_and_says_why(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        sagemaker = app.services.sagemaker
        list_region = sagemaker.list_region

        async def throttled_west(region: str) -> object:
            if region == "eu-west-1":
                raise Throttled("throttled by AWS during list notebooks: retrying more slowly")
            return await list_region(region)

        monkeypatch.setattr(sagemaker, "list_region", throttled_west)
        await poll_now(pilot, app)
        assert board.table.row_count == FLEET_SIZE  # eu-west-1's rows stay (stale, not gone)
        summary = str(board.summary.render())
        assert "eu-west-1: throttled by AWS" in summary
        assert board.poller.next_delay() > app.settings.refresh_interval  # backs off
        monkeypatch.setattr(sagemaker, "list_region", list_region)
        await poll_now(pilot, app)
        assert "throttled" not in str(board.summary.render())


async def test_an_unreachable_endpoint_is_a_status_line_not_a_crash(
    aws_env: LocalAws,
) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    target = AwsTarget(
        None, ("us-east-1",), f"http://127.0.0.1:{port}", False, StaticCredentials("a", "b")
    )
    app = SagedeckApp(settings=Settings(), services=AwsServices(target))
    async with app.run_test(size=SIZE) as pilot:
        board = app.dashboard
        await wait_for(pilot, lambda: board.poller.polls >= 1, limit=30)
        assert "us-east-1: AWS endpoint unreachable" in str(board.summary.render())
        assert app.is_running


async def test_quit_closes_the_aws_clients(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    closed: list[bool] = []
    close = app.services.close

    async def tracking_close() -> None:
        closed.append(True)
        await close()

    app.services.close = tracking_close  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await pilot.press("q")
        await pilot.pause()
    assert closed == [True]
