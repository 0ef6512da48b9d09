"""Fixtures for the dashboard's tests: the embedded AWS comes from tests/conftest.py."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_tz() -> Iterator[None]:
    """Torn down after monkeypatch has put TZ back: re-read it."""
    yield
    time.tzset()


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Local time is UTC, so 'refreshed 12:00:00' reads the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
def no_native_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    """As over SSH: no native clipboard, so copies go through OSC 52."""
    monkeypatch.setattr("sagedeck.system.clipboard.native_clipboard_available", lambda: False)
