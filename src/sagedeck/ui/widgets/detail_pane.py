"""The detail pane: everything about the selected instance, each part loaded on its own.

Parts load in one worker per selection (exclusive: moving on cancels the previous load),
lazily (only while the pane is shown, after the cursor rests for a moment) and are cached
until the instance's status or last-modified time changes, or a manual refresh.
A part the user may not read shows "not allowed: iam:GetRole"; the others still load. The
parts and their loaders are ``aws/details.PARTS``, the table ``sagedeck show`` loads too.

A cursor move must stay cheap (j/k held down on 1,000 rows): a cached instance shows at once
from parts rendered earlier (``CachedRichVisual``), an uncached one shows its overview and
waits for the cursor to rest before loading; a part is only updated when what it shows
changed, and without a layout of the screen when its height stays the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from sagedeck.aws import details
from sagedeck.errors import SagedeckError
from sagedeck.models import JupyterActivity, NotebookDetail, NotebookStatus, NotebookSummary
from sagedeck.text.format import age
from sagedeck.ui.messages import DetailLoaded
from sagedeck.ui.widgets import detail_render as render
from sagedeck.ui.widgets.cached_visual import CachedRichVisual

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.timer import Timer

    from sagedeck.aws.services import AwsServices
    from sagedeck.jupyter.activity import ActivityReader

DEBOUNCE_SECONDS = 0.12  # holding j/k must not fire a load per row
CACHED_INSTANCES = 256  # instances whose parts are kept (oldest forgotten first)
SHORT_LINE = 40  # a Text this short fits the pane's width on one line, right or bottom


@dataclass
class _Entry:
    stamp: tuple[object, ...]
    detail: NotebookDetail | None = None
    describe_error: str | None = None
    parts: dict[str, details.Part[Any]] = field(default_factory=dict)
    # What each part showed, rendered: shown again as is when the cursor comes back.
    shown: dict[tuple[str, bool], RenderableType] = field(default_factory=dict)


class DetailPane(VerticalScroll, can_focus=True):
    """Shows one notebook instance; ``show()`` on every selection change or refresh."""

    def __init__(
        self,
        services: Callable[[], AwsServices],
        clock: Callable[[], datetime],
        ssm_tag_key: str = "SSHResourceName",
        *,
        jupyter: Callable[[], ActivityReader] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        # The parts loaded: AWS's, and the Jupyter server's when its activity is read.
        self._jupyter = jupyter
        self._parts: tuple[details.DetailPart, ...] = details.PARTS
        if jupyter is not None:
            self._parts += (details.DetailPart("jupyter", self._load_jupyter, reported=False),)
        self._shown_parts = render.PARTS + ((render.JUPYTER_PART,) if jupyter else ())
        self._services = services
        self._clock = clock
        self._ssm_tag_key = ssm_tag_key
        self._cache: dict[str, _Entry] = {}
        self._notebook: NotebookSummary | None = None
        self._timer: Timer | None = None
        self._shown: dict[str, RenderableType] = {}  # what each part's Static shows now
        self._heights: dict[str, tuple[int, int] | None] = {}  # and at which width, how high
        self._placeholders: dict[int, Text] = {}  # "loading…", by height
        self._overviews: dict[str, tuple[tuple[object, ...], RenderableType]] = {}
        self.loads = 0  # how many loads started (tests and the cache's proof)
        self.layouts = 0  # part updates that needed a layout of the screen (tests)

    def compose(self) -> ComposeResult:
        yield Static(Text("no instance selected", style="dim"), id="detail-empty")
        for part, title in self._shown_parts:
            yield Static(title, classes="part-title", id=f"title-{part}")
            yield Static(render.LOADING, classes="part", id=f"part-{part}")

    @property
    def notebook(self) -> NotebookSummary | None:
        return self._notebook

    def invalidate(self) -> None:
        """Forget every cached part (a manual refresh)."""
        self._cache.clear()
        self._overviews.clear()

    def show(self, notebook: NotebookSummary | None) -> None:
        """Show ``notebook``; loads what is not cached once the cursor rests.

        Called on every cursor move and every refresh: cheap when nothing changed.
        """
        previous, self._notebook = self._notebook, notebook
        self.set_class(notebook is None, "-empty")
        if notebook is None:
            return
        moved = previous is None or previous.key != notebook.key
        if moved:
            self.scroll_home(animate=False)
        entry = self._cache.get(str(notebook.key))
        if entry is not None and entry.stamp == _stamp(notebook):
            self._render_all(notebook, entry)
            return
        self._render_all(notebook, None)
        if not self.display or (self._timer is not None and not moved):
            return  # hidden; or a refresh while the cursor rests: the load is on its way
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self._load_current)

    def loaded(self, key: str) -> bool:
        """Whether every part of the instance ``key`` has answered (or failed): what the
        screenshots wait for before they are taken."""
        entry = self._cache.get(key)
        if entry is None or (entry.detail is None and entry.describe_error is None):
            return False
        return all(part.key in entry.parts for part in self._parts)

    def on_show(self) -> None:
        if self._notebook is not None:
            self.show(self._notebook)

    def _load_current(self) -> None:
        self._timer = None
        notebook = self._notebook
        if notebook is None or not self.display:
            return
        key = str(notebook.key)
        entry = self._cache.get(key)
        if entry is not None and entry.stamp == _stamp(notebook):
            return
        entry = _Entry(_stamp(notebook))
        self._cache.pop(key, None)
        self._cache[key] = entry
        while len(self._cache) > CACHED_INSTANCES:
            del self._cache[next(iter(self._cache))]
        self.loads += 1
        self.run_worker(
            self._load(notebook, entry),
            name=f"detail {notebook.name}",
            group="detail",
            description=f"details of {notebook.name}",
            exclusive=True,
            exit_on_error=False,
        )

    async def _load(self, notebook: NotebookSummary, entry: _Entry) -> None:
        services = self._services().of(notebook.key)  # the profile that listed it
        try:
            entry.detail = await services.sagemaker.describe(notebook.key)
        except SagedeckError as err:
            entry.describe_error = str(err)
        else:
            self.post_message(DetailLoaded(entry.detail))
        self._render_part(notebook, entry, render.OVERVIEW)
        subject = details.Subject(notebook, entry.detail, entry.describe_error)

        async def one(part: details.DetailPart) -> None:
            try:
                loaded = await details.load_part(part, services, subject)
            except Exception as err:  # a bug in one part must not blank the others
                loaded = details.Part(error=f"{type(err).__name__}: {err}")
            entry.parts[part.key] = loaded
            self._render_part(notebook, entry, part.key)

        await asyncio.gather(*(one(part) for part in self._parts))

    async def _load_jupyter(
        self, _services: AwsServices, subject: details.Subject
    ) -> JupyterActivity | None:
        """The Jupyter part: the shared reader's (cached) activity; None when not InService."""
        if self._jupyter is None or subject.summary.status is not NotebookStatus.IN_SERVICE:
            return None
        reading = await self._jupyter().read(subject.summary.key)
        if reading.activity is None:
            raise SagedeckError(reading.error or "the Jupyter server did not answer")
        return reading.activity

    def _render_all(self, notebook: NotebookSummary, entry: _Entry | None) -> None:
        with self.app.batch_update():
            for part, _title in self._shown_parts:
                self._render_part(notebook, entry, part)

    def _render_part(self, notebook: NotebookSummary, entry: _Entry | None, part: str) -> None:
        current = self._notebook
        if current is None or current.key != notebook.key:
            return  # the cursor moved on while this part loaded
        static = self.query_one(f"#part-{part}", Static)
        width = static.content_size.width
        shown = self._renderable(current, entry, part)
        if shown is render.LOADING:  # as high as what it replaces: nothing below it moves
            was = self._heights.get(part)
            shown = self._loading(was[1] if was is not None and was[0] == width else 1)
        if shown is self._shown.get(part):
            return
        height = _height(shown, width)
        # The same height: repaint the part in place, without a layout of the whole screen.
        layout = height is None or self._heights.get(part) != (width, height)
        self._shown[part] = shown
        self._heights[part] = (width, height) if height is not None else None
        self.layouts += layout
        static.update(shown, layout=layout)

    def _loading(self, height: int) -> Text:
        placeholder = self._placeholders.get(height)
        if placeholder is None:
            placeholder = render.LOADING.copy()
            placeholder.append("\n" * (height - 1))
            self._placeholders[height] = placeholder
        return placeholder

    def _renderable(
        self, notebook: NotebookSummary, entry: _Entry | None, part: str
    ) -> RenderableType:
        """What ``part`` shows, the same object as last time when nothing changed."""
        if part == render.OVERVIEW:
            return self._overview_of(notebook, entry)
        loaded = entry.parts.get(part) if entry is not None else None
        if entry is None or loaded is None:
            return render.LOADING
        dark = self.app.current_theme.dark
        shown = entry.shown.get((part, dark))
        if shown is None:
            shown = entry.shown[(part, dark)] = self._cached(
                part, self._render_loaded(loaded, entry.detail, part, dark)
            )
        return shown

    def _overview_of(self, notebook: NotebookSummary, entry: _Entry | None) -> RenderableType:
        detail = entry.detail if entry is not None else None
        error = entry.describe_error if entry is not None else None
        now = self._clock()
        # The overview shows ages: it changes with them, not on every refresh.
        stamp = (
            notebook,
            detail,
            error,
            age(notebook.last_modified, now),
            age(notebook.created, now),
        )
        key = str(notebook.key)
        kept = self._overviews.pop(key, None)
        if kept is None or kept[0] != stamp:
            shown: RenderableType = render.overview(notebook, detail, now)
            if error:
                shown = Group(render.error_text(error), shown)
            kept = (stamp, self._cached("overview", shown))
        self._overviews[key] = kept  # the most recently shown last
        while len(self._overviews) > CACHED_INSTANCES:
            del self._overviews[next(iter(self._overviews))]
        return kept[1]

    def _cached(self, part: str, renderable: RenderableType) -> RenderableType:
        if _one_line(renderable):
            return renderable  # Textual's own Content: cheap, and one line high at any width
        return CachedRichVisual(self.query_one(f"#part-{part}", Static), renderable)

    def _render_loaded(
        self, loaded: details.Part[Any], detail: NotebookDetail | None, part: str, dark: bool
    ) -> RenderableType:
        if loaded.error is not None:
            return render.error_text(loaded.error)
        context = render.PartContext(detail, dark, self._ssm_tag_key)
        return render.VIEWS[part].render(loaded.value, context)


def _height(shown: RenderableType, width: int) -> int | None:
    """How high ``shown`` is at ``width`` (rendered once, kept), or None if not known."""
    if width <= 0:
        return None  # not laid out yet, or hidden
    if isinstance(shown, CachedRichVisual):
        return shown.height_at(width)
    if isinstance(shown, Text):
        lines = shown.plain.split("\n")
        if all(cell_len(line) <= width for line in lines):
            return len(lines)
    return None


def _one_line(shown: RenderableType) -> bool:
    return isinstance(shown, Text) and "\n" not in shown.plain and shown.cell_len <= SHORT_LINE


def _stamp(notebook: NotebookSummary) -> tuple[object, ...]:
    return (notebook.status, notebook.last_modified)
