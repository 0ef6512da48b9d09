"""Fixtures for the reliability tests: a fault proxy in front of the embedded AWS.

One proxy per test session (per xdist worker), cleared before each test: a test adds its faults,
and the proxy forwards everything else to the shared embedded AWS untouched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.devtools.faultproxy import FaultProxy
from sagedeck.localaws import LocalAws

from .reliability_support import Stopwatch, target_for


@pytest.fixture(scope="session")
def upstream(local_aws: LocalAws) -> tuple[str, tuple[str, ...]]:
    """The embedded AWS's endpoint and regions."""
    return local_aws.endpoint_url, local_aws.regions


@pytest.fixture(scope="session")
def session_proxy(upstream: tuple[str, tuple[str, ...]]) -> Iterator[FaultProxy]:
    with FaultProxy(upstream[0], seed=1234) as proxy:
        yield proxy


@pytest.fixture
def proxy(session_proxy: FaultProxy) -> Iterator[FaultProxy]:
    """The session's proxy with no fault, listening, and fresh counters."""
    session_proxy.clear()
    session_proxy.accept()
    session_proxy.reset_stats()
    yield session_proxy
    session_proxy.clear()
    session_proxy.accept()


@pytest.fixture
async def services(proxy: FaultProxy, aws: LocalAws) -> AsyncIterator[AwsServices]:
    """sagedeck's AWS layer, talking to the freshly seeded embedded AWS through the proxy
    (first region only: one listing call per refresh keeps the counts simple)."""
    async with AwsServices(target_for(proxy.url, aws.regions[:1])) as services:
        yield services


@pytest.fixture
def stopwatch(
    record_property: Callable[[str, object], None],
) -> Iterator[Callable[[str], Stopwatch]]:
    """``with``-less timing: ``sw = stopwatch("throttle"); ...; sw.stop()``. Every figure is
    recorded as a junit property and printed (``pytest -s`` shows them)."""
    taken: list[Stopwatch] = []

    def start(label: str) -> Stopwatch:
        sw = Stopwatch(label)
        taken.append(sw)
        return sw

    yield start
    for sw in taken:
        record_property(sw.label, round(sw.seconds, 3))
        print(f"\nFIGURE {sw.label}: {sw.seconds:.3f}s")
