"""--since and the TUI's time windows."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from sagedeck.aws.logs.timewindow import TIME_WINDOWS, parse_duration, parse_since, window_start
from sagedeck.errors import InvalidInput

NOW = int(datetime(2024, 5, 1, 12, 0, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("10m", 600), ("2h", 7200), ("1d", 86400), ("1w", 604800), ("1h30m", 5400)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_since(text, now=NOW) == NOW - seconds * 1000


def test_iso_times_without_offset_are_utc_and_with_offset_are_honoured() -> None:
    assert parse_since("2024-05-01T11:00", now=NOW) == NOW - 3600_000
    assert parse_since("2024-05-01T13:00:00+02:00", now=NOW) == NOW - 3600_000
    assert parse_since("2024-05-01T11:00:00Z", now=NOW) == NOW - 3600_000
    assert parse_since("2024-05-01", now=NOW) == NOW - 12 * 3600_000


def test_all_means_from_the_beginning() -> None:
    assert parse_since("all") is None


@pytest.mark.parametrize("text", ["", "ten minutes", "10x", "m10", "2024-13-01"])
def test_bad_values_say_what_is_expected(text: str) -> None:
    with pytest.raises(InvalidInput, match="expected a duration"):
        parse_since(text, now=NOW)


def test_not_a_duration() -> None:
    assert parse_duration("2024-05-01") is None


def test_windows_go_from_a_minute_to_an_hour() -> None:
    assert sorted(TIME_WINDOWS) == list("123456")
    assert window_start("1", now=NOW) == NOW - 60_000
    assert window_start("6", now=NOW) == NOW - 3600_000


@pytest.mark.parametrize(
    "text",
    ["99999999999d", "9" * 5000 + "s", "36526d", "5300w"],
    ids=["overflow", "5000-digits", "a-day-too-far", "weeks"],
)
def test_a_duration_beyond_a_century_is_refused_not_overflowed(text: str) -> None:
    with pytest.raises(InvalidInput, match="more than 100 years back: use --since all"):
        parse_since(text, now=NOW)


def test_a_century_back_is_the_first_event() -> None:
    assert parse_since("36525d", now=NOW) == 0


def test_the_first_day_of_the_calendar_in_a_zone_east_of_utc_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """0001-01-01 read as Kolkata time falls in year 0, which datetime refuses."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        with pytest.raises(InvalidInput, match="out of the range of dates"):
            parse_since("0001-01-01T00:00", now=NOW, local_time=True)
        assert parse_since("0001-01-01T00:00", now=NOW) == 0  # read as UTC: before the epoch
    finally:
        monkeypatch.undo()
        time.tzset()
