"""What each key does to a notebook instance: the AWS call in a named worker of the dashboard,
the outcome as a notification, or the screen the key opens. Nothing here blocks the UI; a
failure reaches the app's one worker handler.

The presigned URL is a credential: it goes to the clipboard or the browser and nowhere else
(no notification, no log, no worker name or result).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text

from sagedeck.errors import SagedeckError
from sagedeck.models import (
    DELETABLE,
    STARTABLE,
    STOPPABLE,
    URL_READY,
    JupyterView,
    NotebookSummary,
)
from sagedeck.text.sanitize import sanitize_line
from sagedeck.ui.messages import TextCopied, UrlCopied
from sagedeck.ui.view.fleet import proxy_url

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

    from sagedeck.aws.services import AwsServices
    from sagedeck.ui.screens.dashboard.deck import Deck

Refresh = Callable[[], None]


def names(notebooks: Sequence[NotebookSummary]) -> str:
    shown = ", ".join(nb.name for nb in notebooks[:3])
    return shown + (f" and {len(notebooks) - 3} more" if len(notebooks) > 3 else "")


def _view_name(view: JupyterView) -> str:
    return "JupyterLab" if view is JupyterView.LAB else "Jupyter (Classic)"


class NotebookActions:
    """The dashboard's verbs: its workers run on ``screen``, which hears what they did (a URL
    copied). ``refresh`` asks the poller to refresh now."""

    def __init__(self, deck: Deck, screen: Screen[Any], refresh: Refresh) -> None:
        self.deck = deck
        self.screen = screen
        self.refresh = refresh

    @property
    def app(self) -> App[Any]:
        return self.screen.app

    def _of(self, notebook: NotebookSummary) -> AwsServices:
        """The services of the profile that listed ``notebook``: every call on it goes there."""
        return self.deck.services.of(notebook.key)

    def run(self, work: Coroutine[Any, Any, None], name: str, description: str) -> None:
        self.screen.run_worker(
            work, name=name, group="actions", description=description, exit_on_error=False
        )

    # --- state changes -------------------------------------------------------------------

    def start(self, targets: Sequence[NotebookSummary]) -> None:
        ready = [nb for nb in targets if nb.status in STARTABLE]
        skipped = [nb for nb in targets if nb.status not in STARTABLE]
        self.run(self._start(ready, skipped, len(targets) == 1), "start", f"start {names(ready)}")

    async def _start(
        self, ready: list[NotebookSummary], skipped: list[NotebookSummary], single: bool
    ) -> None:
        done = await self._each(ready, lambda nb: self._of(nb).sagemaker.start(nb.key), "start")
        self._report_skipped(skipped, "start", "Stopped or Failed")
        if done:
            follow = " — following its start (esc goes back)" if single else ""
            self.deck.notify(f"Starting {names(done)}{follow}", title="Start")
            self.refresh()
        if single and done:
            self.logs(done[0], watch_start=True)

    def stop(self, targets: Sequence[NotebookSummary]) -> None:
        ready = [nb for nb in targets if nb.status in STOPPABLE]
        skipped = [nb for nb in targets if nb.status not in STOPPABLE]
        self.run(self._stop(ready, skipped), "stop", f"stop {names(ready)}")

    async def _stop(self, ready: list[NotebookSummary], skipped: list[NotebookSummary]) -> None:
        from sagedeck.ui.screens.confirm import ConfirmScreen

        if not ready:
            self._report_skipped(skipped, "stop", "InService")
            return
        what = ready[0].name if len(ready) == 1 else f"{len(ready)} instances ({names(ready)})"
        body = Text.assemble(
            f"Stop {sanitize_line(what)}?\n",
            "Running kernels end; files on the ML storage volume stay.",
        )
        confirmed = await self.app.push_screen_wait(
            ConfirmScreen("Stop notebook instance" + ("s" if len(ready) > 1 else ""), body, "Stop")
        )
        if not confirmed:
            self.deck.notify("Stop cancelled", timeout=3)
            return
        done = await self._each(ready, lambda nb: self._of(nb).sagemaker.stop(nb.key), "stop")
        self._report_skipped(skipped, "stop", "InService")
        if done:
            self.deck.notify(f"Stopping {names(done)}", title="Stop")
            self.refresh()

    def delete(self, notebook: NotebookSummary) -> None:
        self.run(self._delete(notebook), "delete", f"delete {notebook.name}")

    async def _delete(self, notebook: NotebookSummary) -> None:
        from sagedeck.ui.screens.confirm import TypeNameScreen

        if notebook.status not in DELETABLE:
            self._report_skipped([notebook], "delete", "Stopped or Failed")
            return
        if not await self.app.push_screen_wait(TypeNameScreen(notebook.name, notebook.region)):
            self.deck.notify("Delete cancelled", timeout=3)
            return
        await self._of(notebook).sagemaker.delete(notebook.key)
        self.deck.notify(f"Deleting {notebook.name} ({notebook.region})", title="Delete")
        self.refresh()

    async def _each(
        self,
        notebooks: Sequence[NotebookSummary],
        call: Callable[[NotebookSummary], Coroutine[Any, Any, None]],
        verb: str,
    ) -> list[NotebookSummary]:
        """Run ``call`` for each instance at once; report each failure; return the successes."""
        results = await asyncio.gather(*(call(nb) for nb in notebooks), return_exceptions=True)
        done: list[NotebookSummary] = []
        for notebook, result in zip(notebooks, results, strict=True):
            if isinstance(result, SagedeckError):
                self.deck.notify(
                    str(result), title=f"Could not {verb} {notebook.name}", severity="error"
                )
            elif isinstance(result, BaseException):
                raise result
            else:
                done.append(notebook)
        return done

    def _report_skipped(self, skipped: list[NotebookSummary], verb: str, allowed: str) -> None:
        if skipped:
            self.deck.notify(
                f"Skipped {names(skipped)}: {verb} works only when {allowed}", severity="warning"
            )

    # --- URLs, clipboard, browser --------------------------------------------------------

    async def copy(self, text: str) -> str:
        """The native clipboard when there is one, else OSC 52 through the terminal."""
        from sagedeck.system import clipboard

        return clipboard.copied_where(await clipboard.copy(text, osc52=self.app.copy_to_clipboard))

    def copy_url(self, notebook: NotebookSummary, view: JupyterView) -> None:
        self.run(self._copy_url(notebook, view), "copy URL", f"copy a URL for {notebook.name}")

    async def _copy_url(self, notebook: NotebookSummary, view: JupyterView) -> None:
        if notebook.status not in URL_READY:
            self.deck.notify(
                f"{notebook.name} is {notebook.status}: start it first", severity="warning"
            )
            return
        url = await self._of(notebook).sagemaker.presigned_url(
            notebook.key, view, self.deck.settings.url_session_seconds
        )
        where = await self.copy(url.url)
        self.screen.post_message(UrlCopied(url, where))
        self.deck.notify(
            f"{_view_name(view)} sign-in URL for {notebook.name} {where}: use it within 5 minutes",
            title="URL copied",
        )

    def open(self, notebook: NotebookSummary, view: JupyterView) -> None:
        self.run(self._open(notebook, view), "open", f"open {notebook.name} in the browser")

    async def _open(self, notebook: NotebookSummary, view: JupyterView) -> None:
        from sagedeck.system import clipboard

        if notebook.status not in URL_READY:
            self.deck.notify(
                f"{notebook.name} is {notebook.status}: start it first", severity="warning"
            )
            return
        if not _graphical_browser_likely():
            self.deck.notify(
                "No graphical browser here (no DISPLAY, no $BROWSER):"
                f" press {self._copy_key(view)} to copy the URL",
                severity="warning",
            )
            return
        url = await self._of(notebook).sagemaker.presigned_url(
            notebook.key, view, self.deck.settings.url_session_seconds
        )
        opened = await asyncio.to_thread(clipboard.open_in_browser, url.url)
        if opened:
            self.deck.notify(f"Opened {_view_name(view)} for {notebook.name} in the browser")
        else:
            self.deck.notify(
                f"No browser could be started: press {self._copy_key(view)} to copy the URL",
                severity="warning",
            )

    def _copy_key(self, view: JupyterView) -> str:
        """The key that copies ``view``'s URL, as the user's keymap has it (y / Y by default)."""
        action = f"copy_url('{view.value}')"
        for active in self.screen.active_bindings.values():
            if active.binding.action == action:
                return self.app.get_key_display(active.binding)
        return "y" if view is JupyterView.LAB else "Y"

    def copy_text(self, text: str, what: str) -> None:
        self.run(self._copy_text(text, what), "copy", f"copy the {what}")

    async def _copy_text(self, text: str, what: str) -> None:
        where = await self.copy(text)
        self.screen.post_message(TextCopied())
        self.deck.notify(f"{what} {where}: {text}", title="Copied", timeout=4)

    def copy_proxy(self, notebook: NotebookSummary) -> None:
        self.run(self._copy_proxy(notebook), "copy proxy URL", f"proxy URL of {notebook.name}")

    async def _copy_proxy(self, notebook: NotebookSummary) -> None:
        from sagedeck.ui.screens.confirm import PortScreen

        port = await self.app.push_screen_wait(PortScreen(notebook.name))
        if port is None:
            return
        await self._copy_text(proxy_url(notebook, port), f"Proxy URL for port {port}")

    # --- other screens (imported when first used: the dashboard starts without them) ------

    def logs(self, notebook: NotebookSummary, *, watch_start: bool = False) -> None:
        from sagedeck.ui.screens.logs import LogScreen

        deck = self.deck
        screen = LogScreen(
            self._of(notebook),
            notebook,
            deck.settings,
            watch_start=watch_start,
            url_copied=self.screen.post_message,  # the countdown, and the clear at expiry
        )
        self.app.push_screen(screen)

    def shell(self, notebook: NotebookSummary, via: str | None = None) -> None:
        """``s``: SSM or Jupyter as the config's ``shell`` says; ``J``: Jupyter."""
        self.run(self._shell(notebook, via), "shell", f"shell on {notebook.name}")

    async def _shell(self, notebook: NotebookSummary, via: str | None) -> None:
        from sagedeck.ui.screens.dashboard.jupyter_actions import open_any_shell

        deck = self.deck
        await open_any_shell(self.app, self._of(notebook), notebook, deck.settings, via)

    def port_forward(self, notebook: NotebookSummary) -> None:
        from sagedeck.ui.screens.dashboard.ssm_actions import PortForwardScreen

        self.app.push_screen(PortForwardScreen(self._of(notebook), notebook))

    def doctor(self, notebook: NotebookSummary) -> None:
        from sagedeck.ui.screens.dashboard.ssm_actions import DoctorScreen

        self.app.push_screen(DoctorScreen(self._of(notebook), notebook))

    def lifecycle_configs(self) -> None:
        from sagedeck.ui.screens.lifecycle import LifecycleScreen

        deck = self.deck
        self.app.push_screen(
            LifecycleScreen(deck.services, read_only=deck.read_only, clock=deck.clock)
        )

    def repositories(self) -> None:
        from sagedeck.ui.screens.repos import RepositoryScreen

        self.app.push_screen(RepositoryScreen(self.deck.services, read_only=self.deck.read_only))


def _graphical_browser_likely() -> bool:
    if os.environ.get("BROWSER") or sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
