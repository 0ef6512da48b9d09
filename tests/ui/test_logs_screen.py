"""The log screen driven through the Pilot against the embedded AWS over HTTP: a start seen
from Stopped to InService (and to Failed), and every key of the view."""

from __future__ import annotations

import contextlib
import re
import stat
import time
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from sagedeck.aws.logs.limiter import forget_limiters
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.config import Settings
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookStatus, NotebookSummary
from sagedeck.ui.screens.logs import LogScreen
from sagedeck.ui.widgets.log_view import LogView

REGION = "us-east-1"
GROUP = "/aws/sagemaker/NotebookInstances"


class Host(App[None]):
    """Just enough app to push the screen, as the dashboard does on ``l``."""

    def __init__(self, screen: LogScreen) -> None:
        super().__init__()
        self.log_screen = screen
        self.bells = 0
        self.notes: list[tuple[str, str]] = []

    def on_mount(self) -> None:
        self.push_screen(self.log_screen)

    def bell(self) -> None:
        self.bells += 1

    def notify(self, message: str, *, title: str = "", **kwargs: Any) -> None:
        self.notes.append((title, message))
        super().notify(message, title=title, **kwargs)


@pytest.fixture
async def services(aws: LocalAws) -> AsyncIterator[AwsServices]:
    forget_limiters()
    target = AwsTarget(None, (REGION,), aws.endpoint_url, False, StaticCredentials("demo", "demo"))
    async with AwsServices(target) as s:
        yield s


async def summary(services: AwsServices, name: str) -> NotebookSummary:
    return next(nb for nb in await services.sagemaker.list_region(REGION) if nb.name == name)


async def wait_for(pilot: Pilot[None], predicate: Callable[[], bool], within: float = 20) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def saved_files(folder: Path) -> list[tuple[str, int]]:
    """(text, permission bits) of each file the view saved into ``folder``."""
    return [
        (path.read_text(), stat.S_IMODE(path.stat().st_mode))
        for path in folder.glob("sagedeck-nb-*.log")
    ]


def ends_with(view: LogView, text: str) -> bool:
    return bool(view.lines) and view.lines[-1].endswith(text)


def put(aws: LocalAws, stream: str, messages: list[str]) -> None:
    client = aws.client("logs", REGION)
    with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
        client.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    now = int(time.time() * 1000)
    client.put_log_events(
        logGroupName=GROUP,
        logStreamName=stream,
        logEvents=[{"timestamp": now, "message": m} for m in messages],
    )


async def play_start(
    pilot: Pilot[None], aws: LocalAws, screen: LogScreen, goal: NotebookStatus
) -> None:
    """Simulated time in steps, with the follower and the status poll running in real time."""
    for _ in range(40):
        if screen.status is goal:
            return
        aws.simulator.step(1.5)
        await pilot.pause(0.25)
    await wait_for(pilot, lambda: screen.status is goal)


@pytest.mark.timeout(90)
async def test_a_start_from_stopped_to_in_service(aws: LocalAws, services: AwsServices) -> None:
    notebook = await summary(services, "nb-dev")
    assert notebook.status is NotebookStatus.STOPPED
    assert notebook.lifecycle_config
    await services.sagemaker.start(notebook.key)
    screen = LogScreen(services, notebook, Settings(), watch_start=True)
    app = Host(screen)
    async with app.run_test(size=(140, 40)) as pilot:
        await play_start(pilot, aws, screen, NotebookStatus.IN_SERVICE)
        await wait_for(pilot, lambda: any("jupyter" in line for line in screen.log_view.lines))
        lines = list(screen.log_view.lines)
        stages = [stage.status for stage in screen.timeline.stages]
        assert stages == [NotebookStatus.STOPPED, NotebookStatus.PENDING, NotebookStatus.IN_SERVICE]
        assert screen.timeline.script_started is not None
        first_script = next(i for i, line in enumerate(lines) if " OnStart " in line)
        first_jupyter = next(i for i, line in enumerate(lines) if " jupyter " in line)
        assert first_script < first_jupyter, "the lifecycle script runs before Jupyter"
        assert app.bells == 1
        assert any("InService" in message and "press y" in message for _, message in app.notes)
        assert screen.check_action("copy_url", ()) is True
        assert "nb-dev/" not in "".join(lines)  # short stream names; and never nb's lines
        panel = str(screen.query_one("#start-panel").render())
        assert "Pending" in panel
        assert "InService" in panel


