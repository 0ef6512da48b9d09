"""How each part of the detail pane reads. Rich renderables only; the parts and their loading
are ``aws/details.PARTS``, here is how each one is shown (``VIEWS``).

Every value is AWS's (a name, a description, a tag, a script): it is shown through
``ui/safe_text`` as a sanitised ``Text``, never as markup; ``_grid`` takes a ``str`` as such a
value."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from sagedeck.aws import details
from sagedeck.models import (
    CodeRepository,
    JupyterActivity,
    LifecycleConfig,
    ManagedNode,
    NetworkInterface,
    NotebookDetail,
    NotebookSummary,
    Tag,
)
from sagedeck.text.format import age, idle_text
from sagedeck.text.sanitize import sanitize, sanitize_line
from sagedeck.ui.safe_text import text_line, text_lines
from sagedeck.ui.view.columns import STATUS_STYLE

if TYPE_CHECKING:
    from sagedeck.aws.iam import RoleView

LOADING = Text("loading…", style="dim italic")
PENDING = Text("…", style="dim")
# The overview's rows that come from DescribeNotebookInstance, not from the listing.
DETAIL_ROWS = (
    "accelerators",
    "platform",
    "volume",
    "IMDS minimum",
    "root access",
    "internet",
    "KMS key",
)


def _grid(rows: Iterable[tuple[str, RenderableType | str | None]]) -> Table:
    """Label and value per row; a ``str`` (a label too: a tag's key) is AWS text, shown on one
    line as it is (Rich would read a ``str`` cell as markup)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        if value is None or value == "":
            grid.add_row(text_line(label), Text("-", style="dim"))
        else:
            grid.add_row(text_line(label), text_line(value) if isinstance(value, str) else value)
    return grid


def error_text(error: str) -> Text:
    style = "bold yellow" if error.startswith("not allowed") else "bold red"
    return text_line(error, style=style)


def overview(
    summary: NotebookSummary, detail: NotebookDetail | None, now: datetime
) -> RenderableType:
    status = Text.assemble(
        (summary.status.value, STATUS_STYLE.get(summary.status, "")),
        (f"  for {age(summary.last_modified, now)}", "dim"),
    )
    parts: list[RenderableType] = []
    if detail is not None and detail.failure_reason:
        parts.append(
            Panel(
                text_lines(detail.failure_reason, style="bold"),
                title="FailureReason",
                title_align="left",
                border_style="bold red",
            )
        )
    rows: list[tuple[str, RenderableType | str | None]] = [
        ("name", text_line(summary.name, style="bold")),
        ("status", status),
        ("region", summary.region),
        ("type", summary.instance_type),
    ]
    if detail is not None:
        imds = detail.imds_min_version
        rows += [
            ("accelerators", ", ".join(detail.accelerator_types) or "none"),
            ("platform", detail.platform),
            ("volume", f"{detail.volume_size_gb} GB" if detail.volume_size_gb else None),
            ("IMDS minimum", f"v{imds}" if imds else "v1"),
            ("root access", "enabled" if detail.root_access else "disabled"),
            (
                "internet",
                "direct (SageMaker's network)"
                if detail.direct_internet_access
                else "through the VPC only",
            ),
            ("KMS key", detail.kms_key_id),
        ]
    else:  # the same rows while DescribeNotebookInstance runs: nothing moves when it answers
        rows += [(label, PENDING) for label in DETAIL_ROWS]
    rows += [
        ("Jupyter", f"https://{summary.url}" if summary.url else None),
        ("ARN", summary.arn),
        ("created", f"{summary.created:%Y-%m-%d %H:%M} UTC ({age(summary.created, now)} ago)"),
    ]
    parts.append(_grid(rows))
    return Group(*parts)


def network(eni: NetworkInterface | None, detail: NotebookDetail | None) -> RenderableType:
    if eni is None:
        if detail is not None and detail.subnet_id:
            return text_line(f"subnet {detail.subnet_id}; no network interface yet", style="dim")
        return Text("none: not in a VPC (SageMaker's network only)", style="dim")
    groups = Text()
    for index, group in enumerate(eni.security_groups):
        if index:
            groups.append("\n")
        groups.append(sanitize_line(group.group_id))
        if group.name:
            groups.append(f" ({sanitize_line(group.name)})", style="dim")
    return _grid(
        [
            ("ENI", eni.eni_id),
            ("private IP", eni.private_ip),
            ("subnet", eni.subnet_id),
            ("VPC", eni.vpc_id),
            ("zone", eni.availability_zone),
            ("security groups", groups if eni.security_groups else None),
        ]
    )


def role(view: RoleView | None) -> RenderableType:
    if view is None:
        return Text("no execution role", style="dim")
    info = view.role
    attached = _names(p.name for p in info.attached_policies)
    inline = _names(info.inline_policies)
    rows: list[tuple[str, RenderableType | str | None]] = [
        ("name", text_line(info.name, style="bold")),
        ("ARN", info.arn),
        ("attached", attached),
        ("inline", inline),
    ]
    if info.description:
        rows.insert(2, ("description", text_lines(info.description)))
    parts: list[RenderableType] = [_grid(rows)]
    parts += [error_text(f"not allowed: {permission}") for permission in view.denied]
    return Group(*parts)


def _names(names: Iterable[str]) -> Text | None:
    """One name a line (policies); None for none."""
    shown = "\n".join(sanitize_line(name) for name in names)
    return Text(shown) if shown else None


def lifecycle(config: LifecycleConfig | None, dark: bool = True) -> RenderableType:
    if config is None:
        return Text("none", style="dim")
    from rich.syntax import Syntax  # pygments: imported when a script is first shown

    parts: list[RenderableType] = [text_line(config.name, style="bold")]
    for hook, raw in (("OnCreate", config.on_create), ("OnStart", config.on_start)):
        # Its escape bytes shown, never sent: a script is written by whoever may edit the
        # configuration, and read by everyone who looks at the instance.
        script = sanitize(raw) if raw else raw
        if not script:
            parts.append(Text(f"{hook}: none", style="dim"))
            continue
        parts.append(Text(f"{hook} ({len(script.splitlines())} lines)", style="bold"))
        parts.append(
            Syntax(
                script.rstrip("\n"),
                "bash",
                theme="ansi_dark" if dark else "ansi_light",
                line_numbers=True,
                word_wrap=True,
                background_color="default",
            )
        )
    return Group(*parts)


def repositories(repos: tuple[CodeRepository, ...] | None) -> RenderableType:
    if not repos:
        return Text("none", style="dim")
    rows: list[tuple[str, RenderableType | str | None]] = []
    for index, repo in enumerate(repos):
        label = "default" if index == 0 else "additional"
        value = text_line(repo.url)
        if repo.branch:
            value.append(f" ({sanitize_line(repo.branch)})", style="dim")
        if repo.name != repo.url:
            value = Text.assemble(text_line(repo.name, style="bold"), "  ", value)
        rows.append((label, value))
    return _grid(rows)


def tags(values: tuple[Tag, ...] | None) -> RenderableType:
    if not values:
        return Text("none", style="dim")
    return _grid((tag.key, tag.value) for tag in sorted(values, key=lambda t: t.key))


def ssm(node: ManagedNode | None, tag_key: str) -> RenderableType:
    if node is None:
        return text_line(
            f"no managed node tagged {tag_key}=<name> (see sagemaker-ssh-helper; D: doctor)",
            style="dim",
        )
    style = "bold green" if node.ping_status == "Online" else "bold yellow"
    return _grid(
        [
            ("node", text_line(node.instance_id, style="bold")),
            ("ping", text_line(node.ping_status, style=style)),
            ("agent", node.agent_version),
            ("IP", node.ip_address),
        ]
    )


def jupyter(activity: JupyterActivity | None) -> RenderableType:
    """The instance's Jupyter server: its activity, kernels and terminals (Jupyter's text is
    data: every name goes through ``text_line``)."""
    if activity is None:
        return text_line("not InService: no Jupyter server to ask", style="dim")
    read = activity.read_at
    rows: list[tuple[str, RenderableType | str | None]] = [
        ("idle", idle_text(activity.idle_seconds(), activity.busy)),
        ("started", f"{age(activity.started, read)} ago" if activity.started else None),
        ("connections", str(activity.connections)),
    ]
    for kernel in activity.kernels:
        line = text_line(kernel.name, style="bold")
        state_style = "bold yellow" if kernel.execution_state == "busy" else ""
        line.append("  ")
        line.append_text(text_line(kernel.execution_state, style=state_style))
        if kernel.last_activity is not None:
            line.append(f"  active {age(kernel.last_activity, read)} ago", style="dim")
        line.append(f"  {kernel.connections} conn", style="dim")
        rows.append(("kernel", line))
    if not activity.kernels:
        rows.append(("kernels", text_line("none running", style="dim")))
    for terminal in activity.terminals:
        line = text_line(terminal.name, style="bold")
        if terminal.last_activity is not None:
            line.append(f"  active {age(terminal.last_activity, read)} ago", style="dim")
        rows.append(("terminal", line))
    return _grid(rows)


class PartContext(NamedTuple):
    """What a part's rendering may need besides its value."""

    detail: NotebookDetail | None
    dark: bool
    ssm_tag_key: str


class PartView(NamedTuple):
    """How a part of ``aws/details.PARTS`` is shown: its heading and its rendering."""

    title: str
    render: Callable[[Any, PartContext], RenderableType]


OVERVIEW = "overview"  # the describe itself, shown first
VIEWS: dict[str, PartView] = {
    "network": PartView("Network interface", lambda eni, shown: network(eni, shown.detail)),
    "role": PartView("IAM role", lambda view, _shown: role(view)),
    "lifecycle": PartView(
        "Lifecycle configuration", lambda config, shown: lifecycle(config, dark=shown.dark)
    ),
    "repositories": PartView("Git repositories", lambda repos, _shown: repositories(repos)),
    "tags": PartView("Tags", lambda values, _shown: tags(values)),
    "ssm": PartView("SSM managed node", lambda node, shown: ssm(node, shown.ssm_tag_key)),
    # The pane's own part (widgets/detail_pane.py), read from the instance's Jupyter server.
    "jupyter": PartView("Jupyter server", lambda activity, _shown: jupyter(activity)),
}
# The part ids, in the order the pane shows them, with their headings.
PARTS: tuple[tuple[str, str], ...] = (
    (OVERVIEW, "Instance"),
    *((part.key, VIEWS[part.key].title) for part in details.PARTS),
)
# The pane adds it after the others when it reads the instances' Jupyter activity.
JUPYTER_PART = ("jupyter", VIEWS["jupyter"].title)
