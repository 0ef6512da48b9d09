"""The one signal of the quick listing: not the plain case, use the ordinary path."""

from __future__ import annotations


class Unsupported(Exception):
    """Not the plain case: use the ordinary path. Raised before anything is printed."""
