"""The embedded AWS's notebook front end: the presigned URL's sign-in, then a proxy to Jupyter.

It behaves as CreatePresignedNotebookInstanceUrl's ``AuthorizedUrl`` does: the URL's
``authToken`` is good for one sign-in within 5 minutes; the sign-in sets a session cookie and
redirects to ``/tree`` (or ``/lab`` with ``view=lab``); the session lasts the
``SessionExpirationDurationInSeconds`` asked for. After that every request and websocket with the
cookie reaches the instance's Jupyter server, and Jupyter enforces XSRF and websocket ``Origin``
itself. An unknown, used or expired token answers 403; an instance that is not InService is
unreachable (502), as its host is on AWS.

Each instance is served under the path ``/<its notebook host>/`` (Jupyter's ``base_url``), so its
cookies (scoped to that path) never mix with another instance's. Times are the simulator's
(``state.CLOCK``), so a test expires a URL by stepping the simulator.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from ..state import CLOCK
from .proxy import forward_http, forward_websocket, forwarded_headers
from .servers import JupyterServers

log = logging.getLogger(__name__)

URL_VALID_SECONDS = 300  # AWS: the AuthorizedUrl must be used within 5 minutes
SESSION_COOKIE = "sagemaker-local-session"
REAP_INTERVAL_SECONDS = 1.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})

# (region, name) -> the instance's status, "" when it does not exist.
StatusOf = Callable[[str, str], str]


@dataclass(frozen=True, slots=True)
class Grant:
    """What one presigned URL's token allows: one sign-in to one instance, until ``expires``."""

    host: str
    region: str
    name: str
    expires: float
    session_seconds: int


@dataclass(frozen=True, slots=True)
class SignedIn:
    host: str
    expires: float


