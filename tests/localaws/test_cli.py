"""``sagedeck localaws``: serves in the foreground, stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

import boto3
import pytest

from sagedeck.localaws import main

# Ctrl-C as a user's shell leaves it: a child inherits an ignored or blocked SIGINT, and the
# test process sometimes has one (under xdist, some runs): then Python never raises
# KeyboardInterrupt and the server served on, seen as a hang in loaded CI-like runs.
SERVE = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
    "from sagedeck.localaws import main; sys.exit(main(sys.argv[1:]))"
)


def test_serves_until_interrupted() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONFAULTHANDLER"] = "1"  # SIGABRT prints every thread's stack (see below)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVE,
            "--port",
            "0",
            "--no-seed",
            "--speed",
            "5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.fullmatch(
            r"sagedeck localaws: serving on (http://127\.0\.0\.1:\d+) "
            r"\(regions us-east-1, eu-west-1\)\n",
            first,
        )
        assert match, first
        url = match.group(1)
        following = [process.stdout.readline() for _ in range(5)]
        assert f"  export AWS_ENDPOINT_URL={url}\n" in following
        assert any(
            "AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo" in line for line in following
        )
        client = boto3.client(
            "sagemaker",
            endpoint_url=url,
            region_name="eu-west-1",
            aws_access_key_id="demo",
            aws_secret_access_key="demo",
        )
        # An empty account (--no-seed): the seed itself is tested in-process.
        assert client.list_notebook_instances()["NotebookInstances"] == []
    finally:
        process.send_signal(signal.SIGINT)
        out, err = _ended(process)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "sagedeck localaws: stopped" in out


def _ended(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Its output once it has exited; if it has not within a minute, fail with the stack of
    each of its threads."""
    try:
        return process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)
        _, err = process.communicate(timeout=30)
        raise AssertionError(f"still running a minute after Ctrl-C; its threads:\n{err}") from None


def test_busy_port_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port), "--no-seed"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "--port" in err


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--speed", "0"], "argument --speed: must be greater than 0"),
        (["--port", "x"], "argument --port: invalid int value: 'x'"),
        (["--colour"], "unrecognized arguments: --colour"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], error: str
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"sagedeck localaws: {error} (see sagedeck localaws --help)\n"
    assert captured.out == ""


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: sagedeck localaws")
