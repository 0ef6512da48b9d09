"""The embedded AWS: a moto server made to behave like AWS, a seeded fleet and a simulator.

Usage::

    with LocalAws(seed=True, simulate=True) as local:
        client = local.client("sagemaker", "us-east-1")
"""

from __future__ import annotations

from . import _environment  # noqa: F401  (first: moto settings must precede moto imports)
from .cli import main
from .operations import Timings
from .server import LocalAws
from .simulator import Simulator

__all__ = ["LocalAws", "Simulator", "Timings", "main"]
