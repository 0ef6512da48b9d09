"""A :class:`~sagedeck.jupyter.link.JupyterLink` to an instance's Jupyter server, signed in
through a fresh presigned URL (``sagedeck.jupyter.session``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp

from sagedeck.jupyter.link import JupyterHttpError, JupyterLink
from sagedeck.jupyter.session import JupyterSession

if TYPE_CHECKING:
    from sagedeck.aws.services import AwsServices
    from sagedeck.models import NotebookKey


class SessionLink:
    """The link over a :class:`JupyterSession` (its cookies, XSRF and renewal)."""

    def __init__(self, session: JupyterSession) -> None:
        self.session = session

    @property
    def target(self) -> str:
        return self.session.notebook.name

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        status, body = await self.session.request(method, _relative(path), json=json, params=params)
        if status >= 400:
            raise JupyterHttpError(self.target, status, _reason(body, status))
        if status == 204 or not body.strip():
            return None
        return _loads(body)

    @asynccontextmanager
    async def download(self, path: str) -> AsyncIterator[aiohttp.ClientResponse]:
        async with self.session.stream(_relative(path)) as answer:
            if answer.status >= 400:
                raise JupyterHttpError(
                    self.target, answer.status, _reason(await answer.read(), answer.status)
                )
            yield answer

    async def ws_connect(self, path: str) -> aiohttp.ClientWebSocketResponse:
        return await self.session.ws_connect(_relative(path))


def _relative(path: str) -> str:
    """``/api/x`` as the session takes it: relative to the Jupyter root, percent-quoted (a
    ``?`` or ``#`` in a file name is part of the name)."""
    return quote(path.lstrip("/"))


def _loads(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _reason(body: bytes, status: int) -> str:
    """Jupyter's own error message (``{"message": …}``), else the status."""
    answer = _loads(body)
    if isinstance(answer, dict):
        for field in ("message", "reason"):
            text = answer.get(field)
            if isinstance(text, str) and text:
                return text
    return f"HTTP {status}"


@asynccontextmanager
async def connect(
    services: AwsServices, key: NotebookKey, session_seconds: int
) -> AsyncIterator[JupyterLink]:
    """Signed in (on first use) through a fresh presigned URL; closed when the block ends."""
    async with JupyterSession.for_notebook(services.sagemaker, key, session_seconds) as session:
        yield SessionLink(session)
