"""The dashboard's keys that make and change instances: ``n`` create, ``ctrl+n`` clone, ``e``
edit (a Stopped instance), ``t`` tags. Each opens its screen in a named worker and, when the
screen says something changed, asks the poller for a refresh so the table shows it at once.

Read-only mode hides these keys (``ui/keys.MUTATING``); the calls beneath refuse as well.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sagedeck.models import NotebookStatus, NotebookSummary

if TYPE_CHECKING:
    from sagedeck.aws.services import AwsServices
    from sagedeck.ui.screens.dashboard.actions import NotebookActions
    from sagedeck.ui.screens.manage.form import FormPlan

EDIT_NEEDS = NotebookStatus.STOPPED


class ManageActions:
    def __init__(self, actions: NotebookActions) -> None:
        self.actions = actions
        self.deck = actions.deck

    def _refused(self, what: str) -> bool:
        if self.deck.read_only:
            self.deck.notify(f"read-only mode: {what} is refused", severity="warning")
            return True
        return False

    def create(self, near: NotebookSummary | None) -> None:
        if self._refused("create"):
            return
        from sagedeck.ui.screens.manage.form import FormPlan

        services = self.deck.services
        if not services.target.many_profiles:
            regions = tuple(services.target.regions)
            region = near.region if near is not None else regions[0]
            plan = FormPlan("create", regions, region)
        else:  # the form asks which; the row's profile and region first
            profiles = tuple(str(profile) for profile in services.profiles)
            near_profile = near.profile if near is not None else None
            profile = near_profile if near_profile in profiles else profiles[0]
            regions = services.for_profile(profile).conn.regions
            region = near.region if near is not None and near.region in regions else regions[0]
            plan = FormPlan("create", regions, region, profile=profile, profiles=profiles)
        self.actions.run(self._form(plan), "create", "create a notebook instance")

    def _profile(self, notebook: NotebookSummary) -> str | None:
        """The row's profile, named in the form's request when several are listed."""
        return notebook.profile if self.deck.services.target.many_profiles else None

    def clone(self, notebook: NotebookSummary) -> None:
        if not self._refused("clone"):
            self.actions.run(self._clone(notebook), "clone", f"clone {notebook.name}")

    async def _clone(self, notebook: NotebookSummary) -> None:
        from sagedeck.ui.screens.manage.form import FormPlan

        services = self.deck.services.of(notebook.key)  # made where its source is
        params = await services.manage.describe_for_clone(notebook.region, notebook.name)
        regions = tuple(services.target.regions)
        plan = FormPlan(
            "clone",
            regions,
            notebook.region,
            initial=params,
            source=notebook.name,
            profile=self._profile(notebook),
        )
        await self._form(plan, services)

    def edit(self, notebook: NotebookSummary) -> None:
        if not self._refused("edit"):
            self.actions.run(self._edit(notebook), "edit", f"edit {notebook.name}")

    async def _edit(self, notebook: NotebookSummary) -> None:
        from sagedeck.ui.screens.manage.form import FormPlan

        services = self.deck.services.of(notebook.key)  # the profile that lists it
        current = await services.manage.describe(notebook.region, notebook.name)
        status = str(current.get("NotebookInstanceStatus", ""))
        if status != EDIT_NEEDS:  # it changed since the last refresh
            self.edit_refused(notebook, status)
            return
        plan = FormPlan(
            "edit",
            (notebook.region,),
            notebook.region,
            current=current,
            source=notebook.name,
            profile=self._profile(notebook),
        )
        await self._form(plan, services)

    def edit_refused(self, notebook: NotebookSummary, status: str = "") -> None:
        self.deck.notify(
            f"{notebook.name} is {status or notebook.status}: AWS changes settings only when it "
            "is Stopped. Stop it first (x), or clone it with new settings (ctrl+n).",
            title="Edit",
            severity="warning",
        )

    async def _form(self, plan: FormPlan, services: AwsServices | None = None) -> None:
        from sagedeck.ui.screens.manage.form import InstanceForm

        form = InstanceForm(services or self.deck.services, plan)
        outcome = await self.actions.app.push_screen_wait(form)
        if outcome is None:
            return
        where = outcome.region
        if outcome.profile is not None:
            where += f", profile {outcome.profile}"
        if outcome.verb == "edit":
            said = f"Updated {outcome.name} ({where}): start it to use the new settings"
        else:
            said = f"Creating {outcome.name} in {where}: AWS starts it (Pending)"
        self.deck.notify(said, title="Edit" if outcome.verb == "edit" else "Create")
        self.actions.refresh()

    def tags(self, notebook: NotebookSummary) -> None:
        if not self._refused("changing tags"):
            self.actions.run(self._tags(notebook), "tags", f"tags of {notebook.name}")

    async def _tags(self, notebook: NotebookSummary) -> None:
        from sagedeck.ui.screens.manage.tags import TagScreen
        from sagedeck.ui.widgets.detail_pane import DetailPane

        changed = await self.actions.app.push_screen_wait(
            TagScreen(self.deck.services.of(notebook.key), notebook)
        )
        if changed:
            detail = self.actions.screen.query_one(DetailPane)
            detail.invalidate()  # its tags part is cached until the status changes
            detail.show(detail.notebook)
            self.actions.refresh()
