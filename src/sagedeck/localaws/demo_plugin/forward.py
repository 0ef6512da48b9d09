"""The demo plugin's port forward: a local HTTP page standing in for Jupyter/TensorBoard."""

from __future__ import annotations

import html
import os
import signal
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NAME_TAG = "SSHResourceName"


def notebook_name(session: Mapping[str, Any]) -> str:
    """The notebook the node is registered for, read from its tags as sagedeck reads them;
    the node id when that fails (the page is a demo, not a reason to fail)."""
    target = str(session["target"])
    try:
        import boto3
        from botocore.config import Config

        client = boto3.session.Session(profile_name=session["profile"] or None).client(
            "ssm",
            region_name=session["region"],
            endpoint_url=session["endpoint"],
            config=Config(connect_timeout=2, read_timeout=2, retries={"total_max_attempts": 1}),
        )
        tags = client.list_tags_for_resource(ResourceType="ManagedInstance", ResourceId=target)
        for tag in tags.get("TagList", ()):
            if tag["Key"] == NAME_TAG:
                return str(tag["Value"])
    except Exception:
        pass
    return target


def page(name: str, remote: int, session_id: str) -> bytes:
    what = {8888: "Jupyter", 6006: "TensorBoard"}.get(remote, "a server")
    title = html.escape(f"demo {what} on {name}:{remote}")
    body = (
        f"<!doctype html><title>{title}</title><h1>{title}</h1>"
        f"<p>Served by sagedeck's stand-in session-manager-plugin (session "
        f"{html.escape(session_id)}). With the real plugin this port would lead to port "
        f"{remote} on the notebook instance.</p>"
    )
    return body.encode()


def serve(session: Mapping[str, Any], remote: int, local: int) -> int:
    sid = str(session["session_id"])
    cache: list[bytes] = []
    lock = threading.Lock()

    def content() -> bytes:
        """Built on the first request: listening does not wait for the name lookup."""
        with lock:
            if not cache:
                cache.append(page(notebook_name(session), remote, sid))
            return cache[0]

    parent = os.getppid()

    class Server(ThreadingHTTPServer):
        def service_actions(self) -> None:
            # sagedeck killed outright (SIGKILL) cannot end its forwards: the stand-in then
            # ends itself rather than listen forever (the real plugin ends with its session).
            if os.getppid() != parent:
                raise SystemExit(0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = content()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            print(f"Connection accepted for session [{sid}]", flush=True)

    print(f"\nStarting session with SessionId: {sid}", flush=True)
    try:
        server = Server(("127.0.0.1", local), Handler)
    except OSError as err:
        print(f"listen tcp 127.0.0.1:{local}: {err.strerror or err}", file=sys.stderr)
        return 1
    port = server.server_address[1]

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(0)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    print(f"Port {port} opened for sessionId {sid}.", flush=True)
    print("Waiting for connections...\n", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        print(f"\n\nExiting session with sessionId: {sid}.\n", flush=True)
    return 0
