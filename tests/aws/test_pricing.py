"""Prices through sagedeck's AWS layer: the notebook product picked among a type's products,
each (region, type) asked once, the disk cache (a second run asks nothing; a day later it asks
again; a corrupt file is ignored), a denied API kept as one problem, not raised, and a denied
or hung API remembered for a while (each request bounded; the first to fail stops the rest)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sagedeck.aws.pricing import client
from sagedeck.aws.pricing.cache import UNAVAILABLE_SECONDS, PriceCache
from sagedeck.aws.pricing.client import RETRY_SECONDS, Prices
from sagedeck.aws.pricing.products import FETCH_CONCURRENCY, notebook_price
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.devtools.faultproxy import FaultProxy
from sagedeck.devtools.faultproxy.faults import Fault, FaultKind
from sagedeck.errors import AccessDenied, EndpointUnreachable
from sagedeck.localaws import LocalAws, pricing

EAST, WEST = "us-east-1", "eu-west-1"
KEYS = [(EAST, "ml.t3.medium"), (WEST, "ml.p3.2xlarge"), (EAST, "ml.p3.2xlarge")]


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(tmp_path: Path, clock: Clock) -> PriceCache:
    return PriceCache(tmp_path / "cache" / "prices.json", clock=clock)


@pytest.fixture
async def denied() -> AsyncIterator[None]:
    pricing.set_denied(True)
    yield
    pricing.set_denied(False)


async def test_prices_are_the_notebook_products(layer: AwsServices, cache: PriceCache) -> None:
    prices = Prices(layer.conn, cache)
    learnt = await prices.fetch(KEYS)
    assert learnt == {
        (EAST, "ml.t3.medium"): 0.05,
        (WEST, "ml.p3.2xlarge"): pricing.notebook_price(WEST, "ml.p3.2xlarge"),
        (EAST, "ml.p3.2xlarge"): 3.825,  # not training's 4.40 nor hosting's 4.78
    }
    assert prices.calls == 1 + len(KEYS)  # DescribeServices once, then one GetProducts each
    assert await prices.fetch(KEYS) == {}  # known: nothing asked
    assert prices.calls == 1 + len(KEYS)


async def test_a_type_without_a_price_is_none_and_not_asked_again(
    layer: AwsServices, cache: PriceCache
) -> None:
    prices = Prices(layer.conn, cache)
    assert await prices.fetch([(EAST, "ml.r7i.48xlarge")]) == {(EAST, "ml.r7i.48xlarge"): None}
    again = Prices(layer.conn, cache)
    assert again.missing([(EAST, "ml.r7i.48xlarge")]) == []
    assert again.has((EAST, "ml.r7i.48xlarge"))
    assert again.get((EAST, "ml.r7i.48xlarge")) is None


async def test_a_second_run_reads_the_disk_and_asks_nothing(
    layer: AwsServices, cache: PriceCache
) -> None:
    await Prices(layer.conn, cache).fetch(KEYS)
    second = Prices(layer.conn, cache)  # as the next run of sagedeck
    assert await second.fetch(KEYS) == {}
    assert second.calls == 0
    assert second.get((EAST, "ml.p3.2xlarge")) == 3.825


async def test_a_day_later_the_prices_are_asked_again(
    layer: AwsServices, cache: PriceCache, clock: Clock
) -> None:
    await Prices(layer.conn, cache).fetch(KEYS)
    clock.now += 24 * 3600 + 1
    later = Prices(layer.conn, cache)
    assert len(await later.fetch(KEYS)) == len(KEYS)
    assert later.calls == 1 + len(KEYS)  # the attribute name expired with the prices


@pytest.mark.parametrize(
    "content",
    [
        "not json{",
        "[]",
        '{"version": 1, "sources": []}',
        '{"version": 1, "sources": {"aws": {"prices": {"us-east-1/ml.t3.medium": ["cheap", 1]}}}}',
        '{"version": 1, "sources": {"aws": {"prices": {"us-east-1/ml.t3.medium": [-1, 1.8e9]}}}}',
        '{"version": 1, "sources": {"aws": {"prices": [], "attribute": 7}}}',
        '{"version": 99, "sources": {}}',
    ],
)
async def test_a_corrupt_cache_file_is_ignored(
    layer: AwsServices, cache: PriceCache, content: str
) -> None:
    cache.path.parent.mkdir(parents=True)
    cache.path.write_text(content)
    prices = Prices(layer.conn, cache)
    assert await prices.fetch([(EAST, "ml.t3.medium")]) == {(EAST, "ml.t3.medium"): 0.05}
    saved = json.loads(cache.path.read_text())  # and replaced by a good one
    assert saved["sources"]["aws"]["prices"]["us-east-1/ml.t3.medium"][0] == 0.05


@pytest.mark.usefixtures("denied")
async def test_denied_is_one_problem_and_no_more_calls(
    layer: AwsServices, cache: PriceCache
) -> None:
    prices = Prices(layer.conn, cache)
    assert await prices.fetch(KEYS) == {}
    assert isinstance(prices.problem, AccessDenied)
    assert "pricing:DescribeServices" in str(prices.problem)
    assert await prices.fetch(KEYS) == {}
    assert prices.calls == 1
    assert cache.load() == ({}, None)  # nothing learnt
    # ...but the denial is remembered: the next run says it without asking
    again = Prices(layer.conn, cache)
    assert await again.fetch(KEYS) == {}
    assert again.calls == 0
    assert str(again.problem).startswith(str(prices.problem) + " (not asked again for ")


def test_an_endpoint_s_prices_are_kept_apart_from_aws_s(cache: PriceCache) -> None:
    """The embedded AWS's prices are not AWS's: they never answer for AWS, nor AWS's for it."""
    local = PriceCache(cache.path, endpoint_url="http://127.0.0.1:5000", clock=cache.clock)
    local.save({(EAST, "ml.t3.medium"): 0.05}, "instanceName")
    cache.save({(EAST, "ml.t3.medium"): 0.0582}, "instanceName")
    assert local.load() == ({(EAST, "ml.t3.medium"): 0.05}, "instanceName")
    assert cache.load() == ({(EAST, "ml.t3.medium"): 0.0582}, "instanceName")


