"""The small forms of the lifecycle and Git-repository screens: a new configuration's name,
region and starting point; a repository to add. Each returns its answer (None: cancelled);
every value is checked against the service model before the form closes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from sagedeck.aws.lifecycle import IDLE_MINUTES_MAX, IDLE_MINUTES_MIN, check_name
from sagedeck.aws.repos import NewRepository
from sagedeck.errors import InvalidInput
from sagedeck.ui.safe_text import text_line
from sagedeck.ui.screens.base import DeckModal

if TYPE_CHECKING:
    from textual.app import ComposeResult

Answer = TypeVar("Answer")


@dataclass(frozen=True, slots=True)
class NewConfig:
    name: str
    region: str
    idle_minutes: int | None  # start from the built-in idle-stop script


def _region_field(regions: tuple[str, ...]) -> Select[str]:
    return Select(
        [(region, region) for region in regions],
        value=regions[0],
        allow_blank=False,
        id="region",
    )


class CatalogForm(DeckModal[Answer | None], Generic[Answer]):
    """What the two forms share: the dialog, its buttons, the error line, escape to cancel."""

    CSS_PATH = "catalog_forms.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form_cancel")]
    TITLE_TEXT = ""
    SUBMIT = "OK"

    def __init__(self, regions: tuple[str, ...]) -> None:
        super().__init__()
        self.regions = regions

    def fields(self) -> ComposeResult:
        yield from ()

    def compose(self) -> ComposeResult:
        with Vertical(id="form") as form:
            form.border_title = self.TITLE_TEXT
            yield from self.fields()
            if len(self.regions) > 1:
                yield Label("Region")
                yield _region_field(self.regions)
            yield Label("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.SUBMIT, id="submit", variant="primary")

    def chosen_region(self) -> str:
        if len(self.regions) == 1:
            return self.regions[0]
        return str(self.query_one("#region", Select).value)

    def value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    def answer(self) -> Answer:
        raise NotImplementedError

    def submit(self) -> None:
        try:
            answer = self.answer()
        except InvalidInput as err:
            self.query_one("#error", Label).update(text_line(str(err)))
            return
        self.dismiss(answer)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            self.submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class NewLifecycleForm(CatalogForm["NewConfig"]):
    """Name, region, and whether to start from the idle-stop script; the scripts themselves
    are written in the editor next."""

    TITLE_TEXT = "New lifecycle configuration"
    SUBMIT = "Edit scripts"

    def fields(self) -> ComposeResult:
        yield Label("Name")
        yield Input(placeholder="letters, digits and hyphens", id="name")
        yield Label(
            f"Stop when idle for N minutes ({IDLE_MINUTES_MIN}-{IDLE_MINUTES_MAX}): starts"
            " from sagedeck's idle-stop script; empty for blank scripts"
        )
        yield Input(placeholder="e.g. 60", id="idle", restrict=r"[0-9]*", max_length=5)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def answer(self) -> NewConfig:
        name = check_name(self.value("name"))
        idle = self.value("idle")
        minutes = int(idle) if idle else None
        if minutes is not None and not IDLE_MINUTES_MIN <= minutes <= IDLE_MINUTES_MAX:
            raise InvalidInput(f"idle minutes must be {IDLE_MINUTES_MIN} to {IDLE_MINUTES_MAX}")
        return NewConfig(name, self.chosen_region(), minutes)


@dataclass(frozen=True, slots=True)
class RepositoryToAdd:
    region: str
    repository: NewRepository


class AddRepositoryForm(CatalogForm["RepositoryToAdd"]):
    TITLE_TEXT = "Add a Git repository"
    SUBMIT = "Review"

    def fields(self) -> ComposeResult:
        yield Label("Name")
        yield Input(placeholder="letters, digits and hyphens", id="name")
        yield Label("URL")
        yield Input(placeholder="https://github.com/org/repo.git", id="url")
        yield Label("Branch (empty: the remote's default)")
        yield Input(id="branch")
        yield Label("Secrets Manager secret ARN with the credentials (empty: a public repository)")
        yield Input(placeholder="arn:aws:secretsmanager:…", id="secret")
        yield Static("sagedeck checks the secret exists; it never reads its value.", id="note")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def answer(self) -> RepositoryToAdd:
        repository = NewRepository(
            self.value("name"),
            self.value("url"),
            self.value("branch") or None,
            self.value("secret") or None,
        )
        return RepositoryToAdd(self.chosen_region(), repository.checked())
