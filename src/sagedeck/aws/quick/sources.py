"""Where the quick path's credentials come from: botocore's chain, in botocore's order, with
the standard library wherever that is enough (static keys, a credential process, credentials
the AWS CLI's cache holds) and botocore's own providers (:mod:`.chain`) for the rest.

botocore's order, for the profile sagedeck names (explicit: the environment's keys and web
identity variables are then ignored) or else ``default``: the environment's keys, an assumed
role (``role_arn`` with ``source_profile`` or ``credential_source``), web identity, SSO, static
keys of the credentials file, ``credential_process``, static keys of the config file, then
container and instance credentials."""

from __future__ import annotations

from collections.abc import Mapping

from sagedeck.aws.quick import chain, cli_cache, process
from sagedeck.aws.quick.credentials import (
    Credentials,
    environment_keys,
    sso_session,
    static_keys,
)
from sagedeck.aws.quick.unsupported import Unsupported

# Profile settings of the credential providers handled here: they change where the keys
# come from, not the ListNotebookInstances call signed with them.
ROLE_KEYS = frozenset(
    {
        "role_arn",
        "source_profile",
        "credential_source",
        "mfa_serial",
        "external_id",
        "role_session_name",
        "duration_seconds",
        "sts_regional_endpoints",
        "web_identity_token_file",
    }
)
SSO_KEYS = frozenset(
    {
        "sso_session",
        "sso_start_url",
        "sso_region",
        "sso_account_id",
        "sso_role_name",
        "sso_registration_scopes",
    }
)
CREDENTIAL_KEYS = ROLE_KEYS | SSO_KEYS | {"credential_process"}
CONTAINER_ENV = ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI")


def resolve(
    profile: str | None, profiles: Mapping[str, Mapping[str, str]], env: Mapping[str, str]
) -> Credentials:
    """The credentials botocore would use for ``profile`` (None: none named), or
    :class:`Unsupported` (nothing found, or botocore's chain failed: the ordinary path words
    it)."""
    if profile is None:
        found = environment_keys(env)
        if found is not None:
            return found
    values = profiles.get(profile or "default")
    if values is None:
        if profile is not None:
            raise Unsupported("no such profile")  # the ordinary path names the known ones
        values = {}
    if "role_arn" in values and "web_identity_token_file" not in values:
        return cli_cache.cached(cli_cache.assume_role_key(values)) or chain.from_chain(profile)
    if "web_identity_token_file" in values or (
        profile is None and env.get("AWS_WEB_IDENTITY_TOKEN_FILE")
    ):
        return chain.from_chain(profile)
    if SSO_KEYS & set(values):
        key = cli_cache.sso_key(values) if sso_complete(values, env) else None
        return cli_cache.cached(key) or chain.from_chain(profile)
    if "credential_process" in values:
        if "aws_access_key_id" in values or "aws_secret_access_key" in values:
            # keys in the credentials file come before the process, in the config file after
            return chain.from_chain(profile)
        return process.run(values["credential_process"])
    found = static_keys(values)
    if found is not None:
        return found
    if any(env.get(name) for name in CONTAINER_ENV):
        return chain.from_chain(profile)
    raise Unsupported("no credentials the quick path reads")  # instance metadata, or none


def sso_complete(values: Mapping[str, str], env: Mapping[str, str]) -> bool:
    """Whether botocore's SSO provider would accept the profile (else it reports, and a
    cached entry must not hide that)."""
    if not {"sso_account_id", "sso_role_name"} <= set(values):
        return False
    name = values.get("sso_session")
    if name is None:
        return {"sso_start_url", "sso_region"} <= set(values)
    session = sso_session(name, env)
    if session is None or not {"sso_start_url", "sso_region"} <= set(session):
        return False
    # botocore refuses a profile whose own start URL or region differs from its session's
    return all(values.get(k, session[k]) == session[k] for k in ("sso_start_url", "sso_region"))
