"""Just enough HTTP/1.1 for the fault proxy: read a request, write a response.

A proxy that forwards whatever target it is sent is an open relay: ``GET http://other/`` or a
target that turns ``upstream + target`` into ``http://127.0.0.1:4566@other/`` would reach another
server. Only origin-form targets (``/path?query``) are read; anything else, and a body over
:data:`MAX_BODY`, is answered here (400, 413) and the connection closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass
from http import HTTPStatus

from yarl import URL

MAX_HEAD = 64 * 1024
# The largest request or response body the proxy holds: far above any call sagedeck makes (a
# GetLogEvents page is at most 1 MB of messages), small enough that a client cannot make the
# proxy hold gigabytes.
MAX_BODY = 16 * 1024 * 1024
# How long a refused client may go on sending before the connection closes: closing with its
# data unread would reset the connection, and the client could lose the answer.
LINGER_SECONDS = 2.0
# Origin form: an absolute path and query, in visible ASCII. "//" would start an authority.
_ORIGIN_FORM = re.compile(r"/(?!/)[!-~]*")
# Headers that describe one hop, not the message: never forwarded as they are.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)


class Refused(Exception):
    """A request the proxy answers itself (``status``, a one-line ``message``) without
    forwarding it; the connection then closes, since its body may be left unread."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_target(target: str) -> None:
    """Refuse (400) any request target but origin form: absolute form (``http://host/``),
    authority form (``host:443``), asterisk form (``*``), ``//host``, spaces or controls."""
    if _ORIGIN_FORM.fullmatch(target) is None or "#" in target:
        shown = target if len(target) <= 200 else target[:200] + "..."
        raise Refused(
            400, f"only origin-form request targets (/path?query) are forwarded, not {shown!r}"
        )


def upstream_url(upstream: str, target: str) -> str:
    """``upstream + target``, refused (400) unless it still names the upstream's origin."""
    url = upstream + target
    if URL(url, encoded=True).origin() != URL(upstream).origin():
        raise Refused(400, f"the request target {target!r} would leave {upstream}")
    return url


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    target: str  # path and query, as sent
    version: str
    raw_headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def headers(self) -> dict[str, str]:
        """Lower-cased names; a repeated header keeps its last value."""
        return {k.lower(): v for k, v in self.raw_headers}

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"

    def forward_headers(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.raw_headers if k.lower() not in HOP_BY_HOP]


async def read_request(reader: asyncio.StreamReader, max_body: int = MAX_BODY) -> Request | None:
    """The next request on the connection, or None when the client closed it; raises
    :class:`Refused` for a request the proxy will not forward."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as err:
        if err.partial.strip():
            raise ValueError("connection closed inside a request head") from None
        return None
    except asyncio.LimitOverrunError:
        raise ValueError("request head too large") from None
    lines = head.decode("latin-1").split("\r\n")
    request_line = lines[0].split(" ")
    if len(request_line) != 3:
        raise Refused(400, "malformed request line")
    method, target, version = request_line
    check_target(target)
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    lower = {k.lower(): v for k, v in headers}
    if "chunked" in lower.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader, max_body)
    else:
        body = await reader.readexactly(_content_length(lower.get("content-length"), max_body))
    return Request(method, target, version, tuple(headers), body)


def _content_length(value: str | None, max_body: int) -> int:
    if not value:
        return 0
    if not value.isdigit():
        raise Refused(400, f"bad Content-Length {value[:40]!r}")
    length = int(value)
    if length > max_body:
        raise Refused(413, f"request body of {length} bytes is over the proxy's {max_body}")
    return length


async def _read_chunked(reader: asyncio.StreamReader, max_body: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return b"".join(parts)
        total += size
        if total > max_body:
            raise Refused(413, f"request body over the proxy's {max_body} bytes")
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def write_head(
    writer: asyncio.StreamWriter,
    status: int,
    headers: tuple[tuple[str, str], ...],
    length: int | None,
    reason: str | None = None,
    *,
    close: bool = False,
) -> None:
    """The status line and headers; ``length`` None means a chunked body follows, ``close``
    that the connection ends after this response."""
    if reason is None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in HOP_BY_HOP]
    lines.append(
        f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    )
    if close:
        lines.append("Connection: close")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()


async def write_response(
    writer: asyncio.StreamWriter,
    status: int,
    headers: tuple[tuple[str, str], ...],
    body: bytes,
    reason: str | None = None,
    *,
    close: bool = False,
) -> None:
    await write_head(writer, status, headers, len(body), reason, close=close)
    writer.write(body)
    await writer.drain()


async def answer_refused(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, refused: Refused
) -> None:
    """Send ``refused``'s answer, then drop what the client still sends for a moment before
    the connection closes (see :data:`LINGER_SECONDS`)."""
    body = (refused.message + "\n").encode()
    headers = (("Content-Type", "text/plain; charset=utf-8"),)
    with contextlib.suppress(ConnectionError, TimeoutError, ValueError):
        await write_response(writer, refused.status, headers, body, close=True)
        writer.write_eof()
        async with asyncio.timeout(LINGER_SECONDS):
            while await reader.read(64 * 1024):
                pass
