"""Prices on disk: the standard library only, so ``sagedeck ls --json`` on its quick path (no
botocore) reads and writes cached prices too."""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sagedeck.aws.pricing.products import PriceKey as PriceKey  # where callers import it
from sagedeck.errors import SagedeckError

CACHE_SECONDS = 24 * 3600
CACHE_VERSION = 1
# A Price List API that was denied or did not answer is not asked again for this long, so the
# next `ls` or dashboard start does not wait for it again (a network that blocks the API).
UNAVAILABLE_SECONDS = 15 * 60


class Remembered(SagedeckError):
    """The Price List API was denied or did not answer a moment ago (``PriceCache.unavailable``
    says why): it is not asked again yet."""


def default_cache_path() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("sagedeck")) / "prices.json"


class PriceCache:
    """Prices on disk, each with when it was fetched; older than ``max_age`` is not used.

    One file for every endpoint, each endpoint's prices apart (AWS's under ``"aws"``; another
    endpoint's, as the embedded AWS's, under its URL: its prices are not AWS's)::

        {"version": 1, "sources": {"aws": {"prices": {"region/type": [price or null, fetched]},
                                           "attribute": [name, fetched],
                                           "unavailable": [why, when]}}}

    A price AWS does not have (null) is kept too, so it is not asked again for a day; an API
    that was denied or unreachable (``unavailable``) is not asked again for
    ``UNAVAILABLE_SECONDS``. What has expired is dropped when the file is written.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        endpoint_url: str | None = None,
        max_age: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path or default_cache_path()
        self.source = endpoint_url or "aws"
        self.max_age = max_age
        self.clock = clock

    def _read(self) -> dict[str, Any]:
        """Every source's entries, as the file holds them ({} if it cannot be read)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return {}
        sources = data.get("sources")
        if not isinstance(sources, dict):
            return {}
        return {name: entry for name, entry in sources.items() if isinstance(entry, dict)}

    def _fresh(self, entry: object, max_age: float | None = None) -> bool:
        if not (isinstance(entry, list) and len(entry) == 2):
            return False
        fetched = entry[1]
        age = self.max_age if max_age is None else max_age
        return isinstance(fetched, int | float) and 0 <= self.clock() - fetched < age

    def _memo_fresh(self, entry: object) -> bool:
        """A remembered unavailability, [why, when], less than ``UNAVAILABLE_SECONDS`` old."""
        return (
            isinstance(entry, list)
            and self._fresh(entry, UNAVAILABLE_SECONDS)
            and isinstance(entry[0], str)
        )

    def load(self) -> tuple[dict[PriceKey, float | None], str | None]:
        """This endpoint's fresh prices, and its instance-type attribute if fresh."""
        source = self._read().get(self.source, {})
        prices: dict[PriceKey, float | None] = {}
        raw = source.get("prices")
        for key, entry in raw.items() if isinstance(raw, dict) else ():
            region, _, instance_type = str(key).partition("/")
            if not self._fresh(entry):
                continue
            price = entry[0]
            if price is None or (isinstance(price, int | float) and price >= 0):
                prices[region, instance_type] = None if price is None else float(price)
        attribute = source.get("attribute")
        name: str | None = None
        if self._fresh(attribute) and isinstance(attribute[0], str):
            name = attribute[0]
        return prices, name

    def unavailable(self) -> str | None:
        """Why this endpoint's Price List API cannot be asked, as remembered from a run less
        than ``UNAVAILABLE_SECONDS`` ago, and when it will be asked again; None: ask it."""
        entry = self._read().get(self.source, {}).get("unavailable")
        if not self._memo_fresh(entry):
            return None
        left = max(1, math.ceil((UNAVAILABLE_SECONDS - (self.clock() - entry[1])) / 60))
        return f"{entry[0]} (not asked again for {left} min)"

    def remember_unavailable(self, why: str) -> None:
        """The API was denied or did not answer: say ``why`` instead of asking for a while."""
        sources = self._read()
        mine = dict(sources.get(self.source, {}))
        mine["unavailable"] = [why, self.clock()]
        sources[self.source] = mine
        self._write(sources)

    def save(self, prices: Mapping[PriceKey, float | None], attribute: str | None) -> None:
        """Add ``prices`` (fetched now) to the file; a file that cannot be written is let be.
        The API answered: what was remembered of it being unavailable is forgotten."""
        now = self.clock()
        sources = self._read()
        mine = sources.get(self.source, {})
        kept = mine.get("prices") if isinstance(mine.get("prices"), dict) else {}
        assert isinstance(kept, dict)
        kept.update({f"{region}/{kind}": [price, now] for (region, kind), price in prices.items()})
        sources[self.source] = {
            "prices": kept,
            "attribute": [attribute, now] if attribute is not None else mine.get("attribute"),
        }
        self._write(sources)

    def _write(self, sources: Mapping[str, Any]) -> None:
        out = {"version": CACHE_VERSION, "sources": self._pruned(sources)}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(out), encoding="utf-8")
            partial.replace(self.path)
        except OSError:
            pass

    def _pruned(self, sources: Mapping[str, Any]) -> dict[str, Any]:
        """Only what is still fresh: an embedded AWS on a new port each run leaves nothing."""
        out: dict[str, Any] = {}
        for name, source in sources.items():
            raw = source.get("prices")
            fresh = {
                key: entry
                for key, entry in (raw.items() if isinstance(raw, dict) else ())
                if self._fresh(entry)
            }
            kept: dict[str, Any] = {}
            if fresh:
                kept["prices"] = fresh
                if self._fresh(source.get("attribute")):
                    kept["attribute"] = source["attribute"]
            if self._memo_fresh(source.get("unavailable")):
                kept["unavailable"] = source["unavailable"]
            if kept:
                out[name] = kept
        return out
