"""Text from AWS is data in the dashboard (issue 12): brackets and markup are shown as typed,
escape bytes as visible stand-ins, and neither reaches the terminal.

Each test drives the real app under the Pilot against the embedded AWS, with a driver that
records what the app writes to the terminal (``recording.py``); the hostile text goes in as
``hostile_data.py`` says (over AWS's APIs where they let it in). ``test_hostile_property.py``
tries generated text on the same surfaces.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import SelectionList, Static

from sagedeck.localaws import LocalAws
from sagedeck.localaws.state import LOCK, sagemaker_backend
from sagedeck.ssm.doctor import Check, DoctorReport, FailedCall, Status, render_text
from sagedeck.text.sanitize import sanitize_line
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.confirm import ConfirmScreen, TypeNameScreen
from sagedeck.ui.screens.doctor import DoctorScreen
from sagedeck.ui.screens.logs import LogScreen
from sagedeck.ui.screens.port_forwards import PortForwardScreen
from sagedeck.ui.screens.target import TargetScreen
from sagedeck.ui.widgets.start_panel import StartPanel

from .hostile_data import (
    ACCOUNT,
    ESCAPES,
    ESCAPES_SHOWN,
    FAILED,
    LINK,
    MARKUP,
    OSC52,
    OSC52_SHOWN,
    REGION,
    ROLE,
    SENT_RAW,
    WITH_NODE,
    add_hostile_rows,
    plant,
    put_log_line,
)
from .recording import output, raw_controls, run_recorded, shown_text
from .support import (
    FLEET_SIZE,
    build_app,
    loaded,
    notices_text,
    part,
    parts_loaded,
    select,
    text_of,
    wait_for,
)


def assert_safe(app: SagedeckApp) -> None:
    """The app is running, and nothing it wrote to the terminal carries a control character
    of the data's."""
    assert app._exception is None, app._exception
    assert app.is_running
    written = output(app)
    assert raw_controls(written) == []
    for sequence in SENT_RAW:
        assert sequence not in written, repr(sequence)
    assert "Unexpected failure" not in notices_text(app)


def shown(widget: Static) -> str:
    """What a Static shows, at a width where nothing wraps."""
    return text_of(widget, width=400)


async def test_a_role_description_with_brackets_no_longer_crashes_the_dashboard(
    aws_env: LocalAws,
) -> None:
    """The crash of issue 12: ``[/data]`` raised MarkupError when the instance was selected,
    and ``[link=…]`` made a clickable link out of the description."""
    aws_env.client("iam").update_role(RoleName=ROLE, Description=MARKUP)
    app = build_app(aws_env)
    async with run_recorded(app) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, REGION, FAILED)
        await parts_loaded(pilot, app)
        assert MARKUP in shown(app.dashboard.query_one("#part-role", Static))
        assert_safe(app)
        on_screen = shown_text(output(app))
        assert "access to [/data] bucket" in on_screen  # drawn as text...
        assert "[link=https://evil.example/login]" in on_screen
        assert "\x1b]8;" not in output(app)  # ...and no link


async def test_tags_with_markup_and_escape_bytes_are_shown_as_typed(aws_env: LocalAws) -> None:
    sagemaker = aws_env.client("sagemaker", REGION)
    arn = sagemaker.describe_notebook_instance(NotebookInstanceName=FAILED)["NotebookInstanceArn"]
    sagemaker.add_tags(
        ResourceArn=arn,
        Tags=[
            {"Key": "team[bold]", "Value": "[red]ml[/red] [/] [link=https://evil.example]x"},
            {"Key": "escapes", "Value": ESCAPES},
        ],
    )
    app = build_app(aws_env)
    async with run_recorded(app) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, REGION, FAILED)
        await parts_loaded(pilot, app)
        tags = shown(app.dashboard.query_one("#part-tags", Static))
        assert "team[bold]" in tags
        assert "[red]ml[/red] [/] [link=https://evil.example]x" in tags
        assert ESCAPES_SHOWN in tags
        assert_safe(app)


