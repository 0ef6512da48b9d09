"""Asks before a create, an update or a tag change, showing the request as it will be sent (its
JSON and the AWS CLI line), scrolled when it is longer than the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from sagedeck.ui.safe_text import text_line, text_lines
from sagedeck.ui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from textual.app import ComposeResult


class RequestScreen(ConfirmScreen):
    """Yes or no over a request's text (enter/y sends, escape/n goes back to the form)."""

    CSS_PATH = "request.tcss"

    def __init__(self, title: str, question: str, request: str, confirm_label: str) -> None:
        super().__init__(title, question, confirm_label, danger=False)
        self._question, self._request = question, request

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = text_line(self._title)
            yield Static(text_lines(self._question), id="body")
            with VerticalScroll(id="request"):
                yield Static(text_lines(self._request), id="request-text")
            with Horizontal(id="buttons"):
                yield Button("Back", id="cancel")
                yield Button(self._label, id="confirm", variant="primary")
