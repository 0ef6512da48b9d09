"""``sagedeck logs``: its output equals the server's events exactly, in every format; pipes
and a peer (the AWS CLI) agree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from sagedeck.cli import main
from sagedeck.localaws import LocalAws
from system_tools import peer

from .conftest import REGION, put, server_lines


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["logs", *args, "--region", REGION])
    out, err = capsys.readouterr()
    return code, out, err


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1000, UTC).isoformat(timespec="milliseconds")


def test_json_output_is_every_event_of_the_instance_exactly(
    aws_env: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "nb", "--since", "all", "--format", "json")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    client = aws_env.client("logs", REGION)
    expected = server_lines(client, "nb/")
    assert [(r["timestamp"], r["stream"], r["message"]) for r in records] == expected
    assert len({r["eventId"] for r in records}) == len(records)
    assert all(r["time"] == iso(r["timestamp"]) for r in records)


def test_detailed_and_short_formats(aws_env: LocalAws, capsys: pytest.CaptureFixture[str]) -> None:
    expected = server_lines(aws_env.client("logs", REGION), "nb/")
    code, out, _ = run(capsys, "nb", "--since", "all")
    assert code == 0
    assert any("\n" in msg for _, _, msg in expected)  # a traceback in the seeded history
    assert out == "".join(f"{iso(ts)} {stream} {msg.rstrip()}\n" for ts, stream, msg in expected)
    code, out, _ = run(capsys, "nb", "--since", "all", "--format", "short")
    assert out == "".join(f"{iso(ts)[:19]} {msg.rstrip()}\n" for ts, _, msg in expected)


def test_multi_line_messages_are_printed_whole(
    aws_env: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    client = aws_env.client("logs", REGION)
    ts = int(time.time() * 1000)
    put(client, "ml/jupyter.log", ["Traceback:\n  File x\nValueError\n", '{"a": 1}'], ts)
    _, out, _ = run(capsys, "ml", "--since", "5m")
    assert out == f"{iso(ts)} ml/jupyter.log Traceback:\n  File x\nValueError\n" + (
        f'{iso(ts)} ml/jupyter.log {{"a": 1}}\n'
    )


def test_streams_filter_and_since(aws_env: LocalAws, capsys: pytest.CaptureFixture[str]) -> None:
    expected = server_lines(aws_env.client("logs", REGION), "nb/")
    _, out, _ = run(capsys, "nb", "--since", "all", "--stream", "lifecycle", "--format", "json")
    streams = {json.loads(line)["stream"] for line in out.splitlines()}
    assert streams == {"nb/LifecycleConfigOnStart"}
    _, out, _ = run(capsys, "nb", "--since", "all", "--filter", "kernel", "--format", "json")
    kept = [json.loads(line)["message"] for line in out.splitlines()]
    assert kept == [m for _, _, m in expected if "kernel" in m.lower()]
    _, out, _ = run(capsys, "nb", "--since", "all", "--filter", "!kernel", "--format", "json")
    dropped = [json.loads(line)["message"] for line in out.splitlines()]
    assert len(kept) + len(dropped) == len(expected)
    assert kept
    assert dropped
    # --since 10m, the default: only the recent part of a week of history
    newest = expected[-1][0]
    since = datetime.fromtimestamp((newest - 3_600_000) / 1000, UTC).isoformat()
    _, out, _ = run(capsys, "nb", "--since", since, "--format", "json")
    recent = [json.loads(line)["timestamp"] for line in out.splitlines()]
    assert recent == [ts for ts, _, _ in expected if ts >= newest - 3_600_000]


def test_bad_input_is_one_line(aws_env: LocalAws, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "nb", "--since", "yesterday")
    assert code == 2
    assert err.count("\n") == 1
    assert "--since" in err
    code, _, err = run(capsys, "nb", "--filter", "(")
    assert code == 2
    assert "bad regular expression" in err


def cli_env(aws: LocalAws) -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "0"}


def test_a_closed_pipe_ends_it_quietly(aws_env: LocalAws) -> None:
    proc = subprocess.run(
        f"{sys.executable} -m sagedeck logs nb --since all --region {REGION} | head -n 3",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(aws_env),
        check=False,
    )
    assert proc.returncode == 0
    assert len(proc.stdout.splitlines()) == 3
    assert proc.stderr == ""


def test_follow_prints_new_lines_as_they_come(aws_env: LocalAws) -> None:
    client = aws_env.client("logs", REGION)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sagedeck",
            "logs",
            "fol",
            "-f",
            "--since",
            "1m",
            "--format",
            "json",
            "--region",
            REGION,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(aws_env),
    )
    lines: list[dict[str, Any]] = []
    reader = threading.Thread(target=lambda: lines.extend(json.loads(x) for x in proc.stdout or ()))
    reader.start()
    try:
        for i in range(3):
            put(
                client,
                f"fol/{'jupyter.log' if i else 'LifecycleConfigOnStart'}",
                [f"m{i}"],
                int(time.time() * 1000),
            )
            deadline = time.monotonic() + 20
            while len(lines) <= i and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        reader.join(timeout=10)
    assert [line["message"] for line in lines] == ["m0", "m1", "m2"]


def test_the_aws_cli_sees_the_same_events(
    aws_env: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    aws_cli = peer("aws")
    done = subprocess.run(
        [
            str(aws_cli),
            "logs",
            "filter-log-events",
            "--log-group-name",
            "/aws/sagemaker/NotebookInstances",
            "--log-stream-name-prefix",
            "nb/",
            "--output",
            "json",
            "--region",
            REGION,
            "--endpoint-url",
            aws_env.endpoint_url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=cli_env(aws_env),
    )
    theirs = [
        (e["eventId"], e["timestamp"], e["logStreamName"], e["message"])
        for e in json.loads(done.stdout)["events"]
    ]
    _, out, _ = run(capsys, "nb", "--since", "all", "--format", "json")
    ours = [
        (r["eventId"], r["timestamp"], r["stream"], r["message"])
        for r in map(json.loads, out.splitlines())
    ]
    assert ours == theirs


def test_nothing_to_show_says_so_on_stderr(
    aws_env: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "nb-d", "--since", "all")  # a prefix of nb-dev: no match
    assert code == 0
    assert out == ""
    assert err == "sagedeck: no log lines for nb-d in us-east-1 at all\n"


def test_nothing_matching_the_filter_says_which_filter(
    aws_env: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    """The instance has lines: "no log lines" alone would send the user looking for why."""
    code, out, err = run(capsys, "nb", "--since", "all", "--filter", "no-such-text-anywhere")
    assert code == 0
    assert out == ""
    assert err == (
        "sagedeck: no log lines of nb in us-east-1 match 'no-such-text-anywhere' at all\n"
    )
