"""Figure 1 and the listing half of figure 6: ``sagedeck ls --json`` against
``aws sagemaker list-notebook-instances`` (AWS CLI v1) on the same embedded AWS, whole process
wall time, medians of interleaved runs."""

from __future__ import annotations

from collections.abc import Callable

from bench.common import (
    PEERS,
    REGION,
    Figure,
    FleetServer,
    have_peers,
    interleaved,
    median,
    sagedeck_command,
    seconds,
    wall_time,
)

GROUP = "1. Listing (whole process, to a pipe)"
SCALE_GROUP = "6. Scale"
TARGET_SIZE = 1_000
TARGET_RATIO = 0.5  # at most half the AWS CLI's wall time


def listing_figures(
    server: FleetServer,
    env: dict[str, str],
    sizes: tuple[int, ...],
    runs: int,
    target_size: int = TARGET_SIZE,
) -> list[Figure]:
    sagedeck = [*sagedeck_command(), "ls", "--json", "--region", REGION]
    aws = [str(PEERS / "aws"), "sagemaker", "list-notebook-instances", "--region", REGION]
    figures: list[Figure] = []
    for size in sizes:
        server.populate(size)
        jobs: dict[str, Callable[[], float]] = {"sagedeck": lambda: wall_time(sagedeck, env)}
        if have_peers():
            jobs["aws"] = lambda: wall_time(aws, env)
        for job in jobs.values():  # warm the page cache: not measured
            job()
        server.command("reset-counts")
        cpu_before = server.command("cpu")["cpu"]
        wall_time(sagedeck, env)
        server_cpu = server.command("cpu")["cpu"] - cpu_before
        pages = server.calls().get("sagemaker:ListNotebookInstances", 0)
        results = interleaved(runs, jobs)
        ours = median(results["sagedeck"])
        peer = median(results["aws"]) if "aws" in results else None
        ratio = ours / peer if peer else None
        is_target = size == target_size
        figures.append(
            Figure(
                GROUP if is_target else SCALE_GROUP,
                f"sagedeck ls --json, {size:,} instances ({pages} ListNotebookInstances calls)",
                seconds(ours) + (f" ({ratio:.2f}x)" if ratio else ""),
                target=f"<= {TARGET_RATIO}x peer" if is_target else "",
                peer=(f"aws sagemaker list-notebook-instances {seconds(peer)}" if peer else "n/a"),
                met=(ratio <= TARGET_RATIO) if (is_target and ratio is not None) else None,
                note=f"the server's own CPU for those pages: {seconds(server_cpu)}",
            )
        )
    return figures
