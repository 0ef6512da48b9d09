"""What the shell, ``exec`` and ``cp`` need from a signed-in Jupyter server, and nothing more.

A :class:`JupyterLink` is a Jupyter server reached with whatever sign-in it needs (the
presigned URL's cookies and XSRF token on AWS; a plain token in a test): JSON requests, a
streamed download and a websocket. Keeping the terminal, exec and cp code on this small
interface keeps them independent of how the sign-in is done.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import aiohttp

from sagedeck.errors import SagedeckError
from sagedeck.text.sanitize import one_line


class JupyterHttpError(SagedeckError):
    """The Jupyter server answered a request with an error status; ``reason`` is its own
    message (Jupyter answers errors as JSON ``{"message": …, "reason": …}``)."""

    def __init__(self, target: str, status: int, reason: str) -> None:
        self.status = status
        self.reason = one_line(reason)
        super().__init__(f"{target}: the Jupyter server answered {status}: {self.reason}")


class JupyterLink(Protocol):
    """One notebook instance's Jupyter server, signed in."""

    @property
    def target(self) -> str:
        """The instance's name, for messages."""
        ...

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """``method path`` (``/api/…``, unquoted: the link quotes it), the JSON answer (None
        for 204); an error status raises :class:`JupyterHttpError`."""
        ...

    def download(self, path: str) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
        """``GET path`` streamed: the response, its status checked (an error status raises
        :class:`JupyterHttpError`)."""
        ...

    async def ws_connect(self, path: str) -> aiohttp.ClientWebSocketResponse:
        """A websocket to ``path`` with the sign-in and the ``Origin`` Jupyter checks."""
        ...
