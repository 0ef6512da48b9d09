"""The forgotten instances and what they cost, for cron jobs and CI:

- ``sagedeck ls --running --older-than 8h``: the instances InService for longer than that;
- ``sagedeck ls --json`` rows carry ``price_per_hour`` (null when unknown, never an error);
- ``sagedeck stop --older-than 8h --dry-run | --yes``: stop them all, a few at a time, one line
  per instance; without either flag nothing is stopped.

An instance's time in its state is measured from ``LastModifiedTime``: the listing has no
"started at", and for an InService instance its last change is (nearly always) its start.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sagedeck.config import parse_duration
from sagedeck.errors import InvalidInput, SagedeckError
from sagedeck.models import NotebookStatus, NotebookSummary, RegionListing
from sagedeck.text.format import age, short_duration
from sagedeck.text.sanitize import one_line, sanitize_line

if TYPE_CHECKING:
    from sagedeck.aws import quick
    from sagedeck.aws.pricing.cache import PriceKey
    from sagedeck.aws.services import AwsServices

# asyncio is imported where used: `ls` on its quick path needs none of it.
STOP_CONCURRENCY = 4  # StopNotebookInstance calls in flight at once
PRICE_WAIT_SECONDS = 15.0  # `ls --json` gives up on prices (null) after this


def duration_flag(name: str) -> Any:
    def parse(text: str) -> timedelta:
        return timedelta(seconds=parse_duration(text, name))

    return parse


def add_ls_flags(ls: argparse.ArgumentParser) -> None:
    ls.add_argument("--running", action="store_true", help="only InService instances")
    ls.add_argument(
        "--older-than",
        type=duration_flag("--older-than"),
        metavar="DURATION",
        help="only instances in their current state longer than this (8h, 90m, 2d)",
    )


def add_stop_flags(stop: argparse.ArgumentParser) -> None:
    stop.add_argument(
        "--older-than",
        type=duration_flag("--older-than"),
        metavar="DURATION",
        help="instead of NAME: every instance InService longer than this (8h, 90m, 2d)",
    )
    choice = stop.add_mutually_exclusive_group()
    choice.add_argument("--dry-run", action="store_true", help="with --older-than: only list")
    choice.add_argument("--yes", action="store_true", help="with --older-than: stop them")


def selected(
    listings: list[RegionListing], args: argparse.Namespace, now: datetime | None = None
) -> list[RegionListing]:
    """``listings`` with only the rows ``--running`` and ``--older-than`` keep."""
    running, older = getattr(args, "running", False), getattr(args, "older_than", None)
    if not running and older is None:
        return listings
    now = now or datetime.now(UTC)

    def keeps(notebook: NotebookSummary) -> bool:
        if running and notebook.status is not NotebookStatus.IN_SERVICE:
            return False
        return older is None or now - notebook.last_modified > older

    return [
        replace(listing, notebooks=tuple(nb for nb in listing.notebooks if keeps(nb)))
        for listing in listings
    ]


def price_keys(listings: Iterable[RegionListing]) -> list[PriceKey]:
    return list(
        dict.fromkeys(
            (nb.region, nb.instance_type) for listing in listings for nb in listing.notebooks
        )
    )


def quick_prices(listings: list[RegionListing], plan: quick.Plan) -> dict[PriceKey, float | None]:
    """The prices the listing needs without botocore: the disk cache's, the rest asked of the
    Price List API (``aws.quick.pricing``) and cached; what cannot be had is left out, with one
    line on stderr as :func:`fetched_prices` says it. :class:`quick.Unsupported` (nothing
    printed) when the ordinary path should ask."""
    from sagedeck.aws.pricing.cache import PriceCache
    from sagedeck.aws.quick.pricing import fetch_prices

    fetched = fetch_prices(plan, price_keys(listings), PriceCache(endpoint_url=plan.endpoint_url))
    if fetched.problem is not None:
        print(one_line(f"sagedeck: prices unavailable: {fetched.problem}"), file=sys.stderr)
    return fetched.prices


async def fetched_prices(
    services: AwsServices, listings: list[RegionListing]
) -> dict[PriceKey, float | None]:
    """The prices the listing needs; what cannot be had is left out (one line on stderr)."""
    import asyncio

    prices = services.prices
    keys = price_keys(listings)
    try:
        await asyncio.wait_for(prices.fetch(keys), PRICE_WAIT_SECONDS)
    except TimeoutError:
        print("sagedeck: prices unavailable: the Price List API did not answer", file=sys.stderr)
        return {key: prices.get(key) for key in keys if prices.has(key)}
    if prices.problem is not None:
        print(one_line(f"sagedeck: prices unavailable: {prices.problem}"), file=sys.stderr)
    return {key: prices.get(key) for key in keys if prices.has(key)}


def with_price(
    row: dict[str, Any], nb: NotebookSummary, prices: Mapping[PriceKey, float | None]
) -> dict[str, Any]:
    """``ls --json``'s row with ``price_per_hour``: USD, on demand; null when not known."""
    row["price_per_hour"] = prices.get((nb.region, nb.instance_type))
    return row


