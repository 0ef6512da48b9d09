"""The Textual app: settings and services come in through the constructor (the CLI and the
tests build it the same way); the dashboard is its only permanent screen.

The app builds the dashboard and hears from its screens; no screen imports the app. The
dashboard asks for what it needs through the ``Deck`` protocol (``screens/dashboard/deck.py``),
and every screen hands its failed workers here (``screens/base.py``)."""

from __future__ import annotations

import dataclasses
import gc
import sys
from collections import deque
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App
from textual.binding import BindingType
from textual.worker import Worker, WorkerState

from sagedeck.config import Settings
from sagedeck.errors import SagedeckError
from sagedeck.system.shutdown import CloseHooks, install_exit_signals
from sagedeck.text.sanitize import sanitize, sanitize_line
from sagedeck.ui.keys import APP_BINDINGS
from sagedeck.ui.screens.base import DeckScreen
from sagedeck.ui.screens.dashboard.deck import Clock

if TYPE_CHECKING:
    from collections.abc import Mapping

    from textual.driver import Driver
    from textual.notifications import SeverityLevel

    from sagedeck.aws.services import AwsServices
    from sagedeck.aws.session import StaticCredentials
    from sagedeck.ui.screens.dashboard.screen import DashboardScreen
    from sagedeck.ui.screens.target import TargetChoice


def utc_now() -> datetime:
    return datetime.now(UTC)


class SagedeckApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "sagedeck"
    BINDINGS: ClassVar[list[BindingType]] = [*APP_BINDINGS]
    ENABLE_COMMAND_PALETTE = True
    DEFAULT_MODE = "dashboard"

    def __init__(
        self,
        settings: Settings,
        services: AwsServices,
        demo: bool = False,
        clock: Clock | None = None,
        offered_profiles: Mapping[str, StaticCredentials] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.services = services
        self.demo = demo
        # The profiles ``P`` offers when they are not the AWS config's (the embedded AWS's
        # accounts, which exist only as keys); None: those of ~/.aws/config.
        self.offered_profiles = offered_profiles
        self.clock: Clock = clock or utc_now
        # Every notification shown, newest last: what the user was told (tests read it too).
        self.notices: deque[tuple[str, str, str]] = deque(maxlen=200)
        # Run once at exit, before the AWS clients close (the port forwards, say).
        self.shutdown_hooks = CloseHooks()
        self._retired: list[AwsServices] = []
        # Whether the start-up heap is still to be frozen: set by run() (the real app); a test's
        # run_test() shares its process with other apps, whose garbage a freeze would keep.
        self.freeze_startup_heap = False
        # A mode (not get_default_screen): Textual loads a mode screen's CSS_PATH, not a default's.
        self.add_mode("dashboard", self._new_dashboard)

    def _new_dashboard(self) -> DashboardScreen:
        from sagedeck.ui.screens.dashboard.screen import DashboardScreen

        return DashboardScreen(self)

    def run(self, *args: Any, **kwargs: Any) -> int | None:
        self.freeze_startup_heap = True
        return super().run(*args, **kwargs)

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal; on Linux and macOS one that survives the
        terminal going away (sagedeck.ui.driver)."""
        driver_class = super().get_driver_class()
        if sys.platform != "win32":
            from textual.drivers.linux_driver import LinuxDriver

            from sagedeck.ui.driver import HangupSafeDriver

            if driver_class is LinuxDriver:
                return HangupSafeDriver
        return driver_class

    def startup_done(self) -> None:
        """Start-up is over (the dashboard's second refresh: the first one's describes, detail
        pane and AWS clients are done): move the heap built so far out of the cyclic GC's
        reach, for good. That is ~230,000 objects with 1,000 instances (modules, botocore's
        service models, Textual's dashboard), and every full collection walked them all:
        100-220 ms with the event loop stopped, every ~5 s while the log view tails 2,000
        lines/s (a key press that met one waited for it), 110-160 ms of CPU about once a
        minute when idle. Frozen, a collection walks only what came since (docs/performance.md).

        Only while the dashboard is alone on the stack: a screen on top (the log view and its
        50,000 events) would be kept for good once closed. Frozen objects are still freed by
        reference counting; only cyclic garbage that exists at this moment is kept (a few
        thousand objects, once)."""
        if self.freeze_startup_heap and len(self.screen_stack) == 1:
            self.freeze_startup_heap = False
            gc.freeze()

    @property
    def read_only(self) -> bool:
        return self.settings.read_only or self.services.read_only

    @property
    def dashboard(self) -> DashboardScreen:
        """The permanent screen, at the bottom of the stack (for tests and screenshots)."""
        from sagedeck.ui.screens.dashboard.screen import DashboardScreen

        screen = self.screen_stack[0]
        assert isinstance(screen, DashboardScreen)
        return screen

    def on_mount(self) -> None:
        # SIGTERM/SIGHUP (and a terminal gone away) end the app in order, so Textual restores
        # the terminal and every port forward is ended, even when no forward was ever opened.
        # A request that came during start-up is handed over now.
        install_exit_signals(lambda signum: self.exit(return_code=128 + signum))
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        else:
            known = ", ".join(sorted(self.available_themes))
            self.notify(
                f"unknown theme {self.settings.theme!r}; known: {known}",
                severity="warning",
            )
        if self.settings.keys:
            self.set_keymap(dict(self.settings.keys))

    def on_ready(self) -> None:
        """Start-up is over: the dashboard shows the pages of its first listing that came
        meanwhile (Textual drops, not defers, the frames laid out before)."""
        self.dashboard.started()

    # --- notifications and failures ------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """As Textual's, but recorded, and as text: never markup (``markup`` is ignored; a
        widget's ``notify`` asks for it by default), control characters made visible.
        Messages and titles carry AWS's text: names, error messages, a FailureReason."""
        message, title = sanitize(message), sanitize_line(title)
        self.notices.append((severity, title, message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def _fatal_error(self) -> None:
        """Textual's crash report, without the locals it prints by default (Textual 8.2
        hard-codes ``show_locals=True`` here): a frame's locals hold presigned URLs and session
        tokens as plain strings, and a crash report is pasted into issues."""
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.report_worker_failure(event.worker)

    @on(DeckScreen.WorkerFailed)
    def _screen_worker_failed(self, message: DeckScreen.WorkerFailed) -> None:
        self.report_worker_failure(message.worker)

    def report_worker_failure(self, worker: Worker[Any]) -> None:
        """The one place a failed worker becomes a notification (never a crash)."""
        if worker.state is not WorkerState.ERROR or worker.error is None:
            return
        error = worker.error
        what = worker.description or worker.name or "background task"
        if isinstance(error, SagedeckError):
            self.notify(str(error), title=f"Could not {what}", severity="error", timeout=8)
        else:
            self.log.error(f"{what}: {error!r}")
            self.notify(
                f"{type(error).__name__}: {error}",
                title=f"Unexpected failure: {what}",
                severity="error",
                timeout=10,
            )

    # --- app-wide actions ----------------------------------------------------------------

    def action_help(self) -> None:
        from sagedeck.ui.screens.base import DeckScreen
        from sagedeck.ui.screens.help import HelpScreen, key_help

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        hints = screen.HELP_HINTS if isinstance(screen, DeckScreen) else ()
        self.push_screen(HelpScreen(key_help(self, screen), hints=hints))

    def switch_target(self, choice: TargetChoice) -> bool:
        """Rebuild the AWS services for another profile or regions (the dashboard, which asked,
        starts over); False when the choice is the current target."""
        from sagedeck.aws.services import AwsServices
        from sagedeck.aws.session import joined

        old = self.services.target
        if (choice.all_profiles, choice.regions) == (old.profiles, old.regions):
            return False
        # A profile kept keeps its keys (the embedded AWS's profiles exist only as keys).
        kept = {member.profile: member.credentials for member in old.split()}
        offered = self.offered_profiles or {}
        base = old.split()[0]
        target = joined(
            tuple(
                dataclasses.replace(
                    base,
                    profile=profile,
                    regions=choice.regions,
                    credentials=kept.get(profile) or offered.get(profile or ""),
                )
                for profile in choice.all_profiles
            )
        )
        # The old clients may still serve an open port forward: close them at exit.
        self._retired.append(self.services)
        self.services = AwsServices(target, ssm_tag_key=self.settings.ssm_tag_key)
        names = ", ".join(profile or "default" for profile in choice.all_profiles)
        self.notify(
            f"Now on profile{'s' if len(choice.all_profiles) > 1 else ''} {names},"
            f" regions {', '.join(choice.regions)}",
            title="Switched",
        )
        return True

    async def on_unmount(self) -> None:
        """Shutdown: hooks, then every port forward, then the AWS clients."""
        if (
            "sagedeck.ui.screens.dashboard.ssm_actions" in sys.modules
        ):  # never imported: no forward was ever opened
            from sagedeck.ui.screens.dashboard.ssm_actions import port_forwards

            for services in (*self._retired, self.services):
                for member in services.members():  # each profile's forwards
                    self.shutdown_hooks.add(port_forwards(member).close_all)
        await self.shutdown_hooks.run(lambda err: self.log.error(f"shutdown hook failed: {err!r}"))
        for services in (*self._retired, self.services):
            try:
                await services.close()
            except Exception as err:
                self.log.error(f"closing AWS clients failed: {err!r}")
