"""Which shell the dashboard opens: ``s`` as the config's ``shell`` says (auto: SSM when the
instance has a managed node, else Jupyter), ``J`` always Jupyter; hidden in read-only mode.
Under the Pilot there is no real terminal to hand over, so each ends in that notification,
titled by the way it went, and leaves no terminal on the server."""

from __future__ import annotations

import pytest

from sagedeck.localaws import LocalAws
from ui.support import SIZE, build_app, loaded, select, wait_for

from .embedded import REGION, terminals

pytestmark = pytest.mark.timeout(180)
ROWS = 11  # us-east-1's instances


@pytest.mark.parametrize(
    ("shell", "name", "key", "title", "says"),
    [
        ("auto", "nb", "s", "Jupyter terminal · nb", "no real terminal"),
        ("auto", "alice-sandbox", "s", "Shell · alice-sandbox", "no real terminal"),
        ("auto", "alice-sandbox", "J", "Jupyter terminal · alice-sandbox", "no real terminal"),
        ("jupyter", "alice-sandbox", "s", "Jupyter terminal · alice-sandbox", "no real terminal"),
        ("ssm", "nb", "s", "Shell · nb", "nb has no SSM managed node"),
    ],
)
async def test_the_shell_key_takes_the_configured_way(
    aws_env: LocalAws, shell: str, name: str, key: str, title: str, says: str
) -> None:
    app = build_app(aws_env, regions=(REGION,), shell=shell)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=ROWS)
        await select(pilot, app, REGION, name)
        await pilot.press(key)
        await wait_for(pilot, lambda: bool(app.notices), limit=90, what="a notification")
        ((_severity, got_title, message),) = app.notices
        assert (got_title, says in message) == (title, True), message
    if title.startswith("Jupyter"):
        assert await terminals(aws_env, name) == []  # created, then deleted


async def test_read_only_hides_the_jupyter_shell(aws_env: LocalAws) -> None:
    app = build_app(aws_env, regions=(REGION,), read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=ROWS)
        await select(pilot, app, REGION, "nb")
        assert board.check_action("shell_jupyter", ()) is False
        await select(pilot, app, REGION, "churn-model")  # Stopped
    app = build_app(aws_env, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        board = await loaded(pilot, app, rows=ROWS)
        await select(pilot, app, REGION, "churn-model")
        assert board.check_action("shell_jupyter", ()) is None  # greyed: not InService
        await select(pilot, app, REGION, "nb")
        assert board.check_action("shell_jupyter", ()) is True
