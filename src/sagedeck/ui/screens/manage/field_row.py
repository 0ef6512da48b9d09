"""One field of the instance form: its label, an editor that fits the field's kind, and one
line under it for the error, the field's constraint and doc (while it has focus) or a note.

Editors by kind: free text (``Input``); one of the model's values (``Select``); one of the
account's (a ``Select`` once the choices have loaded, with "type another value…" to go back to
free text; free text until then, or for good when they could not be listed); several of the
account's (a ``SelectionList``, free text likewise); tags (a ``TextArea``, ``key=value`` a line).
Every label and option is AWS's or the model's text: shown through ``safe_text``, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, SelectionList, Static, TextArea
from textual.widgets.selection_list import Selection

from sagedeck.aws.manage.fields import FieldSpec, Kind
from sagedeck.ui.safe_text import text_line, text_lines
from sagedeck.ui.screens.manage import values

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.events import DescendantBlur, DescendantFocus

# The option of an account-choice Select that goes back to typing a value.
OTHER = "\x00other"
Choice = tuple[str, str]  # (what the option shows, the value sent)


def constraint(spec: FieldSpec) -> str:
    """The model's constraint on ``spec``, in words."""
    parts: list[str] = ["required"] if spec.required else []
    low, high = spec.minimum, spec.maximum
    if spec.kind is Kind.INT and (low is not None or high is not None):
        parts.append(f"{low if low is not None else '…'} to {high if high is not None else '…'}")
    elif spec.kind in (Kind.LIST, Kind.TAGS) and high is not None:
        parts.append(f"at most {high}")
    elif spec.kind is Kind.TEXT and high is not None:
        parts.append(f"up to {high} characters")
    if spec.kind is Kind.TAGS:
        parts.append("key=value a line; aws: keys are AWS's")
    if spec.kind is Kind.LIST and not spec.choices:
        parts.append("several: separate with spaces or commas")
    return ", ".join(parts)


