"""Figures 2, 3, 4 and the first-paint half of 6: the dashboard in a real pseudo-terminal
(200x50, pyte reading it) against the embedded AWS in its own process.

- first paint: process start to the first screenful of rows; the import share is interpreter
  start plus the imports the first paint needs, timed in a separate process;
- refresh cost: API calls counted at the server between two refreshes (the "refreshed" time
  on screen changes once per refresh), the app's CPU time (/proc) per refresh when 1% of the
  statuses change, and over an idle minute with the default 5 s refresh;
- keys: key press to the screen showing its effect, p50/p90: ``j``/``k`` on the dashboard
  (the cursor row, found by its colour, shows the expected name); in the log view while the
  instance logs 2,000 lines/s, ``s`` (the status line says paused, then following) and ``t``
  (timestamps disappear or come back on the lines shown).
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.common import (
    REGION,
    Figure,
    FleetServer,
    median,
    ms,
    percentile,
    sagedeck_command,
    seconds,
)
from bench.fleet_server import instance_name
from bench.terminal import Terminal

SIZE = (200, 50)
ROW = re.compile(r"\b[a-z]+-notebook-\d{5}\b")
REFRESHED = re.compile(r"refreshed (\d\d:\d\d:\d\d)")
LOG_TIME = re.compile(r"^\d\d-\d\d \d\d:\d\d:\d\d")
STATUS_LINE = re.compile(r"^ ?(following|paused)\b")
STATUS_PAUSED = re.compile(r"^ ?paused\b")
NAME_COLUMN = 5  # a cell inside the NAME column: its background marks the cursor row
FIRST_PAINT_TARGET = 1.0
SCALE_PAINT_SIZE = 5_000  # issue 15: first paint < 1.0 s at 5,000 instances too
KEYS_GROUP = "4. Keys (key press to screen)"
KEY_TARGET = 0.050
IDLE_TARGET = 2.0  # % of one core
TAIL_RATE = 2_000

# What the first paint needs, for the import share (interpreter start included), deferred
# imports too: the AWS session imports aiobotocore (with aiohttp) and the response parser when
# the first client is made, not with the module.
FIRST_PAINT_IMPORTS = (
    "import sagedeck.cli, sagedeck.aws.services, sagedeck.ui.app,"
    " sagedeck.ui.screens.dashboard.screen,"
    " aiobotocore.session, aiobotocore.config, sagedeck.aws.parsing"
)


def dashboard_command() -> list[str]:
    return [*sagedeck_command(), "--region", REGION]


def rows_on(lines: list[str]) -> int:
    return sum(1 for line in lines if ROW.search(line))


def refreshed_at(lines: list[str]) -> str | None:
    for line in lines[:4]:
        found = REFRESHED.search(line)
        if found:
            return found.group(1)
    return None


# --- figure 2 and 6: first paint ---------------------------------------------------------------


def first_paint(env: dict[str, str], screenful: int) -> float:
    with Terminal(dashboard_command(), env, SIZE) as term:
        painted = term.wait_for(lambda lines: rows_on(lines) >= screenful, timeout=120)
        return painted - term.started


def screenful_of(env: dict[str, str]) -> int:
    """How many rows the table shows at this size once loaded (a warm-up run, not counted)."""
    with Terminal(dashboard_command(), env, SIZE) as term:
        term.wait_for(lambda lines: rows_on(lines) > 0, timeout=120)
        term.wait_quiet(0.5)
        return rows_on(term.lines())


def import_seconds(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", FIRST_PAINT_IMPORTS], env=env, check=True)
    return time.perf_counter() - started


def first_paint_figures(
    server: FleetServer,
    env: dict[str, str],
    sizes: tuple[int, ...],
    runs: int,
    target_size: int = 1_000,
) -> list[Figure]:
    figures = []
    imports = median([import_seconds(env) for _ in range(runs)])
    for size in sizes:
        server.populate(size)
        screenful = screenful_of(env)
        paints = [first_paint(env, screenful) for _ in range(runs)]
        took = median(paints)
        is_target = size in (target_size, SCALE_PAINT_SIZE)
        share = f"; startup + imports {seconds(imports)} ({imports / took:.0%})"
        figures.append(
            Figure(
                "2. First paint (pty 200x50)" if is_target else "6. Scale",
                f"process start to {screenful} rows on screen, {size:,} instances",
                seconds(took),
                target=f"< {FIRST_PAINT_TARGET:.1f} s" if is_target else "",
                peer="",
                met=took < FIRST_PAINT_TARGET if is_target else None,
                note=(f"min {seconds(min(paints))}, max {seconds(max(paints))}" + share),
            )
        )
    return figures


# --- figure 3: refresh cost --------------------------------------------------------------------


def wait_refresh(term: Terminal, after: str | None, timeout: float = 30) -> str:
    """Wait for the next refresh to reach the screen; its "refreshed" time."""
    term.wait_for(lambda lines: refreshed_at(lines) not in (None, after), timeout=timeout)
    stamp = refreshed_at(term.lines())
    assert stamp is not None
    return stamp


@dataclass
class RefreshCost:
    list_calls: float
    other_calls: dict[str, int]
    startup_calls: dict[str, int]
    cpu_per_refresh: float
    idle_percent: float


def settle(term: Terminal, server: FleetServer, quiet: float = 1.5) -> dict[str, int]:
    """Wait until the start-up work (the platform column's describes) is over; the calls
    made so far."""
    last: dict[str, int] = {}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(quiet)
        calls = server.calls()
        describes = calls.get("sagemaker:DescribeNotebookInstance", 0)
        if last and describes == last.get("sagemaker:DescribeNotebookInstance", 0):
            return calls
        last = calls
    return last


def refresh_cost(
    server: FleetServer, env: dict[str, str], refreshes: int, idle_seconds: float, instances: int
) -> RefreshCost:
    server.populate(instances)
    server.command("reset-counts")
    with Terminal(dashboard_command(), env, SIZE) as term:
        term.wait_for(lambda lines: rows_on(lines) > 0, timeout=120)
        startup = settle(term, server)
        stamp = wait_refresh(term, refreshed_at(term.lines()))
        # API calls: everything between two refreshes reaching the screen is one refresh.
        server.command("reset-counts")
        stamp = wait_refresh(term, stamp)
        calls = server.calls()
        # CPU per refresh when 1% of the statuses change: flip them, wait for the refresh.
        cpu = []
        for _ in range(refreshes):
            server.command(f"flip {max(1, instances // 100)}")
            before = term.cpu_seconds()
            stamp = wait_refresh(term, stamp)
            term.wait_quiet(0.3)
            cpu.append(term.cpu_seconds() - before)
        # Idle: nothing changes, the 5 s refresh goes on.
        stamp = wait_refresh(term, stamp)
        before, started = term.cpu_seconds(), time.perf_counter()
        time.sleep(idle_seconds)
        idle = (term.cpu_seconds() - before) / (time.perf_counter() - started) * 100
    list_calls = calls.pop("sagemaker:ListNotebookInstances", 0)
    return RefreshCost(list_calls, calls, startup, median(cpu), idle)


def refresh_figures(
    server: FleetServer,
    env: dict[str, str],
    refreshes: int,
    idle_seconds: float,
    instances: int = 1_000,
) -> list[Figure]:
    cost = refresh_cost(server, env, refreshes, idle_seconds, instances)
    pages = -(-instances // 100)
    interval = env.get("SAGEDECK_REFRESH", "5")
    group = f"3. Refresh cost ({instances:,} instances, 1 region)"
    others = ", ".join(f"{k} {v}" for k, v in sorted(cost.other_calls.items())) or "none"
    startup_describes = cost.startup_calls.get("sagemaker:DescribeNotebookInstance", 0)
    return [
        Figure(
            group,
            "API calls per refresh",
            f"{cost.list_calls:.0f} ListNotebookInstances; other calls: {others}",
            target=f"{pages} pages (1 per 100), no per-instance calls",
            met=cost.list_calls == pages and not cost.other_calls,
            note=(
                f"start-up, once: {startup_describes} DescribeNotebookInstance "
                "(the PLATFORM column of the rows on screen)"
            ),
        ),
        Figure(
            group,
            f"CPU per refresh, 1% of statuses changed ({max(1, instances // 100)} rows)",
            ms(cost.cpu_per_refresh),
            note=(
                f"median of {refreshes} refresh cycles (the refresh and the quiet wait before"
                " it); /proc utime+stime, 10 ms ticks"
            ),
        ),
        Figure(
            group,
            f"idle CPU, {interval} s refresh, over {idle_seconds:.0f} s",
            f"{cost.idle_percent:.1f}% of a core",
            target=f"<= {IDLE_TARGET:.0f}%",
            met=cost.idle_percent <= IDLE_TARGET,
        ),
    ]


# --- figure 4: keys ----------------------------------------------------------------------------


def cursor_row(term: Terminal, colour: str) -> tuple[int, list[str]] | None:
    """The screen row the table cursor is on, and the row names by screen row."""
    with term.locked() as screen:
        lines = list(screen.display)
        for y, line in enumerate(lines):
            if ROW.search(line) and screen.buffer[y][NAME_COLUMN].bg == colour:
                return y, lines
    return None


def name_at(lines: list[str], y: int) -> str | None:
    found = ROW.search(lines[y]) if 0 <= y < len(lines) else None
    return found.group(0) if found else None


def press(term: Terminal, key: bytes, done: Callable[[list[str]], bool]) -> float:
    sent = term.send(key)
    return term.wait_for(done, timeout=10) - sent


def cursor_colour(term: Terminal) -> str:
    """The cursor row's background: the table starts with the cursor on its first row."""
    with term.locked() as screen:
        first = next(y for y, line in enumerate(screen.display) if ROW.search(line))
        colour: str = screen.buffer[first][NAME_COLUMN].bg
        return colour


def table_keys(term: Terminal, presses: int, rng: random.Random) -> list[float]:
    """``j``/``k`` alternately (the cursor ends where it began); each press until the cursor
    row shows the expected name."""
    colour = cursor_colour(term)
    latencies = []
    for index in range(presses + presses % 2):
        found = cursor_row(term, colour)
        assert found is not None, "no cursor row on screen"
        y, lines = found
        key, step = (b"j", 1) if index % 2 == 0 else (b"k", -1)
        expected = name_at(lines, y + step)
        assert expected is not None, f"no row {y + step} on screen"

        def moved(lines: list[str], expected: str = expected) -> bool:
            row = cursor_row(term, colour)
            return row is not None and name_at(row[1], row[0]) == expected

        latencies.append(press(term, key, moved))
        time.sleep(0.25 + rng.random() * 0.25)  # a person reading, not a key held down
    return latencies


def follow_keys(term: Terminal, presses: int, rng: random.Random) -> list[float]:
    """``s`` in the log view: the status line says "paused", then "following" again."""
    latencies = []
    for _ in range(presses + presses % 2):  # even: the view ends up following again
        paused = any(STATUS_PAUSED.match(line) for line in term.lines()[-4:])

        def toggled(lines: list[str], paused: bool = paused) -> bool:
            status = [line for line in lines[-4:] if STATUS_LINE.match(line)]
            return bool(status) and bool(STATUS_PAUSED.match(status[0])) != paused

        latencies.append(press(term, b"s", toggled))
        time.sleep(0.25 + rng.random() * 0.25)
    return latencies


def timestamp_keys(term: Terminal, presses: int, rng: random.Random) -> list[float]:
    """``t`` in the log view: timestamps go away, then come back on the lines shown."""
    latencies = []
    for _ in range(presses + presses % 2):
        had = any(LOG_TIME.match(line) for line in term.lines()[1:4])

        def toggled(lines: list[str], had: bool = had) -> bool:
            shown = [line for line in lines[1:4] if line.strip()]
            return bool(shown) and all(bool(LOG_TIME.match(line)) != had for line in shown)

        latencies.append(press(term, b"t", toggled))
        time.sleep(0.25 + rng.random() * 0.25)
    return latencies


def key_figures(
    server: FleetServer, env: dict[str, str], presses: int, instances: int = 1_000
) -> list[Figure]:
    rng = random.Random(4)
    server.populate(instances)
    name = instance_name(0)  # first by name: the row the cursor starts on
    with Terminal(dashboard_command(), env, SIZE) as term:
        term.wait_for(lambda lines: rows_on(lines) > 0, timeout=120)
        settle(term, server)
        table = table_keys(term, presses, rng)
        server.command(f"tail {name} {TAIL_RATE}")
        try:
            term.send(b"l")  # the cursor is back on the first row: ``name``
            term.wait_for(lambda lines: sum(1 for line in lines if "tail line" in line) > 10)
            time.sleep(2)  # into the steady stream
            following = follow_keys(term, presses, rng)
            rerender = timestamp_keys(term, presses, rng)
            kept = next((line for line in term.lines()[-4:] if STATUS_LINE.match(line)), "")
        finally:
            server.command("tail-stop")
    figures = []
    for what, latencies in (
        (f"j/k on the dashboard, {instances:,} rows", table),
        (f"s (follow/pause) in the log view while tailing {TAIL_RATE:,} lines/s", following),
        (
            f"t (timestamps on/off) while tailing; {kept.strip()}",
            rerender,
        ),
    ):
        figures.append(key_figure(what, latencies))
    return figures


def key_figure(what: str, latencies: list[float]) -> Figure:
    p90 = percentile(latencies, 0.9)
    return Figure(
        KEYS_GROUP,
        what,
        f"p50 {ms(median(latencies))}, p90 {ms(p90)}",
        target=f"p90 <= {ms(KEY_TARGET)}",
        met=p90 <= KEY_TARGET,
        note=f"{len(latencies)} presses, worst {ms(max(latencies))}",
    )


def table_key_figures(
    server: FleetServer, env: dict[str, str], presses: int, instances: int
) -> list[Figure]:
    """j/k on a big table (issue 15: 10,000 rows)."""
    server.populate(instances)
    with Terminal(dashboard_command(), env, SIZE) as term:
        term.wait_for(lambda lines: rows_on(lines) > 0, timeout=120)
        settle(term, server)
        table = table_keys(term, presses, random.Random(5))
    return [key_figure(f"j/k on the dashboard, {instances:,} rows", table)]
