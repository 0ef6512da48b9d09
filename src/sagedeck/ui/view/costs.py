"""What the fleet costs, and which instances were forgotten, without Textual.

Prices come from the Price List API (``aws/pricing``) in a worker, never in the refresh: the
table shows "…" in PRICE until a (region, type) is priced, "?" when AWS has no price for it or
the API cannot be asked (the summary says why, once). An InService instance's RUN COST is its
price times the hours since its ``LastModifiedTime``: the listing has no start time, and for an
InService instance its last change is (nearly always) its start.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sagedeck.aws.pricing.cache import PriceKey
from sagedeck.models import NotebookStatus, NotebookSummary


def price_key(notebook: NotebookSummary) -> PriceKey:
    return (notebook.region, notebook.instance_type)


@dataclass(slots=True)
class FleetPrices:
    """The prices the dashboard knows, and why the rest are not known (``problem``)."""

    known: dict[PriceKey, float | None] = field(default_factory=dict)
    problem: str | None = None

    def priced(self, notebook: NotebookSummary) -> bool:
        """Whether the row's price is settled: known, known to be missing, or not to be had."""
        return self.problem is not None or price_key(notebook) in self.known

    def price(self, notebook: NotebookSummary) -> float | None:
        return self.known.get(price_key(notebook))

    def missing(self, notebooks: Iterable[NotebookSummary]) -> list[PriceKey]:
        if self.problem is not None:
            return []
        return list(
            dict.fromkeys(key for key in map(price_key, notebooks) if key not in self.known)
        )

    def learn(self, prices: dict[PriceKey, float | None], problem: str | None) -> bool:
        """Take what the worker learnt; True when anything shown changes."""
        changed = any(self.known.get(key, ...) != price for key, price in prices.items())
        changed = changed or problem != self.problem
        self.known.update(prices)
        self.problem = problem
        return changed


@dataclass(frozen=True, slots=True)
class RunningCost:
    """The InService instances' price per hour: ``total`` of those priced, ``unknown`` others."""

    total: float
    priced: int
    unknown: int


def running_cost(notebooks: Iterable[NotebookSummary], prices: FleetPrices) -> RunningCost:
    total, priced, unknown = 0.0, 0, 0
    for notebook in notebooks:
        if notebook.status is not NotebookStatus.IN_SERVICE:
            continue
        price = prices.price(notebook)
        if price is None:
            unknown += 1
        else:
            total += price
            priced += 1
    return RunningCost(total, priced, unknown)


def is_forgotten(notebook: NotebookSummary, now: datetime, after: timedelta) -> bool:
    """InService for longer than ``after``."""
    return notebook.status is NotebookStatus.IN_SERVICE and now - notebook.last_modified > after


def forgotten_keys(
    keys: Sequence[str],
    notebooks: dict[str, NotebookSummary],
    now: datetime,
    after: timedelta,
) -> list[str]:
    """The keys (in their order) of the instances InService longer than ``after``."""
    return [key for key in keys if is_forgotten(notebooks[key], now, after)]
