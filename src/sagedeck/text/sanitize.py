"""Text from AWS or from a notebook, made safe to show: no character a terminal would act on
instead of print ever reaches it raw.

Names, tags, descriptions, lifecycle scripts, failure reasons, repository URLs and log lines
are written by whoever can edit them, not by the person looking. A terminal honours the escape
sequences they may contain: ``ESC ] 52 ; c ; …`` writes the viewer's clipboard, ``ESC ] 0 ;``
the window title, ``ESC [ 2 J`` clears the screen, U+009B is the one-character CSI, and a
bidi override reorders what follows it (the "Trojan Source" trick). So every such character
is shown as a visible stand-in:

- C0 controls (U+0000-U+001F) and DEL: their Unicode Control Picture, one cell wide like the
  character it stands for: ESC is ``␛`` (``␛[31m`` for a colour code), CR ``␍``, DEL ``␡``.
- Characters without a picture: C1 controls (U+0080-U+009F), the line and paragraph
  separators (U+2028, U+2029), the bidi embeddings, overrides and isolates (U+202A-U+202E,
  U+2066-U+2069) and lone surrogates (U+D800-U+DFFF, which could not even be encoded to the
  terminal): their Python escape, ``\\x9b``, ``\\u202e``, ``\\ud800``.
- A control picture that is in the text itself is escaped too (``\\u241b``), so a picture in
  what sagedeck shows always stands for a control character.

:func:`sanitize` is for text shown as lines (a lifecycle script, a log message): it keeps tab,
newline and CR LF. :func:`sanitize_line` is for one line (a name, a table cell, a status bar):
tab, newline and CR become visible too. Everything else passes through unchanged, non-ASCII
text included. The implicit direction marks (U+200E, U+200F, U+061C), zero-width joiners and
other format characters are kept: text in right-to-left scripts and emoji need them, and they
cannot move text across a line the way an override can.

:func:`dumps_json` is JSON for the same data: the same characters escaped as ``\\uXXXX``, the
rest of the text kept as UTF-8; parsed, it gives back the original strings exactly.

Standard library only, and fast: it runs on every log line (``python -m bench.sanitize``).
"""

from __future__ import annotations

import json
import re
from typing import Any, TextIO

__all__ = ["dumps_json", "sanitize", "sanitize_line", "tolerate_unencodable"]


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_C0 = [*range(0x00, 0x20), 0x7F]
_WITHOUT_PICTURE = [
    *range(0x80, 0xA0),  # C1
    0x2028,
    0x2029,  # line and paragraph separators
    *range(0x202A, 0x202F),  # LRE, RLE, PDF, LRO, RLO
    *range(0x2066, 0x206A),  # LRI, RLI, FSI, PDI
    *range(0xD800, 0xE000),  # surrogates: only ever lone in a str
]
_PICTURES = range(0x2400, 0x2427)  # the Control Pictures sagedeck uses as stand-ins, and more

_STAND_IN: dict[str, str] = {
    **{chr(c): chr(0x2400 + c) for c in _C0 if c != 0x7F},
    "\x7f": "\u2421",
    **{chr(c): _escape(c) for c in (*_WITHOUT_PICTURE, *_PICTURES)},
}

_OTHERS = "\x80-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u2400-\u2426\ud800-\udfff"
# One line: every C0 control. Lines: tab, newline and CR LF kept; a lone CR (which sends the
# cursor back over what was printed) made visible.
# (A class alone, without an alternative for CR LF: the search then scans three times faster.)
_UNSAFE_IN_LINE = re.compile(f"[\x00-\x1f\x7f{_OTHERS}]")
_UNSAFE_IN_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f{_OTHERS}]")


def _stand_in(match: re.Match[str]) -> str:
    return _STAND_IN[match.group()]


def _stand_in_in_lines(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\r" and match.string.startswith("\n", match.end()):
        return char  # CR LF ends a line as LF does
    return _STAND_IN[char]


def sanitize(text: str) -> str:
    """``text`` to show as lines: tab, newline and CR LF kept, every other character a
    terminal would act on shown as its stand-in (see the module's docstring)."""
    # A search first: most lines have nothing to replace, and a search costs less than a sub.
    if _UNSAFE_IN_LINES.search(text) is None:
        return text
    return _UNSAFE_IN_LINES.sub(_stand_in_in_lines, text)


def sanitize_line(text: str) -> str:
    """``text`` to show on one line: as :func:`sanitize`, with tab, newline and CR visible too
    (``␉``, ``␊``, ``␍``), so a value can neither break a line nor fake one."""
    if _UNSAFE_IN_LINE.search(text) is None:
        return text
    return _UNSAFE_IN_LINE.sub(_stand_in, text)


_JSON_UNSAFE = re.compile("[\x7f\x80-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def dumps_json(value: Any, *, indent: int | None = None) -> str:
    """``json.dumps`` for text from outside: C0 escaped as JSON always does, and DEL, C1, the
    separators, the bidi controls and lone surrogates escaped as ``\\uXXXX`` too; other text
    stays UTF-8 (``ensure_ascii=True`` would turn every non-Latin log line into escapes).

    JSON puts such characters only inside strings, so escaping them in the encoded text is
    exact: ``json.loads`` gives back the original value.
    """
    encoded = json.dumps(value, ensure_ascii=False, indent=indent)
    if encoded.isascii():  # then only DEL can be left: a check costs less than a search
        return encoded.replace("\x7f", "\\u007f") if "\x7f" in encoded else encoded
    return _JSON_UNSAFE.sub(_json_escape, encoded)


def tolerate_unencodable(out: TextIO) -> None:
    """Let ``out`` write what its encoding cannot hold (a stand-in on a Latin-1 terminal) as a
    backslash escape, instead of ending the command with a UnicodeEncodeError."""
    encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    reconfigure = getattr(out, "reconfigure", None)
    if not encoding.startswith("utf") and reconfigure is not None:
        reconfigure(errors="backslashreplace")


def one_line(text: str) -> str:
    """``text`` on one line: a status bar or a line on stderr must never wrap into two.
    Line breaks are joined with spaces; control characters are shown as the sanitiser shows
    them (``ESC`` as ``␛``); any other character that does not print (a format character, an
    unassigned one) is shown escaped."""
    joined = sanitize_line(" ".join(part.strip() for part in text.splitlines() if part.strip()))
    if joined.isprintable():
        return joined
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in joined
    )
