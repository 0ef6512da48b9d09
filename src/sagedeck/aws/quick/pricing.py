"""``sagedeck ls --json``'s prices without botocore: the Price List API's DescribeServices and
GetProducts signed and sent as the quick listing sends its pages (standard library only), with
the same requests and the same reading of the answer as the ordinary path
(``sagedeck.aws.pricing.products``), and the learnt prices kept in the same disk cache.

A few requests at a time, in threads (this path has no asyncio), each with a short timeout.
What the ordinary path would report in one line (a denied API, throttling, a timeout) is the
:attr:`Fetched.problem`; anything else unusual (another error, a refused connection, an answer
that is not JSON) is :class:`Unsupported`, raised before anything is printed."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sagedeck.aws.paging import next_request
from sagedeck.aws.pricing.cache import PriceCache
from sagedeck.aws.pricing.products import (
    FETCH_CONCURRENCY,
    PRICING_REGION,
    PriceKey,
    describe_request,
    instance_attribute,
    notebook_price,
    products_request,
)
from sagedeck.aws.quick.listing import RegionClient
from sagedeck.aws.quick.plain import Plan
from sagedeck.aws.quick.unsupported import Unsupported
from sagedeck.errors import AccessDenied, SagedeckError, Throttled

ENDPOINT = f"https://api.pricing.{PRICING_REGION}.amazonaws.com"  # as botocore resolves it
SIGNING_NAME = "pricing"
TARGET_PREFIX = "AWSPriceListService."
READ_TIMEOUT = 5.0  # the API answers in well under a second; prices are worth little waiting
MAX_PAGES = 20  # a (region, type) has a handful of products: more is not the plain case


@dataclass
class Fetched:
    """The prices known (a price, or None: AWS has none), and why the rest are not."""

    prices: dict[PriceKey, float | None] = field(default_factory=dict)
    problem: SagedeckError | None = None


def pricing_url(plan: Plan) -> str:
    """Where the ordinary path's pricing client would send its requests."""
    if plan.endpoint_url is None and os.environ.get("AWS_ENDPOINT_URL_PRICING"):
        raise Unsupported("a pricing endpoint of its own")  # botocore's to resolve
    return plan.endpoint_url or ENDPOINT


class PricingClient:
    """The Price List API over one keep-alive connection."""

    def __init__(self, plan: Plan) -> None:
        self.http = RegionClient(
            plan,
            PRICING_REGION,
            url=pricing_url(plan),
            service=SIGNING_NAME,
            read_timeout=READ_TIMEOUT,
        )

    def call(self, operation: str, payload: dict[str, Any], action: str) -> dict[str, Any]:
        status, answer = self.http.send(payload, TARGET_PREFIX + operation, action)
        if status == 200:
            return answer
        code = str(answer.get("__type", "")).rsplit("#", 1)[-1]
        if code == "AccessDeniedException":  # as aws.translate words it
            raise AccessDenied(f"pricing:{operation}", action)
        if code == "ThrottlingException":
            raise Throttled(
                f"throttled by AWS during {action} (too many requests): try again shortly"
            )
        raise Unsupported(f"HTTP {status}")  # the ordinary path words it

    def attribute(self) -> str:
        answer = self.call(
            "DescribeServices", describe_request(), "read the price list's attributes"
        )
        return instance_attribute(answer)

    def price(self, key: PriceKey, attribute: str) -> float | None:
        _region, instance_type = key
        items: list[Any] = []
        request: dict[str, Any] | None = products_request(key, attribute)
        for _page in range(MAX_PAGES):
            if request is None:
                return notebook_price(items, instance_type)
            page = self.call("GetProducts", request, f"read the price of {instance_type}")
            items += page.get("PriceList") or ()
            request = next_request(request, page)
        raise Unsupported("too many pages")

    def close(self) -> None:
        self.http.close()


def fetch_prices(plan: Plan, keys: Iterable[PriceKey], cache: PriceCache) -> Fetched:
    """The prices of ``keys``: from ``cache``, the rest asked of AWS and added to ``cache``.
    :class:`Unsupported` when the ordinary path should ask instead (what was learnt until
    then is kept in the cache all the same)."""
    known, attribute = cache.load()
    keys = list(dict.fromkeys(keys))
    wanted = [key for key in keys if key not in known]
    learnt = Fetched()
    try:
        if wanted and attribute is None:
            client = PricingClient(plan)
            try:
                attribute = client.attribute()
            finally:
                client.close()
        if wanted and attribute is not None:
            _fetch_all(plan, wanted, attribute, learnt)
    except SagedeckError as err:  # the attribute's request failed: nothing more is asked
        learnt.problem = err
    finally:
        if learnt.prices:
            cache.save(learnt.prices, attribute)
    known.update(learnt.prices)
    return Fetched({key: known[key] for key in keys if key in known}, learnt.problem)


def _fetch_all(plan: Plan, wanted: list[PriceKey], attribute: str, fetched: Fetched) -> None:
    """Each worker asks for its share of ``wanted`` over a connection of its own; after the
    first problem, nothing more is asked."""
    lock = threading.Lock()
    stop = threading.Event()
    unusual: list[Unsupported] = []

    def work(share: list[PriceKey]) -> None:
        client = PricingClient(plan)
        try:
            for key in share:
                if stop.is_set():
                    return
                price = client.price(key, attribute)
                with lock:
                    fetched.prices[key] = price
        except SagedeckError as err:
            with lock:
                fetched.problem = fetched.problem or err
            stop.set()
        except Unsupported as err:
            unusual.append(err)
            stop.set()
        finally:
            client.close()

    shares = [wanted[i::FETCH_CONCURRENCY] for i in range(min(FETCH_CONCURRENCY, len(wanted)))]
    if len(shares) == 1:
        work(shares[0])
    else:
        workers = [
            threading.Thread(target=work, args=(share,), name="sagedeck-prices", daemon=True)
            for share in shares
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    if unusual:
        raise unusual[0]
