"""Who calls: the account's IAM users and the caller behind a request's access key.

The demo credentials (``AWS_ACCESS_KEY_ID=demo``) belong to the IAM user ``demo``, so
GetCallerIdentity answers ``arn:aws:iam::123456789012:user/demo`` with a user id ``AIDA…``, as
AWS does for an IAM user, and everything that records a caller (session owners, service
settings' LastModifiedUser, ``SSHOwner`` tags written by sagemaker-ssh-helper) names the same
identity. moto answers an access key it does not know with its own default user
(``arn:aws:sts::…:user/moto``); the extensions use whatever moto answers, so they always agree
with GetCallerIdentity.

The users exist even in an "empty" account (``--no-seed``): credentials always belong to
someone. moto 5.2.5 reads a request's access key only when it looks like ``AKIA…`` (20
upper-case characters) and otherwise answers for its default user; AWS identifies the caller
by whatever key signed the request, so ``install`` reads the key from the SigV4 credential.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .patching import replace
from .state import ACCOUNT_ID, iam_backend

DEMO_ACCESS_KEY = "demo"
DEMO_SECRET_KEY = "demo"


@dataclass(frozen=True, slots=True)
class UserSpec:
    name: str
    user_id: str  # IAM unique id: "AIDA" + 17 characters, what ${aws:userid} is for a user
    access_key: str | None = None
    secret_key: str | None = None


# ``demo`` runs the ML platform (it registered most SSH-helper nodes); ``priya`` registered the
# nodes of her own cv-training-gpu.
USERS = (
    UserSpec("demo", "AIDAZ4K7Q2EXAMPLEDEMO", DEMO_ACCESS_KEY, DEMO_SECRET_KEY),
    UserSpec("priya", "AIDAZ4K7Q2EXAMPLEPRYA"),
)
DEMO_USER = USERS[0]


def user_id(name: str) -> str:
    """The IAM user id of a seeded user (what sagemaker-ssh-helper writes into ``SSHOwner``)."""
    for user in USERS:
        if user.name == name:
            return user.user_id
    raise KeyError(f"no seeded IAM user {name!r}")


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"


def seed_users() -> None:
    """Create the account's IAM users, with fixed user ids and the demo access key."""
    iam = iam_backend(ACCOUNT_ID)
    for spec in USERS:
        user = iam.create_user(region_name="us-east-1", user_name=spec.name)
        user.id = spec.user_id
        if spec.access_key is None:
            continue
        key = iam.create_access_key(spec.name)
        del iam.access_keys[key.physical_resource_id]
        key.access_key_id = spec.access_key
        key.secret_access_key = spec.secret_key
        iam.access_keys[key.physical_resource_id] = key


_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


def install() -> None:
    from moto.core.responses import BaseResponse

    original = BaseResponse.get_access_key

    def get_access_key(self: Any) -> str:
        match = _CREDENTIAL.search(self.headers.get("Authorization") or "")
        if match:
            return match.group(1)
        key: str = original(self)
        return key

    replace(BaseResponse, "get_access_key", get_access_key)


@dataclass(frozen=True, slots=True)
class Caller:
    arn: str
    user_id: str

    @property
    def name(self) -> str:
        """The user or role-session name: what AWS puts before a session id's ``-``."""
        return self.arn.rsplit("/", 1)[-1]


def caller(response: Any) -> Caller:
    """The identity behind the request ``response`` is answering (as GetCallerIdentity says)."""
    from moto.sts.models import sts_backends

    sts = sts_backends[response.current_account][response.partition]
    found_id, arn, _ = sts.get_caller_identity(response.get_access_key(), response.region)
    return Caller(arn=arn, user_id=found_id)
