"""`sagedeck ls --json`'s prices on the quick path (sagedeck.aws.quick.pricing): on a cold cache
they are asked of the Price List API without botocore, read as the ordinary path reads them and
kept for the next run; a denied, throttled, hung or unreachable API is one line on stderr and
null prices (denied and unreachable remembered for a while: the next run asks nothing); any
other fault hands the whole command to the ordinary path, the quick path having printed
nothing."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

import sagedeck.commands.notebooks as commands
from sagedeck.aws.pricing.cache import UNAVAILABLE_SECONDS, PriceCache
from sagedeck.aws.pricing.client import Prices
from sagedeck.aws.pricing.products import FETCH_CONCURRENCY
from sagedeck.aws.quick import pricing as quick_pricing
from sagedeck.aws.services import AwsServices
from sagedeck.cli import main
from sagedeck.devtools.faultproxy import FaultProxy
from sagedeck.devtools.faultproxy.faults import Fault, FaultKind
from sagedeck.localaws import LocalAws, pricing

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def keys(aws_env: LocalAws) -> None:
    """Static keys in the environment: the plain case the quick path takes."""


@pytest.fixture
def ordinary(monkeypatch: pytest.MonkeyPatch) -> list[argparse.Namespace]:
    """Each run of the ordinary ``ls`` (empty: the quick path did it all)."""
    runs: list[argparse.Namespace] = []
    real = commands.cmd_ls

    async def counted(args: argparse.Namespace, services: AwsServices) -> int:
        runs.append(args)
        return await real(args, services)

    monkeypatch.setattr(commands, "cmd_ls", counted)
    return runs


@pytest.fixture
def denied_pricing() -> Iterator[None]:
    pricing.set_denied(True)
    yield
    pricing.set_denied(False)


def ls_json(proxy: FaultProxy, aws: LocalAws, capsys: pytest.CaptureFixture[str]) -> Any:
    """``ls --json`` of every region through the proxy: exit status, rows, stderr lines."""
    code = main(["ls", "--json", "--endpoint-url", proxy.url, "--region", ",".join(aws.regions)])
    out, err = capsys.readouterr()
    return code, json.loads(out), err.splitlines()


def pricing_calls(proxy: FaultProxy) -> list[str]:
    return [seen.call.operation for seen in proxy.seen() if seen.call.service == "pricing"]


async def test_a_cold_cache_is_filled_with_the_ordinary_path_s_prices(
    keys: None,
    proxy: FaultProxy,
    aws: LocalAws,
    services: AwsServices,
    ordinary: list[argparse.Namespace],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, rows, err = ls_json(proxy, aws, capsys)
    assert (code, err, ordinary) == (0, [], [])
    assert {row["region"] for row in rows} == set(aws.regions)
    wanted = sorted({(row["region"], row["instance_type"]) for row in rows})
    asked = pricing_calls(proxy)
    assert asked.count("DescribeServices") == 1
    assert asked.count("GetProducts") == len(wanted)  # each (region, type) once

    by_ordinary = Prices(services.conn)  # no cache: asked of the embedded AWS again
    await by_ordinary.fetch(wanted)
    assert by_ordinary.problem is None
    for row in rows:
        key = (row["region"], row["instance_type"])
        assert row["price_per_hour"] == by_ordinary.get(key) is not None
        assert row["price_per_hour"] == pricing.notebook_price(*key)

    known, attribute = PriceCache(endpoint_url=proxy.url).load()
    assert {key: known[key] for key in wanted} == {key: by_ordinary.get(key) for key in wanted}
    assert attribute == "instanceName"

    proxy.reset_stats()
    again = ls_json(proxy, aws, capsys)
    assert again == (0, rows, [])
    assert pricing_calls(proxy) == []  # the second run reads the cache alone
    assert ordinary == []


@pytest.mark.usefixtures("denied_pricing")
def test_a_denied_price_list_is_one_line_and_null_prices(
    keys: None,
    proxy: FaultProxy,
    aws: LocalAws,
    ordinary: list[argparse.Namespace],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, rows, err = ls_json(proxy, aws, capsys)
    assert code == 0
    assert ordinary == []
    assert rows
    assert all(row["price_per_hour"] is None for row in rows)
    assert err == [
        "sagedeck: prices unavailable: not allowed: pricing:DescribeServices"
        " (read the price list's attributes)"
    ]
    assert pricing_calls(proxy) == ["DescribeServices"]  # nothing more asked
    assert PriceCache(endpoint_url=proxy.url).load() == ({}, None)  # nothing learnt, kept


def test_a_throttled_price_list_is_one_line_and_null_prices(
    keys: None,
    proxy: FaultProxy,
    aws: LocalAws,
    ordinary: list[argparse.Namespace],
    capsys: pytest.CaptureFixture[str],
) -> None:
    proxy.add(Fault(FaultKind.THROTTLE, operations=frozenset({"pricing:GetProducts"})))
    code, rows, err = ls_json(proxy, aws, capsys)
    assert code == 0
    assert ordinary == []
    assert rows
    assert all(row["price_per_hour"] is None for row in rows)
    assert len(err) == 1
    assert err[0].startswith("sagedeck: prices unavailable: throttled by AWS")
    assert PriceCache(endpoint_url=proxy.url).load() == ({}, None)  # no price: nothing kept


def test_another_pricing_fault_hands_the_command_to_the_ordinary_path(
    keys: None,
    proxy: FaultProxy,
    aws: LocalAws,
    ordinary: list[argparse.Namespace],
    capsys: pytest.CaptureFixture[str],
) -> None:
    proxy.add(Fault(FaultKind.ERROR, operations=frozenset({"pricing:GetProducts"}), times=1))
    code, rows, err = ls_json(proxy, aws, capsys)  # one JSON document: quick printed nothing
    assert (code, err) == (0, [])
    assert len(ordinary) == 1
    assert ordinary[0].listed  # the quick path's listing was kept: not listed twice
    listed = [seen for seen in proxy.seen() if seen.call.operation == "ListNotebookInstances"]
    assert len(listed) == len(aws.regions)
    for row in rows:  # botocore retried the failed request
        assert row["price_per_hour"] == pricing.notebook_price(row["region"], row["instance_type"])


@pytest.fixture
def short_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hung request gives up after 0.3 s rather than ANSWER_SECONDS: the test counts
    requests, not seconds."""
    monkeypatch.setattr(quick_pricing, "ANSWER_SECONDS", 0.3)


