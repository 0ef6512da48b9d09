"""Git repositories (``ctrl+g``): every code repository with its URL, branch, the ARN of its
credentials' secret (never the value) and the instances that clone it; add, delete.

Adding checks the secret with DescribeSecret first and says so when it cannot be found or
read: the repository is then added only if the user says so. Every change is confirmed with
the request as it will be sent, then the list is read again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import BindingType

from sagedeck.aws.across import entry_key
from sagedeck.aws.repos import NewRepository, RepositoryEntry
from sagedeck.ui.keys import REPOSITORY_BINDINGS
from sagedeck.ui.safe_text import text_line, text_lines
from sagedeck.ui.screens.catalog_list import CatalogListScreen, where

if TYPE_CHECKING:
    from rich.console import RenderableType

    from sagedeck.aws.services import AwsServices
    from sagedeck.ui.screens.catalog_forms import RepositoryToAdd

COLUMNS = (
    ("name", "NAME"),
    ("region", "REGION"),
    ("url", "URL"),
    ("branch", "BRANCH"),
    ("secret", "SECRET"),
    ("used", "USED BY"),
)


def used_text(entry: RepositoryEntry) -> str:
    parts = [*entry.default_for, *(f"{name} (additional)" for name in entry.additional_for)]
    return ", ".join(parts) or "-"


def secret_name(arn: str | None) -> str:
    """The secret's name from its ARN (the table's column; the full ARN is below it)."""
    return arn.split(":secret:", 1)[-1] if arn else "-"


def entry_view(entry: RepositoryEntry) -> Text:
    repo = entry.repository
    fields = (
        ("Name", f"{repo.name} ({where(entry.region, entry.profile)})"),
        ("ARN", repo.arn),
        ("URL", repo.url),
        ("Branch", repo.branch or "the remote's default"),
        ("Secret", repo.secret_arn or "none (a public repository)"),
        ("Default for", ", ".join(entry.default_for) or "-"),
        ("Additional for", ", ".join(entry.additional_for) or "-"),
    )
    return text_lines("\n".join(f"{label + ':':<16}{value}" for label, value in fields))


def add_request(place: str, repository: NewRepository) -> str:
    """``place``: the region, with the profile when several are listed (:func:`where`)."""
    lines = [f"CreateCodeRepository in {place}", f"  CodeRepositoryName: {repository.name}"]
    lines += [f"  GitConfig.{key}: {value}" for key, value in repository.git_config().items()]
    return "\n".join(lines)


class RepositoryScreen(CatalogListScreen[RepositoryEntry]):
    CSS_PATH = "repos.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [*REPOSITORY_BINDINGS]
    TITLE_TEXT = "Git repositories"
    LISTING = "list Git repositories"
    EMPTY = "No Git repository here."
    COLUMNS = COLUMNS
    BOX_ID, TABLE_ID, PANE_ID, TEXT_ID = "repositories", "repos", "repo-detail", "repo-text"

    async def list_entries(self, services: AwsServices) -> list[RepositoryEntry]:
        return await services.repos.list()

    def cells(self, entry: RepositoryEntry) -> tuple[RenderableType, ...]:
        repo = entry.repository
        return (
            text_line(repo.name),
            entry.region,
            text_line(repo.url),
            text_line(repo.branch or "-"),
            text_line(secret_name(repo.secret_arn)),
            text_line(used_text(entry)),
        )

    def detail(self, entry: RepositoryEntry) -> RenderableType:
        return entry_view(entry)

    @work(group="repos-change", description="add a Git repository", exit_on_error=False)
    async def action_new(self) -> None:
        from sagedeck.ui.screens.catalog_forms import AddRepositoryForm
        from sagedeck.ui.screens.confirm import ConfirmScreen

        choice: RepositoryToAdd | None = await self.app.push_screen_wait(
            AddRepositoryForm(
                self.services.conn.regions, self.profile_regions(), self.new_profile()
            )
        )
        if choice is None:
            return
        services = self.services.for_profile(choice.profile) if choice.profile else self.services
        repository = choice.repository
        place = where(choice.region, choice.profile)
        body = add_request(place, repository)
        if repository.secret_arn:
            secret = await services.repos.check_secret(repository.secret_arn)
            if secret.ok:
                body += "\n\nThe secret exists (DescribeSecret; its value was not read)."
            else:
                body += f"\n\nWarning: {secret.problem}.\nInstances will fail to clone it."
        confirmed = await self.app.push_screen_wait(
            ConfirmScreen("Add Git repository", body, "Add", danger=False)
        )
        if not confirmed:
            self.notify("Nothing added", timeout=3)
            return
        await services.repos.add(choice.region, repository)
        self.notify(f"Added {repository.name} in {place}", title="Git repository")
        self.reload(select=entry_key(choice.profile, choice.region, repository.name))

    @work(group="repos-change", description="delete a Git repository", exit_on_error=False)
    async def action_delete(self) -> None:
        from sagedeck.ui.screens.confirm import ConfirmScreen

        entry = self.current
        if entry is None:
            return
        if entry.used_by:
            self.notify(
                f"{entry.name} is used by {', '.join(entry.used_by)}: remove it from them first",
                title="Cannot delete",
                severity="error",
            )
            return
        place = where(entry.region, entry.profile)
        body = (
            f"DeleteCodeRepository in {place}\n  CodeRepositoryName: {entry.name}\n\n"
            "No instance uses it. The repository itself (and its secret) stay as they are."
        )
        confirmed = await self.app.push_screen_wait(
            ConfirmScreen("Delete Git repository", body, "Delete")
        )
        if not confirmed:
            self.notify("Delete cancelled", timeout=3)
            return
        await self.services_of(entry).repos.delete(entry.name, entry.region)
        self.notify(f"Deleted {entry.name} from {place}", title="Git repository")
        self.reload()
