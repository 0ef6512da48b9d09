"""The lifecycle-configuration and Git-repository screens, driven with the Pilot against the
embedded AWS: listing with usage, scripts decoded, new and edit through a real $EDITOR (a
script that rewrites the file it is given), deletes refused while attached, read-only mode."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from sagedeck.localaws import LocalAws
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.catalog_forms import AddRepositoryForm, NewLifecycleForm
from sagedeck.ui.screens.confirm import ConfirmScreen
from sagedeck.ui.screens.lifecycle import LifecycleScreen
from sagedeck.ui.screens.repos import RepositoryScreen

from .support import SIZE, build_app, loaded, notices_text, wait_for

REGION = "us-east-1"
ROWS = 11  # the seeded fleet in us-east-1
pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$EDITOR: records the file it was given (path, mode, text), then runs ``edit.sh`` on it
    (written by the test; absent: the file is saved as it is)."""
    script = tmp_path / "editor.sh"
    script.write_text(
        "#!/bin/bash\n"
        f'echo "$1" > {tmp_path}/edited-path\n'
        f'stat -c %a "$1" > {tmp_path}/edited-mode\n'
        f'cp "$1" {tmp_path}/edited-before\n'
        f'if [ -x {tmp_path}/edit.sh ]; then {tmp_path}/edit.sh "$1" || exit $?; fi\n'
    )
    script.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(script))
    return tmp_path


def edit_with(directory: Path, body: str) -> None:
    edit = directory / "edit.sh"
    edit.write_text("#!/bin/bash\n" + body + "\n")
    edit.chmod(0o755)


def scripts_in_aws(aws: LocalAws, name: str) -> tuple[str, str]:
    item = aws.client("sagemaker", REGION).describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=name
    )

    def decoded(hooks: Any) -> str:
        return base64.b64decode(hooks[0]["Content"]).decode() if hooks else ""

    return decoded(item.get("OnCreate")), decoded(item.get("OnStart"))


def config_names(aws: LocalAws) -> set[str]:
    configs = aws.client("sagemaker", REGION).list_notebook_instance_lifecycle_configs()
    return {
        c["NotebookInstanceLifecycleConfigName"]
        for c in configs["NotebookInstanceLifecycleConfigs"]
    }


def repository_names(aws: LocalAws) -> set[str]:
    repos = aws.client("sagemaker", REGION).list_code_repositories()["CodeRepositorySummaryList"]
    return {r["CodeRepositoryName"] for r in repos}


async def open_lifecycle(pilot: Any, app: SagedeckApp) -> LifecycleScreen:
    await loaded(pilot, app, rows=ROWS)
    await pilot.press("L")
    await wait_for(pilot, lambda: isinstance(app.screen, LifecycleScreen), what="the screen")
    screen = app.screen
    assert isinstance(screen, LifecycleScreen)
    await wait_for(pilot, lambda: screen.loads >= 1, what="the listing")
    return screen


async def select_row(pilot: Any, screen: LifecycleScreen | RepositoryScreen, key: str) -> None:
    table = screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(key))
    await pilot.pause()


def plain(content: object) -> str:
    """What a Static shows, as text (Rich renders a Group, Syntax or Text to the console)."""
    console = Console(width=160, file=io.StringIO(), color_system=None)
    with console.capture() as captured:
        console.print(content)
    return captured.get()


def shown(screen: Screen[Any], widget_id: str) -> str:
    return plain(screen.query_one(widget_id, Static).content)


async def reloaded(pilot: Any, screen: LifecycleScreen | RepositoryScreen, before: int) -> None:
    await wait_for(pilot, lambda: screen.loads > before, what="the list read again")
    await pilot.pause()


# --- lifecycle configurations ----------------------------------------------------------------


