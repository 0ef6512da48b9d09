"""PRICE, RUN COST and the running cost (prices read in a worker, never by the refresh), and
`f`: only the instances InService longer than ``forgotten_after`` (``ui/view/costs.py``)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sagedeck.text.format import short_duration
from sagedeck.ui.screens.dashboard.instance_keys import InstanceKeys

if TYPE_CHECKING:
    from sagedeck.aws.pricing.cache import PriceKey
    from sagedeck.ui.screens.dashboard.deck import Deck
    from sagedeck.ui.view.fleet import Fleet


class FleetCost(InstanceKeys):
    """The base of the dashboard screen, which sets these and syncs the table."""

    deck: Deck
    forgotten_only: bool
    _pricing: bool

    def _sync(self) -> None:
        raise NotImplementedError

    def forgotten_label(self) -> str | None:
        """What the summary says while `f` is on."""
        if not self.forgotten_only:
            return None
        return f"forgotten: InService > {short_duration(self._forgotten)} (f: all)"

    @property
    def _forgotten(self) -> timedelta:
        return timedelta(seconds=self.deck.settings.forgotten_after)

    def _price_missing(self) -> None:
        """Read the prices of the (region, type) pairs not priced yet, in a worker."""
        missing = self.fleet.prices.missing(self.fleet.notebooks.values())
        if missing and not self._pricing:
            self._pricing = True
            self.run_worker(
                self._load_prices(self.fleet, missing),
                name="prices",
                group="prices",
                description="read the hourly prices of the instance types",
                exit_on_error=False,
            )

    async def _load_prices(self, fleet: Fleet, keys: list[PriceKey]) -> None:
        try:
            prices = self.deck.services.prices
            await prices.fetch(keys)
            learnt = {key: prices.get(key) for key in keys if prices.has(key)}
            problem = f"prices unavailable: {prices.problem}" if prices.problem else None
        finally:
            self._pricing = False
        if fleet.prices.learn(learnt, problem) and fleet is self.fleet:
            self._sync()

    def action_forgotten(self) -> None:
        self.forgotten_only = not self.forgotten_only
        self._sync()
