"""What happens, second by second, while AWS starts, stops, updates or deletes an instance.

An operation is a list of beats: log lines to write, a status to enter, a signal for the SSM
agent. The simulator plays them at their time; nothing here touches moto.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from . import jupyter, notebooks
from .lifecycle_scripts import decode, dry_run, failure_reason

ON_CREATE = "LifecycleConfigOnCreate"
ON_START = "LifecycleConfigOnStart"
JUPYTER = "jupyter.log"


@dataclass(frozen=True, slots=True)
class Timings:
    """Simulated seconds each operation takes (AWS takes minutes; the demo compresses them)."""

    create: float = 25.0
    start: float = 20.0
    stop: float = 5.0
    update: float = 6.0
    delete: float = 5.0


@dataclass(frozen=True, slots=True)
class Beat:
    at: float  # simulated seconds after the operation began
    stream: str | None = None  # suffix of the log stream ``<name>/<stream>``
    text: str | None = None
    level: str | None = None  # set for Jupyter lines: the prefix is stamped when written
    app: str | None = None
    status: str | None = None
    failure_reason: str | None = None
    signal: str | None = None  # "deleted", "agent-online", "agent-offline"


@dataclass(slots=True)
class Operation:
    kind: str
    started: float
    beats: deque[Beat] = field(default_factory=deque)

    def next_due(self) -> float | None:
        return self.started + self.beats[0].at if self.beats else None


def _spread(count: int, begin: float, end: float) -> list[float]:
    if count == 0:
        return []
    step = (end - begin) / count
    return [begin + step * index for index in range(count)]


def _script_beats(stream: str, lines: tuple[str, ...], begin: float, end: float) -> list[Beat]:
    return [
        Beat(at=at, stream=stream, text=text)
        for at, text in zip(_spread(len(lines), begin, end), lines, strict=True)
    ]


def launch(notebook: Any, config: Any, duration: float, is_create: bool) -> list[Beat]:
    """Pending → lifecycle scripts → Jupyter → InService, or Failed when a script fails."""
    scripts: list[tuple[str, str]] = []
    if config is not None:
        if is_create and config.on_create:
            scripts.append((ON_CREATE, "".join(decode(c.get("Content")) for c in config.on_create)))
        if config.on_start:
            scripts.append((ON_START, "".join(decode(c.get("Content")) for c in config.on_start)))
    beats: list[Beat] = []
    window_begin, window_end = 0.35 * duration, 0.8 * duration
    share = (window_end - window_begin) / max(1, len(scripts))
    for position, (stream, script) in enumerate(scripts):
        begin = window_begin + share * position
        run = dry_run(script)
        beats += _script_beats(stream, run.lines, begin, begin + share)
        if run.outcome != "ok":
            reason = failure_reason(run.outcome, config.arn, notebook.arn)
            beats.append(Beat(at=begin + share, status=notebooks.FAILED, failure_reason=reason))
            return beats
    style = jupyter.flavour(getattr(notebook, "platform_identifier", None))
    host = jupyter.host_name(notebook.notebook_instance_name, notebook.region_name)
    lines = jupyter.startup(style, host)
    for at, (level, app, text) in zip(
        _spread(len(lines), window_end, 0.97 * duration), lines, strict=True
    ):
        beats.append(Beat(at=at, stream=JUPYTER, text=text, level=level, app=app))
    beats.append(Beat(at=duration, status=notebooks.IN_SERVICE))
    beats.append(Beat(at=duration, signal="agent-online"))
    return beats


def halt(notebook: Any, duration: float, seed: float) -> list[Beat]:
    """Stopping: Jupyter shuts its kernels down, the SSM agent goes quiet, then Stopped."""
    rng = random.Random(f"{notebook.arn}/{seed}")
    kernels = [jupyter.kernel_id(rng) for _ in range(rng.randint(0, 2))]
    style = jupyter.flavour(getattr(notebook, "platform_identifier", None))
    lines = jupyter.shutdown(style, kernels)
    beats = [
        Beat(at=at, stream=JUPYTER, text=text, level=level, app=app)
        for at, (level, app, text) in zip(
            _spread(len(lines), 0.05 * duration, 0.3 * duration), lines, strict=True
        )
    ]
    beats.append(Beat(at=0.3 * duration, signal="agent-offline"))
    beats.append(Beat(at=duration, status=notebooks.STOPPED))
    return beats


def build(kind: str, notebook: Any, config: Any, timings: Timings, now: float) -> Operation:
    if kind in ("create", "start"):
        duration = timings.create if kind == "create" else timings.start
        beats = launch(notebook, config, duration, is_create=kind == "create")
    elif kind == "stop":
        beats = halt(notebook, timings.stop, now)
    elif kind == "update":
        beats = [Beat(at=timings.update, status=notebooks.STOPPED)]
    elif kind == "delete":
        beats = [Beat(at=timings.delete, signal="deleted")]
    else:
        raise ValueError(f"unknown operation {kind!r}")
    return Operation(kind, now, deque(beats))
