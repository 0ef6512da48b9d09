"""The lifecycle-configuration and code-repository layer over HTTP: listings joined with the
instances that use each, region look-ups, and what a denied or throttled answer becomes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sagedeck.aws.lifecycle import Scripts
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.devtools.faultproxy import Fault, FaultKind, FaultProxy
from sagedeck.errors import AmbiguousName, InvalidInput, InvalidState, NotFound, Throttled
from sagedeck.localaws import LocalAws

EAST, WEST = "us-east-1", "eu-west-1"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:github-acme-ml-Xq3LmB"
pytestmark = pytest.mark.timeout(60)


async def test_configs_of_every_region_with_their_users(layer: AwsServices) -> None:
    entries = {entry.key: entry for entry in await layer.lifecycle.list()}
    assert entries[f"{WEST}/auto-stop-idle"].used_by == ("alice-sandbox", "eu-vision-gpu")
    assert entries[f"{EAST}/conda-setup"].used_by == ()
    assert entries[f"{EAST}/idle-stop"].created is not None
    assert await layer.lifecycle.find("idle-stop") == EAST
    with pytest.raises(AmbiguousName):
        await layer.lifecycle.find("conda-setup")
    with pytest.raises(NotFound, match="no lifecycle configuration named 'nope'"):
        await layer.lifecycle.find("nope")
    with pytest.raises(InvalidInput, match="choose the region"):
        layer.lifecycle.region_for_new(None)


async def test_create_update_delete_round_trip(layer: AwsServices) -> None:
    arn = await layer.lifecycle.create("round-trip", WEST, Scripts(on_create="echo one\n"))
    assert arn.endswith(":notebook-instance-lifecycle-config/round-trip")
    await layer.lifecycle.update("round-trip", WEST, Scripts(on_start="echo two\n"))
    config = await layer.lifecycle.describe("round-trip", WEST)
    assert (config.on_create, config.on_start) == ("echo one\n", "echo two\n")
    await layer.lifecycle.update("round-trip", WEST, Scripts(on_create=""))
    assert (await layer.lifecycle.describe("round-trip", WEST)).on_create is None
    await layer.lifecycle.delete("round-trip", WEST)
    with pytest.raises(NotFound):
        await layer.lifecycle.describe("round-trip", WEST)
    with pytest.raises(InvalidState, match="attached to alice-sandbox, eu-vision-gpu"):
        await layer.lifecycle.delete("auto-stop-idle", WEST)


async def test_repositories_with_their_users(layer: AwsServices) -> None:
    entries = {entry.key: entry for entry in await layer.repos.list()}
    utils = entries[f"{EAST}/ml-utils"]
    assert utils.repository.secret_arn == SECRET
    assert utils.used_by == ("alice-sandbox", "cv-training-gpu")
    assert entries[f"{EAST}/notebook-templates"].used_by == ()
    assert entries[f"{WEST}/demand-forecasting"].default_for == ("eu-forecasting",)
    with pytest.raises(InvalidState, match="used by eu-forecasting"):
        await layer.repos.delete("demand-forecasting", WEST)


@pytest.fixture
async def proxied(aws: LocalAws) -> AsyncIterator[tuple[AwsServices, FaultProxy]]:
    with FaultProxy(aws.endpoint_url, seed=7) as proxy:
        target = AwsTarget(None, (EAST,), proxy.url, credentials=StaticCredentials("d", "d"))
        async with AwsServices(target) as services:
            yield services, proxy


async def test_a_denied_secret_check_says_so_and_reads_no_value(
    proxied: tuple[AwsServices, FaultProxy],
) -> None:
    services, proxy = proxied
    assert (await services.repos.check_secret(SECRET)).ok
    proxy.add(Fault(FaultKind.DENY, operations=frozenset({"secretsmanager:DescribeSecret"})))
    checked = await services.repos.check_secret(SECRET)
    assert not checked.ok
    assert checked.problem == (
        "cannot check the secret: not allowed: secretsmanager:DescribeSecret"
        f" (check secret {SECRET})"
    )
    operations = {seen.call.operation for seen in proxy.seen()}
    assert "GetSecretValue" not in operations
    assert "DescribeSecret" in operations


async def test_a_throttled_listing_is_one_line(proxied: tuple[AwsServices, FaultProxy]) -> None:
    services, proxy = proxied
    proxy.add(
        Fault(
            FaultKind.THROTTLE,
            operations=frozenset({"sagemaker:ListNotebookInstanceLifecycleConfigs"}),
        )
    )
    with pytest.raises(Throttled, match="list lifecycle configs in us-east-1"):
        await services.lifecycle.list()
    proxy.clear()
    assert await services.lifecycle.list()
