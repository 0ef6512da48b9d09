"""A stand-in for session-manager-plugin, for the demo (``sagedeck --demo``). Imports the
standard library (and boto3 in the port forward); never moto nor the rest of sagedeck: it starts
once per SSM session and must start fast.

It accepts the real plugin's command line exactly as the AWS CLI builds it::

    <response-json | AWS_SSM_START_SESSION_RESPONSE> <region> StartSession <profile>
        <request-json> <endpoint-url>

and, instead of opening a websocket to the SSM service, does something local and clearly
labelled: an interactive shell on *this* machine for a shell session; for
``AWS-StartPortForwardingSession``, a tiny HTTP page on the local port
("demo Jupyter on <notebook>:<port>"). ``--version`` answers like the real plugin, with a
version above 1.2.497.0 so the environment-variable form is used, as with current plugins.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

VERSION = "1.2.764.0"
ENV_RESPONSE = "AWS_SSM_START_SESSION_RESPONSE"
PORT_FORWARD_DOCUMENT = "AWS-StartPortForwardingSession"
INSTALLED_MESSAGE = (
    "\nThe Session Manager plugin was installed successfully. Use the AWS CLI to start a session.\n"
)


class UsageError(Exception):
    pass


def parse(argv: Sequence[str], env: Mapping[str, str]) -> dict[str, Any]:
    """The real plugin's six positional arguments, decoded."""
    if len(argv) != 6:
        raise UsageError(f"expected 6 arguments as the AWS CLI passes them, got {len(argv)}")
    raw_response, region, operation, profile, raw_request, endpoint = argv
    if raw_response == ENV_RESPONSE:
        raw_response = env.get(ENV_RESPONSE, "")
        if not raw_response:
            raise UsageError(f"{ENV_RESPONSE} is named but not set")
    if operation != "StartSession":
        raise UsageError(f"unsupported operation {operation!r}")
    try:
        response = json.loads(raw_response)
        request = json.loads(raw_request)
    except json.JSONDecodeError as err:
        raise UsageError(f"malformed JSON argument: {err}") from None
    if not isinstance(response, dict) or "SessionId" not in response:
        raise UsageError("the StartSession response has no SessionId")
    if not isinstance(request, dict) or "Target" not in request:
        raise UsageError("the StartSession request has no Target")
    return {
        "session_id": str(response["SessionId"]),
        "region": region,
        "profile": profile,
        "endpoint": endpoint,
        "target": str(request["Target"]),
        "document": request.get("DocumentName"),
        "parameters": request.get("Parameters") or {},
    }


def _first(parameters: Mapping[str, Any], key: str, default: str) -> str:
    values = parameters.get(key) or [default]
    return str(values[0] if isinstance(values, list) else values)


def main(argv: Sequence[str]) -> int:
    if list(argv) == ["--version"]:
        print(VERSION)
        return 0
    if not argv:
        print(INSTALLED_MESSAGE)
        return 0
    try:
        session = parse(argv, os.environ)
    except UsageError as err:
        print(f"session-manager-plugin (sagedeck demo): {err}", file=sys.stderr)
        return 1
    if session["document"] == PORT_FORWARD_DOCUMENT:
        from sagedeck.localaws.demo_plugin.forward import serve

        remote = int(_first(session["parameters"], "portNumber", "80"))
        local = int(_first(session["parameters"], "localPortNumber", "0"))
        return serve(session, remote, local)
    return run_shell(session)


def shell_command() -> list[str]:
    chosen = os.environ.get("SAGEDECK_DEMO_SHELL")
    if chosen:
        return [chosen, "-i"]
    bash = shutil.which("bash")
    if bash:
        return [bash, "--noprofile", "--norc", "-i"]
    return ["/bin/sh", "-i"]


def run_shell(session: Mapping[str, Any]) -> int:
    sid, target = session["session_id"], session["target"]
    print(f"\nStarting session with SessionId: {sid}")
    print("*** DEMO session: sagedeck's stand-in for session-manager-plugin.")
    print(f"*** This shell runs on YOUR machine, not on {target}. Type `exit` to leave.\n")
    sys.stdout.flush()
    env = {k: v for k, v in os.environ.items() if k != ENV_RESPONSE}
    env["PS1"] = f"[DEMO {target}] $ "
    env["SAGEDECK_DEMO_SESSION"] = sid
    shell = subprocess.Popen(shell_command(), env=env)
    # The keyboard's signals are the shell's now, as the real plugin passes them to the remote.
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP):
        signal.signal(sig, signal.SIG_IGN)

    def forward(signum: int, _frame: object) -> None:
        shell.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, forward)
    code = shell.wait()
    print(f"\n\nExiting session with sessionId: {sid}.\n")
    sys.stdout.flush()
    return 128 - code if code < 0 else code
