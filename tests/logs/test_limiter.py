"""The shared FilterLogEvents limiter: at most 5 sends in any second, a shared pause after a
throttle, one limiter per (account-or-endpoint, region)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

import sagedeck.aws.logs.limiter as limiter_module
from sagedeck.aws.logs.limiter import WINDOW_MARGIN, RateLimiter, forget_limiters, limiter_for


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def max_in_any_window(times: list[float], period: float) -> int:
    times = sorted(times)
    best = 0
    for i, start in enumerate(times):
        best = max(best, sum(1 for t in times[i:] if t < start + period))
    return best


def test_a_burst_of_five_goes_at_once_and_the_sixth_waits_a_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, 1.0, clock=clock)
    delays = [limiter.reserve() for _ in range(10)]
    assert delays[:5] == [0.0] * 5
    assert all(1.0 < d < 1.1 for d in delays[5:])


def test_reservations_never_put_more_than_five_in_a_sliding_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, 1.0, clock=clock)
    sends: list[float] = []
    for step in range(200):
        clock.now = 1000.0 + step * 0.037  # callers arriving at an awkward rhythm
        sends.append(clock.now + limiter.reserve())
    assert max_in_any_window(sends, 1.0) <= 5
    # ...and the budget is used: 200 sends need about 40 s, not much more.
    assert max(sends) - min(sends) < 41.5


def test_throttling_pauses_every_caller_longer_each_time_and_success_resets() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, 1.0, clock=clock)
    first = limiter.throttled()
    second = limiter.throttled()
    assert 0.7 <= first <= 1.3
    assert 1.4 <= second <= 2.6
    assert limiter.reserve() == pytest.approx(limiter.paused_for, abs=0.01)
    assert limiter.reserve() > 1.0  # a second caller waits as well
    limiter.succeeded()
    clock.now += 100
    assert 0.7 <= limiter.throttled() <= 1.3


def test_backoff_is_capped() -> None:
    limiter = RateLimiter(5, 1.0, clock=FakeClock())
    for _ in range(20):
        delay = limiter.throttled()
    assert delay <= 30 * 1.25


def test_one_limiter_per_scope_and_region() -> None:
    forget_limiters()
    a = limiter_for("endpoint:http://x", "us-east-1")
    assert limiter_for("endpoint:http://x", "us-east-1") is a
    assert limiter_for("endpoint:http://x", "eu-west-1") is not a
    assert limiter_for("profile:dev", "us-east-1") is not a


async def test_concurrent_callers_wait_their_turn_and_stay_within_the_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Four callers at once through ``acquire``, in virtual time: each sleeps the delay it
    reserved and wakes in order of its wake-up time, so a busy machine cannot shift a send."""
    clock = FakeClock()
    limiter = RateLimiter(5, 0.25, clock=clock)
    slept: list[float] = []
    sleeping: list[float] = []  # the wake-up times of the callers asleep

    async def sleep(delay: float) -> None:
        wake = clock.now + delay
        slept.append(delay)
        sleeping.append(wake)
        await asyncio.sleep(0)  # the other callers run meanwhile
        while min(sleeping) < wake:  # noqa: ASYNC110 (virtual time: earlier sleepers first)
            await asyncio.sleep(0)
        sleeping.remove(wake)
        clock.now = max(clock.now, wake)

    monkeypatch.setattr(limiter_module, "asyncio", SimpleNamespace(sleep=sleep))
    sent: list[float] = []
    delays: list[float] = []

    async def caller() -> None:
        for _ in range(5):
            delays.append(await limiter.acquire())
            sent.append(clock.now)

    await asyncio.gather(*(caller() for _ in range(4)))
    assert len(sent) == 20
    assert sorted(slept) == sorted(d for d in delays if d > 0)  # acquire slept what it said
    assert max_in_any_window(sent, 0.25) <= 5
    # ...and the budget is used: four windows' worth, back to back.
    assert max(sent) - min(sent) <= 3 * (0.25 + WINDOW_MARGIN) + 1e-9
