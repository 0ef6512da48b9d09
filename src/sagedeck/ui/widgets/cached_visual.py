"""A Rich renderable that is rendered once per width, for content shown again and again.

Textual renders a Rich renderable in a ``Static`` twice per layout (once to measure its height,
once to draw it) and again on every ``update()``. The detail pane shows the same parts each
time the cursor comes back to an instance: kept in this wrapper, they cost a lookup instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.visual import RichVisual

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.css.styles import RulesMap
    from textual.strip import Strip
    from textual.style import Style
    from textual.visual import RenderOptions
    from textual.widget import Widget


class CachedRichVisual(RichVisual):
    """``RichVisual`` with its heights and strips kept; also a Rich renderable itself."""

    def __init__(self, widget: Widget, renderable: RenderableType) -> None:
        super().__init__(widget, renderable)
        self._heights: dict[int, int] = {}
        self._strips: dict[tuple[int, int | None, Style], list[Strip]] = {}

    def __rich__(self) -> RenderableType:
        return self._renderable

    def height_at(self, width: int) -> int:
        """The height at ``width``, as the layout will find it (rendered once per width)."""
        # As Widget.get_content_height passes it; RichVisual reads no rule from it.
        return self.get_height(cast("RulesMap", self._widget.styles), width)

    def get_height(self, rules: RulesMap, width: int) -> int:
        height = self._heights.get(width)
        if height is None:
            height = self._heights[width] = super().get_height(rules, width)
        return height

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        key = (width, height, style)
        strips = self._strips.get(key)
        if strips is None:
            if len(self._strips) > 8:  # widths seen: a resize or two, the pane flipped
                self._strips.clear()
            strips = self._strips[key] = super().render_strips(width, height, style, options)
        return strips
