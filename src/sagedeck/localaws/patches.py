"""Install every moto extension once per process, idempotently."""

from __future__ import annotations

import functools
import threading
from typing import Any

from .patching import replace
from .state import LOCK

_installed = False
_install_lock = threading.Lock()


def apply_patches() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        from . import identity, logs, pricing, reset, sagemaker_api, ssm

        identity.install()
        sagemaker_api.install()
        logs.install()
        ssm.install()
        pricing.install()
        reset.install_iam_policy_cache()
        _serialise_requests()
        _installed = True


def _serialise_requests() -> None:
    """Every moto request runs under the lock the simulator takes for its ticks.

    moto's models are plain dicts and lists shared by the server's request threads and the
    simulator thread; a request that lists notebooks while a tick deletes one would otherwise
    fail with "dictionary changed size during iteration". A request signed for a region the
    account has not enabled is refused first, as AWS refuses it (``accounts``).
    """
    from moto.core.responses import BaseResponse

    from .accounts import refuse_not_enabled, region_enabled

    original = BaseResponse.call_action

    @functools.wraps(original)
    def call_action(self: Any) -> Any:
        if not region_enabled(self.region):
            return refuse_not_enabled(self)
        with LOCK:
            return original(self)

    replace(BaseResponse, "call_action", call_action)
