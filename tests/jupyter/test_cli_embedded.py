"""``sagedeck exec`` and ``sagedeck cp`` as a user runs them, against the embedded AWS's real
Jupyter servers behind its presigned-URL sign-in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.jupyter.connect import SessionLink
from sagedeck.jupyter.exec import run_command
from sagedeck.jupyter.session import JupyterSession
from sagedeck.localaws import LocalAws
from sagedeck.models import JupyterView, NotebookKey, PresignedUrl

from .embedded import REGION, run_cli, signed_in, terminals

pytestmark = pytest.mark.timeout(180)
NAME = "nb"


async def test_exec_streams_output_passes_stdin_and_exits_with_the_status(
    aws_env: LocalAws, tmp_path: Path
) -> None:
    done = run_cli(
        aws_env, tmp_path, "exec", NAME, "--", "bash", "-c", "wc -l; whoami >/dev/null; exit 3",
        stdin=b"one\ntwo\n",
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (3, b"2\n", b"")
    killed = run_cli(aws_env, tmp_path, "exec", NAME, "--", "sh", "-c", "kill -TERM $$")
    assert killed.returncode == 128 + 15
    assert await terminals(aws_env, NAME) == []


async def test_exec_timeout_is_124_and_ends_the_command(aws_env: LocalAws, tmp_path: Path) -> None:
    done = run_cli(aws_env, tmp_path, "exec", "--timeout", "2", NAME, "--", "sleep", "60")
    assert done.returncode == 124
    assert done.stderr.decode() == ("sagedeck: nb: timed out after 2 s; the command was ended\n")
    assert await terminals(aws_env, NAME) == []


def test_a_stopped_instance_is_one_line(aws_env: LocalAws, tmp_path: Path) -> None:
    for args in (
        ("exec", "churn-model", "--", "true"),
        ("cp", "churn-model:README.md", str(tmp_path / "x")),
    ):
        done = run_cli(aws_env, tmp_path, *args)
        assert done.returncode != 0
        lines = done.stderr.decode().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("sagedeck: churn-model"), lines


def test_read_only_refuses_all_three(aws_env: LocalAws, tmp_path: Path) -> None:
    for args in (
        ("exec", NAME, "--", "true"),
        ("cp", f"{NAME}:README.md", str(tmp_path / "x")),
        ("shell", NAME, "--via", "jupyter"),
    ):
        done = run_cli(aws_env, tmp_path, "--read-only", *args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.decode().startswith("sagedeck: read-only mode: "), done.stderr
        assert len(done.stderr.decode().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_bad_input_is_one_line_and_exit_2(aws_env: LocalAws, tmp_path: Path) -> None:
    for args, says in (
        (("exec", NAME), "no command given"),
        (("exec", NAME, "--timeout", "x", "--", "true"), "--timeout must be a number"),
        (("cp", "a", "b"), "name the instance on one side"),
        (("cp", "nb:../x", "b"), "'..' is not allowed"),
        (("shell", NAME, "--via", "telnet"), "invalid choice"),
        (("shell", NAME, "--via", "jupyter"), "a shell needs a terminal"),
    ):
        done = run_cli(aws_env, tmp_path, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert says in done.stderr.decode(), (args, done.stderr)
        assert len(done.stderr.decode().splitlines()) == 1


async def test_cp_a_20_mb_file_there_and_back_byte_identical(
    aws_env: LocalAws, tmp_path: Path
) -> None:
    data = os.urandom(20 * 1024 * 1024 + 7)
    (tmp_path / "big.bin").write_bytes(data)
    up = run_cli(aws_env, tmp_path, "cp", str(tmp_path / "big.bin"), f"{NAME}:")
    assert (up.returncode, up.stdout, up.stderr) == (0, b"", b"")  # no bar without a terminal
    down = run_cli(aws_env, tmp_path, "cp", f"{NAME}:big.bin", str(tmp_path / "back.bin"))
    assert (down.returncode, down.stderr.decode()) == (0, "")
    assert (tmp_path / "back.bin").read_bytes() == data
    async with signed_in(aws_env, NAME) as link:
        listing = await link.call("GET", "/api/contents/")
        names = sorted(item["name"] for item in listing["content"])
        await link.call("DELETE", "/api/contents/big.bin")
    assert "big.bin" in names
    assert not [n for n in names if "sagedeck-part" in n]


def test_cp_errors_are_one_line(aws_env: LocalAws, tmp_path: Path) -> None:
    for args, says in (
        ((f"{NAME}:no-such-file", str(tmp_path)), "sagedeck: nb:no-such-file: no such file"),
        ((f"{NAME}:", str(tmp_path)), "sagedeck: nb:: is a directory"),
        ((str(tmp_path / "absent"), f"{NAME}:"), "no such file or directory"),
        ((str(tmp_path), f"{NAME}:"), "is a directory"),
    ):
        done = run_cli(aws_env, tmp_path, "cp", *args)
        assert done.returncode == 1, (args, done.stderr)
        assert says in done.stderr.decode(), (args, done.stderr)
        assert len(done.stderr.decode().splitlines()) == 1


async def test_a_session_that_ran_out_is_renewed_between_commands(aws_env: LocalAws) -> None:
    now = [0.0]
    target = AwsTarget(
        None, (REGION,), aws_env.endpoint_url, credentials=StaticCredentials("demo", "demo")
    )
    async with AwsServices(target) as services:
        key = NotebookKey(REGION, NAME)

        async def fresh_url() -> PresignedUrl:
            return await services.sagemaker.presigned_url(key, JupyterView.CLASSIC, 1800)

        async with JupyterSession(key, fresh_url, clock=lambda: now[0]) as session:
            link = SessionLink(session)
            out: list[str] = []
            assert await run_command(link, ["echo", "first"], out.append) == 0
            now[0] += 1801  # the sign-in's session has run out
            assert await run_command(link, ["echo", "second"], out.append) == 0
            assert "".join(out) == "first\nsecond\n"
            assert session.sign_ins == 2
