"""Helpers for driving the dashboard with the Pilot against the embedded AWS."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Static

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.config import Settings
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookStatus, NotebookSummary
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.dashboard.screen import DashboardScreen

SIZE = (200, 50)
FLEET_SIZE = 16  # the seeded fleet, both regions


def build_app(
    aws: LocalAws,
    *,
    read_only: bool = False,
    clock: Callable[[], datetime] | None = None,
    regions: tuple[str, ...] | None = None,
    endpoint_url: str | None = None,
    **settings: object,
) -> SagedeckApp:
    """The app as the CLI builds it, pointed at the embedded AWS (or ``endpoint_url``: a fault
    proxy in front of it)."""
    target = AwsTarget(
        profile=None,
        regions=regions or aws.regions,
        endpoint_url=endpoint_url or aws.endpoint_url,
        read_only=read_only,
        credentials=StaticCredentials("demo", "demo"),
    )
    # jupyter_activity: the IDLE column signs in to real Jupyter servers; its own tests turn it on.
    base = Settings(
        refresh_interval=30.0,
        fast_refresh_interval=30.0,
        read_only=read_only,
        jupyter_activity=False,
    )
    return SagedeckApp(
        settings=base.merged(**settings), services=AwsServices(target), demo=True, clock=clock
    )


def simulated_clock(aws: LocalAws) -> Callable[[], datetime]:
    """The embedded AWS's own clock: ages read the same whatever the wall clock says."""
    return lambda: datetime.fromtimestamp(aws.simulator.now(), UTC)


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], object], limit: float = 15.0, what: str = ""
) -> None:
    """Let the app run until ``condition()`` holds (polls the app, never a blind sleep)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)


def palette_settled(app: SagedeckApp) -> bool:
    """The command palette lists hits and is done gathering them: each key typed starts a new
    search, and enter before the last one ends picks from whatever it has listed so far."""
    palette = app.screen
    if not isinstance(palette, CommandPalette):
        return False
    gathering = any(
        worker.node is palette
        and worker.group == palette._GATHER_COMMANDS_GROUP
        and not worker.is_finished
        for worker in app.workers
    )
    return not gathering and palette.query_one(CommandList).option_count > 0


def dashboard(app: SagedeckApp) -> DashboardScreen:
    return app.dashboard


async def loaded(pilot: Pilot[Any], app: SagedeckApp, rows: int = FLEET_SIZE) -> DashboardScreen:
    """Wait for the first refresh and the platform of every row, then settle the detail pane."""
    board = app.dashboard
    await wait_for(pilot, lambda: board.table.row_count == rows, what=f"{rows} rows")
    await wait_for(
        pilot,
        lambda: not board.fleet.missing_platforms() and not board._describing,
        what="platforms",
    )
    await wait_for(pilot, lambda: prices_settled(board), what="prices")
    await pilot.pause()
    return board


def prices_settled(board: DashboardScreen) -> bool:
    """Every row's price known (or known not to be had), and no price worker running."""
    return not board._pricing and not board.fleet.prices.missing(board.fleet.notebooks.values())


async def poll_now(pilot: Pilot[Any], app: SagedeckApp) -> None:
    """Ask for a refresh and wait until one has completed after the ask."""
    board = app.dashboard
    before = board.poller.polls
    board.request_refresh()
    await wait_for(pilot, lambda: board.poller.polls > before, what="a poll")
    await pilot.pause()


async def select(pilot: Pilot[Any], app: SagedeckApp, region: str, name: str) -> NotebookSummary:
    """Put the cursor on an instance (as the user would find it: by moving the cursor)."""
    board = app.dashboard
    key = f"{region}/{name}"
    board.table.follow(key)
    await wait_for(pilot, lambda: board.table.current_key == key, what=key)
    await pilot.pause()
    notebook = board.current
    assert notebook is not None
    return notebook


def assert_presigned_url(url: str, name: str, region: str, view: str | None) -> None:
    """``url`` is a sign-in URL for the instance ``name`` in ``region``, as
    CreatePresignedNotebookInstanceUrl answers it (an ``authToken``), for ``view`` ("lab", or
    None for Classic: no ``view`` parameter)."""
    parts = urlsplit(url)
    # The embedded AWS's sign-in: its Jupyter gateway, at a path named after the AWS host.
    assert parts.scheme == "http", url
    assert parts.hostname == "127.0.0.1", url
    assert parts.path == f"/{name}.notebook.{region}.sagemaker.aws", url
    query = parse_qs(parts.query, keep_blank_values=True)
    tokens = query.get("authToken", [])
    assert len(tokens) == 1, url
    assert len(tokens[0]) >= 100, url  # a signed token, not a placeholder
    assert query.get("view") == ([view] if view else None), url
    assert set(query) <= {"authToken", "view"}, url


def aws_status(aws: LocalAws, region: str, name: str) -> NotebookStatus | None:
    client = aws.client("sagemaker", region)
    try:
        answer = client.describe_notebook_instance(NotebookInstanceName=name)
    except client.exceptions.ClientError:
        return None
    return NotebookStatus(answer["NotebookInstanceStatus"])


def first_with(board: DashboardScreen, status: NotebookStatus) -> NotebookSummary:
    return next(nb for key, nb in sorted(board.fleet.notebooks.items()) if nb.status is status)


def notices_text(app: SagedeckApp) -> str:
    return "\n".join(f"{severity}|{title}|{message}" for severity, title, message in app.notices)


async def actions_done(app: SagedeckApp) -> None:
    """Wait for every action worker (the refresh loop never completes: not that one)."""
    workers = [w for w in app.workers if w.group == "actions"]
    if workers:  # an empty list would mean "every worker" to Textual
        await app.workers.wait_for_complete(workers)


def text_of(widget: Static, width: int = 120) -> str:
    """What a Static shows, as plain text."""
    from rich.console import Console

    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    content = widget.content
    console.print(content if not isinstance(content, str) else Text(content))
    return console.export_text()


def part(app: SagedeckApp, name: str) -> str:
    """What the detail pane's part ``name`` shows, as plain text."""
    return text_of(app.dashboard.query_one(f"#part-{name}", Static))


async def parts_loaded(pilot: Pilot[Any], app: SagedeckApp) -> None:
    """Wait until no part of the detail pane says "loading…"."""
    names = ("overview", "network", "role", "lifecycle", "repositories", "tags", "ssm")
    await wait_for(
        pilot, lambda: all("loading…" not in part(app, n) for n in names), what="all parts"
    )