async def test_the_screen_lists_each_config_with_its_users_and_shows_scripts_decoded(
    aws: LocalAws,
) -> None:
    app = build_app(aws, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lifecycle(pilot, app)
        assert set(screen.entries) == {f"{REGION}/{name}" for name in config_names(aws)}
        entry = screen.entries[f"{REGION}/auto-stop-idle"]
        assert entry.used_by == (
            "alice-sandbox",
            "fraud-detection",
            "nb",
            "nb-dev",
            "recsys-prototype",
        )
        await select_row(pilot, screen, f"{REGION}/auto-stop-idle")
        await wait_for(pilot, lambda: "autostop.py" in shown(screen, "#script-text"), what="script")
        text = shown(screen, "#script-text")
        assert "alice-sandbox" in text
        assert "(none)" in text  # no on-create script
        await select_row(pilot, screen, f"{REGION}/install-extensions")
        await wait_for(pilot, lambda: "jupyterlab-lsp" in shown(screen, "#script-text"), what="2nd")
        assert "\x1b" not in shown(screen, "#script-text")  # the seeded escape bytes: stand-ins
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_the_palette_opens_both_screens(aws: LocalAws) -> None:
    app = build_app(aws, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=ROWS)
        for query, screen_type in (
            ("Lifecycle configurations", LifecycleScreen),
            ("Git repositories", RepositoryScreen),
        ):
            await pilot.press("ctrl+p")
            await pilot.press(*query)
            await pilot.pause(0.3)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, screen_type), what=query)  # noqa: B023
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.dashboard, what="back")


async def test_edit_in_editor_confirms_the_request_and_updates(aws: LocalAws, editor: Path) -> None:
    edit_with(editor, 'sed -i "s/IDLE_TIME=3600/IDLE_TIME=1800/" "$1"')
    app = build_app(aws, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lifecycle(pilot, app)
        await select_row(pilot, screen, f"{REGION}/auto-stop-idle")
        loads = screen.loads
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        body = shown(app.screen, "#body")
        assert "UpdateNotebookInstanceLifecycleConfig in us-east-1" in body
        assert "OnCreate: unchanged" in body
        assert "of 16,384 bytes after base64" in body
        assert scripts_in_aws(aws, "auto-stop-idle")[1].count("IDLE_TIME=3600") == 1  # not yet
        await pilot.press("y")
        await reloaded(pilot, screen, loads)
        assert "IDLE_TIME=1800" in scripts_in_aws(aws, "auto-stop-idle")[1]
        await wait_for(pilot, lambda: "IDLE_TIME=1800" in shown(screen, "#script-text"), what="new")
    # The editor was given a private file holding both scripts, deleted afterwards.
    path = Path((editor / "edited-path").read_text().strip())
    assert not path.exists()  # noqa: ASYNC240 (the app has exited: nothing to block)
    assert (editor / "edited-mode").read_text().strip() == "600"
    before = (editor / "edited-before").read_text()
    assert "#@sagedeck on-create\n#@sagedeck on-start\n" in before
    assert "IDLE_TIME=3600" in before
    assert "Updated auto-stop-idle" in notices_text(app)


async def test_an_unchanged_or_emptied_file_sends_nothing(aws: LocalAws, editor: Path) -> None:
    app = build_app(aws, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lifecycle(pilot, app)
        await select_row(pilot, screen, f"{REGION}/conda-setup")
        before = scripts_in_aws(aws, "conda-setup")
        await pilot.press("e")
        await wait_for(pilot, lambda: "unchanged, nothing sent" in notices_text(app), what="same")
        edit_with(editor, ': > "$1"')
        await pilot.press("e")
        await wait_for(pilot, lambda: "Edit cancelled" in notices_text(app), what="cancel")
        assert scripts_in_aws(aws, "conda-setup") == before


async def test_a_removed_marker_offers_the_editor_again(aws: LocalAws, editor: Path) -> None:
    edit_with(editor, 'sed -i "/^#@sagedeck on-start/d" "$1"')
    app = build_app(aws, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lifecycle(pilot, app)
        await select_row(pilot, screen, f"{REGION}/conda-setup")
        before = scripts_in_aws(aws, "conda-setup")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="problem")
        assert "Edit it again?" in shown(app.screen, "#body")
        await pilot.press("n")
        await wait_for(pilot, lambda: "Edit cancelled" in notices_text(app), what="cancel")
        assert scripts_in_aws(aws, "conda-setup") == before


async def test_the_create_form_and_a_catalog_form_keep_their_own_shapes(aws: LocalAws) -> None:
    """Both have a #form, and a screen's CSS, once loaded, applies to every screen: the
    catalog form's 80-column bordered box must not shrink the create form, nor the create
    form's full height stretch the catalog form."""
    from .manage_support import open_form

    app = build_app(aws, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=ROWS)
        form = await open_form(pilot, app, "n")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard, what="the dashboard")
        await open_lifecycle(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewLifecycleForm), what="form")
        box = app.screen.query_one("#form")
        assert box.region.height < SIZE[1] - 10  # as tall as its few fields
        await pilot.press("escape")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard, what="the dashboard")
        form = await open_form(pilot, app, "n")
        assert form.query_one("#form").region.width >= SIZE[0] - 2  # the whole width


