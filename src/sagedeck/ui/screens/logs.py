"""The log view of one notebook instance, and its start-to-ready view.

Lines come from :class:`sagedeck.aws.logs.follow.LogFollower` in batches and reach the widget
in batches. The screen keeps the events (bounded by ``settings.log_buffer_lines``) so that a
change of stream, filter or format shows them again without asking AWS; only a change of time
window starts a new follower. The widget draws only the lines on screen (``LogView``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from sagedeck.aws.logs.client import TAIL_EVENTS, stream_kind
from sagedeck.aws.logs.follow import FollowHealth, LogFollower
from sagedeck.aws.logs.timewindow import now_ms, window_start
from sagedeck.aws.services import AwsServices
from sagedeck.config import Settings
from sagedeck.errors import InvalidInput, SagedeckError
from sagedeck.models import (
    STARTABLE,
    JupyterView,
    LogEvent,
    NotebookStatus,
    NotebookSummary,
    StreamChoice,
)
from sagedeck.text.logtext import EventRenderer, LineFilter, ViewOptions, write_redacted
from sagedeck.ui.messages import UrlCopied
from sagedeck.ui.screens.base import DeckScreen
from sagedeck.ui.screens.logs_choice import EventChoice, status_text, stopped_text, title_text
from sagedeck.ui.screens.logs_keys import KEYS_HELP, LOG_BINDINGS, LOG_HINTS
from sagedeck.ui.widgets.footer import DeckFooter
from sagedeck.ui.widgets.log_view import LogView
from sagedeck.ui.widgets.start_panel import StartPanel, StartTimeline

START_MARGIN_MS = 60_000  # a start's logs: from a minute before the view opened
STATUS_POLL_ACTIVE = 1.0
STATUS_POLL_QUIET = 10.0


class LogScreen(DeckScreen[None]):
    CSS_PATH = "logs.tcss"
    HELP = KEYS_HELP
    HELP_HINTS = LOG_HINTS
    BINDINGS = LOG_BINDINGS

    def __init__(
        self,
        services: AwsServices,
        notebook: NotebookSummary,
        settings: Settings,
        *,
        watch_start: bool = False,
        url_copied: Callable[[UrlCopied], object] | None = None,
    ) -> None:
        """``url_copied`` hears of each URL copied (the dashboard: its countdown takes the URL
        out of the clipboard at expiry)."""
        super().__init__()
        self.services = services
        self.url_copied = url_copied
        self.notebook = notebook
        self.settings = settings
        self.watch_start = watch_start
        self.key = notebook.key
        self.status = notebook.status
        self.events: deque[LogEvent] = deque(maxlen=settings.log_buffer_lines)
        self.held: deque[LogEvent] = deque(maxlen=settings.log_buffer_lines)  # while paused
        self.options = ViewOptions()
        self.wrap = False
        self.renderer = EventRenderer(self.options)
        self.choice = EventChoice()
        self.window = "start" if watch_start else "0"
        self.following = True
        self.follower: LogFollower | None = None
        self._follow_worker: Worker[Any] | None = None
        self.health: FollowHealth | None = None
        self.query_mode: str | None = None
        self.search_info = ""  # "/regex/ 3/17 matches", counted on search and n / N only
        self.opened_ms = now_ms()
        self.timeline = StartTimeline(
            notebook.status, notebook.last_modified, bool(notebook.lifecycle_config)
        )

    @property
    def log_view(self) -> LogView:
        return self.query_one("#log", LogView)

    def compose(self) -> ComposeResult:
        yield Static(id="log-title")
        panel = StartPanel(self.timeline, id="start-panel")
        panel.display = self.watch_start or self.status.is_transitional
        yield panel
        yield LogView(self.settings.log_buffer_lines, self.renderer, id="log")
        yield Input(id="log-query")
        yield Static(id="log-status")
        yield DeckFooter()

    def on_mount(self) -> None:
        self.query_one("#log-query", Input).display = False
        self.log_view.focus()
        self._restart_follower()
        self._watch_status()
        self._update_title()

    # --- following -----------------------------------------------------------------------------

    def _restart_follower(self) -> None:
        self.workers.cancel_group(self, "logs-follow")
        self.events.clear()
        self.held.clear()
        self.log_view.clear()
        since: int | None = None
        tail: int | None = None
        if self.window == "start":
            since = self.opened_ms - START_MARGIN_MS
        elif self.window == "0":
            tail = TAIL_EVENTS
        else:
            since = window_start(self.window)
        self.follower = LogFollower(
            self.services.logs,
            self.key,
            since_ms=since,
            tail=tail,
            is_active=lambda: self.status.is_transitional,
            on_health=self._on_health,
        )
        self._follow_worker = self._follow(self.follower)

    @work(group="logs-follow", exclusive=True, exit_on_error=False, description="follow the logs")
    async def _follow(self, follower: LogFollower) -> None:
        async for batch in follower:
            if follower is self.follower:
                self.ingest(batch)

    def ingest(self, batch: list[LogEvent]) -> None:
        """One batch from the follower: kept, and shown unless paused or filtered out."""
        self.events.extend(batch)
        for event in batch:
            if stream_kind(event.stream) is StreamChoice.LIFECYCLE:
                self.timeline.lifecycle_line(datetime.fromtimestamp(event.timestamp / 1000, UTC))
        shown, _ = self.choice.pick(batch)
        if shown:
            if self.following:
                self.log_view.append(shown)
            else:
                self.held.extend(shown)
        self._update_status()

    def _rebuild(self, *, refilter: bool = False) -> None:
        """Show the kept events with other options, or (``refilter``) another choice of them.

        A format change draws again only the lines on screen, after counting every event's
        lines again if the options change them (JSON, wrap). A filter or stream change picks
        the events again; held events (paused) are picked too. Either way the event at the top
        stays at the top, or the view stays at the end while following.
        """
        view = self.log_view
        width = view.scrollable_content_region.width
        self.options = replace(self.options, wrap_width=max(20, width) if self.wrap else None)
        self.renderer = EventRenderer(self.options)
        if refilter:
            self.held.clear()
            shown, anchor = self.choice.pick(self.events, view.top_event())
            view.renderer = self.renderer
            view.replace(shown, top=anchor)
        else:
            view.set_renderer(self.renderer)
        self._update_title()
        self._update_status()

    def _on_health(self, health: FollowHealth) -> None:
        self.health = health
        self._update_status()

    @on(Worker.StateChanged)
    def _follower_stopped(self, event: Worker.StateChanged) -> None:
        """Following has ended on an error: the status line says so. (The app's one reporter
        tells the user about this failure, as about any other worker's: DeckScreen.)"""
        if event.state is WorkerState.ERROR and event.worker is self._follow_worker:
            error = event.worker.error
            message = str(error) if isinstance(error, SagedeckError) else repr(error)
            self.query_one("#log-status", Static).update(stopped_text(message))

    # --- the instance's status -----------------------------------------------------------------

    @work(group="logs-status", exclusive=True, exit_on_error=False, description="watch the status")
    async def _watch_status(self) -> None:
        while True:
            try:
                detail = await self.services.sagemaker.describe(self.key)
            except SagedeckError:
                await asyncio.sleep(STATUS_POLL_QUIET)
                continue
            self.status_seen(detail.status, detail.summary.last_modified, detail.failure_reason)
            busy = detail.status.is_transitional
            await asyncio.sleep(STATUS_POLL_ACTIVE if busy else STATUS_POLL_QUIET)

    def status_seen(self, status: NotebookStatus, at: datetime, failure: str | None) -> None:
        previous = self.status
        self.status = status
        seen_at = at if at > self.timeline.stages[-1].entered else datetime.now(UTC)
        if not self.timeline.observe(status, seen_at, failure) and status == previous:
            return
        panel = self.query_one("#start-panel", StartPanel)
        if status.is_transitional:
            panel.display = True
        panel.update_view()
        if self.follower is not None:
            self.follower.poke()  # the last lines of a transition come right after it
        name = self.key.name
        arrived = previous.is_transitional or (self.watch_start and previous in STARTABLE)
        if status is NotebookStatus.IN_SERVICE and arrived:
            self.app.bell()
            self.notify(
                f"{name} is InService: press y to copy its Jupyter URL", title="ready", timeout=30
            )
        elif status is NotebookStatus.FAILED:
            self.app.bell()
            self.notify(
                failure or "the start failed",
                title=f"{name} failed",
                severity="error",
                timeout=30,
                markup=False,
            )
        self.refresh_bindings()
        self._update_title()

    # --- text ----------------------------------------------------------------------------------

    def _update_title(self) -> None:
        title = title_text(self.key, self.status, self.choice, self.window, self.options.local_time)
        self.query_one("#log-title", Static).update(title)

    def _update_status(self) -> None:
        view = self.log_view
        search = self.search_info if view.search is not None else None
        status = status_text(self.following, len(self.held), view.line_count, self.health, search)
        self.query_one("#log-status", Static).update(status)

    # --- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "find":
            return self.log_view.search is not None
        if action == "copy_url":
            return self.status is NotebookStatus.IN_SERVICE
        return True

    def action_back(self) -> None:
        query = self.query_one("#log-query", Input)
        if query.display:
            self._close_query()
        elif self.log_view.search is not None:
            self.log_view.set_search(None)
            self.refresh_bindings()
            self._update_status()
        else:
            self.dismiss()

    def action_toggle_follow(self) -> None:
        self._set_following(not self.following)

    def _set_following(self, following: bool) -> None:
        self.following = following
        self.log_view.auto_scroll = following
        if following:
            if self.held:
                self.log_view.append(list(self.held))
                self.held.clear()
            self.log_view.scroll_end(animate=False)
        self._update_status()

    def action_jump_end(self) -> None:
        self._set_following(True)

    def action_jump_top(self) -> None:
        self._set_following(False)
        self.log_view.scroll_home(animate=False)

    @on(LogView.Jumped)
    def _jumped(self, event: LogView.Jumped) -> None:
        if event.to_end:
            self.action_jump_end()
        else:
            self.action_jump_top()

    def action_toggle_option(self, option: str) -> None:
        if option == "wrap":
            self.wrap = not self.wrap
        else:
            self.options = replace(self.options, **{option: not getattr(self.options, option)})
        self._rebuild()

    def on_resize(self, event: Resize) -> None:
        if self.wrap:
            self.set_timer(0.2, self._rebuild, name="rewrap")

    def action_cycle_streams(self) -> None:
        self.choice.next_streams()
        self._rebuild(refilter=True)

    def action_window(self, key: str) -> None:
        self.window = key
        self._update_title()
        self._restart_follower()

    def action_open_query(self, mode: str) -> None:
        query = self.query_one("#log-query", Input)
        self.query_mode = mode
        if mode == "search":
            query.placeholder = "search (regex; n / N for next / previous)"
            query.value = self.log_view.search.pattern if self.log_view.search else ""
        else:
            query.placeholder = "filter lines by regex (!regex keeps lines that do not match)"
            line_filter = self.choice.line_filter
            query.value = line_filter.text if line_filter else ""
        query.display = True
        query.focus()

    def _close_query(self) -> None:
        query = self.query_one("#log-query", Input)
        query.display = False
        self.query_mode = None
        self.log_view.focus()

    @on(Input.Submitted, "#log-query")
    def _query_submitted(self, event: Input.Submitted) -> None:
        mode, text = self.query_mode, event.value
        self._close_query()
        try:
            parsed = LineFilter.parse(text)
        except InvalidInput as err:
            self.notify(str(err), severity="error", markup=False)
            return
        if mode == "filter":
            self.choice.line_filter = parsed
            self._rebuild(refilter=True)
            return
        self.log_view.set_search(parsed.pattern if parsed else None)
        if parsed is not None:
            self._set_following(False)
            self.log_view.find(forward=False, start=self.log_view.line_count)
        self.refresh_bindings()
        self._count_matches()

    def action_find(self, forward: bool) -> None:
        self._set_following(False)
        if self.log_view.find(forward=forward) is None:
            self.notify("no match", severity="warning")
        self._count_matches()

    def _count_matches(self) -> None:
        view = self.log_view
        if view.search is not None:
            rank, count = view.match_position()
            where = f"{rank}/" if rank is not None else ""
            self.search_info = f"/{view.search.pattern}/ {where}{count} matches"
        self._update_status()

    def action_save(self) -> None:
        lines = list(self.log_view.lines)
        saved = write_redacted(lines, f"sagedeck-{self.key.name}")
        if saved is None:
            self.notify("could not write the file here nor in the home folder", severity="error")
        else:
            redacted = saved.redaction.describe()
            self.notify(f"saved {len(lines)} lines to {saved.path}; {redacted}", markup=False)

    def action_copy_url(self) -> None:
        self._copy_url()

    @work(group="logs-url", exclusive=True, exit_on_error=False, description="copy the URL")
    async def _copy_url(self) -> None:
        from sagedeck.system import clipboard

        presigned = await self.services.sagemaker.presigned_url(
            self.key, JupyterView.LAB, self.settings.url_session_seconds
        )
        method = await clipboard.copy(presigned.url, osc52=self.app.copy_to_clipboard)
        where = clipboard.copied_where(method)
        if self.url_copied is not None:
            self.url_copied(UrlCopied(presigned, where))
        until = presigned.usable_until.astimezone().strftime("%H:%M")
        self.notify(f"JupyterLab URL {where}: sign in before {until}", title=self.key.name)
