"""Keys that don't apply are greyed (check_action -> None); read-only hides what it refuses."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from textual.widgets._footer import FooterKey

from sagedeck.aws.read_only import refusal
from sagedeck.devtools.faultproxy import FaultProxy
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookStatus, PresignedUrl
from sagedeck.ui.screens.confirm import ConfirmScreen, TypeNameScreen
from sagedeck.ui.screens.dashboard.screen import DashboardScreen
from sagedeck.ui.screens.dashboard.ssm_actions import PortForwardScreen
from sagedeck.ui.screens.help import HelpScreen
from sagedeck.ui.screens.logs import LogScreen

from .support import (
    SIZE,
    actions_done,
    aws_status,
    build_app,
    loaded,
    notices_text,
    parts_loaded,
    select,
    wait_for,
)

ON = True
GREY = None
# action -> the statuses in which it is enabled; greyed in every other status.
ENABLED_IN: dict[tuple[str, tuple[object, ...]], set[NotebookStatus] | None] = {
    ("start", ()): {NotebookStatus.STOPPED, NotebookStatus.FAILED},
    ("stop", ()): {NotebookStatus.IN_SERVICE},
    ("delete", ()): {NotebookStatus.STOPPED, NotebookStatus.FAILED},
    ("open", ("lab",)): {NotebookStatus.IN_SERVICE},
    ("copy_url", ("lab",)): {NotebookStatus.IN_SERVICE},
    ("shell", ()): {NotebookStatus.IN_SERVICE},
    ("port_forward", ()): {NotebookStatus.IN_SERVICE},
    ("logs", ()): None,  # None: in every status
    ("doctor", ()): None,
    ("copy_name", ()): None,
    ("copy_arn", ()): None,
    ("copy_proxy", ()): None,
}


async def test_each_action_is_greyed_in_the_states_where_aws_refuses_it(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        seen: set[NotebookStatus] = set()
        for key in list(board.table.shown_keys()):
            notebook = board.fleet.notebooks[key]
            seen.add(notebook.status)
            await select(pilot, app, notebook.region, notebook.name)
            for (action, params), states in ENABLED_IN.items():
                expected = ON if states is None or notebook.status in states else GREY
                got = board.check_action(action, params)
                assert got is expected, f"{action} on {notebook.status}: {got}"
        assert seen == set(NotebookStatus)  # the seeded fleet has every status


@pytest.fixture
def proxy(aws_env: LocalAws) -> Iterator[FaultProxy]:
    """Sees every call the app makes (it injects nothing here)."""
    with FaultProxy(aws_env.endpoint_url, seed=3) as proxy:
        yield proxy


def footer_key(board: DashboardScreen, action: str) -> FooterKey:
    return next(key for key in board.query(FooterKey) if key.action == action)


def greyed(board: DashboardScreen, action: str) -> bool:
    return footer_key(board, action).has_class("-disabled")


# instance -> the keys greyed on it (each shown in the footer), as the user sees them
GREYED_KEYS = {
    "fraud-detection": {"x": "stop", "y": "copy_url('lab')", "o": "open('lab')"},  # Stopped
    "nb": {"u": "start", "ctrl+d": "delete"},  # InService
}


@pytest.mark.parametrize("name", sorted(GREYED_KEYS))
async def test_a_greyed_key_is_shown_greyed_and_does_nothing(
    aws_env: LocalAws, proxy: FaultProxy, name: str
) -> None:
    """Greyed means Textual never runs the action: no call to AWS, and not even the warning
    the action layer gives when it is reached in a state that does not allow it."""
    app = build_app(aws_env, endpoint_url=proxy.url)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        await select(pilot, app, "us-east-1", name)
        await parts_loaded(pilot, app)  # the detail pane's calls are done
        for key, action in GREYED_KEYS[name].items():
            assert not board.active_bindings[key].enabled, key
            # The footer greys its keys after the frame that shows the cursor's move.
            await wait_for(pilot, partial(greyed, board, action), what=key)
        notices = list(app.notices)
        calls = len(proxy.seen())
        await pilot.press(*GREYED_KEYS[name])
        await pilot.pause()
        await actions_done(app)  # had an action started, its worker is done now
        assert app.screen is app.dashboard  # no confirmation asked
        assert list(app.notices) == notices
        assert [seen.call.operation for seen in proxy.seen()[calls:]] == []
        shown = board.fleet.notebooks[f"us-east-1/{name}"].status
        assert aws_status(aws_env, "us-east-1", name) is shown


async def test_the_footer_greys_what_does_not_apply(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "fraud-detection")
        active = board.active_bindings
        assert active["u"].enabled
        assert not active["x"].enabled
        await select(pilot, app, "us-east-1", "nb")
        active = board.active_bindings
        assert not active["u"].enabled
        assert active["x"].enabled


async def test_marks_enable_start_when_any_marked_instance_can_start(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "fraud-detection")
        await pilot.press("space")
        await select(pilot, app, "us-east-1", "nb")  # the cursor on an InService one
        assert board.check_action("start", ()) is True  # the marked Stopped one counts
        assert board.check_action("stop", ()) is None
        await pilot.press("escape")  # clears the marks
        assert board.marked == set()
        assert board.check_action("start", ()) is None


# What read-only mode hides: the actions that change AWS, those that hand out a presigned URL
# (it opens a terminal on the instance, like a shell) and the SSM sessions (a shell, a forward).
READ_ONLY_HIDDEN = [
    ("start", ()),
    ("stop", ()),
    ("delete", ()),
    ("open", ("lab",)),
    ("open", ("classic",)),
    ("copy_url", ("lab",)),
    ("copy_url", ("classic",)),
    ("shell", ()),
    ("shell_jupyter", ()),
    ("port_forward", ()),
]
HIDDEN_IDS = {"start", "stop", "delete", "open_lab", "open_classic"}
HIDDEN_IDS |= {"copy_url_lab", "copy_url_classic", "shell", "shell_jupyter", "port_forward"}


@pytest.mark.parametrize("key", ["u", "x", "ctrl+d", "o", "O", "y", "Y", "s", "J", "F"])
async def test_read_only_hides_every_refused_action(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    app = build_app(aws_env, read_only=True)
    urls: list[object] = []
    presigned_url = app.services.sagemaker.presigned_url

    async def counted(*args: Any, **kwargs: Any) -> PresignedUrl:
        urls.append(args)
        return await presigned_url(*args, **kwargs)

    monkeypatch.setattr(app.services.sagemaker, "presigned_url", counted)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app)
        for name in ("fraud-detection", "nb"):  # one Stopped, one InService
            await select(pilot, app, "us-east-1", name)
            for action, params in READ_ONLY_HIDDEN:
                assert board.check_action(action, params) is False, action
            assert key not in board.active_bindings
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen | TypeNameScreen | PortForwardScreen)
        assert urls == []  # no URL was asked for
        assert "read-only mode" not in notices_text(app)  # a hidden key is not a refusal
        assert "URL" not in notices_text(app)
        assert aws_status(aws_env, "us-east-1", "fraud-detection") is NotebookStatus.STOPPED
        assert "READ-ONLY" in str(app.dashboard.query_one("#title").render())
        # still readable: logs, names and the doctor stay
        for action in ("logs", "copy_name", "doctor"):
            assert board.check_action(action, ()) is True
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        described = {entry.binding_id for entry in app.screen._entries}
        assert not described & HIDDEN_IDS
        assert {"copy_name", "logs", "filter"} <= described


async def test_read_only_shows_in_the_title_at_80_columns(aws_env: LocalAws) -> None:
    """The keys that are not there are explained by the title: it must not be cut off."""
    app = build_app(aws_env, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app)
        assert "READ-ONLY" in app.export_screenshot()


async def test_read_only_refuses_the_log_views_url_with_the_one_line_reason(
    aws_env: LocalAws,
) -> None:
    app = build_app(aws_env, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "alice-sandbox")  # InService: y applies
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LogScreen))
        since = len(app.notices)
        await pilot.press("y")
        await wait_for(pilot, lambda: len(app.notices) > since, what="the refusal")
        await pilot.pause()
        await pilot.pause()  # a second notice, were there one, would have arrived by now
        told = list(app.notices)[since:]
        assert [(severity, message) for severity, _title, message in told] == [
            ("error", str(refusal("sagemaker:CreatePresignedNotebookInstanceUrl")))
        ]
