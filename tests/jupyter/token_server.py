"""A real jupyter_server (with terminals) started with a plain token, and a
:class:`~sagedeck.jupyter.link.JupyterLink` over it.

It stands in for the embedded AWS's signed-in Jupyter where a test is about the terminal
protocol or the contents API rather than the sign-in: the same server, without the presigned
URL in front.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

from sagedeck.jupyter.link import JupyterHttpError


@dataclass(frozen=True)
class TokenServer:
    url: str
    token: str
    root: Path
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def token_server(base: Path) -> Iterator[TokenServer]:
    """jupyter_server on a free port, its root ``base/root``, bash as the terminals' shell,
    HOME and Jupyter's own folders under ``base`` (nothing of this machine's is read)."""
    root, home = base / "root", base / "home"
    root.mkdir(parents=True)
    home.mkdir(parents=True)
    token, port = secrets.token_hex(16), _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "SHELL": "/bin/bash",
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    args = [
        sys.executable, "-m", "jupyter_server", "--no-browser",
        f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--ServerApp.terminals_enabled=True", "--allow-root",
    ]  # fmt: skip
    process = subprocess.Popen(
        args, env=env, stdout=subprocess.DEVNULL, stderr=(base / "server.log").open("wb")
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, token, process)
        yield TokenServer(url, token, root, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(url: str, token: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    request = urllib.request.Request(f"{url}/api/status", headers=_auth(token))
    while True:
        if process.poll() is not None:
            raise RuntimeError("jupyter_server exited before it was ready")
        try:
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"token {token}"}


class TokenLink:
    """A JupyterLink with the server's token in a header (no cookies, no XSRF needed)."""

    def __init__(self, server: TokenServer, http: aiohttp.ClientSession, target: str) -> None:
        self.server = server
        self.http = http
        self._target = target

    @property
    def target(self) -> str:
        return self._target

    def _url(self, path: str) -> str:
        return self.server.url + quote(path)

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        async with self.http.request(
            method, self._url(path), json=json, params=params, headers=_auth(self.server.token)
        ) as answer:
            await _check(self._target, answer)
            if answer.status == 204:
                return None
            return await answer.json(content_type=None)

    @asynccontextmanager
    async def download(self, path: str) -> AsyncIterator[aiohttp.ClientResponse]:
        async with self.http.get(self._url(path), headers=_auth(self.server.token)) as answer:
            await _check(self._target, answer)
            yield answer

    async def ws_connect(self, path: str) -> aiohttp.ClientWebSocketResponse:
        return await self.http.ws_connect(
            self._url(path), headers={**_auth(self.server.token), "Origin": self.server.url}
        )


async def _check(target: str, answer: aiohttp.ClientResponse) -> None:
    if answer.status < 400:
        return
    try:
        body = await answer.json(content_type=None)
        reason = str(body.get("message") or body.get("reason") or answer.reason)
    except (ValueError, aiohttp.ClientError, AttributeError):
        reason = str(answer.reason)
    raise JupyterHttpError(target, answer.status, reason)
