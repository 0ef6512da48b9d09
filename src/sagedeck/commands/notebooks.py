"""``sagedeck ls | show | start | stop | url``: the notebook commands for scripts."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sagedeck.commands import activity, forgotten
from sagedeck.errors import (
    EndpointUnreachable,
    InvalidInput,
    SagedeckError,
    Throttled,
)
from sagedeck.models import (
    URL_SESSION_DEFAULT,
    URL_SESSION_MAX,
    URL_SESSION_MIN,
    JupyterView,
    NotebookKey,
    NotebookStatus,
    RegionListing,
)
from sagedeck.text.format import age, idle_text, summary_json, table
from sagedeck.text.sanitize import one_line, sanitize_line, tolerate_unencodable

# Heavy modules (asyncio, the AWS layer) are imported where they are used: every command's
# parser is built on each run, and `sagedeck ls` on its quick path needs none of them.
if TYPE_CHECKING:
    from sagedeck.aws import quick
    from sagedeck.aws.services import AwsServices
    from sagedeck.config import Settings

WAIT_POLL_SECONDS = 1.0  # the built-in waiters poll every 30 s: far too slow to watch
# Right after StartNotebookInstance, a describe may still show the old state for a moment
# (AWS is eventually consistent): keep polling that long before calling it a failure.
SETTLE_GRACE_SECONDS = 15.0


def duration_seconds(text: str) -> int:
    """``--duration``: a whole number of seconds AWS accepts, checked before any call."""
    try:
        value = int(text)
    except ValueError:
        raise InvalidInput(f"--duration must be a whole number of seconds, not {text!r}") from None
    if not URL_SESSION_MIN <= value <= URL_SESSION_MAX:
        raise InvalidInput(
            f"--duration must be {URL_SESSION_MIN} to {URL_SESSION_MAX} seconds, not {value}"
        )
    return value


def timeout_seconds(text: str) -> float:
    """``--timeout``: how long ``--wait`` waits, a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"--timeout must be a number of seconds, not {text!r}") from None
    if not 0 < value < 1e9:  # also rejects nan and inf
        raise InvalidInput(f"--timeout must be a positive number of seconds, not {text!r}")
    return value


def register(sub: Any) -> None:
    ls = sub.add_parser("ls", help="list notebook instances in every chosen region")
    ls.add_argument("--json", action="store_true", help="one JSON array, for scripts")
    activity.add_flags(ls)  # --activity, --idle-for (the instances' Jupyter servers)
    # --running, --older-than: the forgotten instances
    forgotten.add_ls_flags(ls)
    ls.set_defaults(handler=cmd_ls, quick=quick_ls)

    show = sub.add_parser("show", help="everything about one notebook instance")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)

    for verb, help_text in (("start", "start a notebook instance"), ("stop", "stop one")):
        p = sub.add_parser(verb, help=help_text)
        p.add_argument("name", nargs="?" if verb == "stop" else None)
        p.add_argument("--wait", action="store_true", help="follow the status until it settles")
        p.add_argument(
            "--timeout", type=timeout_seconds, default=900.0, help="seconds to wait at most"
        )
        p.set_defaults(handler=cmd_start if verb == "start" else cmd_stop)
        if verb == "stop":  # stop --older-than 8h --dry-run | --yes
            forgotten.add_stop_flags(p)

    url = sub.add_parser("url", help="a presigned Jupyter URL (usable for 5 minutes)")
    url.add_argument("name")
    url.add_argument("--lab", action="store_true", help="open JupyterLab instead of Classic")
    url.add_argument(
        "--duration",
        type=duration_seconds,
        default=URL_SESSION_DEFAULT,
        help=f"session length once signed in, {URL_SESSION_MIN} to {URL_SESSION_MAX} seconds"
        f" (default {URL_SESSION_DEFAULT})",
    )
    url.add_argument("--copy", action="store_true", help="copy to the clipboard, don't print")
    url.add_argument("--open", action="store_true", help="open in the browser, don't print")
    url.set_defaults(handler=cmd_url, quick=quick_url)


def quick_plan(args: argparse.Namespace, settings: Settings) -> quick.Plan:
    """What a listing without botocore would talk to, resolved from the same flags and
    settings as the ordinary path; :class:`quick.Unsupported` unless it is the plain case."""
    from sagedeck.aws import quick

    return quick.plan(
        profile=args.profile,
        region=args.region,
        endpoint_url=quick_endpoint_url(args, settings),
        default_profile=settings.profile,
        default_regions=settings.regions,
    )


def quick_endpoint_url(args: argparse.Namespace, settings: Settings) -> str | None:
    """As cli.target_from: the flag, then the environment, then the config file."""
    return args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or settings.endpoint_url


