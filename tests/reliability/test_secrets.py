"""Secrets never leave where they were asked for: a presigned URL's ``authToken`` and the session
token reach no output but the one that was asked to print the URL, and no file.

Every command runs as a real process in a private HOME, XDG tree, TMPDIR and working directory,
so every file it could write is under one directory, which is then searched byte by byte.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sagedeck.devtools.faultproxy import Fault, FaultKind, FaultProxy
from sagedeck.localaws import LocalAws

SESSION_TOKEN = "FQoGZXIvYXdzE-secret-session-token-7f3a9c"
SECRETS = ("authToken", SESSION_TOKEN)


@dataclass(frozen=True)
class Run:
    argv: tuple[str, ...]
    code: int
    out: str
    err: str


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    for sub in ("home", "tmp", "work"):
        (tmp_path / sub).mkdir()
    return tmp_path


def environment(sandbox: Path, endpoint: str) -> dict[str, str]:
    home = sandbox / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_", "DISPLAY"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        TMPDIR=str(sandbox / "tmp"),
        AWS_ACCESS_KEY_ID="ASIADEMO",
        AWS_SECRET_ACCESS_KEY="demo-secret",
        AWS_SESSION_TOKEN=SESSION_TOKEN,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=endpoint,
        AWS_EC2_METADATA_DISABLED="true",
        BROWSER="false",  # a browser that fails: --open must report it without the URL
    )
    return env


def run_all(sandbox: Path, endpoint: str, commands: list[tuple[str, ...]]) -> list[Run]:
    """The commands in parallel, each without a controlling terminal (no OSC 52 escape)."""
    env = environment(sandbox, endpoint)
    procs = [
        (
            argv,
            subprocess.Popen(
                [sys.executable, "-m", "sagedeck", *argv],
                env=env,
                cwd=sandbox / "work",
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            ),
        )
        for argv in commands
    ]
    runs = []
    for argv, proc in procs:
        out, err = proc.communicate(timeout=60)
        runs.append(Run(argv, proc.returncode, out, err))
    return runs


def files_containing(root: Path, needles: tuple[str, ...]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path}: {n}" for n in needles if n.encode() in data]
    return found


def in_service(aws: LocalAws) -> str:
    client = aws.client("sagemaker", "us-east-1")
    names = [
        nb["NotebookInstanceName"]
        for nb in client.list_notebook_instances(StatusEquals="InService")["NotebookInstances"]
    ]
    assert names, "the seeded fleet has no InService notebook in us-east-1"
    return str(names[0])


def test_no_output_and_no_file_carries_a_url_token_or_session_token(
    aws: LocalAws, proxy: FaultProxy, sandbox: Path
) -> None:
    name = in_service(aws)
    asked = ("url", name)
    commands = [
        asked,
        ("ls",),
        ("ls", "--json"),
        ("show", name),
        ("url", name, "--copy"),  # no clipboard, no terminal: fails
        ("url", name, "--open"),  # the browser fails
        ("url", name, "--lab", "--duration", "60"),  # out of range
        ("url", "no-such-notebook"),
    ]
    runs = run_all(sandbox, aws.endpoint_url, commands)
    by_argv = {run.argv: run for run in runs}

    printed = by_argv[asked]
    assert printed.code == 0, printed.err
    assert "authToken=" in printed.out  # the one place it belongs; and proof the grep works
    token = printed.out.strip().split("authToken=", 1)[1].split("&", 1)[0]
    assert len(token) >= 16

    for run in runs:
        for secret in (*SECRETS, token):
            assert secret not in run.err, f"{run.argv} stderr: {run.err}"
            if run is not printed:
                assert secret not in run.out, f"{run.argv} stdout: {run.out}"
        assert "Traceback" not in run.err, run.err
    assert by_argv[("url", name, "--copy")].code != 0
    assert by_argv[("url", name, "--open")].code != 0
    assert by_argv[("url", name, "--lab", "--duration", "60")].code == 2
    assert by_argv[("url", "no-such-notebook")].code != 0
    assert files_containing(sandbox, (*SECRETS, token)) == []


def test_credential_errors_do_not_echo_the_session_token(
    aws: LocalAws, proxy: FaultProxy, sandbox: Path
) -> None:
    proxy.add(Fault(FaultKind.EXPIRED_TOKEN))
    (run,) = run_all(sandbox, proxy.url, [("ls",)])
    assert run.code == 1
    assert "expired" in run.err
    assert SESSION_TOKEN not in run.out + run.err
    assert files_containing(sandbox, SECRETS) == []
