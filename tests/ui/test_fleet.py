"""The dashboard's plain logic: merging refreshes, the filter, the sort, the poll loop."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sagedeck.errors import EndpointUnreachable, Throttled
from sagedeck.models import NotebookStatus, NotebookSummary, RegionListing
from sagedeck.ui.view.columns import column_by_key
from sagedeck.ui.view.fleet import (
    Fleet,
    RowFilter,
    marked_targets,
    parse_port,
    proxy_url,
    visible_keys,
)
from sagedeck.ui.view.platforms import filter_needs_platforms, platforms_needed
from sagedeck.ui.view.poller import MAX_BACKOFF_SECONDS, Poller

NOW = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
NAME = column_by_key("name")


def nb(
    name: str, region: str = "us-east-1", status: str = "InService", **kw: object
) -> NotebookSummary:
    summary = NotebookSummary(
        name=name,
        arn=f"arn:aws:sagemaker:{region}:123456789012:notebook-instance/{name}",
        region=region,
        status=NotebookStatus(status),
        instance_type="ml.t3.medium",
        url=f"{name}.notebook.{region}.sagemaker.aws",
        created=NOW - timedelta(days=3),
        last_modified=NOW - timedelta(hours=1),
    )
    return replace(summary, **kw)  # type: ignore[arg-type]


def test_a_failed_region_keeps_its_rows_and_its_error() -> None:
    fleet = Fleet()
    fleet.apply(
        [
            RegionListing("us-east-1", (nb("a"),)),
            RegionListing("eu-west-1", (nb("b", "eu-west-1"),)),
        ],
        NOW,
    )
    change = fleet.apply(
        [
            RegionListing("us-east-1", ()),
            RegionListing("eu-west-1", (), Throttled("throttled")),
        ],
        NOW,
    )
    assert change.removed == ("us-east-1/a",)
    assert list(fleet.notebooks) == ["eu-west-1/b"]
    assert fleet.throttled
    assert "eu-west-1" in fleet.errors


def test_changes_by_key_and_an_update_forgets_the_platform() -> None:
    fleet = Fleet()
    fleet.apply([RegionListing("us-east-1", (nb("a", status="Updating"), nb("b")))], NOW)
    fleet.platforms.update({"us-east-1/a": "notebook-al2-v2", "us-east-1/b": "notebook-al2-v3"})
    change = fleet.apply(
        [RegionListing("us-east-1", (nb("a", status="Stopped"), nb("b"), nb("c")))], NOW
    )
    assert change.added == ("us-east-1/c",)
    assert change.changed == ("us-east-1/a",)
    assert fleet.missing_platforms() == ["us-east-1/a", "us-east-1/c"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("", {"alpha", "beta-gpu", "gamma"}),
        ("gpu", {"beta-gpu"}),
        ("GPU", {"beta-gpu"}),
        ("^(alpha|gamma)$", {"alpha", "gamma"}),
        ("!gpu", {"alpha", "gamma"}),
        ("stopped", {"gamma"}),
        ("eu-west", {"beta-gpu"}),
        ("!", {"alpha", "beta-gpu", "gamma"}),
    ],
)
def test_filter(text: str, shown: set[str]) -> None:
    fleet = Fleet()
    fleet.apply(
        [
            RegionListing("us-east-1", (nb("alpha"), nb("gamma", status="Stopped"))),
            RegionListing("eu-west-1", (nb("beta-gpu", "eu-west-1"),)),
        ],
        NOW,
    )
    keys = visible_keys(fleet, RowFilter.parse(text), NAME, False)
    assert {k.split("/")[1] for k in keys} == shown


def test_an_invalid_regex_is_matched_literally() -> None:
    row_filter = RowFilter.parse("a(b")
    assert not row_filter.valid
    assert row_filter.matches("xa(bx")
    assert not row_filter.matches("ab")


def test_sorts() -> None:
    fleet = Fleet()
    fleet.apply(
        [
            RegionListing(
                "us-east-1",
                (
                    nb("b", status="Stopped", last_modified=NOW - timedelta(days=2)),
                    nb("a", status="Failed", last_modified=NOW - timedelta(minutes=1)),
                    nb("c", instance_type="ml.g5.xlarge"),
                ),
            )
        ],
        NOW,
    )
    every = RowFilter()

    def names(column: str, reverse: bool = False) -> list[str]:
        return [k.split("/")[1] for k in visible_keys(fleet, every, column_by_key(column), reverse)]

    assert names("name") == ["a", "b", "c"]
    assert names("name", True) == ["c", "b", "a"]
    assert names("status") == ["a", "c", "b"]  # Failed first, Stopped last
    assert names("age") == ["a", "c", "b"]  # most recently changed first
    assert names("type") == ["c", "a", "b"]


def test_marked_targets_and_proxy_urls() -> None:
    fleet = Fleet()
    fleet.apply([RegionListing("us-east-1", (nb("a"), nb("b")))], NOW)
    assert [n.name for n in marked_targets(set(), "us-east-1/a", fleet)] == ["a"]
    assert [n.name for n in marked_targets({"us-east-1/b", "gone/x"}, "us-east-1/a", fleet)] == [
        "b"
    ]
    assert proxy_url(nb("tb", "eu-west-1"), 6006) == (
        "https://tb.notebook.eu-west-1.sagemaker.aws/proxy/6006/"
    )
    assert parse_port("6006") == 6006
    assert parse_port("0") is None
    assert parse_port("65536") is None
    assert parse_port("x") is None


async def test_poller_never_overlaps_and_outlives_failures() -> None:
    in_flight = peak = calls = 0
    errors: list[Exception] = []

    async def fetch() -> None:
        nonlocal in_flight, peak, calls
        calls += 1
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        if calls == 2:
            raise EndpointUnreachable("down")

    poller = Poller(fetch, lambda: 0.001, errors.append)
    task = asyncio.create_task(poller.run())
    while poller.polls < 5:
        poller.wake()
        await asyncio.sleep(0.001)
    task.cancel()
    assert peak == 1
    assert [str(e) for e in errors] == ["down"]


async def test_poller_backs_off_while_throttled() -> None:
    throttled = True

    async def fetch() -> None:
        return None

    poller = Poller(fetch, lambda: 5.0, lambda e: None, lambda: throttled)
    delays = [poller.next_delay() for _ in range(6)]
    assert delays == [
        10.0,
        20.0,
        40.0,
        MAX_BACKOFF_SECONDS,
        MAX_BACKOFF_SECONDS,
        MAX_BACKOFF_SECONDS,
    ]
    throttled = False
    assert poller.next_delay() == 5.0


def test_the_filter_searches_the_platform_as_the_column_shows_it() -> None:
    fleet = Fleet()
    fleet.apply([RegionListing("us-east-1", (nb("a"), nb("b"), nb("c")))], NOW)
    fleet.platforms.update({"us-east-1/a": "notebook-al1-v1", "us-east-1/b": "notebook-al2-v2"})
    keys = visible_keys(fleet, RowFilter.parse("^al1"), NAME, False)
    assert keys == ["us-east-1/a"]  # c, not described yet, matches as an empty platform
    keys = visible_keys(fleet, RowFilter.parse("!^al1"), NAME, False)
    assert keys == ["us-east-1/b", "us-east-1/c"]


def test_platforms_needed_on_screen_for_a_sort_and_for_a_filter() -> None:
    fleet = Fleet()
    names = [f"nb-{i:02d}" for i in range(30)]
    fleet.apply(
        [RegionListing("us-east-1", (*(nb(n) for n in names), nb("gpu-box", status="Stopped")))],
        NOW,
    )
    fleet.platforms["us-east-1/nb-01"] = "notebook-al2-v2"
    every = RowFilter()
    shown = visible_keys(fleet, every, NAME, False)

    def needed(window: tuple[int, int], text: str = "", sort: str = "name") -> list[str]:
        return platforms_needed(fleet, shown, window, RowFilter.parse(text), column_by_key(sort))

    # The window only, in the table's order; the known ones left out; out of range is fine.
    assert needed((-10, 4)) == ["us-east-1/gpu-box", "us-east-1/nb-00", "us-east-1/nb-02"]
    assert needed((40, 50)) == []
    # Sorted by platform: every row, those on screen first.
    by_platform = needed((5, 6), sort="platform")
    assert by_platform[0] == shown[5]
    assert sorted(by_platform) == sorted(k for k in shown if k != "us-east-1/nb-01")
    # A filter that matches no platform needs nothing more than the screen.
    assert needed((0, 1), "gpu") == ["us-east-1/gpu-box"]
    assert not filter_needs_platforms(RowFilter.parse("gpu"), fleet)
    # One that could match a platform needs the rows it decides by their platform alone:
    # "^al2|stopped" shows gpu-box (Stopped) whatever its platform; the others depend on it.
    assert filter_needs_platforms(RowFilter.parse("^al2"), fleet)
    decided = needed((0, 0), "^al2|stopped")
    assert "us-east-1/gpu-box" not in decided
    assert len(decided) == 29  # 30 nb-*, nb-01 known
    # Inverted, the same rows: those its other columns hide are hidden whatever the platform.
    assert sorted(needed((0, 0), "!^al2|stopped")) == sorted(decided)
    # A platform seen in the fleet counts as well as the known ones.
    fleet.platforms["us-east-1/nb-01"] = "notebook-al2099-v9"
    assert filter_needs_platforms(RowFilter.parse("al2099"), fleet)
