"""An interactive shell in a Jupyter terminal, on this terminal.

The same hand-over as the SSM shell (``ssm.shell``): the caller's ``hand_over`` wraps the time
the remote shell owns the terminal (the TUI passes ``app.suspend``), a one-line banner names
the target and the way out, this terminal goes into raw mode, window resizes are passed on,
and :class:`~sagedeck.system.terminal.TerminalGuard` restores it whatever happens. The
terminal is created on the server before the hand-over (a refused sign-in is reported
without the screen flickering) and deleted when the shell ends, however it ends.

Ctrl-] (as telnet's escape) comes back at once, leaving nothing running: the terminal is
deleted. A websocket that drops mid-session ends the shell with one line.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import signal
import sys
import termios
import threading
import tty
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import IO, Any

from sagedeck.errors import InvalidInput
from sagedeck.jupyter.link import JupyterLink
from sagedeck.jupyter.terminal import Terminal, TerminalLost, open_terminal
from sagedeck.system.terminal import TerminalGuard

ESCAPE = "\x1d"  # Ctrl-]
USER = "ec2-user"  # whom a notebook instance's Jupyter terminals run as


@dataclass(frozen=True, slots=True)
class JupyterShellOutcome:
    how: str  # "exited" (the remote shell ended), "escaped" (Ctrl-]), "lost" (the websocket)
    deleted: bool  # False when the terminal could not be deleted on the server
    detail: str = ""

    @property
    def summary(self) -> str:
        text = {
            "exited": "Jupyter terminal closed",
            "escaped": "left the Jupyter terminal (Ctrl-])",
            "lost": self.detail or "the connection to the Jupyter terminal was lost",
        }[self.how]
        return text if self.deleted else f"{text}; the terminal could not be deleted"

    @property
    def exit_code(self) -> int:
        """For ``sagedeck shell``: a terminal carries no exit status; 1 when the connection
        was lost."""
        return 1 if self.how == "lost" else 0


def banner(target: str) -> str:
    return (
        f"── sagedeck: Jupyter terminal on {target} (user {USER}) · type `exit` or press"
        " Ctrl-] to come back ──"
    )


def terminal_size(fd: int) -> tuple[int, int]:
    """(rows, columns) of the terminal at ``fd``; 24 rows of 80 when it is not one."""
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return (24, 80)
    return (size.lines, size.columns)


def need_terminal(target: str) -> tuple[IO[str], IO[str]]:
    """This process's terminal (stdin and stdout), or the one line saying there is none."""
    stdin, stdout = sys.__stdin__, sys.__stdout__
    if stdin is None or stdout is None or not stdin.isatty():
        raise InvalidInput(
            "a shell needs a terminal: for a command from a script, use"
            f" `sagedeck exec {target} -- COMMAND`"
        )
    return stdin, stdout


async def run_shell(
    link: JupyterLink,
    hand_over: Callable[[], AbstractContextManager[Any]] = nullcontext,
    announce: Callable[[str], None] | None = None,
) -> JupyterShellOutcome:
    """Create a terminal, hand this terminal to it until it ends, delete it."""
    size = terminal_size(sys.__stdout__.fileno()) if sys.__stdout__ is not None else (24, 80)
    how, detail = "exited", ""
    async with open_terminal(link, size) as terminal:
        with hand_over():  # the TUI's suspend says first when there is no terminal to hand
            keyboard, screen = need_terminal(link.target)
            in_fd, out_fd = keyboard.fileno(), screen.fileno()
            with TerminalGuard(keyboard, screen):
                (announce or _print_banner)(banner(link.target))
                with _raw(in_fd), _resizes(terminal, out_fd):
                    try:
                        how = await _pump(terminal, in_fd, out_fd)
                    except TerminalLost as err:
                        how, detail = "lost", str(err)
    return JupyterShellOutcome(how, terminal.deleted, detail)


async def _pump(terminal: Terminal, in_fd: int, out_fd: int) -> str:
    """Keys to the terminal, its output to this one, until the shell exits or Ctrl-]."""
    loop = asyncio.get_running_loop()
    keys: asyncio.Queue[str | None] = asyncio.Queue()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def readable() -> None:
        try:
            data = os.read(in_fd, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # this terminal hung up: as if the user had left
            loop.remove_reader(in_fd)
            keys.put_nowait(None)
            return
        text = decoder.decode(data)
        if ESCAPE in text:
            loop.remove_reader(in_fd)
            keys.put_nowait(text.split(ESCAPE, 1)[0])
            keys.put_nowait(None)
            return
        keys.put_nowait(text)

    async def send_keys() -> str:
        while (text := await keys.get()) is not None:
            if text:
                await terminal.send(text)
        return "escaped"

    async def show_output() -> str:
        while (text := await terminal.read()) is not None:
            _write_all(out_fd, text.encode("utf-8", "replace"))
        return "exited"

    loop.add_reader(in_fd, readable)
    tasks = [asyncio.create_task(send_keys()), asyncio.create_task(show_output())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        return next(iter(done)).result()
    finally:
        loop.remove_reader(in_fd)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _write_all(fd: int, data: bytes) -> None:
    while data:
        try:
            written = os.write(fd, data)
        except BlockingIOError:
            continue
        except OSError:
            return  # this terminal is gone; the shell ends when its input does
        data = data[written:]


@contextlib.contextmanager
def _raw(fd: int) -> Iterator[None]:
    """Raw mode: every key, Ctrl-C among them, goes to the remote shell. The caller's
    TerminalGuard puts the modes back."""
    with contextlib.suppress(OSError, termios.error):
        tty.setraw(fd)
    yield


@contextlib.contextmanager
def _resizes(terminal: Terminal, fd: int) -> Iterator[None]:
    """SIGWINCH → ``set_size``. With ``signal.signal`` rather than the loop's handler, so
    the previous disposition (the TUI's own, suspended) is put back as it was."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[None]] = set()

    def resize() -> None:
        task = loop.create_task(_set_size(terminal, fd))
        pending.add(task)
        task.add_done_callback(pending.discard)

    previous = signal.signal(signal.SIGWINCH, lambda *_: loop.call_soon_threadsafe(resize))
    try:
        yield
    finally:
        signal.signal(signal.SIGWINCH, previous)
        for task in pending:
            task.cancel()


async def _set_size(terminal: Terminal, fd: int) -> None:
    with contextlib.suppress(TerminalLost):
        await terminal.set_size(*terminal_size(fd))


def _print_banner(text: str) -> None:
    stream = sys.__stderr__ or sys.stderr
    stream.write(text + "\n")
    stream.flush()
