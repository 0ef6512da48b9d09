"""Running ``sagedeck`` as a user does: in a subprocess, with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

import sagedeck.commands.notebooks as commands
from sagedeck.cli import main
from sagedeck.localaws import LocalAws

PYTHON = sys.executable


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return self.stderr.splitlines()

    def assert_one_line_error(self, exit_code: int | None = None) -> str:
        """Non-zero exit, exactly one line on stderr, no traceback: the line."""
        assert self.returncode != 0, self
        if exit_code is not None:
            assert self.returncode == exit_code, self
        assert "Traceback" not in self.stderr, self.stderr
        assert len(self.error_lines) == 1, self.stderr
        line = self.error_lines[0]
        assert line.startswith("sagedeck: "), line
        return line


@dataclass
class CliEnvironment:
    """A HOME with an empty ~/.aws, dummy credentials, and no AWS_* from the developer."""

    home: Path
    env: dict[str, str]

    def run(
        self, *args: str, extra_env: Mapping[str, str] | None = None, timeout: float = 60
    ) -> Result:
        env = {**self.env, **(extra_env or {})}
        proc = subprocess.run(
            [PYTHON, "-m", "sagedeck", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)


def clean_environment(home: Path) -> dict[str, str]:
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    keep = {
        k: v
        for k, v in os.environ.items()
        if k in ("PATH", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH")
    }
    return {
        **keep,
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "SAGEDECK_CONFIG": str(home / "sagedeck.toml"),
        "BROWSER": "true",  # never a real browser, whatever a test does
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@pytest.fixture
def cli(tmp_path: Path) -> CliEnvironment:
    home = tmp_path / "home"
    return CliEnvironment(home, clean_environment(home))


@pytest.fixture
def cli_aws(cli: CliEnvironment, aws: LocalAws) -> CliEnvironment:
    """``cli`` pointed at the embedded AWS (reset for this test) through AWS_ENDPOINT_URL."""
    cli.env["AWS_ENDPOINT_URL"] = aws.endpoint_url
    cli.env["AWS_REGION"] = ",".join(aws.regions)  # sagedeck reads a list; botocore won't see it
    return cli


@dataclass
class InProcess:
    """``sagedeck.cli.main`` in this process, for the many cases a subprocess would only slow."""

    capsys: pytest.CaptureFixture[str]
    home: Path = Path("/nonexistent")

    def run(self, *args: str) -> Result:
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return Result(code, out, err)


@pytest.fixture
def offline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> InProcess:
    """In-process CLI with the clean environment of ``cli`` and no AWS at all."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in clean_environment(tmp_path / "home").items():
        monkeypatch.setenv(name, value)
    return InProcess(capsys, tmp_path / "home")


@pytest.fixture
def sagedeck(
    aws_env: LocalAws,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> InProcess:
    """In-process CLI on the embedded AWS: both regions, no user config, fast --wait polls."""
    monkeypatch.setenv("SAGEDECK_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("AWS_REGION", ",".join(aws_env.regions))
    monkeypatch.setenv("BROWSER", "true")
    monkeypatch.setattr(commands, "WAIT_POLL_SECONDS", 0.02)
    return InProcess(capsys)
