"""``python -m bench`` (``make bench``): every figure of the performance issue in one table,
each beside its target and the peer measured in the same run on the same embedded AWS.

    python -m bench                    # the full run (~10 minutes on 2 cores)
    python -m bench --smoke            # tiny sizes, one run each: the benches still work
    python -m bench --only listing,keys --runs 3
    python -m bench --markdown         # the table as Markdown (docs/performance.md)

The embedded AWS runs in its own process (``bench.fleet_server``), the measured programs in
theirs; medians of interleaved runs. See docs/performance.md for what each figure means.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version

from bench import bench_logs, dashboard, embedded_aws, fleet, listing, prices
from bench.common import PEERS, Figure, FleetServer, client_env, fleet_server

SECTIONS = ("listing", "paint", "refresh", "keys", "logs", "localaws", "fleet", "prices")


@dataclass(frozen=True)
class Plan:
    """How big and how many: the full run, or the smoke run's tiny version of it."""

    sizes: tuple[int, ...]
    target_size: int  # the size the listing and first-paint targets are judged at
    runs: int
    refreshes: int
    idle_seconds: float
    presses: int
    log_events: int
    widget_lines: int
    memory_lines: int
    refresh_interval: str | None  # SAGEDECK_REFRESH for the dashboard; None: the default 5 s
    refresh_instances: int
    follower: bool
    server_events: int  # the embedded AWS's log reads
    key_rows: int  # the second j/k figure's table
    regions: int  # regions with instances for --region all
    per_region: int


FULL = Plan(
    sizes=(100, 1_000, 5_000),
    target_size=1_000,
    runs=5,
    refreshes=5,
    idle_seconds=60,
    presses=40,
    log_events=100_000,
    widget_lines=100_000,
    memory_lines=1_000_000,
    refresh_interval=None,
    refresh_instances=1_000,
    follower=True,
    server_events=100_000,
    key_rows=10_000,
    regions=20,
    per_region=50,
)
SMOKE = Plan(
    sizes=(50, 100),
    target_size=100,
    runs=1,
    refreshes=1,
    idle_seconds=2,
    presses=2,
    log_events=2_000,
    widget_lines=2_000,
    memory_lines=20_000,
    refresh_interval="1",
    refresh_instances=100,
    follower=False,
    server_events=10_000,
    key_rows=200,
    regions=2,
    per_region=5,
)


def run(plan: Plan, sections: tuple[str, ...], progress: Callable[[str], None]) -> list[Figure]:
    figures: list[Figure] = []
    with fleet_server() as server, client_env(server.endpoint) as env:
        steps: list[tuple[str, Callable[[], list[Figure]]]] = [
            (
                "listing",
                lambda: listing.listing_figures(
                    server, env, plan.sizes, plan.runs, plan.target_size
                ),
            ),
            (
                "paint",
                lambda: dashboard.first_paint_figures(
                    server, env, plan.sizes, plan.runs, plan.target_size
                ),
            ),
            ("refresh", lambda: refresh(server, env, plan)),
            ("keys", lambda: keys(server, env, plan)),
            (
                "logs",
                lambda: logs(server, env, plan),
            ),
            (
                "localaws",
                lambda: embedded_aws.embedded_aws_figures(plan.server_events, plan.runs),
            ),
            ("fleet", lambda: fleet_figures(server, env, plan)),
            (
                "prices",
                lambda: prices.pricing_figures(server, env, plan.target_size, plan.runs),
            ),
        ]
        for name, step in steps:
            if name in sections:
                started = time.perf_counter()
                progress(f"{name}...")
                figures += step()
                progress(f"{name}: {time.perf_counter() - started:.0f} s")
    return figures


def refresh(server: FleetServer, env: dict[str, str], plan: Plan) -> list[Figure]:
    env = _with_refresh(env, plan)
    return dashboard.refresh_figures(
        server, env, plan.refreshes, plan.idle_seconds, plan.refresh_instances
    )


def keys(server: FleetServer, env: dict[str, str], plan: Plan) -> list[Figure]:
    env = _with_refresh(env, plan)
    figures = dashboard.key_figures(server, env, plan.presses, plan.refresh_instances)
    return figures + dashboard.table_key_figures(server, env, plan.presses, plan.key_rows)


def fleet_figures(server: FleetServer, env: dict[str, str], plan: Plan) -> list[Figure]:
    return [
        *fleet.credential_figures(server, env, plan.target_size, plan.runs),
        *fleet.region_figures(server, env, plan.regions, plan.per_region, plan.runs),
        *fleet.profile_figures(server, env, 100 if plan.target_size >= 1_000 else 5, plan.runs),
    ]


