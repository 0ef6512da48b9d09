"""What some tests need from outside the venv: system programs (tmux, Xvfb, xclip) and the peers
sagedeck is compared with (the AWS CLI and awslogs, in ``.venv-peers``, which ``make test``
installs).

Without them those tests skip and say why; with ``SAGEDECK_REQUIRE_SYSTEM_TOOLS=1`` (what CI
sets, see ``.ci/run``) a missing one fails the test instead, so CI cannot go green by skipping.

tests/ has no __init__.py: pytest (prepend mode) puts tests/ on sys.path, so this module is
``system_tools`` to every test package, and mypy resolves it alike.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REQUIRED = os.environ.get("SAGEDECK_REQUIRE_SYSTEM_TOOLS") == "1"
PEERS = Path(__file__).resolve().parents[1] / ".venv-peers" / "bin"


def missing(message: str) -> None:
    """Skip with ``message``, or fail with it when CI requires every tool."""
    if REQUIRED:
        pytest.fail(f"{message} (SAGEDECK_REQUIRE_SYSTEM_TOOLS=1)")
    pytest.skip(message)


def need(*tools: str) -> None:
    """Every program in ``tools`` is on PATH."""
    absent = [tool for tool in tools if shutil.which(tool) is None]
    if absent:
        missing(f"{', '.join(absent)} not installed (apt-get install tmux xvfb xclip)")


def peer(name: str) -> Path:
    """A program of the peers venv (``aws``, ``awslogs``, ``python``)."""
    program = PEERS / name
    if not program.exists():
        missing(f"{program} is missing: the peers venv is not installed (make test installs it)")
    return program
