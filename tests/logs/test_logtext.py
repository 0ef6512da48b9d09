"""Rendering log events: times, filters, JSON and multi-line messages, wrapping (redaction:
test_redact.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from sagedeck.errors import InvalidInput
from sagedeck.models import LogEvent
from sagedeck.text.logtext import (
    EventRenderer,
    LineFilter,
    TimeFormatter,
    TimeStyle,
    ViewOptions,
    message_lines,
    wrap_lines,
)

TS = 1714564800123  # 2024-05-01T12:00:00.123Z


@pytest.fixture
def kolkata() -> Iterator[None]:
    """A local zone with a half-hour offset, so local and UTC cannot be confused."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_time_styles_in_utc() -> None:
    assert TimeFormatter(TimeStyle.DETAILED)(TS) == "2024-05-01T12:00:00.123+00:00"
    assert TimeFormatter(TimeStyle.SHORT)(TS) == "2024-05-01T12:00:00"
    assert TimeFormatter(TimeStyle.VIEW)(TS) == "05-01 12:00:00.123"


@pytest.mark.usefixtures("kolkata")
def test_local_time() -> None:
    assert TimeFormatter(TimeStyle.DETAILED, local=True)(TS) == "2024-05-01T17:30:00.123+05:30"
    assert TimeFormatter(TimeStyle.VIEW, local=True)(TS) == "05-01 17:30:00.123"


def test_the_cached_second_does_not_leak_into_the_next() -> None:
    fmt = TimeFormatter(TimeStyle.VIEW)
    assert fmt(TS) == "05-01 12:00:00.123"
    assert fmt(TS + 1000) == "05-01 12:00:01.123"
    assert fmt(TS + 1) == "05-01 12:00:00.124"


def test_filter_smart_case_and_inversion() -> None:
    f = LineFilter.parse("error")
    assert f is not None
    assert f.keeps("An ERROR here")
    assert not f.keeps("fine")
    f = LineFilter.parse("Error")
    assert f is not None
    assert not f.keeps("ERROR")
    assert f.keeps("Error")
    f = LineFilter.parse("!kernel")
    assert f is not None
    assert f.keeps("started")
    assert not f.keeps("Kernel started")
    assert LineFilter.parse("") is None
    assert LineFilter.parse("!") is None
    with pytest.raises(InvalidInput, match="bad regular expression"):
        LineFilter.parse("(unclosed")


@pytest.mark.parametrize(
    "pattern",
    ["a{99999999999}", "(" * 2000 + ")" * 2000, "!x{2,1}"],
    ids=["overflow", "recursion", "re-error"],
)
def test_a_pattern_re_cannot_compile_is_bad_input_whatever_re_raises(pattern: str) -> None:
    with pytest.raises(InvalidInput, match="bad regular expression"):
        LineFilter.parse(pattern)


def test_json_messages_are_indented_and_other_text_is_split() -> None:
    assert message_lines('{"level": "INFO", "n": 1}\n') == [
        "{",
        '  "level": "INFO",',
        '  "n": 1',
        "}",
    ]
    assert message_lines('{"level": "INFO"}', pretty_json=False) == ['{"level": "INFO"}']
    assert message_lines("{not json}") == ["{not json}"]
    assert message_lines("Traceback:\n  File x\nValueError\n") == [
        "Traceback:",
        "  File x",
        "ValueError",
    ]
    assert message_lines("") == [""]


def test_multi_line_messages_continue_under_the_message_column() -> None:
    event = LogEvent(TS, "nb/LifecycleConfigOnStart", "first\nsecond", "1")
    lines = EventRenderer(ViewOptions()).render(event)
    assert lines[0] == "05-01 12:00:00.123 OnStart  first"
    assert lines[1] == " " * len("05-01 12:00:00.123 OnStart  ") + "second"
    bare = EventRenderer(ViewOptions(timestamps=False, show_stream=False)).render(event)
    assert bare == ["first", "second"]


def test_wrapping_keeps_the_message_column() -> None:
    out = wrap_lines(["0123456789" * 5], width=30, indent=10)
    assert out[0] == ("0123456789" * 3)
    assert all(len(line) <= 30 for line in out)
    assert all(line.startswith(" " * 10) for line in out[1:])
    assert "".join([out[0], *(line[10:] for line in out[1:])]) == "0123456789" * 5
