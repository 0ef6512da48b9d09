"""Helpers for the SSM tests: a recording session-manager-plugin and the embedded AWS's
sessions."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sagedeck.localaws import LocalAws

REGION = "us-east-1"
ONLINE = "alice-sandbox"  # seeded: InService, one Online node
OFFLINE = "data-eng-etl"  # seeded: InService, its only node is ConnectionLost
NODELESS = "nb"  # seeded: InService, no node

RECORDER = '''#!{python}
"""A session-manager-plugin that records how it was called (argv and environment)."""
import json, os, signal, sys

args = sys.argv[1:]
if args == ["--version"]:
    print(os.environ.get("RECORDER_VERSION", "1.2.764.0"))
    sys.exit(0)
with open(os.environ["RECORDER_LOG"], "a") as log:
    log.write(json.dumps({{"argv": args, "env": dict(os.environ), "pid": os.getpid()}}) + "\\n")
if os.environ.get("RECORDER_HOLD") == "1":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("Port opened.\\nWaiting for connections...", flush=True)
    while True:
        signal.pause()
sys.exit(int(os.environ.get("RECORDER_EXIT", "0")))
'''


@dataclass
class Recorder:
    directory: Path
    log: Path

    def env(self, version: str = "1.2.764.0", **extra: str) -> dict[str, str]:
        """The environment in which ``session-manager-plugin`` is this recorder."""
        env = dict(os.environ)
        env["PATH"] = f"{self.directory}{os.pathsep}{env.get('PATH', '')}"
        env["RECORDER_LOG"] = str(self.log)
        env["RECORDER_VERSION"] = version
        env["SAGEDECK_SSM_PLUGIN"] = "session-manager-plugin"  # the one on PATH, not the demo
        env.update(extra)
        return env

    def records(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]


def node_id(aws: LocalAws, name: str) -> str:
    client = aws.client("ssm", REGION)
    nodes = client.describe_instance_information(
        Filters=[{"Key": "tag:SSHResourceName", "Values": [name]}]
    )["InstanceInformationList"]
    online = [n for n in nodes if n["PingStatus"] == "Online"] or nodes
    return str(online[0]["InstanceId"])


def active_sessions(aws: LocalAws, target: str | None = None) -> list[str]:
    client = aws.client("ssm", REGION)
    kwargs: dict[str, Any] = {"State": "Active"}
    if target:
        kwargs["Filters"] = [{"key": "Target", "value": target}]
    return [s["SessionId"] for s in client.describe_sessions(**kwargs)["Sessions"]]


def processes_with_session(session_id: str) -> list[int]:
    """Live processes whose command line or environment carries the session id (a plugin
    gets it in one or the other); zombies do not count."""
    found: list[int] = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if "\nState:\tZ" in (proc / "status").read_text():
                continue
            blobs = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
        except OSError:
            continue
        if session_id.encode() in blobs:
            found.append(int(proc.name))
    return found
