"""The embedded AWS's HTTP endpoint: moto's WSGI application on a thread, behind a guard.

moto's server also answers its own API under ``/moto-api/`` (a dashboard, the account's whole
state as JSON, a request recorder that writes a file into the working directory, seeding of
moto's random generator...) and, through flask-cors, echoes any ``Origin`` in CORS headers, so
any web page could read the fake account and any other of its answers. sagedeck needs none of
that: the guard answers ``/moto-api/`` with 404, except the one call sagedeck's tests use, and
refuses a request from a browser page of another origin with 403 (AWS SDKs send no ``Origin``);
CORS headers go only to pages of its own origin.

A page can still reach the endpoint by DNS rebinding: its own host name, re-pointed at
127.0.0.1, makes the endpoint its same origin (no ``Origin`` header is sent then). Its requests
carry that name in ``Host``, so only loopback names (and the host the server was started on) are
answered. Any port is: a proxy in front (the fault proxy, an SSH tunnel) passes on the ``Host``
its client sent, and must, since SigV4 signs it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

# moto's dispatcher sends every path that starts with this (and /favicon.ico) to its own API.
MOTO_API_PREFIX = "/moto-api"
# POST /moto-api/reset-auth turns moto's IAM enforcement on and off: the tests of partly denied
# calls use it. (Resetting the account is LocalAws.reset(), in process.)
ALLOWED_MOTO_API = frozenset({("POST", "/moto-api/reset-auth")})

# The names a client on this machine reaches the endpoint by, as they appear in ``Host``.
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
# A Host header: a name (or [IPv6]) and an optional port.
_HOST = re.compile(r"(?P<name>\[[0-9A-Fa-f:.]+\]|[^:\[\]]+)(?::[0-9]{1,5})?")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class Guard:
    """WSGI middleware in front of moto: only AWS's APIs, only for callers that address this
    machine and are not pages of another origin. ``origin`` is set once the server knows its
    port; ``host`` is the name it was started on."""

    def __init__(self, app: WsgiApp, origin: str = "", host: str = "127.0.0.1") -> None:
        self.app = app
        self.origin = origin
        self.names = LOOPBACK_NAMES | {_bracketed(host).lower()}

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        refusal = self._refusal(environ)
        if refusal is not None:
            return _refuse(start_response, *refusal)
        origin = environ.get("HTTP_ORIGIN")
        return self.app(environ, self._cors(origin, start_response))

    def _refusal(self, environ: Environ) -> tuple[str, str] | None:
        """(status, one-line reason) for a request the guard answers itself, else None."""
        host = environ.get("HTTP_HOST")
        if not self.serves_host(host):
            shown = "no Host header" if host is None else f"the host {_printable(host)}"
            return (
                "403 Forbidden",
                f"A request for {shown} is refused: sagedeck's embedded AWS answers only "
                f"requests addressed to {', '.join(sorted(self.names))} (DNS rebinding guard).",
            )
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "")
        if (path.startswith(MOTO_API_PREFIX) or path == "/favicon.ico") and (
            method,
            path,
        ) not in ALLOWED_MOTO_API:
            return (
                "404 Not Found",
                f"{method} {_printable(path)} is not served: sagedeck's embedded AWS answers "
                "AWS's APIs (and POST /moto-api/reset-auth), not the rest of moto's own API.",
            )
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin != self.origin:
            return (
                "403 Forbidden",
                f"A request from the web origin {_printable(origin)} is refused: sagedeck's "
                f"embedded AWS answers only its own origin, {self.origin}.",
            )
        return None

    def serves_host(self, host: str | None) -> bool:
        """Whether a ``Host`` header names this machine as its clients know it."""
        match = _HOST.fullmatch(host or "")
        return match is not None and match.group("name").lower() in self.names

    def _cors(self, origin: str | None, start_response: StartResponse) -> StartResponse:
        """CORS headers only for a page of the endpoint's own origin, naming that origin
        (moto's API answers ``*`` whoever asks)."""

        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            if origin is not None:
                kept += [
                    (k, v)
                    for k, v in headers
                    if k.lower().startswith("access-control-")
                    and k.lower() != "access-control-allow-origin"
                ]
                kept.append(("Access-Control-Allow-Origin", origin))
            return start_response(status, kept, *exc_info)

        return start


def _bracketed(host: str) -> str:
    """``host`` as a Host header writes it: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _printable(text: str, limit: int = 200) -> str:
    """A header value shown in a one-line answer: visible characters only, and not too many."""
    shown = "".join(c if c.isprintable() else "?" for c in text[:limit])
    return shown + ("..." if len(text) > limit else "")


def _refuse(start_response: StartResponse, status: str, message: str) -> list[bytes]:
    body = (message + "\n").encode()
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


class GuardedMotoServer:
    """moto's ThreadedMotoServer, with the :class:`Guard` in front of its application."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        guard = Guard(DomainDispatcherApplication(create_backend_app), host=self._host)
        self._server = make_server(
            self._host, self._port, guard, threaded=True, request_handler=MotoRequestHandler
        )
        guard.origin = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="localaws", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{_bracketed(host)}:{port}"

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
