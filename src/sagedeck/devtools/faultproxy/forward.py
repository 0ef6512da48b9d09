"""Passing one request to the upstream and its answer back, within the proxy's body cap; and
the TCP reset with which the proxy drops a connection."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Callable

import aiohttp

from sagedeck.devtools.faultproxy.http import (
    Refused,
    Request,
    upstream_url,
    write_head,
    write_response,
)


async def forward(
    client: aiohttp.ClientSession,
    upstream: str,
    request: Request,
    writer: asyncio.StreamWriter,
    *,
    max_body: int,
    answered: Callable[[], None],
) -> bool:
    """Send ``request`` to ``upstream`` and its answer to the client; False when the
    connection must end. ``answered`` runs once the upstream has answered."""
    url = upstream_url(upstream, request.target)
    try:
        async with client.request(
            request.method,
            url,
            headers=request.forward_headers(),
            data=request.body,
            allow_redirects=False,
            skip_auto_headers=("Accept-Encoding", "User-Agent", "Content-Type"),
        ) as response:
            answered()
            headers = tuple(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers
            )
            if (response.content_length or 0) > max_body:
                raise Refused(
                    502,
                    f"upstream response of {response.content_length} bytes is over the "
                    f"proxy's {max_body}",
                )
            if response.content_length is not None or request.method == "HEAD":
                body = await response.read()
                await write_response(writer, response.status, headers, body, reason=response.reason)
            elif not await _stream(response, headers, writer, max_body):
                return False
    except (TimeoutError, aiohttp.ClientConnectionError):
        # The upstream is down: to the client that looks like the endpoint went away.
        abort(writer)
        return False
    return request.keep_alive


async def _stream(
    response: aiohttp.ClientResponse,
    headers: tuple[tuple[str, str], ...],
    writer: asyncio.StreamWriter,
    max_body: int,
) -> bool:
    """Pass a stream (e.g. StartLiveTail) on as it comes; cut it (False) past ``max_body``:
    its head is sent already, so the client sees the connection drop."""
    await write_head(writer, response.status, headers, None, response.reason)
    total = 0
    async for chunk in response.content.iter_any():
        total += len(chunk)
        if total > max_body:
            abort(writer)
            return False
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    return True


def abort(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed server or a middlebox would."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
