"""The instance under the cursor, and the keys that act on it alone: each hands it to
:class:`NotebookActions`. (Start and stop act on the marked instances too: the dashboard has
those, beside the marks.)"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING

from sagedeck.models import JupyterView, NotebookStatus, NotebookSummary
from sagedeck.ui.screens.base import DeckScreen

if TYPE_CHECKING:
    from sagedeck.ui.screens.dashboard.actions import NotebookActions
    from sagedeck.ui.screens.dashboard.manage_actions import ManageActions
    from sagedeck.ui.view.fleet import Fleet
    from sagedeck.ui.widgets.instance_table import InstanceTable


class InstanceKeys(DeckScreen[None]):
    """The base of the dashboard screen, which sets these."""

    fleet: Fleet
    table: InstanceTable
    actions: NotebookActions

    @property
    def current(self) -> NotebookSummary | None:
        key = self.table.current_key
        return self.fleet.get(key) if key else None

    @property
    def notebooks(self) -> Mapping[str, NotebookSummary]:
        return self.fleet.notebooks

    def action_delete(self) -> None:
        if (notebook := self.current) is not None:
            self.actions.delete(notebook)

    def action_open(self, view: str) -> None:
        if (notebook := self.current) is not None:
            self.actions.open(notebook, JupyterView(view))

    def action_copy_url(self, view: str) -> None:
        if (notebook := self.current) is not None:
            self.actions.copy_url(notebook, JupyterView(view))

    def action_copy_name(self) -> None:
        if (notebook := self.current) is not None:
            self.actions.copy_text(notebook.name, "Name")

    def action_copy_arn(self) -> None:
        if (notebook := self.current) is not None:
            self.actions.copy_text(notebook.arn, "ARN")

    def action_copy_proxy(self) -> None:
        if (notebook := self.current) is not None:
            self.actions.copy_proxy(notebook)

    def action_logs(self) -> None:
        if (notebook := self.current) is not None:
            self.actions.logs(notebook)

    def action_shell(self) -> None:
        if (notebook := self.current) is not None:
            self.actions.shell(notebook)

    def action_shell_jupyter(self) -> None:
        if (notebook := self.current) is not None:
            self.actions.shell(notebook, via="jupyter")

    def action_port_forward(self) -> None:
        if (notebook := self.current) is not None:
            self.actions.port_forward(notebook)

    def action_doctor(self) -> None:
        if (notebook := self.current) is not None:
            self.actions.doctor(notebook)

    # --- making and changing instances (screens/dashboard/manage_actions.py) ---------------

    @cached_property
    def manage(self) -> ManageActions:
        from sagedeck.ui.screens.dashboard.manage_actions import ManageActions

        return ManageActions(self.actions)

    def action_create(self) -> None:
        self.manage.create(self.current)

    def action_clone(self) -> None:
        if (notebook := self.current) is not None:
            self.manage.clone(notebook)

    def action_edit(self) -> None:
        if (notebook := self.current) is not None:
            self.manage.edit(notebook)

    def action_edit_refused(self) -> None:
        notebook = self.current
        if notebook is not None and notebook.status is not NotebookStatus.STOPPED:
            self.manage.edit_refused(notebook)

    def action_tags(self) -> None:
        if (notebook := self.current) is not None:
            self.manage.tags(notebook)
