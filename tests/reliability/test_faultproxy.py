"""The fault proxy itself: each fault reaches botocore exactly as the real service would send it.

These use plain aiobotocore clients (not sagedeck's AWS layer), so they check the proxy against
botocore's own parsers and retry rules: a throttle the SDK does not recognise as a throttle
would make every test above it lie.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore import exceptions as bce

from sagedeck.devtools.faultproxy import Fault, FaultKind, FaultProxy, parse_fault

# service -> (a read call every protocol's fake implements, its kwargs)
CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "sagemaker": ("list_notebook_instances", {}),
    "logs": ("describe_log_groups", {}),
    "ssm": ("describe_parameters", {}),
    "ec2": ("describe_network_interfaces", {}),
    "iam": ("list_roles", {}),
    "sts": ("get_caller_identity", {}),
}
# (fault, service) -> (error code, HTTP status) the real service answers with
EXPECTED: dict[tuple[str, str], tuple[str, int]] = {}
for _svc in ("sagemaker", "logs", "ssm"):  # JSON 1.1
    EXPECTED[("throttle", _svc)] = ("ThrottlingException", 400)
    EXPECTED[("error 0 status=500", _svc)] = ("InternalFailure", 500)
    EXPECTED[("error", _svc)] = ("ServiceUnavailable", 503)
    EXPECTED[("expired-token", _svc)] = ("ExpiredTokenException", 400)
    EXPECTED[("deny", _svc)] = ("AccessDeniedException", 400)
for _svc in ("iam", "sts"):  # query protocol
    EXPECTED[("throttle", _svc)] = ("Throttling", 400)
    EXPECTED[("error 0 status=500", _svc)] = ("InternalFailure", 500)
    EXPECTED[("error", _svc)] = ("ServiceUnavailable", 503)
    EXPECTED[("expired-token", _svc)] = ("ExpiredToken", 403)
    EXPECTED[("deny", _svc)] = ("AccessDenied", 403)
EXPECTED[("throttle", "ec2")] = ("RequestLimitExceeded", 503)
EXPECTED[("error 0 status=500", "ec2")] = ("InternalError", 500)
EXPECTED[("error", "ec2")] = ("Unavailable", 503)
EXPECTED[("expired-token", "ec2")] = ("RequestExpired", 400)
EXPECTED[("deny", "ec2")] = ("UnauthorizedOperation", 403)

ClientFactory = Callable[..., Coroutine[Any, Any, Any]]


@pytest.fixture
async def client_for(proxy: FaultProxy) -> AsyncIterator[ClientFactory]:
    """Clients through the proxy; ``attempts`` is botocore's total_max_attempts (1: no retry)."""
    session = get_session()
    opened: list[Any] = []

    async def make(service: str, attempts: int = 1) -> Any:
        config = AioConfig(
            retries={"mode": "standard", "total_max_attempts": attempts},
            # a local proxy, but a loaded CI machine can leave its accept waiting >2 s
            connect_timeout=10,
            read_timeout=5,
        )
        ctx = session.create_client(
            service,
            region_name="us-east-1",
            endpoint_url=proxy.url,
            aws_access_key_id="demo",
            aws_secret_access_key="demo",
            config=config,
        )
        opened.append(ctx)
        return await ctx.__aenter__()

    yield make
    for ctx in opened:
        await ctx.__aexit__(None, None, None)


async def call(client: Any, service: str) -> dict[str, Any]:
    method, kwargs = CALLS[service]
    result: dict[str, Any] = await getattr(client, method)(**kwargs)
    return result


