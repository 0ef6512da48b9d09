"""A reset cheap enough to run before every test.

moto's own reset (``POST /moto-api/reset``) re-initialises every backend and then discards it,
so the next request builds it a second time; with AWS-managed policies loaded, IAM alone costs
~70 ms each time. Here backends are re-initialised in place once, and IAM's 1,500 managed
policies are parsed once per process.
"""

from __future__ import annotations

from typing import Any

from .patching import replace
from .state import LOCK

_policy_cache: dict[tuple[str, str], list[Any]] = {}


def install_iam_policy_cache() -> None:
    from moto.iam.models import IAMBackend

    original = IAMBackend._init_aws_policies

    def cached(self: Any) -> list[Any]:
        key = (self.account_id, self.region_name)
        policies = _policy_cache.get(key)
        if policies is None:
            policies = _policy_cache[key] = original(self)
        # The previous backend, whose roles counted attachments, is gone.
        for policy in policies:
            policy.attachment_count = 0
        return list(policies)

    replace(IAMBackend, "_init_aws_policies", cached)


def reset_backends() -> None:
    """Empty every service of every account and region, as a fresh moto server would be."""
    from moto.core.base_backend import BackendDict
    from moto.core.model_instances import reset_model_data

    with LOCK:
        # vars(): the class attribute itself (moto types it per instance).
        for backend_dict in list(vars(BackendDict)["_instances"]):
            for account_backends in list(backend_dict.values()):
                account_backends.reset()
        reset_model_data()
