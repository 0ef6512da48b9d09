"""Log benchmarks: how fast the follower reads CloudWatch Logs, and how fast the log view takes
lines, each against a peer in the same run on the same embedded AWS.

    python -m bench.bench_logs            # 100,000 events, medians of 5 (3 for the slow peers)
    python -m bench.bench_logs --small    # 10,000 events, one run each: a smoke test

Figures are wall-clock on this machine; compare the ratios, not the absolute numbers.
``python -m bench`` runs the same measurements (:func:`log_figures`) as rows of its table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import Figure, FleetServer
from sagedeck.aws.logs.client import LOG_GROUP, limiter_scope
from sagedeck.aws.logs.follow import LogFollower
from sagedeck.aws.logs.limiter import RateLimiter, forget_limiters, replace_limiter
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.models import LogEvent, NotebookKey

REGION = "us-east-1"
NAME = "bench"
BATCH = 10_000  # lines per batch: what one FilterLogEvents page brings
ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT / ".venv-peers" / "bin"


@dataclass
class Row:
    group: str
    what: str
    count: int
    seconds: list[float]
    unit: str

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rate(self) -> float:
        return self.count / self.median if self.median else float("inf")


CREDENTIALS = {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo"}
DETAILED = "sagedeck logs NAME --since 1d"
DETAILED_ARGV = [sys.executable, "-m", "sagedeck", "logs"]
AWS_CLI = "aws logs filter-log-events (AWS CLI v1)"
AWSLOGS = "awslogs get"
SCREEN_PATH = "LogEvent -> LogView.append, drawn as shown (the screen's path)"
PEER_WIDGET = "Log.write_line, one call per line (the peer)"


@contextmanager
def embedded_aws() -> Iterator[str]:
    """The embedded AWS in its own process (in this one, the server would share the GIL with
    the reader it serves): its endpoint URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sagedeck",
            "localaws",
            "--port",
            str(port),
            "--no-seed",
            "--no-log-throttle",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "serving on" in line:
                break
        else:
            raise RuntimeError("the embedded AWS did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def write_history(endpoint: str, count: int) -> None:
    import boto3

    client = boto3.client(
        "logs",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="demo",
        aws_secret_access_key="demo",
    )
    client.create_log_group(logGroupName=LOG_GROUP)
    base = int(time.time() * 1000) - 6 * 3_600_000
    streams: dict[str, list[dict[str, Any]]] = {"jupyter.log": [], "LifecycleConfigOnStart": []}
    for i in range(count):
        stream = "LifecycleConfigOnStart" if i % 10 == 0 else "jupyter.log"
        message = f"[I 2024-05-01 12:00:00.000 ServerApp] event {i}: kernel 4f1c activity"
        streams[stream].append({"timestamp": base + i * 5, "message": message})
    for stream, events in streams.items():
        client.create_log_stream(logGroupName=LOG_GROUP, logStreamName=f"{NAME}/{stream}")
        for start in range(0, len(events), 10_000):
            client.put_log_events(
                logGroupName=LOG_GROUP,
                logStreamName=f"{NAME}/{stream}",
                logEvents=events[start : start + 10_000],
            )


def timed(runs: int, job: Callable[[], Any]) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        job()
        out.append(time.perf_counter() - started)
    return out


# --- the follower ---------------------------------------------------------------------------


async def follow_once(target: AwsTarget, paced: bool) -> tuple[int, float]:
    forget_limiters()
    async with AwsServices(target) as services:
        if not paced:
            replace_limiter(limiter_scope(services.conn), REGION, RateLimiter(10_000))
        await services.logs.stream_names(NotebookKey(REGION, NAME))  # client and model loaded
        started = time.perf_counter()
        count = 0
        follower = LogFollower(services.logs, NotebookKey(REGION, NAME), follow=False)
        async for batch in follower:
            count += len(batch)
        return count, time.perf_counter() - started


def follower_rows(target: AwsTarget, count: int, runs: int) -> list[Row]:
    rows = []
    for paced, label in (
        (True, "LogFollower, paced at 5 req/s (as on AWS)"),
        (False, "LogFollower, unpaced"),
    ):
        seconds = []
        for _ in range(runs):
            got, took = asyncio.run(follow_once(target, paced))
            assert got == count, (got, count)
            seconds.append(took)
        rows.append(Row("follower (in process)", label, count, seconds, "events/s"))
    return rows


def cli_rows(
    endpoint: str,
    count: int,
    runs: int,
    base_env: dict[str, str] | None = None,
    before_each: Callable[[], object] | None = None,
    slow_peer: bool = True,
) -> list[Row]:
    """Each command ``runs`` times (awslogs at most 3: ~10 s a run), taking turns, so that a
    noisy moment on a shared machine hits every command alike; ``before_each`` runs before
    every run (the benchmark resets the server's throttling window there)."""
    env = {
        **(os.environ if base_env is None else base_env),
        **CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": REGION,
    }
    env.pop("AWS_PROFILE", None)
    commands: list[tuple[str, list[str], int]] = [
        (
            "sagedeck logs --format json",
            [sys.executable, "-m", "sagedeck", "logs", NAME, "--since", "1d", "--format", "json"],
            runs,
        ),
        (
            DETAILED,
            [sys.executable, "-m", "sagedeck", "logs", NAME, "--since", "1d"],
            runs,
        ),
    ]
    if (PEERS / "aws").exists():
        commands.append(
            (
                AWS_CLI,
                [
                    str(PEERS / "aws"),
                    "logs",
                    "filter-log-events",
                    "--log-group-name",
                    LOG_GROUP,
                    "--log-stream-name-prefix",
                    f"{NAME}/",
                    "--output",
                    "json",
                ],
                runs,
            )
        )
    if slow_peer and (PEERS / "awslogs").exists():
        commands.append(
            (
                AWSLOGS,
                [
                    str(PEERS / "awslogs"),
                    "get",
                    LOG_GROUP,
                    f"{NAME}/.*",
                    "--start",
                    "1d",
                    "--aws-endpoint-url",
                    endpoint,
                    "--aws-region",
                    REGION,
                ],
                max(1, min(runs, 3)),
            )
        )
    seconds: dict[str, list[float]] = {label: [] for label, _argv, _n in commands}
    for turn in range(max(n for _label, _argv, n in commands)):
        for label, argv, n in commands:
            if turn >= n:
                continue
            if before_each is not None:
                before_each()
            started = time.perf_counter()
            subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True, timeout=600)
            seconds[label].append(time.perf_counter() - started)
    return [
        Row("CLI to /dev/null (whole process)", label, count, seconds[label], "events/s")
        for label, _argv, _n in commands
    ]