def test_what_expired_is_dropped_when_the_file_is_written(cache: PriceCache, clock: Clock) -> None:
    old = PriceCache(cache.path, endpoint_url="http://127.0.0.1:40123", clock=clock)
    old.save({(EAST, "ml.t3.medium"): 0.05}, "instanceName")  # a demo on a port long gone
    clock.now += 24 * 3600 + 1
    cache.save({(WEST, "ml.t3.medium"): 0.055}, None)
    saved = json.loads(cache.path.read_text())
    assert set(saved["sources"]) == {"aws"}
    assert "attribute" not in saved["sources"]["aws"]


async def test_services_cache_prices_per_endpoint(layer: AwsServices) -> None:
    cache = layer.prices.cache
    assert cache is not None
    assert cache.source == layer.target.endpoint_url


def test_notebook_price_skips_malformed_products() -> None:
    good = {
        "product": {"attributes": {"usagetype": "APS3-Notebk:ml.t3.medium"}},
        "terms": {
            "OnDemand": {
                "a": {
                    "priceDimensions": {
                        "b": {"unit": "Hrs", "pricePerUnit": {"USD": "0.0580000000"}}
                    }
                }
            }
        },
    }
    training = json.loads(json.dumps(good))
    training["product"]["attributes"]["usagetype"] = "APS3-Train:ml.t3.medium"
    training["terms"]["OnDemand"]["a"]["priceDimensions"]["b"]["pricePerUnit"]["USD"] = "9"
    items = ["{broken", json.dumps({"product": None}), json.dumps(training), json.dumps(good)]
    assert notebook_price(items, "ml.t3.medium") == 0.058
    assert notebook_price(items, "ml.t3.large") is None


