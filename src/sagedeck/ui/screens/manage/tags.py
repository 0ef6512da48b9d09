"""``t`` on the dashboard: the instance's tags, and adding or removing one.

Tags change at once, whatever the instance's state (AddTags / DeleteTags). Each change asks
first, showing the request; keys starting ``aws:`` are AWS's: listed, never removable. Keys and
values are AWS's text: shown through ``safe_text``, never markup. The screen returns whether
anything changed, so the dashboard reloads the detail pane's tags.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Static

from sagedeck.aws.manage.validate import RESERVED_TAG_PREFIX, tag_problems
from sagedeck.errors import SagedeckError
from sagedeck.ui.safe_text import text_line
from sagedeck.ui.screens.base import DeckModal
from sagedeck.ui.screens.manage.request_screen import RequestScreen
from sagedeck.ui.screens.manage.request_text import add_tags_body, delete_tags_body
from sagedeck.ui.widgets.deck_table import DeckTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from sagedeck.aws.services import AwsServices
    from sagedeck.models import NotebookSummary

HINT = "k=v then enter adds (a key that exists takes the new value) · del removes · esc closes"


def reserved(key: str) -> bool:
    return key.lower().startswith(RESERVED_TAG_PREFIX)


def parse_tag(text: str) -> tuple[str, str] | str:
    """``key=value`` as (key, value), or what is wrong with it (one line)."""
    key, equals, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not equals or not key:
        return "write key=value (value may be empty: key=)"
    problems = tag_problems(key, value)
    return problems[0] if problems else (key, value)


class TagScreen(DeckModal[bool]):
    CSS_PATH = "tags.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="tags_close"),
        Binding("delete,ctrl+d", "remove", "Remove tag", id="tags_remove"),
    ]

    def __init__(self, services: AwsServices, notebook: NotebookSummary) -> None:
        super().__init__()
        self.services = services
        self.notebook = notebook
        self.tags: list[tuple[str, str]] = []
        self.changed = False
        self.loads = 0  # finished loads of the tags (tests)

    def compose(self) -> ComposeResult:
        with Vertical(id="tags-dialog") as dialog:
            dialog.border_title = text_line(f"Tags · {self.notebook.name}")
            table: DataTable[Text] = DeckTable(id="tags-table", cursor_type="row")
            yield table
            with Horizontal(id="tags-add"):
                yield Input(placeholder="key=value", id="tag-input")
                yield Button("Add", id="add", variant="primary", compact=True)
                yield Button("Remove", id="remove", compact=True)
            yield Static("loading…", id="tags-status")
            yield Static(HINT, id="tags-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Value")
        self.query_one("#tag-input", Input).focus()
        self.load()

    @work(
        name="tags", group="tags", description="list the tags", exclusive=True, exit_on_error=False
    )
    async def load(self) -> None:
        nb = self.notebook
        try:
            tags = await self.services.manage.tags(nb.region, nb.arn)
        except SagedeckError as err:
            self._say(str(err), error=True)
            return
        self.tags = sorted((t["Key"], t.get("Value", "")) for t in tags)
        table = self.query_one(DataTable)
        table.clear()
        for key, value in self.tags:
            style = "dim" if reserved(key) else ""
            table.add_row(text_line(key, style), text_line(value, style), key=key)
        self.loads += 1
        self._say(f"{len(self.tags)} tag(s)" if self.tags else "no tags yet")

    def _say(self, message: str, *, error: bool = False) -> None:
        self.query_one("#tags-status", Static).update(
            text_line(message, style="bold red" if error else "")
        )

    # --- adding ---------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._add()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add":
            self._add()
        else:
            self.action_remove()

    def _add(self) -> None:
        parsed = parse_tag(self.query_one("#tag-input", Input).value)
        if isinstance(parsed, str):
            self._say(parsed, error=True)
            return
        self.add_tag(*parsed)

    @work(name="add tag", group="tags-change", description="add a tag", exit_on_error=False)
    async def add_tag(self, key: str, value: str) -> None:
        nb = self.notebook
        tags = [{"Key": key, "Value": value}]
        if not await self._confirm(
            "Add tag",
            f"Tag {nb.name} with {key}={value}?",
            add_tags_body(nb.region, nb.arn, tags, nb.profile),
            "Add",
        ):
            return
        try:
            await self.services.manage.add_tags(nb.region, nb.arn, tags)
        except SagedeckError as err:
            self._say(str(err), error=True)
            return
        self.changed = True
        self.query_one("#tag-input", Input).value = ""
        self.load()

    # --- removing -------------------------------------------------------------------------

    def action_remove(self) -> None:
        table = self.query_one(DataTable)
        if not self.tags or table.cursor_row < 0 or table.cursor_row >= len(self.tags):
            self._say("no tag to remove: move to one in the list first", error=True)
            return
        key = self.tags[table.cursor_row][0]
        if reserved(key):
            self._say(f"{key} is AWS's tag: it cannot be removed", error=True)
            return
        self.remove_tag(key)

    @work(name="remove tag", group="tags-change", description="remove a tag", exit_on_error=False)
    async def remove_tag(self, key: str) -> None:
        nb = self.notebook
        if not await self._confirm(
            "Remove tag",
            f"Remove the tag {key} from {nb.name}?",
            delete_tags_body(nb.region, nb.arn, [key], nb.profile),
            "Remove",
        ):
            return
        try:
            await self.services.manage.delete_tags(nb.region, nb.arn, [key])
        except SagedeckError as err:
            self._say(str(err), error=True)
            return
        self.changed = True
        self.load()

    async def _confirm(self, title: str, question: str, request: str, label: str) -> bool:
        confirmed: bool = await self.app.push_screen_wait(
            RequestScreen(title, question, request, label)
        )
        return confirmed

    def action_close(self) -> None:
        self.dismiss(self.changed)
