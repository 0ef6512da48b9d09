"""Plain-text and JSON renderings shared by the CLI commands (the TUI renders its own)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sagedeck.models import NotebookSummary
from sagedeck.text.sanitize import sanitize_line

if TYPE_CHECKING:  # the dashboard imports age() before first paint: keep botocore out of it
    from sagedeck.aws.details import NotebookReport


def age(since: datetime, now: datetime | None = None) -> str:
    """'3h 12m', '2d 4h', '45s': how long ago ``since`` was."""
    now = now or datetime.now(UTC)
    seconds = max(0, int((now - since).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def age_changes_at(since: datetime, now: datetime) -> datetime:
    """When :func:`age`'s text for ``since``, as of ``now``, next changes: a table need not
    work it out again before then."""
    seconds = max(0, int((now - since).total_seconds()))
    step = 3600 if seconds >= 86400 else 60 if seconds >= 3600 else 1
    return since + timedelta(seconds=(seconds // step + 1) * step)


def idle_text(seconds: int | None, busy: bool | None = None) -> str:
    """An instance's Jupyter idle time: "idle 2h 10m", "idle 45s"; "-" when not known; "busy"
    while a kernel runs code. ``busy`` says whether one does; without it (``ls --activity``
    has only the seconds, 0 while busy) 0 counts as busy."""
    if busy:
        return "busy"
    if seconds is None:
        return "-"
    if seconds <= 0 and busy is None:
        return "busy"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"idle {days}d {hours}h"
    if hours:
        return f"idle {hours}h {minutes}m"
    if minutes:
        return f"idle {minutes}m"
    return f"idle {secs}s"


def hourly(price: float) -> str:
    """A price per hour as the PRICE column and the summary show it: ``$0.05/h``,
    ``$0.7364/h``, ``$14.20/h``."""
    if price >= 10:
        return f"${price:,.2f}/h"
    shown = f"{price:.4f}".rstrip("0")
    if len(shown.partition(".")[2]) < 2:
        shown = f"{price:.2f}"
    return f"${shown}/h"


def money(amount: float) -> str:
    """An amount in USD: cents below $1,000 (``$99.45``), whole dollars above (``$1,234``)."""
    return f"${amount:,.2f}" if amount < 1000 else f"${amount:,.0f}"


def cost_since(price: float, since: datetime, now: datetime) -> float:
    """What ``price`` per hour came to between ``since`` and ``now`` (never below 0)."""
    return price * max(0.0, (now - since).total_seconds()) / 3600


def short_duration(after: timedelta) -> str:
    """``8h``, ``90m``, ``2d``: a threshold as a user would write it."""
    seconds = int(after.total_seconds())
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Columns two spaces apart; every cell on one line, its control characters visible."""
    rows = [tuple(headers), *(tuple(sanitize_line(cell) for cell in r) for r in rows)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def summary_json(nb: NotebookSummary, profile: str | None = None) -> dict[str, Any]:
    """``profile``: the one listed, for a row that does not name its own (one profile)."""
    return {
        "name": nb.name,
        "status": nb.status.value,
        "instance_type": nb.instance_type,
        "region": nb.region,
        "created": _iso(nb.created),
        "last_modified": _iso(nb.last_modified),
        "url": nb.url,
        "arn": nb.arn,
        "lifecycle_config": nb.lifecycle_config,
        "default_code_repository": nb.default_code_repository,
        "additional_code_repositories": list(nb.additional_code_repositories),
        "profile": nb.profile or profile,
        "account": nb.account or None,
    }


def report_json(report: NotebookReport) -> dict[str, Any]:
    d = report.detail
    out = summary_json(d.summary)
    out.update(
        failure_reason=d.failure_reason,
        role_arn=d.role_arn,
        subnet_id=d.subnet_id,
        security_groups=list(d.security_groups),
        network_interface_id=d.network_interface_id,
        direct_internet_access=d.direct_internet_access,
        volume_size_gb=d.volume_size_gb,
        kms_key_id=d.kms_key_id,
        accelerator_types=list(d.accelerator_types),
        root_access=d.root_access,
        platform=d.platform,
        imds_min_version=d.imds_min_version,
    )
    net = report.network.value
    out["network_interface"] = (
        {
            "id": net.eni_id,
            "private_ip": net.private_ip,
            "subnet_id": net.subnet_id,
            "vpc_id": net.vpc_id,
            "availability_zone": net.availability_zone,
            "security_groups": [{"id": g.group_id, "name": g.name} for g in net.security_groups],
        }
        if net
        else None
    )
    role = report.role.value
    out["role"] = (
        {
            "name": role.role.name,
            "arn": role.role.arn,
            "attached_policies": [p.arn for p in role.role.attached_policies],
            "inline_policies": list(role.role.inline_policies),
            "denied": list(role.denied),
        }
        if role
        else None
    )
    lcc = report.lifecycle.value
    out["lifecycle"] = (
        {"name": lcc.name, "on_create": lcc.on_create, "on_start": lcc.on_start} if lcc else None
    )
    out["repositories"] = [
        {"name": r.name, "url": r.url, "branch": r.branch} for r in report.repositories.value or ()
    ]
    out["tags"] = {t.key: t.value for t in report.tags.value or ()}
    out["errors"] = {
        name: part.error
        for name, part in (
            ("network_interface", report.network),
            ("role", report.role),
            ("lifecycle", report.lifecycle),
            ("repositories", report.repositories),
            ("tags", report.tags),
        )
        if part.error
    }
    return out


def report_text(report: NotebookReport) -> str:
    """The report as lines of text. Every value in it comes from AWS (a tag, a description, a
    lifecycle script is written by whoever may edit it): each line is passed through
    :func:`sanitize_line` at the end, so no value can send the terminal a control sequence or
    start a line of its own."""
    d = report.detail
    s = d.summary
    lines = [
        f"{s.name}  ({s.region})",
        f"  status        {s.status.value}  since {age(s.last_modified)}",
    ]
    if d.failure_reason:
        lines.append(f"  failure       {d.failure_reason}")
    lines += [
        f"  type          {s.instance_type}",
        f"  platform      {d.platform or '-'}",
        f"  volume        {d.volume_size_gb or '-'} GB",
        f"  IMDS minimum  v{d.imds_min_version or '1'}",
        f"  root access   {'enabled' if d.root_access else 'disabled'}",
        f"  internet      {'direct' if d.direct_internet_access else 'through the VPC only'}",
        f"  KMS key       {d.kms_key_id or '-'}",
        f"  url           {s.url or '-'}",
        f"  arn           {s.arn}",
    ]
    if d.accelerator_types:
        lines.append(f"  accelerators  {', '.join(d.accelerator_types)}")
    lines.append("network interface")
    net = report.network
    if net.error:
        lines.append(f"  {net.error}")
    elif net.value:
        n = net.value
        groups = ", ".join(f"{g.group_id} ({g.name})" for g in n.security_groups)
        lines += [
            f"  eni           {n.eni_id}",
            f"  private ip    {n.private_ip or '-'}",
            f"  subnet / vpc  {n.subnet_id or '-'} / {n.vpc_id or '-'}  ({n.availability_zone})",
            f"  groups        {groups or '-'}",
        ]
    else:
        lines.append("  none (not in a VPC)")
    lines.append("role")
    if report.role.error:
        lines.append(f"  {report.role.error}")
    elif report.role.value:
        r = report.role.value
        lines.append(f"  {r.role.arn}")
        lines += [f"  attached  {p.name}" for p in r.role.attached_policies]
        lines += [f"  inline    {name}" for name in r.role.inline_policies]
        lines += [f"  not allowed: {perm}" for perm in r.denied]
    lines.append("lifecycle configuration")
    if report.lifecycle.error:
        lines.append(f"  {report.lifecycle.error}")
    elif report.lifecycle.value:
        lcc = report.lifecycle.value
        lines.append(f"  {lcc.name}")
        for hook, script in (("OnCreate", lcc.on_create), ("OnStart", lcc.on_start)):
            if script:
                lines.append(f"  --- {hook}")
                # On newlines (CR LF too) only: any other separator is shown, not obeyed.
                script_lines = script.removesuffix("\n").split("\n")
                lines += ["  | " + line.removesuffix("\r") for line in script_lines]
    else:
        lines.append("  none")
    lines.append("git repositories")
    if report.repositories.error:
        lines.append(f"  {report.repositories.error}")
    for repo in report.repositories.value or ():
        lines.append(f"  {repo.name}  {repo.url}  {repo.branch or ''}".rstrip())
    lines.append("tags")
    if report.tags.error:
        lines.append(f"  {report.tags.error}")
    for tag in report.tags.value or ():
        lines.append(f"  {tag.key} = {tag.value}")
    return "\n".join(sanitize_line(line) for line in lines)
