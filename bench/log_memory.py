"""The TUI log view's ingestion rate and memory, in a process of its own (so its RSS is the
app's, not the benchmark runner's):

    python -m bench.log_memory ENDPOINT LINES     # prints one JSON line

The real ``LogScreen`` (default settings: its buffer of ``log_buffer_lines``) takes ``LINES``
events through ``ingest`` - the path the follower's batches take - in batches of 10,000 (what
one FilterLogEvents page brings), headless at 200x50, with a pause after each batch for the
screen to process and paint it.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from datetime import UTC, datetime

BATCH = 10_000
NAME = "rss-probe"


def rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


async def measure(endpoint: str, lines: int) -> dict[str, float]:
    from textual.app import App

    from sagedeck.aws.services import AwsServices
    from sagedeck.aws.session import AwsTarget, StaticCredentials
    from sagedeck.config import Settings
    from sagedeck.models import LogEvent, NotebookStatus, NotebookSummary
    from sagedeck.ui.screens.logs import LogScreen

    settings = Settings()
    target = AwsTarget(None, ("us-east-1",), endpoint, True, StaticCredentials("demo", "demo"))
    services = AwsServices(target)
    now = datetime.now(UTC)
    notebook = NotebookSummary(
        name=NAME,
        arn=f"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/{NAME}",
        region="us-east-1",
        status=NotebookStatus.IN_SERVICE,
        instance_type="ml.t3.medium",
        url=None,
        created=now,
        last_modified=now,
        lifecycle_config=None,
        default_code_repository=None,
        additional_code_repositories=(),
    )
    screen = LogScreen(services, notebook, settings)

    class Probe(App[None]):
        def on_mount(self) -> None:
            self.push_screen(screen)

    base_ms = int(time.time() * 1000) - 3_600_000
    stream = f"{NAME}/jupyter.log"
    async with Probe().run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        gc.collect()
        before = rss_mb()
        started = time.perf_counter()
        for start in range(0, lines, BATCH):
            batch = [
                LogEvent(
                    base_ms + i,
                    stream,
                    f"[I 2024-05-01 12:00:00.{i % 1000:03d} ServerApp] 200 GET /api/kernels/"
                    f"4f1c{i:08d} (172.16.0.1) 1.{i % 10}ms",
                    str(i),
                )
                for i in range(start, min(lines, start + BATCH))
            ]
            screen.ingest(batch)
            await pilot.pause()
        took = time.perf_counter() - started
        gc.collect()
        after = rss_mb()
        shown = screen.log_view.line_count
    await services.close()
    return {
        "lines": lines,
        "seconds": took,
        "rate": lines / took,
        "rss_before_mb": before,
        "rss_after_mb": after,
        "rss_peak_mb": rss_mb("VmHWM"),
        "kept_lines": shown,
        "buffer": settings.log_buffer_lines,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    endpoint, lines = args[0], int(args[1])
    print(json.dumps(asyncio.run(measure(endpoint, lines))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