async def test_a_throttled_price_list_is_left_alone_for_a_while(
    aws: LocalAws, cache: PriceCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Price List API is rate-limited: after a throttle, nothing is asked for a minute
    (not at every refresh), and the prices come once it has passed."""
    with FaultProxy(aws.endpoint_url, seed=1) as proxy:
        proxy.add(Fault(FaultKind.THROTTLE, operations=frozenset({"pricing:GetProducts"})))
        target = AwsTarget(None, (EAST,), proxy.url, credentials=StaticCredentials("demo", "demo"))
        async with AwsServices(target) as services:
            prices = Prices(services.conn, cache)
            assert await prices.fetch(KEYS[:1]) == {}
            assert prices.problem is None  # not denied: it will be asked again, later
            asked = prices.calls
            assert await prices.fetch(KEYS[:1]) == {}
            assert prices.calls == asked  # within the minute: nothing sent
            proxy.clear()
            now = time.monotonic()
            monkeypatch.setattr(client, "monotonic", lambda: now + RETRY_SECONDS + 1)
            assert await prices.fetch(KEYS[:1]) == {(EAST, "ml.t3.medium"): 0.05}


@pytest.fixture
def hung_pricing(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """A proxy on which every Price List request hangs, and a request bound of 0.3 s (not
    REQUEST_SECONDS: the test counts requests, not seconds)."""
    monkeypatch.setattr(client, "REQUEST_SECONDS", 0.3)
    with FaultProxy(aws.endpoint_url, seed=1) as proxy:
        proxy.add(Fault(FaultKind.HANG, operations=frozenset({"pricing:*"})))
        yield proxy
        proxy.clear()


def sent(proxy: FaultProxy) -> list[str]:
    return [seen.call.operation for seen in proxy.seen() if seen.call.service == "pricing"]


async def test_a_hung_price_list_is_one_request_then_remembered(
    hung_pricing: FaultProxy, cache: PriceCache, clock: Clock
) -> None:
    """The dashboard's path: a hung API costs one bounded request (botocore's retry cut
    short with it), is one problem, and the next run asks nothing until a while has passed."""
    proxy = hung_pricing
    target = AwsTarget(None, (EAST,), proxy.url, credentials=StaticCredentials("demo", "demo"))
    async with AwsServices(target) as services:
        prices = Prices(services.conn, cache)
        assert await prices.fetch(KEYS) == {}
        assert isinstance(prices.problem, EndpointUnreachable)
        assert "read the price list's attributes: no answer in 0.3 s" in str(prices.problem)
        assert sent(proxy) == ["DescribeServices"]
        again = Prices(services.conn, cache)  # the next start of the dashboard
        assert await again.fetch(KEYS) == {}
        assert (again.calls, len(sent(proxy))) == (0, 1)
        assert str(again.problem) == f"{prices.problem} (not asked again for 15 min)"
        clock.now += UNAVAILABLE_SECONDS + 1
        later = Prices(services.conn, cache)
        assert await later.fetch(KEYS) == {}
        assert later.calls == 1  # asked again, once


async def test_the_first_hung_price_stops_the_others(
    hung_pricing: FaultProxy, cache: PriceCache
) -> None:
    proxy = hung_pricing
    many = [(region, kind) for region in (EAST, WEST) for kind in pricing.NOTEBOOK_PRICES]
    assert len(many) > FETCH_CONCURRENCY
    cache.save({("elsewhere", "ml.t3.medium"): 0.05}, "instanceName")  # no DescribeServices
    target = AwsTarget(None, (EAST,), proxy.url, credentials=StaticCredentials("demo", "demo"))
    async with AwsServices(target) as services:
        prices = Prices(services.conn, cache)
        assert await prices.fetch(many) == {}
        assert isinstance(prices.problem, EndpointUnreachable)
        asked = sent(proxy)
        assert set(asked) == {"GetProducts"}
        assert len(asked) <= FETCH_CONCURRENCY  # those in flight; none sent after the first


def test_what_is_remembered_outlives_no_more_than_its_while(
    cache: PriceCache, clock: Clock
) -> None:
    cache.remember_unavailable("not allowed: pricing:GetProducts")
    clock.now += UNAVAILABLE_SECONDS - 61
    assert cache.unavailable() == "not allowed: pricing:GetProducts (not asked again for 2 min)"
    cache.save({(EAST, "ml.t3.medium"): 0.05}, "instanceName")  # it answered since
    assert cache.unavailable() is None
    cache.remember_unavailable("gone")
    clock.now += UNAVAILABLE_SECONDS
    assert cache.unavailable() is None
    cache.save({(WEST, "ml.t3.medium"): 0.055}, None)
    assert "unavailable" not in json.loads(cache.path.read_text())["sources"]["aws"]
