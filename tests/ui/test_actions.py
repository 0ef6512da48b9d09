"""Every action on its key, against the embedded AWS over HTTP: the call is made, the
outcome is a notification, and the UI never blocks."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input

from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookStatus
from sagedeck.ui.screens.confirm import ConfirmScreen, PortScreen, TypeNameScreen
from sagedeck.ui.widgets.status_bars import UrlCountdown

from .support import (
    SIZE,
    actions_done,
    assert_presigned_url,
    aws_status,
    build_app,
    loaded,
    notices_text,
    poll_now,
    select,
    wait_for,
)


async def test_start_a_stopped_instance_then_follow_its_start(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "fraud-detection")
        await pilot.press("u")
        await wait_for(pilot, lambda: "Starting fraud-detection" in notices_text(app))
        assert aws_status(aws_env, "us-east-1", "fraud-detection") is NotebookStatus.PENDING
        # a single start opens the start-to-ready view
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LogScreen", what="LogScreen")
        assert getattr(app.screen, "watch_start", None) is True
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard)
        await poll_now(pilot, app)
        assert app.dashboard.fleet.notebooks["us-east-1/fraud-detection"].status is (
            NotebookStatus.PENDING
        )


async def test_start_several_marked_instances(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        for region, name in (("us-east-1", "nb-dev"), ("eu-west-1", "eu-sandbox-carol")):
            await select(pilot, app, region, name)
            await pilot.press("space")
        await select(pilot, app, "us-east-1", "nb")  # InService: skipped if it were marked
        assert board.marked == {"us-east-1/nb-dev", "eu-west-1/eu-sandbox-carol"}
        assert "2 marked" in str(board.summary.render())
        await pilot.press("u")
        await wait_for(pilot, lambda: "Starting" in notices_text(app))
        await actions_done(app)
        assert aws_status(aws_env, "us-east-1", "nb-dev") is NotebookStatus.PENDING
        assert aws_status(aws_env, "eu-west-1", "eu-sandbox-carol") is NotebookStatus.PENDING
        assert aws_status(aws_env, "us-east-1", "nb") is NotebookStatus.IN_SERVICE
        assert app.screen is board  # several: no log view pushed
        assert board.marked == set()


async def test_stop_asks_first_and_cancel_changes_nothing(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "data-eng-etl")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Stop cancelled" in notices_text(app))
        assert aws_status(aws_env, "us-east-1", "data-eng-etl") is NotebookStatus.IN_SERVICE
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")  # the focused button is Stop
        await wait_for(pilot, lambda: "Stopping data-eng-etl" in notices_text(app))
        assert aws_status(aws_env, "us-east-1", "data-eng-etl") is NotebookStatus.STOPPING
        await poll_now(pilot, app)
        cell = app.dashboard.table.get_cell("us-east-1/data-eng-etl", "status")
        assert "Stopping" in cell.plain


async def test_delete_needs_the_exact_name(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "legacy-analytics")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeNameScreen))
        await pilot.press(*"legacy")
        button = app.screen.query_one("#confirm", Button)
        assert button.disabled
        await pilot.press("enter")  # a wrong name is not a confirmation
        assert isinstance(app.screen, TypeNameScreen)
        await pilot.press(*"-analytics")
        assert not button.disabled
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Deleting legacy-analytics" in notices_text(app))
        assert aws_status(aws_env, "us-east-1", "legacy-analytics") in (
            NotebookStatus.DELETING,
            None,
        )


async def test_copy_url_goes_to_the_clipboard_with_a_countdown_and_nowhere_else(
    aws_env: LocalAws, no_native_clipboard: None
) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("y")
        await wait_for(pilot, lambda: "URL copied" in notices_text(app))
        url = app.clipboard
        assert_presigned_url(url, "nb", "us-east-1", view="lab")
        assert url not in notices_text(app)
        countdown = app.dashboard.query_one(UrlCountdown)
        await wait_for(pilot, lambda: countdown.display, what="the countdown")
        shown = str(countdown.render())
        assert "JupyterLab URL for nb" in shown
        assert "use it within 4:5" in shown
        assert url not in shown
        for worker in app.workers:
            assert url not in f"{worker.name} {worker.description} {worker.result!r}"
        await pilot.press("Y")  # Classic
        await wait_for(pilot, lambda: app.clipboard != url)
        assert_presigned_url(app.clipboard, "nb", "us-east-1", view=None)


async def test_a_confirmation_is_as_tall_as_what_it_says(aws_env: LocalAws) -> None:
    """The dashboard's own #body (table and detail side by side, 1fr tall) must not style the
    dialog's #body: the question at the top, the buttons 40 lines below."""
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = app.screen.query_one("#body")
        assert body.region.height == 2  # "Stop nb?" and what happens to kernels and files
        assert app.screen.query_one("#dialog").region.height < 15
        await pilot.press("escape")


