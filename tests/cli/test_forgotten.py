"""``ls --json`` prices, ``ls --running --older-than`` and ``stop --older-than --dry-run|--yes``
against the embedded AWS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sagedeck.aws import quick
from sagedeck.aws.pricing.cache import PriceCache
from sagedeck.commands import forgotten
from sagedeck.localaws import LocalAws, pricing
from sagedeck.models import NotebookStatus, NotebookSummary, RegionListing

from .conftest import InProcess

pytestmark = pytest.mark.timeout(60)

EAST = "us-east-1"


@pytest.fixture
def denied_pricing() -> Iterator[None]:
    pricing.set_denied(True)
    yield
    pricing.set_denied(False)


def listed(aws: LocalAws) -> list[dict[str, Any]]:
    rows = []
    for region in aws.regions:
        page = aws.client("sagemaker", region).list_notebook_instances(MaxResults=100)
        rows += [{**nb, "region": region} for nb in page["NotebookInstances"]]
    return rows


def in_service_longer_than(aws: LocalAws, hours: float) -> set[str]:
    now = datetime.now(UTC)
    return {
        nb["NotebookInstanceName"]
        for nb in listed(aws)
        if nb["NotebookInstanceStatus"] == "InService"
        and now - nb["LastModifiedTime"] > timedelta(hours=hours)
    }


def statuses(aws: LocalAws) -> dict[str, str]:
    return {
        f"{nb['region']}/{nb['NotebookInstanceName']}": nb["NotebookInstanceStatus"]
        for nb in listed(aws)
    }


def test_ls_json_carries_the_price_per_hour(sagedeck: InProcess, aws_env: LocalAws) -> None:
    result = sagedeck.run("ls", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert all("price_per_hour" in row for row in rows)
    by_name = {(row["name"], row["region"]): row for row in rows}
    assert by_name["cv-training-gpu", EAST]["price_per_hour"] == 3.825
    for row in rows:
        assert row["price_per_hour"] == pricing.notebook_price(row["region"], row["instance_type"])
    assert result.stderr == ""


@pytest.mark.usefixtures("denied_pricing")
def test_ls_json_without_prices_is_null_and_one_line(sagedeck: InProcess) -> None:
    result = sagedeck.run("ls", "--json")
    assert result.returncode == 0
    rows = json.loads(result.stdout)
    assert rows
    assert all(row["price_per_hour"] is None for row in rows)
    (line,) = result.stderr.splitlines()
    assert line.startswith("sagedeck: prices unavailable: ")
    assert "pricing:" in line


def test_ls_running_older_than(sagedeck: InProcess, aws_env: LocalAws) -> None:
    result = sagedeck.run("ls", "--running", "--older-than", "8h")
    assert result.returncode == 0, result.stderr
    shown = {line.split()[0] for line in result.stdout.splitlines()[1:]}
    expected = in_service_longer_than(aws_env, 8)
    assert shown == expected
    assert "cv-training-gpu" in shown
    assert "alice-sandbox" not in shown
    running = sagedeck.run("ls", "--running", "--json")
    assert {row["status"] for row in json.loads(running.stdout)} == {"InService"}
    assert "alice-sandbox" in {row["name"] for row in json.loads(running.stdout)}


@pytest.mark.parametrize("value", ["8", "soon", "0h", "-2h"])
def test_a_bad_duration_is_one_line(sagedeck: InProcess, value: str) -> None:
    result = sagedeck.run("ls", "--older-than", value)
    assert "--older-than" in result.assert_one_line_error(exit_code=2)


def test_stop_older_than_refuses_without_dry_run_or_yes(
    sagedeck: InProcess, aws_env: LocalAws
) -> None:
    before = statuses(aws_env)
    result = sagedeck.run("stop", "--older-than", "8h")
    line = result.assert_one_line_error(exit_code=2)
    assert "--dry-run" in line
    assert "--yes" in line
    assert statuses(aws_env) == before


@pytest.mark.parametrize(
    "args",
    [
        ("stop",),
        ("stop", "nb-dev", "--older-than", "8h", "--yes"),
        ("stop", "nb-dev", "--yes"),
        ("stop", "--older-than", "8h", "--dry-run", "--yes"),
    ],
)
def test_stop_flags_that_do_not_go_together(sagedeck: InProcess, args: tuple[str, ...]) -> None:
    sagedeck.run(*args).assert_one_line_error(exit_code=2)


def test_stop_older_than_dry_run_lists_and_stops_nothing(
    sagedeck: InProcess, aws_env: LocalAws
) -> None:
    before = statuses(aws_env)
    result = sagedeck.run("stop", "--older-than", "8h", "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert {line.split(":")[0] for line in lines} == in_service_longer_than(aws_env, 8)
    assert all("would stop" in line and "InService" in line for line in lines)
    assert statuses(aws_env) == before


def test_stop_older_than_yes_stops_each_one(sagedeck: InProcess, aws_env: LocalAws) -> None:
    targets = in_service_longer_than(aws_env, 8)
    before = statuses(aws_env)
    result = sagedeck.run("stop", "--older-than", "8h", "--yes")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert sorted(line.split(":")[0] for line in lines) == sorted(targets)  # one line each
    after = statuses(aws_env)
    for key, status in after.items():
        name = key.split("/")[1]
        if name in targets:
            assert status in ("Stopping", "Stopped"), key
        else:
            assert status == before[key], key  # alice-sandbox (3 h) runs on
    again = sagedeck.run("stop", "--older-than", "8h", "--yes")
    assert again.returncode == 0
    assert again.stdout.startswith("no instance has been InService longer than 8h")


def test_read_only_refuses_stop_yes_but_lists(sagedeck: InProcess, aws_env: LocalAws) -> None:
    before = statuses(aws_env)
    refused = sagedeck.run("--read-only", "stop", "--older-than", "8h", "--yes")
    assert "read-only mode" in refused.assert_one_line_error(exit_code=2)
    listed_only = sagedeck.run("--read-only", "stop", "--older-than", "8h", "--dry-run")
    assert listed_only.returncode == 0
    assert "would stop" in listed_only.stdout
    assert statuses(aws_env) == before


def test_the_quick_ls_asks_only_for_prices_not_on_disk(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    now = datetime.now(UTC)
    notebook = NotebookSummary(
        "nb", "arn", EAST, NotebookStatus.IN_SERVICE, "ml.t3.medium", None, now, now
    )
    listings = [RegionListing(EAST, (notebook,))]
    # nothing listens there: the API is unreachable (no price, one line, remembered)
    plan = quick.Plan((EAST,), quick.Credentials("demo", "demo"), "http://127.0.0.1:9")
    assert forgotten.quick_prices(listings, plan) == {}
    PriceCache(endpoint_url=plan.endpoint_url).save({(EAST, "ml.t3.medium"): 0.05}, "instanceName")
    assert PriceCache().path.is_relative_to(tmp_path)
    assert forgotten.quick_prices(listings, plan) == {(EAST, "ml.t3.medium"): 0.05}
