"""Which profiles ``--profile`` names (``a``, ``a,b,c`` or ``all``), decided from the AWS
configuration's profiles alone (no botocore): the ordinary path asks botocore's session for
them, the quick listing (sagedeck.aws.quick) reads the files itself; both choose here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sagedeck.errors import InvalidInput

# What makes a profile able to yield credentials (botocore's providers read these); ``all``
# skips the others (a profile that only sets a region, say).
CREDENTIAL_SOURCES = (
    "aws_access_key_id",
    "credential_process",
    "sso_session",
    "sso_start_url",
    "role_arn",
    "web_identity_token_file",
)


def profile_names(
    spec: str, available: Iterable[str], config: Mapping[str, Mapping[str, object]]
) -> tuple[str, ...]:
    """The profiles ``spec`` names, each checked to exist among ``available`` (in the files'
    order); ``config``: each profile's settings, for ``all``."""
    profiles = list(available)
    if spec.strip().lower() == "all":
        found = tuple(
            name
            for name in profiles
            if any(config.get(name, {}).get(source) for source in CREDENTIAL_SOURCES)
        )
        if not found:
            raise InvalidInput(
                "--profile all: no profile in the AWS config or credentials file has credentials"
            )
        return found
    names = tuple(dict.fromkeys(part.strip() for part in spec.split(",") if part.strip()))
    if not names:
        raise InvalidInput("--profile needs a profile name, a comma-separated list, or 'all'")
    for name in names:
        if name not in profiles:
            known = ", ".join(sorted(profiles)) or "none configured"
            raise InvalidInput(f"unknown AWS profile {name!r} (known: {known})")
    return names
