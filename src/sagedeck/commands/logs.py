"""``sagedeck logs NAME``: print or follow a notebook instance's logs, in the spirit of
``aws logs tail``, as fast as the API allows to a pipe."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import AsyncIterable, Callable, Iterable
from typing import TYPE_CHECKING, Any, TextIO

from sagedeck.models import LogEvent, StreamChoice
from sagedeck.text.logtext import LineFilter, TimeFormatter, TimeStyle
from sagedeck.text.sanitize import (
    dumps_json,
    one_line,
    sanitize,
    sanitize_line,
    tolerate_unencodable,
)

# The AWS layer (and asyncio with it) is imported by the handler: the parser of every command
# is built on each run, and `sagedeck ls` on its quick path needs none of it.
if TYPE_CHECKING:
    from sagedeck.aws.logs.follow import FollowHealth, LogFollower
    from sagedeck.aws.logs.history import HistoryReader
    from sagedeck.aws.services import AwsServices

DESCRIPTION = """\
Print the logs of a notebook instance: every stream under <name>/ in the group
/aws/sagemaker/NotebookInstances (the lifecycle scripts' LifecycleConfigOnCreate and
LifecycleConfigOnStart, and jupyter.log), interleaved by time. With -f, follow them: streams
created while following are picked up, no line is printed twice, throttling and network
outages are waited out."""

EPILOG = """\
formats:
  detailed  2024-05-01T12:00:00.123+00:00 nb/jupyter.log message   (the default)
  short     2024-05-01T12:00:00 message
  json      one JSON object per line: timestamp (epoch ms), time, stream, message,
            eventId, ingestionTime; messages exactly as CloudWatch holds them, with
            control characters escaped as \\u001b (whatever --sanitize says)

--sanitize: a notebook's own code writes these streams, and an escape sequence in a line
can set the clipboard (OSC 52) or the window title, or clear the screen.
  auto      on a terminal, control characters are shown as visible stand-ins: C0 and DEL
            as their Unicode Control Picture (ESC is U+241B, one cell wide, so a colour code
            stays readable), C1 and bidi controls as \\x9b, \\u202e. To a pipe or a file the
            messages are written unchanged: they are data for grep, awk or a file, as
            `aws logs tail` writes them (ANSI colours included). The default.
  always    stand-ins to pipes and files too: for `| less`, or a grep that prints to a
            terminal
  never     unchanged even on a terminal (colours rendered): only for logs you trust; it is
            what `| cat` does

