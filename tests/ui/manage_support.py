"""Driving the create / clone / edit form and the tag editor with the Pilot."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Select, SelectionList

from sagedeck.localaws import LocalAws
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.manage.field_row import FieldRow
from sagedeck.ui.screens.manage.form import InstanceForm
from sagedeck.ui.screens.manage.request_screen import RequestScreen

from .support import wait_for


async def open_form(pilot: Pilot[Any], app: SagedeckApp, key: str) -> InstanceForm:
    """Press ``key`` on the dashboard; the form, once the account's choices have loaded."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, InstanceForm), what="the form")
    form = app.screen
    assert isinstance(form, InstanceForm)
    await wait_for(pilot, lambda: form.choices is not None, what="the account's choices")
    await pilot.pause()
    return form


def row(form: InstanceForm, key: str) -> FieldRow:
    found = form.row(key)
    assert found is not None, key
    return found


async def type_into(pilot: Pilot[Any], form: InstanceForm, key: str, text: str) -> None:
    """Focus the field's text editor, clear it and type ``text`` key by key, then leave it."""
    editor = row(form, key).editor
    assert isinstance(editor, Input), f"{key} is not free text"
    editor.focus()
    editor.value = ""
    if text:
        await pilot.press(*text)
    await pilot.press("tab")
    await pilot.pause()


async def choose(pilot: Pilot[Any], form: InstanceForm, key: str, value: str) -> None:
    """Choose ``value`` in the field's Select (as picking it from the list does)."""
    editor = row(form, key).editor
    assert isinstance(editor, Select), f"{key} offers no choices"
    editor.focus()
    editor.value = value
    await pilot.pause()


def options(form: InstanceForm, key: str) -> list[str]:
    """The values a choice field offers."""
    editor = row(form, key).editor
    if isinstance(editor, SelectionList):
        return [str(editor.get_option_at_index(i).value) for i in range(editor.option_count)]
    assert isinstance(editor, Select)
    return [str(value) for _, value in editor._options if isinstance(value, str)]


async def send(pilot: Pilot[Any], app: SagedeckApp) -> str:
    """ctrl+s, then the confirmation's request text; confirms it (y)."""
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, RequestScreen), what="the request")
    screen = app.screen
    assert isinstance(screen, RequestScreen)
    shown = screen._request
    await pilot.press("y")
    return shown


def described(aws: LocalAws, region: str, name: str) -> dict[str, Any] | None:
    client = aws.client("sagemaker", region)
    try:
        answer: dict[str, Any] = client.describe_notebook_instance(NotebookInstanceName=name)
    except client.exceptions.ClientError:
        return None
    return answer


def tags_of(aws: LocalAws, region: str, arn: str) -> dict[str, str]:
    client = aws.client("sagemaker", region)
    return {t["Key"]: t["Value"] for t in client.list_tags(ResourceArn=arn)["Tags"]}
