"""Command palette (``ctrl+p`` or ``:``): every dashboard action that applies now, and
"jump to" each instance by name. The dashboard lists this provider in its ``COMMANDS``, so the
palette offers it only there, on the dashboard it was opened from."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from sagedeck.ui.keys import DASHBOARD_BINDINGS

if TYPE_CHECKING:
    from sagedeck.models import NotebookSummary

# Bindings that make no sense from a palette (they move the cursor or edit the filter).
NOT_IN_PALETTE = frozenset({"cursor_down", "cursor_up", "cursor_top", "cursor_bottom", "back"})


@runtime_checkable
class CommandSource(Protocol):
    """The screen the palette was opened from, as the commands see it (the dashboard)."""

    @property
    def current(self) -> NotebookSummary | None: ...

    @property
    def notebooks(self) -> Mapping[str, NotebookSummary]: ...

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None: ...

    def jump_to(self, key: str) -> None: ...


class SagedeckCommands(Provider):
    def _dashboard(self) -> CommandSource | None:
        screen = self.screen
        return screen if isinstance(screen, CommandSource) else None

    def _actions(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        dashboard = self._dashboard()
        if dashboard is None:
            return
        current = dashboard.current
        for binding in DASHBOARD_BINDINGS:
            if binding.id in NOT_IN_PALETTE or not binding.description:
                continue
            name, params = _split(binding.action)
            if dashboard.check_action(name, params) is not True:
                continue
            title = binding.description
            if current is not None and binding.id in _PER_INSTANCE:
                title = f"{title}: {current.name}"
            key = self.app.get_key_display(binding)
            yield (
                title,
                f"key {key}",
                partial(self.app.run_action, binding.action, self.screen),
            )

    def _jumps(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        dashboard = self._dashboard()
        if dashboard is None:
            return
        for key, notebook in dashboard.notebooks.items():
            yield (
                f"Jump to {notebook.name} ({notebook.region})",
                f"{notebook.status.value}, {notebook.instance_type}",
                partial(dashboard.jump_to, key),
            )

    async def discover(self) -> Hits:
        for title, help_text, command in self._actions():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, command in (*self._actions(), *self._jumps()):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, text=title, help=help_text)


_PER_INSTANCE = frozenset(
    {
        "start",
        "stop",
        "delete",
        "open_lab",
        "open_classic",
        "copy_url_lab",
        "copy_url_classic",
        "copy_name",
        "copy_arn",
        "copy_proxy",
        "logs",
        "shell",
        "port_forward",
        "doctor",
        "mark",
    }
)


def _split(action: str) -> tuple[str, tuple[object, ...]]:
    """``open('lab')`` -> ``("open", ("lab",))``, as check_action receives it."""
    from textual.actions import parse

    _namespace, name, params = parse(action)
    return name, params
