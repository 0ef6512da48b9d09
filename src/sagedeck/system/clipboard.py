"""Copying to the clipboard and opening a browser, the way a terminal user expects.

One fallback order for every copy, in the CLI and the TUI alike: a native clipboard first
(xclip, xsel, wl-copy, pbcopy, ... as pyperclip finds them); where there is none, or it fails
(over SSH, say), the OSC 52 escape sequence asks the terminal itself to set its clipboard.
The caller hears which one it was, so it can say so honestly.

Nothing copied is logged: it is usually a presigned URL, which is a credential.
"""

from __future__ import annotations

import asyncio
import base64
import os
import webbrowser
from collections.abc import Callable
from typing import Literal, TextIO, cast

from sagedeck.errors import SagedeckError

Method = Literal["clipboard", "OSC 52"]
Osc52Writer = Callable[[str], None]  # puts the text in the terminal's clipboard


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


def _copy_natively(text: str) -> bool:
    """True when a native clipboard took ``text``."""
    # Asked through native_clipboard_available, the one place tests play a remote shell.
    copier = _native_copier() if native_clipboard_available() else None
    if copier is None:
        return False
    try:
        copier(text)
    except Exception:  # pyperclip raises its own errors, or OSError from xclip
        return False
    return True


def native_clipboard_available() -> bool:
    """True when pyperclip finds a copy mechanism (xclip on an X display, say)."""
    return _native_copier() is not None


def _native_copier() -> Callable[[str], None] | None:
    # Looked up on every copy (a PATH lookup or two): the display may come and go, and
    # pyperclip's own copy() would keep the first mechanism it found for good.
    if os.environ.get("SSH_CONNECTION") and not os.environ.get("DISPLAY"):
        return None  # a remote shell: the clipboard the user sees is the terminal's
    try:
        import pyperclip

        found = pyperclip.determine_clipboard()
    except Exception:
        return None
    copier: object = found[0]
    # With no mechanism pyperclip hands back a ClipboardUnavailable object, which is falsy.
    return cast("Callable[[str], None]", copier) if copier else None


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