def quick_ls(args: argparse.Namespace, settings: Settings) -> int | None:
    """``ls`` without botocore when the setup is plain (sagedeck.aws.quick); None: it is not,
    nothing was printed, run :func:`cmd_ls`."""
    from sagedeck.aws import quick

    if activity.wanted(args):
        return None  # reading Jupyter activity needs the AWS layer
    profile = args.profile or os.environ.get("AWS_PROFILE") or settings.profile
    profiles: tuple[str, ...] | None = None
    try:
        if profile and ("," in profile or profile.strip().lower() == "all"):
            plans = quick.profile_plans(
                profile=profile,
                region=args.region,
                endpoint_url=quick_endpoint_url(args, settings),
                default_regions=settings.regions,
            )
            profile, plan = plans[0]  # the first profile's, as the ordinary path's services
            if len(plans) > 1:
                profiles = tuple(name for name, _ in plans)
                listings = quick.list_profiles(plans)
            else:
                listings = quick.list_regions(plan)
        else:
            plan = quick_plan(args, settings)
            listings = quick.list_regions(plan)
    except quick.Unsupported:
        return None
    listings = forgotten.selected(listings, args)
    prices = None
    if args.json:
        try:
            prices = forgotten.quick_prices(listings, plan)
        except quick.Unsupported:  # the prices are botocore's to ask; the listing is kept
            args.listed = listings
            return None
    return print_listings(
        listings, as_json=args.json, profile=profile, profiles=profiles, prices=prices
    )


async def cmd_ls(args: argparse.Namespace, services: AwsServices) -> int:
    listings = getattr(args, "listed", None)
    if listings is None:
        listings = forgotten.selected(await services.list_fleet(), args)
    prices = await forgotten.fetched_prices(services, listings) if args.json else None
    idle: Mapping[str, int | None] | None = None
    if activity.wanted(args):
        listings, idle = await activity.read_idle(args, services, listings)
    status = print_listings(
        listings,
        as_json=args.json,
        profile=services.target.profile,
        profiles=services.profiles if services.target.many_profiles else None,
        prices=prices,
        idle=idle,
    )
    unreadable = idle is not None and any(seconds is None for seconds in idle.values())
    return status or (1 if unreadable else 0)


def print_listings(
    listings: list[RegionListing],
    *,
    as_json: bool,
    profile: str | None = None,
    profiles: tuple[str | None, ...] | None = None,
    prices: Mapping[tuple[str, str], float | None] | None = None,
    idle: Mapping[str, int | None] | None = None,
) -> int:
    """The rows on stdout, what failed on stderr. Exit status 1 when nothing answered, or when
    a region failed for a profile that answered elsewhere; a profile that failed everywhere
    (expired SSO login, no credentials) while another answered is reported, with its fix, and
    does not change the status. ``profiles``: several were listed, in this order. ``prices``
    (``--json``) and ``idle`` (``--activity``: idle seconds by ``str(key)`` for the InService
    rows) add their fields and column."""
    from sagedeck.aws.fleet import dedupe, problems, shared_lines

    found = problems(listings)
    if found.everything_failed is not None and not found.lines:
        raise found.everything_failed
    lines = list(found.lines)
    if profiles is not None:
        listings, shared = dedupe(listings, profiles)
        lines += shared_lines(shared)
    for line in lines:
        print(one_line(f"sagedeck: {line}"), file=sys.stderr)
    if found.everything_failed is not None:
        return found.everything_failed.exit_code
    notebooks = sorted(
        (nb for listing in listings for nb in listing.notebooks),
        key=lambda n: (n.name, n.region, n.profile or ""),
    )
    shown_profile = profile or "default"
    if as_json:
        # dumps, then one write: json.dump writes each token on its own (~4x slower).
        # ensure_ascii (the default) escapes C1 and bidi controls too: never emitted raw.
        rows_json = [
            forgotten.with_price(summary_json(nb, shown_profile), nb, prices or {})
            for nb in notebooks
        ]
        if idle is not None:
            for row, nb in zip(rows_json, notebooks, strict=True):
                row["idle_seconds"] = idle.get(str(nb.key))
        sys.stdout.write(json.dumps(rows_json, indent=2) + "\n")
    else:
        tolerate_unencodable(sys.stdout)  # the table's stand-ins on a Latin-1 terminal
        now = datetime.now(UTC)
        header: tuple[str, ...] = ("NAME", "STATUS", "TYPE", "REGION", "IN STATE")
        rows: list[tuple[str, ...]] = [
            (nb.name, nb.status.value, nb.instance_type, nb.region, age(nb.last_modified, now))
            for nb in notebooks
        ]
        if idle is not None:
            header += ("IDLE",)
            rows = [
                (*row, idle_text(idle.get(str(nb.key))) if str(nb.key) in idle else "")
                for row, nb in zip(rows, notebooks, strict=True)
            ]
        if profiles is not None:  # several profiles: say whose each row is
            header += ("PROFILE", "ACCOUNT")
            rows = [
                (*row, nb.profile or "", nb.account)
                for row, nb in zip(rows, notebooks, strict=True)
            ]
        print(table(header, rows))
    return 1 if found.partial else 0


