"""The TUI's SSM entry points: a shell on the selected instance, port forwards, the doctor.

The dashboard's actions call::

    await open_shell(app, services, notebook)      # key `s`
    app.push_screen(PortForwardScreen(services, notebook))   # key `F`
    app.push_screen(DoctorScreen(services, notebook))        # key `D`

and the app, on unmount, ``await port_forwards(services).close_all()`` (atexit ends whatever
is left if it does not).
"""

from __future__ import annotations

from typing import Any

from textual.app import App, SuspendNotSupported

from sagedeck.aws.services import AwsServices
from sagedeck.errors import SagedeckError
from sagedeck.models import NotebookSummary
from sagedeck.ssm.port_forwards import PortForwards
from sagedeck.ssm.shell import ShellOutcome, plan_shell, run_shell
from sagedeck.ui.screens.doctor import DoctorScreen
from sagedeck.ui.screens.port_forwards import PortForwardScreen

__all__ = ["DoctorScreen", "PortForwardScreen", "open_shell", "port_forwards"]


def port_forwards(services: AwsServices) -> PortForwards:
    """The one forward manager for these services, shared by the app and its screens."""
    return PortForwards.for_services(services)


async def open_shell(app: App[Any], services: AwsServices, notebook: NotebookSummary) -> None:
    """Suspend the TUI, run the shell with a one-line banner, restore the terminal, and show
    the exit status as a notification. Failures before the hand-off are one notification;
    the TUI comes back as it was (same screen, same row)."""
    title = f"Shell · {notebook.name}"
    outcome: ShellOutcome | None = None
    try:
        plan = await plan_shell(services, notebook.key)
        outcome = await run_shell(services, plan, hand_over=app.suspend)
    except SuspendNotSupported:
        app.notify("no real terminal to hand over here", title=title, severity="error")
        return
    except SagedeckError as err:
        app.notify(str(err), title=title, severity="error", timeout=10)
        return
    app.notify(
        outcome.summary,
        title=title,
        severity="information" if outcome.exit_code == 0 and outcome.terminated else "warning",
    )
