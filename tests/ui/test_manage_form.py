"""The create / clone / edit form, against the embedded AWS over HTTP: what the user fills in
is what AWS holds after; a bad field is marked and nothing is sent; AWS's refusal is one line
in the form; an edit sends only what changed, and only on a Stopped instance."""

from __future__ import annotations

import html
from typing import Any

import pytest
from botocore.exceptions import ClientError
from textual.command import CommandPalette
from textual.widgets import Button, Select, Static

from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookStatus
from sagedeck.ui.screens.manage.form import InstanceForm
from sagedeck.ui.screens.manage.request_screen import RequestScreen

from .manage_support import choose, described, open_form, options, row, send, tags_of, type_into
from .support import (
    SIZE,
    build_app,
    loaded,
    notices_text,
    palette_settled,
    select,
    text_of,
    wait_for,
)

ROLE = "arn:aws:iam::123456789012:role/ml-platform-notebooks"


def status_line(form: InstanceForm) -> str:
    return text_of(form.query_one("#form-status", Static), width=200)


async def test_create_sends_what_was_filled_in_and_the_row_appears(aws_env: LocalAws) -> None:
    app = build_app(aws_env, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=11)
        form = await open_form(pilot, app, "n")
        assert form.query_one("#submit", Button).disabled  # name, type and role are required
        await type_into(pilot, form, "NotebookInstanceName", "made-here")
        await choose(pilot, form, "InstanceType", "ml.t3.large")
        await choose(pilot, form, "RoleArn", ROLE)
        await type_into(pilot, form, "VolumeSizeInGB", "25")
        await choose(pilot, form, "RootAccess", "Disabled")
        tags = row(form, "Tags").editor
        tags.focus()
        await pilot.press(*"team=ml")
        await pilot.pause()
        assert not form.errors, form.errors
        assert not form.query_one("#submit", Button).disabled
        shown = await send(pilot, app)
        assert '"NotebookInstanceName": "made-here"' in shown
        assert "aws sagemaker create-notebook-instance --region us-east-1" in shown
        assert "--volume-size-in-gb 25" in shown
        assert "--tags Key=team,Value=ml" in shown
        await wait_for(pilot, lambda: app.screen is board, what="the form closed")
        made = described(aws_env, "us-east-1", "made-here")
        assert made is not None
        assert made["InstanceType"] == "ml.t3.large"
        assert made["RoleArn"] == ROLE
        assert made["VolumeSizeInGB"] == 25
        assert made["RootAccess"] == "Disabled"
        assert tags_of(aws_env, "us-east-1", made["NotebookInstanceArn"]) == {"team": "ml"}
        assert "Creating made-here in us-east-1" in notices_text(app)
        await wait_for(pilot, lambda: "us-east-1/made-here" in board.fleet.notebooks, what="row")


async def test_a_bad_field_is_marked_with_the_reason_and_nothing_is_sent(
    aws_env: LocalAws,
) -> None:
    app = build_app(aws_env, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=11)
        form = await open_form(pilot, app, "n")
        await type_into(pilot, form, "NotebookInstanceName", "bad_name")
        await choose(pilot, form, "InstanceType", "ml.t3.medium")
        await choose(pilot, form, "RoleArn", ROLE)
        await type_into(pilot, form, "VolumeSizeInGB", "3")
        name, volume = row(form, "NotebookInstanceName"), row(form, "VolumeSizeInGB")
        assert name.has_class("-invalid")
        assert volume.has_class("-invalid")
        assert "does not match the pattern" in text_of(name.query_one(".field-hint", Static))
        assert "at least 5" in text_of(volume.query_one(".field-hint", Static))
        assert "To fix" in status_line(form)
        assert form.query_one("#submit", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, RequestScreen)
        assert form.sent == 0
        await type_into(pilot, form, "VolumeSizeInGB", "5")  # fixed: the mark goes
        assert not volume.has_class("-invalid")
        assert described(aws_env, "us-east-1", "bad_name") is None


async def test_an_aws_error_is_one_line_in_the_form_and_nothing_closes(
    aws_env: LocalAws,
) -> None:
    app = build_app(aws_env, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=11)
        form = await open_form(pilot, app, "n")
        await type_into(pilot, form, "NotebookInstanceName", "nb")  # exists already
        await choose(pilot, form, "InstanceType", "ml.t3.medium")
        await choose(pilot, form, "RoleArn", ROLE)
        await send(pilot, app)
        await wait_for(pilot, lambda: form.sent == 1, what="the request sent")
        await wait_for(pilot, lambda: not form._sending, what="the answer")
        line = status_line(form).strip()
        assert line
        assert "\n" not in line
        assert "nb" in line
        assert app.screen is form  # still open, the user's input kept
        assert row(form, "NotebookInstanceName").value() == "nb"
        assert described(aws_env, "us-east-1", "nb") is not None  # the old one, untouched


