"""Fixtures for the SSM tests (helpers live in ssm_support)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagedeck.localaws import LocalAws

from .ssm_support import RECORDER, Recorder, active_sessions


@pytest.fixture
def recorder(tmp_path: Path) -> Recorder:
    """A recording ``session-manager-plugin`` in a directory of its own."""
    directory = tmp_path / "plugin-bin"
    directory.mkdir()
    script = directory / "session-manager-plugin"
    script.write_text(RECORDER.format(python=sys.executable))
    script.chmod(0o755)
    return Recorder(directory, tmp_path / "plugin-calls.jsonl")


@pytest.fixture
def no_session_left(aws: LocalAws) -> Iterator[LocalAws]:
    """Fails the test if any session is still Active at its end."""
    yield aws
    assert active_sessions(aws) == []
