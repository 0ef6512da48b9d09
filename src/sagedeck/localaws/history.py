"""Weeks of CloudWatch history for the seeded notebooks, generated deterministically.

Each notebook's past is a series of runs (start → stop). A run writes the OnStart script's
output, Jupyter's start-up lines, then a working day of activity (kernels, saves, 404s, a rare
multi-line traceback, JSON lines from the auto-stop cron or an ETL scheduler) and the shutdown
lines. Randomness comes from a generator seeded with the notebook's name.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime

from . import jupyter
from .fleet import NotebookSpec
from .fleet_resources import LifecycleSpec
from .lifecycle_scripts import dry_run
from .logs.store import EventTuple
from .operations import JUPYTER, ON_CREATE, ON_START

HOUR = 3_600_000
DAY = 24 * HOUR
Run = tuple[int, int | None]  # (start ms, stop ms or None while still running)

_KERNELS = ("conda_python3", "conda_pytorch_p310", "conda_tensorflow2_p310", "conda_mxnet_p38")
_FILES = ("01-explore", "02-features", "03-train", "04-evaluate", "scratch", "Untitled")
_TRACEBACKS = (
    ("MemoryError", "filemanager.py", 457, "model = self._file_model(path, content=content)"),
    (
        "UnicodeDecodeError: 'utf-8' codec can't decode byte 0x8b in position 1: "
        "invalid start byte",
        "fileio.py",
        310,
        "bcontent = f.read()",
    ),
    (
        "PermissionError: [Errno 13] Permission denied: '/home/ec2-user/SageMaker/lost+found'",
        "filemanager.py",
        392,
        "for name in os.listdir(os_dir):",
    ),
)


def notebook_history(
    spec: NotebookSpec, config: LifecycleSpec | None, anchor_ms: int
) -> dict[str, list[EventTuple]]:
    """Stream suffix → events (oldest first) for one notebook."""
    rng = random.Random(f"{spec.region}/{spec.name}")
    style = jupyter.flavour(spec.platform)
    out: dict[str, list[EventTuple]] = {}
    created = anchor_ms - int(spec.created_days_ago * DAY)
    changed = anchor_ms - int(spec.changed_hours_ago * HOUR)
    if config is not None and config.on_create and spec.created_days_ago <= spec.history_days:
        _script(out, ON_CREATE, config.on_create, created + 90_000)
    runs = _runs(spec, rng, created, changed, anchor_ms)
    for index, (begin, end) in enumerate(runs):
        cursor = begin
        if config is not None and config.on_start:
            cursor = _script(out, ON_START, config.on_start, begin)
        own = spec.last_run_lines if index == len(runs) - 1 else ()
        _emit_run(out, spec, style, rng, cursor, end if end is not None else anchor_ms, end, own)
    if spec.status == "Failed" and config is not None and config.on_start:
        _script(out, ON_START, config.on_start, changed - 330_000)
    return out


def _runs(
    spec: NotebookSpec, rng: random.Random, created: int, changed: int, anchor: int
) -> list[Run]:
    if spec.history_days <= 0:
        return []
    window = max(created + HOUR, anchor - spec.history_days * DAY)
    if spec.always_on:
        return [(max(window, changed), None)]
    running = spec.status in ("InService", "Stopping")
    # The current run began at `changed` (InService) or a few hours ago (Stopping).
    current = changed if spec.status == "InService" else anchor - 5 * HOUR
    last_stop = {"Failed": changed - 2 * HOUR, "Updating": changed - 20 * 60_000}.get(
        spec.status, changed
    )
    # The run that ended in the current state (Stopped) takes the last six hours before it.
    final_stop = last_stop if spec.status == "Stopped" and last_stop - 6 * HOUR > window else None
    if running:
        limit = current - HOUR
    elif final_stop is not None:
        limit = final_stop - 7 * HOUR
    else:
        limit = last_stop
    runs: list[Run] = []
    day = window - window % DAY
    while day < limit:
        weekday = datetime.fromtimestamp(day / 1000, UTC).weekday()
        if weekday < 5 and rng.random() < 0.8:
            begin = day + 8 * HOUR + rng.randrange(0, 2 * HOUR)
            end = begin + rng.randrange(3 * HOUR, 9 * HOUR)
            if begin >= window and end < limit:
                runs.append((begin, end))
        day += DAY
    if running:
        runs.append((current, None))
    elif final_stop is not None:
        runs.append((final_stop - 6 * HOUR, final_stop))
    return runs


def _script(out: dict[str, list[EventTuple]], stream: str, script: str, at: int) -> int:
    events = out.setdefault(stream, [])
    for line in dry_run(script).lines:
        at += 400
        events.append((at, line, at + 600))
    return at + 2_000


def _emit_run(
    out: dict[str, list[EventTuple]],
    spec: NotebookSpec,
    style: jupyter.Flavour,
    rng: random.Random,
    begin: int,
    until: int,
    stop: int | None,
    own: tuple[str, ...] = (),
) -> None:
    """One run's jupyter.log, with ``own`` lines (what the notebook's code printed) in its
    last minute."""
    events = out.setdefault(JUPYTER, [])
    host = jupyter.host_name(spec.name, spec.region)
    at = begin
    for level, app, text in jupyter.startup(style, host):
        at += rng.randrange(20, 400)
        events.append((at, style.line(level, at, text, app), at + 800))
    kernels: list[str] = []
    printed = [(max(at, until - (len(own) - i) * 7_000), text) for i, text in enumerate(own)]
    activity = [*_activity(spec, style, rng, at, until, kernels), *printed]
    lines = sorted(activity, key=lambda item: item[0])
    events.extend((ts, text, ts + 300 + ts % 997) for ts, text in lines)
    if stop is not None:
        at = stop
        for level, app, text in jupyter.shutdown(style, kernels[-2:]):
            at += rng.randrange(5, 80)
            events.append((at, style.line(level, at, text, app), at + 700))


def _activity(
    spec: NotebookSpec,
    style: jupyter.Flavour,
    rng: random.Random,
    begin: int,
    end: int,
    kernels: list[str],
) -> Iterator[tuple[int, str]]:
    client = f"10.0.{rng.randrange(1, 20)}.{rng.randrange(2, 250)}"
    project = spec.default_repository or spec.name
    if spec.lifecycle == "auto-stop-idle":
        for ts in range(begin + 300_000, end, 300_000):
            idle = rng.random() < 0.3
            yield (
                ts,
                json.dumps(
                    {
                        "time": _iso(ts),
                        "level": "INFO",
                        "logger": "autostop",
                        "message": "Notebook idle state set as "
                        + (
                            "True since no sessions detected."
                            if idle
                            else "False since kernel is busy."
                        ),
                        "idle_seconds": rng.randrange(60, 3000) if idle else 0,
                    }
                ),
            )
    if spec.always_on:
        for ts in range(begin + 120_000, end, 120_000):
            warn = rng.random() < 0.02
            yield (
                ts,
                json.dumps(
                    {
                        "ts": _iso(ts),
                        "level": "WARNING" if warn else "INFO",
                        "logger": "etl.scheduler",
                        "job": rng.choice(("orders_daily", "clickstream_hourly", "inventory_sync")),
                        "msg": "retrying S3 PutObject (SlowDown)" if warn else "batch committed",
                        "rows": rng.randrange(1_000, 250_000),
                        "duration_ms": rng.randrange(800, 90_000),
                    }
                ),
            )
    ts = begin
    while True:
        ts += int(rng.expovariate(1 / 240_000)) + 1_000
        if ts >= end:
            return
        yield from _event(style, rng, ts, spec, project, client, kernels)


def _event(
    style: jupyter.Flavour,
    rng: random.Random,
    ts: int,
    spec: NotebookSpec,
    project: str,
    client: str,
    kernels: list[str],
) -> Iterator[tuple[int, str]]:
    roll = rng.random()
    notebook = f"{project}/{rng.choice(_FILES)}.ipynb"
    if roll < 0.12 or not kernels:
        kernel = jupyter.kernel_id(rng)
        kernels.append(kernel)
        yield ts, style.line("I", ts, f"Kernel started: {kernel}, name: {rng.choice(_KERNELS)}")
        yield ts + 15, style.line("I", ts + 15, f"Connecting to kernel {kernel}.")
    elif roll < 0.55:
        yield ts, style.line("I", ts, f"Saving file at /{notebook}")
    elif roll < 0.65:
        yield ts, style.line("W", ts, f"Notebook {notebook} is not trusted")
    elif roll < 0.75:
        session = jupyter.kernel_id(rng)
        yield ts, style.line("I", ts, f"Starting buffering for {kernels[-1]}:{session}")
        yield (
            ts + 4_000,
            style.line("I", ts + 4_000, f"Restoring connection for {kernels[-1]}:{session}"),
        )
    elif roll < 0.83:
        gone, session = jupyter.kernel_id(rng), jupyter.kernel_id(rng)
        yield (
            ts,
            style.line(
                "W",
                ts,
                f"404 GET /api/kernels/{gone}/channels?session_id={session} ({client}): "
                f"Kernel does not exist: {gone}",
            ),
        )
    elif roll < 0.9:
        yield ts, style.line("W", ts, "KernelRestarter: restarting kernel (1/5), keep random ports")
        yield ts + 900, style.line("I", ts + 900, f"Kernel restarted: {kernels[-1]}")
    elif roll < 0.96:
        yield ts, style.line("W", ts, "WebSocket ping timeout after 90007 ms.")
    elif roll < 0.985:
        yield ts, style.line("I", ts, f"Kernel shutdown: {kernels.pop()}")
    else:
        yield ts, _traceback(style, rng, ts, spec, project, client)


def _traceback(
    style: jupyter.Flavour,
    rng: random.Random,
    ts: int,
    spec: NotebookSpec,
    project: str,
    client: str,
) -> str:
    error, module, line, code = rng.choice(_TRACEBACKS)
    site = f"{jupyter.ENV_ROOT}/lib/python{style.python}/site-packages"
    uri = f"/api/contents/{project}/data/train.parquet?type=file&content=1"
    # One event, several lines: the agent joins a traceback into the event of its first line.
    return "\n".join(
        (
            style.line("E", ts, f"Uncaught exception GET {uri} ({client})"),
            f"    HTTPServerRequest(protocol='https', host='{spec.name}.notebook.{spec.region}"
            f".sagemaker.aws', method='GET', uri='{uri}', version='HTTP/1.1', "
            f"remote_ip='{client}')",
            "    Traceback (most recent call last):",
            f'      File "{site}/tornado/web.py", line 1790, in _execute',
            "        result = await result",
            f'      File "{site}/jupyter_server/services/contents/handlers.py", line 155, in get',
            "        model = await ensure_async(self.contents_manager.get(",
            f'      File "{site}/jupyter_server/services/contents/{module}", line {line}, in get',
            f"        {code}",
            f"    {error}",
        )
    )


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