Without -f, --live or --format json, each stream is read with GetLogEvents at once and the
streams merged by time (FilterLogEvents, which json, -f and --live use for its event ids, is
limited to 5 requests/s per account and region; GetLogEvents to 10). sagedeck paces every
reader in the process within those budgets and backs off when AWS throttles it."""


SANITIZE_MODES = ("auto", "always", "never")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "logs",
        help="print or follow a notebook instance's logs",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", help="the notebook instance")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    p.add_argument(
        "--since",
        default="10m",
        help="start at a duration ago (30s, 10m, 2h, 1d, 1w), an ISO time, or 'all' (default: 10m)",
    )
    p.add_argument(
        "--stream",
        choices=[c.value for c in StreamChoice],
        default=StreamChoice.ALL.value,
        help="lifecycle scripts, jupyter.log, or all (default)",
    )
    p.add_argument(
        "--filter", metavar="REGEX", help="only lines matching REGEX; a leading ! inverts"
    )
    p.add_argument(
        "--format", choices=("short", "detailed", "json"), default="detailed", help="see below"
    )
    p.add_argument(
        "--local-time", action="store_true", help="local time instead of UTC (output and --since)"
    )
    p.add_argument(
        "--sanitize",
        choices=SANITIZE_MODES,
        default="auto",
        help="show control characters as visible stand-ins: on a terminal (auto, the"
        " default), also to pipes (always), or never; see below",
    )
    p.add_argument(
        "--live",
        action="store_true",
        help="follow with CloudWatch Live Tail instead of polling: pushed within a second, but"
        " billed per minute (about $0.01/min in us-east-1 after 1,800 free minutes a month)",
    )
    p.set_defaults(handler=cmd_logs)


def sanitizing(mode: str, out: TextIO) -> bool:
    """Whether ``--sanitize mode`` shows control characters as stand-ins on ``out``: ``auto``
    does on a terminal only, where they would be acted on rather than printed."""
    if mode != "auto":
        return mode == "always"
    try:
        return out.isatty()
    except (AttributeError, ValueError):  # not a file, or closed
        return False


def formatter(fmt: str, local_time: bool, visible: bool = False) -> Callable[[LogEvent], str]:
    """One event as one output record, newline included; with ``visible``, every control
    character but tab and newline as its stand-in (:mod:`sagedeck.text.sanitize`)."""
    if fmt == "json":
        iso = TimeFormatter(TimeStyle.DETAILED, local=local_time)

        def as_json(event: LogEvent) -> str:
            record = {
                "timestamp": event.timestamp,
                "time": iso(event.timestamp),
                "stream": event.stream,
                "message": event.message,
                "eventId": event.event_id,
                "ingestionTime": event.ingestion_time,
            }
            return dumps_json(record) + "\n"

        return as_json
    eol = "\r\n"
    if fmt == "short":
        short = TimeFormatter(TimeStyle.SHORT, local=local_time)
        if visible:
            return lambda e: f"{short(e.timestamp)} {sanitize(e.message.rstrip(eol))}\n"
        return lambda e: f"{short(e.timestamp)} {e.message.rstrip(eol)}\n"
    detailed = TimeFormatter(TimeStyle.DETAILED, local=local_time)
    if visible:
        return lambda e: (
            f"{detailed(e.timestamp)} {sanitize_line(e.stream)} {sanitize(e.message.rstrip(eol))}\n"
        )
    return lambda e: f"{detailed(e.timestamp)} {e.stream} {e.message.rstrip(eol)}\n"


class Printer:
    """Writes batches to stdout in one write each; remembers what it printed last."""

    def __init__(self, out: TextIO, fmt: Callable[[LogEvent], str], keep: LineFilter | None):
        self.out = out
        self.fmt = fmt
        self.keep = keep
        self.newest = -1
        self.printed = 0

    def write(self, batch: Iterable[LogEvent]) -> None:
        keep, fmt = self.keep, self.fmt
        chunk = [fmt(e) for e in batch if keep is None or keep.keeps(e.message)]
        for event in batch:
            self.newest = max(self.newest, event.timestamp)
        if chunk:
            self.out.write("".join(chunk))
            self.out.flush()
            self.printed += len(chunk)


def _report_to_stderr() -> Callable[[FollowHealth], None]:
    from sagedeck.aws.logs.follow import HealthState

    last: list[HealthState] = []

    def report(health: FollowHealth) -> None:
        noisy = (HealthState.THROTTLED, HealthState.RECONNECTING, HealthState.NO_LOG_GROUP)
        if health.state in noisy and (not last or last[-1] != health.state):
            wait = f" (retrying in {health.retry_in:.0f}s)" if health.retry_in >= 1 else ""
            detail = sanitize_line(health.detail)
            print(f"sagedeck: {health.state.value}: {detail}{wait}", file=sys.stderr)
        if not last or last[-1] != health.state:
            last[:] = [health.state]

    return report


async def cmd_logs(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.aws.logs.client import stream_prefix
    from sagedeck.aws.logs.follow import HealthState, LogFollower
    from sagedeck.aws.logs.history import HistoryReader
    from sagedeck.aws.logs.timewindow import parse_since

    since = parse_since(args.since, local_time=args.local_time)
    keep = LineFilter.parse(args.filter) if args.filter else None
    key = await services.find(args.name)
    services = services.of(key)
    prefix = stream_prefix(key.name, StreamChoice(args.stream))
    visible = sanitizing(args.sanitize, sys.stdout)
    if visible:
        tolerate_unencodable(sys.stdout)
    printer = Printer(sys.stdout, formatter(args.format, args.local_time, visible), keep)
    report = _report_to_stderr()
    reader: HistoryReader | LogFollower
    try:
        if not args.follow and not args.live and args.format != "json":
            # A window of history, without event ids: each stream with GetLogEvents, at once.
            reader = HistoryReader(
                services.logs, key, prefix=prefix, since_ms=since, on_health=report
            )
            await _drain(reader, printer)
        else:
            reader = follower = LogFollower(
                services.logs,
                key,
                prefix=prefix,
                since_ms=since,
                follow=args.follow and not args.live,
                on_health=report,
            )
            if args.live:
                await _live(services, follower, printer)
            else:
                await _drain(follower, printer)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining
        # about the unflushed buffer at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    if reader.health.state is HealthState.NO_LOG_GROUP:
        print(f"sagedeck: no logs for {key.name} in {key.region} yet", file=sys.stderr)
    elif not printer.printed:
        window = "at all" if since is None else f"since {args.since}"
        where = f"{key.name} in {key.region}"
        said = (
            f"no log lines of {where} match {args.filter!r}"
            if args.filter
            else f"no log lines for {where}"
        )
        print(one_line(f"sagedeck: {said} {window}"), file=sys.stderr)
    return 0


async def _drain(batches: AsyncIterable[list[LogEvent]], printer: Printer) -> None:
    async for batch in batches:
        printer.write(batch)


async def _live(services: AwsServices, follower: LogFollower, printer: Printer) -> None:
    """The history, then Live Tail, with nothing lost or repeated between them; where the
    endpoint cannot live-tail, polling with the same follower, after one line on stderr."""
    from sagedeck.aws.logs.live import LiveTail

    def notice(text: str) -> None:
        print(f"sagedeck: {sanitize_line(text)}", file=sys.stderr)

    live = LiveTail(services.logs, follower, on_notice=notice)
    async with contextlib.aclosing(aiter(live)) as batches:
        async for batch in batches:
            printer.write(batch)
