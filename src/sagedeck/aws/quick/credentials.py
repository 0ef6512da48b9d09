"""The AWS configuration files and static keys, read as botocore reads them (standard library
only), for the quick listing's plain case; :mod:`.sources` decides where other credentials
come from."""

from __future__ import annotations

import configparser
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sagedeck.aws.quick.unsupported import Unsupported


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)


def config_path(path: str) -> Path:
    """A configuration file's path as botocore expands it: variables, then ``~``
    (``AWS_CONFIG_FILE='$DIR/config'`` names the file in ``$DIR``)."""
    return Path(os.path.expanduser(os.path.expandvars(path)))


def _ini(path: str) -> dict[str, dict[str, str]]:
    file = config_path(path)
    if not file.is_file():
        return {}
    parser = configparser.RawConfigParser()
    try:
        parser.read(file, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        raise Unsupported("unreadable AWS configuration") from None
    return {section: dict(parser.items(section)) for section in parser.sections()}


def load_profiles(env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Profile name -> settings, config file first and the credentials file over it, with
    botocore's section names (``[default]`` and ``[profile NAME]`` in the config file, ``[NAME]``
    in the credentials file)."""
    profiles: dict[str, dict[str, str]] = {}
    for section, values in _ini(env.get("AWS_CONFIG_FILE", "~/.aws/config")).items():
        if section.startswith("profile"):
            try:
                parts = shlex.split(section)
            except ValueError:
                continue
            if len(parts) == 2:
                if parts[1] in profiles:  # [default] and [profile default]: botocore's order
                    raise Unsupported("profile defined twice")
                profiles[parts[1]] = values
        elif section == "default":
            if section in profiles:
                raise Unsupported("profile defined twice")
            profiles[section] = values
    credentials_file = env.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")
    for section, values in _ini(credentials_file).items():
        profiles.setdefault(section, {}).update(values)
    return profiles


def sso_session(name: str, env: Mapping[str, str]) -> dict[str, str] | None:
    """The config file's ``[sso-session NAME]`` section, as botocore finds it."""
    for section, values in _ini(env.get("AWS_CONFIG_FILE", "~/.aws/config")).items():
        try:
            parts = shlex.split(section)
        except ValueError:
            continue
        if parts == ["sso-session", name]:
            return values
    return None


def static_keys(values: Mapping[str, str]) -> Credentials | None:
    """A profile's static keys; None when it has none."""
    access, secret = values.get("aws_access_key_id"), values.get("aws_secret_access_key")
    if access and secret:
        return Credentials(access, secret, values.get("aws_session_token") or None)
    if access or secret:
        raise Unsupported("partial credentials")
    return None


def environment_keys(env: Mapping[str, str]) -> Credentials | None:
    """The environment's keys (botocore's first provider); None when it has none."""
    access, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    if access and secret:
        return Credentials(access, secret, env.get("AWS_SESSION_TOKEN") or None)
    if access or secret:
        raise Unsupported("partial credentials in the environment")
    return None
