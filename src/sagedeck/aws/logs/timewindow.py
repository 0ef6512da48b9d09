"""Times for log queries: ``--since`` values and the TUI's time windows, as epoch milliseconds."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

from sagedeck.errors import InvalidInput

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_RELATIVE = re.compile(r"(?:(\d+)\s*([smhdw]))+?", re.ASCII)
_RELATIVE_WHOLE = re.compile(r"^(?:\d+\s*[smhdw]\s*)+$", re.ASCII)

# k9s's log keys: 0 is the tail, 1-6 are windows from one minute to one hour.
TIME_WINDOWS: dict[str, timedelta] = {
    "1": timedelta(minutes=1),
    "2": timedelta(minutes=5),
    "3": timedelta(minutes=10),
    "4": timedelta(minutes=15),
    "5": timedelta(minutes=30),
    "6": timedelta(hours=1),
}


def now_ms() -> int:
    return int(time.time() * 1000)


# Further back than the epoch already means "from the first event"; a century more is a typo
# (and 99999999999d overflows a timedelta): refused, pointing at 'all'.
MAX_DURATION = timedelta(days=36525)


def parse_duration(text: str) -> timedelta | None:
    """``10m``, ``2h``, ``1d``, ``1w``, ``1h30m`` (as ``aws logs tail`` takes, plus combinations);
    None when ``text`` is not a duration; InvalidInput beyond :data:`MAX_DURATION`."""
    compact = text.strip().lower()
    if not compact or not _RELATIVE_WHOLE.match(compact):
        return None
    limit = int(MAX_DURATION.total_seconds())
    seconds = 0
    for amount, unit in _RELATIVE.findall(compact):
        # the digits are counted before int() reads them: it refuses more than 4,300
        if len(amount.lstrip("0")) > len(str(limit)):
            seconds = limit + 1
            break
        seconds += int(amount) * _UNIT_SECONDS[unit]
    if seconds > limit:
        raise InvalidInput(
            f"--since {text!r} is more than {MAX_DURATION.days // 365} years back:"
            " use --since all for every event"
        )
    return timedelta(seconds=seconds)


def parse_since(text: str, *, now: int | None = None, local_time: bool = False) -> int | None:
    """The epoch milliseconds ``--since`` means; None for ``all`` (from the first event).

    An ISO 8601 time without an offset is UTC, or local time with ``local_time``, matching what
    the output shows.
    """
    value = text.strip()
    if value.lower() in ("all", "beginning"):
        return None
    reference = now_ms() if now is None else now
    duration = parse_duration(value)
    if duration is not None:
        return max(0, reference - int(duration.total_seconds() * 1000))
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise InvalidInput(
            f"--since {text!r}: expected a duration (30s, 10m, 2h, 1d, 1w, 1h30m), an ISO time"
            " (2024-05-01T12:00, 2024-05-01T12:00:00+02:00) or 'all'"
        ) from None
    try:
        if moment.tzinfo is None:
            moment = moment.astimezone() if local_time else moment.replace(tzinfo=UTC)
        return max(0, int(moment.timestamp() * 1000))
    except (ValueError, OverflowError):  # 0001-01-01 in a zone east of UTC: year 0
        raise InvalidInput(f"--since {text!r} is out of the range of dates") from None


def window_start(key: str, *, now: int | None = None) -> int:
    """The start of the TUI window for key ``1``-``6``."""
    reference = now_ms() if now is None else now
    return reference - int(TIME_WINDOWS[key].total_seconds() * 1000)


def describe_window(key: str) -> str:
    minutes = int(TIME_WINDOWS[key].total_seconds() // 60)
    return "last hour" if minutes == 60 else f"last {minutes} min"
