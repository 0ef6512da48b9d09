"""`sagedeck ls` on its quick path (sagedeck.aws.quick) when AWS answers with a fault: nothing
printed by the quick path, the ordinary path retries and reports as it always has."""

from __future__ import annotations

import json

import pytest

from sagedeck.cli import main
from sagedeck.faultproxy import FaultProxy
from sagedeck.faultproxy.faults import Fault, FaultKind
from sagedeck.localaws import LocalAws

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
    assert proxy.stats().requests == len(aws.regions)  # one page each: no second listing


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