async def test_clone_is_prefilled_without_a_name_and_makes_the_same_instance(
    aws_env: LocalAws,
) -> None:
    app = build_app(aws_env, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=11)
        await select(pilot, app, "us-east-1", "nlp-finetune")
        form = await open_form(pilot, app, "ctrl+n")
        source = described(aws_env, "us-east-1", "nlp-finetune")
        assert source is not None
        assert source["SubnetId"]
        assert row(form, "NotebookInstanceName").value() is None
        assert row(form, "SubnetId").value() == source["SubnetId"]
        await type_into(pilot, form, "NotebookInstanceName", "nlp-finetune-2")
        await send(pilot, app)
        await wait_for(pilot, lambda: app.screen is app.dashboard, what="the form closed")
    clone = described(aws_env, "us-east-1", "nlp-finetune-2")
    assert clone is not None
    for key in (
        "InstanceType",
        "SubnetId",
        "RoleArn",
        "KmsKeyId",
        "NotebookInstanceLifecycleConfigName",
        "DirectInternetAccess",
        "VolumeSizeInGB",
        "RootAccess",
        "PlatformIdentifier",
        "InstanceMetadataServiceConfiguration",
        "DefaultCodeRepository",
        "AdditionalCodeRepositories",
    ):
        assert clone.get(key) == source.get(key), key
    assert sorted(clone["SecurityGroups"]) == sorted(source["SecurityGroups"])
    source_tags = tags_of(aws_env, "us-east-1", source["NotebookInstanceArn"])
    clone_tags = tags_of(aws_env, "us-east-1", clone["NotebookInstanceArn"])
    assert clone_tags == {k: v for k, v in source_tags.items() if not k.startswith("aws:")}


async def test_subnet_change_narrows_the_security_groups_to_its_vpc(aws_env: LocalAws) -> None:
    app = build_app(aws_env, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=11)
        form = await open_form(pilot, app, "n")
        choices = form.choices
        assert choices is not None
        assert "choose a subnet first" in text_of(
            row(form, "SecurityGroupIds").query_one(".field-hint", Static)
        )
        vpcs = {s.vpc_id: s.subnet_id for s in choices.subnets.items}
        assert len(vpcs) >= 2, "the seed has the default VPC and the notebooks' VPC"
        offered: dict[str, set[str]] = {}
        for vpc, subnet in vpcs.items():
            await choose(pilot, form, "SubnetId", subnet)
            offered[vpc] = set(options(form, "SecurityGroupIds"))
            expected = {g.group_id for g in choices.security_groups_of(vpc)}
            assert offered[vpc] == expected, vpc
        first, second = offered.values()
        assert first
        assert second
        assert not first & second


async def test_a_choice_list_that_cannot_be_read_says_why_and_takes_free_text(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env, regions=("us-east-1",))
    conn = app.services.conn
    real_client = conn.client

    async def client(service: str, region: str) -> Any:
        found = await real_client(service, region)
        if service != "iam":
            return found

        class Denying:
            def __getattr__(self, name: str) -> Any:
                if name == "list_roles":

                    async def denied(**kwargs: Any) -> Any:
                        error = {"Error": {"Code": "AccessDenied", "Message": "not authorized"}}
                        raise ClientError(error, "ListRoles")  # type: ignore[arg-type]

                    return denied
                return getattr(found, name)

        return Denying()

    monkeypatch.setattr(conn, "client", client)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=11)
        form = await open_form(pilot, app, "n")
        role = row(form, "RoleArn")
        hint = text_of(role.query_one(".field-hint", Static), width=200)
        assert "could not list roles" in hint
        assert "iam:ListRoles" in hint
        await type_into(pilot, form, "RoleArn", ROLE)  # free text instead
        assert role.value() == ROLE
        assert options(form, "SubnetId")  # the other lists still came


