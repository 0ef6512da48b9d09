"""Settings: defaults < config file < environment < flags.

The config file is TOML in the platform's config directory
(``~/.config/sagedeck/config.toml`` on Linux), or the path in ``SAGEDECK_CONFIG``.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sagedeck.errors import InvalidInput
from sagedeck.models import URL_SESSION_DEFAULT, URL_SESSION_MAX, URL_SESSION_MIN

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
    """Everything the user can set, each default defined here once. AWS profile/regions/endpoint
    resolve in aws.session. A new field needs its parser in :data:`PARSERS`."""

    refresh_interval: float = 5.0  # seconds between polls while the fleet is quiet
    fast_refresh_interval: float = 1.0  # while any instance is changing state
    profile: str | None = None
    regions: tuple[str, ...] = ()
    endpoint_url: str | None = None
    read_only: bool = False
    theme: str = "textual-dark"
    keys: Mapping[str, str] = field(default_factory=dict)  # binding id -> key(s)
    url_session_seconds: int = URL_SESSION_DEFAULT
    log_buffer_lines: int = 50_000
    ssm_tag_key: str = "SSHResourceName"  # as sagemaker-ssh-helper tags the node
    # The IDLE column: sign in to the Jupyter server of each InService instance on screen.
    jupyter_activity: bool = True
    shell: str = "auto"  # `s` and `sagedeck shell`: auto (SSM when a node is there), ssm, jupyter
    # InService longer than this (seconds) is "forgotten": the dashboard's `f` filter
    forgotten_after: float = 8 * 3600.0

    def merged(self, **changes: Any) -> Settings:
        """A copy with every non-None change applied (flags that were not given are None)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


DEFAULTS = Settings()  # the defaults, for code that takes one setting rather than Settings


class _Refused(ValueError):
    """A value a setting does not accept; the text completes "<setting> ..."."""


def _show(value: object) -> str:
    """A value for an error message: short, on one line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _seconds(value: object, low: float = 0.2, high: float = 3600) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Refused(f"must be a number of seconds, not {_show(value)}")
    if not low <= value <= high:  # compared before float(): TOML integers can be huge
        raise _Refused(f"must be between {low:g} and {high:g} seconds")
    number = float(value)
    if not math.isfinite(number):
        raise _Refused(f"must be between {low:g} and {high:g} seconds, not {value!r}")
    return number


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise _Refused("must be a non-empty string")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Refused("must be true or false")
    return value


def _regions(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(r, str) and r for r in value):
        raise _Refused("must be a list of region names")
    return tuple(value)


DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", re.IGNORECASE)


def parse_duration(text: str, name: str = "duration") -> float:
    """``8h``, ``90m``, ``2d``, ``1h30m`` or ``1w``: seconds, more than 0. InvalidInput names
    ``name`` (the flag or setting) otherwise."""
    parts = _DURATION.findall(text) if _DURATION.sub("", text) == "" else []
    if not parts:
        raise InvalidInput(
            f"{name} must be a duration such as 30m, 8h, 2d or 1h30m, not {_show(text)}"
        )
    seconds = sum(float(number) * DURATION_UNITS[unit.lower()] for number, unit in parts)
    if not 0 < seconds <= 3650 * 86400:
        raise InvalidInput(f"{name} must be more than 0 and at most 10 years, not {_show(text)}")
    return seconds


def _duration(value: object) -> float:
    """A duration string (``"8h"``) or a number of seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _seconds(value, 1, 3650 * 86400)
    if not isinstance(value, str):
        raise _Refused('must be a duration such as "8h", "90m" or "2d"')
    try:
        return parse_duration(value)
    except InvalidInput:
        raise _Refused(
            f'must be a duration such as "8h", "90m" or "2d", not {_show(value)}'
        ) from None


def _key_map(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
    ):
        raise _Refused('must map binding ids to keys, e.g. [keys] start = "S"')
    return dict(value)


def _choice(*allowed: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if value not in allowed:
            raise _Refused(f"must be one of {', '.join(allowed)}, not {_show(value)}")
        return str(value)

    return parse


SHELL_WAYS = ("auto", "ssm", "jupyter")


def _whole(low: int, high: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _Refused(f"must be {low} to {high}")
        return value

    return parse


# Every Settings field and how a config file's value becomes it (a test checks that each field
# has one): a key not here is an unknown setting, never silently dropped.
PARSERS: Mapping[str, Callable[[object], Any]] = {
    "refresh_interval": _seconds,
    "fast_refresh_interval": _seconds,
    "profile": _text,
    "regions": _regions,
    "endpoint_url": _text,
    "read_only": _flag,
    "theme": _text,
    "keys": _key_map,
    "url_session_seconds": _whole(URL_SESSION_MIN, URL_SESSION_MAX),
    "log_buffer_lines": _whole(1000, 5_000_000),
    "ssm_tag_key": _text,
    "jupyter_activity": _flag,
    "shell": _choice(*SHELL_WAYS),
    "forgotten_after": _duration,
}


def _parse_file(raw: Mapping[str, Any], source: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        parser = PARSERS.get(key)
        if parser is None:
            raise InvalidInput(f"{source}: unknown setting {key!r}")
        try:
            out[key] = parser(value)
        except _Refused as err:
            raise InvalidInput(f"{source}: {key} {err}") from None
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
        except RecursionError:  # tomllib recurses once per level of nested arrays or tables
            raise InvalidInput(
                f"config file {path} is not valid TOML: arrays or tables nested too deeply"
            ) from None
        settings = replace(settings, **_parse_file(raw, str(path)))
    refresh = os.environ.get(ENV_REFRESH)
    if refresh:
        settings = replace(settings, refresh_interval=_refresh(ENV_REFRESH, refresh))
    return settings


def parse_refresh(text: str) -> float:
    """The ``--refresh`` flag's value."""
    return _refresh("--refresh", text)


def _refresh(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a number of seconds, not {text!r}") from None
    try:
        return _seconds(value)
    except _Refused as err:
        raise InvalidInput(f"{name} {err}") from None