def logs(server: FleetServer, env: dict[str, str], plan: Plan) -> list[Figure]:
    server.populate(0)  # an empty account: the logs of one instance only
    return bench_logs.log_figures(
        server,
        env,
        plan.log_events,
        plan.runs,
        plan.widget_lines,
        plan.memory_lines,
        follower=plan.follower,
    )


def _with_refresh(env: dict[str, str], plan: Plan) -> dict[str, str]:
    if plan.refresh_interval is None:
        return env
    return {**env, "SAGEDECK_REFRESH": plan.refresh_interval}


# --- the table ---------------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            model = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    versions = ", ".join(
        f"{name} {version(name)}" for name in ("textual", "botocore", "aiobotocore", "moto")
    )
    return (
        f"{os.cpu_count()} cores ({model}), Linux {platform.release()}, "
        f"Python {platform.python_version()}, {versions}; peers: {peer_versions()}"
    )


def peer_versions() -> str:
    python = PEERS / "python"
    if not python.exists():
        return "not installed (make bench installs them)"
    names = ("awscli", "awslogs", "botocore")
    done = subprocess.run(
        [
            str(python),
            "-c",
            f"import importlib.metadata as m; print(*(m.version(n) for n in {names!r}))",
        ],
        capture_output=True,
        text=True,
    )
    found = done.stdout.split()
    if done.returncode != 0 or len(found) != len(names):
        return "unknown versions"
    return ", ".join(f"{name} {v}" for name, v in zip(names, found, strict=True))


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def text_table(figures: list[Figure]) -> str:
    out = []
    header = f"{'figure':<64} {'sagedeck':<30} {'target':<24} {'verdict':<7}"
    out.append(header)
    out.append("-" * len(header))
    for group in sorted({f.group for f in figures}, key=_group_order):
        out.append(group)
        for f in (f for f in figures if f.group == group):
            what = textwrap.wrap(f.what, 62) or [""]
            value = textwrap.wrap(f.value, 30) or [""]
            target = textwrap.wrap(f.target, 24) or [""]
            for i in range(max(len(what), len(value), len(target))):
                out.append(
                    f"  {_at(what, i):<62} {_at(value, i):<30} {_at(target, i):<24} "
                    f"{f.verdict if i == 0 else ''}".rstrip()
                )
            if f.peer:
                out += textwrap.wrap(
                    f"peer (same run): {f.peer}",
                    118,
                    initial_indent="      ",
                    subsequent_indent="        ",
                )
            if f.note:
                out += textwrap.wrap(
                    f.note, 118, initial_indent="      ", subsequent_indent="        "
                )
    return "\n".join(out)


def markdown_table(figures: list[Figure]) -> str:
    out = ["| figure | sagedeck | target | peer (same run) | verdict |", "|---|---|---|---|---|"]
    for group in sorted({f.group for f in figures}, key=_group_order):
        out.append(f"| **{group}** | | | | |")
        for f in (f for f in figures if f.group == group):
            what = f.what + (f"<br>*{f.note}*" if f.note else "")
            out.append(
                f"| {_md(what)} | {_md(f.value)} | {_md(f.target)} | {_md(f.peer)} | {f.verdict} |"
            )
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _at(lines: list[str], index: int) -> str:
    return lines[index] if index < len(lines) else ""


def _group_order(group: str) -> tuple[int, str]:
    number = group.split(".", 1)[0]
    return (int(number) if number.isdigit() else 99, group)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one run each")
    parser.add_argument("--only", help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument("--runs", type=int, help="runs per measurement (default 5; smoke 1)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument(
        "--write-markdown", metavar="PATH", help="also write the table as Markdown to PATH"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    if args.runs:
        plan = Plan(**{**plan.__dict__, "runs": args.runs})
    sections = tuple(s.strip() for s in args.only.split(",")) if args.only else SECTIONS
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}")

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"bench: {message}", file=sys.stderr, flush=True)

    load_before = load()
    started = time.perf_counter()
    figures = run(plan, sections, progress)
    took = time.perf_counter() - started
    mode = "smoke" if args.smoke else "full"
    command = " ".join(["python -m bench", *(sys.argv[1:] if argv is None else argv)])
    header = [
        f"sagedeck benchmarks ({mode} run, {took:.0f} s): {command}",
        f"machine: {machine()}",
        f"{load_before} at the start, {load()} at the end",
        "",
    ]
    print("\n".join(header))
    print(markdown_table(figures) if args.markdown else text_table(figures))
    if args.write_markdown:
        with open(args.write_markdown, "w") as out:
            out.write("\n".join(f"{line}  " if line else line for line in header))
            out.write("\n" + markdown_table(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
