"""Lifecycle configurations (``L``): every configuration with the instances that use it, the
selected one's scripts decoded and highlighted; new, edit in ``$EDITOR``, delete.

A change is confirmed with the request as it will be sent, then the list is read again, so
what AWS now holds is on screen at once. Scripts are their writer's text: sanitised, shown as
``Text``/``Syntax``, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.binding import BindingType
from textual.widgets import Static

from sagedeck.aws.across import entry_key
from sagedeck.aws.lifecycle import (
    LifecycleEntry,
    Scripts,
    check_sizes,
    describe_request,
    idle_stop_script,
)
from sagedeck.errors import SagedeckError
from sagedeck.models import LifecycleConfig
from sagedeck.system.editor import edit_text
from sagedeck.text.format import age
from sagedeck.text.sanitize import sanitize
from sagedeck.ui.keys import LIFECYCLE_BINDINGS
from sagedeck.ui.safe_text import text_line
from sagedeck.ui.screens.catalog_list import CatalogListScreen, where
from sagedeck.ui.view import lifecycle_file

if TYPE_CHECKING:
    from sagedeck.aws.services import AwsServices
    from sagedeck.ui.screens.catalog_forms import NewConfig
    from sagedeck.ui.screens.dashboard.deck import Clock
    from sagedeck.ui.view.lifecycle_file import Edited

COLUMNS = (("name", "NAME"), ("region", "REGION"), ("modified", "MODIFIED"), ("used", "USED BY"))


def script_view(title: str, script: str | None) -> list[RenderableType]:
    heading = Text(f"── {title} ", style="bold")
    if not script:
        return [heading, Text("(none)", style="dim"), Text("")]
    return [heading, Syntax(sanitize(script).rstrip("\n"), "bash", theme="ansi_dark"), Text("")]


def config_view(entry: LifecycleEntry, config: LifecycleConfig) -> Group:
    used = ", ".join(entry.used_by) or "no instance"
    return Group(
        text_line(config.arn, "dim"),
        Text.assemble("Used by: ", text_line(used)),
        Text(""),
        *script_view("on-create (once, when an instance is created)", config.on_create),
        *script_view("on-start (every start, at most 5 minutes)", config.on_start),
    )


class LifecycleScreen(CatalogListScreen[LifecycleEntry]):
    CSS_PATH = "lifecycle.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [*LIFECYCLE_BINDINGS]
    TITLE_TEXT = "Lifecycle configurations"
    LISTING = "list lifecycle configurations"
    EMPTY = "No lifecycle configuration here."
    COLUMNS = COLUMNS
    BOX_ID, TABLE_ID, PANE_ID, TEXT_ID = "lifecycle", "configs", "scripts", "script-text"

    def __init__(
        self, services: AwsServices, *, read_only: bool, clock: Clock | None = None
    ) -> None:
        super().__init__(services, read_only=read_only)
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.configs: dict[str, LifecycleConfig] = {}  # described, by entry key

    # --- the list ------------------------------------------------------------------------

    async def list_entries(self, services: AwsServices) -> list[LifecycleEntry]:
        return await services.lifecycle.list()

    def listed(self) -> None:
        self.configs.clear()

    def cells(self, entry: LifecycleEntry) -> tuple[RenderableType, ...]:
        modified = f"{age(entry.modified, self.clock())} ago" if entry.modified else "-"
        return (
            text_line(entry.name),
            entry.region,
            modified,
            text_line(", ".join(entry.used_by) or "-"),
        )

    def heading(self, entries: Sequence[LifecycleEntry]) -> str:
        regions = len({entry.region for entry in entries})
        return f"{self.TITLE_TEXT} · {len(entries)} in {regions} region(s)"

    def show_selected(self) -> None:
        entry = self.current
        text = self.query_one("#script-text", Static)
        if entry is None:
            text.update(Text(self.EMPTY, style="dim"))
            return
        config = self.configs.get(entry.key)
        if config is not None:
            text.update(config_view(entry, config))
        else:
            text.update(Text("loading…", style="dim"))
            self.describe(entry)

    @work(
        group="lifecycle-describe",
        exclusive=True,
        description="read a lifecycle configuration",
        exit_on_error=False,
    )
    async def describe(self, entry: LifecycleEntry) -> None:
        try:
            config = await self.services_of(entry).lifecycle.describe(entry.name, entry.region)
        except SagedeckError as err:  # denied, gone: said where the scripts would be
            if self.current is entry:
                self.query_one("#script-text", Static).update(text_line(str(err), "red"))
            return
        self.configs[entry.key] = config
        if self.current is entry:
            self.show_selected()

    # --- keys ----------------------------------------------------------------------------

    def _hand_over(self) -> AbstractContextManager[Any]:
        """The terminal to the editor: the app suspends (headless in tests: nothing to hand)."""
        return nullcontext() if self.app.is_headless else self.app.suspend()

    async def _edit(
        self, name: str, region: str, on_create: str | None, on_start: str | None
    ) -> Edited | None:
        """The scripts as the user saved them; None if cancelled. A file that cannot be read
        back (a marker removed) or a script AWS would refuse offers the editor again."""
        from sagedeck.ui.screens.confirm import ConfirmScreen

        text = lifecycle_file.compose(name, region, on_create, on_start)
        while True:
            text = edit_text(text, suffix=".sh", hand_over=self._hand_over)
            try:
                edited = lifecycle_file.parse(text)
                if edited is not None:  # AWS's size limit, before the confirmation
                    check_sizes(Scripts(edited.on_create, edited.on_start))
                return edited
            except SagedeckError as err:
                again = await self.app.push_screen_wait(
                    ConfirmScreen(
                        "Cannot use the file", f"{err}\n\nEdit it again?", "Edit", danger=False
                    )
                )
                if not again:
                    return None

    async def _confirm(self, operation: str, name: str, place: str, scripts: Scripts) -> bool:
        """``place``: the region, with the profile when several are listed (:func:`where`)."""
        from sagedeck.ui.screens.confirm import ConfirmScreen

        body = describe_request(operation, name, place, scripts)
        verb = "Create" if operation.startswith("Create") else "Update"
        confirmed: bool = await self.app.push_screen_wait(
            ConfirmScreen(f"{verb} lifecycle configuration", body, verb, danger=False)
        )
        return confirmed

    @work(
        group="lifecycle-change",
        description="create a lifecycle configuration",
        exit_on_error=False,
    )
    async def action_new(self) -> None:
        from sagedeck.ui.screens.catalog_forms import NewLifecycleForm

        choice: NewConfig | None = await self.app.push_screen_wait(
            NewLifecycleForm(self.services.conn.regions, self.profile_regions(), self.new_profile())
        )
        if choice is None:
            return
        template = idle_stop_script(choice.idle_minutes) if choice.idle_minutes else None
        edited = await self._edit(choice.name, choice.region, None, template)
        if edited is None:
            self.notify("New lifecycle configuration cancelled", timeout=3)
            return
        scripts = Scripts(edited.on_create or None, edited.on_start or None)
        operation = "CreateNotebookInstanceLifecycleConfig"
        place = where(choice.region, choice.profile)
        if not await self._confirm(operation, choice.name, place, scripts):
            self.notify("Nothing created", timeout=3)
            return
        services = self.services.for_profile(choice.profile) if choice.profile else self.services
        await services.lifecycle.create(choice.name, choice.region, scripts)
        self.notify(f"Created {choice.name} in {place}", title="Lifecycle configuration")
        self.reload(select=entry_key(choice.profile, choice.region, choice.name))

    @work(
        group="lifecycle-change", description="edit a lifecycle configuration", exit_on_error=False
    )
    async def action_edit(self) -> None:
        entry = self.current
        if entry is None:
            return
        lifecycle = self.services_of(entry).lifecycle
        config = await lifecycle.describe(entry.name, entry.region)
        edited = await self._edit(entry.name, entry.region, config.on_create, config.on_start)
        if edited is None:
            self.notify("Edit cancelled", timeout=3)
            return
        scripts = edited.changes_from(config.on_create, config.on_start)
        if scripts.on_create is None and scripts.on_start is None:
            self.notify(f"{entry.name}: unchanged, nothing sent", timeout=3)
            return
        operation = "UpdateNotebookInstanceLifecycleConfig"
        place = where(entry.region, entry.profile)
        if not await self._confirm(operation, entry.name, place, scripts):
            self.notify("Nothing changed", timeout=3)
            return
        await lifecycle.update(entry.name, entry.region, scripts)
        users = (
            f"; {', '.join(entry.used_by)} run it from their next start" if entry.used_by else ""
        )
        self.notify(f"Updated {entry.name}{users}", title="Lifecycle configuration")
        self.reload(select=entry.key)

    @work(
        group="lifecycle-change",
        description="delete a lifecycle configuration",
        exit_on_error=False,
    )
    async def action_delete(self) -> None:
        from sagedeck.ui.screens.confirm import ConfirmScreen

        entry = self.current
        if entry is None:
            return
        lifecycle = self.services_of(entry).lifecycle
        used_by = await lifecycle.used_by(entry.name, entry.region)
        if used_by:
            self.notify(
                f"{entry.name} is attached to {', '.join(used_by)}: detach it from them first",
                title="Cannot delete",
                severity="error",
            )
            return
        place = where(entry.region, entry.profile)
        body = (
            f"DeleteNotebookInstanceLifecycleConfig in {place}\n"
            f"  NotebookInstanceLifecycleConfigName: {entry.name}\n\nNo instance uses it."
        )
        confirmed = await self.app.push_screen_wait(
            ConfirmScreen("Delete lifecycle configuration", body, "Delete")
        )
        if not confirmed:
            self.notify("Delete cancelled", timeout=3)
            return
        await lifecycle.delete(entry.name, entry.region)
        self.notify(f"Deleted {entry.name} from {place}", title="Lifecycle configuration")
        self.reload()
