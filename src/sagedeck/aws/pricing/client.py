"""The Price List API client: the prices of the (region, type) pairs asked for, a few at a
time, each asked once (see :mod:`sagedeck.aws.pricing`). Each request is bounded as the quick
path bounds its own (``CONNECT_SECONDS`` + ``ANSWER_SECONDS``, whatever botocore's retries would
make of a hung endpoint), the first that finds the API denied or unreachable stops the others,
and that is remembered in the cache for a while, so the next run does not wait again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sagedeck.aws.paging import collect
from sagedeck.aws.pricing.cache import PriceCache, Remembered
from sagedeck.aws.pricing.products import (
    ANSWER_SECONDS,
    CONNECT_SECONDS,
    FETCH_CONCURRENCY,
    PRICING_REGION,
    PriceKey,
    describe_request,
    instance_attribute,
    notebook_price,
    products_request,
)
from sagedeck.aws.translate import translate_errors
from sagedeck.errors import AccessDenied, CredentialsError, EndpointUnreachable, SagedeckError

if TYPE_CHECKING:
    from sagedeck.aws.session import AwsConnection

RETRY_SECONDS = 60.0  # after a throttled (or failed) request, nothing is asked this long
monotonic = time.monotonic  # the module's clock (a test moves it, not the event loop's)

# Errors after which asking again in this run would only fail again: said once, not per row.
UNAVAILABLE = (AccessDenied, CredentialsError, EndpointUnreachable, Remembered)
# Those that say the API itself is closed to this caller: remembered for the next runs too (an
# expired login is not: the next run may well have a fresh one).
REMEMBERED = (AccessDenied, EndpointUnreachable)
REQUEST_SECONDS = CONNECT_SECONDS + ANSWER_SECONDS  # one request, its retry included


@asynccontextmanager
async def bounded(action: str) -> AsyncIterator[None]:
    """One request within ``REQUEST_SECONDS``, else the endpoint is unreachable (botocore's
    own timeouts and retries, made for SageMaker, would wait ~20 s on a hung endpoint)."""
    try:
        async with asyncio.timeout(REQUEST_SECONDS):
            yield
    except TimeoutError:
        raise EndpointUnreachable(
            f"AWS endpoint unreachable during {action}: no answer in {REQUEST_SECONDS:g} s"
        ) from None


class Prices:
    """Hourly prices of notebook instances by (region, type), as far as known.

    ``get`` never calls AWS; ``fetch`` asks for the ones not known yet (a worker's job, never
    the table's). When the API is denied or unreachable, ``problem`` says so and nothing more
    is asked in this run.
    """

    def __init__(self, conn: AwsConnection, cache: PriceCache | None = None) -> None:
        self.conn = conn
        self.cache = cache
        self.known: dict[PriceKey, float | None] = {}
        self.problem: SagedeckError | None = None
        self.calls = 0  # requests made to the Price List API (tests count them)
        self._attribute: str | None = None
        self._loaded = False
        self._resume_at = 0.0  # monotonic() before which nothing is asked
        self._lock = asyncio.Lock()

    def _load_cache(self) -> None:
        if not self._loaded and self.cache is not None:
            prices, self._attribute = self.cache.load()
            for key, price in prices.items():
                self.known.setdefault(key, price)
            why = self.cache.unavailable()
            if why is not None and self.problem is None:
                self.problem = Remembered(why)
        self._loaded = True

    def has(self, key: PriceKey) -> bool:
        return key in self.known

    def get(self, key: PriceKey) -> float | None:
        return self.known.get(key)

    def missing(self, keys: Iterable[PriceKey]) -> list[PriceKey]:
        self._load_cache()
        return [key for key in dict.fromkeys(keys) if key not in self.known]

    async def fetch(self, keys: Iterable[PriceKey]) -> dict[PriceKey, float | None]:
        """Know the prices of ``keys``: from the disk cache, else from AWS; what was learnt.

        Raises no SagedeckError: a denied or unreachable API is kept in ``problem`` (nothing
        more is asked); after any other failure (throttled) nothing is asked for a while."""
        async with self._lock:
            wanted = self.missing(keys)
            if not wanted or self.problem is not None or monotonic() < self._resume_at:
                return {}
            learnt: dict[PriceKey, float | None] = {}
            try:
                attribute = await self._instance_attribute()
                await self._fetch_all(wanted, attribute, learnt)
            except SagedeckError as err:
                self._failed(err)
            self.known.update(learnt)
            if learnt and self.cache is not None:
                await asyncio.to_thread(self.cache.save, learnt, self._attribute)
            if isinstance(self.problem, REMEMBERED) and self.cache is not None:
                await asyncio.to_thread(self.cache.remember_unavailable, str(self.problem))
            return learnt

    async def _fetch_all(
        self, wanted: list[PriceKey], attribute: str, learnt: dict[PriceKey, float | None]
    ) -> None:
        """A few at a time; the first failure stops the others (those in flight are
        cancelled, the rest not sent) and is raised."""
        limit = asyncio.Semaphore(FETCH_CONCURRENCY)
        failed = False  # set before the failed one lets another in: that one sends nothing

        async def one(key: PriceKey) -> None:
            nonlocal failed
            async with limit:
                if failed:
                    return
                try:
                    learnt[key] = await self._fetch_one(key, attribute)
                except BaseException:
                    failed = True
                    raise

        tasks = [asyncio.ensure_future(one(key)) for key in wanted]
        try:
            for done in asyncio.as_completed(tasks):
                await done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _failed(self, error: SagedeckError) -> None:
        if isinstance(error, UNAVAILABLE):
            self.problem = error
        else:  # throttled, or AWS's own failure: the API is slow and rate-limited, wait
            self._resume_at = monotonic() + RETRY_SECONDS

    async def _client(self) -> Any:
        return await self.conn.client("pricing", PRICING_REGION)

    async def _instance_attribute(self) -> str:
        """The attribute that names an instance type, as DescribeServices lists them."""
        if self._attribute is None:
            client = await self._client()
            self.calls += 1
            action = "read the price list's attributes"
            with translate_errors(action, "pricing:DescribeServices"):
                async with bounded(action):
                    answer = await client.describe_services(**describe_request())
            self._attribute = instance_attribute(answer)
        return self._attribute

    async def _fetch_one(self, key: PriceKey, attribute: str) -> float | None:
        _region, instance_type = key
        client = await self._client()

        action = f"read the price of {instance_type}"

        async def get_products(**request: Any) -> Mapping[str, Any]:
            self.calls += 1
            async with bounded(action):
                answer: Mapping[str, Any] = await client.get_products(**request)
            return answer

        with translate_errors(action, "pricing:GetProducts"):
            items = await collect(get_products, products_request(key, attribute), "PriceList")
        return notebook_price(items, instance_type)
