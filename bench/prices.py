"""Figure 8 (issue 15, cost): prices never hold up a listing. ``sagedeck ls --json`` on 1,000
instances with the Price List API hanging (the embedded AWS reads each pricing request and never
answers: a network that swallows its packets) against the same ``ls`` with the API answering:

- each run after the first: the first run remembered that the API did not answer (the price
  cache, 15 min), so nothing is asked; the peer's prices come from the same cache (a day);
- the first run (nothing on disk either side): the hanging one waits for one request's bound
  (``ANSWER_SECONDS``), not a timeout per request or per retry.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from bench.common import (
    REGION,
    Figure,
    FleetServer,
    interleaved,
    median,
    sagedeck_command,
    seconds,
    wall_time,
)
from bench.fleet import GROUP
from sagedeck.aws.pricing.products import ANSWER_SECONDS

REMEMBERED_TARGET = 1.3


def pricing_figures(server: FleetServer, env: dict[str, str], size: int, runs: int) -> list[Figure]:
    server.populate(size)
    command = [*sagedeck_command(), "ls", "--json", "--region", REGION]
    home = Path(env["HOME"])
    caches = {"answering": home / "cache-answering", "hanging": home / "cache-hanging"}
    envs = {mode: {**env, "XDG_CACHE_HOME": str(path)} for mode, path in caches.items()}

    def run(mode: str, cold: bool) -> Callable[[], float]:
        def job() -> float:
            if cold:
                shutil.rmtree(caches[mode], ignore_errors=True)
            server.command("pricing " + ("hang" if mode == "hanging" else "answer"))
            return wall_time(command, envs[mode])

        return job

    try:
        first = interleaved(runs, {mode: run(mode, cold=True) for mode in caches})
        for mode in caches:  # what the runs after the first find on disk
            run(mode, cold=False)()
        server.command("pricing answer")
        asked = {mode: 0 for mode in caches}

        def counted(mode: str) -> Callable[[], float]:
            job = run(mode, cold=False)

            def count() -> float:
                took = job()
                asked[mode] += int(server.command("pricing answer")["pricing_requests"])
                return took

            return count

        later = interleaved(runs, {mode: counted(mode) for mode in caches})
    finally:
        server.command("pricing answer")
    return [
        _figure(
            f"sagedeck ls --json, {size:,} instances, Price List API hanging: each run after"
            " the first (remembered, 15 min)",
            later,
            f"<= {REMEMBERED_TARGET}x",
            lambda ratio: ratio <= REMEMBERED_TARGET,
            f"pricing requests in those runs: {asked['hanging']} hanging,"
            f" {asked['answering']} answering (prices cached)",
        ),
        _figure(
            f"sagedeck ls --json, {size:,} instances, Price List API hanging: the first run"
            " (nothing on disk)",
            first,
            f"<= API answering + {ANSWER_SECONDS:g} s",
            lambda _ratio: (
                median(first["hanging"]) <= median(first["answering"]) + ANSWER_SECONDS + 0.5
            ),
            "one request's bound, not one per type or per retry (before: 10 s, every run)",
        ),
    ]


def _figure(
    what: str,
    results: dict[str, list[float]],
    target: str,
    met: Callable[[float], bool],
    note: str,
) -> Figure:
    hanging, answering = median(results["hanging"]), median(results["answering"])
    ratio = hanging / answering
    return Figure(
        GROUP,
        what,
        f"{seconds(hanging)} ({ratio:.2f}x)",
        target=target,
        peer=f"the same ls, the API answering: {seconds(answering)}",
        met=met(ratio),
        note=(
            f"min {seconds(min(results['hanging']))}, max {seconds(max(results['hanging']))};"
            f" {note}"
        ),
    )