# --- the widget ------------------------------------------------------------------------------


async def widget_rate(count: int, feed: str) -> float:
    from textual.app import App, ComposeResult
    from textual.widgets import Log

    from sagedeck.ui.widgets.log_view import LogView

    widget = LogView(max_events=50_000) if feed != "write_line" else Log(max_lines=50_000)

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield widget

    lines = [
        f"05-01 12:00:00.{i % 1000:03d} jupyter  [I ServerApp] event {i}" for i in range(count)
    ]
    events = [
        LogEvent(1714564800000 + i, f"{NAME}/jupyter.log", f"[I ServerApp] event {i}", str(i))
        for i in range(count)
    ]
    async with Bench().run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        # styles, fonts of the first paint: not measured
        if isinstance(widget, Log):
            widget.write_lines(["warm-up"] * 100)
        else:
            widget.append(events[:100])
        await pilot.pause()
        widget.clear()
        await pilot.pause()
        started = time.perf_counter()
        if isinstance(widget, Log):
            for start in range(0, count, BATCH):
                for line in lines[start : start + BATCH]:
                    widget.write_line(line)
                await pilot.pause()
        else:  # the screen's path: the events of a page appended, the lines on screen drawn
            for start in range(0, count, BATCH):
                widget.append(events[start : start + BATCH])
                await pilot.pause()
        await pilot.pause()
        return time.perf_counter() - started


