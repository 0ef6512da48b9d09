"""Copying to the clipboard and opening a browser, the way a terminal user expects.

One fallback order for every copy, in the CLI and the TUI alike: a native clipboard first
(wl-copy, xclip, xsel, pbcopy, run here; elsewhere what pyperclip finds); where there is none,
or it fails (over SSH, say, or with a ``DISPLAY`` whose X server is gone), the OSC 52 escape
sequence asks the terminal itself to set its clipboard. The caller hears which one it was, so
it can say so honestly.

A native copy counts only when the tool said so (its exit status) and the clipboard reads
back what was copied: pyperclip ignores xclip's exit status, so with no X server it reported
a copy that never happened.

Nothing copied is logged: it is usually a presigned URL, which is a credential. Once such a URL
has expired, :func:`clear_if_holds` takes it out of the native clipboard, and only it.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import subprocess
import sys
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, TextIO

from sagedeck.errors import SagedeckError

Method = Literal["clipboard", "OSC 52"]
Osc52Writer = Callable[[str], None]  # puts the text in the terminal's clipboard
TOOL_TIMEOUT = 5.0  # seconds for one clipboard tool call: a hung X server must not hang us
READ_BACK_ATTEMPTS, READ_BACK_PAUSE = 20, 0.05  # up to a second for the copy to show


def copied_where(method: Method) -> str:
    """Where the copy went, as the user is told: honest about OSC 52, which may not arrive."""
    if method == "clipboard":
        return "in the clipboard"
    return "sent to the terminal's clipboard (OSC 52)"


class ClipboardFailed(Exception):
    """A native clipboard refused, or did not answer."""


class NativeClipboard(Protocol):
    @property
    def name(self) -> str: ...

    def copy(self, text: str) -> None: ...

    def paste(self) -> str: ...


async def copy(text: str, *, osc52: Osc52Writer | None = None) -> Method:
    """Copy ``text``: the native clipboard when one works, else OSC 52 through ``osc52``.

    ``osc52`` is the way to the terminal: the TUI passes its app's ``copy_to_clipboard``
    (the terminal is the app's to write to); by default the sequence goes to the controlling
    terminal (:func:`write_osc52`). The native copy runs in a thread (xclip may be slow);
    ``osc52`` is called on the caller's event loop.
    """
    if await asyncio.to_thread(_copy_natively, text):
        return "clipboard"
    (osc52 or write_osc52)(text)
    return "OSC 52"


async def clear_if_holds(text: str) -> bool:
    """Empty the native clipboard if it still holds ``text``; True once it reads back empty.

    Compared first, so whatever the user copied since stays. (Between the read and the
    clear the user would have to copy within the few milliseconds of one xclip call.)
    What went through OSC 52 cannot be read back, so it is left alone.
    """
    return await asyncio.to_thread(_clear_if_holds, text)


def _copy_natively(text: str) -> bool:
    """True when a native clipboard took ``text`` and gives it back."""
    # Asked through native_clipboard_available, the one place tests play a remote shell.
    board = native_clipboard() if native_clipboard_available() else None
    if board is None:
        return False
    try:
        board.copy(text)
    except Exception:  # ClipboardFailed, OSError, pyperclip's own errors
        return False
    return _reads_back(board, text)


def _reads_back(board: NativeClipboard, text: str) -> bool:
    """True once the clipboard gives ``text`` back. Not at once: xclip's request to own the
    selection reaches the X server only when its background child first flushes, a moment
    after the command has exited."""
    for attempt in range(READ_BACK_ATTEMPTS):
        if attempt:
            time.sleep(READ_BACK_PAUSE)
        try:
            if board.paste() == text:
                return True
        except Exception:
            continue  # nothing to read yet, or the tool failed: try again
    return False


def _clear_if_holds(text: str) -> bool:
    board = native_clipboard() if native_clipboard_available() else None
    if board is None:
        return False
    try:
        if board.paste() != text:
            return False
        board.copy("")
    except Exception:
        return False
    return _reads_back(board, "")


def native_clipboard_available() -> bool:
    """True when there is a native clipboard to try (xclip on an X display, say)."""
    return native_clipboard() is not None


def native_clipboard() -> NativeClipboard | None:
    """The native clipboard of this session, or None (a remote shell, a bare server).

    Looked up on every copy (a PATH lookup or two): the display may come and go."""
    if os.environ.get("SSH_CONNECTION") and not os.environ.get("DISPLAY"):
        return None  # a remote shell: the clipboard the user sees is the terminal's
    for tool in _TOOLS:
        if tool.usable():
            return tool
    return _pyperclip_clipboard()


@dataclass(frozen=True, slots=True)
class ClipboardTool:
    """A command-line clipboard: one command takes the text on stdin, one prints it."""

    name: str
    needs: str  # the environment variable that says this session has it ("" for none)
    copy_argv: tuple[str, ...]
    paste_argv: tuple[str, ...]
    platform: str = ""  # a sys.platform prefix; "" for any

    def usable(self) -> bool:
        if not sys.platform.startswith(self.platform):
            return False
        if self.needs and not os.environ.get(self.needs):
            return False
        return all(shutil.which(argv[0]) for argv in (self.copy_argv, self.paste_argv))

    def copy(self, text: str) -> None:
        # Output to /dev/null: xclip and wl-copy leave a child serving the selection, which
        # would hold a pipe open for good, and an error must not land on the dashboard.
        # Its own session: the copy outlives a closed terminal, as the user expects.
        try:
            done = subprocess.run(
                self.copy_argv,
                input=text.encode("utf-8"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                timeout=TOOL_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ClipboardFailed(f"{self.name} did not answer") from None
        if done.returncode != 0:
            raise ClipboardFailed(f"{self.name} exited with status {done.returncode}")

    def paste(self) -> str:
        """What the clipboard holds. An empty clipboard is an error to xclip, and holds
        nothing of ours either."""
        try:
            done = subprocess.run(
                self.paste_argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=TOOL_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ClipboardFailed(f"{self.paste_argv[0]} did not answer") from None
        if done.returncode != 0:
            raise ClipboardFailed(f"{self.paste_argv[0]} exited with status {done.returncode}")
        return done.stdout.decode("utf-8", errors="replace")


# In pyperclip's order of preference; what none of them covers is pyperclip's (Windows, WSL).
_TOOLS = (
    ClipboardTool("wl-copy", "WAYLAND_DISPLAY", ("wl-copy",), ("wl-paste", "--no-newline")),
    ClipboardTool(
        "xclip",
        "DISPLAY",
        ("xclip", "-selection", "clipboard", "-in"),
        ("xclip", "-selection", "clipboard", "-out"),
    ),
    ClipboardTool(
        "xsel", "DISPLAY", ("xsel", "--clipboard", "--input"), ("xsel", "--clipboard", "--output")
    ),
    ClipboardTool("pbcopy", "", ("pbcopy",), ("pbpaste",), platform="darwin"),
)


class _Pyperclip:
    """What pyperclip finds where no tool above does (Windows, WSL, Klipper)."""

    name = "pyperclip"

    def __init__(self, copier: Callable[[str], None], paster: Callable[[], str]) -> None:
        self._copier, self._paster = copier, paster

    def copy(self, text: str) -> None:
        self._copier(text)

    def paste(self) -> str:
        return str(self._paster())


def _pyperclip_clipboard() -> NativeClipboard | None:
    try:
        import pyperclip

        copier, paster = pyperclip.determine_clipboard()
    except Exception:
        return None
    # With no mechanism pyperclip hands back a ClipboardUnavailable object, which is falsy.
    if not copier:
        return None
    return _Pyperclip(copier, paster)


def osc52_sequence(text: str) -> str:
    """The escape sequence that asks the terminal to put ``text`` in its clipboard."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"\x1b]52;c;{payload}\a"


def write_osc52(text: str, terminal: TextIO | None = None) -> None:
    """Write the OSC 52 sequence for ``text`` to ``terminal``; by default the controlling
    terminal, ``/dev/tty``, so it works with stdout redirected."""
    if terminal is not None:
        terminal.write(osc52_sequence(text))
        terminal.flush()
        return
    try:
        with open("/dev/tty", "w", encoding="ascii") as tty:
            tty.write(osc52_sequence(text))
            tty.flush()
    except OSError:
        raise SagedeckError(
            "nothing to copy to: no clipboard tool and no terminal (run without --copy)"
        ) from None


def open_in_browser(url: str) -> bool:
    """Open ``url`` with the user's browser ($BROWSER honoured by webbrowser). False if none."""
    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False
