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
import socket
import time
import types
from collections import Counter
from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widget import Widget

from sagedeck.devtools.faultproxy import Fault, FaultKind, FaultProxy
from sagedeck.localaws import LocalAws

from .reliability_support import dashboard_app

SOAK_CYCLES = int(os.environ.get("SAGEDECK_SOAK_CYCLES", "45"))
WARM_UP = 15  # refreshes before the first measurement: clients, pools and models loaded
SAMPLES = 3
LIST = frozenset({"ListNotebookInstances"})
# What must not grow with the number of refreshes, and by how much it may drift. Textual's
# render caches (bounded LRUs) fill up over the first few hundred refreshes, so a count of all
# objects would rise without any leak; these are the things a leak would be made of.
SLACK = {"tasks": 2, "sockets": 2, "widgets": 20, "sagedeck": 60, "exceptions": 20, "frames": 40}
# Widgets removed from the screen yet still referenced. Textual 8.2's Footer kept every key it
# removed (Textualize/textual#6666: ~13 widgets and ~250 KiB a refresh when the dashboard
# asked it to re-check its keys on every poll); sagedeck's DeckFooter drops them.
DETACHED_SLACK = 15
# Bytes per refresh. Textual's render caches fill over the first few hundred refreshes (about
# 75 KiB a refresh at first, measured).
RSS_GROWTH_PER_CYCLE = 128 * 1024


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def until(pilot: Pilot[int], condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the soak stalled")
        await pilot.pause(0.01)


@pytest.mark.timeout(max(120, SOAK_CYCLES))  # about 0.1-0.3 s a refresh on a loaded machine
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
    samples: list[tuple[int, Counter[str]]] = []  # (poll, census)
    injected: Counter[str] = Counter()
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
            injected += proxy.stats().injected
            proxy.reset_stats()  # the proxy's own call log lives in this process too
            samples.append((board.poller.polls, await census(pilot)))
        assert app.is_running
        unexpected = [n for n in app.notices if "Unexpected" in n[1]]
        assert unexpected == []
    elapsed = time.monotonic() - started

    (first_poll, first), (last_poll, last) = samples[0], samples[-1]
    cycles = last_poll - first_poll
    names = (*SLACK, "rss", "detached_widgets", "footer_keys")
    growth = {name: last[name] - first[name] for name in names}
    figures = {"cycles": cycles, "seconds": round(elapsed, 1), "faults": sum(injected.values())}
    figures |= {f"{name}_growth": value for name, value in growth.items()}
    for name, value in figures.items():
        record_property(f"soak:{name}", value)
    print(f"\nFIGURE soak: {figures}; first {dict(first)}")
    assert sum(injected.values()) > 0  # the error paths were exercised too
    for name, slack in SLACK.items():
        assert growth[name] <= slack, f"{name} grew by {growth[name]} in {cycles} refreshes"
    assert last["detached_widgets"] <= DETACHED_SLACK, f"widgets kept after removal: {figures}"
    assert growth["rss"] <= RSS_GROWTH_PER_CYCLE * cycles, figures


async def census(pilot: Pilot[int]) -> Counter[str]:
    """Counts of what a leak is made of, after a full collection. Tasks come and go with the
    work in flight: the fewest seen over a few turns of the loop is the ones that stay."""
    tasks = []
    for _ in range(5):
        await pilot.pause()
        tasks.append(len(asyncio.all_tasks()))
    gc.collect()
    counts: Counter[str] = Counter()
    for obj in gc.get_objects():
        if isinstance(obj, Widget):
            counts["widgets"] += 1
            if not obj.is_attached:
                counts["detached_widgets"] += 1
                counts["footer_keys"] += type(obj).__name__ == "FooterKey"
        elif isinstance(obj, socket.socket):
            counts["sockets"] += 1
        elif isinstance(obj, BaseException):
            counts["exceptions"] += 1
        elif isinstance(obj, types.FrameType | types.TracebackType):
            counts["frames"] += 1
        elif _is_sagedeck(type(obj)):
            counts["sagedeck"] += 1
    counts["tasks"] = min(tasks)
    counts["rss"] = rss_bytes()
    return counts


def _is_sagedeck(kind: type) -> bool:
    """sagedeck's own objects, but not the proxy's or the embedded AWS's (test-side)."""
    module = kind.__dict__.get("__module__")
    return isinstance(module, str) and (
        module.startswith("sagedeck.")
        and not module.startswith(("sagedeck.devtools.faultproxy", "sagedeck.localaws"))
    )
