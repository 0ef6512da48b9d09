"""What every benchmark shares: the embedded AWS in its own process, the environment the
measured programs run in, timing helpers and the rows of the one table."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv running the benchmarks: sagedeck's
PEERS = ROOT / ".venv-peers" / "bin"
REGION = "us-east-1"


# --- the table ---------------------------------------------------------------------------------


@dataclass
class Figure:
    """One row of the table: what was measured, its value, the target, the peer's value."""

    group: str
    what: str
    value: str
    target: str = ""
    peer: str = ""
    met: bool | None = None  # None: no target for this row (context, or a scale point)
    note: str = ""

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: ""}[self.met]


def seconds(value: float) -> str:
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p90 of 20 samples is the 18th smallest)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --- the embedded AWS --------------------------------------------------------------------------


class FleetServer:
    """``bench.fleet_server`` in a child process: its endpoint and its stdin commands."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.fleet_server"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if not first.startswith("serving on "):
            self.close()
            raise RuntimeError(f"the embedded AWS did not start: {first!r}")
        self.endpoint = first.removeprefix("serving on ").strip()

    def command(self, line: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        reply: dict[str, Any] = json.loads(self.process.stdout.readline())
        if "error" in reply:
            raise RuntimeError(f"fleet server: {line}: {reply['error']}")
        return reply

    def populate(self, count: int, regions: Sequence[str] = ()) -> None:
        """``count`` instances in us-east-1, or in each of ``regions``."""
        self.command(f"populate {count} {','.join(regions)}".rstrip())

    def calls(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.command("counts").items()}

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write("quit\n")
                self.process.stdin.close()
            except (OSError, ValueError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@contextmanager
def fleet_server() -> Iterator[FleetServer]:
    server = FleetServer()
    try:
        yield server
    finally:
        server.close()


@contextmanager
def client_env(endpoint: str) -> Iterator[dict[str, str]]:
    """The environment of every measured program: the embedded AWS, dummy credentials, an
    empty ~/.aws and config of its own (nothing of the machine's leaks in)."""
    with tempfile.TemporaryDirectory(prefix="sagedeck-bench-") as home:
        (Path(home) / ".aws").mkdir()
        (Path(home) / ".aws" / "config").write_text(f"[default]\nregion = {REGION}\n")
        (Path(home) / ".aws" / "credentials").write_text("")
        # PYTHONPATH: an A/B run can point the measured sagedeck at another source tree.
        keep = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "PYTHONPATH")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update(
            HOME=home,
            AWS_CONFIG_FILE=f"{home}/.aws/config",
            AWS_SHARED_CREDENTIALS_FILE=f"{home}/.aws/credentials",
            AWS_ACCESS_KEY_ID="demo",
            AWS_SECRET_ACCESS_KEY="demo",
            AWS_DEFAULT_REGION=REGION,
            AWS_ENDPOINT_URL=endpoint,
            AWS_EC2_METADATA_DISABLED="true",
            XDG_CONFIG_HOME=f"{home}/.config",
            PYTHONDONTWRITEBYTECODE="1",
        )
        yield env


# --- timing ------------------------------------------------------------------------------------


def wall_time(argv: Sequence[str], env: dict[str, str], timeout: float = 600) -> float:
    """Whole-process wall time of ``argv`` writing to a pipe that is drained (as a script
    reading the output would)."""
    started = time.perf_counter()
    done = subprocess.run(list(argv), env=env, capture_output=True, timeout=timeout)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return took


def interleaved(runs: int, jobs: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Run each job ``runs`` times, taking turns (A B C A B C ...), so that a noisy moment on a
    shared machine hits every job alike rather than one job's whole series."""
    results: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(runs):
        for name, job in jobs.items():
            results[name].append(job())
    return results


def sagedeck_command() -> list[str]:
    return [str(BIN / "sagedeck")]


def have_peers() -> bool:
    return (PEERS / "aws").exists()
