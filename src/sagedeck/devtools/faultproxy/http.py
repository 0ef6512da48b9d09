"""Just enough HTTP/1.1 for the fault proxy: read a request, write a response."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from http import HTTPStatus

MAX_HEAD = 64 * 1024
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


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request on the connection, or None when the client closed it."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as err:
        if err.partial.strip():
            raise ValueError("connection closed inside a request head") from None
        return None
    except asyncio.LimitOverrunError:
        raise ValueError("request head too large") from None
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    lower = {k.lower(): v for k, v in headers}
    if "chunked" in lower.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(lower.get("content-length", "0") or 0))
    return Request(method, target, version, tuple(headers), body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def write_head(
    writer: asyncio.StreamWriter,
    status: int,
    headers: tuple[tuple[str, str], ...],
    length: int | None,
    reason: str | None = None,
) -> None:
    """The status line and headers; ``length`` None means a chunked body follows."""
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
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()


async def write_response(
    writer: asyncio.StreamWriter,
    status: int,
    headers: tuple[tuple[str, str], ...],
    body: bytes,
    reason: str | None = None,
) -> None:
    await write_head(writer, status, headers, len(body), reason)
    writer.write(body)
    await writer.drain()
