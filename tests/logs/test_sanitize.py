"""The sanitiser: what a terminal would act on is shown, never emitted; the rest is untouched."""

from __future__ import annotations

import io
import json
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from sagedeck.text.sanitize import dumps_json, sanitize, sanitize_line, tolerate_unencodable

BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
PICTURES = {chr(c) for c in range(0x2400, 0x2427)}


def acted_on(text: str, keep: str) -> list[str]:
    """Characters of ``text`` a terminal would act on, but those in ``keep``."""
    return [
        ch
        for ch in text
        if (unicodedata.category(ch) in ("Cc", "Cs") and ch not in keep)
        or ch in BIDI
        or ch in "\u2028\u2029"
    ]


def test_c0_and_del_become_their_control_pictures() -> None:
    assert sanitize("\x1b]52;c;aGk=\x07") == "␛]52;c;aGk=␇"
    assert sanitize("\x1b[2J\x00\x7f") == "␛[2J␀␡"
    assert sanitize_line("\x1b[31mred\x1b[0m") == "␛[31mred␛[0m"


def test_what_has_no_picture_becomes_its_escape() -> None:
    assert sanitize("\x9b2J \x85 \x80") == "\\x9b2J \\x85 \\x80"
    assert sanitize("\u202eevil\u2066x\u2069") == "\\u202eevil\\u2066x\\u2069"
    assert sanitize("a\u2028b\u2029c") == "a\\u2028b\\u2029c"
    assert sanitize("lone \ud800") == "lone \\ud800"


def test_a_picture_in_the_text_is_escaped_so_a_shown_picture_always_means_a_control() -> None:
    assert sanitize("literal ␛") == "literal \\u241b"
    assert sanitize("\x1b␛") == "␛\\u241b"


def test_lines_keep_tab_newline_and_crlf_and_show_a_lone_cr() -> None:
    assert sanitize("a\tb\nc\r\nd") == "a\tb\nc\r\nd"
    assert sanitize("safe\rEVIL") == "safe␍EVIL"
    assert sanitize("end\r") == "end␍"


def test_one_line_shows_tab_newline_and_cr() -> None:
    assert sanitize_line("a\tb\nc\r\nd") == "a␉b␊c␍␊d"


def test_ordinary_text_is_returned_as_it_is() -> None:
    for text in ("", "plain", "café 日本語 — naïve", "עברית\u200fabc", "👩\u200d💻", "tab\tin"):
        assert sanitize(text) == text
    assert sanitize_line("café 日本語 👩\u200d💻") == "café 日本語 👩\u200d💻"


@given(st.text())
def test_nothing_a_terminal_acts_on_survives(text: str) -> None:
    lines, line = sanitize(text), sanitize_line(text)
    assert acted_on(lines, keep="\t\n\r") == []
    assert "\r" not in lines.replace("\r\n", "")
    assert acted_on(line, keep="") == []
    for picture in set(line) & PICTURES:  # each stands for a control character of the text
        assert ("\x7f" if picture == "\u2421" else chr(ord(picture) - 0x2400)) in text
    line.encode("utf-8")  # no lone surrogate left: a terminal can be written to


@given(st.text().filter(lambda t: not acted_on(t, keep="") and PICTURES.isdisjoint(t)))
def test_text_without_hazards_is_unchanged(text: str) -> None:
    assert sanitize(text) == text
    assert sanitize_line(text) == text


@given(st.recursive(st.text() | st.integers() | st.none(), st.lists, max_leaves=8))
def test_json_round_trips_and_carries_no_control_character(value: object) -> None:
    encoded = dumps_json({"message": value}, indent=2)
    assert json.loads(encoded) == {"message": value}
    assert acted_on(encoded, keep="\n") == []
    assert "\x7f" not in encoded


def test_json_keeps_utf8_text_and_escapes_only_the_hazards() -> None:
    assert dumps_json({"m": "café \x9b\u202e\x1b\x7f"}) == (
        '{"m": "café \\u009b\\u202e\\u001b\\u007f"}'
    )
    assert dumps_json({"m": "ascii \x7f"}) == '{"m": "ascii \\u007f"}'


def test_a_latin1_output_writes_stand_ins_as_escapes_instead_of_failing() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="latin-1")
    tolerate_unencodable(out)
    out.write(sanitize("\x1b[2J café"))
    out.flush()
    assert raw.getvalue() == b"\\u241b[2J caf\xe9"
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    tolerate_unencodable(utf8)
    assert utf8.errors == "strict"  # data to a UTF-8 stream is never altered
