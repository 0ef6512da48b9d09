"""The session-manager-plugin: finding it, its version, and invoking it as the AWS CLI does.

``aws ssm start-session`` calls StartSession, then runs::

    session-manager-plugin <response-json> <region> StartSession <profile-or-""> \
        <request-json> <endpoint-url>

For plugin versions above 1.2.497.0 the first argument is the literal
``AWS_SSM_START_SESSION_RESPONSE`` and the JSON travels in that environment variable (so the
session token is not visible in ``ps``). An unparseable version gets the legacy form, as in the
AWS CLI. Arguments are always a list, never a shell string.

Which program runs: ``$SAGEDECK_SSM_PLUGIN`` when set (a path, a name on PATH, or ``demo``);
otherwise sagedeck's stand-in when the endpoint is a loopback URL (the embedded AWS, whose
stream URLs lead nowhere), else the real plugin from PATH.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sagedeck.aws.session import AwsTarget
from sagedeck.aws.ssm import StartedSession
from sagedeck.errors import SagedeckError

PLUGIN_NAME = "session-manager-plugin"
ENV_OVERRIDE = "SAGEDECK_SSM_PLUGIN"
ENV_RESPONSE = "AWS_SSM_START_SESSION_RESPONSE"
LAST_VERSION_WITHOUT_ENV = "1.2.497.0"
RECOMMENDED_VERSION = "1.2.764.0"
INSTALL_URL = (
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/"
    "session-manager-working-with-install-plugin.html"
)
VERSION_TIMEOUT = 10.0
_VERSION = re.compile(r"^\d+(\.\d+){0,3}$")


class PluginNotFound(SagedeckError):
    """The session-manager-plugin is not installed (or not on PATH)."""

    def __init__(self, detail: str = "") -> None:
        where = f" ({detail})" if detail else ""
        super().__init__(f"session-manager-plugin not found{where}: install it, see {INSTALL_URL}")


class PluginFailed(SagedeckError):
    """The plugin was found but could not be run or did not come up."""


@dataclass(frozen=True, slots=True)
class Plugin:
    """A runnable plugin: ``command`` is the argv prefix (one path, or python -m for the demo)."""

    command: tuple[str, ...]
    version: str | None
    demo: bool = False

    @property
    def path(self) -> str:
        return "sagedeck.localaws.demo_plugin (stand-in)" if self.demo else self.command[0]

    @property
    def uses_env_form(self) -> bool:
        return uses_env_form(self.version or "")

    @property
    def outdated(self) -> bool:
        return bool(self.version) and not version_at_least(self.version or "", RECOMMENDED_VERSION)


@dataclass(frozen=True, slots=True)
class Invocation:
    """What to execute: the argv list and the complete environment."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(repr=False)

    @property
    def plugin_args(self) -> tuple[str, ...]:
        """The six arguments after the program, identical to the AWS CLI's."""
        return self.argv[-6:]


# --- versions, as the AWS CLI compares them ----------------------------------------------


def _parts(version: str) -> list[int] | None:
    cleaned = re.sub(r"\s+", "", version)
    if not _VERSION.match(cleaned):
        return None
    return [int(p) for p in cleaned.split(".")]


def _compare(version: str, other: str) -> int | None:
    a, b = _parts(version), _parts(other)
    if a is None or b is None:
        return None
    width = max(len(a), len(b))
    a += [0] * (width - len(a))
    b += [0] * (width - len(b))
    return (a > b) - (a < b)


def uses_env_form(version: str) -> bool:
    """True for versions strictly above 1.2.497.0; False for older or unparseable ones."""
    result = _compare(version, LAST_VERSION_WITHOUT_ENV)
    return result is not None and result > 0


def version_at_least(version: str, minimum: str) -> bool:
    result = _compare(version, minimum)
    return result is not None and result >= 0


# --- finding the plugin ------------------------------------------------------------------


def is_loopback_endpoint(endpoint_url: str | None) -> bool:
    if not endpoint_url:
        return False
    host = urlsplit(endpoint_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def demo_command() -> tuple[str, ...]:
    return (sys.executable, "-m", "sagedeck.localaws.demo_plugin")


def read_version(command: Sequence[str], env: Mapping[str, str] | None = None) -> str | None:
    """``<plugin> --version``'s output, stripped; None when it printed nothing usable.

    Raises OSError when the program cannot be executed at all."""
    try:
        done = subprocess.run(
            [*command, "--version"],
            capture_output=True,
            text=True,
            timeout=VERSION_TIMEOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    return done.stdout.strip() or None


def find_plugin(endpoint_url: str | None, env: Mapping[str, str] | None = None) -> Plugin:
    """The plugin to run for ``endpoint_url`` (see the module docstring). Blocking: it runs
    ``--version`` (call it in a thread from async code)."""
    environ = os.environ if env is None else env
    choice = environ.get(ENV_OVERRIDE, "").strip()
    if choice == "demo" or (not choice and is_loopback_endpoint(endpoint_url)):
        command = demo_command()
        return Plugin(command, read_version(command), demo=True)
    name = choice or PLUGIN_NAME
    path = shutil.which(name, path=environ.get("PATH"))
    if path is None:
        raise PluginNotFound(f"{ENV_OVERRIDE}={choice}" if choice else "not on PATH")
    try:
        version = read_version((path,), environ)
    except OSError as err:
        raise PluginFailed(f"{path} cannot be run: {err.strerror or err}") from None
    return Plugin((path,), version)


# --- the invocation ------------------------------------------------------------------------


def build_invocation(
    plugin: Plugin,
    session: StartedSession,
    target: AwsTarget,
    base_env: Mapping[str, str] | None = None,
) -> Invocation:
    """The plugin's argv and environment, argument for argument as the AWS CLI builds them.

    The profile argument is the profile sagedeck resolved (flag, AWS_PROFILE or config), or
    "" as the CLI passes when none was chosen. When sagedeck was given explicit credentials
    (the demo), they are put in the plugin's environment so it can call AWS as sagedeck does.
    """
    env = dict(os.environ if base_env is None else base_env)
    creds = target.credentials
    if creds is not None:
        env["AWS_ACCESS_KEY_ID"] = creds.access_key
        env["AWS_SECRET_ACCESS_KEY"] = creds.secret_key
        if creds.token:
            env["AWS_SESSION_TOKEN"] = creds.token
        else:
            env.pop("AWS_SESSION_TOKEN", None)
    response = session.response_json()
    if plugin.uses_env_form:
        env[ENV_RESPONSE] = response
        response = ENV_RESPONSE
    argv = (
        *plugin.command,
        response,
        session.region,
        "StartSession",
        target.session_profile or "",
        session.request_json(),
        session.endpoint_url,
    )
    return Invocation(argv, env)
