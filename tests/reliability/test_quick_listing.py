"""`sagedeck ls` on its quick path (sagedeck.aws.quick) when AWS answers with a fault: nothing
printed by the quick path, the ordinary path retries and reports as it always has."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sagedeck.aws import quick
from sagedeck.aws.services import AwsServices
from sagedeck.cli import main
from sagedeck.devtools.faultproxy import FaultProxy
from sagedeck.devtools.faultproxy.faults import Fault, FaultKind
from sagedeck.localaws import LocalAws
from sagedeck.models import RegionListing

LIST = "ListNotebookInstances"


@pytest.fixture
def keys(aws_env: LocalAws) -> None:
    """Static keys in the environment: the plain case the quick path takes."""


def ls(proxy: FaultProxy, aws: LocalAws) -> list[str]:
    return ["ls", "--json", "--endpoint-url", proxy.url, "--region", ",".join(aws.regions)]


def test_plain_listing_takes_one_call_per_page(
    keys: None, proxy: FaultProxy, aws: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(ls(proxy, aws)) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {nb["region"] for nb in listed} == set(aws.regions)
    lists = [seen for seen in proxy.seen() if seen.call.operation == LIST]
    assert len(lists) == len(aws.regions)  # one page each: no second listing
    # (the prices of the rows, not cached yet, were read from the Price List API besides)
    assert {seen.call.service for seen in proxy.seen()} <= {"sagemaker", "pricing"}


def test_a_throttled_page_is_retried_by_the_ordinary_path(
    keys: None, proxy: FaultProxy, aws: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    proxy.add(Fault(FaultKind.THROTTLE, operations=frozenset({LIST}), times=1))
    assert main(ls(proxy, aws)) == 0
    out, err = capsys.readouterr()
    assert err == ""
    listed = json.loads(out)  # one complete document: the quick path printed nothing
    assert {nb["region"] for nb in listed} == set(aws.regions)
    assert proxy.stats().injected["throttle"] == 1


def test_a_denied_listing_is_reported_as_always(
    keys: None, proxy: FaultProxy, aws: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    proxy.add(Fault(FaultKind.DENY, operations=frozenset({LIST})))
    code = main(ls(proxy, aws))
    out, err = capsys.readouterr()
    assert code != 0
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert "sagemaker:ListNotebookInstances" in err


# --- the dashboard's first listing, started by the CLI before the UI is imported --------------


def prefetched(proxy: FaultProxy, regions: tuple[str, ...]) -> tuple[quick.Plan, Any]:
    plan = quick.plan(profile=None, region=",".join(regions), endpoint_url=proxy.url)
    return plan, quick.prefetch(plan)


def names(listings: list[RegionListing]) -> list[tuple[str, str]]:
    return sorted((nb.region, nb.name) for listing in listings for nb in listing.notebooks)


async def test_the_first_listing_is_the_prefetched_one(
    keys: None, proxy: FaultProxy, services: AwsServices
) -> None:
    regions = services.sagemaker.conn.regions
    plan, listing = prefetched(proxy, regions)
    services.sagemaker.use_prefetched(plan.regions, listing)
    first = await services.sagemaker.list_regions()
    assert proxy.stats().requests == 1  # the prefetch's page: the layer did not ask again
    second = await services.sagemaker.list_regions()  # taken once: later polls ask AWS
    assert proxy.stats().requests == 2
    assert names(first) == names(second)
    assert names(first)


async def test_a_prefetch_aws_refused_is_asked_again_as_always(
    keys: None, proxy: FaultProxy, services: AwsServices
) -> None:
    proxy.add(Fault(FaultKind.THROTTLE, operations=frozenset({LIST}), times=1))
    regions = services.sagemaker.conn.regions
    plan, listing = prefetched(proxy, regions)
    services.sagemaker.use_prefetched(plan.regions, listing)
    first = await services.sagemaker.list_regions()
    assert all(entry.error is None for entry in first)
    assert names(first)
    assert proxy.stats().injected["throttle"] == 1


async def test_a_prefetch_of_other_regions_is_left_alone(
    keys: None, proxy: FaultProxy, services: AwsServices, aws: LocalAws
) -> None:
    plan, listing = prefetched(proxy, aws.regions)  # the layer lists only the first region
    services.sagemaker.use_prefetched(plan.regions, listing)
    listing.result(timeout=10)
    before = proxy.stats().requests
    first = await services.sagemaker.list_regions()
    assert proxy.stats().requests == before + 1
    assert {entry.region for entry in first} == {aws.regions[0]}
