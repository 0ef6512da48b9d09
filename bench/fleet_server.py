"""The embedded AWS for the benchmarks, in its own process, driven over stdin.

    python -m bench.fleet_server [--port N]

Prints ``serving on URL`` once listening, then answers one JSON line per command line:

    populate N [R1,R2,...]  an empty account with N steady notebook instances in us-east-1
                            (or in each of the regions named)
    flip K                  K instances go InService <-> Stopped (as a refresh would see them)
    counts                  API calls served since the last ``reset-counts``, by operation
    reset-counts
    history NAME COUNT      COUNT events of NAME's logs over the last six hours
    tail NAME RATE          append RATE lines/s to NAME/jupyter.log (10 batches a second)
    tail-stop
    log-throttle on|off     enforce FilterLogEvents' 5 and GetLogEvents' 10 requests/s as
                            AWS does (off at start)
    pricing hang|answer     the Price List API reads each request and never answers (a
                            network that swallows its packets), or answers (at start); each
                            answer says how many pricing requests came since the last one
    cpu                     this process's CPU seconds (user + system)
    quit

Its own process, so the server never shares the GIL with the client being measured. Instances
are created in the backend (as the seed does) rather than through CreateNotebookInstance: 5,000
calls would cost more than the benchmarks themselves. No simulator runs: statuses change only
when a command says so, so a refresh finds exactly the change the benchmark made.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

REGION = "us-east-1"
TYPES = ("ml.t3.medium", "ml.t3.large", "ml.m5.xlarge", "ml.g5.2xlarge", "ml.c5.2xlarge")
TEAMS = ("ds", "nlp", "vision", "recsys", "forecast", "platform")
LIFECYCLES = ("auto-stop-idle", "conda-setup")
ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole"
HOUR_S = 3600.0


def instance_name(index: int) -> str:
    return f"{TEAMS[index % len(TEAMS)]}-notebook-{index:05d}"


class FleetServer:
    def __init__(self, port: int) -> None:
        from sagedeck.localaws import LocalAws

        self.local = LocalAws(
            seed=False, simulate=False, port=port, throttle_filter_log_events=False
        )
        self.calls: Counter[str] = Counter()
        self._calls_lock = threading.Lock()
        self._tail_stop = threading.Event()
        self._tail: threading.Thread | None = None
        self._pricing_answers = threading.Event()  # cleared: every pricing request hangs
        self._pricing_answers.set()
        self._pricing_requests = 0

    def start(self) -> str:
        self.local.start()
        self._count_calls()
        self._hold_pricing()
        return self.local.endpoint_url

    def _hold_pricing(self) -> None:
        """Pricing requests wait while ``_pricing_answers`` is clear (the request is read, no
        answer is written until ``pricing answer``, by when the client has given up)."""
        from sagedeck.localaws import pricing

        original, answers = pricing.application, self._pricing_answers

        def application(environ: dict[str, Any], start_response: Any) -> Any:
            with self._calls_lock:
                self._pricing_requests += 1
            answers.wait()
            return original(environ, start_response)

        pricing.application = application

    def pricing(self, mode: str) -> dict[str, Any]:
        if mode not in ("hang", "answer"):
            raise ValueError(f"pricing hang|answer, not {mode!r}")
        if mode == "hang":
            self._pricing_answers.clear()
        else:
            self._pricing_answers.set()
        with self._calls_lock:
            requests, self._pricing_requests = self._pricing_requests, 0
        return {"pricing_requests": requests}

    def _count_calls(self) -> None:
        """Count every action moto serves, by service and operation (a counting proxy without
        the proxy: no hop added to what is measured)."""
        from moto.core.responses import BaseResponse

        original = BaseResponse.call_action
        calls, lock = self.calls, self._calls_lock

        def call_action(response: Any) -> Any:
            with lock:
                calls[f"{response.service_name}:{response._get_action()}"] += 1
            return original(response)

        BaseResponse.call_action = call_action  # type: ignore[method-assign,assignment]

    # --- commands --------------------------------------------------------------------------

    def populate(self, count: int, regions: tuple[str, ...] = (REGION,)) -> dict[str, Any]:
        from sagedeck.localaws import accounts
        from sagedeck.localaws.fleet_resources import SAGEMAKER_TRUST_POLICY
        from sagedeck.localaws.state import ACCOUNT_ID, LOCK, iam_backend

        started = time.perf_counter()
        with LOCK:
            self.local.reset(seed=False)
            # An account with every region enabled: the regions asked (--region all, or the
            # first few in name order, opt-in ones among them) answer as enabled ones do, and
            # the peer's loop over the same regions does not stop at a refusal.
            accounts.ENABLED.update(accounts.OPT_IN_REGIONS)
            # The execution role must exist: the embedded AWS checks SageMaker can assume it.
            iam_backend(ACCOUNT_ID).create_role(
                role_name=ROLE.rsplit("/", 1)[-1],
                assume_role_policy_document=SAGEMAKER_TRUST_POLICY,
                path="/service-role/",
                permissions_boundary=None,
                description="",
                tags=[],
                max_session_duration="3600",
            )
            for region in regions:
                self._populate_region(count, region)
        return {"instances": count, "seconds": round(time.perf_counter() - started, 3)}

    def _populate_region(self, count: int, region: str) -> None:
        from sagedeck.localaws.sagemaker_api import create_notebook
        from sagedeck.localaws.state import ACCOUNT_ID, sagemaker_backend

        rng = random.Random(7)
        now = time.time()
        # the caller holds the lock
        backend = sagemaker_backend(ACCOUNT_ID, region)
        for config in LIFECYCLES:
            backend.create_notebook_instance_lifecycle_config(
                notebook_instance_lifecycle_config_name=config,
                on_create=[],
                on_start=[],
            )
        for index in range(count):
            lifecycle = LIFECYCLES[index % 3] if index % 3 < len(LIFECYCLES) else None
            notebook = create_notebook(
                backend,
                {
                    "NotebookInstanceName": instance_name(index),
                    "InstanceType": TYPES[index % len(TYPES)],
                    "RoleArn": ROLE,
                    "LifecycleConfigName": lifecycle,
                    "PlatformIdentifier": "notebook-al2-v2" if index % 4 else "notebook-al2-v3",
                },
            )
            notebook.__dict__.pop("_sagedeck_operation", None)  # no transition: steady
            # Steady states only (a transitional one would make the dashboard poll fast and
            # spin its markers): the fleet of a quiet afternoon, changed hours or days ago.
            notebook.status = "InService" if index % 5 < 2 else "Stopped"
            if index % 97 == 0:
                notebook.status = "Failed"
            notebook.creation_time = _naive(now - rng.uniform(2, 90) * 24 * HOUR_S)
            notebook.last_modified_time = _naive(now - rng.uniform(2, 72) * HOUR_S)

    def flip(self, count: int) -> dict[str, Any]:
        from sagedeck.localaws.state import ACCOUNT_ID, LOCK, sagemaker_backend

        flips = {"InService": "Stopped", "Stopped": "InService"}
        with LOCK:
            notebooks = [
                nb
                for nb in sagemaker_backend(ACCOUNT_ID, REGION).notebook_instances.values()
                if nb.status in flips
            ]
            chosen = random.Random(len(notebooks) + count).sample(
                notebooks, min(count, len(notebooks))
            )
            now = _naive(time.time())
            for notebook in chosen:
                notebook.status = flips[notebook.status]
                notebook.last_modified_time = now
        return {"flipped": len(chosen)}

    def history(self, name: str, count: int) -> dict[str, Any]:
        """``count`` events over the last six hours, a tenth in the lifecycle stream."""
        from sagedeck.localaws.logs import store as log_store
        from sagedeck.localaws.state import ACCOUNT_ID, LOCK, logs_backend

        base = int(time.time() * 1000) - 6 * 3_600_000
        step = max(1, 6 * 3_600_000 // max(count, 1))
        streams: dict[str, list[tuple[int, str, int]]] = {
            "jupyter.log": [],
            "LifecycleConfigOnStart": [],
        }
        for i in range(count):
            stream = "LifecycleConfigOnStart" if i % 10 == 0 else "jupyter.log"
            stamp = base + i * step
            message = f"[I 2024-05-01 12:00:00.000 ServerApp] event {i}: kernel 4f1c activity"
            streams[stream].append((stamp, message, stamp + 250))
        with LOCK:
            backend = logs_backend(ACCOUNT_ID, REGION)
            for stream, events in streams.items():
                target = log_store.log_stream(backend, f"{name}/{stream}")
                log_store.attach(target, log_store.make_events(events))
        return {"events": count}

    def tail(self, name: str, rate: int) -> dict[str, Any]:
        self.tail_stop()
        self._tail_stop.clear()
        self._tail = threading.Thread(target=self._write_lines, args=(name, rate), daemon=True)
        self._tail.start()
        return {"rate": rate}

    def _write_lines(self, name: str, rate: int) -> None:
        from sagedeck.localaws.logs import store as log_store
        from sagedeck.localaws.state import ACCOUNT_ID, LOCK, logs_backend

        per_tick, tick = max(1, rate // 10), 0.1
        written = 0
        next_at = time.monotonic()
        while not self._tail_stop.is_set():
            stamp = int(time.time() * 1000)
            events = [
                (
                    stamp + i * 100 // per_tick,
                    f"[I ServerApp] tail line {written + i}: 200 GET /api/kernels 1.2ms",
                    stamp + 100,
                )
                for i in range(per_tick)
            ]
            with LOCK:
                stream = log_store.log_stream(
                    logs_backend(ACCOUNT_ID, REGION), f"{name}/jupyter.log"
                )
                log_store.attach(stream, log_store.make_events(events))
            written += per_tick
            next_at += tick
            self._tail_stop.wait(max(0.0, next_at - time.monotonic()))

    def tail_stop(self) -> dict[str, Any]:
        self._tail_stop.set()
        if self._tail is not None:
            self._tail.join(timeout=5)
            self._tail = None
        return {}

    def counts(self) -> dict[str, Any]:
        with self._calls_lock:
            return dict(self.calls)

    def reset_counts(self) -> dict[str, Any]:
        with self._calls_lock:
            self.calls.clear()
        return {}

    def handle(self, line: str) -> dict[str, Any] | None:
        words = line.split()
        if not words:
            return {}
        command, args = words[0], words[1:]
        if command == "quit":
            return None
        if command == "populate":
            regions = tuple(args[1].split(",")) if len(args) > 1 else (REGION,)
            return self.populate(int(args[0]), regions)
        if command == "flip":
            return self.flip(int(args[0]))
        if command == "counts":
            return self.counts()
        if command == "reset-counts":
            return self.reset_counts()
        if command == "history":
            return self.history(args[0], int(args[1]))
        if command == "tail":
            return self.tail(args[0], int(args[1]))
        if command == "tail-stop":
            return self.tail_stop()
        if command == "log-throttle":
            self.local.set_log_throttle(args[0] == "on")
            return {"log_throttle": args[0] == "on"}
        if command == "pricing":
            return self.pricing(args[0])
        if command == "cpu":
            times = os.times()
            return {"cpu": times.user + times.system}
        return {"error": f"unknown command {command!r}"}


def _naive(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet_server")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = FleetServer(args.port)
    print(f"serving on {server.start()}", flush=True)
    try:
        for line in sys.stdin:
            try:
                reply = server.handle(line)
            except Exception as err:  # a bad command must not take the server down
                reply = {"error": f"{type(err).__name__}: {err}"}
            if reply is None:
                break
            print(json.dumps(reply), flush=True)
    finally:
        server.tail_stop()
        server.pricing("answer")  # no request left hanging at the stop
        server.local.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
