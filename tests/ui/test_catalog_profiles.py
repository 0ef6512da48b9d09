"""Making and changing things over several profiles (``--profile demo,research``), with the
Pilot against the embedded AWS's two accounts: the create form asks which profile and sends
there; the lifecycle and repository screens list both accounts with PROFILE, say a profile
that cannot answer in one line, and change an entry in the account that holds it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Select, Static

from research_account import (
    RESEARCH_CONFIG,
    RESEARCH_REPOSITORY,
    RESEARCH_USER,
    SHARED_CONFIG,
    research_client,
    research_config_names,
    research_repository_names,
    seed_research_catalog,
)
from sagedeck.localaws import LocalAws
from sagedeck.localaws.accounts import RESEARCH_ACCOUNT_ID
from sagedeck.localaws.state import ACCOUNT_ID, sagemaker_backend
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.catalog_forms import AddRepositoryForm
from sagedeck.ui.screens.confirm import ConfirmScreen
from sagedeck.ui.screens.lifecycle import LifecycleScreen
from sagedeck.ui.screens.repos import RepositoryScreen

from .manage_support import choose, open_form, options, send, type_into
from .support import SIZE, loaded, notices_text, text_of, wait_for
from .test_profiles import ALL_ROWS, build_profiles_app

pytestmark = pytest.mark.timeout(90)
EAST = "us-east-1"
RESEARCH_ROLE_NAME = "ResearchNotebookRole"
RESEARCH_ROLE = f"arn:aws:iam::{RESEARCH_ACCOUNT_ID}:role/{RESEARCH_ROLE_NAME}"


def make_research_role(aws: LocalAws) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    research_client(aws, "iam").create_role(
        RoleName=RESEARCH_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust)
    )


async def follow(pilot: Any, app: SagedeckApp, key: str) -> None:
    board = app.dashboard
    board.table.follow(key)
    await wait_for(pilot, lambda: board.table.current_key == key, what=key)
    await pilot.pause()


async def test_create_in_the_chosen_profile_lands_in_its_account(profiles_env: LocalAws) -> None:
    make_research_role(profiles_env)
    app = build_profiles_app("demo,research")
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=ALL_ROWS)
        await follow(pilot, app, f"demo:{EAST}/fraud-detection")
        form = await open_form(pilot, app, "n")
        profile = form.query_one("#profile", Select)
        assert profile.value == "demo"  # the row's
        assert RESEARCH_ROLE not in options(form, "RoleArn")
        demo_choices = form.choices
        profile.value = "research"
        await wait_for(pilot, lambda: form.choices is not demo_choices, what="research's choices")
        await pilot.pause()
        assert RESEARCH_ROLE in options(form, "RoleArn")  # that account's roles
        await type_into(pilot, form, "NotebookInstanceName", "made-for-research")
        await choose(pilot, form, "InstanceType", "ml.t3.medium")
        await choose(pilot, form, "RoleArn", RESEARCH_ROLE)
        shown = await send(pilot, app)
        assert "aws sagemaker create-notebook-instance --region us-east-1 --profile research" in (
            shown
        )
        await wait_for(pilot, lambda: app.screen is board, what="the form closed")
        research = sagemaker_backend(RESEARCH_ACCOUNT_ID, EAST).notebook_instances
        assert research["made-for-research"].role_arn == RESEARCH_ROLE
        assert "made-for-research" not in sagemaker_backend(ACCOUNT_ID, EAST).notebook_instances
        assert "Creating made-for-research in us-east-1, profile research" in notices_text(app)


async def test_create_starts_in_the_rows_profile(profiles_env: LocalAws) -> None:
    app = build_profiles_app("demo,research")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=ALL_ROWS)
        await follow(pilot, app, f"research:{EAST}/llm-eval")
        form = await open_form(pilot, app, "n")
        assert form.query_one("#profile", Select).value == "research"
        assert form.target_services is app.services.for_profile("research")


async def open_repositories(pilot: Any, app: SagedeckApp) -> RepositoryScreen:
    await loaded(pilot, app, rows=ALL_ROWS)
    await pilot.press("ctrl+g")
    await wait_for(pilot, lambda: isinstance(app.screen, RepositoryScreen), what="the screen")
    screen = app.screen
    assert isinstance(screen, RepositoryScreen)
    await wait_for(pilot, lambda: screen.loads >= 1, what="the listing")
    return screen


async def select_row(pilot: Any, screen: Any, key: str) -> None:
    table = screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(key))
    await pilot.pause()


async def test_lifecycle_screen_lists_both_accounts_and_deletes_in_the_right_one(
    profiles_env: LocalAws,
) -> None:
    seed_research_catalog(profiles_env)
    app = build_profiles_app("demo,research,broken")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=ALL_ROWS)
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, LifecycleScreen), what="screen")
        screen = app.screen
        assert isinstance(screen, LifecycleScreen)
        await wait_for(pilot, lambda: screen.loads >= 1, what="the listing")
        table = screen.query_one(DataTable)
        assert [column.key.value for column in table.columns.values()][-1] == "profile"
        research = screen.entries[f"research:{EAST}/{SHARED_CONFIG}"]
        demo = screen.entries[f"demo:{EAST}/{SHARED_CONFIG}"]
        assert research.used_by == (RESEARCH_USER,)  # the research account's instance only
        assert "fraud-detection" in demo.used_by
        assert str(table.get_row(research.key)[-1]) == "research"
        problems = text_of(screen.query_one("#problems", Static), width=200)
        assert "profile broken: " in problems
        assert "aws sso login --profile broken" in problems
        await select_row(pilot, screen, f"research:{EAST}/{RESEARCH_CONFIG}")
        scripts = screen.query_one("#script-text", Static)
        await wait_for(pilot, lambda: "echo research" in text_of(scripts), what="its scripts")
        loads = screen.loads
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        body = text_of(app.screen.query_one("#body", Static))
        assert "DeleteNotebookInstanceLifecycleConfig in us-east-1 (profile research)" in body
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.loads > loads, what="the list read again")
        assert RESEARCH_CONFIG not in research_config_names(profiles_env)
        assert SHARED_CONFIG in research_config_names(profiles_env)
        assert f"research:{EAST}/{RESEARCH_CONFIG}" not in screen.entries
        assert f"demo:{EAST}/{SHARED_CONFIG}" in screen.entries


async def test_repository_added_in_the_selected_entrys_profile(profiles_env: LocalAws) -> None:
    seed_research_catalog(profiles_env)
    demo_before = {
        r["CodeRepositoryName"]
        for r in profiles_env.client("sagemaker", EAST).list_code_repositories()[
            "CodeRepositorySummaryList"
        ]
    }
    app = build_profiles_app("demo,research")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_repositories(pilot, app)
        assert f"research:{EAST}/{RESEARCH_REPOSITORY}" in screen.entries
        assert f"demo:{EAST}/ml-utils" in screen.entries
        await select_row(pilot, screen, f"research:{EAST}/{RESEARCH_REPOSITORY}")
        loads = screen.loads
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, AddRepositoryForm), what="form")
        form = app.screen
        assert form.query_one("#profile", Select).value == "research"
        form.query_one("#name", Input).value = "research-new"
        form.query_one("#url", Input).value = "https://github.com/acme-research/new.git"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        body = text_of(app.screen.query_one("#body", Static))
        assert "CreateCodeRepository in us-east-1 (profile research)" in body
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.loads > loads, what="the list read again")
        assert screen.current is not None
        assert screen.current.key == f"research:{EAST}/research-new"
    assert "research-new" in research_repository_names(profiles_env)
    demo_after = {
        r["CodeRepositoryName"]
        for r in profiles_env.client("sagemaker", EAST).list_code_repositories()[
            "CodeRepositorySummaryList"
        ]
    }
    assert demo_after == demo_before


def test_each_preview_names_the_profile_only_when_several_are_listed() -> None:
    from sagedeck.ui.screens.manage.request_text import add_tags_body, cli_line, delete_tags_body

    arn = f"arn:aws:sagemaker:{EAST}:{RESEARCH_ACCOUNT_ID}:notebook-instance/llm-eval"
    create = cli_line("create-notebook-instance", EAST, {"NotebookInstanceName": "x"}, "research")
    assert create == (
        "aws sagemaker create-notebook-instance --region us-east-1 --profile research"
        " --notebook-instance-name x"
    )
    assert "--profile" not in cli_line("create-notebook-instance", EAST, {})
    tags = [{"Key": "team", "Value": "ml"}]
    added = add_tags_body(EAST, arn, tags, "research")
    assert "aws sagemaker add-tags --region us-east-1 --profile research --resource-arn" in added
    removed = delete_tags_body(EAST, arn, ["team"], "research")
    assert "aws sagemaker delete-tags --region us-east-1 --profile research" in removed
    assert "--profile" not in add_tags_body(EAST, arn, tags) + delete_tags_body(EAST, arn, ["t"])
