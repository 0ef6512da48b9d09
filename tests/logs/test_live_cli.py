"""``sagedeck logs NAME --live`` as a person runs it: a process, its stdout and stderr, against
the embedded AWS through the fault proxy. Its output is the server's events, each once, in
order, whichever way each event reached it (the history, the catch-up pass, the session)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sagedeck.devtools.faultproxy import FaultProxy, parse_fault
from sagedeck.localaws import LocalAws

from .conftest import REGION, put, server_lines


@pytest.fixture
def proxy(aws_env: LocalAws) -> Iterator[FaultProxy]:
    with FaultProxy(aws_env.endpoint_url) as p:
        yield p


class LiveCli:
    """``sagedeck logs NAME --live --since all --format json`` through ``endpoint``."""

    def __init__(self, endpoint: str, name: str) -> None:
        env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
        args = ["logs", name, "--live", "--since", "all", "--format", "json", "--region", REGION]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sagedeck", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.records: list[dict[str, Any]] = []
        self.errors: list[str] = []
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        out, err = self.proc.stdout, self.proc.stderr
        self.threads = [
            threading.Thread(target=lambda: self.records.extend(map(json.loads, out))),
            threading.Thread(target=lambda: self.errors.extend(err)),
        ]
        for thread in self.threads:
            thread.start()

    def __enter__(self) -> LiveCli:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        for thread in self.threads:
            thread.join(timeout=10)

    def messages(self) -> list[str]:
        return [r["message"] for r in self.records]

    def lines(self) -> list[tuple[int, str, str]]:
        return [(r["timestamp"], r["stream"], r["message"]) for r in self.records]

    def printed(self, message: str) -> bool:
        return message in self.messages()

    def wait(self, predicate: Callable[[], bool], within: float = 30.0) -> None:
        """Wait for ``predicate`` (the process's output comes from reader threads)."""
        deadline = time.monotonic() + within
        while not predicate():
            if self.proc.poll() is not None:
                raise AssertionError(f"sagedeck logs ended: {''.join(self.errors)}")
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {within}s; stderr: {''.join(self.errors)}")
            time.sleep(0.05)


def filter_calls(proxy: FaultProxy) -> int:
    return sum(s.call.operation == "FilterLogEvents" for s in proxy.seen())


def now_ms() -> int:
    return int(time.time() * 1000)


def test_live_prints_the_history_the_gap_and_live_events_each_once(
    aws_env: LocalAws, proxy: FaultProxy
) -> None:
    client = aws_env.client("logs", REGION)
    history = server_lines(client, "nb/")
    # Hold the session's start: the history is printed while it waits.
    proxy.add(parse_fault("hang ops=logs:StartLiveTail times=1"))
    with LiveCli(proxy.url, "nb") as cli:
        cli.wait(lambda: len(cli.records) == len(history) and proxy.stats().hung_now == 1)
        # Ingested after the history was read and before the session began: a session never
        # sends it; only the catch-up pass after sessionStart can.
        put(client, "nb/jupyter.log", ["gap"], now_ms())
        proxy.release()
        cli.wait(lambda: cli.printed("gap"))
        # The pass that settles the catch-up (FilterLogEvents may show events late) comes a
        # few seconds after the session's start; once it has been answered, only the session
        # prints new events.
        passes = filter_calls(proxy)
        cli.wait(
            lambda: (
                filter_calls(proxy) > passes and proxy.stats().forwarded == proxy.stats().requests
            )
        )
        put(client, "nb/jupyter.log", ["later"], now_ms())
        cli.wait(lambda: cli.printed("later"))
    assert cli.messages() == [m for _, _, m in history] + ["gap", "later"]
    assert cli.lines() == server_lines(client, "nb/")
    by_message = {r["message"]: r for r in cli.records}
    assert by_message["gap"]["eventId"]  # from the catch-up pass
    assert by_message["later"]["eventId"] == ""  # from the session
    assert cli.errors == []  # no "polling instead"


def test_access_denied_to_live_tail_falls_back_to_polling_with_one_line(
    aws_env: LocalAws, proxy: FaultProxy
) -> None:
    client = aws_env.client("logs", REGION)
    history = server_lines(client, "nb/")
    proxy.add(parse_fault("deny ops=logs:StartLiveTail"))
    with LiveCli(proxy.url, "nb") as cli:
        cli.wait(lambda: len(cli.records) == len(history) and cli.errors != [])
        put(client, "nb/jupyter.log", ["after"], now_ms())
        cli.wait(lambda: cli.printed("after"))
    assert cli.errors == [
        "sagedeck: not allowed: logs:StartLiveTail (live-tail nb): polling instead\n"
    ]
    assert cli.lines() == server_lines(client, "nb/")
    assert cli.messages() == [m for _, _, m in history] + ["after"]
