"""Forwarding one signed-in request (HTTP or websocket) to an instance's Jupyter server."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web

from .identity import SECRET_HEADER

# Headers that belong to one connection (RFC 9110 7.6.1), never forwarded; and the ones aiohttp
# sets itself for the body it sends.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
WEBSOCKET_HEADERS = frozenset(
    {"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions"}
)
BACKEND_URL = "http://127.0.0.1"  # over the Unix socket; Jupyter wants a local Host


def forwarded_headers(request: web.Request, secret: str, session_cookie: str) -> dict[str, str]:
    """The client's headers for Jupyter: ``Host`` and ``Origin`` as the client sent them (Jupyter
    checks one against the other), its cookies but the gateway's own, plus the gateway's secret."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        lower = name.lower()
        if lower in HOP_BY_HOP or lower in WEBSOCKET_HEADERS or lower == SECRET_HEADER.lower():
            continue
        if lower == "cookie":
            value = _without_cookie(value, session_cookie)
            if not value:
                continue
        headers[name] = value
    headers[SECRET_HEADER] = secret
    return headers


def _without_cookie(header: str, name: str) -> str:
    kept = [part.strip() for part in header.split(";") if part.strip().split("=", 1)[0] != name]
    return "; ".join(part for part in kept if part)


async def forward_http(
    request: web.Request, backend: aiohttp.ClientSession, headers: dict[str, str]
) -> web.StreamResponse:
    body = request.content if request.body_exists else None
    async with backend.request(
        request.method,
        BACKEND_URL + request.rel_url.raw_path_qs,
        headers=headers,
        data=body,
        allow_redirects=False,
    ) as answer:
        response = web.StreamResponse(status=answer.status, reason=answer.reason)
        for name, value in answer.headers.items():
            if name.lower() not in HOP_BY_HOP:
                response.headers.add(name, value)
        if answer.headers.get("Content-Length") is not None:
            response.content_length = int(answer.headers["Content-Length"])
        await response.prepare(request)
        async for chunk in answer.content.iter_chunked(64 * 1024):
            await response.write(chunk)
        await response.write_eof()
        return response


async def forward_websocket(
    request: web.Request, backend: aiohttp.ClientSession, headers: dict[str, str]
) -> web.StreamResponse:
    """Connect to Jupyter first (so its refusal, e.g. of a foreign ``Origin``, is the client's
    answer), then pass frames both ways until either side closes."""
    try:
        upstream = await backend.ws_connect(
            BACKEND_URL + request.rel_url.raw_path_qs,
            headers=headers,
            autoping=True,
            max_msg_size=0,
        )
    except aiohttp.WSServerHandshakeError as refused:
        return web.Response(status=refused.status, text=f"{refused.message}\n")
    client = web.WebSocketResponse(autoping=True, max_msg_size=0)
    await client.prepare(request)
    async with upstream:
        pumps = [
            asyncio.create_task(_pump(client, upstream)),
            asyncio.create_task(_pump(upstream, client)),
        ]
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
    await client.close()
    return client


async def _pump(source: Any, target: Any) -> None:
    async for message in source:
        if message.type is WSMsgType.TEXT:
            await target.send_str(message.data)
        elif message.type is WSMsgType.BINARY:
            await target.send_bytes(message.data)
        else:
            break
