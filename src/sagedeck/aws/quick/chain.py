"""Credentials from botocore's own chain, for what the standard library does not do (an
assumed role or SSO role whose cached credentials are missing or stale, web identity,
container credentials), without loading any service model: ``botocore.credentials`` and a
bare ``botocore.session`` cost ~0.1-0.2 s of imports, a SageMaker client ~0.2 s more
(docs/performance.md). Only a call to STS or SSO (a cache miss) loads that service's model.

The assume-role, web-identity and SSO providers share the AWS CLI's cache
(:func:`share_cli_cache`), so the credentials fetched here (and the MFA code typed for them)
serve the AWS CLI too, and the ordinary path, which shares the same cache."""

from __future__ import annotations

from typing import Any

from sagedeck.aws.quick.cli_cache import cache_dir
from sagedeck.aws.quick.credentials import Credentials
from sagedeck.aws.quick.unsupported import Unsupported

CACHED_PROVIDERS = ("assume-role", "assume-role-with-web-identity", "sso")


def share_cli_cache(session: Any) -> None:
    """Give a botocore (or aiobotocore) session's cached providers the AWS CLI's file cache,
    as the AWS CLI does for its own sessions (``awscli.customizations.assumerole``)."""
    from botocore.exceptions import ProfileNotFound, UnknownCredentialError
    from botocore.utils import JSONFileCache

    try:
        resolver = session.get_component("credential_provider")
    except ProfileNotFound:
        return  # reported when credentials are needed
    cache = JSONFileCache(str(cache_dir()))
    for name in CACHED_PROVIDERS:
        try:
            resolver.get_provider(name).cache = cache
        except UnknownCredentialError:
            continue  # a chain built without it


def from_chain(profile: str | None) -> Credentials:
    """botocore's credentials for ``profile`` (explicit, as sagedeck passes it), fetched now;
    :class:`Unsupported` on any failure: the ordinary path asks again and words the error."""
    import botocore.session

    try:
        session = botocore.session.Session(profile=profile)
        share_cli_cache(session)
        found = session.get_credentials()
        if found is None:
            raise Unsupported("no credentials")
        frozen = found.get_frozen_credentials()
    except Unsupported:
        raise
    except Exception:  # any failure: the ordinary path reports it in sagedeck's words
        raise Unsupported("botocore's chain failed") from None
    if not frozen.access_key or not frozen.secret_key:
        raise Unsupported("no credentials")
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token or None)
