"""The fault proxy forwards only to its upstream and holds only bounded bodies.

Requests are written byte for byte on a socket: HTTP clients will not send the request targets
an open relay is abused with.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sagedeck.devtools.faultproxy import FaultProxy
from sagedeck.devtools.faultproxy.http import MAX_BODY

CAP = 64 * 1024  # the tests' proxies: small enough to go over it cheaply


class Decoy(BaseHTTPRequestHandler):
    """Another server on the machine: it counts what reaches it and, as an upstream, answers
    ``/small``, ``/big`` (over the cap, with a length) and ``/stream`` (over it, chunked)."""

    protocol_version = "HTTP/1.1"
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        if self.path == "/stream":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"y" * 8192
            for _ in range(2 * CAP // len(chunk)):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
            return
        body = b"x" * (CAP + 1 if self.path == "/big" else 10)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def decoy() -> Iterator[tuple[int, list[str]]]:
    """The decoy's port and the paths that reached it."""
    hits: list[str] = []
    handler = type("CountingDecoy", (Decoy,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def guarded(upstream: tuple[str, tuple[str, ...]]) -> Iterator[FaultProxy]:
    """A proxy in front of the embedded AWS with a small body cap."""
    with FaultProxy(upstream[0], max_body=CAP) as proxy:
        yield proxy


def exchange(proxy: FaultProxy, raw: bytes) -> tuple[int | None, bytes]:
    """Send ``raw``; the status and body of the answer (None: the connection just ended)."""
    received = b""
    with socket.create_connection((proxy.host, proxy.port), timeout=10) as sock:
        sock.sendall(raw)
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    if not received.startswith(b"HTTP/1.1 "):
        return None, received
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def request(method: str, target: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def test_an_origin_form_target_is_forwarded(guarded: FaultProxy) -> None:
    status, body = exchange(guarded, request("GET", "/"))
    assert status == 200  # the embedded AWS's S3 ListBuckets
    assert b"ListAllMyBucketsResult" in body
    assert guarded.stats().forwarded == 1


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("GET", "http://127.0.0.1:{port}/absolute"),  # absolute form
        ("GET", "@127.0.0.1:{port}/userinfo"),  # upstream + target: http://up:4566@127.0.0.1:..
        ("GET", ".evil@127.0.0.1:{port}/dotted"),
        ("CONNECT", "127.0.0.1:{port}"),  # authority form
        ("GET", "//127.0.0.1:{port}/network-path"),
        ("OPTIONS", "*"),  # asterisk form
        ("GET", "/fragment#x"),
    ],
)
def test_any_other_target_is_refused(
    guarded: FaultProxy, decoy: tuple[int, list[str]], method: str, target: str
) -> None:
    port, hits = decoy
    status, body = exchange(guarded, request(method, target.format(port=port)))
    assert status == 400
    assert body.startswith(b"only origin-form request targets (/path?query) are forwarded")
    assert hits == []
    assert guarded.stats().forwarded == 0


def test_a_request_body_over_the_cap_is_413(guarded: FaultProxy) -> None:
    over = request("POST", "/", f"Content-Length: {CAP + 1}", body=b"x" * (CAP + 1))
    status, body = exchange(guarded, over)
    assert status == 413
    assert body == f"request body of {CAP + 1} bytes is over the proxy's {CAP}\n".encode()
    chunked = request(
        "POST", "/", "Transfer-Encoding: chunked", body=b"%x\r\n" % (CAP + 1) + b"x" * (CAP + 1)
    )
    assert exchange(guarded, chunked)[0] == 413
    assert guarded.stats().forwarded == 0
    at_cap = request("POST", "/", f"Content-Length: {CAP}", body=b"x" * CAP)
    assert exchange(guarded, at_cap)[0] not in (None, 413)
    assert guarded.stats().forwarded == 1


def test_the_default_cap_is_16_mib(upstream: tuple[str, tuple[str, ...]]) -> None:
    assert MAX_BODY == 16 * 1024 * 1024
    with FaultProxy(upstream[0]) as proxy:
        assert proxy.max_body == MAX_BODY
        # Refused on the header alone: the proxy does not wait for (or hold) the body.
        status, _ = exchange(proxy, request("POST", "/", f"Content-Length: {MAX_BODY + 1}"))
        assert status == 413


def test_a_response_body_over_the_cap_is_not_passed_on(decoy: tuple[int, list[str]]) -> None:
    port, hits = decoy
    with FaultProxy(f"http://127.0.0.1:{port}", max_body=CAP) as proxy:
        assert exchange(proxy, request("GET", "/small")) == (200, b"x" * 10)
        status, body = exchange(proxy, request("GET", "/big"))
        assert status == 502
        assert body == f"upstream response of {CAP + 1} bytes is over the proxy's {CAP}\n".encode()
        # A stream's head has gone out when it crosses the cap: the connection is cut.
        status, streamed = exchange(proxy, request("GET", "/stream"))
        assert status == 200
        assert len(streamed) < 2 * CAP
        assert not streamed.endswith(b"0\r\n\r\n")
    assert hits == ["/small", "/big", "/stream"]
