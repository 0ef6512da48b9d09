"""A Jupyter terminal: created over REST, driven over its websocket, deleted when done.

The protocol (terminado's, as Jupyter Server serves it): ``POST /api/terminals`` answers the
new terminal's name; the websocket ``/terminals/websocket/<name>`` carries JSON arrays. The
server sends ``["setup", {}]``, ``["stdout", text]`` and, when the shell has exited,
``["disconnect", code]``; the client sends ``["stdin", text]`` and ``["set_size", rows, cols,
height_px, width_px]``. There is no exit status in it (``jupyter.exec`` carries its own).

:func:`open_terminal` deletes the terminal on the server however the block ends (an error, a
cancellation, a dropped websocket), so nothing is left running on the instance.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp

from sagedeck.errors import SagedeckError
from sagedeck.jupyter.link import JupyterHttpError, JupyterLink

# Pixel sizes are only hints for the server; a common cell size keeps them plausible.
_CELL_PX = (16, 8)


class TerminalLost(SagedeckError):
    """The websocket closed without the server saying the shell had ended."""

    def __init__(self, target: str, detail: str = "") -> None:
        note = f" ({detail})" if detail else ""
        super().__init__(f"{target}: the connection to the Jupyter terminal was lost{note}")


@dataclass(slots=True)
class Terminal:
    """One open terminal. ``read`` gives its output until the shell ends."""

    link: JupyterLink
    name: str
    ws: aiohttp.ClientWebSocketResponse
    ended: bool = False  # the server said the shell has exited
    deleted: bool = field(default=False)  # set by open_terminal once the server confirmed

    async def send(self, text: str) -> None:
        """Text as typed: a line ends with ``\\r``, as a terminal's Enter key sends."""
        await self._send(["stdin", text])

    async def set_size(self, rows: int, cols: int) -> None:
        await self._send(["set_size", rows, cols, rows * _CELL_PX[0], cols * _CELL_PX[1]])

    async def _send(self, message: list[object]) -> None:
        try:
            await self.ws.send_str(json.dumps(message))
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as err:
            # RuntimeError: aiohttp's "closing transport" on a websocket already going.
            raise TerminalLost(self.link.target, type(err).__name__) from None

    async def read(self) -> str | None:
        """The next piece of output; None once the shell has ended (``disconnect``). A
        websocket closed without that raises :class:`TerminalLost`."""
        while True:
            try:
                message = await self.ws.receive()
            except (aiohttp.ClientError, ConnectionError) as err:
                raise TerminalLost(self.link.target, type(err).__name__) from None
            if message.type is aiohttp.WSMsgType.TEXT:
                kind, payload = _parse(message.data)
                if kind == "stdout" and isinstance(payload, str):
                    return payload
                if kind == "disconnect":
                    self.ended = True
                    return None
                continue  # "setup", and anything newer servers may send
            if message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.PING):
                continue
            if self.ended:
                return None
            raise TerminalLost(self.link.target)


def _parse(data: str) -> tuple[str, object]:
    try:
        message = json.loads(data)
    except ValueError:
        return "", None
    if not isinstance(message, list) or not message or not isinstance(message[0], str):
        return "", None
    return message[0], message[1] if len(message) > 1 else None


@asynccontextmanager
async def open_terminal(
    link: JupyterLink, size: tuple[int, int] | None = None
) -> AsyncIterator[Terminal]:
    """A new terminal on the server, connected; deleted on the server when the block ends."""
    answer = await link.call("POST", "/api/terminals")
    name = str(answer["name"]) if isinstance(answer, dict) and "name" in answer else ""
    if not name:
        raise SagedeckError(f"{link.target}: the Jupyter server did not name the new terminal")
    terminal: Terminal | None = None
    try:
        ws = await link.ws_connect(f"/terminals/websocket/{name}")
        terminal = Terminal(link, name, ws)
        try:
            if size is not None:
                await terminal.set_size(*size)
            yield terminal
        finally:
            await asyncio.shield(ws.close())
    finally:
        deleted = await asyncio.shield(delete_terminal(link, name))
        if terminal is not None:
            terminal.deleted = deleted


async def delete_terminal(link: JupyterLink, name: str) -> bool:
    """``DELETE /api/terminals/<name>``; True when it is gone (a terminal whose shell exited
    is already gone: 404 counts)."""
    try:
        await link.call("DELETE", f"/api/terminals/{name}")
    except JupyterHttpError as err:
        return err.status == 404
    except (TimeoutError, SagedeckError, aiohttp.ClientError, ConnectionError):
        return False
    return True


async def drain(terminal: Terminal) -> AsyncIterator[str]:
    """Every piece of output until the shell ends."""
    while (text := await terminal.read()) is not None:
        yield text


__all__ = ["Terminal", "TerminalLost", "delete_terminal", "drain", "open_terminal"]
