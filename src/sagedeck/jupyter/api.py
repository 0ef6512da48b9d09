"""Jupyter Server's REST API over a :class:`~.session.JupyterSession`, with typed results.

The same calls on the jupyter_server 1.x and 2.x that notebook instances run: ``api/status``,
``api/kernels``, ``api/sessions``, ``api/terminals``, ``api/contents``. Failures are one line
naming the instance and what Jupyter said (its ``message``), never the URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from ..errors import NotFound, SagedeckError
from ..models import JupyterActivity, JupyterKernel, JupyterTerminal
from ..text.sanitize import one_line
from .session import JupyterSession


@dataclass(frozen=True, slots=True)
class ServerStatus:
    started: datetime | None
    last_activity: datetime | None
    connections: int
    kernels: int


@dataclass(frozen=True, slots=True)
class ContentsEntry:
    """A file or directory from ``api/contents`` (``content`` only when asked for)."""

    name: str
    path: str
    type: str  # "file", "directory" or "notebook"
    size: int | None
    last_modified: datetime | None
    format: str | None
    content: Any = None


# Jupyter counts every API request as the user's activity (the server's ``last_activity``)
# unless it carries this, as JupyterHub's idle culler does: looking is not using.
UNTRACKED = {"no_track_activity": "1"}


class JupyterApi:
    """The REST calls, each one request (the session signs in and renews as needed)."""

    def __init__(self, session: JupyterSession) -> None:
        self.session = session

    @property
    def _name(self) -> str:
        return self.session.notebook.name

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> Any:
        status, raw = await self.session.request(method, path, json=body, params=params)
        if status in ok:
            return json.loads(raw) if raw else None
        detail = _message(raw) or f"HTTP {status}"
        if status == 404:
            raise NotFound(f"{self._name}: {one_line(detail)}")
        raise SagedeckError(f"{self._name}: Jupyter answered {status}: {one_line(detail)}")

    # --- server, kernels, sessions -------------------------------------------------------------

    async def status(self) -> ServerStatus:
        data = await self._call("GET", "api/status")
        return ServerStatus(
            _time(data.get("started")),
            _time(data.get("last_activity")),
            int(data.get("connections", 0)),
            int(data.get("kernels", 0)),
        )

    async def kernels(self) -> tuple[JupyterKernel, ...]:
        return tuple(_kernel(k) for k in await self._call("GET", "api/kernels", params=UNTRACKED))

    async def start_kernel(self, name: str | None = None) -> JupyterKernel:
        body = {} if name is None else {"name": name}
        return _kernel(await self._call("POST", "api/kernels", body=body, ok=(200, 201)))

    async def delete_kernel(self, kernel_id: str) -> None:
        await self._call("DELETE", f"api/kernels/{quote(kernel_id)}", ok=(204,))

    async def sessions(self) -> list[dict[str, Any]]:
        return list(await self._call("GET", "api/sessions", params=UNTRACKED))

    # --- terminals -----------------------------------------------------------------------------

    async def terminals(self) -> tuple[JupyterTerminal, ...]:
        return tuple(
            _terminal(t) for t in await self._call("GET", "api/terminals", params=UNTRACKED)
        )

    async def create_terminal(self) -> JupyterTerminal:
        return _terminal(await self._call("POST", "api/terminals", ok=(200, 201)))

    async def delete_terminal(self, name: str) -> None:
        await self._call("DELETE", f"api/terminals/{quote(name)}", ok=(204,))

    # --- contents ------------------------------------------------------------------------------

    async def get(
        self, path: str, *, content: bool = True, format: str | None = None
    ) -> ContentsEntry:
        params = {"content": "1" if content else "0"}
        if format is not None:
            params["format"] = format
        return _entry(await self._call("GET", _contents(path), params=params))

    async def save(self, path: str, model: dict[str, Any]) -> ContentsEntry:
        """PUT a contents model (``type``, ``format``, ``content``, and ``chunk`` for a part)."""
        return _entry(await self._call("PUT", _contents(path), body=model, ok=(200, 201)))

    async def delete(self, path: str) -> None:
        await self._call("DELETE", _contents(path), ok=(204,))

    # --- everything the activity needs ---------------------------------------------------------

    async def activity(self) -> JupyterActivity:
        status = await self.status()
        kernels = await self.kernels()
        terminals = await self.terminals()
        return JupyterActivity(
            status.started,
            status.last_activity,
            status.connections,
            kernels,
            terminals,
            datetime.now(UTC),
        )


def _contents(path: str) -> str:
    return "api/contents/" + quote(path.strip("/"))


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _kernel(data: dict[str, Any]) -> JupyterKernel:
    return JupyterKernel(
        str(data.get("id", "")),
        str(data.get("name", "")),
        _time(data.get("last_activity")),
        str(data.get("execution_state", "unknown")),
        int(data.get("connections", 0)),
    )


def _terminal(data: dict[str, Any]) -> JupyterTerminal:
    return JupyterTerminal(str(data.get("name", "")), _time(data.get("last_activity")))


def _entry(data: dict[str, Any]) -> ContentsEntry:
    size = data.get("size")
    return ContentsEntry(
        str(data.get("name", "")),
        str(data.get("path", "")),
        str(data.get("type", "")),
        int(size) if isinstance(size, int) else None,
        _time(data.get("last_modified")),
        data.get("format"),
        data.get("content"),
    )


def _message(raw: bytes) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace").strip()[:300]
    if isinstance(data, dict):
        return str(data.get("message") or data.get("reason") or "")
    return ""
