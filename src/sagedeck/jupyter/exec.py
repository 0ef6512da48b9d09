"""Running one command in a Jupyter terminal, with its output and its exit status.

A terminal has no exit status and echoes what is typed, so the command goes in one line that
first turns echo off, prints a start marker, runs the command in a subshell and prints an end
marker carrying ``$?``. Both markers hold a random nonce, written in the line as printf
escapes, so the echo of the line itself never matches; everything up to the start marker (the
prompt, the echo) is dropped, everything between the markers is the command's output.

The command's words are shell-quoted (``shlex.join``): ``exec NAME -- ls -l 'my dir'`` runs
``ls`` with two arguments, as ``docker exec`` or ``kubectl exec`` would; a pipeline needs
``-- bash -c '…'``. A terminal has one output: the command's stderr arrives in its stdout.

Standard input, when given, is typed into the terminal after the start marker, line by line,
each control character escaped with ^V so the terminal takes it literally, then ^D for its
end. The terminal is in canonical mode, whose lines hold at most 4095 bytes.
"""

from __future__ import annotations

import asyncio
import codecs
import re
import secrets
import shlex
from collections.abc import AsyncIterator, Callable, Sequence

from sagedeck.errors import InvalidInput, SagedeckError
from sagedeck.jupyter.link import JupyterLink
from sagedeck.jupyter.terminal import Terminal, open_terminal

TIMED_OUT = 124  # as timeout(1) exits
_RS = "\x1e"  # the markers' delimiter: a byte no ordinary output contains
# The characters a terminal in canonical mode acts on rather than passes on: ^C ^D ^O ^Q ^R ^S
# ^U ^V ^W ^Z ^\ DEL. ^V before one makes the next character literal.
_SPECIAL = re.compile("[\x03\x04\x0f\x11\x12\x13\x15\x16\x17\x1a\x1c\x7f]")


def command_line(argv: Sequence[str], nonce: str) -> str:
    """The line typed into the terminal (without its Enter)."""
    if not argv:
        raise InvalidInput("no command given: sagedeck exec NAME -- COMMAND [ARGS...]")
    return (
        "stty -echo -onlcr -icrnl 2>/dev/null;"
        f" printf '\\036%s\\036' {nonce}S;"
        f" ({shlex.join(argv)});"
        f" printf '\\036%s:%d\\036' {nonce}E \"$?\""
    )


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # an async generator that yields nothing


def typed(text: str) -> str:
    """Text as it must be typed to arrive as it is."""
    return _SPECIAL.sub(lambda m: "\x16" + m.group(0), text)


class _Markers:
    """Splits the terminal's output into the command's output and its exit status."""

    def __init__(self, nonce: str) -> None:
        self.start = f"{_RS}{nonce}S{_RS}"
        self.end = re.compile(rf"{_RS}{nonce}E:(\d+){_RS}")
        self.end_prefix = f"{_RS}{nonce}E:"
        self.started = False
        self.pending = ""

    def feed(self, text: str) -> tuple[str, int | None]:
        """The output that can be passed on now, and the exit status once it has come."""
        self.pending += text
        if not self.started:
            at = self.pending.find(self.start)
            if at < 0:
                return "", None
            self.started = True
            self.pending = self.pending[at + len(self.start) :]
        found = self.end.search(self.pending)
        if found:
            out = self.pending[: found.start()]
            self.pending = ""
            return out, int(found.group(1))
        keep = _held_back(self.pending, self.end_prefix)
        out, self.pending = (
            self.pending[: len(self.pending) - keep],
            self.pending[-keep:] if keep else "",
        )
        return out, None


def _held_back(text: str, prefix: str) -> int:
    """How many characters at the end of ``text`` may begin the end marker."""
    start = text.rfind(_RS)
    if start < 0:
        return 0
    tail = text[start:]
    if prefix.startswith(tail) or tail.startswith(prefix):
        return len(tail)
    return 0


async def run_command(
    link: JupyterLink,
    argv: Sequence[str],
    out: Callable[[str], None],
    *,
    stdin: AsyncIterator[bytes] | None = None,
    time_limit: float | None = None,
    size: tuple[int, int] = (50, 200),
) -> int:
    """Run ``argv`` in a new terminal, pass its output to ``out``, return its exit status
    (128 + N when a signal N killed it, as a shell says; 124 when ``time_limit`` seconds passed
    first). The terminal is deleted on the server whatever happens."""
    nonce = secrets.token_hex(8)
    line = command_line(argv, nonce)
    try:
        async with asyncio.timeout(time_limit), open_terminal(link, size) as terminal:
            return await _converse(terminal, line, nonce, out, stdin)
    except TimeoutError:
        return TIMED_OUT


async def _converse(
    terminal: Terminal,
    line: str,
    nonce: str,
    out: Callable[[str], None],
    stdin: AsyncIterator[bytes] | None,
) -> int:
    markers = _Markers(nonce)
    await terminal.send(line + "\r")
    feeder: asyncio.Task[None] | None = None
    try:
        while (text := await terminal.read()) is not None:
            was_started = markers.started
            output, status = markers.feed(text)
            if output:
                out(output)
            if status is not None:
                return status
            if markers.started and not was_started:
                feeder = asyncio.create_task(_feed(terminal, stdin))
        raise SagedeckError(
            f"{terminal.link.target}: the Jupyter terminal ended before the command's exit"
            " status came"
        )
    finally:
        if feeder is not None:
            feeder.cancel()
            await asyncio.gather(feeder, return_exceptions=True)


async def _feed(terminal: Terminal, stdin: AsyncIterator[bytes] | None) -> None:
    """Type ``stdin`` in, then end it: ^D at the start of a line is the end of input; after a
    partial line, the first ^D only passes that line on. No stdin is an empty one, so that a
    command which reads it ends rather than waits for good."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    last = "\n"
    async for chunk in stdin if stdin is not None else _nothing():
        text = decoder.decode(chunk)
        if text:
            await terminal.send(typed(text))
            last = text[-1]
    text = decoder.decode(b"", final=True)
    if text:
        await terminal.send(typed(text))
        last = text[-1]
    await terminal.send("\x04" if last == "\n" else "\x04\x04")
