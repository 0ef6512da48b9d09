"""Plays time forward: transitions finish, lifecycle and Jupyter logs fill line by line.

Time is simulated seconds. ``step(seconds)`` advances it deterministically (tests); the
background thread advances it by real time * ``speed`` (demo). Log timestamps follow the
simulated clock, so in the demo they are wall-clock times and in tests they move by exactly
the stepped amount.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from . import jupyter, notebooks, ssm
from .logs import store as log_store
from .operations import Beat, Operation, Timings, build
from .state import LOCK, existing_backends, logs_backend, ssm_backend

_OPERATION = "_sagedeck_operation"


class Simulator:
    TICK_SECONDS = 0.1

    def __init__(
        self, timings: Timings | None = None, speed: float = 1.0, start_time: float | None = None
    ) -> None:
        """``start_time`` (epoch seconds) pins simulated now, for reproducible timestamps."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.timings = timings or Timings()
        self.speed = speed
        self.last_error: BaseException | None = None
        self._start_time = start_time
        self._elapsed = 0.0
        self._wall_anchor = time.time() if start_time is None else start_time
        self._elapsed_anchor = 0.0
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- clock ---------------------------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        """Simulated seconds since the simulator was created."""
        return self._elapsed

    def now(self) -> float:
        """Epoch seconds of simulated now."""
        return self._wall_anchor + (self._elapsed - self._elapsed_anchor) / self.speed

    def reset_clock(self) -> None:
        """Re-align simulated now with the wall clock (after a reset of the fake account)."""
        with LOCK:
            self._wall_anchor = time.time() if self._start_time is None else self._start_time
            self._elapsed_anchor = self._elapsed

    # --- operations ----------------------------------------------------------------------------

    def schedule(self, notebook: Any, kind: str) -> None:
        """Begin ``kind`` ("create", "start", "stop", "update", "delete") for ``notebook``."""
        config = None
        if kind in ("create", "start") and notebook.lifecycle_config_name:
            backend = _sagemaker_backend_of(notebook)
            config = backend.notebook_instance_lifecycle_configurations.get(
                notebook.lifecycle_config_name
            )
        setattr(notebook, _OPERATION, build(kind, notebook, config, self.timings, self._elapsed))

    def pending(self) -> list[tuple[str, str, str]]:
        """(region, name, operation kind) of every unfinished operation."""
        return [
            (notebook.region_name, notebook.notebook_instance_name, operation.kind)
            for notebook, operation in self._operations()
        ]

    def step(self, seconds: float) -> None:
        """Advance simulated time by ``seconds``, playing every beat due on the way, in order."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with LOCK:
            target = self._elapsed + seconds
            while True:
                due = [(op.next_due(), nb, op) for nb, op in self._operations()]
                ready = [(at, nb, op) for at, nb, op in due if at is not None and at <= target]
                if not ready:
                    break
                at, notebook, operation = min(ready, key=lambda item: item[0])
                self._elapsed = max(self._elapsed, at)
                self._play(notebook, operation, operation.beats.popleft())
            self._elapsed = target

    def settle(self, limit_seconds: float = 3600.0) -> None:
        """Step until no operation is left (or ``limit_seconds`` have passed)."""
        with LOCK:
            deadline = self._elapsed + limit_seconds
            while self._elapsed < deadline:
                dues = [op.next_due() for _, op in self._operations()]
                remaining = [due for due in dues if due is not None]
                if not remaining:
                    return
                self.step(max(0.0, min(remaining) - self._elapsed))

    def _operations(self) -> list[tuple[Any, Operation]]:
        from moto.sagemaker.models import sagemaker_backends

        found: list[tuple[Any, Operation]] = []
        for _, _, backend in existing_backends(sagemaker_backends):
            for notebook in list(backend.notebook_instances.values()):
                operation: Operation | None = notebook.__dict__.get(_OPERATION)
                if operation is not None and operation.beats:
                    found.append((notebook, operation))
        return found

    def _play(self, notebook: Any, operation: Operation, beat: Beat) -> None:
        account_id, region = notebook.arn.split(":")[4], notebook.region_name
        name = notebook.notebook_instance_name
        now_ms = int(self.now() * 1000)
        if beat.text is not None and beat.stream is not None:
            text = beat.text
            if beat.level is not None:
                style = jupyter.flavour(getattr(notebook, "platform_identifier", None))
                text = style.line(beat.level, now_ms, text, beat.app)
            stream = log_store.log_stream(logs_backend(account_id, region), f"{name}/{beat.stream}")
            log_store.write(stream, now_ms, text)
        if beat.status is not None:
            notebooks.enter(notebook, beat.status, beat.failure_reason)
        if beat.signal == "deleted":
            notebooks.finish_delete(_sagemaker_backend_of(notebook), notebook)
        elif beat.signal == "agent-offline":
            ssm.agent_stopped(ssm_backend(account_id, region), name)
        elif beat.signal == "agent-online":
            ssm.agent_started(ssm_backend(account_id, region), name, notebook.arn)
        if not operation.beats:
            notebook.__dict__.pop(_OPERATION, None)

    # --- real time -----------------------------------------------------------------------------

    def start(self) -> None:
        """Run in real time * speed on a daemon thread until ``stop()``."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="sagedeck-simulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping.set()
            thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stopping.wait(self.TICK_SECONDS):
            now = time.monotonic()
            try:
                self.step((now - last) * self.speed)
            except Exception as error:  # keep the clock running; the error is kept for tests
                self.last_error = error
            last = now


def _sagemaker_backend_of(notebook: Any) -> Any:
    from .state import sagemaker_backend

    return sagemaker_backend(notebook.arn.split(":")[4], notebook.region_name)