# --- stop --older-than ------------------------------------------------------------------------


def check_stop_args(args: argparse.Namespace) -> None:
    if args.older_than is None:
        if args.dry_run or args.yes:
            raise InvalidInput("--dry-run and --yes go with --older-than")
        if args.name is None:
            raise InvalidInput("stop needs a NAME, or --older-than DURATION")
        return
    if args.name is not None:
        raise InvalidInput("stop takes a NAME or --older-than, not both")
    if args.wait:
        raise InvalidInput("--wait is for one instance; with --older-than, run ls to follow")
    if not (args.dry_run or args.yes):
        raise InvalidInput(
            "stop --older-than stops every instance it finds: add --dry-run to list them, "
            "or --yes to stop them"
        )


async def cmd_stop_older(args: argparse.Namespace, services: AwsServices) -> int:
    """Stop (or with ``--dry-run`` list) every instance InService longer than --older-than."""
    import asyncio

    if args.yes:  # refused before the listing: nothing would be stopped anyway
        services.conn.require_allowed("sagemaker:StopNotebookInstance")
    listings = await services.list_fleet()
    for listing in listings:
        if listing.error is not None:
            print(one_line(f"sagedeck: {listing.where}: {listing.error}"), file=sys.stderr)
    if listings and all(listing.error for listing in listings):
        assert listings[0].error is not None
        raise listings[0].error
    args.running = True
    now = datetime.now(UTC)
    found = sorted(
        (nb for listing in selected(listings, args, now) for nb in listing.notebooks),
        key=lambda nb: (nb.name, nb.region),
    )
    failed = any(listing.error for listing in listings)
    if not found:
        print(f"no instance has been InService longer than {short_duration(args.older_than)}")
        return 1 if failed else 0
    if args.dry_run:
        for nb in found:
            print(sanitize_line(f"{nb.name}: would stop ({_about(nb, now)})"))
        return 1 if failed else 0
    limit = asyncio.Semaphore(STOP_CONCURRENCY)

    async def stop(nb: NotebookSummary) -> bool:
        async with limit:
            try:
                await services.of(nb.key).sagemaker.stop(nb.key)
            except SagedeckError as err:
                print(one_line(f"{nb.name}: not stopped: {err}"), flush=True)
                return False
        print(sanitize_line(f"{nb.name}: stopping ({_about(nb, now)})"), flush=True)
        return True

    results = await asyncio.gather(*(stop(nb) for nb in found))
    return 0 if all(results) and not failed else 1


def _about(nb: NotebookSummary, now: datetime) -> str:
    return f"{nb.region}, {nb.instance_type}, InService {age(nb.last_modified, now)}"
