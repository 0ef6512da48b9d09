"""``sagedeck lifecycle ls | show | create | update | delete``: lifecycle configurations and the
built-in idle-stop script."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sagedeck.errors import InvalidInput
from sagedeck.text.format import age
from sagedeck.text.sanitize import dumps_json, sanitize_line, tolerate_unencodable

if TYPE_CHECKING:  # imported by the handlers: the parser is built on every run
    from sagedeck.aws.lifecycle import LifecycleEntry, Scripts
    from sagedeck.aws.services import AwsServices


def idle_minutes(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"--idle-stop takes whole minutes, not {text!r}") from None


def register(sub: Any) -> None:
    lifecycle = sub.add_parser(
        "lifecycle",
        help="lifecycle configurations: list, show, create, update, delete",
        description="Lifecycle configurations: the scripts a notebook instance runs as root"
        " when it is created (on-create) and on every start (on-start; it must finish within"
        " 5 minutes). --idle-stop MINUTES uses sagedeck's built-in script that stops an"
        " instance once Jupyter has been idle that long.",
    )
    verbs = lifecycle.add_subparsers(dest="verb", metavar="VERB", required=True)

    ls = verbs.add_parser("ls", help="every configuration, with the instances that use it")
    ls.add_argument("--json", action="store_true", help="one JSON array, for scripts")
    ls.set_defaults(handler=cmd_ls)

    show = verbs.add_parser("show", help="both scripts, decoded")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)

    for verb, handler, what in (
        ("create", cmd_create, "create a configuration from script files"),
        ("update", cmd_update, "replace a configuration's scripts (the others stay)"),
    ):
        p = verbs.add_parser(verb, help=what)
        p.add_argument("name")
        p.add_argument(
            "--on-create", metavar="FILE", help="script run once, at creation (- reads stdin)"
        )
        start = p.add_mutually_exclusive_group()
        start.add_argument("--on-start", metavar="FILE", help="script run on every start")
        start.add_argument(
            "--idle-stop",
            metavar="MINUTES",
            type=idle_minutes,
            help="on-start: the built-in script that stops the instance after MINUTES idle",
        )
        if verb == "update":
            p.add_argument(
                "--no-on-create", action="store_true", help="remove the on-create script"
            )
            p.add_argument("--no-on-start", action="store_true", help="remove the on-start script")
        p.set_defaults(handler=handler)

    delete = verbs.add_parser("delete", help="delete one (refused while an instance uses it)")
    delete.add_argument("name")
    delete.set_defaults(handler=cmd_delete)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def cmd_ls(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.commands.catalog import print_entries

    now = datetime.now(UTC)

    def row(e: LifecycleEntry) -> tuple[str, ...]:
        return (
            e.name,
            e.region,
            f"{age(e.created, now)} ago" if e.created else "-",
            f"{age(e.modified, now)} ago" if e.modified else "-",
            ", ".join(e.used_by) or "-",
        )

    def record(e: LifecycleEntry) -> dict[str, Any]:
        return {
            "name": e.name,
            "region": e.region,
            "arn": e.arn,
            "created": _iso(e.created),
            "last_modified": _iso(e.modified),
            "used_by": list(e.used_by),
        }

    return await print_entries(
        services,
        lambda member: member.lifecycle.list(),
        as_json=args.json,
        header=("NAME", "REGION", "CREATED", "MODIFIED", "USED BY"),
        row=row,
        record=record,
    )


async def cmd_show(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.aws.across import one_profile
    from sagedeck.text.scripts import shell_text

    services = one_profile(services)
    region = await services.lifecycle.find(args.name)
    config = await services.lifecycle.describe(args.name, region)
    used_by = await services.lifecycle.used_by(args.name, region)
    if args.json:
        data = {
            "name": config.name,
            "region": region,
            "arn": config.arn,
            "created": _iso(config.created),
            "last_modified": _iso(config.last_modified),
            "used_by": list(used_by),
            "on_create": config.on_create,
            "on_start": config.on_start,
        }
        sys.stdout.write(dumps_json(data, indent=2) + "\n")
        return 0
    tolerate_unencodable(sys.stdout)
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")  # no-color.org
    print(sanitize_line(f"{config.name} ({region})  {config.arn}"))
    print(sanitize_line(f"used by: {', '.join(used_by) or 'no instance'}"))
    for title, script in (("on-create", config.on_create), ("on-start", config.on_start)):
        print()
        print(f"# --- {title} " + "-" * 60)
        print(shell_text(script, colour=colour) if script else "(none)")
    return 0


def read_script(path: str, flag: str) -> str:
    """A script file's text (``-``: standard input), or one line saying why it cannot be read."""
    try:
        if path == "-":
            return sys.stdin.read()
        return Path(path).expanduser().read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{flag} {path}: not UTF-8 text") from None
    except OSError as err:
        raise InvalidInput(f"{flag} {path}: {err.strerror or err}") from None


def scripts_from(args: argparse.Namespace) -> Scripts:
    from sagedeck.aws.lifecycle import Scripts, idle_stop_script

    on_create = read_script(args.on_create, "--on-create") if args.on_create else None
    if args.idle_stop is not None:
        on_start: str | None = idle_stop_script(args.idle_stop)
    else:
        on_start = read_script(args.on_start, "--on-start") if args.on_start else None
    if getattr(args, "no_on_create", False):
        if on_create is not None:
            raise InvalidInput("--on-create and --no-on-create: choose one")
        on_create = ""
    if getattr(args, "no_on_start", False):
        if on_start is not None:
            raise InvalidInput("--on-start/--idle-stop and --no-on-start: choose one")
        on_start = ""
    return Scripts(on_create, on_start)


async def cmd_create(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.aws.across import one_profile
    from sagedeck.aws.lifecycle import check_name

    services = one_profile(services)
    check_name(args.name)
    scripts = scripts_from(args)
    region = services.lifecycle.region_for_new(None)
    arn = await services.lifecycle.create(args.name, region, scripts)
    print(sanitize_line(f"{args.name}: created in {region} ({arn})"))
    return 0


async def cmd_update(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.aws.across import one_profile
    from sagedeck.aws.lifecycle import check_name

    services = one_profile(services)
    check_name(args.name)
    scripts = scripts_from(args)
    if scripts.on_create is None and scripts.on_start is None:
        raise InvalidInput(
            "update: nothing to change (give --on-create, --on-start or --idle-stop)"
        )
    region = await services.lifecycle.find(args.name)
    await services.lifecycle.update(args.name, region, scripts)
    used_by = await services.lifecycle.used_by(args.name, region)
    note = f"; {', '.join(used_by)} run it from their next start" if used_by else ""
    print(sanitize_line(f"{args.name}: updated in {region}{note}"))
    return 0


async def cmd_delete(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.aws.across import one_profile

    services = one_profile(services)
    region = await services.lifecycle.find(args.name)
    await services.lifecycle.delete(args.name, region)
    print(sanitize_line(f"{args.name}: deleted from {region}"))
    return 0
