"""A session-manager-plugin that records how it was called (argv, environment, pid) and holds
the caller to the plugin's contract, as ``aws ssm start-session`` calls it::

    session-manager-plugin <response-json> <region> StartSession <profile-or-""> \
        <request-json> <endpoint-url>

where, for plugin versions above 1.2.497.0, ``<response-json>`` is the literal
``AWS_SSM_START_SESSION_RESPONSE`` and the JSON is in that environment variable. A call that
breaks the contract is recorded with what it broke, said on stderr, and ends with status 97:
a test cannot pass over it unnoticed (``Recorder.records`` raises on it too).

The fixture copies this file, with a shebang, into a directory put first on PATH. It is run
as a script, so it imports nothing from the tests or from sagedeck. Settings, from the
environment: RECORDER_LOG (where records go, one JSON line each), RECORDER_VERSION (what
``--version`` prints), RECORDER_EXIT (the exit status), RECORDER_HOLD=1 (act as a port
forward: say the port is open, then wait for SIGTERM).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from collections.abc import Mapping
from urllib.parse import urlsplit

ENV_RESPONSE = "AWS_SSM_START_SESSION_RESPONSE"
LAST_VERSION_WITHOUT_ENV = (1, 2, 497, 0)
RESPONSE_FIELDS = ["SessionId", "TokenValue", "StreamUrl"]
REQUEST_FIELDS = {"Target", "DocumentName", "Parameters", "Reason"}
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
CONTRACT_BROKEN = 97


def env_form(version: str) -> bool:
    """Versions above 1.2.497.0 get the response in the environment; others (or unparseable
    ones) as argument 1. The AWS CLI's rule, written here on its own."""
    cleaned = re.sub(r"\s+", "", version)
    if not re.fullmatch(r"\d+(\.\d+){0,3}", cleaned):
        return False
    parts = [int(p) for p in cleaned.split(".")]
    return tuple(parts + [0] * (4 - len(parts))) > LAST_VERSION_WITHOUT_ENV


def _json_object(text: str, what: str, problems: list[str]) -> dict[str, object] | None:
    try:
        value = json.loads(text)
    except ValueError:
        problems.append(f"{what} is not JSON: {text[:80]!r}")
        return None
    if not isinstance(value, dict):
        problems.append(f"{what} is not a JSON object")
        return None
    return value


def violations(args: list[str], env: Mapping[str, str], version: str) -> list[str]:
    """What the call breaks of the contract (empty: nothing)."""
    if len(args) != 6:
        return [f"expected 6 arguments, got {len(args)}: {args!r}"]
    response_arg, region, operation, _profile, request, endpoint = args
    problems: list[str] = []
    if env_form(version):
        if response_arg != ENV_RESPONSE:
            problems.append(f"plugin {version} takes the response from ${ENV_RESPONSE}")
        response_text = env.get(ENV_RESPONSE, "")
    else:
        if ENV_RESPONSE in env:
            problems.append(f"plugin {version} is too old for ${ENV_RESPONSE}")
        response_text = response_arg
    response = _json_object(response_text, "the StartSession response", problems)
    if response is not None:
        if list(response) != RESPONSE_FIELDS:
            problems.append(f"the response has {list(response)}, not {RESPONSE_FIELDS}")
        if not all(isinstance(v, str) and v for v in response.values()):
            problems.append("the response has an empty or non-string value")
    if not REGION.match(region):
        problems.append(f"argument 2 is not a region: {region!r}")
    if operation != "StartSession":
        problems.append(f"argument 3 is {operation!r}, not 'StartSession'")
    parameters = _json_object(request, "argument 5 (the request)", problems)
    if parameters is not None:
        if not isinstance(parameters.get("Target"), str):
            problems.append("the request has no Target")
        unknown = sorted(set(parameters) - REQUEST_FIELDS)
        if unknown:
            problems.append(f"the request has unknown fields {unknown}")
    url = urlsplit(endpoint)
    if url.scheme not in ("http", "https") or not url.hostname:
        problems.append(f"argument 6 is not an endpoint URL: {endpoint!r}")
    return problems


def main() -> int:
    args = sys.argv[1:]
    version = os.environ.get("RECORDER_VERSION", "1.2.764.0")
    if args == ["--version"]:
        print(version)
        return 0
    problems = violations(args, os.environ, version)
    record = {"argv": args, "env": dict(os.environ), "pid": os.getpid(), "violations": problems}
    with open(os.environ["RECORDER_LOG"], "a") as log:
        log.write(json.dumps(record) + "\n")
    if problems:
        print("recording session-manager-plugin: contract broken:", *problems, file=sys.stderr)
        return CONTRACT_BROKEN
    if os.environ.get("RECORDER_HOLD") == "1":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        print("Port opened.\nWaiting for connections...", flush=True)
        while True:
            signal.pause()
    return int(os.environ.get("RECORDER_EXIT", "0"))


if __name__ == "__main__":
    sys.exit(main())