async def test_escape_bytes_in_every_detail_part_are_shown_not_sent(aws_env: LocalAws) -> None:
    """A lifecycle script, a FailureReason, a tag, a repository URL, a security group's name,
    the SSM agent's version and the role's description, all carrying escape sequences."""
    plant(aws_env, f"{MARKUP} {ESCAPES}")
    app = build_app(aws_env)
    async with run_recorded(app) as pilot:
        await loaded(pilot, app)
        board = app.dashboard
        await select(pilot, app, REGION, FAILED)
        await parts_loaded(pilot, app)
        overview = shown(board.query_one("#part-overview", Static))
        assert "FailureReason" in overview
        assert ESCAPES_SHOWN in overview
        lifecycle = shown(board.query_one("#part-lifecycle", Static))
        assert OSC52_SHOWN in lifecycle
        assert "[link=https://evil.example/login]" in lifecycle
        assert ESCAPES_SHOWN in shown(board.query_one("#part-tags", Static))
        network = shown(board.query_one("#part-network", Static))
        assert "(access to [/data] bucket." in network  # the group's name (XML: no ESC)
        assert "\\x9b2J" in shown(board.query_one("#part-role", Static))
        assert_safe(app)
        await select(pilot, app, REGION, WITH_NODE)
        await parts_loaded(pilot, app)
        assert ESCAPES_SHOWN in shown(board.query_one("#part-repositories", Static))
        assert ESCAPES_SHOWN in shown(board.query_one("#part-ssm", Static))
        assert_safe(app)
        assert OSC52_SHOWN in shown_text(output(app))  # drawn, as its stand-in


async def test_log_lines_with_colours_osc_and_c1_are_shown_not_sent(aws_env: LocalAws) -> None:
    """Jupyter writes colour codes; a notebook's own code can write anything to its log. The
    view shows each control character's stand-in (C1 too: it once replaced C0 only)."""
    put_log_line(aws_env, f"\x1b[32m[I ServerApp]\x1b[0m {ESCAPES} {LINK}")
    app = build_app(aws_env)
    async with run_recorded(app) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, REGION, FAILED)
        await pilot.press("l")
        screen = await _log_screen(pilot, app)
        await wait_for(pilot, lambda: any("pwned" in line for line in screen.log_view.lines))
        await pilot.pause()
        on_screen = shown_text(output(app))
        # (the line is wider than the terminal: its start is on screen)
        assert f"␛[32m[I ServerApp]␛[0m copy {OSC52_SHOWN} title ␛]0;pwned␇ c" in on_screen
        assert_safe(app)