async def cmd_show(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.aws.details import load_report
    from sagedeck.text.format import report_json, report_text

    key = await services.find(args.name)
    services = services.of(key)
    detail = await services.sagemaker.describe(key)
    report = await load_report(services, detail)
    if args.json:
        # ensure_ascii (the default) escapes C1 and bidi controls too: never emitted raw
        json.dump(report_json(report), sys.stdout, indent=2)
        print()
    else:
        tolerate_unencodable(sys.stdout)
        print(report_text(report))  # every value sanitised there
    return 0


async def cmd_start(args: argparse.Namespace, services: AwsServices) -> int:
    key = await services.find(args.name)
    services = services.of(key)
    await services.sagemaker.start(key)
    print(f"{key.name}: starting", flush=True)
    if not args.wait:
        return 0
    return await wait_for(services, key, NotebookStatus.IN_SERVICE, args.timeout)


async def cmd_stop(args: argparse.Namespace, services: AwsServices) -> int:
    forgotten.check_stop_args(args)
    if args.older_than is not None:
        return await forgotten.cmd_stop_older(args, services)
    key = await services.find(args.name)
    services = services.of(key)
    await services.sagemaker.stop(key)
    print(f"{key.name}: stopping", flush=True)
    if not args.wait:
        return 0
    return await wait_for(services, key, NotebookStatus.STOPPED, args.timeout)


async def wait_for(
    services: AwsServices, key: NotebookKey, goal: NotebookStatus, limit_seconds: float
) -> int:
    """Print each status as it changes until the instance settles; 0 when it reaches ``goal``.

    A throttled or failed poll is retried at the next tick: a long wait must not die of one
    bad answer. Whatever ends the wait without reaching ``goal`` prints one line on stderr.
    """
    started = time.monotonic()
    last: NotebookStatus | None = None
    moved = False  # seen a transitional state: a settled state now is the outcome
    last_error: SagedeckError | None = None
    while True:
        elapsed = time.monotonic() - started
        try:
            detail = await services.sagemaker.describe(key)
        except (Throttled, EndpointUnreachable) as err:
            last_error = err
        else:
            last_error = None
            status = detail.status
            if status != last:
                print(f"{key.name}: {status.value} ({elapsed:.0f}s)", flush=True)
                last = status
            if status == goal:
                return 0
            moved = moved or status.is_transitional
            if not status.is_transitional and (moved or elapsed > SETTLE_GRACE_SECONDS):
                reason = f": {detail.failure_reason}" if detail.failure_reason else ""
                print(
                    one_line(
                        f"sagedeck: {key.name} ended {status.value}, not {goal.value}{reason}"
                    ),
                    file=sys.stderr,
                )
                return 1
        if elapsed > limit_seconds:
            why = f" ({last_error})" if last_error else ""
            print(f"sagedeck: gave up waiting after {limit_seconds:g}s{why}", file=sys.stderr)
            return 1
        await _sleep(WAIT_POLL_SECONDS)


async def cmd_url(args: argparse.Namespace, services: AwsServices) -> int:

    key = await services.find(args.name)
    services = services.of(key)
    view = JupyterView.LAB if args.lab else JupyterView.CLASSIC
    presigned = await services.sagemaker.presigned_url(key, view, args.duration)
    return await deliver_url(args, key.name, view, presigned.url)


def quick_url(args: argparse.Namespace, settings: Settings) -> int | None:
    """``url`` (printed or copied) without botocore when the setup is plain
    (sagedeck.aws.quick.url); None: it is not, nothing was printed, run :func:`cmd_url`."""
    if args.open or settings.read_only:  # the browser; a read-only run refuses the URL
        return None
    from sagedeck.aws import quick
    from sagedeck.aws.quick.url import presigned_url
    from sagedeck.aws.shapes import validate_name

    try:
        name = validate_name(args.name)
        _, url = presigned_url(quick_plan(args, settings), name, args.duration)
    except (quick.Unsupported, InvalidInput):
        return None  # the ordinary path words it
    view = JupyterView.LAB if args.lab else JupyterView.CLASSIC
    if not args.copy:
        return print_url(view.authorized_url(url))
    import asyncio

    return asyncio.run(deliver_url(args, name, view, view.authorized_url(url)))


def print_url(url: str) -> int:
    print(sanitize_line(url))  # a URL has no control character: unless hostile
    return 0


async def deliver_url(args: argparse.Namespace, name: str, view: JupyterView, url: str) -> int:
    """The URL printed, copied or opened as the flags say. It is a credential: printed only
    when asked for, never logged."""
    from sagedeck.system.clipboard import copy, open_in_browser

    if not (args.copy or args.open):
        return print_url(url)
    if args.copy:
        how = await copy(url)
        print(f"{name}: {view.value} URL copied ({how}); sign in within 5 minutes")
    if args.open:
        if not open_in_browser(url):
            raise SagedeckError("no browser could be opened: use --copy instead")
        print(f"{name}: opened {view.value} in the browser")
    return 0


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
