"""The SSM doctor as a screen: why this instance can (or cannot) be reached, and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from sagedeck.aws.services import AwsServices
from sagedeck.errors import SagedeckError
from sagedeck.models import NotebookSummary
from sagedeck.ssm.doctor import DoctorReport, Status, diagnose
from sagedeck.text.sanitize import sanitize_line
from sagedeck.ui.safe_text import text_line
from sagedeck.ui.screens.base import DeckModal

if TYPE_CHECKING:
    from textual.app import ComposeResult

STYLES = {
    Status.OK: "bold green",
    Status.INFO: "bold blue",
    Status.WARN: "bold yellow",
    Status.FAIL: "bold red",
}


def render(report: DoctorReport) -> Text:
    """The report as rich text: one line per check, then the failed calls and next steps.
    Summaries, messages and steps quote AWS (names, tags, error messages): sanitised."""
    text = Text()
    width = max((len(c.topic) for c in report.checks), default=0)
    for check in report.checks:
        text.append(f"{check.status.value:<5} ", STYLES[check.status])
        text.append(f"{check.topic:<{width}}  ", "bold")
        text.append(sanitize_line(check.summary) + "\n")
    if report.failed_calls:
        text.append("\nFailed calls\n", "bold")
        for call in report.failed_calls:
            text.append(f"  {call.permission}: ", "bold")
            text.append(sanitize_line(call.message) + "\n")
    steps = report.next_steps
    text.append("\nNext steps\n" if steps else "\nNothing to fix: press s for a shell.\n", "bold")
    for number, step in enumerate(steps, 1):
        text.append(f"  {number}. {sanitize_line(step)}\n")
    return text


class DoctorScreen(DeckModal[None]):
    """Constructed as ``DoctorScreen(services, notebook)``; ``notebook`` may be None for the
    checks that do not depend on an instance."""

    CSS_PATH = "doctor.tcss"
    BINDINGS = [
        Binding("r", "rerun", "Check again", id="doctor_rerun"),
        Binding("escape,q", "close", "Back", id="doctor_close"),
    ]

    def __init__(self, services: AwsServices, notebook: NotebookSummary | None) -> None:
        super().__init__()
        self.services = services
        self.notebook = notebook
        self.report: DoctorReport | None = None

    def compose(self) -> ComposeResult:
        title = f"SSM doctor · {self.notebook.name}" if self.notebook else "SSM doctor"
        with Vertical(id="dialog") as dialog:
            dialog.border_title = text_line(title)
            with VerticalScroll(id="body"):
                yield Static("checking…", id="report")
            yield Static("r check again · esc back", id="hint")

    def on_mount(self) -> None:
        self.run_checks()

    @work(group="doctor", description="SSM doctor checks", exclusive=True, exit_on_error=False)
    async def run_checks(self) -> None:
        output = self.query_one("#report", Static)
        output.update("checking…")
        try:
            self.report = await diagnose(
                self.services, self.notebook.key if self.notebook else None
            )
        except SagedeckError as err:
            output.update(text_line(f"the doctor could not run: {err}", "red"))
            return
        output.update(render(self.report))

    def action_rerun(self) -> None:
        self.run_checks()

    def action_close(self) -> None:
        self.dismiss(None)
