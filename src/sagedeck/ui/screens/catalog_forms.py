"""The small forms of the lifecycle and Git-repository screens: a new configuration's name,
region and starting point; a repository to add. Each returns its answer (None: cancelled);
every value is checked against the service model before the form closes.

Over several profiles a form also asks which profile (the selected entry's at first); the
regions offered are then that profile's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from textual import on
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
    profile: str | None = None  # several profiles: the one it goes to


def _choice(values: tuple[str, ...], chosen: str, field_id: str) -> Select[str]:
    return Select(
        [(text_line(value), value) for value in values],
        value=chosen,
        allow_blank=False,
        id=field_id,
    )


class CatalogForm(DeckModal[Answer | None], Generic[Answer]):
    """What the two forms share: the dialog, its buttons, the error line, escape to cancel."""

    CSS_PATH = "catalog_forms.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form_cancel")]
    TITLE_TEXT = ""
    SUBMIT = "OK"

    def __init__(
        self,
        regions: tuple[str, ...],
        profiles: Mapping[str, tuple[str, ...]] | None = None,
        profile: str | None = None,
    ) -> None:
        """``profiles``: several profiles, each with its regions (``profile`` chosen first);
        None or empty: one profile, ``regions`` its regions."""
        super().__init__()
        self.profiles = dict(profiles or {})
        self.profile = profile if profile in self.profiles else next(iter(self.profiles), None)
        self.regions = self.profiles[self.profile] if self.profile is not None else regions

    def fields(self) -> ComposeResult:
        yield from ()

    def compose(self) -> ComposeResult:
        with Vertical(id="form") as form:
            form.border_title = self.TITLE_TEXT
            yield from self.fields()
            if self.profile is not None:
                yield Label("Profile")
                yield _choice(tuple(self.profiles), self.profile, "profile")
            region = Label("Region", id="region-label")
            region.display = len(self.regions) > 1
            yield region
            regions = _choice(self.regions, self.regions[0], "region")
            regions.display = len(self.regions) > 1
            yield regions
            yield Label("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.SUBMIT, id="submit", variant="primary")

    @on(Select.Changed, "#profile")
    def _profile_changed(self, event: Select.Changed) -> None:
        """Another profile: its regions offered (the one chosen kept when it has it)."""
        if not isinstance(event.value, str) or event.value == self.profile:
            return
        self.profile = event.value
        before = self.chosen_region()
        self.regions = self.profiles[event.value]
        select = self.query_one("#region", Select)
        select.set_options([(text_line(region), region) for region in self.regions])
        select.value = before if before in self.regions else self.regions[0]
        select.display = len(self.regions) > 1
        self.query_one("#region-label", Label).display = len(self.regions) > 1

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
        return NewConfig(name, self.chosen_region(), minutes, self.profile)


@dataclass(frozen=True, slots=True)
class RepositoryToAdd:
    region: str
    repository: NewRepository
    profile: str | None = None  # several profiles: the one it goes to


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
        return RepositoryToAdd(self.chosen_region(), repository.checked(), self.profile)
