"""The SSM parts of the TUI driven with the Pilot against the embedded AWS: the shell's
failure notifications, the port-forward screen and the doctor screen."""

from __future__ import annotations

import asyncio
import re
import socket
import urllib.request

import pytest
from textual.widgets import DataTable, Static

from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookSummary
from sagedeck.ssm.port_forwards import PortForward
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.screens.dashboard.ssm_actions import PortForwardScreen, open_shell, port_forwards
from sagedeck.ui.screens.doctor import DoctorScreen

from .ssm_pty import active_sessions, processes_with_session
from .support import SIZE, build_app, loaded, wait_for

REGION = "us-east-1"
pytestmark = pytest.mark.timeout(60)


async def summary(app: SagedeckApp, name: str) -> NotebookSummary:
    listing = await app.services.sagemaker.list_region(REGION)
    return next(nb for nb in listing if nb.name == name)


def notices(app: SagedeckApp) -> list[str]:
    return [message for _, _, message in app.notices]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as page:
        return str(page.read().decode())


def ended(forward: PortForward) -> bool:
    return forward.process.poll() is not None and not processes_with_session(forward.session_id)


async def test_shell_failures_are_one_notification_and_leave_no_session(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(aws, regions=(REGION,))
    ssm = aws.client("ssm", REGION)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=11)
        await pilot.press("s")  # alice-sandbox, the first row: no real terminal under the Pilot
        await wait_for(
            pilot,
            lambda: any("no real terminal" in n for n in notices(app)),
            what=f"the notification, got {app.notices}",
        )
        assert active_sessions(ssm) == []  # started, then terminated

        await open_shell(app, app.services, await summary(app, "data-eng-etl"))
        assert "TargetNotConnected" in notices(app)[-1]
        assert "\n" not in notices(app)[-1]
        await open_shell(app, app.services, await summary(app, "nb"))
        assert notices(app)[-1].startswith("nb has no SSM managed node")

        monkeypatch.setenv("SAGEDECK_SSM_PLUGIN", "session-manager-plugin")
        monkeypatch.setenv("PATH", "/nonexistent")
        await open_shell(app, app.services, await summary(app, "alice-sandbox"))
        assert notices(app)[-1].startswith("session-manager-plugin not found")
        assert "install" in notices(app)[-1]
        assert active_sessions(ssm) == []


async def test_port_forward_screen_starts_lists_and_ends(
    aws: LocalAws, no_native_clipboard: None
) -> None:
    app = build_app(aws, regions=(REGION,))
    ssm = aws.client("ssm", REGION)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=11)
        alice = await summary(app, "alice-sandbox")
        await app.push_screen(PortForwardScreen(app.services, alice))
        table = app.screen.query_one("#forwards", DataTable)
        forwards = port_forwards(app.services)

        await pilot.press("j")
        await wait_for(pilot, lambda: table.row_count == 1, what="the Jupyter forward")
        (jupyter,) = forwards.active(alice.key)
        assert table.get_row_at(0)[:2] == [jupyter.local_url, "8888 (Jupyter)"]
        page = await asyncio.to_thread(fetch, jupyter.local_url)
        assert "demo Jupyter on alice-sandbox:8888" in page
        await pilot.press("c")  # no native clipboard: the notice says where the URL went
        await wait_for(pilot, lambda: jupyter.local_url in notices(app)[-1], what="the copy")
        assert notices(app)[-1] == (
            f"{jupyter.local_url} sent to the terminal's clipboard (OSC 52)"
        )

        await pilot.press("x")
        await wait_for(pilot, lambda: table.row_count == 0, what="the forward to end")
        assert ended(jupyter)
        assert active_sessions(ssm) == []

        await pilot.press("n", "7", "0", "0", "0", "enter")
        await pilot.press("t")
        await wait_for(pilot, lambda: table.row_count == 2, what="two forwards")
        remaining = forwards.active(alice.key)
        assert sorted(f.remote_port for f in remaining) == [6006, 7000]
        assert len(active_sessions(ssm)) == 2
        await pilot.press("escape")
        assert not isinstance(app.screen, PortForwardScreen)
        assert forwards.active(alice.key) == remaining  # they outlive the screen
    # The app's exit ended them (its unmount hook), not the test.
    assert all(ended(f) for f in remaining)
    assert active_sessions(ssm) == []
    for forward in remaining:
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", forward.local_port)) != 0


async def test_doctor_screen_explains_an_instance_without_a_node(aws: LocalAws) -> None:
    app = build_app(aws, regions=(REGION,))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, rows=11)
        screen = DoctorScreen(app.services, await summary(app, "nb"))
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.report is not None, what="the doctor's report")
        await pilot.pause()
        shown = str(screen.query_one("#report", Static).content)
        assert "FAIL  node" in shown
        assert "no SSM managed node is tagged SSHResourceName=nb in us-east-1" in shown
        assert "Next steps" in shown
        assert "sagemaker-ssh-helper" in shown
        first = screen.report
        # What the re-run must find: sagemaker-ssh-helper registered a node in the meantime.
        node = aws.register_managed_node(REGION, "nb")
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.report is not first, what="the second run")
        await pilot.pause()
        shown = str(screen.query_one("#report", Static).content)
        assert re.search(rf"^ok +node +{node}: Online", shown, re.MULTILINE), shown
        assert "no SSM managed node" not in shown
        await pilot.press("escape")
        assert not isinstance(app.screen, DoctorScreen)
