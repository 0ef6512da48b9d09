"""``t``: the selected instance's tags, added and removed against the embedded AWS; each change
asks first with the request shown; the detail pane shows the change when the editor closes."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from sagedeck.localaws import LocalAws
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.manage.request_screen import RequestScreen
from sagedeck.ui.screens.manage.tags import TagScreen

from .manage_support import tags_of
from .support import SIZE, build_app, loaded, part, parts_loaded, select, text_of, wait_for


async def open_tags(pilot: Pilot[Any], app: SagedeckApp) -> TagScreen:
    await pilot.press("t")
    await wait_for(pilot, lambda: isinstance(app.screen, TagScreen), what="the tag editor")
    screen = app.screen
    assert isinstance(screen, TagScreen)
    await wait_for(pilot, lambda: screen.loads >= 1, what="the tags")
    return screen


async def confirm(pilot: Pilot[Any], app: SagedeckApp) -> str:
    await wait_for(pilot, lambda: isinstance(app.screen, RequestScreen), what="the request")
    screen = app.screen
    assert isinstance(screen, RequestScreen)
    shown = screen._request
    await pilot.press("y")
    return shown


def status(screen: TagScreen) -> str:
    return text_of(screen.query_one("#tags-status", Static), width=200)


async def test_add_then_remove_a_tag(aws_env: LocalAws) -> None:
    app = build_app(aws_env, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=11)
        notebook = await select(pilot, app, "us-east-1", "nb")  # InService: tags change anyway
        screen = await open_tags(pilot, app)
        before = tags_of(aws_env, "us-east-1", notebook.arn)
        assert screen.query_one(DataTable).row_count == len(before)

        await pilot.press(*"stage=beta two", "enter")
        shown = await confirm(pilot, app)
        assert "aws sagemaker add-tags --region us-east-1" in shown
        assert """'[{"Key": "stage", "Value": "beta two"}]'""" in shown  # a space: JSON
        await wait_for(pilot, lambda: screen.loads >= 2, what="the tags again")
        assert tags_of(aws_env, "us-east-1", notebook.arn) == {**before, "stage": "beta two"}
        assert screen.query_one("#tag-input", Input).value == ""

        table = screen.query_one(DataTable)
        keys = [key for key, _ in screen.tags]
        table.focus()
        table.move_cursor(row=keys.index("stage"))
        await pilot.press("delete")
        shown = await confirm(pilot, app)
        assert "delete-tags" in shown
        assert "--tag-keys stage" in shown
        await wait_for(pilot, lambda: screen.loads >= 3, what="the tags again")
        assert tags_of(aws_env, "us-east-1", notebook.arn) == before

        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is board, what="the dashboard")
        await parts_loaded(pilot, app)
        assert "stage" not in part(app, "tags")


async def test_a_bad_or_reserved_tag_is_refused_before_anything_is_sent(
    aws_env: LocalAws,
) -> None:
    app = build_app(aws_env, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=11)
        notebook = await select(pilot, app, "us-east-1", "fraud-detection")
        before = tags_of(aws_env, "us-east-1", notebook.arn)
        screen = await open_tags(pilot, app)
        await pilot.press(*"no-equals", "enter")
        await pilot.pause()
        assert "key=value" in status(screen)
        screen.query_one("#tag-input", Input).value = ""
        await pilot.press(*"aws:owner=me", "enter")
        await pilot.pause()
        assert "reserved" in status(screen)
        assert not isinstance(app.screen, RequestScreen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TagScreen))
        assert tags_of(aws_env, "us-east-1", notebook.arn) == before


async def test_cancelling_the_request_sends_nothing(aws_env: LocalAws) -> None:
    app = build_app(aws_env, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=11)
        notebook = await select(pilot, app, "us-east-1", "nb")
        before = tags_of(aws_env, "us-east-1", notebook.arn)
        screen = await open_tags(pilot, app)
        await pilot.press(*"stage=beta", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RequestScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert tags_of(aws_env, "us-east-1", notebook.arn) == before
        assert not screen.changed
