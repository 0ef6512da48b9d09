"""Each fault, through sagedeck's AWS layer: the right sagedeck error after the configured
attempts and no more, and recovery on the very next call once the fault clears (same connection
object: no restart).

"Quickly" is counted, not timed: the attempts the proxy saw (``ATTEMPTS``, from the client
configuration in ``sagedeck.aws.session``: if someone raises it, these tests say so) and, where
no request can arrive, the kind of failure (a refusal, not a timeout). The time each fault took
is recorded as a figure (``pytest -s`` prints them) but not held to a bound: a loaded machine
would fail it for no fault of the code.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import CLIENT_CONFIG
from sagedeck.devtools.faultproxy import Fault, FaultKind, FaultProxy
from sagedeck.errors import (
    AwsError,
    CredentialsError,
    EndpointUnreachable,
    SagedeckError,
    Throttled,
)
from sagedeck.localaws import LocalAws

from .reliability_support import RestartableAws, Stopwatch, target_for

ATTEMPTS: int = CLIENT_CONFIG.retries["total_max_attempts"]


async def list_notebooks(services: AwsServices) -> Any:
    return await services.sagemaker.list_all()


async def expect(services: AwsServices, error: type[SagedeckError], sw: Stopwatch) -> SagedeckError:
    with pytest.raises(error) as caught:
        await list_notebooks(services)
    sw.stop()
    return caught.value


async def recovers(services: AwsServices, proxy: FaultProxy) -> None:
    """The fault is gone: the very next call works, on the same services object, at its first
    attempt."""
    proxy.clear()  # a call the proxy held (a hang) goes on now; it is not counted below
    proxy.reset_stats()
    await list_notebooks(services)
    assert proxy.stats().requests == 1


def not_a_timeout(err: SagedeckError) -> None:
    """Failed at once (refused, reset, closed), not after waiting out a timeout."""
    assert "timeout" not in str(err).lower(), err


@pytest.mark.parametrize("operation", ["ListNotebookInstances", "sagemaker:*", "*"])
async def test_throttled_becomes_throttled_after_botocore_retries(
    services: AwsServices, proxy: FaultProxy, stopwatch: Any, operation: str
) -> None:
    await list_notebooks(services)  # clients built, model loaded: time the fault alone
    proxy.reset_stats()
    proxy.add(Fault(FaultKind.THROTTLE, operations=frozenset({operation})))
    err = await expect(services, Throttled, stopwatch(f"throttle[{operation}] -> Throttled"))
    assert "throttled" in str(err)
    assert proxy.stats().requests == ATTEMPTS
    await recovers(services, proxy)


async def test_throttle_bound(services: AwsServices, proxy: FaultProxy, stopwatch: Any) -> None:
    """Throttled on every call: given up after the configured attempts, not retried on."""
    await list_notebooks(services)
    proxy.reset_stats()
    proxy.add(Fault(FaultKind.THROTTLE))
    await expect(services, Throttled, stopwatch("throttle -> Throttled"))
    assert proxy.stats().requests == proxy.stats().injected["throttle"] == ATTEMPTS


@pytest.mark.parametrize("status", [500, 503])
async def test_5xx_is_retried_then_becomes_aws_error(
    services: AwsServices, proxy: FaultProxy, stopwatch: Any, status: int
) -> None:
    await list_notebooks(services)
    proxy.reset_stats()
    proxy.add(Fault(FaultKind.ERROR, status=status))
    sw = stopwatch(f"{status} -> AwsError")
    err = await expect(services, AwsError, sw)
    code = "InternalFailure" if status == 500 else "ServiceUnavailable"
    assert code in str(err)
    assert "\n" not in str(err)
    assert proxy.stats().requests == ATTEMPTS  # retried, not given up at once
    await recovers(services, proxy)


async def test_a_single_5xx_is_absorbed_by_the_retry(
    services: AwsServices, proxy: FaultProxy
) -> None:
    proxy.add(Fault(FaultKind.ERROR, times=1))
    await list_notebooks(services)
    assert proxy.stats().injected["error"] == 1


async def test_reset_becomes_endpoint_unreachable(
    services: AwsServices, proxy: FaultProxy, stopwatch: Any
) -> None:
    await list_notebooks(services)
    proxy.reset_stats()
    proxy.add(Fault(FaultKind.RESET))
    err = await expect(services, EndpointUnreachable, stopwatch("reset -> EndpointUnreachable"))
    not_a_timeout(err)
    assert proxy.stats().requests == proxy.stats().injected["reset"] == ATTEMPTS
    await recovers(services, proxy)


async def test_refused_becomes_endpoint_unreachable_fast(
    services: AwsServices, proxy: FaultProxy, stopwatch: Any
) -> None:
    await list_notebooks(services)  # a pooled connection exists: refuse() must drop it too
    proxy.reset_stats()
    proxy.refuse()
    sw = stopwatch("refused -> EndpointUnreachable")
    err = await expect(services, EndpointUnreachable, sw)
    assert "unreachable" in str(err)
    assert "Could not connect" in str(err)  # refused at once: no connect timeout waited
    not_a_timeout(err)
    assert proxy.stats().requests == 0  # the pooled connection was dropped, not reused
    proxy.accept()
    await recovers(services, proxy)


async def test_upstream_down_becomes_endpoint_unreachable(
    services: AwsServices, proxy: FaultProxy, stopwatch: Any
) -> None:
    """The embedded AWS gone behind the proxy (a port nobody listens on)."""
    await list_notebooks(services)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    real, proxy.upstream = proxy.upstream, dead
    proxy.reset_stats()
    try:
        sw = stopwatch("upstream down -> EndpointUnreachable")
        not_a_timeout(await expect(services, EndpointUnreachable, sw))
        assert proxy.stats().requests == ATTEMPTS
        assert proxy.stats().forwarded == 0
    finally:
        proxy.upstream = real
    await recovers(services, proxy)


async def test_latency_slows_but_does_not_fail(
    services: AwsServices, proxy: FaultProxy, stopwatch: Any
) -> None:
    await list_notebooks(services)
    proxy.reset_stats()
    proxy.add(Fault(FaultKind.LATENCY, seconds=0.5))
    sw = stopwatch("latency 0.5s -> list")
    await list_notebooks(services)
    sw.stop()
    # delayed, then answered at the first attempt: no read timeout, no retry
    assert proxy.stats().injected["latency"] == 1
    assert proxy.stats().requests == proxy.stats().forwarded == 1


async def test_expired_session_token_names_the_fix_and_recovers(
    services: AwsServices, proxy: FaultProxy
) -> None:
    proxy.add(Fault(FaultKind.EXPIRED_TOKEN))
    with pytest.raises(CredentialsError) as caught:
        await list_notebooks(services)
    assert "expired" in str(caught.value)
    assert "aws sso login" in str(caught.value)
    assert proxy.stats().requests == 1  # not retried: retrying cannot help
    await recovers(services, proxy)


async def test_hang_becomes_endpoint_unreachable_within_the_read_timeout_bound(
    services: AwsServices, proxy: FaultProxy, stopwatch: Any
) -> None:
    """Real client settings: each attempt waits ``read_timeout``. Meanwhile other calls on the
    same connection pool still work, so one hung call never freezes the rest."""
    await list_notebooks(services)
    region = services.conn.regions[0]
    proxy.add(Fault(FaultKind.HANG, operations=frozenset({"ListNotebookInstances"})))
    sw = stopwatch("hang -> EndpointUnreachable")
    hung = asyncio.create_task(list_notebooks(services))
    await asyncio.to_thread(proxy.wait_for, lambda s: s.hung_now >= 1)
    await services.sagemaker.list_lifecycle_configs(region)  # not blocked by the hung call
    with pytest.raises(EndpointUnreachable, match="Read timeout"):
        await hung
    sw.stop()
    assert proxy.stats().hangs == ATTEMPTS  # each attempt waited out the read timeout
    await recovers(services, proxy)


async def test_embedded_aws_killed_and_restarted_on_the_same_port(
    aws: LocalAws, stopwatch: Any
) -> None:
    """No proxy: the server itself goes away (pooled keep-alive connections included) and
    comes back; the same services object recovers on its next call."""
    with RestartableAws(aws) as server:
        target = target_for(server.endpoint_url, aws.regions[:1])
        async with AwsServices(target) as services:
            before = await list_notebooks(services)
            server.kill()
            sw = stopwatch("server killed -> EndpointUnreachable")
            not_a_timeout(await expect(services, EndpointUnreachable, sw))
            server.start()
            client = await services.conn.client("sagemaker", aws.regions[0])
            sent: list[str] = []
            client.meta.events.register("before-send", lambda **_: sent.append("sent"))
            assert await list_notebooks(services) == before  # the same account came back
            assert sent == ["sent"]  # at the first attempt
