"""``sagedeck url NAME`` without botocore (sagedeck.aws.quick.url): the same URL as the ordinary
path in shape, for one region or several, the ordinary path whenever the answer is not the
plain one, and no botocore loaded on the way."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import socket
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.commands.notebooks import cmd_url, quick_url
from sagedeck.config import Settings
from sagedeck.localaws import LocalAws
from sagedeck.models import URL_SESSION_DEFAULT
from ui.support import assert_presigned_url


def url_args(name: str, regions: str, *, lab: bool = False, **flags: bool) -> argparse.Namespace:
    return argparse.Namespace(
        name=name,
        lab=lab,
        duration=URL_SESSION_DEFAULT,
        copy=flags.get("copy", False),
        open=flags.get("open", False),
        profile=None,
        region=regions,
        endpoint_url=None,
    )


@pytest.fixture
def demo_keys(aws: LocalAws, aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> LocalAws:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "demo")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "demo")
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    return aws


def quick_output(
    args: argparse.Namespace, settings: Settings | None = None
) -> tuple[int | None, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = quick_url(args, settings or Settings())
    return code, out.getvalue()


def ordinary_output(aws: LocalAws, args: argparse.Namespace) -> str:
    regions = tuple(args.region.split(","))
    target = AwsTarget(
        None, regions, aws.endpoint_url, credentials=StaticCredentials("demo", "demo")
    )

    async def run() -> int:
        async with AwsServices(target) as services:
            return await cmd_url(args, services)

    out = io.StringIO()
    with redirect_stdout(out):
        assert asyncio.run(run()) == 0
    return out.getvalue()


@pytest.mark.parametrize("lab", [False, True], ids=["classic", "lab"])
@pytest.mark.parametrize(
    ("name", "region", "regions"),
    [
        ("nb", "us-east-1", "us-east-1"),
        ("eu-forecasting", "eu-west-1", "us-east-1,eu-west-1"),
    ],
)
def test_the_url_is_the_ordinary_path_s(
    demo_keys: LocalAws, name: str, region: str, regions: str, lab: bool
) -> None:
    args = url_args(name, regions, lab=lab)
    code, fast = quick_output(args)
    assert code == 0
    ordinary = ordinary_output(demo_keys, args)
    for printed in (fast, ordinary):
        assert printed.endswith("\n")
        assert printed.count("\n") == 1
        assert_presigned_url(printed.strip(), name, region, "lab" if lab else None)


@pytest.mark.parametrize(
    ("name", "settings", "flags"),
    [
        ("alice-sandbox", Settings(), {}),  # in both regions: the ordinary path asks which
        ("no-such-notebook", Settings(), {}),  # the ordinary path says where it looked
        ("-bad-name-", Settings(), {}),  # the ordinary path words it, nothing is sent
        ("nb", Settings(read_only=True), {}),  # read-only refuses a URL
        ("nb", Settings(), {"open": True}),  # the browser: the ordinary path
    ],
)
def test_anything_else_goes_the_ordinary_way(
    demo_keys: LocalAws, name: str, settings: Settings, flags: dict[str, bool]
) -> None:
    code, printed = quick_output(url_args(name, "us-east-1,eu-west-1", **flags), settings)
    assert code is None
    assert printed == ""


def test_a_refused_connection_goes_the_ordinary_way(
    demo_keys: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anything but a 200 (a refused connection here) prints nothing: the ordinary path
    retries and reports."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")  # nothing listens
    code, printed = quick_output(url_args("nb", "us-east-1"))
    assert code is None
    assert printed == ""


def test_url_loads_no_botocore(demo_keys: LocalAws) -> None:
    probe = (
        "import sys; from sagedeck.cli import main; code = main(['url', 'eu-forecasting']); "
        "heavy = sorted(m for m in ('botocore', 'aiohttp', 'aiobotocore', 'asyncio') "
        "if m in sys.modules); print(code, heavy, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "AWS_REGION": "us-east-1,eu-west-1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stderr.strip().splitlines()[-1] == "0 []", done.stderr
    assert_presigned_url(done.stdout.strip(), "eu-forecasting", "eu-west-1", None)
