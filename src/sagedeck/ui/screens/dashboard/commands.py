"""Command palette (``ctrl+p`` or ``:``): every dashboard action that applies now, and
"jump to" each instance by name. The dashboard lists this provider in its ``COMMANDS``, so the
palette offers it only there, on the dashboard it was opened from.

Textual's palette reads a ``str`` prompt or help as markup, and ``Matcher.highlight`` parses
its candidate as markup too: here every prompt and help is built as ``Content`` from sanitised
text (an instance's name is AWS's; a key comes from the user's keymap)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from sagedeck.text.sanitize import sanitize_line
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
                sanitize_line(title),
                f"key {sanitize_line(key)}",
                partial(self.app.run_action, binding.action, self.screen),
            )

    def _jumps(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        dashboard = self._dashboard()
        if dashboard is None:
            return
        for key, notebook in dashboard.notebooks.items():
            yield (
                sanitize_line(f"Jump to {notebook.name} ({notebook.region})"),
                sanitize_line(f"{notebook.status.value}, {notebook.instance_type}"),
                partial(dashboard.jump_to, key),
            )

    async def discover(self) -> Hits:
        for title, help_text, command in self._actions():
            yield DiscoveryHit(Content(title), command, text=title, help=_help(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, command in (*self._actions(), *self._jumps()):
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, _highlight(matcher, title), command, text=title, help=_help(help_text)
                )


def _help(text: str) -> str:
    """``text`` as a hit's help, never read as markup. The palette passes the help through
    ``Content.from_markup``, which returns a ``Content`` as it is (``help`` is typed ``str``;
    Textual's ``escape`` is no way out: it leaves ``[B]`` a style)."""
    return cast("str", Content(text))


def _highlight(matcher: Matcher, title: str) -> Content:
    """``matcher.highlight(title)`` without reading ``title`` as markup."""
    content = Content(title)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, title)
    for offset in offsets:
        if not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


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
        "shell_jupyter",
        "port_forward",
        "doctor",
        "mark",
        "edit",
        "tags",
    }
)


def _split(action: str) -> tuple[str, tuple[object, ...]]:
    """``open('lab')`` -> ``("open", ("lab",))``, as check_action receives it."""
    from textual.actions import parse

    _namespace, name, params = parse(action)
    return name, params