async def test_copying_a_name_ends_the_urls_countdown(
    aws_env: LocalAws, no_native_clipboard: None
) -> None:
    """The countdown says the URL is in the clipboard: once c put the name there instead,
    it would send the user to paste a name."""
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("y")
        countdown = app.dashboard.query_one(UrlCountdown)
        await wait_for(pilot, lambda: countdown.display, what="the countdown")
        await pilot.press("c")
        await wait_for(pilot, lambda: app.clipboard == "nb", what="the name copied")
        await wait_for(pilot, lambda: not countdown.display, what="the countdown to go")
        await pilot.press("y")  # a new URL: a new countdown
        await wait_for(pilot, lambda: countdown.display, what="the new countdown")


async def test_open_in_the_browser_lab_and_classic(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    def fake_browser(url: str) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr("sagedeck.system.clipboard.open_in_browser", fake_browser)
    monkeypatch.setenv("BROWSER", "true")
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "eu-west-1", "eu-forecasting")
        await pilot.press("o")
        await wait_for(pilot, lambda: len(opened) == 1)
        await pilot.press("O")
        await wait_for(pilot, lambda: len(opened) == 2)
        assert_presigned_url(opened[0], "eu-forecasting", "eu-west-1", view="lab")
        assert_presigned_url(opened[1], "eu-forecasting", "eu-west-1", view=None)
        await wait_for(
            pilot, lambda: "Opened Jupyter (Classic) for eu-forecasting" in notices_text(app)
        )
        assert not any(url in notices_text(app) for url in opened)


async def test_open_without_a_graphical_browser_says_so(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("o")
        await wait_for(pilot, lambda: "No graphical browser" in notices_text(app))
        assert "press y to copy the URL" in notices_text(app)
        await pilot.press("O")  # Classic: its own copy key
        await wait_for(pilot, lambda: "press Y to copy the URL" in notices_text(app))


async def test_copy_name_arn_and_proxy_url(aws_env: LocalAws, no_native_clipboard: None) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        notebook = await select(pilot, app, "eu-west-1", "eu-vision-gpu")
        await pilot.press("c")
        await wait_for(pilot, lambda: app.clipboard == "eu-vision-gpu")
        await pilot.press("C")
        await wait_for(pilot, lambda: app.clipboard == notebook.arn)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PortScreen))
        assert app.screen.query_one("#port", Input).value == "6006"
        await pilot.press("enter")
        expected = "https://eu-vision-gpu.notebook.eu-west-1.sagemaker.aws/proxy/6006/"
        await wait_for(pilot, lambda: app.clipboard == expected)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PortScreen))
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"99999", "enter")
        assert isinstance(app.screen, PortScreen)  # out of range: it stays and says why
        await pilot.press(*"\b", "escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard)


async def test_a_failed_call_is_a_notification_not_a_crash(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        notebook = await select(pilot, app, "us-east-1", "nb-dev")
        # someone else starts it meanwhile: our start is now invalid
        aws_env.client("sagemaker", "us-east-1").start_notebook_instance(
            NotebookInstanceName=notebook.name
        )
        await pilot.press("u")
        await wait_for(pilot, lambda: "Could not start nb-dev" in notices_text(app))
        assert app.is_running


async def test_an_unexpected_exception_in_an_action_is_reported(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb-dev")

        async def broken(*args: object) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(app.services.sagemaker, "start", broken)
        await pilot.press("u")
        await wait_for(pilot, lambda: "RuntimeError: boom" in notices_text(app))
        assert "Unexpected failure: start nb-dev" in notices_text(app)
        assert app.is_running
        await poll_now(pilot, app)  # and the refresh loop is still alive
