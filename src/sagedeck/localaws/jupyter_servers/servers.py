"""The running Jupyter servers, one per InService instance, started on first use."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from .identity import SECRET_HEADER
from .process import JupyterProcess
from .proxy import BACKEND_URL
from .roots import InstanceHome

READY_TIMEOUT_SECONDS = 60.0
READY_POLL_SECONDS = 0.05


@dataclass
class RunningServer:
    process: JupyterProcess
    client: aiohttp.ClientSession  # over the server's Unix socket
    started_in: float  # seconds from launch to its first answer

    @property
    def secret(self) -> str:
        return self.process.secret


class JupyterServers:
    """Servers by notebook host; every instance's home under ``directory``."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._running: dict[str, RunningServer] = {}
        self._starting: dict[str, asyncio.Lock] = {}
        # Every process launched and not yet stopped, ready or still starting: a shutdown
        # during a server's start must not leave it running.
        self._launched: list[JupyterProcess] = []
        self._closed = False

    def running_hosts(self) -> list[str]:
        return list(self._running)

    def get(self, host: str) -> RunningServer | None:
        return self._running.get(host)

    async def ensure(self, host: str, region: str, name: str) -> RunningServer:
        """The instance's server, started (and waited for) if it is not running."""
        lock = self._starting.setdefault(host, asyncio.Lock())
        async with lock:
            server = self._running.get(host)
            if server is not None and server.process.running:
                return server
            if server is not None:  # it died: start it again
                await self.stop(host)
            if self._closed:
                raise OSError("the embedded AWS is shutting down")
            home = InstanceHome.create(self._directory, region, name)
            process = JupyterProcess(home, f"/{host}/")
            launched = time.monotonic()
            process.start()
            self._launched.append(process)
            client = aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=str(process.socket_path)),
                auto_decompress=False,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
            )
            server = RunningServer(process, client, 0.0)
            try:
                await _wait_ready(server, host)
            except BaseException:
                await client.close()
                await self._stop_process(process)
                raise
            server.started_in = time.monotonic() - launched
            self._running[host] = server
            return server

    async def stop(self, host: str) -> None:
        server = self._running.pop(host, None)
        if server is not None:
            await server.client.close()
            await self._stop_process(server.process)

    async def _stop_process(self, process: JupyterProcess) -> None:
        self._launched = [launched for launched in self._launched if launched is not process]
        await asyncio.to_thread(process.stop)

    async def stop_all(self) -> None:
        """Stop every server, those still starting too; start none after this."""
        self._closed = True
        await asyncio.gather(*(self.stop(host) for host in list(self._running)))
        starting, self._launched = self._launched, []
        await asyncio.gather(*(asyncio.to_thread(process.stop) for process in starting))


async def _wait_ready(server: RunningServer, host: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    url = f"{BACKEND_URL}/{host}/api/status"
    while time.monotonic() < deadline:
        if not server.process.running:
            raise OSError("the server process exited (see its jupyter-server.log)")
        try:
            async with server.client.get(url, headers={SECRET_HEADER: server.secret}) as answer:
                if answer.status == 200:
                    return
        except (aiohttp.ClientConnectionError, FileNotFoundError):
            pass
        await asyncio.sleep(READY_POLL_SECONDS)
    raise OSError(f"no answer within {READY_TIMEOUT_SECONDS:.0f} s")
