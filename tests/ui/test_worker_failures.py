"""A worker that fails on any screen is one notification, from the app's one reporter: Textual
does not bubble a worker's state change, so each screen hands it on (screens/base.py). And the
log view says "stopped" only when its follower stops, not when another of its workers fails."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

import sagedeck.ui.screens
import sagedeck.ui.screens.logs as logs_screen
from sagedeck.errors import SagedeckError
from sagedeck.localaws import LocalAws
from sagedeck.models import LogEvent
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.base import DeckScreen
from sagedeck.ui.screens.doctor import DoctorScreen
from sagedeck.ui.screens.logs import LogScreen
from sagedeck.ui.screens.port_forwards import PortForwardScreen

from .support import SIZE, build_app, loaded, select, wait_for

Notice = tuple[str, str, str]


def boom(*args: object, **kwargs: object) -> Any:
    raise RuntimeError("boom")


async def one_failure(pilot: Pilot[Any], app: SagedeckApp, since: int, group: str) -> Notice:
    """Wait for the workers of ``group`` to end, then for what they told the user: exactly one
    notice, an error."""
    await wait_for(pilot, lambda: len(app.notices) > since, what="a notice")
    workers = [w for w in app.workers if w.group == group]
    if workers:
        await app.workers.wait_for_complete(workers)
    await pilot.pause()
    await pilot.pause()  # a second report, were there one, would have arrived by now
    told = list(app.notices)[since:]
    assert len(told) == 1, told
    assert told[0][0] == "error"
    return told[0]


def test_every_screen_hands_its_failed_workers_to_the_app() -> None:
    for module in pkgutil.walk_packages(sagedeck.ui.screens.__path__, "sagedeck.ui.screens."):
        importlib.import_module(module.name)
    screens: list[type[Screen[Any]]] = []
    pending: list[type[Screen[Any]]] = [Screen]
    while pending:
        for kind in pending.pop().__subclasses__():
            pending.append(kind)
            if kind.__module__.startswith("sagedeck."):
                screens.append(kind)
    assert len(screens) >= 9  # dashboard, logs, doctor, port forwards, target, help, 3 modals
    assert [kind for kind in screens if not issubclass(kind, DeckScreen)] == []


async def test_a_failed_action_on_the_dashboard_is_one_notification(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb-dev")  # Stopped: u starts it
        monkeypatch.setattr(app.services.sagemaker, "start", boom)
        since = len(app.notices)
        await pilot.press("u")
        told = await one_failure(pilot, app, since, "actions")
        assert told == ("error", "Unexpected failure: start nb-dev", "RuntimeError: boom")
        assert app.screen is app.dashboard


async def test_a_failed_switch_of_target_is_one_notification(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        monkeypatch.setattr("sagedeck.ui.screens.target._profiles_and_regions", boom)
        since = len(app.notices)
        await pilot.press("P")
        told = await one_failure(pilot, app, since, "target")
        assert told[1:] == ("Unexpected failure: switch profile or regions", "RuntimeError: boom")


async def test_a_failed_doctor_is_one_notification(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "alice-sandbox")
        monkeypatch.setattr("sagedeck.ui.screens.doctor.diagnose", boom)
        since = len(app.notices)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, DoctorScreen))
        told = await one_failure(pilot, app, since, "doctor")
        assert told[1:] == ("Unexpected failure: SSM doctor checks", "RuntimeError: boom")


async def test_a_failed_port_forward_is_one_notification(aws_env: LocalAws) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "alice-sandbox")
        await pilot.press("F")
        await wait_for(pilot, lambda: isinstance(app.screen, PortForwardScreen))
        screen = app.screen
        assert isinstance(screen, PortForwardScreen)
        screen.forwards.start = boom  # type: ignore[method-assign]
        since = len(app.notices)
        await pilot.press("j")
        told = await one_failure(pilot, app, since, "port-forward")
        assert told[1:] == ("Unexpected failure: start a port forward", "RuntimeError: boom")


class Follower:
    """A follower the test drives: each batch put in is yielded; an exception put in ends it."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[list[LogEvent] | Exception] = asyncio.Queue()

    def __aiter__(self) -> Follower:
        return self

    async def __anext__(self) -> list[LogEvent]:
        item = await self.queue.get()
        if isinstance(item, Exception):
            raise item
        return item

    def poke(self) -> None:
        pass


def line(text: str) -> list[LogEvent]:
    return [LogEvent(1_700_000_000_000, "alice-sandbox/jupyter.log", text, text)]


async def test_the_log_view_says_stopped_only_when_its_follower_stops(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws_env)
    follower = Follower()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "alice-sandbox")  # InService: y copies its URL
        monkeypatch.setattr(logs_screen, "LogFollower", lambda *a, **k: follower)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LogScreen))
        screen = app.screen
        assert isinstance(screen, LogScreen)
        status = screen.query_one("#log-status", Static)
        follower.queue.put_nowait(line("first"))
        await wait_for(pilot, lambda: screen.log_view.line_count == 1, what="the first line")

        # Another worker of the view fails: one notification; following goes on.
        monkeypatch.setattr(app.services.sagemaker, "presigned_url", boom)
        since = len(app.notices)
        await pilot.press("y")
        told = await one_failure(pilot, app, since, "logs-url")
        assert told[1:] == ("Unexpected failure: copy the URL", "RuntimeError: boom")
        assert "stopped" not in str(status.render())
        follower.queue.put_nowait(line("second"))
        await wait_for(pilot, lambda: screen.log_view.line_count == 2, what="the second line")
        assert str(status.render()).startswith("following")

        # The follower fails: one notification, and the status line says following stopped.
        since = len(app.notices)
        follower.queue.put_nowait(SagedeckError("the log group went away"))
        told = await one_failure(pilot, app, since, "logs-follow")
        assert told[1:] == ("Could not follow the logs", "the log group went away")
        assert str(status.render()).startswith("stopped: the log group went away")
