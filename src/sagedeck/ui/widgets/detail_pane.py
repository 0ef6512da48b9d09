"""The detail pane: everything about the selected instance, each part loaded on its own.

Parts load in one worker per selection (exclusive: moving on cancels the previous load),
lazily (only while the pane is shown, after the cursor rests for a moment) and are cached
until the instance's status or last-modified time changes, or a manual refresh.
A part the user may not read shows "not allowed: iam:GetRole"; the others still load.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from sagedeck.errors import SagedeckError
from sagedeck.models import NotebookDetail, NotebookSummary
from sagedeck.ui.messages import DetailLoaded
from sagedeck.ui.widgets import detail_render as render

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.timer import Timer

    from sagedeck.aws.details import Part
    from sagedeck.aws.services import AwsServices

DEBOUNCE_SECONDS = 0.15  # holding j/k must not fire a load per row


@dataclass
class _Entry:
    stamp: tuple[object, ...]
    detail: NotebookDetail | None = None
    describe_error: str | None = None
    parts: dict[str, Part[Any]] = field(default_factory=dict)


class DetailPane(VerticalScroll, can_focus=True):
    """Shows one notebook instance; ``show()`` on every selection change or refresh."""

    def __init__(
        self,
        services: Callable[[], AwsServices],
        clock: Callable[[], datetime],
        ssm_tag_key: str = "SSHResourceName",
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._services = services
        self._clock = clock
        self._ssm_tag_key = ssm_tag_key
        self._cache: dict[str, _Entry] = {}
        self._notebook: NotebookSummary | None = None
        self._timer: Timer | None = None
        self.loads = 0  # how many loads started (tests and the cache's proof)

    def compose(self) -> ComposeResult:
        yield Static(Text("no instance selected", style="dim"), id="detail-empty")
        for part, title in render.PARTS:
            yield Static(title, classes="part-title", id=f"title-{part}")
            yield Static(render.LOADING, classes="part", id=f"part-{part}")

    @property
    def notebook(self) -> NotebookSummary | None:
        return self._notebook

    def invalidate(self) -> None:
        """Forget every cached part (a manual refresh)."""
        self._cache.clear()

    def show(self, notebook: NotebookSummary | None) -> None:
        """Show ``notebook``; loads what is not cached once the cursor rests."""
        previous, self._notebook = self._notebook, notebook
        self.set_class(notebook is None, "-empty")
        if notebook is None:
            return
        if previous is None or previous.key != notebook.key:
            self.scroll_home(animate=False)
        if self._timer is not None:
            self._timer.stop()
        entry = self._cache.get(str(notebook.key))
        if entry is not None and entry.stamp == _stamp(notebook):
            self._render_all(notebook, entry)
            return
        self._render_all(notebook, None)
        if self.display:
            self._timer = self.set_timer(DEBOUNCE_SECONDS, self._load_current)

    def on_show(self) -> None:
        if self._notebook is not None:
            self.show(self._notebook)

    def _load_current(self) -> None:
        notebook = self._notebook
        if notebook is None or not self.display:
            return
        key = str(notebook.key)
        entry = self._cache.get(key)
        if entry is not None and entry.stamp == _stamp(notebook):
            return
        entry = _Entry(_stamp(notebook))
        self._cache[key] = entry
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
        from sagedeck.aws import details, iam, network

        services = self._services()
        key = notebook.key
        try:
            entry.detail = await services.sagemaker.describe(key)
        except SagedeckError as err:
            entry.describe_error = str(err)
        else:
            self.post_message(DetailLoaded(entry.detail))
        self._render_part(notebook, entry, "overview")
        detail = entry.detail

        async def needs_detail(call: Callable[[NotebookDetail], Awaitable[Any]]) -> Any:
            if detail is None:
                raise SagedeckError(f"needs DescribeNotebookInstance: {entry.describe_error}")
            return await call(detail)

        async def eni(d: NotebookDetail) -> Any:
            if not d.network_interface_id:
                return None
            return await network.network_interface(services.conn, d.network_interface_id, d.region)

        async def role(d: NotebookDetail) -> Any:
            return await iam.role(services.conn, d.role_arn, d.region) if d.role_arn else None

        async def lifecycle() -> Any:
            name = notebook.lifecycle_config
            return await services.sagemaker.lifecycle_config(name, key.region) if name else None

        async def repositories() -> Any:
            if detail is not None:
                return await details.repositories(services, detail)
            if notebook.default_code_repository or notebook.additional_code_repositories:
                raise SagedeckError(f"needs DescribeNotebookInstance: {entry.describe_error}")
            return ()

        async def ssm_node() -> Any:
            try:
                finder = services.ssm.find_node
            except (ImportError, AttributeError):
                raise SagedeckError("SSM support is not installed in this build") from None
            return await finder(notebook.name, key.region)

        calls: dict[str, Awaitable[Any]] = {
            "network": needs_detail(eni),
            "role": needs_detail(role),
            "lifecycle": lifecycle(),
            "repositories": repositories(),
            "tags": services.sagemaker.tags(notebook.arn, key.region),
            "ssm": ssm_node(),
        }

        async def one(part: str, call: Awaitable[Any]) -> None:
            entry.parts[part] = await _load_part(call)
            self._render_part(notebook, entry, part)

        await asyncio.gather(*(one(part, call) for part, call in calls.items()))

    def _render_all(self, notebook: NotebookSummary, entry: _Entry | None) -> None:
        with self.app.batch_update():
            for part, _title in render.PARTS:
                self._render_part(notebook, entry, part)

    def _render_part(self, notebook: NotebookSummary, entry: _Entry | None, part: str) -> None:
        current = self._notebook
        if current is None or current.key != notebook.key:
            return  # the cursor moved on while this part loaded
        self.query_one(f"#part-{part}", Static).update(self._renderable(current, entry, part))

    def _renderable(
        self, notebook: NotebookSummary, entry: _Entry | None, part: str
    ) -> RenderableType:
        if part == "overview":
            if entry is not None and entry.describe_error:
                return Group(
                    render.error_text(entry.describe_error),
                    render.overview(notebook, None, self._clock()),
                )
            detail = entry.detail if entry is not None else None
            return render.overview(notebook, detail, self._clock())
        loaded = entry.parts.get(part) if entry is not None else None
        if loaded is None:
            return render.LOADING
        if loaded.error is not None:
            return render.error_text(loaded.error)
        value = loaded.value
        detail = entry.detail if entry is not None else None
        if part == "network":
            return render.network(value, detail)
        if part == "role":
            return render.role(value)
        if part == "lifecycle":
            return render.lifecycle(value, dark=self.app.current_theme.dark)
        if part == "repositories":
            return render.repositories(value)
        if part == "tags":
            return render.tags(value)
        return render.ssm(value, self._ssm_tag_key)


def _stamp(notebook: NotebookSummary) -> tuple[object, ...]:
    return (notebook.status, notebook.last_modified)


async def _load_part(call: Awaitable[Any]) -> Part[Any]:
    from sagedeck.aws.details import Part

    try:
        return Part(value=await call)
    except SagedeckError as err:
        return Part(error=str(err))
    except Exception as err:  # a bug in one part must not blank the others
        return Part(error=f"{type(err).__name__}: {err}")
