"""Fixtures for the SSM tests (helpers live in ssm_support)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sagedeck.localaws import LocalAws

from .ssm_support import Recorder, active_sessions, install_recorder


@pytest.fixture
def recorder(tmp_path: Path) -> Recorder:
    """A recording ``session-manager-plugin`` in a directory of its own."""
    return install_recorder(tmp_path / "plugin-bin", tmp_path / "plugin-calls.jsonl")


@pytest.fixture
def no_session_left(aws: LocalAws) -> Iterator[LocalAws]:
    """Fails the test if any session is still Active at its end."""
    yield aws
    assert active_sessions(aws) == []
