"""Settings: defaults < config file < environment < flags.

The config file is TOML in the platform's config directory
(``~/.config/sagedeck/config.toml`` on Linux), or the path in ``SAGEDECK_CONFIG``.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from sagedeck.errors import InvalidInput

ENV_CONFIG = "SAGEDECK_CONFIG"
ENV_REFRESH = "SAGEDECK_REFRESH"


def default_config_path() -> Path:
    explicit = os.environ.get(ENV_CONFIG)
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("sagedeck")) / "config.toml"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the user can set. AWS profile/regions/endpoint resolve in aws.session."""

    refresh_interval: float = 5.0  # seconds between polls while the fleet is quiet
    fast_refresh_interval: float = 1.0  # while any instance is changing state
    profile: str | None = None
    regions: tuple[str, ...] = ()
    endpoint_url: str | None = None
    read_only: bool = False
    theme: str = "textual-dark"
    keys: Mapping[str, str] = field(default_factory=dict)  # binding id -> key(s)
    url_session_seconds: int = 43200
    log_buffer_lines: int = 50_000
    ssm_tag_key: str = "SSHResourceName"

    def merged(self, **changes: Any) -> Settings:
        """A copy with every non-None change applied (flags that were not given are None)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_FIELDS = {f.name for f in fields(Settings)}


def _show(value: object) -> str:
    """A value for an error message: short, on one line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _positive_seconds(name: str, value: object, low: float = 0.2, high: float = 3600) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{name} must be a number of seconds, not {_show(value)}")
    if not low <= value <= high:  # compared before float(): TOML integers can be huge
        raise InvalidInput(f"{name} must be between {low:g} and {high:g} seconds")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInput(f"{name} must be between {low:g} and {high:g} seconds, not {value!r}")
    return number


def _validate(raw: Mapping[str, Any], source: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _FIELDS:
            raise InvalidInput(f"{source}: unknown setting {key!r}")
        if key in ("refresh_interval", "fast_refresh_interval"):
            out[key] = _positive_seconds(key, value)
        elif key == "regions":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(r, str) and r for r in value):
                raise InvalidInput(f"{source}: regions must be a list of region names")
            out[key] = tuple(value)
        elif key in ("profile", "endpoint_url", "theme", "ssm_tag_key"):
            if not isinstance(value, str) or not value:
                raise InvalidInput(f"{source}: {key} must be a non-empty string")
            out[key] = value
        elif key == "read_only":
            if not isinstance(value, bool):
                raise InvalidInput(f"{source}: read_only must be true or false")
            out[key] = value
        elif key == "keys":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
            ):
                raise InvalidInput(f'{source}: [keys] maps binding ids to keys, e.g. start = "S"')
            out[key] = dict(value)
        elif key == "url_session_seconds":
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not (1800 <= value <= 43200)
            ):
                raise InvalidInput(f"{source}: url_session_seconds must be 1800 to 43200")
            out[key] = value
        elif key == "log_buffer_lines":
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not (1000 <= value <= 5_000_000)
            ):
                raise InvalidInput(f"{source}: log_buffer_lines must be 1000 to 5000000")
            out[key] = value
    return out


def load_settings(path: Path | None = None, *, required: bool = False) -> Settings:
    """Defaults, then the config file, then the SAGEDECK_* environment.

    A missing file is fine unless ``required`` (a path the user named with ``--config``);
    a corrupt one is one clear error.
    """
    path = path or default_config_path()
    settings = Settings()
    try:
        text: str | None = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise InvalidInput(f"config file {path} does not exist") from None
        text = None
    except UnicodeDecodeError:
        raise InvalidInput(f"config file {path} is not UTF-8 text") from None
    except (OSError, ValueError) as err:  # a directory, no permission, a NUL in the path
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise InvalidInput(f"cannot read config file {path}: {reason}") from None
    if text is not None:
        try:
            raw = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, ValueError) as err:  # ValueError: a 5000-digit integer
            raise InvalidInput(f"config file {path} is not valid TOML: {err}") from None
        settings = replace(settings, **_validate(raw, str(path)))
    refresh = os.environ.get(ENV_REFRESH)
    if refresh:
        try:
            value: float = float(refresh)
        except ValueError:
            raise InvalidInput(
                f"{ENV_REFRESH} must be a number of seconds, not {refresh!r}"
            ) from None
        settings = replace(settings, refresh_interval=_positive_seconds(ENV_REFRESH, value))
    return settings


def parse_refresh(text: str) -> float:
    """The ``--refresh`` flag's value."""
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"--refresh must be a number of seconds, not {text!r}") from None
    return _positive_seconds("--refresh", value)
