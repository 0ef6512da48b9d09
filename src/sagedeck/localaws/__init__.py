"""The embedded AWS: a moto server made to behave like AWS, a seeded fleet and a simulator.
Imports moto, botocore and the standard library; nothing else of sagedeck (never ui/).

Usage::

    with LocalAws(seed=True, simulate=True) as local:
        client = local.client("sagemaker", "us-east-1")

The names below load on first use, so ``sagedeck.localaws.demo_plugin`` (a stand-in for
session-manager-plugin, started once per SSM session) starts without loading moto.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import _environment  # noqa: F401  (first: moto settings must precede moto imports)

if TYPE_CHECKING:
    from .cli import main
    from .operations import Timings
    from .server import LocalAws
    from .simulator import Simulator

__all__ = ["LocalAws", "Simulator", "Timings", "main"]

_HOMES = {
    "LocalAws": ".server",
    "Simulator": ".simulator",
    "Timings": ".operations",
    "main": ".cli",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home, __name__), name)
