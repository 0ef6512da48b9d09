"""A soak in accelerated time: the dashboard polls back to back (no interval) against the
embedded AWS behind the fault proxy, while the simulator moves the fleet along and a share of
the calls fail (throttles, 5xx, resets). Memory and the number of asyncio tasks must stay flat.

``make test`` runs a short soak (``SOAK_CYCLES`` refreshes); a long one::

    SAGEDECK_SOAK_CYCLES=5000 .venv/bin/pytest tests/reliability/test_soak.py -s
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections.abc import Callable

from reliability_support import dashboard_app
from textual.pilot import Pilot

from sagedeck.faultproxy import Fault, FaultKind, FaultProxy
from sagedeck.localaws import LocalAws

SOAK_CYCLES = int(os.environ.get("SAGEDECK_SOAK_CYCLES", "400"))
WARM_UP = 60  # refreshes before the first measurement: caches, pools, models loaded
SAMPLES = 4
LIST = frozenset({"ListNotebookInstances"})
# Python objects alive after a full collection. A leak of even one object per refresh would
# grow by SOAK_CYCLES; the margin absorbs the moto server's own churn in this process.
OBJECT_GROWTH_PER_CYCLE = 0.5
OBJECT_GROWTH_FLOOR = 2_000


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def until(pilot: Pilot[int], condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the soak stalled")
        await pilot.pause(0.01)


async def test_thousands_of_refreshes_keep_memory_and_tasks_flat(
    aws: LocalAws, proxy: FaultProxy, record_property: Callable[[str, object], None]
) -> None:
    for kind, rate in (
        (FaultKind.THROTTLE, 0.05),
        (FaultKind.ERROR, 0.05),
        (FaultKind.RESET, 0.02),
    ):
        proxy.add(Fault(kind, rate=rate, operations=LIST))
    app = dashboard_app(proxy.url, aws.regions[:1], refresh=0.0)
    samples: list[tuple[int, int, int, int]] = []  # (poll, objects, tasks, rss)
    started = time.monotonic()
    async with app.run_test(size=(160, 40)) as pilot:
        board = app.dashboard
        step = max(1, SOAK_CYCLES // SAMPLES)
        for target in [WARM_UP, *range(WARM_UP + step, WARM_UP + SOAK_CYCLES + 1, step)]:
            while board.poller.polls < target:
                aws.simulator.step(30)  # the fleet moves on: rows change in place
                polls = board.poller.polls
                await until(pilot, lambda p=polls: board.poller.polls > p, 30)  # type: ignore[misc]
            await pilot.pause()
            gc.collect()
            samples.append(
                (board.poller.polls, len(gc.get_objects()), len(asyncio.all_tasks()), rss_bytes())
            )
        assert app.is_running
        unexpected = [n for n in app.notices if "Unexpected" in n[1]]
        assert unexpected == []
    elapsed = time.monotonic() - started

    injected = proxy.stats().injected
    first, last = samples[0], samples[-1]
    cycles = last[0] - first[0]
    figures = {
        "cycles": cycles,
        "seconds": round(elapsed, 1),
        "object_growth": last[1] - first[1],
        "tasks_first": first[2],
        "tasks_last": last[2],
        "rss_growth_kib": (last[3] - first[3]) // 1024,
        "faults_injected": sum(injected.values()),
    }
    for name, value in figures.items():
        record_property(f"soak:{name}", value)
    print(f"\nFIGURE soak: {figures}; samples {samples}")
    assert sum(injected.values()) > 0  # the error paths were exercised too
    assert max(s[2] for s in samples) <= first[2] + 2  # no task left behind per refresh
    assert last[1] - first[1] < max(OBJECT_GROWTH_FLOOR, OBJECT_GROWTH_PER_CYCLE * cycles)