class JupyterGateway:
    """The sign-in and proxy server, on its own thread and event loop."""

    def __init__(self, status_of: StatusOf, bind: str = "127.0.0.1") -> None:
        self._status_of = status_of
        self._bind = bind
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}
        self._sessions: dict[str, SignedIn] = {}
        self._instances: dict[str, tuple[str, str]] = {}  # host -> (region, name)
        self._directory: tempfile.TemporaryDirectory[str] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._servers: JupyterServers | None = None
        self._reaper: asyncio.Task[None] | None = None
        self.url = ""

    # --- lifecycle (any thread) ----------------------------------------------------------------

    def start(self) -> None:
        self._directory = tempfile.TemporaryDirectory(prefix="sagedeck-notebooks-")
        self._servers = JupyterServers(Path(self._directory.name))
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(
            target=loop.run_forever, name="sagedeck-jupyter-gateway", daemon=True
        )
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), loop).result()

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shut_down(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
        self._loop = self._thread = None
        if self._directory is not None:
            self._directory.cleanup()
            self._directory = None

    @property
    def servers(self) -> JupyterServers:
        if self._servers is None:
            raise RuntimeError("the Jupyter gateway is not running")
        return self._servers

    def sign_in_url(self, host: str, region: str, name: str, session_seconds: int) -> str:
        """A fresh presigned URL for the instance at ``host`` (a credential: never logged)."""
        token = secrets.token_urlsafe(340)  # as long as a real signed token, roughly
        grant = Grant(host, region, name, CLOCK.now() + URL_VALID_SECONDS, session_seconds)
        with self._lock:
            self._grants[token] = grant
            self._instances[host] = (region, name)
        return f"{self.url}/{host}?authToken={token}"

    def end_sessions(self, host: str) -> None:
        with self._lock:
            for key in [k for k, s in self._sessions.items() if s.host == host]:
                del self._sessions[key]

    # --- the server (the gateway's loop) -------------------------------------------------------

    async def _serve(self) -> None:
        app = web.Application(client_max_size=0)
        app.router.add_route("*", "/{host}", self._sign_in)
        app.router.add_route("*", "/{host}/{tail:.*}", self._proxy)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self._bind, 0)
        await site.start()
        port = runner.addresses[0][1]
        self.url = f"http://{self._bind}:{port}"
        self._runner = runner
        self._reaper = asyncio.create_task(self._reap())

    async def _shut_down(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        await self.servers.stop_all()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _reap(self) -> None:
        """Stop the server of an instance that left InService (stopped, deleted, reset away)."""
        while True:
            await asyncio.sleep(REAP_INTERVAL_SECONDS)
            for host in self.servers.running_hosts():
                if self._in_service(host) is None:
                    self.end_sessions(host)
                    await self.servers.stop(host)

    def _in_service(self, host: str) -> tuple[str, str] | None:
        with self._lock:
            instance = self._instances.get(host)
        if instance is None or self._status_of(*instance) != "InService":
            return None
        return instance

    async def _sign_in(self, request: web.Request) -> web.StreamResponse:
        refused = _refuse_host(request)
        if refused is not None:
            return refused
        host = request.match_info["host"]
        token = request.query.get("authToken", "")
        with self._lock:
            grant = self._grants.pop(token, None)  # one use, whatever happens next
        if grant is None or grant.host != host or grant.expires < CLOCK.now():
            return _text(403, "Invalid or expired auth token.")
        if self._in_service(host) is None:
            return _unreachable(grant.name)
        try:
            await self.servers.ensure(host, grant.region, grant.name)
        except OSError as failed:
            return _text(502, f"The Jupyter server of {grant.name} did not start: {failed}")
        session = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[session] = SignedIn(host, CLOCK.now() + grant.session_seconds)
        page = "lab" if request.query.get("view") == "lab" else "tree"
        response = web.Response(status=302, headers={"Location": f"/{host}/{page}"})
        response.set_cookie(
            SESSION_COOKIE,
            session,
            path=f"/{host}/",
            httponly=True,
            samesite="Lax",
            max_age=grant.session_seconds,
        )
        return response

    async def _proxy(self, request: web.Request) -> web.StreamResponse:
        refused = _refuse_host(request)
        if refused is not None:
            return refused
        host = request.match_info["host"]
        if not self._signed_in(request, host):
            return _text(403, "Your session has expired or is not signed in.")
        instance = self._in_service(host)
        if instance is None:
            return _unreachable(host.split(".", 1)[0])
        try:
            server = await self.servers.ensure(host, *instance)
        except OSError as failed:
            return _text(502, f"The Jupyter server did not start: {failed}")
        headers = forwarded_headers(request, server.secret, SESSION_COOKIE)
        try:
            if request.headers.get("Upgrade", "").lower() == "websocket":
                return await forward_websocket(request, server.client, headers)
            return await forward_http(request, server.client, headers)
        except (aiohttp.ClientConnectionError, ConnectionResetError):
            # The server went away mid-request (the instance stopped): as on AWS, unreachable.
            if request.headers.get("Upgrade", "").lower() == "websocket":
                raise
            return _unreachable(host.split(".", 1)[0])

    def _signed_in(self, request: web.Request, host: str) -> bool:
        with self._lock:
            session = self._sessions.get(request.cookies.get(SESSION_COOKIE, ""))
            if session is not None and session.expires < CLOCK.now():
                self._sessions = {k: s for k, s in self._sessions.items() if s is not session}
                session = None
        return session is not None and session.host == host


def _refuse_host(request: web.Request) -> web.Response | None:
    """As the embedded AWS's endpoint: only requests addressed to this machine by a loopback
    name are answered (a web page re-pointing its own name here by DNS rebinding is not)."""
    name = (request.host or "").rsplit(":", 1)[0].lower()
    if name in LOOPBACK_HOSTS:
        return None
    return _text(403, "Requests are answered only for 127.0.0.1 and localhost.")


def _unreachable(name: str) -> web.Response:
    return _text(502, f"The notebook instance {name} is not InService: its server is unreachable.")


def _text(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=message + "\n")