@pytest.mark.timeout(90)
async def test_a_failing_start_shows_why(aws: LocalAws, services: AwsServices) -> None:
    notebook = await summary(services, "nlp-finetune")
    assert notebook.status is NotebookStatus.FAILED
    await services.sagemaker.start(notebook.key)
    screen = LogScreen(services, notebook, Settings(), watch_start=True)
    app = Host(screen)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: screen.status is NotebookStatus.PENDING)
        await play_start(pilot, aws, screen, NotebookStatus.FAILED)
        reason = screen.timeline.failure_reason
        assert reason
        panel = screen.query_one("#start-panel")
        assert panel.has_class("-failed")
        assert reason[:40] in str(panel.render())
        assert app.bells == 1
        assert any(title.endswith("failed") for title, _ in app.notes)
        assert screen.check_action("copy_url", ()) is False


@pytest.mark.timeout(60)
async def test_the_budget_counts_down_while_pending(aws: LocalAws, services: AwsServices) -> None:
    notebook = await summary(services, "nb-dev")
    await services.sagemaker.start(notebook.key)
    screen = LogScreen(services, notebook, Settings(), watch_start=True)
    async with Host(screen).run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: screen.status is NotebookStatus.PENDING)
        panel = str(screen.query_one("#start-panel").render())
        assert re.search(r"lifecycle budget [45]:\d\d left", panel), panel


