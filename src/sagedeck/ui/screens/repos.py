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
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from sagedeck.aws.repos import NewRepository, RepositoryEntry
from sagedeck.ui.keys import CATALOG_MUTATING, REPOSITORY_BINDINGS
from sagedeck.ui.safe_text import text_line, text_lines
from sagedeck.ui.screens.base import DeckScreen
from sagedeck.ui.widgets.footer import DeckFooter
from sagedeck.ui.widgets.list_table import ListTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

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
        ("Name", f"{repo.name} ({entry.region})"),
        ("ARN", repo.arn),
        ("URL", repo.url),
        ("Branch", repo.branch or "the remote's default"),
        ("Secret", repo.secret_arn or "none (a public repository)"),
        ("Default for", ", ".join(entry.default_for) or "-"),
        ("Additional for", ", ".join(entry.additional_for) or "-"),
    )
    return text_lines("\n".join(f"{label + ':':<16}{value}" for label, value in fields))


def add_request(region: str, repository: NewRepository) -> str:
    lines = [f"CreateCodeRepository in {region}", f"  CodeRepositoryName: {repository.name}"]
    lines += [f"  GitConfig.{key}: {value}" for key, value in repository.git_config().items()]
    return "\n".join(lines)


class RepositoryScreen(DeckScreen[None]):
    CSS_PATH = "repos.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [*REPOSITORY_BINDINGS]

    def __init__(self, services: AwsServices, *, read_only: bool) -> None:
        super().__init__()
        self.services = services
        self.read_only = read_only
        self.entries: dict[str, RepositoryEntry] = {}
        self.loads = 0  # finished listings (tests wait on it)

    def compose(self) -> ComposeResult:
        with Vertical(id="repositories"):
            yield Static(text_line("Git repositories · loading…"), id="heading")
            yield ListTable(id="repos", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="repo-detail"):
                yield Static("", id="repo-text")
        yield DeckFooter()

    def on_mount(self) -> None:
        table = self.query_one("#repos", DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        table.focus()
        self.reload()

    @property
    def current(self) -> RepositoryEntry | None:
        table = self.query_one("#repos", DataTable)
        if not table.row_count:
            return None
        row = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return self.entries.get(str(row.value))

    @work(
        group="repos-list",
        exclusive=True,
        description="list Git repositories",
        exit_on_error=False,
    )
    async def reload(self, select: str | None = None) -> None:
        entries = await self.services.repos.list()
        keep = select or (self.current.key if self.current else None)
        self.entries = {entry.key: entry for entry in entries}
        table = self.query_one("#repos", DataTable)
        table.clear()
        for entry in entries:
            repo = entry.repository
            table.add_row(
                text_line(repo.name),
                entry.region,
                text_line(repo.url),
                text_line(repo.branch or "-"),
                text_line(secret_name(repo.secret_arn)),
                text_line(used_text(entry)),
                key=entry.key,
            )
        if keep in self.entries:
            table.move_cursor(row=table.get_row_index(keep))
        self.query_one("#heading", Static).update(
            text_line(
                f"Git repositories · {len(entries)}" + (" · read-only" if self.read_only else "")
            )
        )
        self.loads += 1
        self.refresh_bindings()
        self.show_selected()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_selected()

    def show_selected(self) -> None:
        entry = self.current
        self.query_one("#repo-text", Static).update(
            entry_view(entry) if entry else Text("No Git repository here.", style="dim")
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in CATALOG_MUTATING and self.read_only:
            return False  # hidden: read-only mode has no such action
        if action == "delete" and self.current is None:
            return None
        return True

    def action_refresh(self) -> None:
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)

    @work(group="repos-change", description="add a Git repository", exit_on_error=False)
    async def action_new(self) -> None:
        from sagedeck.ui.screens.catalog_forms import AddRepositoryForm
        from sagedeck.ui.screens.confirm import ConfirmScreen

        choice: RepositoryToAdd | None = await self.app.push_screen_wait(
            AddRepositoryForm(self.services.conn.regions)
        )
        if choice is None:
            return
        repository = choice.repository
        body = add_request(choice.region, repository)
        if repository.secret_arn:
            secret = await self.services.repos.check_secret(repository.secret_arn)
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
        await self.services.repos.add(choice.region, repository)
        self.notify(f"Added {repository.name} in {choice.region}", title="Git repository")
        self.reload(select=f"{choice.region}/{repository.name}")

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
        body = (
            f"DeleteCodeRepository in {entry.region}\n  CodeRepositoryName: {entry.name}\n\n"
            "No instance uses it. The repository itself (and its secret) stay as they are."
        )
        confirmed = await self.app.push_screen_wait(
            ConfirmScreen("Delete Git repository", body, "Delete")
        )
        if not confirmed:
            self.notify("Delete cancelled", timeout=3)
            return
        await self.services.repos.delete(entry.name, entry.region)
        self.notify(f"Deleted {entry.name} from {entry.region}", title="Git repository")
        self.reload()
