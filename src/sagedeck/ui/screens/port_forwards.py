"""Port forwards of one notebook instance: start (Jupyter, TensorBoard, any port), list with
their local URL, end. The forwards outlive the screen; they end when sagedeck exits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from sagedeck.aws.services import AwsServices
from sagedeck.errors import SagedeckError
from sagedeck.models import NotebookSummary
from sagedeck.ssm.port_forwards import PortForward, PortForwards
from sagedeck.system.clipboard import copied_where, copy
from sagedeck.system.shutdown import CloseHooks
from sagedeck.text.format import age
from sagedeck.ui.safe_text import text_line
from sagedeck.ui.screens.base import DeckModal
from sagedeck.ui.widgets.deck_table import DeckTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

COLUMNS = (("url", "LOCAL URL"), ("remote", "ON INSTANCE"), ("session", "SESSION"), ("up", "UP"))
HINT = "j Jupyter 8888 · t TensorBoard 6006 · n other port · x end · c copy URL · o open · esc back"


class PortForwardScreen(DeckModal[None]):
    """Constructed as ``PortForwardScreen(services, notebook)``."""

    CSS_PATH = "port_forwards.tcss"
    BINDINGS = [
        Binding("j", "forward(8888)", "Jupyter 8888", id="forward_jupyter"),
        Binding("t", "forward(6006)", "TensorBoard 6006", id="forward_tensorboard"),
        Binding("n", "new_port", "Other port", id="forward_other"),
        Binding("x,delete", "end", "End forward", id="forward_end"),
        Binding("c", "copy", "Copy URL", id="forward_copy"),
        Binding("o", "open", "Open URL", id="forward_open"),
        Binding("escape", "close", "Back", id="forward_close"),
    ]

    def __init__(self, services: AwsServices, notebook: NotebookSummary) -> None:
        super().__init__()
        self.services = services
        self.notebook = notebook
        self.forwards = PortForwards.for_services(services)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = text_line(
                f"Port forwards · {self.notebook.name} ({self.notebook.region})"
            )
            yield Static("", id="status")
            yield DeckTable(id="forwards", cursor_type="row", zebra_stripes=True)
            yield Input(
                placeholder="port on the instance, enter to start",
                id="port",
                restrict=r"[0-9]*",
                max_length=5,
            )
            yield Static(HINT, id="hint")

    def on_mount(self) -> None:
        table = self.query_one("#forwards", DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self.sync_rows()
        table.focus()
        self.set_interval(1.0, self.tick, name="port-forward-tick")
        self._set_status(f"{len(self._mine())} active · starting one asks AWS for a session")

    # --- rows ----------------------------------------------------------------------------

    def _mine(self) -> list[PortForward]:
        return self.forwards.active(self.notebook.key)

    def sync_rows(self) -> None:
        """Rows keyed by session id, added and removed in place; only UP changes each tick."""
        table = self.query_one("#forwards", DataTable)
        now = datetime.now(UTC)
        current = {f.session_id: f for f in self._mine()}
        for row_key in [k for k in table.rows if k.value not in current]:
            table.remove_row(row_key)
        for session_id, forward in current.items():
            if session_id in table.rows:
                table.update_cell(session_id, "up", age(forward.started, now))
            else:
                # DataTable reads a str cell as markup: the session id is AWS's, a Text.
                table.add_row(
                    forward.local_url,
                    f"{forward.remote_port} ({forward.label})",
                    text_line(session_id),
                    age(forward.started, now),
                    key=session_id,
                )

    async def tick(self) -> None:
        dead = [f for f in self._mine() if not f.ended and not f.alive]
        if dead:
            await self.forwards.reap()
            for forward in dead:
                last = forward.output[-1] if forward.output else "no output"
                self.notify(f"{forward.describe()} ended on its own: {last}", severity="warning")
        self.sync_rows()

    def _end_with_the_app(self) -> None:
        """The forwards end when the app does: its close hooks (SIGTERM/SIGHUP are made an
        orderly exit by the app; atexit covers the rest)."""
        hooks = getattr(self.app, "shutdown_hooks", None)
        if isinstance(hooks, CloseHooks):
            hooks.add(self.forwards.close_all)

    def selected(self) -> PortForward | None:
        table = self.query_one("#forwards", DataTable)
        if not table.row_count:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return next((f for f in self._mine() if f.session_id == row_key.value), None)

    def _set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text_line(text))

    # --- actions -------------------------------------------------------------------------

    def action_forward(self, port: int) -> None:
        self.start_forward(port)

    def action_new_port(self) -> None:
        self.query_one("#port", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text.isdigit() or not 1 <= int(text) <= 65535:
            self.notify("a port is a number from 1 to 65535", severity="error")
            return
        event.input.value = ""
        self.query_one("#forwards", DataTable).focus()
        self.start_forward(int(text))

    @work(group="port-forward", description="start a port forward", exit_on_error=False)
    async def start_forward(self, port: int) -> None:
        self._set_status(f"starting a forward to {self.notebook.name}:{port}…")
        self._end_with_the_app()
        try:
            forward = await self.forwards.start(self.notebook.key, port)
        except SagedeckError as err:
            self._set_status(f"could not forward port {port}")
            self.notify(str(err), title="Port forward", severity="error", timeout=10)
            return
        self._set_status(f"forwarding {forward.describe()}")
        self.notify(forward.describe(), title="Port forward started")
        self.sync_rows()

    @work(group="port-forward", description="end a port forward", exit_on_error=False)
    async def action_end(self) -> None:
        forward = self.selected()
        if forward is None:
            return
        confirmed = await self.forwards.end(forward)
        note = "" if confirmed else " (AWS did not confirm the session ended)"
        self._set_status(f"ended {forward.describe()}{note}")
        self.sync_rows()

    async def action_copy(self) -> None:
        forward = self.selected()
        if forward is not None:
            method = await copy(forward.local_url, osc52=self.app.copy_to_clipboard)
            self.notify(f"{forward.local_url} {copied_where(method)}")

    def action_open(self) -> None:
        forward = self.selected()
        if forward is not None:
            self.app.open_url(forward.local_url)

    def action_close(self) -> None:
        self.dismiss(None)
