"""State shared by the moto extensions: the lock, the clock and typed access to backends.

moto keeps its state in module-level ``BackendDict``s shared by every server in the process;
the extensions keep theirs as attributes on those backend objects so that moto's own reset
(which rebuilds each backend's ``__dict__``) clears ours too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

ACCOUNT_ID = "123456789012"
REGIONS: tuple[str, ...] = ("us-east-1", "eu-west-1")

# One lock for every request the patched services handle and every simulator tick: moto's
# models are plain dicts and lists, and the simulator mutates them from its own thread.
LOCK = threading.RLock()

T = TypeVar("T")


class _Clock:
    """Epoch seconds as the simulator sees them; ``time.time`` until a simulator takes over."""

    def __init__(self) -> None:
        self.source: Callable[[], float] = time.time

    def now(self) -> float:
        return self.source()

    def now_ms(self) -> int:
        return int(self.source() * 1000)

    def utcnow(self) -> datetime:
        """Naive UTC, the type moto stores in its models."""
        return datetime.fromtimestamp(self.source(), UTC).replace(tzinfo=None)


CLOCK = _Clock()


def extension_state(backend: Any, attribute: str, factory: Callable[[], T]) -> T:
    """The extension's state stored on ``backend``, created on first use."""
    value: T | None = backend.__dict__.get(attribute)
    if value is None:
        value = factory()
        setattr(backend, attribute, value)
    return value


def sagemaker_backend(account_id: str, region: str) -> Any:
    from moto.sagemaker.models import sagemaker_backends

    return sagemaker_backends[account_id][region]


def logs_backend(account_id: str, region: str) -> Any:
    from moto.logs.models import logs_backends

    return logs_backends[account_id][region]


def ec2_backend(account_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]


def ssm_backend(account_id: str, region: str) -> Any:
    from moto.ssm.models import ssm_backends

    return ssm_backends[account_id][region]


def kms_backend(account_id: str, region: str) -> Any:
    from moto.kms.models import kms_backends

    return kms_backends[account_id][region]


def iam_backend(account_id: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account_id]["global"]


def existing_backends(backend_dict: Any) -> list[tuple[str, str, Any]]:
    """(account, region, backend) for every backend already built, without building more."""
    found: list[tuple[str, str, Any]] = []
    for account_id, per_region in list(backend_dict.items()):
        for region, backend in list(per_region.items()):
            found.append((account_id, region, backend))
    return found
