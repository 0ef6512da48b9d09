"""``sagedeck ls --activity`` and ``ls --idle-for DURATION``: each InService instance's idle
time, read from its Jupyter server (sagedeck.jupyter) through a presigned URL."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sagedeck.errors import InvalidInput
from sagedeck.models import URL_SESSION_MIN, NotebookStatus, NotebookSummary, RegionListing
from sagedeck.text.sanitize import one_line

if TYPE_CHECKING:
    from sagedeck.aws.services import AwsServices


def idle_duration(text: str) -> int:
    """``--idle-for``: 30m, 2h, 1d, 1h30m, as whole seconds."""
    from sagedeck.aws.logs.timewindow import parse_duration

    duration = parse_duration(text)
    if duration is None:
        raise InvalidInput(f"--idle-for must be a duration such as 30m, 2h or 1d, not {text!r}")
    return int(duration.total_seconds())


def add_flags(ls: argparse.ArgumentParser) -> None:
    ls.add_argument(
        "--activity",
        action="store_true",
        help="read each InService instance's Jupyter activity: an IDLE column"
        " (idle_seconds in --json)",
    )
    ls.add_argument(
        "--idle-for",
        type=idle_duration,
        metavar="DURATION",
        help="only InService instances idle at least DURATION (30m, 2h, 1d); implies --activity",
    )


def wanted(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "activity", False) or getattr(args, "idle_for", None) is not None)


async def idle_seconds(
    services: AwsServices, notebooks: list[NotebookSummary]
) -> dict[str, int | None]:
    """Idle seconds by ``str(key)`` for the InService ``notebooks`` (None: not readable, with
    one line on stderr naming the instance)."""
    from sagedeck.jupyter.activity import ActivityReader
    from sagedeck.jupyter.session import JupyterSession

    reader = ActivityReader(
        # A command is short: the shortest session AWS allows is plenty.
        lambda key: JupyterSession.for_notebook(services.of(key).sagemaker, key, URL_SESSION_MIN)
    )
    running = [nb.key for nb in notebooks if nb.status is NotebookStatus.IN_SERVICE]
    try:
        readings = await reader.read_many(running)
    finally:
        await reader.close()
    now = datetime.now(UTC)
    idle: dict[str, int | None] = {}
    for key, reading in readings.items():
        if reading.activity is None:
            print(one_line(f"sagedeck: {key.name}: activity: {reading.error}"), file=sys.stderr)
            idle[str(key)] = None
        else:
            idle[str(key)] = reading.activity.idle_seconds(now)
    return idle


async def read_idle(
    args: argparse.Namespace, services: AwsServices, listings: list[RegionListing]
) -> tuple[list[RegionListing], dict[str, int | None]]:
    """The idle seconds of the listed InService instances, and ``listings`` with only the rows
    ``--idle-for`` keeps (every row without it)."""
    notebooks = [nb for listing in listings for nb in listing.notebooks]
    idle = await idle_seconds(services, notebooks)
    if args.idle_for is None:
        return listings, idle

    def keeps(nb: NotebookSummary) -> bool:
        return _idle_at_least(idle.get(str(nb.key)), args.idle_for)

    kept = [
        replace(listing, notebooks=tuple(nb for nb in listing.notebooks if keeps(nb)))
        for listing in listings
    ]
    return kept, idle


def _idle_at_least(seconds: int | None, limit: int) -> bool:
    return seconds is not None and seconds >= limit
