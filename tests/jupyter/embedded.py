"""sagedeck's Jupyter commands against the embedded AWS's real Jupyter servers: the CLI run as
a user runs it, and a signed-in link for the test to look at the server with."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from e2e.terminal import private_env
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.jupyter.connect import connect
from sagedeck.jupyter.link import JupyterLink
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookKey

REGION = "us-east-1"


def sagedeck_env(home: Path) -> dict[str, str]:
    """This process's environment (``aws_env`` points it at the embedded AWS) with a HOME and
    config of the test's own."""
    return {**os.environ, **private_env(home)}


def sagedeck_argv(aws: LocalAws, *args: str) -> list[str]:
    return [sys.executable, "-m", "sagedeck", "--endpoint-url", aws.endpoint_url,
            "--region", REGION, *args]  # fmt: skip


def run_cli(
    aws: LocalAws, home: Path, *args: str, stdin: bytes | None = None, timeout: float = 90
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        sagedeck_argv(aws, *args),
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=sagedeck_env(home),
        timeout=timeout,
        check=False,
    )


@asynccontextmanager
async def signed_in(aws: LocalAws, name: str) -> AsyncIterator[JupyterLink]:
    target = AwsTarget(
        profile=None,
        regions=(REGION,),
        endpoint_url=aws.endpoint_url,
        credentials=StaticCredentials("demo", "demo"),
    )
    async with (
        AwsServices(target) as services,
        connect(services, NotebookKey(REGION, name), 3600) as link,
    ):
        yield link


async def terminals(aws: LocalAws, name: str) -> list[object]:
    async with signed_in(aws, name) as link:
        listed = await link.call("GET", "/api/terminals")
    assert isinstance(listed, list)
    return listed