@pytest.mark.parametrize(("spec", "service"), sorted(EXPECTED))
async def test_each_fault_reaches_botocore_as_the_service_sends_it(
    proxy: FaultProxy, client_for: ClientFactory, spec: str, service: str
) -> None:
    code, status = EXPECTED[(spec, service)]
    fault = parse_fault(spec)
    proxy.add(Fault(fault.kind, status=fault.status))
    client = await client_for(service)
    with pytest.raises(bce.ClientError) as caught:
        await call(client, service)
    error = caught.value.response["Error"]
    assert error["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error.get("Message")  # botocore found the message where the protocol puts it
    assert proxy.stats().injected[fault.kind.value] == 1


@pytest.mark.parametrize("service", ["sagemaker", "ec2", "iam"])  # one per protocol
@pytest.mark.parametrize("spec", ["throttle", "error 0 status=500", "error"])
async def test_botocore_retries_throttles_and_5xx_and_then_succeeds(
    proxy: FaultProxy, client_for: ClientFactory, spec: str, service: str
) -> None:
    """Only a throttle botocore recognises (by code and status) is retried: one retry here
    proves the wire format is the real one, not just any error."""
    fault = parse_fault(spec)
    proxy.add(Fault(fault.kind, status=fault.status, times=1))
    client = await client_for(service, attempts=2)
    result = await call(client, service)
    assert result["ResponseMetadata"]["RetryAttempts"] == 1
    assert proxy.stats().requests == 2


@pytest.mark.parametrize("service", ["sagemaker", "iam", "ec2"])
async def test_denied_and_expired_are_not_retried(
    proxy: FaultProxy, client_for: ClientFactory, service: str
) -> None:
    for kind in (FaultKind.DENY, FaultKind.EXPIRED_TOKEN):
        proxy.clear()
        proxy.reset_stats()
        proxy.add(Fault(kind, times=1))
        client = await client_for(service, attempts=3)
        with pytest.raises(bce.ClientError):
            await call(client, service)
        assert proxy.stats().requests == 1


async def test_only_the_named_operations_are_hit(
    proxy: FaultProxy, client_for: ClientFactory
) -> None:
    proxy.add(parse_fault("throttle ops=FilterLogEvents,iam:ListRoles"))
    logs = await client_for("logs")
    iam = await client_for("iam")
    with pytest.raises(bce.ClientError, match="ThrottlingException"):
        await logs.filter_log_events(logGroupName="/aws/sagemaker/NotebookInstances")
    with pytest.raises(bce.ClientError, match="Throttling"):
        await iam.list_roles()
    await logs.describe_log_groups()  # other operations of the same service pass
    await iam.list_users()
    seen = [(s.call.service, s.call.operation, s.fault) for s in proxy.seen()]
    assert seen == [
        ("logs", "FilterLogEvents", FaultKind.THROTTLE),
        ("iam", "ListRoles", FaultKind.THROTTLE),
        ("logs", "DescribeLogGroups", None),
        ("iam", "ListUsers", None),
    ]


async def test_rate_hits_a_share_of_calls(proxy: FaultProxy, client_for: ClientFactory) -> None:
    proxy.add(Fault(FaultKind.THROTTLE, rate=0.5))
    client = await client_for("sagemaker")
    outcomes = await asyncio.gather(
        *(call(client, "sagemaker") for _ in range(60)), return_exceptions=True
    )
    throttled = sum(isinstance(o, bce.ClientError) for o in outcomes)
    assert 15 <= throttled <= 45  # seeded; a rate ignored would give 0 or 60
    assert throttled == proxy.stats().injected["throttle"]


async def test_times_limits_a_fault(proxy: FaultProxy, client_for: ClientFactory) -> None:
    proxy.add(Fault(FaultKind.ERROR, times=2))
    client = await client_for("sagemaker")
    for _ in range(2):
        with pytest.raises(bce.ClientError):
            await call(client, "sagemaker")
    await call(client, "sagemaker")
    assert proxy.faults() == []


async def test_reset_closes_the_connection_without_a_response(
    proxy: FaultProxy, client_for: ClientFactory
) -> None:
    proxy.add(Fault(FaultKind.RESET, times=1))
    client = await client_for("sagemaker")
    with pytest.raises((bce.ConnectionClosedError, bce.EndpointConnectionError)):
        await call(client, "sagemaker")
    await call(client, "sagemaker")  # the next connection works


async def test_latency_delays_and_then_forwards(
    proxy: FaultProxy, client_for: ClientFactory
) -> None:
    proxy.add(Fault(FaultKind.LATENCY, seconds=0.3))
    client = await client_for("sagemaker")
    loop = asyncio.get_running_loop()
    started = loop.time()
    await call(client, "sagemaker")
    assert loop.time() - started >= 0.3  # a lower bound: no busy machine makes a wait shorter
    assert proxy.stats().injected["latency"] == 1
    assert proxy.stats().requests == proxy.stats().forwarded == 1


async def test_hang_holds_a_call_until_released(
    proxy: FaultProxy, client_for: ClientFactory
) -> None:
    proxy.add(Fault(FaultKind.HANG, operations=frozenset({"ListNotebookInstances"})))
    client = await client_for("sagemaker")
    hung = asyncio.create_task(call(client, "sagemaker"))
    await asyncio.to_thread(proxy.wait_for, lambda s: s.hung_now == 1)
    # other calls are not held up by the hung one
    await client.list_endpoints()
    assert not hung.done()
    proxy.release()
    result = await asyncio.wait_for(hung, 5)
    assert result["ResponseMetadata"]["HTTPStatusCode"] == 200


async def test_hang_for_seconds_then_forwards(proxy: FaultProxy, client_for: ClientFactory) -> None:
    proxy.add(Fault(FaultKind.HANG, seconds=0.4, times=1))
    client = await client_for("sagemaker")
    loop = asyncio.get_running_loop()
    started = loop.time()
    await call(client, "sagemaker")
    assert loop.time() - started >= 0.4  # a lower bound: no busy machine makes a wait shorter
    assert proxy.stats().hangs == 1
    assert proxy.stats().requests == proxy.stats().forwarded == 1


async def test_hang_outlasting_the_read_timeout_raises_read_timeout(
    proxy: FaultProxy, client_for: ClientFactory
) -> None:
    proxy.add(Fault(FaultKind.HANG))
    session = get_session()
    config = AioConfig(retries={"total_max_attempts": 1}, read_timeout=0.5)
    async with session.create_client(
        "sagemaker",
        region_name="us-east-1",
        endpoint_url=proxy.url,
        aws_access_key_id="demo",
        aws_secret_access_key="demo",
        config=config,
    ) as client:
        with pytest.raises(bce.ReadTimeoutError):
            await client.list_notebook_instances()


async def test_refuse_drops_open_connections_and_accept_listens_again(
    proxy: FaultProxy, client_for: ClientFactory
) -> None:
    client = await client_for("sagemaker")
    await call(client, "sagemaker")  # a pooled keep-alive connection now exists
    proxy.refuse()
    assert not proxy.listening
    with pytest.raises(bce.EndpointConnectionError):
        await call(client, "sagemaker")
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", int(proxy.url.rsplit(":", 1)[1]))
    proxy.accept()
    await call(client, "sagemaker")


def test_fault_specs_parse_and_bad_ones_are_refused() -> None:
    fault = parse_fault("throttle 0.3 ops=FilterLogEvents,iam:GetRole times=5")
    assert fault == Fault(
        FaultKind.THROTTLE,
        rate=0.3,
        operations=frozenset({"FilterLogEvents", "iam:GetRole"}),
        times=5,
    )
    assert parse_fault("latency 0.5").seconds == 0.5
    assert parse_fault("error 0.1 status=500").status == 500
    for bad in ("", "explode", "throttle 2", "error status=404", "latency", "throttle x=1"):
        with pytest.raises(ValueError):  # noqa: PT011 - each message differs
            parse_fault(bad)