async def test_hostile_names_in_the_table_dialogs_palette_and_screens(aws_env: LocalAws) -> None:
    """Names AWS would refuse, put into the parsed listing: the table's cells, the stop and
    delete dialogs, the palette's "Jump to", the log view's title, the doctor's and the port
    forwards' titles, the start view's FailureReason and the notifications show them as
    typed."""
    running, stopped = f"{LINK} {ESCAPES}", f"[b]stopped[/b] [/] {OSC52}"
    app = build_app(aws_env)
    add_hostile_rows(app.services, lambda: (running, stopped))
    async with run_recorded(app) as pilot:
        board = app.dashboard
        await wait_for(pilot, lambda: board.table.row_count == FLEET_SIZE + 2, what="all rows")
        # Every platform but the two hostile rows' (their describe fails: AWS refuses the name).
        await wait_for(
            pilot,
            lambda: len(board.fleet.missing_platforms()) == 2 and not board._describing,
            what="platforms",
        )
        name_cell = board.table.get_cell(f"{REGION}/{running}", "name")
        assert isinstance(name_cell, Text)
        assert name_cell.plain == sanitize_line(running)
        lifecycle_cell = board.table.get_cell(f"{REGION}/{running}", "lifecycle")
        assert lifecycle_cell.plain == sanitize_line(running)

        await select(pilot, app, REGION, running)
        await parts_loaded(pilot, app)  # its describe fails: AWS's error quotes the name
        assert "[link=https://evil.example/login]" in part(app, "overview")
        await pilot.press("x")
        dialog = await _screen(pilot, app, ConfirmScreen)
        assert f"Stop {sanitize_line(running)}?" in shown(dialog.query_one("#body", Static))
        await pilot.pause()
        assert_safe(app)
        await pilot.press("n")

        await pilot.press("ctrl+p")
        palette = await _screen(pilot, app, CommandPalette)
        await pilot.press(*"session")
        await wait_for(pilot, lambda: "Jump to" in shown_text(output(app)), what="a jump hit")
        await pilot.pause()
        assert f"Jump to {sanitize_line(running)[:40]}" in shown_text(output(app))
        assert_safe(app)
        palette.dismiss()

        for key, screen_type in (("D", DoctorScreen), ("F", PortForwardScreen)):
            await pilot.press(key)
            modal = await _screen(pilot, app, screen_type)
            await pilot.pause()
            assert "[link=https://evil.example/login]" in shown_text(output(app))
            assert_safe(app)
            modal.dismiss(None)
            await wait_for(pilot, lambda: app.screen is board, what="back on the dashboard")

        await pilot.press("l")
        logs = await _log_screen(pilot, app)
        await pilot.pause()
        assert sanitize_line(running)[:60] in shown_text(output(app))  # the title
        assert_safe(app)
        logs.dismiss()
        await wait_for(pilot, lambda: app.screen is board, what="back on the dashboard")

        await select(pilot, app, REGION, stopped)
        await pilot.press("ctrl+d")
        delete = await _screen(pilot, app, TypeNameScreen)
        await pilot.pause()
        assert f"This deletes {sanitize_line(stopped)} in" in shown(
            delete.query_one("#body", Static)
        )
        assert_safe(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Delete cancelled" in notices_text(app))


async def test_notifications_carry_aws_text_as_text(aws_env: LocalAws) -> None:
    """Titles and messages hold names and AWS's error messages; a widget's own ``notify`` asks
    for markup by default (Textual's), the app's never gives it."""
    app = build_app(aws_env)
    async with run_recorded(app) as pilot:
        await loaded(pilot, app)
        app.notify(f"{MARKUP}\n{ESCAPES}", title=f"{LINK}\n{OSC52}", severity="error")
        app.screen.notify(MARKUP, title="[b]widget[/b]")
        await pilot.pause()
        await pilot.pause()
        on_screen = shown_text(output(app))
        assert "access to [/data] bucket." in on_screen
        assert "[link=https://evil.example/login]" in on_screen
        assert "[b]widget[/b]" in on_screen
        assert OSC52_SHOWN in on_screen
        assert_safe(app)
        assert f"|{sanitize_line(LINK)}␊{OSC52_SHOWN}|" in notices_text(app)


async def test_a_failure_reason_in_the_start_view_is_shown_not_sent(aws_env: LocalAws) -> None:
    with LOCK:
        notebooks = sagemaker_backend(ACCOUNT, REGION).notebook_instances
        notebooks[FAILED].failure_reason = f"{MARKUP}\n{ESCAPES}"
    app = build_app(aws_env)
    async with run_recorded(app) as pilot:
        await loaded(pilot, app)
        notebook = await select(pilot, app, REGION, FAILED)
        app.push_screen(LogScreen(app.services, notebook, app.settings, watch_start=True))
        screen = await _log_screen(pilot, app)
        panel = screen.query_one("#start-panel", StartPanel)
        await wait_for(pilot, lambda: "pwned" in shown(panel), what="the FailureReason")
        await pilot.pause()
        text = shown(panel)
        assert "access to [/data] bucket." in text
        assert ESCAPES_SHOWN in text
        assert_safe(app)


async def test_keys_and_profiles_from_the_users_files_are_text(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The help screen shows keys from the user's keymap, the profile switch the profile names
    of ~/.aws/config: a "[" key or a profile named like markup is shown as it is."""
    import os

    with open(os.environ["AWS_CONFIG_FILE"], "a") as config:  # noqa: ASYNC230 (before the app)
        config.write(
            "[profile [b]team[/b]]\nregion = us-east-1\n"
            "[profile [link=https://evil.example]prod]\nregion = us-east-1\n"
        )
    app = build_app(aws_env, keys={"refresh": "left_square_bracket"})
    async with run_recorded(app) as pilot:
        await loaded(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.pause()
        keys = shown(app.screen.query_one("#keys", Static))
        assert re.search(r"(^| )\[ +Refresh", keys, re.MULTILINE), keys  # "[" rebinds refresh
        assert_safe(app)
        await pilot.press("escape")
        await pilot.press("P")
        target = await _screen(pilot, app, TargetScreen)
        profiles = target.query_one("#profile", SelectionList)
        prompts = [
            str(profiles.get_option_at_index(index).prompt)
            for index in range(profiles.option_count)
        ]
        assert "[b]team[/b]" in prompts
        assert "[link=https://evil.example]prod" in prompts
        await pilot.pause()
        assert "[link=https://evil.example]prod" in shown_text(output(app))
        assert_safe(app)


async def test_saving_the_log_says_what_was_redacted(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """ctrl+s: the notification says what was redacted, in the redaction's own words, and the
    file holds neither the secret nor a raw escape byte."""
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    put_log_line(aws_env, f'{{"SecretAccessKey": "{secret}"}} {OSC52}')
    monkeypatch.chdir(tmp_path)
    app = build_app(aws_env)
    async with run_recorded(app) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, REGION, FAILED)
        await pilot.press("l")
        screen = await _log_screen(pilot, app)
        await wait_for(pilot, lambda: any(secret in line for line in screen.log_view.lines))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "saved " in notices_text(app), what="the notification")
        notice = app.notices[-1][2]
        assert "matching known secret patterns redacted (credential field)" in notice
        assert "secrets redacted" not in notice  # the old claim, which promised more
    body = _saved_log(tmp_path)
    assert secret not in body
    assert "\x1b" not in body
    assert OSC52_SHOWN in body


def test_the_doctors_lines_are_sanitised() -> None:
    """``sagedeck doctor`` prints its report to a terminal: a summary, a failed call's message
    and a step quoting AWS come out as visible stand-ins."""
    from sagedeck.models import NotebookKey

    report = DoctorReport(
        key=NotebookKey(REGION, "nb"),
        checks=(Check("agent", Status.WARN, f"agent {ESCAPES}", fix=f"fix {OSC52}"),),
        failed_calls=(FailedCall("ssm:DescribeInstanceInformation", f"denied {OSC52}"),),
    )
    text = render_text(report)
    assert f"agent {ESCAPES_SHOWN}" in text
    assert f"denied {OSC52_SHOWN}" in text
    assert f"fix {OSC52_SHOWN}" in text  # a next step
    assert "\x1b" not in text
    assert "\x9b" not in text


def _saved_log(folder: Path) -> str:
    (saved,) = folder.glob(f"sagedeck-{FAILED}-*.log")
    return saved.read_text(encoding="utf-8")


async def _screen(pilot: Pilot[Any], app: SagedeckApp, screen_type: type[Any]) -> Any:
    await wait_for(pilot, lambda: isinstance(app.screen, screen_type), what=screen_type.__name__)
    return app.screen


async def _log_screen(pilot: Pilot[Any], app: SagedeckApp) -> LogScreen:
    screen = await _screen(pilot, app, LogScreen)
    assert isinstance(screen, LogScreen)
    await wait_for(
        pilot, lambda: screen.is_mounted and screen.query("#log-status"), what="composed"
    )
    return screen
