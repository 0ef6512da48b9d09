"""The key footer: Textual's, without its cost per binding check and without its leak.

Textual 8.2's Footer removes and re-mounts every key whenever the screen publishes
``bindings_updated`` (each ``refresh_bindings()``, each focus change): 0.1-0.3 s of CPU with a
1,000-row table behind it. Each rebuild also leaves the removed keys in the Footer's watcher
list (``data_bind(compact=...)``), which Textual prunes only when ``compact`` changes
(Textualize/textual#6666): ~13 widgets and ~250 KiB kept per rebuild, for good.

So this footer rebuilds only when the keys it shows change; when only whether a key is enabled
changed (the cursor moved from a stopped instance to a running one) it greys or ungreys the
keys in place; and after a rebuild it drops the watchers of the keys it removed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import HorizontalGroup
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import ActiveBinding
    from textual.screen import Screen

HELP_ACTION = "help"

# What a key looks like in the footer, enabled or not: a change rebuilds the footer.
KeyLayout = tuple[str, str, str, str | None, str, object]


class DeckFooter(Footer):
    """A drop-in ``Footer``; ``rebuilds`` counts its recomposes (tests, and the leak's proof)."""

    DEFAULT_CSS = """
    DeckFooter #footer-right { dock: right; width: auto; border-left: vkey $foreground 20%; }
    DeckFooter #footer-right FooterKey { padding-right: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._layout: tuple[KeyLayout, ...] | None = None
        self.rebuilds = 0

    def compose(self) -> ComposeResult:
        # Remember what is composed from the bindings of this moment, not of the signal.
        if self._bindings_ready:
            self._layout = _layout(self.screen.active_bindings, self.app.COMMAND_PALETTE_BINDING)
        # ? goes beside the palette's key at the right, which no width cuts off: at 80
        # columns the instance keys before it would push it out of sight.
        help_key: FooterKey | None = None
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action == HELP_ACTION:
                help_key = widget
            elif isinstance(widget, FooterKey) and widget.has_class("-command-palette"):
                widget.remove_class("-command-palette")
                keys = [key for key in (help_key, widget) if key is not None]
                help_key = None
                yield HorizontalGroup(*keys, id="footer-right")
            else:
                yield widget
        if help_key is not None:  # no palette key: ? stays in the row
            yield help_key

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if (
            self._layout is None
            or not screen.app.app_focus
            or not self.is_attached
            or screen is not self.screen
        ):
            super().bindings_changed(screen)  # Textual's own rules for these cases
            return
        active = screen.active_bindings
        if _layout(active, self.app.COMMAND_PALETTE_BINDING) != self._layout:
            super().bindings_changed(screen)
            return
        # After the frame that shows what changed them (a cursor move): each key's new class is
        # a pass over the stylesheet (a few ms), which the moved cursor need not wait for.
        self.call_after_refresh(self._grey_keys, screen)

    def _grey_keys(self, screen: Screen[Any]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        active = screen.active_bindings
        for key in self.query(FooterKey):
            shown = active.get(key.key)
            if shown is None or shown.binding.action != key.action:
                continue
            disabled = not shown.enabled
            if key._disabled != disabled:  # read by FooterKey.on_mouse_down (bell if disabled)
                key._disabled = disabled
                key.set_class(disabled, "-disabled")

    async def recompose(self) -> None:
        self.rebuilds += 1
        await super().recompose()
        self.forget_removed_keys()

    def forget_removed_keys(self) -> None:
        """Drop the watcher entries of keys no longer mounted (Textualize/textual#6666)."""
        watchers: dict[str, list[tuple[Any, Any]]] = getattr(self, "__watchers", {})
        for entries in watchers.values():
            entries[:] = [
                (node, callback)
                for node, callback in entries
                if not (getattr(node, "_closing", False) or getattr(node, "_closed", False))
            ]

    def watcher_count(self) -> int:
        """Entries in this footer's watcher lists (what #6666 lets grow)."""
        watchers: dict[str, list[tuple[Any, Any]]] = getattr(self, "__watchers", {})
        return sum(len(entries) for entries in watchers.values())


def _layout(active: dict[str, ActiveBinding], palette_key: str) -> tuple[KeyLayout, ...]:
    return tuple(
        (
            key,
            shown.binding.action,
            shown.binding.description,
            shown.binding.key_display,
            shown.tooltip,
            shown.binding.group,
        )
        for key, shown in active.items()
        if shown.binding.show or key == palette_key
    )
