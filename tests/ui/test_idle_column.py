"""The IDLE column: each InService instance's Jupyter activity, read from its real Jupyter server
(the embedded AWS's), only for the rows on screen, cached, and never in a refresh's way."""

from __future__ import annotations

import asyncio

from textual.widgets.data_table import ColumnKey

from sagedeck.errors import EndpointUnreachable
from sagedeck.jupyter.session import JupyterSession
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookKey, NotebookStatus, PresignedUrl
from sagedeck.ui.view.activity import MARGIN_ROWS

from .support import build_app, loaded, part, poll_now, select, wait_for

SHORT = (200, 14)  # a table of a few rows: most of the fleet is off screen


def _running_on_screen(board: object) -> set[str]:
    from sagedeck.ui.screens.dashboard.screen import DashboardScreen

    assert isinstance(board, DashboardScreen)
    first, end = board.table.rows_on_screen()
    keys = board._keys[max(0, first - MARGIN_ROWS) : end + MARGIN_ROWS]
    return {key for key in keys if board.fleet.notebooks[key].status is NotebookStatus.IN_SERVICE}


async def test_idle_is_read_for_the_rows_on_screen_only(aws_env: LocalAws) -> None:
    app = build_app(aws_env, jupyter_activity=True)
    async with app.run_test(size=SHORT) as pilot:
        board = await loaded(pilot, app)
        running = {
            key
            for key, notebook in board.fleet.notebooks.items()
            if notebook.status is NotebookStatus.IN_SERVICE
        }
        on_screen = _running_on_screen(board)
        assert on_screen
        assert on_screen < running  # some InService rows are off screen
        await wait_for(
            pilot,
            lambda: on_screen <= board.fleet.activity.keys() and not board.activity.reading,
            limit=90,
            what="the activity of the rows on screen",
        )
        read = {str(key) for key in board.activity_reader._readings}
        assert read == on_screen  # nothing off screen was signed in to
        for key in on_screen:
            cell = board.table.get_cell(key, ColumnKey("idle")).plain
            assert cell == "busy" or cell.startswith("idle "), (key, cell)
        reads = board.activity_reader.reads
        await poll_now(pilot, app)
        await pilot.pause(0.5)
        assert board.activity_reader.reads == reads  # cached: a refresh reads nothing again
        stopped = next(k for k, nb in board.fleet.notebooks.items() if nb.status.value == "Stopped")
        assert board.table.get_cell(stopped, ColumnKey("idle")).plain == ""


async def test_a_refresh_never_waits_for_the_activity(aws_env: LocalAws) -> None:
    app = build_app(aws_env, jupyter_activity=True)
    release = asyncio.Event()

    def hanging(key: NotebookKey) -> JupyterSession:
        async def source() -> PresignedUrl:
            await release.wait()  # a sign-in that takes as long as the test wants
            raise EndpointUnreachable(f"{key.name}: cannot reach its Jupyter server")

        return JupyterSession(key, source)

    async with app.run_test(size=SHORT) as pilot:
        # Before the first rows: a read begun (and cached for minutes) with the real sign-in
        # would leave nothing in flight to wait for.
        app.dashboard.activity_reader._open_session = hanging
        board = await loaded(pilot, app)
        await wait_for(pilot, lambda: board.activity.reading, limit=30, what="reads in flight")
        before = board.poller.polls
        await poll_now(pilot, app)  # completes while every read is still hanging
        assert board.poller.polls > before
        assert board.activity.reading
        key = next(iter(board.activity.reading))
        assert board.table.get_cell(key, ColumnKey("idle")).plain == "…"
        release.set()
        await wait_for(pilot, lambda: key in board.fleet.activity, what="the failed read")
        await pilot.pause()
        assert board.table.get_cell(key, ColumnKey("idle")).plain == "-"


async def test_the_column_can_be_turned_off(aws_env: LocalAws) -> None:
    app = build_app(aws_env, jupyter_activity=False)
    async with app.run_test(size=SHORT) as pilot:
        board = await loaded(pilot, app)
        assert "idle" not in [column.key for column in board.table.table_columns]
        await pilot.pause(0.1)
        assert board.activity_reader.reads == 0


async def test_the_detail_pane_shows_the_jupyter_server(aws_env: LocalAws) -> None:
    app = build_app(aws_env, jupyter_activity=True)
    async with app.run_test(size=SHORT) as pilot:
        await loaded(pilot, app)
        board = app.dashboard
        await select(pilot, app, "us-east-1", "nb")
        await wait_for(pilot, lambda: board.detail.loaded("us-east-1/nb"), limit=90)
        shown = part(app, "jupyter")
        assert "idle" in shown
        assert "connections" in shown
        await select(pilot, app, "us-east-1", "nb-dev")  # Stopped
        await wait_for(pilot, lambda: board.detail.loaded("us-east-1/nb-dev"), limit=30)
        await pilot.pause()
        assert "not InService: no Jupyter server to ask" in part(app, "jupyter")


def test_a_server_used_a_moment_ago_is_idle_not_busy() -> None:
    """ "busy" means a kernel is running code; a server whose last activity was this second
    (just started, say) is idle for 0 seconds, not busy."""
    from datetime import UTC, datetime

    from sagedeck.models import JupyterActivity, JupyterKernel, NotebookSummary
    from sagedeck.ui.view.columns import idle_shown

    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    arn = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb"
    notebook = NotebookSummary(
        "nb", arn, "us-east-1", NotebookStatus.IN_SERVICE, "ml.t3.medium", None, now, now
    )
    quiet = JupyterActivity(now, now, 0, (), (), now)
    assert idle_shown(notebook, quiet, now) == "idle 0s"
    kernel = JupyterKernel("k1", "python3", now, "busy", 1)
    working = JupyterActivity(now, now, 1, (kernel,), (), now)
    assert idle_shown(notebook, working, now) == "busy"
