"""The form that creates a notebook instance, clones one or edits a stopped one.

Its fields are the model's (``sagedeck.aws.manage.fields``): one :class:`FieldRow` each, in the
model's order; what may be chosen comes from the account in a worker, and the form is usable
meanwhile. Every change is validated at once with the same rules the CLI uses
(``validate_create`` / ``validate_update``); the button wakes only when nothing is wrong. It
asks before sending, showing the request, and sends it in a worker: an AWS error is one line
under the form and nothing closes; success closes the form with what was done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Select, Static

from sagedeck.aws.manage.fields import CREATE, NAME_KEY, FieldSpec, Kind, fields, platforms
from sagedeck.aws.manage.requests import described_value, request_json_ready, update_params
from sagedeck.aws.manage.validate import (
    FIXED_AT_CREATION,
    NEW_INSTANCE,
    FieldError,
    validate_create,
    validate_update,
)
from sagedeck.errors import SagedeckError
from sagedeck.ui.safe_text import text_line, text_lines
from sagedeck.ui.screens.base import DeckScreen
from sagedeck.ui.screens.manage.choices import CHOSEN, offer_choices, offer_security_groups
from sagedeck.ui.screens.manage.field_row import FieldRow
from sagedeck.ui.screens.manage.request_screen import RequestScreen
from sagedeck.ui.screens.manage.request_text import request_body
from sagedeck.ui.screens.manage.values import Unparsed
from sagedeck.ui.widgets.footer import DeckFooter

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from sagedeck.aws.manage.choices import Choices
    from sagedeck.aws.services import AwsServices

Verb = Literal["create", "clone", "edit"]
TITLES: dict[Verb, str] = {
    "create": "Create a notebook instance",
    "clone": "Clone {source}",
    "edit": "Edit {source}",
}
SHRINK_NOTE = "grow only; clone for a smaller one"


@dataclass(frozen=True, slots=True)
class FormPlan:
    """What the form starts from: ``initial`` request members (a clone's settings), or the
    instance's describe answer (``current``, to edit it)."""

    verb: Verb
    regions: tuple[str, ...]
    region: str
    initial: Mapping[str, Any] = field(default_factory=dict)
    current: Mapping[str, Any] | None = None
    source: str = ""  # the instance cloned or edited
    # Several profiles listed: the one the request goes to (named in the preview), and, to
    # create, the ones to choose from (the services given are then all of them).
    profile: str | None = None
    profiles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FormOutcome:
    """What the form did: ``verb`` ("create", "clone" or "edit") on ``name`` in ``region``
    (of ``profile``, when several are listed)."""

    verb: Verb
    region: str
    name: str
    profile: str | None = None


def _lock_reason(plan: FormPlan, spec: FieldSpec) -> str:
    """Why ``spec`` cannot be set in this form ("": it can)."""
    if not spec.supported:
        return spec.unsupported_reason or "no longer supported"
    if plan.verb != "edit":
        return ""
    if spec.key == NAME_KEY:
        return "the name cannot change: clone it under a new one"
    if spec.key == "Tags":
        return "tags change at once: t on the dashboard"
    if spec.key in FIXED_AT_CREATION or not spec.on_update:
        return NEW_INSTANCE
    return ""


class InstanceForm(DeckScreen[FormOutcome | None]):
    CSS_PATH = "form.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="form_cancel"),
        Binding("ctrl+s", "submit", "Send", id="form_submit"),
        # `q` quits the dashboard; here (a list focused, not a text field) it would throw away
        # what was typed: it says how to leave instead.
        Binding("q", "hold_quit", show=False, id="form_hold_quit"),
    ]

    def __init__(self, services: AwsServices, plan: FormPlan) -> None:
        super().__init__()
        self.services = services
        self.plan = plan
        self.aws_region = plan.region
        self.profile = plan.profile
        self.choices: Choices | None = None
        self.errors: list[FieldError] = []
        self.sent = 0  # requests sent to AWS (tests)
        self._aws_error = ""
        self._sending = False

    # --- composing ------------------------------------------------------------------------

    def _specs(self) -> list[FieldSpec]:
        edit = self.plan.verb == "edit"
        return [
            spec
            for spec in fields()
            if spec.kind is not Kind.FLAG and (spec.on_create or (edit and spec.on_update))
        ]

    def _initial(self, spec: FieldSpec) -> Any:
        if self.plan.current is not None:
            return described_value(self.plan.current, spec.key)
        return self.plan.initial.get(spec.key)

    def compose(self) -> ComposeResult:
        plan = self.plan
        title = TITLES[plan.verb].format(source=plan.source)
        yield Static(text_line(title), id="form-title")
        with VerticalScroll(id="form"):
            if plan.profile is not None:
                yield from self._profile_line()
            with Horizontal(classes="field-line", id="region-line"):
                yield Label("Region", classes="field-label")
                if plan.verb != "edit" and (len(plan.regions) > 1 or len(plan.profiles) > 1):
                    regions = [(text_line(region), region) for region in plan.regions]
                    yield Select(
                        regions, value=plan.region, allow_blank=False, compact=True, id="region"
                    )
                else:
                    yield Label(text_line(plan.region), id="region-fixed")
            for spec in self._specs():
                locked = _lock_reason(plan, spec)
                note = SHRINK_NOTE if plan.verb == "edit" and spec.key == "VolumeSizeInGB" else ""
                yield FieldRow(
                    spec,
                    self._initial(spec),
                    choosing=spec.key in CHOSEN and not locked,
                    locked=locked,
                    note=note,
                )
        with Vertical(id="form-footer"):
            yield Static("", id="form-status")
            with Horizontal(id="form-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button(
                    _submit_label(plan.verb),
                    id="submit",
                    variant="primary",
                    disabled=True,
                    compact=True,
                )
        yield DeckFooter()

    def _profile_line(self) -> ComposeResult:
        with Horizontal(classes="field-line", id="profile-line"):
            yield Label("Profile", classes="field-label")
            if len(self.plan.profiles) > 1:
                profiles = [(text_line(profile), profile) for profile in self.plan.profiles]
                yield Select(
                    profiles, value=self.profile, allow_blank=False, compact=True, id="profile"
                )
            else:
                yield Label(text_line(str(self.profile)), id="profile-fixed")

    def on_mount(self) -> None:
        platform = self.row("PlatformIdentifier")
        if platform is not None and not platform.locked:
            platform.set_choices([(p, p) for p in platforms()])
        first = next((row for row in self.query(FieldRow) if not row.locked), None)
        if first is not None:
            first.editor.focus()
        self.validate()
        self.load_choices()

    def row(self, key: str) -> FieldRow | None:
        rows = self.query(f"#field-{key}").results(FieldRow)
        return next(rows, None)

    # --- the account's choices ------------------------------------------------------------

    @property
    def target_services(self) -> AwsServices:
        """The services of the profile the request goes to."""
        if self.plan.profiles and self.profile is not None:
            return self.services.for_profile(self.profile)
        return self.services

    @work(
        name="choices",
        group="choices",
        description="list what the form offers",
        exclusive=True,
        exit_on_error=False,
    )
    async def load_choices(self) -> None:
        from sagedeck.aws.manage.choices import account_choices

        region, services = self.aws_region, self.target_services
        choices = await account_choices(services, region)
        if not self.is_attached:
            return  # the form closed (or the app quit) meanwhile: nothing to fill in
        if (region, services) != (self.aws_region, self.target_services):
            return  # the region or profile changed meanwhile: its own load follows
        self.choices = choices
        offer_choices(self, choices)
        self.validate()

    @on(Select.Changed, "#region")
    def _region_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.aws_region:
            self.aws_region = event.value
            self._choices_again()

    @on(Select.Changed, "#profile")
    def _profile_changed(self, event: Select.Changed) -> None:
        """Another account: its regions offered (the region kept when it has it), and what
        it holds to choose from read again."""
        if not isinstance(event.value, str) or event.value == self.profile:
            return
        self.profile = event.value
        regions = self.target_services.conn.regions
        if self.aws_region not in regions:
            self.aws_region = regions[0]
        select = self.query_one("#region", Select)
        select.set_options([(text_line(region), region) for region in regions])
        select.value = self.aws_region
        self._choices_again()

    def _choices_again(self) -> None:
        for row in self.query(FieldRow):
            if row.spec.key in CHOSEN and not row.locked:
                row.set_choices(None, "loading choices…")
        self.load_choices()

    # --- validation -----------------------------------------------------------------------

    def wanted(self) -> dict[str, Any]:
        """What the form holds: every member it may send (None: empty)."""
        return {row.spec.key: row.value() for row in self.query(FieldRow) if not row.locked}

    def request(self) -> dict[str, Any]:
        """The members the request will carry: the non-empty ones to create; to edit, only
        what changed (and the Disassociate* flags for what was emptied)."""
        wanted = self.wanted()
        if self.plan.current is not None:
            return update_params(self.plan.current, wanted)
        return {key: value for key, value in wanted.items() if value is not None}

    def validate(self) -> list[FieldError]:
        wanted = self.wanted()
        unparsed = [
            FieldError(key, value.reason)
            for key, value in wanted.items()
            if isinstance(value, Unparsed)
        ]
        if unparsed:
            errors = unparsed
        elif self.plan.current is not None:
            errors = validate_update(self.plan.current, self.request())
        else:
            errors = validate_create(self.request())
        self.errors = errors
        by_field: dict[str, str] = {}
        for error in errors:
            by_field.setdefault(error.field, error.message)
        for row in self.query(FieldRow):
            row.show_error(by_field.get(row.spec.key, "") if row.touched else "")
        self.query_one("#submit", Button).disabled = bool(errors)
        self._show_status()
        return errors

    def _show_status(self) -> None:
        status = self.query_one("#form-status", Static)
        if self._aws_error:
            status.update(text_line(self._aws_error, style="bold red"))
        elif self.plan.current is not None and not self.request():
            status.update(Text("nothing changed yet", style="dim"))
        elif self.errors:
            status.update(_problems(self.errors))
        else:
            status.update(Text("ready: ctrl+s or the button sends it", style="green"))

    def on_field_row_edited(self, event: FieldRow.Edited) -> None:
        self._aws_error = ""  # a new attempt
        if event.row.spec.key == "SubnetId" and self.choices is not None:
            offer_security_groups(self, self.choices)
        self.validate()

    # --- sending --------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            self.action_submit()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_hold_quit(self) -> None:
        self.notify("esc leaves the form (what it holds is lost); ctrl+s sends it", title="Form")

    def action_submit(self) -> None:
        if not self._sending and not self.validate():
            self._sending = True
            self.send()

    def _instance_name(self, request: Mapping[str, Any]) -> str:
        return self.plan.source if self.plan.verb == "edit" else str(request.get(NAME_KEY, ""))

    @work(name="send", group="send", description="send the request", exit_on_error=False)
    async def send(self) -> None:
        request = self.request()
        name = self._instance_name(request)
        edit = self.plan.verb == "edit"
        shown = request_json_ready({NAME_KEY: name, **request} if edit else request)
        operation = "update-notebook-instance" if edit else "create-notebook-instance"
        question = _question(self.plan, name, self.aws_region, self.profile)
        confirmed = await self.app.push_screen_wait(
            RequestScreen(
                _submit_label(self.plan.verb),
                question,
                request_body(operation, self.aws_region, shown, self.profile),
                _submit_label(self.plan.verb),
            )
        )
        if not confirmed:
            self._sending = False
            return
        self.query_one("#submit", Button).disabled = True
        self.query_one("#form-status", Static).update(Text("sending…", style="italic"))
        manage = self.target_services.manage
        try:
            self.sent += 1
            if edit:
                await manage.update(self.aws_region, name, request)
            else:
                await manage.create(self.aws_region, request)
        except SagedeckError as err:
            self._aws_error = str(err)
            self.validate()
            return
        finally:
            self._sending = False
        self.dismiss(FormOutcome(self.plan.verb, self.aws_region, name, self.profile))


def _submit_label(verb: Verb) -> str:
    return "Save changes" if verb == "edit" else "Create"


def _question(plan: FormPlan, name: str, region: str, profile: str | None) -> str:
    where = region if profile is None else f"{region} (profile {profile})"
    if plan.verb == "edit":
        return f"Change {name} in {where}? It stays Stopped: start it to use the new settings."
    clone = f", a clone of {plan.source}" if plan.verb == "clone" else ""
    return f"Create {name} in {where}{clone}? AWS starts it at once (and bills it)."


def _problems(errors: list[FieldError]) -> Text:
    """ "To fix: Name: is required · ..." (the first few)."""
    labels = {spec.key: spec.label for spec in fields()}
    said = [
        f"{labels.get(error.field, error.field)}: {error.message}" if error.field else error.message
        for error in errors[:3]
    ]
    more = f" · and {len(errors) - 3} more" if len(errors) > 3 else ""
    text = text_lines("To fix: " + " · ".join(said) + more, style="yellow")
    return text


__all__ = ["CREATE", "FormOutcome", "FormPlan", "InstanceForm"]
