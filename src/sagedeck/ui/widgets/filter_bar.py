"""The ``/`` filter line: a regex, live as typed; ``!`` inverts; enter keeps, escape clears."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input

from sagedeck.ui.messages import FilterChanged, FilterClosed
from sagedeck.ui.view.fleet import RowFilter


class FilterBar(Input):
    DEFAULT_CSS = """
    FilterBar { display: none; border: tall $accent; height: 3; }
    FilterBar.-open { display: block; }
    FilterBar.-invalid { border: tall $error; }
    """
    BINDINGS = [Binding("escape", "clear", "Clear filter", id="filter_clear")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            placeholder="filter: regex on every column; !regex keeps the rows that don't match",
            id=id,
        )

    def open(self) -> None:
        self.add_class("-open")
        # Now, not after a refresh (``focus()`` is deferred): keys typed right after "/" must
        # land here, not on the table's bindings.
        self.screen.set_focus(self)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.set_class(not RowFilter.parse(event.value).valid, "-invalid")
        self.post_message(FilterChanged(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.value:
            self.remove_class("-open")
        self.post_message(FilterClosed(cleared=False))

    def action_clear(self) -> None:
        self.value = ""
        self.remove_class("-open", "-invalid")
        self.post_message(FilterChanged(""))
        self.post_message(FilterClosed(cleared=True))
