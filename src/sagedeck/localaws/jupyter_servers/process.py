"""One real Jupyter Server process for one notebook instance, on a private Unix socket.

The socket lives in a directory only this user can read, so nothing reaches the server but the
gateway (which adds the secret header :mod:`.identity` checks). The process and everything it
starts (terminals' shells, kernels) form one process group, stopped together.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .identity import SECRET_ENV
from .parent_watch import PARENT_ENV
from .roots import InstanceHome

IDENTITY = "sagedeck.localaws.jupyter_servers.identity.GatewayIdentity"
LANDING = "sagedeck.localaws.jupyter_servers.landing"  # a page when no front end is installed
PARENT_WATCH = "sagedeck.localaws.jupyter_servers.parent_watch"  # ends it if we are killed
STOP_GRACE_SECONDS = 5.0
SOCKET_DIR_ENV = "SAGEDECK_JUPYTER_SOCKET_DIR"  # parent_watch removes it if we are killed
# A Unix socket's path must fit sun_path (108 bytes on Linux, 104 on macOS).
MAX_SOCKET_PATH = 100


def _socket_directory(runtime: Path) -> Path:
    """A private directory for the socket: the instance's own when its path is short enough,
    else a new one in /tmp (a deep TMPDIR, as under pytest, would not fit)."""
    if len(str(runtime / "jupyter.sock")) <= MAX_SOCKET_PATH:
        return runtime
    return Path(tempfile.mkdtemp(prefix="sagedeck-jupyter-", dir="/tmp"))


@dataclass
class JupyterProcess:
    """A started (maybe not yet ready) ``jupyter_server`` for one instance's home."""

    home: InstanceHome
    base_url: str  # "/<host>/": the gateway serves each instance under its own path
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    _popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _socket_dir: Path | None = field(default=None, repr=False)

    @property
    def socket_path(self) -> Path:
        if self._socket_dir is None:
            self._socket_dir = _socket_directory(self.home.runtime)
        return self._socket_dir / "jupyter.sock"

    def start(self) -> None:
        self.socket_path.unlink(missing_ok=True)
        log = (self.home.runtime / "jupyter-server.log").open("ab")
        with log:
            self._popen = subprocess.Popen(
                self._command(),
                cwd=self.home.root,
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends its children too
            )

    def _command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--ServerApp.sock={self.socket_path}",
            "--ServerApp.sock_mode=0600",
            f"--ServerApp.root_dir={self.home.root}",
            f"--ServerApp.base_url={self.base_url}",
            f"--ServerApp.identity_provider_class={IDENTITY}",
            "--ServerApp.open_browser=False",
            "--ServerApp.allow_root=True",  # containers and CI often run as root
            "--ServerApp.terminals_enabled=True",
            "--ServerApp.log_level=WARN",
            "--IdentityProvider.token=",  # the gateway signs requests in, never a token
            '--ServerApp.jpserver_extensions={"jupyter_server_terminals": True, '
            f'"{LANDING}": True, "{PARENT_WATCH}": True}}',
        ]

    def _environment(self) -> dict[str, str]:
        keep = ("PATH", "LANG", "LC_ALL", "PYTHONPATH", "TMPDIR", "VIRTUAL_ENV", "SHELL")
        env = {name: os.environ[name] for name in keep if name in os.environ}
        runtime = self.home.runtime
        env.update(
            {
                SECRET_ENV: self.secret,
                SOCKET_DIR_ENV: str(self.socket_path.parent),
                PARENT_ENV: str(os.getpid()),
                "HOME": str(self.home.home),
                "USER": "ec2-user",
                "LOGNAME": "ec2-user",
                "TERM": "xterm-256color",
                # Jupyter's own files go to the instance's directory, never the user's ~/.jupyter.
                "JUPYTER_CONFIG_DIR": str(runtime / "config"),
                "JUPYTER_DATA_DIR": str(runtime / "data"),
                "JUPYTER_RUNTIME_DIR": str(runtime / "runtime"),
                "JUPYTER_PLATFORM_DIRS": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self._popen is None else self._popen.pid

    def stop(self) -> None:
        """End the server and every process it started (its group); wait for it."""
        popen, self._popen = self._popen, None
        if popen is None:
            return
        for sent in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(popen.pid, sent)
            except ProcessLookupError:
                break
            try:
                popen.wait(STOP_GRACE_SECONDS)
                break
            except subprocess.TimeoutExpired:
                continue
        # Terminals' shells may outlive the server in the group for a moment: end them too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(popen.pid, signal.SIGKILL)
        self.socket_path.unlink(missing_ok=True)
        if self._socket_dir is not None and self._socket_dir != self.home.runtime:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