async def test_new_from_the_idle_stop_script(aws: LocalAws, editor: Path) -> None:
    app = build_app(aws, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lifecycle(pilot, app)
        loads = screen.loads
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewLifecycleForm), what="form")
        form = app.screen
        form.query_one("#name", Input).value = "stop-after-45"
        form.query_one("#idle", Input).value = "45"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        body = shown(app.screen, "#body")
        assert "CreateNotebookInstanceLifecycleConfig in us-east-1" in body
        assert "OnCreate: unchanged" not in body
        await pilot.press("y")
        await reloaded(pilot, screen, loads)
        on_create, on_start = scripts_in_aws(aws, "stop-after-45")
        assert on_create == ""
        assert "\nIDLE_MINUTES=45\n" in on_start
        assert screen.current is not None
        assert screen.current.name == "stop-after-45"


async def test_the_new_form_refuses_a_bad_name_in_place(aws: LocalAws, editor: Path) -> None:
    app = build_app(aws, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        await open_lifecycle(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewLifecycleForm), what="form")
        app.screen.query_one("#name", Input).value = "no_underscores"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, NewLifecycleForm)
        assert "does not match" in shown(app.screen, "#error")
        await pilot.press("escape")
        assert not (editor / "edited-path").exists()


async def test_delete_is_refused_while_attached_and_confirmed_otherwise(aws: LocalAws) -> None:
    app = build_app(aws, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lifecycle(pilot, app)
        await select_row(pilot, screen, f"{REGION}/auto-stop-idle")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: "is attached to" in notices_text(app), what="refusal")
        assert "alice-sandbox" in notices_text(app)
        assert "auto-stop-idle" in config_names(aws)

        await select_row(pilot, screen, f"{REGION}/conda-setup")
        loads = screen.loads
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await reloaded(pilot, screen, loads)
        assert "conda-setup" not in config_names(aws)
        assert f"{REGION}/conda-setup" not in screen.entries


async def test_read_only_hides_and_refuses_the_changes(aws: LocalAws, editor: Path) -> None:
    app = build_app(aws, regions=(REGION,), read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lifecycle(pilot, app)
        await select_row(pilot, screen, f"{REGION}/conda-setup")
        keys = {binding.binding.action for binding in screen.active_bindings.values()}
        assert not {"new", "edit", "delete"} & keys  # hidden, not greyed
        assert {"refresh", "close"} <= keys
        for action in ("new", "edit", "delete"):
            assert screen.check_action(action, ()) is False
        before = config_names(aws)
        await pilot.press("e", "n", "ctrl+d")
        await pilot.pause()
        assert app.screen is screen
        assert config_names(aws) == before
        assert not (editor / "edited-path").exists()


# --- Git repositories -----------------------------------------------------------------------


async def open_repositories(pilot: Any, app: SagedeckApp) -> RepositoryScreen:
    await loaded(pilot, app, rows=ROWS)
    await pilot.press("ctrl+g")
    await wait_for(pilot, lambda: isinstance(app.screen, RepositoryScreen), what="the screen")
    screen = app.screen
    assert isinstance(screen, RepositoryScreen)
    await wait_for(pilot, lambda: screen.loads >= 1, what="the listing")
    return screen


async def test_repositories_list_urls_secrets_and_users(aws: LocalAws) -> None:
    app = build_app(aws, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_repositories(pilot, app)
        assert set(screen.entries) == {f"{REGION}/{name}" for name in repository_names(aws)}
        entry = screen.entries[f"{REGION}/ml-utils"]
        assert entry.default_for == ("cv-training-gpu",)
        assert entry.additional_for == ("alice-sandbox",)
        await select_row(pilot, screen, f"{REGION}/ml-utils")
        text = shown(screen, "#repo-text")
        assert "secret:github-acme-ml-Xq3LmB" in text
        assert "ghp_" not in text  # the secret's value is never read


async def add_repository(pilot: Any, app: SagedeckApp, name: str, secret: str) -> str:
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, AddRepositoryForm), what="form")
    form = app.screen
    form.query_one("#name", Input).value = name
    form.query_one("#url", Input).value = "https://github.com/acme-ml/new-repo.git"
    form.query_one("#secret", Input).value = secret
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
    return shown(app.screen, "#body")


