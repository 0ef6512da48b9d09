"""Placeholder: the logs commands are being written (see the logs issue)."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Adds nothing yet."""