HUNG = Fault(FaultKind.HANG, operations=frozenset({"pricing:*"}))


@pytest.mark.usefixtures("short_answers")
def test_a_hung_price_list_costs_one_request_then_none_until_it_is_asked_again(
    keys: None,
    proxy: FaultProxy,
    aws: LocalAws,
    ordinary: list[argparse.Namespace],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A network that swallows the Price List API's packets: the first `ls` sends one request
    (not a retry, not one per type), says so in one line and lists with null prices; the next
    `ls` sends none and says it again, with when it will ask."""
    proxy.add(HUNG)
    code, rows, err = ls_json(proxy, aws, capsys)
    assert (code, ordinary) == (0, [])
    assert rows
    assert all(row["price_per_hour"] is None for row in rows)
    assert len(err) == 1
    assert err[0].startswith(
        "sagedeck: prices unavailable: AWS endpoint unreachable during read the price list's"
        " attributes in us-east-1: Read timeout"
    )
    assert pricing_calls(proxy) == ["DescribeServices"]

    proxy.reset_stats()
    again = ls_json(proxy, aws, capsys)
    assert again[:2] == (0, rows)
    assert again[2] == [f"{err[0]} (not asked again for 15 min)"]
    assert pricing_calls(proxy) == []  # remembered: nothing sent
    assert ordinary == []


@pytest.mark.usefixtures("short_answers")
def test_the_first_hung_price_stops_the_others(
    keys: None,
    proxy: FaultProxy,
    aws: LocalAws,
    ordinary: list[argparse.Namespace],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With the attribute known, several prices are asked at once: the first to hang stops
    them all, and none of the other types is asked after it (no timeout after timeout)."""
    PriceCache(endpoint_url=proxy.url).save({("elsewhere", "ml.t3.medium"): 0.05}, "instanceName")
    proxy.add(HUNG)
    code, rows, err = ls_json(proxy, aws, capsys)
    assert (code, ordinary) == (0, [])
    types = {(row["region"], row["instance_type"]) for row in rows}
    assert len(types) > FETCH_CONCURRENCY  # else nothing would be left unasked
    asked = pricing_calls(proxy)
    assert set(asked) == {"GetProducts"}
    assert len(asked) <= FETCH_CONCURRENCY  # those in flight at once, nothing after
    assert len(err) == 1
    assert "unreachable during read the price of ml." in err[0]
    assert all(row["price_per_hour"] is None for row in rows)


def test_a_price_list_that_resets_the_connection_is_unreachable_not_the_ordinary_path_s(
    keys: None,
    proxy: FaultProxy,
    aws: LocalAws,
    ordinary: list[argparse.Namespace],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A firewall that resets the connection: asked twice (a closed keep-alive connection is
    worth a retry), then one line, remembered; the ordinary path (botocore loaded, asked
    again) is not taken for it."""
    proxy.add(Fault(FaultKind.RESET, operations=frozenset({"pricing:*"})))
    code, rows, err = ls_json(proxy, aws, capsys)
    assert (code, ordinary) == (0, [])
    assert all(row["price_per_hour"] is None for row in rows)
    assert len(err) == 1
    assert "unreachable during read the price list's attributes: connection lost" in err[0]
    assert pricing_calls(proxy) == ["DescribeServices"] * 2
    proxy.reset_stats()
    assert ls_json(proxy, aws, capsys)[2] == [f"{err[0]} (not asked again for 15 min)"]
    assert pricing_calls(proxy) == []


@pytest.mark.usefixtures("denied_pricing")
def test_a_denied_price_list_is_remembered_and_forgotten_once_it_answers(
    keys: None,
    proxy: FaultProxy,
    aws: LocalAws,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Denied: not asked again for a while; once that has passed, asked again, and the prices
    that come back end what was remembered."""
    ls_json(proxy, aws, capsys)
    proxy.reset_stats()
    assert ls_json(proxy, aws, capsys)[2][0].endswith("(not asked again for 15 min)")
    assert pricing_calls(proxy) == []
    pricing.set_denied(False)
    later = time.time() + UNAVAILABLE_SECONDS + 1
    monkeypatch.setattr(PriceCache, "__init__", _clocked(PriceCache.__init__, lambda: later))
    code, rows, err = ls_json(proxy, aws, capsys)
    assert (code, err) == (0, [])
    assert all(row["price_per_hour"] is not None for row in rows)
    assert PriceCache(endpoint_url=proxy.url).unavailable() is None


def _clocked(init: Any, clock: Any) -> Any:
    """``PriceCache.__init__`` with ``clock`` unless one is given."""

    def clocked(self: PriceCache, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("clock", clock)
        init(self, *args, **kwargs)

    return clocked