async def test_add_checks_the_secret_and_shows_the_request(aws: LocalAws) -> None:
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:github-acme-ml-Xq3LmB"
    app = build_app(aws, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_repositories(pilot, app)
        loads = screen.loads
        body = await add_repository(pilot, app, "new-repo", secret)
        assert "CreateCodeRepository in us-east-1" in body
        assert f"GitConfig.SecretArn: {secret}" in body
        assert "The secret exists" in body
        await pilot.press("y")
        await reloaded(pilot, screen, loads)
        assert "new-repo" in repository_names(aws)
        assert screen.current is not None
        assert screen.current.name == "new-repo"

        missing = secret.replace("github-acme-ml", "gone")
        body = await add_repository(pilot, app, "other-repo", missing)
        assert "Warning: no secret" in body
        await pilot.press("n")
        await wait_for(pilot, lambda: "Nothing added" in notices_text(app), what="cancel")
        assert "other-repo" not in repository_names(aws)


async def test_repository_delete_refused_while_used(aws: LocalAws) -> None:
    app = build_app(aws, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_repositories(pilot, app)
        await select_row(pilot, screen, f"{REGION}/ml-utils")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: "is used by" in notices_text(app), what="refusal")
        assert "ml-utils" in repository_names(aws)
        aws.client("sagemaker", REGION).create_code_repository(
            CodeRepositoryName="unused", GitConfig={"RepositoryUrl": "https://example.com/u.git"}
        )
        loads = screen.loads
        await pilot.press("ctrl+r")
        await reloaded(pilot, screen, loads)
        await select_row(pilot, screen, f"{REGION}/unused")
        loads = screen.loads
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await reloaded(pilot, screen, loads)
        assert "unused" not in repository_names(aws)


async def test_repositories_read_only(aws: LocalAws) -> None:
    app = build_app(aws, regions=(REGION,), read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_repositories(pilot, app)
        assert screen.check_action("new", ()) is False
        assert screen.check_action("delete", ()) is False
        before = repository_names(aws)
        await pilot.press("n", "ctrl+d")
        await pilot.pause()
        assert app.screen is screen
        assert repository_names(aws) == before


async def test_a_denied_describe_is_said_where_the_scripts_would_be(aws: LocalAws) -> None:
    from sagedeck.devtools.faultproxy import Fault, FaultKind, FaultProxy

    denied = "sagemaker:DescribeNotebookInstanceLifecycleConfig"
    with FaultProxy(aws.endpoint_url, seed=3) as proxy:
        proxy.add(Fault(FaultKind.DENY, operations=frozenset({denied})))
        app = build_app(aws, regions=(REGION,), endpoint_url=proxy.url)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_lifecycle(pilot, app)
            await select_row(pilot, screen, f"{REGION}/idle-stop")
            await wait_for(
                pilot, lambda: f"not allowed: {denied}" in shown(screen, "#script-text"), what="why"
            )
            assert len(screen.entries) == len(config_names(aws))  # the list still shows


async def test_with_two_regions_the_form_asks_which(aws: LocalAws, editor: Path) -> None:
    from textual.widgets import Select

    app = build_app(aws)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, LifecycleScreen), what="screen")
        screen = app.screen
        assert isinstance(screen, LifecycleScreen)
        await wait_for(pilot, lambda: screen.loads >= 1, what="the listing")
        assert {entry.region for entry in screen.entries.values()} == {REGION, "eu-west-1"}
        loads = screen.loads
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewLifecycleForm), what="form")
        form = app.screen
        form.query_one("#name", Input).value = "west-only"
        form.query_one("#region", Select).value = "eu-west-1"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert "CreateNotebookInstanceLifecycleConfig in eu-west-1" in shown(app.screen, "#body")
        await pilot.press("y")
        await reloaded(pilot, screen, loads)
    west = aws.client("sagemaker", "eu-west-1").list_notebook_instance_lifecycle_configs()
    names = {
        c["NotebookInstanceLifecycleConfigName"] for c in west["NotebookInstanceLifecycleConfigs"]
    }
    assert "west-only" in names
    assert "west-only" not in config_names(aws)
