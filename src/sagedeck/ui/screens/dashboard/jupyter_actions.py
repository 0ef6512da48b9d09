"""The TUI's shell key: SSM or a Jupyter terminal, as the config's ``shell`` says.

``s`` with ``shell = "auto"`` (the default) opens an SSM shell when the instance has a managed
node and a Jupyter terminal otherwise; ``shell = "ssm"`` or ``"jupyter"`` chooses one; ``J``
always opens a Jupyter terminal. Either way the TUI steps aside (``app.suspend``) and comes
back as it was, with the outcome as a notification.
"""

from __future__ import annotations

from typing import Any

from textual.app import App, SuspendNotSupported

from sagedeck.aws.services import AwsServices
from sagedeck.config import Settings
from sagedeck.errors import SagedeckError
from sagedeck.jupyter.connect import connect
from sagedeck.jupyter.shell import JupyterShellOutcome, run_shell
from sagedeck.models import NotebookSummary
from sagedeck.ui.screens.dashboard.ssm_actions import open_shell


async def open_any_shell(
    app: App[Any],
    services: AwsServices,
    notebook: NotebookSummary,
    settings: Settings,
    via: str | None = None,
) -> None:
    """The shell ``via`` names (``ssm``, ``jupyter``; ``auto`` or None: the config's)."""
    way = via or settings.shell
    if way == "auto":
        way = "ssm" if await _has_node(services, notebook) else "jupyter"
    if way == "ssm":
        await open_shell(app, services, notebook)
    else:
        await open_jupyter_shell(app, services, notebook, settings.url_session_seconds)


async def _has_node(services: AwsServices, notebook: NotebookSummary) -> bool:
    """Whether an SSM shell is possible: a managed node tagged for the instance. When SSM
    cannot even be asked (no permission, say), Jupyter is the way."""
    try:
        node = await services.ssm.find_node(notebook.name, notebook.region)
    except SagedeckError:
        return False
    return node is not None


async def open_jupyter_shell(
    app: App[Any], services: AwsServices, notebook: NotebookSummary, session_seconds: int
) -> None:
    """Sign in, create a terminal, suspend the TUI for it, delete it, say how it ended.
    Failures before the hand-off are one notification and nothing changes on screen."""
    title = f"Jupyter terminal · {notebook.name}"
    outcome: JupyterShellOutcome | None = None
    try:
        async with connect(services, notebook.key, session_seconds) as link:
            outcome = await run_shell(link, hand_over=app.suspend)
    except SuspendNotSupported:
        app.notify("no real terminal to hand over here", title=title, severity="error")
        return
    except (SagedeckError, OSError) as err:
        app.notify(str(err), title=title, severity="error", timeout=10)
        return
    fine = outcome.how != "lost" and outcome.deleted
    app.notify(outcome.summary, title=title, severity="information" if fine else "warning")
