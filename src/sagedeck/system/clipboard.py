"""Copying to the clipboard and opening a browser, the way a terminal user expects.

A native clipboard (xclip/xsel/wl-copy/pbcopy through pyperclip) first; where there is none
(over SSH, say) the OSC 52 escape sequence asks the terminal itself to set its clipboard.
Nothing copied is logged: it is usually a presigned URL, which is a credential.
"""

from __future__ import annotations

import base64
import os
import webbrowser
from typing import Literal, TextIO

from sagedeck.errors import SagedeckError

Method = Literal["clipboard", "OSC 52"]


def native_clipboard_available() -> bool:
    """True when pyperclip finds a working copy mechanism (xclip on an X display, say)."""
    try:
        import pyperclip
    except ImportError:
        return False
    if os.environ.get("SSH_CONNECTION") and not os.environ.get("DISPLAY"):
        return False  # a remote shell: the clipboard the user sees is the terminal's
    try:
        copy, _paste = pyperclip.determine_clipboard()
    except Exception:
        return False
    return getattr(copy, "__name__", "") not in ("", "copy_no_clipboard", "__call__") and bool(
        _working(copy)
    )


def _working(copy: object) -> bool:
    # pyperclip returns a ClipboardUnavailable object when nothing works; it is falsy.
    return bool(copy)


def copy_native(text: str) -> None:
    import pyperclip

    pyperclip.copy(text)


def osc52(text: str) -> str:
    """The escape sequence that asks the terminal to put ``text`` in its clipboard."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"\x1b]52;c;{payload}\a"


def copy_text(text: str, *, tty: TextIO | None = None, native: bool | None = None) -> Method:
    """Copy for a CLI command: the native clipboard, else OSC 52 on the terminal.

    ``tty`` is the terminal to write OSC 52 to (default: the controlling terminal,
    ``/dev/tty``, so it works with stdout redirected); ``native`` forces or skips the
    native clipboard (default: use it when one works and no ``tty`` was given).
    """
    if native is None:
        native = tty is None and native_clipboard_available()
    if native:
        try:
            copy_native(text)
            return "clipboard"
        except Exception:  # pyperclip raises its own errors, or OSError from xclip
            pass
    if tty is not None:
        tty.write(osc52(text))
        tty.flush()
        return "OSC 52"
    try:
        with open("/dev/tty", "w", encoding="ascii") as terminal:
            terminal.write(osc52(text))
            terminal.flush()
    except OSError:
        raise SagedeckError(
            "nothing to copy to: no clipboard tool and no terminal (run without --copy)"
        ) from None
    return "OSC 52"


def open_in_browser(url: str) -> bool:
    """Open ``url`` with the user's browser ($BROWSER honoured by webbrowser). False if none."""
    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False
