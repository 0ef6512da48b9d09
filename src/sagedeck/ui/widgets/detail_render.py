"""How each part of the detail pane reads. Rich renderables only; the parts and their loading
are ``aws/details.PARTS``, here is how each one is shown (``VIEWS``)."""

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
    LifecycleConfig,
    ManagedNode,
    NetworkInterface,
    NotebookDetail,
    NotebookSummary,
    Tag,
)
from sagedeck.text.format import age
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
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        if value is None or value == "":
            grid.add_row(label, Text("-", style="dim"))
        else:
            grid.add_row(label, value)
    return grid


def error_text(error: str) -> Text:
    style = "bold yellow" if error.startswith("not allowed") else "bold red"
    return Text(error, style=style)


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
                Text(detail.failure_reason, style="bold"),
                title="FailureReason",
                title_align="left",
                border_style="bold red",
            )
        )
    rows: list[tuple[str, RenderableType | str | None]] = [
        ("name", Text(summary.name, style="bold")),
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
            return Text(f"subnet {detail.subnet_id}; no network interface yet", style="dim")
        return Text("none: not in a VPC (SageMaker's network only)", style="dim")
    groups = Text()
    for index, group in enumerate(eni.security_groups):
        if index:
            groups.append("\n")
        groups.append(group.group_id)
        if group.name:
            groups.append(f" ({group.name})", style="dim")
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
    attached = (
        Text("\n".join(p.name for p in info.attached_policies)) if info.attached_policies else None
    )
    inline = Text("\n".join(info.inline_policies)) if info.inline_policies else None
    rows: list[tuple[str, RenderableType | str | None]] = [
        ("name", Text(info.name, style="bold")),
        ("ARN", info.arn),
        ("attached", attached),
        ("inline", inline),
    ]
    if info.description:
        rows.insert(2, ("description", info.description))
    parts: list[RenderableType] = [_grid(rows)]
    parts += [error_text(f"not allowed: {permission}") for permission in view.denied]
    return Group(*parts)


def lifecycle(config: LifecycleConfig | None, dark: bool = True) -> RenderableType:
    if config is None:
        return Text("none", style="dim")
    from rich.syntax import Syntax  # pygments: imported when a script is first shown

    parts: list[RenderableType] = [Text(config.name, style="bold")]
    for hook, script in (("OnCreate", config.on_create), ("OnStart", config.on_start)):
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
        value = Text(repo.url)
        if repo.branch:
            value.append(f" ({repo.branch})", style="dim")
        if repo.name != repo.url:
            value = Text.assemble((repo.name, "bold"), "  ", value)
        rows.append((label, value))
    return _grid(rows)


def tags(values: tuple[Tag, ...] | None) -> RenderableType:
    if not values:
        return Text("none", style="dim")
    return _grid((tag.key, tag.value) for tag in sorted(values, key=lambda t: t.key))


def ssm(node: ManagedNode | None, tag_key: str) -> RenderableType:
    if node is None:
        return Text(
            f"no managed node tagged {tag_key}=<name> (see sagemaker-ssh-helper; D: doctor)",
            style="dim",
        )
    style = "bold green" if node.ping_status == "Online" else "bold yellow"
    return _grid(
        [
            ("node", Text(node.instance_id, style="bold")),
            ("ping", Text(node.ping_status, style=style)),
            ("agent", node.agent_version),
            ("IP", node.ip_address),
        ]
    )


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
}
# The part ids, in the order the pane shows them, with their headings.
PARTS: tuple[tuple[str, str], ...] = (
    (OVERVIEW, "Instance"),
    *((part.key, VIEWS[part.key].title) for part in details.PARTS),
)