@pytest.mark.timeout(90)
async def test_the_keys_of_the_view(
    aws: LocalAws, services: AwsServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    put(aws, "nb/jupyter.log", ["GET /lab?token=f00dfeedcafe01 200", '{"level": "INFO", "n": 7}'])
    notebook = await summary(services, "nb")
    screen = LogScreen(services, notebook, Settings(log_buffer_lines=5000))
    async with Host(screen).run_test(size=(140, 40)) as pilot:
        view = screen.log_view
        await wait_for(pilot, lambda: any("f00dfeedcafe01" in line for line in view.lines))
        shown = list(view.lines)
        assert len(shown) >= 1000  # the tail: the last 1,000 events, JSON spread over lines
        assert any(line.strip() == '"n": 7' for line in shown)  # JSON spread over lines
        assert re.match(r"\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ", shown[0])

        await pilot.press("v")  # lifecycle only
        assert screen.choice.streams.value == "lifecycle"
        heads = [line for line in view.lines if re.match(r"\d\d-\d\d ", line)]
        assert heads
        assert all(" OnStart " in line for line in heads)
        await pilot.press("v", "v")
        assert list(view.lines) == shown

        await pilot.press("t")  # timestamps off
        assert not re.match(r"\d\d-\d\d ", view.lines[0])
        await pilot.press("t", "j")  # JSON raw
        assert any(line.endswith('{"level": "INFO", "n": 7}') for line in view.lines)
        await pilot.press("j")

        await pilot.press("f", *"!kernel", "enter")
        assert view.lines
        assert not any("kernel" in line.lower() for line in view.lines)
        await pilot.press("f", *["backspace"] * 7, *"Kernel started", "enter")
        assert view.lines
        assert all("Kernel started" in line for line in view.lines if re.match(r"\d\d-\d\d ", line))
        await pilot.press("f", *["backspace"] * 20, "enter")
        assert list(view.lines) == shown

        await pilot.press("slash", *"token=", "enter")
        assert view.current_match is not None
        assert "token=" in view.lines[view.current_match]
        assert screen.following is False
        await pilot.press("escape")  # clears the search, stays on the screen
        assert view.search is None
        assert screen.is_current

        await pilot.press("ctrl+s")
        saved = saved_files(tmp_path)
        assert len(saved) == 1
        text, mode = saved[0]
        assert "f00dfeedcafe01" not in text
        assert "token=[REDACTED]" in text
        assert len(text.splitlines()) == len(view.lines)
        assert mode == 0o600

        await pilot.press("end")
        await pilot.pause()
        assert screen.following is True
        await pilot.press("s")  # pause: new lines wait
        before = view.line_count
        put(aws, "nb/jupyter.log", ["while paused"])
        screen.follower.poke() if screen.follower else None
        await wait_for(pilot, lambda: len(screen.held) == 1)
        assert view.line_count == before
        await pilot.press("s")
        assert view.lines[-1].endswith("while paused")

        await pilot.press("1")  # the last minute: a new follower from a minute ago
        assert screen.window == "1"
        await wait_for(pilot, lambda: any("while paused" in line for line in view.lines))
        assert view.line_count < 20

        await pilot.press("escape")
        assert not screen.is_current


@pytest.mark.timeout(60)
async def test_times_in_local_time(
    aws: LocalAws, services: AwsServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        notebook = await summary(services, "nb")
        screen = LogScreen(services, notebook, Settings())
        async with Host(screen).run_test(size=(140, 40)) as pilot:
            view = screen.log_view
            await wait_for(pilot, lambda: view.line_count > 0)
            event = screen.events[-1]
            utc = time.strftime("%H:%M:%S", time.gmtime(event.timestamp / 1000))
            local = time.strftime("%H:%M:%S", time.localtime(event.timestamp / 1000))
            assert utc != local
            last = next(line for line in reversed(view.lines) if re.match(r"\d\d-\d\d", line))
            assert utc in last
            await pilot.press("u")
            last = next(line for line in reversed(view.lines) if re.match(r"\d\d-\d\d", line))
            assert local in last
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


@pytest.mark.timeout(60)
async def test_a_full_buffer_keeps_drawing_new_lines(aws: LocalAws, services: AwsServices) -> None:
    notebook = await summary(services, "nb")
    screen = LogScreen(services, notebook, Settings(log_buffer_lines=1000))
    app = Host(screen)
    async with app.run_test(size=(100, 30)) as pilot:
        view = screen.log_view
        await wait_for(pilot, lambda: view.line_count >= 1000)
        for i in range(3):
            put(aws, "nb/jupyter.log", [f"fresh line {i}-{j}" for j in range(40)])
            await wait_for(pilot, partial(ends_with, view, f"fresh line {i}-39"))
        await pilot.pause(0.1)
        assert len(view.events) == len(screen.events) == 1000  # the bound counts events
        assert "fresh&#160;line&#160;2-39" in app.export_screenshot()


@pytest.mark.timeout(60)
async def test_the_url_notice_says_where_the_url_went(
    aws: LocalAws, services: AwsServices, no_native_clipboard: None
) -> None:
    """Without a native clipboard the URL goes out as OSC 52, which the terminal may drop:
    the notice says so rather than "copied"."""
    notebook = await summary(services, "nb")
    screen = LogScreen(services, notebook, Settings())
    app = Host(screen)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: any(title == "nb" for title, _ in app.notes))
        [message] = [message for title, message in app.notes if title == "nb"]
        assert message.startswith("JupyterLab URL sent to the terminal's clipboard (OSC 52): ")
        assert "sign in before" in message


@pytest.mark.timeout(60)
async def test_the_help_screen_lists_the_log_keys(aws: LocalAws, services: AwsServices) -> None:
    from sagedeck.ui.screens.help import key_help

    notebook = await summary(services, "nb")
    screen = LogScreen(services, notebook, Settings())
    app = Host(screen)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        entries = key_help(app, screen)
        found = {(e.category, e.description) for e in entries}
        assert ("Logs", "Search") in found
        assert ("Logs", "Filter") in found
        assert ("View", "UTC/Local") in found
        assert ("Window", "Tail") in found
        assert ("Window", "last hour") in found