async def test_edit_only_on_a_stopped_instance_and_sends_only_the_changes(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env, regions=("us-east-1",))
    sent: list[dict[str, Any]] = []
    manage = app.services.manage
    real_update = manage.update

    async def update(region: str, name: str, params: dict[str, Any]) -> None:
        sent.append(dict(params))
        await real_update(region, name, params)

    monkeypatch.setattr(manage, "update", update)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=11)
        await select(pilot, app, "us-east-1", "nb")  # InService
        assert board.check_action("edit", ()) is None  # shown greyed
        await pilot.press("e")
        await wait_for(pilot, lambda: "only when it is Stopped" in notices_text(app))
        assert app.screen is board
        await select(pilot, app, "us-east-1", "fraud-detection")
        assert board.notebooks["us-east-1/fraud-detection"].status is NotebookStatus.STOPPED
        before = described(aws_env, "us-east-1", "fraud-detection")
        assert before is not None
        form = await open_form(pilot, app, "e")
        assert row(form, "SubnetId").locked  # fixed at creation
        assert "nothing changed yet" in status_line(form)
        assert form.query_one("#submit", Button).disabled
        await type_into(pilot, form, "VolumeSizeInGB", str(before["VolumeSizeInGB"] - 1))
        assert "only grow" in text_of(row(form, "VolumeSizeInGB").query_one(".field-hint", Static))
        await type_into(pilot, form, "VolumeSizeInGB", str(before["VolumeSizeInGB"] + 10))
        other_type = "ml.c5.xlarge" if before["InstanceType"] != "ml.c5.xlarge" else "ml.m5.large"
        await choose(pilot, form, "InstanceType", other_type)
        assert before.get("NotebookInstanceLifecycleConfigName")
        lifecycle = row(form, "LifecycleConfigName").editor
        assert isinstance(lifecycle, Select)
        lifecycle.clear()  # "not set": removes it
        await pilot.pause()
        await send(pilot, app)
        await wait_for(pilot, lambda: app.screen is board, what="the form closed")
    assert sent == [
        {
            "InstanceType": other_type,
            "VolumeSizeInGB": before["VolumeSizeInGB"] + 10,
            "DisassociateLifecycleConfig": True,
        }
    ]
    after = described(aws_env, "us-east-1", "fraud-detection")
    assert after is not None
    assert after["InstanceType"] == other_type
    assert after["VolumeSizeInGB"] == before["VolumeSizeInGB"] + 10
    assert after["RoleArn"] == before["RoleArn"]
    assert not after.get("NotebookInstanceLifecycleConfigName")


async def test_read_only_mode_hides_and_refuses_every_managing_key(aws_env: LocalAws) -> None:
    app = build_app(aws_env, read_only=True, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=11)
        await select(pilot, app, "us-east-1", "fraud-detection")  # Stopped: editable otherwise
        for action in ("create", "clone", "edit", "edit_refused", "tags"):
            assert board.check_action(action, ()) is False, action
        for key in ("n", "ctrl+n", "e", "t"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is board, key
        shown = {active.binding.action for active in board.active_bindings.values()}
        assert not shown & {"create", "clone", "edit", "tags"}
        board.manage.create(None)  # reached some other way: still refused
        assert "read-only mode: create is refused" in notices_text(app)
        assert app.screen is board


async def test_the_palette_offers_clone_of_the_selected_instance(aws_env: LocalAws) -> None:
    app = build_app(aws_env, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=11)
        await select(pilot, app, "us-east-1", "nb-dev")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Clone instance")
        await wait_for(pilot, lambda: palette_settled(app), what="the palette's hits")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, InstanceForm), what="the form")
        form = app.screen
        assert isinstance(form, InstanceForm)
        assert form.plan.verb == "clone"
        assert form.plan.source == "nb-dev"


async def test_aws_text_in_the_choices_is_shown_as_text_never_markup(aws_env: LocalAws) -> None:
    app = build_app(aws_env, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=11)
        form = await open_form(pilot, app, "n")
        assert form.choices is not None
        hostile = next(r for r in form.choices.roles.items if "[/data]" in r.description)
        await choose(pilot, form, "RoleArn", hostile.arn)
        role = row(form, "RoleArn").editor
        assert isinstance(role, Select)
        await pilot.press("enter")  # the list open: every role's label drawn
        await wait_for(pilot, lambda: role.expanded, what="the list")
        await pilot.pause()
        screen = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        assert "access to [/data] bucket" in screen
        assert "[link=https://example.invalid]" in screen


async def test_q_on_a_list_in_the_form_keeps_the_form_and_says_how_to_leave(
    aws_env: LocalAws,
) -> None:
    app = build_app(aws_env, regions=("us-east-1",))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=11)
        form = await open_form(pilot, app, "n")
        await type_into(pilot, form, "NotebookInstanceName", "half-typed")
        row(form, "InstanceType").query_one(Select).focus()
        await pilot.press("q")
        await wait_for(pilot, lambda: "esc leaves the form" in notices_text(app))
        assert app.is_running
        assert app.screen is form
