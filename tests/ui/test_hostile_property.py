"""Generated hostile text, on every surface the dashboard shows AWS's text on (issue 12, item 2):
the app never fails, and nothing it writes to the terminal carries a control character of the
data's.

One app runs for all the examples (starting it is most of an example's cost): Hypothesis runs
in a thread, and each example is played on the app's event loop. An example's text goes into
every field of the embedded AWS that the detail pane and the log view show (``hostile_data``:
over the API where AWS lets it in), names the two extra rows of the listing (the model level:
AWS refuses such names), and is sent as a notification; then the example visits each surface:
every detail part, the table's cells, the stop and delete dialogs, the log view, the SSM
doctor. ``test_hostile_text.py`` holds the known cases, one by one.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from textual.pilot import Pilot
from textual.widgets import Static

from sagedeck.localaws import LocalAws
from sagedeck.text.sanitize import sanitize_line
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.confirm import ConfirmScreen, TypeNameScreen
from sagedeck.ui.screens.doctor import DoctorScreen
from sagedeck.ui.screens.logs import LogScreen

from .hostile_data import ESCAPES, FAILED, REGION, WITH_NODE, add_hostile_rows, plant
from .recording import forget_output, output, raw_controls, run_recorded
from .support import FLEET_SIZE, build_app, notices_text, poll_now, select, text_of, wait_for

PIECES = (
    "[",
    "]",
    "[/]",
    "[bold",
    "[b]",
    "[/b]",
    "[link=https://evil.example]",
    "[/link]",
    "[@click=app.quit]",
    "$var",
    "\\",
    "\x1b]52;c;aGFja2Vk\x07",  # OSC 52: the clipboard
    "\x1b]0;title\x1b\\",  # OSC 0: the window title, ended by ST
    "\x1b]8;;https://evil.example\x1b\\",  # OSC 8: a link
    "\x1b[2J",  # CSI: clear the screen
    "\x1b[5;31m",
    "\x9b2J",  # the one-character CSI
    "\x1b",
    "\x07",
    "\x00",
    "\x7f",
    "\x85",
    "\r",
    "\n",
    "\t",
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u2028",  # line separator
    "e\u0301\u0301\u0301",  # combining marks
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew
    "\u0645\u0631\u062d\u0628\u0627",  # Arabic
    "\u241b",  # the control picture of ESC, in the text itself
)
HOSTILE = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), min_size=1, max_size=12
).map("".join)
# A 64 KiB line, markup and escape sequences all along.
LONG = ("[link=https://evil.example]x[/link] \x1b]52;c;aGk=\x07 \x9b2J " * 1200)[: 64 * 1024]
SETTLE = 15.0  # seconds an example may wait for one surface (the app itself is quick)


async def visit_every_surface(pilot: Pilot[Any], app: SagedeckApp, value: str) -> None:
    """One example: ``value`` is in the embedded AWS already (``plant``)."""
    board = app.dashboard
    forget_output(app)
    running, stopped = _names(value)
    await poll_now(pilot, app)
    await wait_for(pilot, lambda: f"{REGION}/{stopped}" in board.fleet.notebooks, SETTLE)
    app.notify(value, title=value, severity="error")
    app.screen.notify(value)  # a widget's notify: markup asked for by default

    for name in (FAILED, WITH_NODE):  # every detail part, loaded again
        await select(pilot, app, REGION, name)
        board.detail.invalidate()
        board.detail.show(board.current)
        key = f"{REGION}/{name}"
        await wait_for(pilot, partial(board.detail.loaded, key), SETTLE, key)
        await pilot.pause()
        _assert_safe(app)
        if name == FAILED and len(value) < 200:  # as typed; Rich may wrap a longer one
            tags = text_of(board.query_one("#part-tags", Static), width=1000)
            assert sanitize_line(value) in tags

    cell = board.table.get_cell(f"{REGION}/{running}", "name")
    assert cell.plain == sanitize_line(running)
    await select(pilot, app, REGION, running)
    await pilot.press("x")
    await _wait_screen(pilot, app, ConfirmScreen)
    await pilot.pause()
    _assert_safe(app)
    await pilot.press("n")
    await pilot.press("D")
    doctor = await _wait_screen(pilot, app, DoctorScreen)
    await wait_for(pilot, lambda: doctor.report is not None, SETTLE, "the doctor's report")
    await pilot.pause()
    _assert_safe(app)
    doctor.dismiss(None)
    await wait_for(pilot, lambda: app.screen is board, SETTLE, "the dashboard")

    await select(pilot, app, REGION, stopped)
    await pilot.press("ctrl+d")
    await _wait_screen(pilot, app, TypeNameScreen)
    await pilot.pause()
    _assert_safe(app)
    await pilot.press("escape")
    await wait_for(pilot, lambda: app.screen is board, SETTLE, "the dashboard")

    await select(pilot, app, REGION, FAILED)
    await pilot.press("l")
    logs = await _wait_screen(pilot, app, LogScreen)
    message = value or "-"
    await wait_for(
        pilot, lambda: any(e.message == message for e in logs.events), SETTLE, "the log line"
    )
    await pilot.pause()
    _assert_safe(app)
    logs.dismiss()
    await wait_for(pilot, lambda: app.screen is board, SETTLE, "the dashboard")
    app.clear_notifications()


@pytest.mark.timeout(900)
async def test_generated_hostile_text_never_fails_the_app_nor_reaches_the_terminal(
    aws_env: LocalAws,
) -> None:
    current = {"value": "x"}
    app = build_app(aws_env)
    add_hostile_rows(app.services, lambda: _names(current["value"]))
    async with run_recorded(app) as pilot:
        board = app.dashboard
        await wait_for(pilot, lambda: board.table.row_count == FLEET_SIZE + 2, what="all rows")
        loop = asyncio.get_running_loop()

        # The known cases first (issue 12), then generated ones.
        @settings(
            max_examples=8,
            deadline=None,
            database=None,  # each example costs seconds: no replay of old failures here
            suppress_health_check=[HealthCheck.too_slow],
        )
        @example("access to [/data] bucket [link=https://evil.example]Session expired[/link]")
        @example(ESCAPES)
        @example(
            "[/] [bold [b]x[/b] \u05e9\u05dc\u05d5\u05dd e\u0301\u0301 \u202eevil \u2028 \t\r\n"
        )
        @example(LONG)
        @given(HOSTILE)
        def check(value: str) -> None:
            plant(aws_env, value)  # in this thread: the embedded AWS answers from its own
            current["value"] = value
            play = asyncio.run_coroutine_threadsafe(visit_every_surface(pilot, app, value), loop)
            play.result(timeout=300)

        await asyncio.to_thread(check)
        _assert_safe(app)


def _names(value: str) -> tuple[str, str]:
    """The two extra rows' names: running (stop, doctor) and stopped (delete)."""
    return f"a{value}", f"b{value}"


def _assert_safe(app: SagedeckApp) -> None:
    """The app runs, and what it wrote since the last check is free of the data's controls."""
    assert app._exception is None, app._exception
    assert app.is_running
    assert raw_controls(output(app)) == []
    assert "Unexpected failure" not in notices_text(app)
    forget_output(app)


async def _wait_screen(pilot: Pilot[Any], app: SagedeckApp, screen_type: type[Any]) -> Any:
    await wait_for(pilot, lambda: isinstance(app.screen, screen_type), SETTLE, screen_type.__name__)
    return app.screen
