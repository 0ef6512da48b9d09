"""Helpers for the SSM tests: a recording session-manager-plugin and the embedded AWS's
sessions."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sagedeck.localaws import LocalAws

from . import recording_plugin

REGION = "us-east-1"
ONLINE = "alice-sandbox"  # seeded: InService, one Online node
OFFLINE = "data-eng-etl"  # seeded: InService, its only node is ConnectionLost
NODELESS = "nb"  # seeded: InService, no node


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
        env["SAGEDECK_CONFIG"] = str(self.directory / "no-config.toml")  # not the machine's
        env.update(extra)
        return env

    def records(self) -> list[dict[str, Any]]:
        """Every call, in order; fails if any broke the plugin's contract."""
        if not self.log.exists():
            return []
        found = [json.loads(line) for line in self.log.read_text().splitlines() if line]
        broken = [(r["argv"], r["violations"]) for r in found if r["violations"]]
        assert not broken, f"session-manager-plugin called against its contract: {broken}"
        return found


def install_recorder(directory: Path, log: Path) -> Recorder:
    """The recording plugin (recording_plugin.py) as ``session-manager-plugin`` in
    ``directory``."""
    directory.mkdir()
    script = directory / "session-manager-plugin"
    source = Path(recording_plugin.__file__).read_text()
    script.write_text(f"#!{sys.executable}\n{source}")
    script.chmod(0o755)
    return Recorder(directory, log)


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
