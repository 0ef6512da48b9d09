"""Modals that return a value: confirm a stop, type the name to delete, choose a port.
The instance's name is AWS's text: shown sanitised, as ``Text``, never as markup."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from sagedeck.text.sanitize import sanitize_line
from sagedeck.ui.safe_text import text_line, text_lines
from sagedeck.ui.screens.base import DeckModal
from sagedeck.ui.view.fleet import parse_port

if TYPE_CHECKING:
    from textual.app import ComposeResult


class ConfirmScreen(DeckModal[bool]):
    """Yes or no; enter/y confirms, escape/n cancels. A ``str`` body is shown as text (its
    newlines kept), never as markup."""

    CSS_PATH = "confirm.tcss"
    BINDINGS = [
        Binding("escape,n", "cancel", "Cancel", id="confirm_cancel"),
        Binding("y", "confirm", "Confirm", id="confirm_yes"),
    ]

    def __init__(
        self, title: str, body: str | Text, confirm_label: str, *, danger: bool = True
    ) -> None:
        super().__init__()
        self._title, self._body, self._label, self._danger = title, body, confirm_label, danger

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = text_line(self._title)
            body = self._body
            yield Static(text_lines(body) if isinstance(body, str) else body, id="body")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(
                    self._label, id="confirm", variant="error" if self._danger else "primary"
                )

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_confirm(self) -> None:
        self.dismiss(True)


class TypeNameScreen(DeckModal[bool]):
    """Delete: the button wakes only once the instance's exact name is typed."""

    CSS_PATH = "confirm.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm_cancel")]

    def __init__(self, name: str, region: str) -> None:
        super().__init__()
        self._instance, self._region = name, region

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Delete notebook instance"
            yield Static(
                Text.assemble(
                    "This deletes ",
                    (sanitize_line(self._instance), "bold"),
                    f" in {sanitize_line(self._region)} and its ML storage volume, for good.\n",
                    "Type its name to confirm:",
                ),
                id="body",
            )
            yield Input(placeholder=sanitize_line(self._instance), id="name")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Delete", id="confirm", variant="error", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = event.value != self._instance

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value == self._instance:
            self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)


class PortScreen(DeckModal[int | None]):
    """Which port's proxy URL to copy (TensorBoard's 6006 by default)."""

    CSS_PATH = "confirm.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm_cancel")]

    def __init__(self, name: str, default: int = 6006) -> None:
        super().__init__()
        self._instance, self._default = name, default

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Copy proxy URL"
            yield Static(
                text_line(
                    f"Port on {self._instance} to reach through /proxy/<port>/ (after signing in):"
                ),
                id="body",
            )
            yield Input(str(self._default), id="port", restrict=r"[0-9]*", max_length=5)
            yield Label("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Copy", id="confirm", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#port", Input).focus()

    def _submit(self) -> None:
        port = parse_port(self.query_one("#port", Input).value)
        if port is None:
            self.query_one("#error", Label).update("a port is a number from 1 to 65535")
            return
        self.dismiss(port)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