class FieldRow(Vertical):
    """The editor of one ``FieldSpec``. ``value()`` is the request member (None: not sent;
    :class:`values.Unparsed`: text that is no value yet)."""

    class Edited(Message):
        """The field's value changed, or it lost focus: the form validates again."""

        def __init__(self, row: FieldRow) -> None:
            super().__init__()
            self.row = row

    def __init__(
        self,
        spec: FieldSpec,
        value: Any = None,
        *,
        choosing: bool = False,
        locked: str = "",
        note: str = "",
    ) -> None:
        super().__init__(classes="field", id=f"field-{spec.key}")
        self.spec = spec
        self.initial = value
        self.choosing = choosing  # the account's choices will come (set_choices)
        self.locked = locked
        self.note = note or locked
        self.touched = False
        self._error = ""
        self._focused = False
        self._mode = self._first_mode()

    def _first_mode(self) -> str:
        kind = self.spec.kind
        if self.locked and kind is not Kind.TAGS:
            return "text"  # shown as it is, greyed: no list of what cannot be chosen
        if kind is Kind.TAGS:
            return "tags"
        if kind in (Kind.ENUM, Kind.FLAG_ENUM, Kind.IMDS) or (
            kind is Kind.TEXT and self.spec.choices
        ):
            return "select"
        if kind is Kind.LIST and self.spec.choices:
            return "multi"
        return "text"  # and an account's choices, until they come

    # --- composing ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        spec = self.spec
        label = text_line(spec.label)
        if spec.required:
            label.append(" *", style="bold")
        disabled = bool(self.locked)
        with Horizontal(classes="field-line"):
            yield Label(label, classes="field-label")
            if self._mode == "tags":
                yield TextArea(
                    values.to_text(spec.kind, self.initial),
                    soft_wrap=True,
                    compact=True,
                    disabled=disabled,
                    id="editor-tags",
                )
            else:
                yield Input(
                    values.to_text(spec.kind, self.initial),
                    placeholder="loading choices…" if self.choosing and not disabled else "",
                    type="integer" if spec.kind is Kind.INT else "text",
                    compact=True,
                    disabled=disabled,
                    id="editor-text",
                )
                yield Select[str](
                    [],
                    prompt=self._prompt(),
                    compact=True,
                    disabled=disabled,
                    id="editor-select",
                )
                yield SelectionList[str](compact=True, disabled=disabled, id="editor-multi")
        yield Static("", classes="field-hint")

    def _prompt(self) -> str:
        if self.spec.required:
            return "choose one"
        return "not set (AWS's default: Enabled)" if self.spec.kind is Kind.FLAG_ENUM else "not set"

    def on_mount(self) -> None:
        initial = values.to_choices(self.spec.kind, self.initial)
        if self._mode == "select":
            self._fill_select([(c, c) for c in self.spec.choices], initial[0] if initial else None)
        elif self._mode == "multi":
            self._fill_multi([(c, c) for c in self.spec.choices], initial)
        self._show_mode()
        self._show_hint()

    # --- the account's choices ------------------------------------------------------------

    def set_choices(self, choices: Sequence[Choice] | None, reason: str = "") -> None:
        """The account's choices for this field: a Select (or SelectionList) of them, the
        current value kept; or, when they could not be listed (``None``) or there are none,
        free text (the current value in it) and ``reason`` beside the field."""
        current = self.value()
        current = None if isinstance(current, values.Unparsed) else current
        self.choosing = False
        text = self.query_one("#editor-text", Input)
        text.placeholder = ""
        if not choices:
            if self._mode in ("select", "multi"):
                text.value = values.to_text(self.spec.kind, current)
                self._mode = "text"
            self.note = self.locked or reason
        else:
            chosen = values.to_choices(self.spec.kind, current)
            if self.spec.kind is Kind.LIST:
                self._fill_multi(choices, chosen)
                self._mode = "multi"
            else:
                self._fill_select(choices, chosen[0] if chosen else None)
                self._mode = "select"
            self.note = self.locked
        self._show_mode()
        self._show_hint()

    def _fill_select(self, choices: Sequence[Choice], chosen: str | None) -> None:
        options = [(text_line(label), value) for label, value in choices]
        if chosen is not None and chosen not in {value for _, value in choices}:
            options.insert(0, (text_line(chosen), chosen))  # the instance's, not listed now
        if self.spec.kind is Kind.TEXT and not self.locked:
            options.append((Text("type another value…", style="italic"), OTHER))
        select = self.query_one("#editor-select", Select)
        select.set_options(options)
        if chosen is not None:
            select.value = chosen

    def _fill_multi(self, choices: Sequence[Choice], chosen: Sequence[str]) -> None:
        known = {value for _, value in choices}
        missing = [(value, value) for value in chosen if value not in known]
        multi = self.query_one("#editor-multi", SelectionList)
        multi.clear_options()
        multi.add_options(
            [
                Selection(text_line(label), value, value in chosen)
                for label, value in [*missing, *choices]
            ]
        )

    def _show_mode(self) -> None:
        if self._mode == "tags":
            return
        for mode in ("text", "select", "multi"):
            self.query_one(f"#editor-{mode}").display = self._mode == mode

    # --- the value ------------------------------------------------------------------------

    def value(self) -> Any:
        kind = self.spec.kind
        if self._mode == "tags":
            return values.from_text(kind, self.query_one(TextArea).text)
        if self._mode == "select":
            chosen = self.query_one("#editor-select", Select).selection
            return values.from_choice(kind, None if chosen == OTHER else chosen)
        if self._mode == "multi":
            return values.from_choice(kind, list(self.query_one(SelectionList).selected))
        return values.from_text(kind, self.query_one("#editor-text", Input).value)

    @property
    def editor(self) -> Input | Select[str] | SelectionList[str] | TextArea:
        if self._mode == "tags":
            return self.query_one(TextArea)
        if self._mode == "select":
            return self.query_one("#editor-select", Select)
        if self._mode == "multi":
            return self.query_one("#editor-multi", SelectionList)
        return self.query_one("#editor-text", Input)

    # --- the hint line --------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        if message != self._error:
            self._error = message
            self.set_class(bool(message), "-invalid")
            self._show_hint()

    def _show_hint(self) -> None:
        hint = self.query_one(".field-hint", Static)
        shown = text_lines(self._error, style="bold red") if self._error else Text()
        if self._focused:  # what the field takes, under the reason it is wrong
            about = (self.note, constraint(self.spec), self.spec.doc)
            shown.append_text(Text("\n" if self._error else ""))
            shown.append_text(text_lines(" · ".join(part for part in about if part)))
        elif not self._error:
            shown = text_lines(self.note)
        hint.update(shown)
        hint.display = bool(self._error or self._focused or self.note)

    # --- events ---------------------------------------------------------------------------

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        self._focused = True
        self._show_hint()

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        self._focused = False
        if not self.touched:
            self.touched = True
            self.post_message(self.Edited(self))
        self._show_hint()

    @on(Select.Changed, "#editor-select")
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        if event.value == OTHER:
            self._mode = "text"
            self._show_mode()
            self.query_one("#editor-text", Input).focus()
        self._edited()

    @on(Input.Changed, "#editor-text")
    @on(TextArea.Changed)
    @on(SelectionList.SelectedChanged)
    def _typed(self, event: Message) -> None:
        event.stop()
        self._edited()

    def _edited(self) -> None:
        if self.is_mounted:
            self.touched = self.touched or self.value() != self._initial_value()
            self.post_message(self.Edited(self))

    def _initial_value(self) -> Any:
        return values.from_text(self.spec.kind, values.to_text(self.spec.kind, self.initial))
