"""The AWS CLI's credential cache (``~/.aws/cli/cache``), read with the standard library.

The AWS CLI gives botocore's assume-role and web-identity providers a ``JSONFileCache`` in that
folder; sagedeck gives the same cache to those and to the SSO provider (:mod:`.chain`). One
MFA code or one browser login then serves both tools until the credentials expire. A file is
named after a hash of the call's arguments, computed here exactly as botocore computes it
(``tests/aws/test_quick_credentials.py`` holds the names to botocore's). A hit costs a file
read; a miss (or anything unusual in the file) leaves the work to botocore's chain.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sagedeck.aws.quick.credentials import Credentials

# botocore's CachedCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS: closer to expiry than this,
# botocore fetches new credentials instead of using the cached ones, and so do we.
EXPIRY_WINDOW = timedelta(minutes=15)


def cache_dir() -> Path:
    """Where the AWS CLI caches credentials (``awscli.customizations.assumerole.CACHE_DIR``)."""
    return Path(os.path.expanduser(os.path.join("~", ".aws", "cli", "cache")))


def _file_safe(digest: str) -> str:
    return digest.replace(":", "_").replace(os.sep, "_").replace("/", "_")


def assume_role_key(profile: Mapping[str, str]) -> str | None:
    """The cache key botocore's AssumeRoleCredentialFetcher uses for a ``role_arn`` profile
    (the role session name only when the profile names one; the source credentials are not in
    it). None when the profile holds something botocore would reject or treat otherwise."""
    args: dict[str, Any] = {"RoleArn": profile["role_arn"]}
    for setting, argument in (
        ("role_session_name", "RoleSessionName"),
        ("external_id", "ExternalId"),
        ("mfa_serial", "SerialNumber"),
    ):
        if setting in profile:
            args[argument] = profile[setting]
    if "duration_seconds" in profile:
        try:
            args["DurationSeconds"] = int(profile["duration_seconds"])
        except ValueError:
            return None  # botocore reports it
    text = json.dumps(args, sort_keys=True)
    return _file_safe(hashlib.sha1(text.encode()).hexdigest())


def sso_key(profile: Mapping[str, str]) -> str | None:
    """The cache key of botocore's SSOCredentialFetcher for an SSO profile."""
    try:
        args = {"roleName": profile["sso_role_name"], "accountId": profile["sso_account_id"]}
    except KeyError:
        return None
    if "sso_session" in profile:
        args["sessionName"] = profile["sso_session"]
    elif "sso_start_url" in profile:
        args["startUrl"] = profile["sso_start_url"]
    else:
        return None
    text = json.dumps(args, sort_keys=True, separators=(",", ":"))
    return _file_safe(hashlib.sha1(text.encode()).hexdigest())


def expiry(value: Any) -> datetime | None:
    """A cached ``Expiration``: botocore writes ``...T12:00:00UTC``, SSO ``...Z``, others an
    ISO offset. None for anything else (botocore then decides)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith("UTC"):
        text = text[:-3] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def cached(key: str | None, now: datetime | None = None) -> Credentials | None:
    """The cached credentials under ``key`` if they hold for the expiry window, else None."""
    if key is None:
        return None
    try:
        entry = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
        found = entry["Credentials"]
        access, secret = found["AccessKeyId"], found["SecretAccessKey"]
        token = found.get("SessionToken")
        ends = expiry(found["Expiration"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(access, str) and isinstance(secret, str) and access and secret):
        return None
    if token is not None and not isinstance(token, str):
        return None
    if ends is None or ends - (now or datetime.now(UTC)) < EXPIRY_WINDOW:
        return None
    return Credentials(access, secret, token or None)
