"""The embedded AWS's own costs: what every test and every demo waits for on the server side.

Reset and re-seed (each test starts with one), and the two log reads every log reader pages
through (FilterLogEvents over a whole stream; GetLogEvents from the middle of one: a bisect,
not a scan and sort). The server runs in this process, as in the tests, and is read through
boto3, page by page. These were time bounds inside the tests once; on a loaded machine they
failed for no fault of the code, so they are measured here and the tests count instead.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.common import Figure, seconds
from sagedeck.localaws import LocalAws

GROUP = "7. Embedded AWS (server side, in process)"
LOG_GROUP = "/aws/sagemaker/NotebookInstances"
RESEED_TARGET = 0.5  # seconds
PER_EVENT_TARGET = 0.1e-3  # seconds per event read: 100,000 events in 10 s


def embedded_aws_figures(events: int, runs: int) -> list[Figure]:
    with LocalAws(seed=True, simulate=False, throttle_filter_log_events=False) as aws:
        reseed = _median(runs, aws.reset)
        logs = aws.client("logs", "us-east-1")
        start_ms = int(time.time() * 1000) - 3_600_000
        _write_stream(logs, "bench/jupyter.log", start_ms, events)
        filtered = _median(runs, lambda: _filter_all(logs, "bench/jupyter.log", events))
        half = events // 2
        got = _median(runs, lambda: _get_from(logs, "bench/jupyter.log", start_ms + half, half))
    return [
        Figure(
            GROUP,
            "reset + re-seed of the embedded AWS (what each test starts with)",
            seconds(reseed),
            target=f"<= {RESEED_TARGET} s",
            met=reseed <= RESEED_TARGET,
        ),
        _read_figure(
            f"FilterLogEvents, one stream of {events:,} events, every page", filtered, events
        ),
        _read_figure(
            f"GetLogEvents from the middle of {events:,} events: {half:,} read, every page",
            got,
            half,
        ),
    ]


def _read_figure(what: str, taken: float, events: int) -> Figure:
    return Figure(
        GROUP,
        what,
        f"{seconds(taken)} ({events / taken:,.0f} events/s)",
        target=f"<= {PER_EVENT_TARGET * 1000:.1f} ms per event",
        met=taken <= PER_EVENT_TARGET * events,
        note="boto3 client and server in one process, as in the tests",
    )


def _median(runs: int, work: Callable[[], object]) -> float:
    taken = []
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        work()
        taken.append(time.perf_counter() - started)
    return statistics.median(taken)


def _write_stream(logs: Any, stream: str, start_ms: int, count: int) -> None:
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
    for first in range(0, count, 10_000):
        logs.put_log_events(
            logGroupName=LOG_GROUP,
            logStreamName=stream,
            logEvents=[
                {"timestamp": start_ms + i, "message": f"[I ServerApp] line {i}"}
                for i in range(first, min(count, first + 10_000))
            ],
        )


def _filter_all(logs: Any, stream: str, expected: int) -> None:
    params: dict[str, Any] = {"logGroupName": LOG_GROUP, "logStreamNames": [stream]}
    read = 0
    while True:
        page = logs.filter_log_events(**params)
        read += len(page["events"])
        if "nextToken" not in page:
            break
        params["nextToken"] = page["nextToken"]
    if read != expected:
        raise RuntimeError(f"FilterLogEvents read {read} events, not {expected}")


def _get_from(logs: Any, stream: str, start_ms: int, expected: int) -> None:
    params: dict[str, Any] = {
        "logGroupName": LOG_GROUP,
        "logStreamName": stream,
        "startFromHead": True,
        "startTime": start_ms,
    }
    read = 0
    while True:
        page = logs.get_log_events(**params)
        read += len(page["events"])
        if page["nextForwardToken"] == params.get("nextToken"):
            break
        params["nextToken"] = page["nextForwardToken"]
    if read != expected:
        raise RuntimeError(f"GetLogEvents read {read} events, not {expected}")
