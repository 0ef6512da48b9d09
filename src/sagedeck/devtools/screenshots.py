"""``python -m sagedeck.devtools.screenshots DIR`` (``make screenshots``): SVGs of the
dashboard, its detail pane, its help screen and the lifecycle-configuration screen, from the
demo fleet at a fixed moment, so they change only when the UI does. The snapshot tests drive
the app through the same steps (``prepare``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from sagedeck.localaws import LocalAws
    from sagedeck.ui.app import SagedeckApp

SEED_TIME = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
SIZE = (200, 50)
VIEWS = ("dashboard", "detail", "help", "lifecycle", "create")
DETAIL_OF = "us-east-1/nlp-finetune"  # failed, in a VPC, a lifecycle config: every part
LIFECYCLE_OF = "us-east-1/idle-stop"  # the built-in idle-stop script


def demo_app(local: LocalAws, **settings: Any) -> SagedeckApp:
    """The app as ``sagedeck --demo`` builds it, on the embedded AWS's clock, polling rarely."""
    from sagedeck.aws.services import AwsServices
    from sagedeck.aws.session import AwsTarget, StaticCredentials
    from sagedeck.config import Settings
    from sagedeck.ui.app import SagedeckApp

    target = AwsTarget(
        None, local.regions, local.endpoint_url, False, StaticCredentials("demo", "demo")
    )
    # No IDLE column: its figures come from real Jupyter servers' wall-clock times, and the
    # pictures are of a frozen moment.
    base = Settings(refresh_interval=3600, fast_refresh_interval=3600, jupyter_activity=False)
    return SagedeckApp(
        settings=base.merged(**settings),
        services=AwsServices(target),
        demo=True,
        clock=lambda: datetime.fromtimestamp(local.simulator.now(), UTC),
    )


async def until(pilot: Pilot[Any], condition: Callable[[], object], limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the demo did not settle in time")
        await pilot.pause(0.05)


async def prepare(pilot: Pilot[Any], view: str) -> None:
    """Bring the app to ``view``: the table alone, the detail of one instance, or the help."""
    from sagedeck.ui.app import SagedeckApp

    app = pilot.app
    assert isinstance(app, SagedeckApp)
    board = app.dashboard
    # the complete first listing: its rows show page by page, region by region, before it is
    await until(
        pilot,
        lambda: (
            board.fleet.refreshed_at is not None
            and board.table.row_count > 0
            and not board.fleet.missing_platforms()
        ),
    )
    await until(pilot, lambda: not board._describing)
    fleet = board.fleet  # every price in (PRICE, RUN COST and the summary's running cost)
    await until(
        pilot, lambda: not board._pricing and not fleet.prices.missing(fleet.notebooks.values())
    )
    if view == "detail":
        board.table.follow(DETAIL_OF)
        await until(pilot, lambda: board.detail.loaded(DETAIL_OF))
    elif view == "lifecycle":
        await show_lifecycle(pilot, LIFECYCLE_OF)
    else:
        await pilot.press("d")  # the table alone
        if view == "help":
            await pilot.press("question_mark")
        elif view == "create":
            await fill_create_form(pilot)
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()


async def show_lifecycle(pilot: Pilot[Any], key: str) -> None:
    """The lifecycle screen (``L``) with ``key``'s scripts shown."""
    from textual.widgets import DataTable

    from sagedeck.ui.screens.lifecycle import LifecycleScreen

    app = pilot.app
    await pilot.press("L")
    await until(pilot, lambda: isinstance(app.screen, LifecycleScreen) and app.screen.loads > 0)
    screen = app.screen
    assert isinstance(screen, LifecycleScreen)
    table = screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(key))
    await until(pilot, lambda: key in screen.configs)


async def fill_create_form(pilot: Pilot[Any]) -> None:
    """``n``, then a form half filled in: a name typed, a type and a role chosen, the cursor in
    the volume's field (its constraint and doc shown), what is still missing said below."""
    from textual.widgets import Input, Select

    from sagedeck.ui.screens.manage.form import InstanceForm

    app = pilot.app
    await pilot.press("n")
    await until(pilot, lambda: isinstance(app.screen, InstanceForm))
    form = app.screen
    assert isinstance(form, InstanceForm)
    await until(pilot, lambda: form.choices is not None)
    await pilot.press(*"team-notebook")
    for key, value in (
        ("InstanceType", "ml.t3.large"),
        ("PlatformIdentifier", "notebook-al2023-v1"),
    ):
        row = form.row(key)
        assert row is not None
        row.query_one(Select).value = value
    volume = form.row("VolumeSizeInGB")
    assert volume is not None
    typed = volume.query_one(Input)
    typed.cursor_blink = False  # the same picture whenever it is taken
    typed.focus()
    await pilot.press(*"3")


async def capture(local: LocalAws, directory: Path) -> list[Path]:
    written: list[Path] = []
    for view in VIEWS:
        app = demo_app(local)
        async with app.run_test(size=SIZE) as pilot:
            await prepare(pilot, view)
            written.append(Path(app.save_screenshot(f"{view}.svg", str(directory))))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m sagedeck.devtools.screenshots DIR", file=sys.stderr)
        return 2
    directory = Path(args[0])
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["TZ"] = "UTC"  # "refreshed 09:30:00" on every machine
    time.tzset()
    from sagedeck.localaws import LocalAws

    with LocalAws(
        seed=True, simulate=False, seed_time=SEED_TIME, throttle_filter_log_events=False
    ) as local:
        for path in asyncio.run(capture(local, directory)):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
