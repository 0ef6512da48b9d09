"""``make bench`` still runs: ``python -m bench --smoke`` (tiny sizes, one run each) prints every
figure of the table. No timing is judged here; benchmarks are not tests (bench/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GROUPS = (
    "1. Listing",
    "2. First paint",
    "3. Refresh cost",
    "4. Keys",
    "5. Logs",
    "6. Scale",
    "7. Embedded AWS",
    "8. Every credential kind",
)
FIGURES = (
    "sagedeck ls --json",
    "rows on screen",
    "API calls per refresh",
    "CPU per refresh",
    "idle CPU",
    "j/k on the dashboard",
    "s (follow/pause) in the log view",
    "sagedeck logs NAME --since 1d",
    "log view ingestion",
    "RSS after",
    "reset + re-seed of the embedded AWS",
    "GetLogEvents from the middle",
    "sagedeck url NAME, credential_process profile",
    "--region",
    "Price List API hanging",
)


@pytest.mark.timeout(300)
def test_the_benchmarks_run_and_print_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=290,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    for heading in (*GROUPS, *FIGURES):
        assert heading in table, f"{heading!r} missing from:\n{table}"
    assert "peer (same run): aws sagemaker list-notebook-instances" in table
    assert "Traceback" not in done.stderr
