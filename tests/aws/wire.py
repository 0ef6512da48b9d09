"""A tiny HTTP server that answers AWS calls with AWS's own error wire formats.

The embedded AWS cannot be told to deny one IAM call, throttle, or reject a session token on
demand; this server can. botocore parses its answers exactly as it parses AWS's, so the
``ClientError`` the AWS layer translates is a real one, from a real HTTP response.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    content_type: str = "application/x-amz-json-1.1"


def json_error(code: str, message: str, status: int = 400) -> Reply:
    """The JSON protocol's error (SageMaker, CloudWatch Logs, SSM)."""
    return Reply(status, json.dumps({"__type": code, "message": message}))


def query_error(code: str, message: str, status: int = 403) -> Reply:
    """The query protocol's error (IAM, STS)."""
    body = (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>4c1ab2b8-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    )
    return Reply(status, body, "text/xml")


def ec2_error(code: str, message: str, status: int = 403) -> Reply:
    """The EC2 protocol's error."""
    body = (
        f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
        "</Errors><RequestID>4c1ab2b8-0000-0000-0000-000000000000</RequestID></Response>"
    )
    return Reply(status, body, "text/xml")


def query_ok(action: str, inner: str) -> Reply:
    """A successful IAM query-protocol answer."""
    body = (
        f'<{action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        f"<{action}Result>{inner}</{action}Result>"
        "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )
    return Reply(200, body, "text/xml")


def json_ok(payload: object) -> Reply:
    return Reply(200, json.dumps(payload))


Responder = Callable[[str, str], Reply]  # (action, request body) -> reply


@dataclass
class WireServer:
    """Answers each action (``ListNotebookInstances``, ``GetRole``…) with ``replies[action]``."""

    replies: dict[str, Reply | Responder] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    url: str = ""

    def reply_for(self, action: str, body: str, region: str = "") -> Reply:
        """``replies["Action@region"]`` if there is one, else ``replies["Action"]``."""
        self.calls.append(action)
        reply = self.replies.get(f"{action}@{region}") or self.replies.get(action)
        if reply is None:
            return json_error("InternalFailure", f"the wire server has no reply for {action}", 500)
        return reply if isinstance(reply, Reply) else reply(action, body)


def _action(handler: BaseHTTPRequestHandler, body: bytes) -> str:
    target = handler.headers.get("X-Amz-Target")
    if target:  # JSON protocol: "SageMaker.ListNotebookInstances"
        return target.rsplit(".", 1)[-1]
    form = parse_qs(body.decode("utf-8"))  # query protocol: Action=GetRole&...
    return form.get("Action", [""])[0]


def _region(handler: BaseHTTPRequestHandler) -> str:
    """The region the request was signed for: SigV4's credential scope names it."""
    scope = re.search(r"Credential=[^/]+/\d+/([^/]+)/", handler.headers.get("Authorization", ""))
    return scope.group(1) if scope else ""


@contextmanager
def wire_server(replies: Mapping[str, Reply | Responder] | None = None) -> Iterator[WireServer]:
    state = WireServer(dict(replies or {}))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            reply = state.reply_for(_action(self, body), body.decode("utf-8"), _region(self))
            data = reply.body.encode("utf-8")
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "4c1ab2b8-0000-0000-0000-000000000000")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="wire-server", daemon=True
    )
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
