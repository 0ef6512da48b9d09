"""The instance table works a row's age out again only when its text can change
(``text.format.age_changes_at``): held to ``age`` itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sagedeck.text.format import age, age_changes_at

SINCE = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "elapsed",
    [0, 1, 59, 60, 61, 3599, 3600, 3601, 3660, 86399, 86400, 86401, 90000, 10 * 86400 + 7],
)
def test_the_age_text_holds_until_it_changes(elapsed: int) -> None:
    now = SINCE + timedelta(seconds=elapsed, milliseconds=250)
    until = age_changes_at(SINCE, now)
    assert until > now
    shown = age(SINCE, now)
    moment = now
    while moment + timedelta(seconds=1) < until:
        moment += timedelta(seconds=1)
        assert age(SINCE, moment) == shown
    assert age(SINCE, until) != shown