def widget_rows(count: int, runs: int) -> list[Row]:
    slow = max(1000, count // 20)
    specs: list[tuple[str, str, int]] = [
        (SCREEN_PATH, "events", count),
        (PEER_WIDGET, "write_line", slow),
    ]
    rows = []
    for label, feed, n in specs:
        seconds = [asyncio.run(widget_rate(n, feed)) for _ in range(runs)]
        rows.append(Row("widget ingestion (headless, 200x50)", label, n, seconds, "lines/s"))
    return rows


# --- as rows of ``python -m bench`` ---------------------------------------------------------


def log_figures(
    server: FleetServer,
    env: dict[str, str],
    count: int,
    runs: int,
    widget_count: int,
    memory_lines: int,
    follower: bool = True,
) -> list[Figure]:
    """Figure 5: the CLI against both peers, on a server that enforces the read quotas as AWS
    does (FilterLogEvents 5/s, GetLogEvents 10/s) and on one that does not; the server's own
    time; the follower on its own; the log view's ingestion and its memory after
    ``memory_lines`` lines."""
    endpoint = server.endpoint
    write_history(endpoint, count)
    group = "5. Logs"
    figures: list[Figure] = []
    for throttled in (True, False):
        command = f"log-throttle {'on' if throttled else 'off'}"  # also empties its window

        def reset(command: str = command) -> None:
            server.command(command)

        reset()
        rows = cli_rows(endpoint, count, runs, env, before_each=reset, slow_peer=throttled)
        cli = {row.what: row for row in rows}
        ours = cli[DETAILED]
        peers = {what: cli[what].median for what in (AWS_CLI, AWSLOGS) if what in cli}
        fastest = min(peers.values()) if peers else None
        ratio = fastest / ours.median if fastest else None
        figures.append(
            Figure(
                group,
                f"{DETAILED}, {count:,} events, to /dev/null; "
                + (
                    "server enforces AWS's read quotas (FilterLogEvents 5/s, GetLogEvents 10/s)"
                    if throttled
                    else "server without AWS's quotas (context)"
                ),
                f"{ours.median:.2f} s" + (f" ({ratio:.2f}x the faster peer)" if ratio else ""),
                target=">= 2x faster than the faster peer" if throttled else "",
                peer="; ".join(f"{what} {median_s:.2f} s" for what, median_s in peers.items()),
                met=(ratio >= 2) if (throttled and ratio is not None) else None,
                note=f"--format json {cli['sagedeck logs --format json'].median:.2f} s",
            )
        )
    server.command("log-throttle off")
    before = server.command("cpu")["cpu"]
    argv = [*DETAILED_ARGV, NAME, "--since", "1d"]
    subprocess.run(argv, env={**env, "AWS_ENDPOINT_URL": endpoint}, stdout=subprocess.DEVNULL)
    server_cpu = server.command("cpu")["cpu"] - before
    figures.append(
        Figure(
            group,
            "the server's own CPU time for that reading (every client waits for it)",
            f"{server_cpu:.2f} s",
            note="moto + sagedeck.localaws in their own process, /proc utime+stime",
        )
    )
    if follower:
        target = AwsTarget(None, (REGION,), endpoint, False, StaticCredentials("demo", "demo"))
        for row in follower_rows(target, count, runs):
            figures.append(
                Figure(
                    group,
                    f"{row.what}, {count:,} events, in process",
                    f"{row.median:.2f} s ({row.rate:,.0f} events/s)",
                    note="context: the reading alone, no process start or output",
                )
            )
    widgets = {row.what: row for row in widget_rows(widget_count, runs)}
    screen, peer = widgets[SCREEN_PATH], widgets[PEER_WIDGET]
    figures.append(
        Figure(
            group,
            f"log view ingestion: {SCREEN_PATH}, {widget_count:,} lines",
            f"{screen.rate:,.0f} lines/s",
            target=">= 50,000 lines/s",
            peer=f"Log.write_line per line {peer.rate:,.0f} lines/s",
            met=screen.rate >= 50_000,
            note="headless 200x50, batches of 10,000",
        )
    )
    memory = log_memory(endpoint, memory_lines)
    figures.append(
        Figure(
            group,
            f"LogScreen.ingest, {memory_lines:,} lines: rate and RSS after",
            f"{memory['rate']:,.0f} lines/s; RSS {memory['rss_after_mb']:.0f} MB",
            target="RSS <= 250 MB",
            met=memory["rss_after_mb"] <= 250,
            note=(
                f"default buffer {memory['buffer']:,.0f} lines, {memory['kept_lines']:,.0f} kept;"
                f" RSS before {memory['rss_before_mb']:.0f} MB, peak {memory['rss_peak_mb']:.0f} MB"
            ),
        )
    )
    return figures


def log_memory(endpoint: str, lines: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.log_memory", endpoint, str(lines)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- main ----------------------------------------------------------------------------------


def print_table(rows: list[Row]) -> None:
    group = ""
    print(f"{'':4}{'what':<66}{'count':>9}{'median s':>10}{'rate':>14}  unit     runs")
    for row in rows:
        if row.group != group:
            group = row.group
            print(f"\n{group}")
        print(
            f"{'':4}{row.what:<66}{row.count:>9,}{row.median:>10.3f}{row.rate:>14,.0f}"
            f"  {row.unit:<8} {len(row.seconds)}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_logs", description=__doc__)
    parser.add_argument("--small", action="store_true", help="10,000 events, one run each")
    parser.add_argument("--runs", type=int, default=None, help="runs per measurement")
    args = parser.parse_args(argv)
    count = 10_000 if args.small else 100_000
    runs = args.runs or (1 if args.small else 5)
    rows: list[Row] = []
    with embedded_aws() as endpoint:
        write_history(endpoint, count)
        target = AwsTarget(None, (REGION,), endpoint, False, StaticCredentials("demo", "demo"))
        rows += follower_rows(target, count, runs)
        rows += cli_rows(endpoint, count, runs)
    rows += widget_rows(count, runs)
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
