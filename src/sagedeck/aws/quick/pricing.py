"""``sagedeck ls --json``'s prices without botocore: the Price List API's DescribeServices and
GetProducts signed and sent as the quick listing sends its pages (standard library only), with
the same requests and the same reading of the answer as the ordinary path
(``sagedeck.aws.pricing.products``), and the learnt prices kept in the same disk cache.

A few requests at a time, in threads (this path has no asyncio), each bounded (a connect
timeout of ``CONNECT_SECONDS``, an answer within ``ANSWER_SECONDS``, a timeout not retried); the
first request that fails stops the others at once. What the ordinary path would report in one
line (a denied API, throttling, an endpoint that does not answer or refuses) is the
:attr:`Fetched.problem`, and a denied or unreachable API is remembered in the cache for a while
(``PriceCache.unavailable``): the next run says so without asking. Anything else unusual (another
error, an answer that is not JSON) is :class:`Unsupported`, raised before anything is printed."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sagedeck.aws.paging import next_request
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
from sagedeck.aws.quick.listing import ConnectionFailed, RegionClient
from sagedeck.aws.quick.plain import Plan
from sagedeck.aws.quick.unsupported import Unsupported
from sagedeck.errors import AccessDenied, EndpointUnreachable, SagedeckError, Throttled

ENDPOINT = f"https://api.pricing.{PRICING_REGION}.amazonaws.com"  # as botocore resolves it
SIGNING_NAME = "pricing"
TARGET_PREFIX = "AWSPriceListService."
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
            read_timeout=ANSWER_SECONDS,
            connect_timeout=CONNECT_SECONDS,
            attempts=1,  # a timeout is not retried: prices are worth little waiting
        )
        self.aborted = False

    def call(self, operation: str, payload: dict[str, Any], action: str) -> dict[str, Any]:
        status, answer = self._send(payload, TARGET_PREFIX + operation, action)
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

    def _send(
        self, payload: dict[str, Any], target: str, action: str
    ) -> tuple[int, dict[str, Any]]:
        """As ``RegionClient.send``; a connection refused or reset twice (a keep-alive one the
        server closed is retried on a new one) is an unreachable endpoint, said as botocore
        would say it, rather than the ordinary path's to find again."""
        for attempt in range(2):
            try:
                return self.http.send(payload, target, action)
            except ConnectionFailed as err:
                if attempt == 1 or self.aborted:
                    raise EndpointUnreachable(
                        f'AWS endpoint unreachable during {action}: {err}: "{self.http.url}/"'
                    ) from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def abort(self) -> None:
        """Wake a request waiting on the connection in another thread (it then fails)."""
        self.aborted = True
        conn = self.http.conn
        sock = conn.sock if conn is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):  # closed meanwhile: nothing to wake
                sock.shutdown(socket.SHUT_RDWR)

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
    why = cache.unavailable() if wanted else None
    if why is not None:  # denied or unreachable a moment ago: not asked again yet
        learnt.problem = Remembered(why)
        wanted = []
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
        if isinstance(learnt.problem, AccessDenied | EndpointUnreachable):
            cache.remember_unavailable(str(learnt.problem))
    known.update(learnt.prices)
    return Fetched({key: known[key] for key in keys if key in known}, learnt.problem)


def _fetch_all(plan: Plan, wanted: list[PriceKey], attribute: str, fetched: Fetched) -> None:
    """Each worker asks for its share of ``wanted`` over a connection of its own; the first
    problem stops them all: the requests in flight are cut short, nothing more is asked."""
    lock = threading.Lock()
    stop = threading.Event()
    unusual: list[Unsupported] = []
    shares = [wanted[i::FETCH_CONCURRENCY] for i in range(min(FETCH_CONCURRENCY, len(wanted)))]
    clients = [PricingClient(plan) for _ in shares]

    def halt() -> None:
        """After the first problem: the others' requests fail at once instead of timing out."""
        stop.set()
        for other in clients:
            other.abort()

    def work(client: PricingClient, share: list[PriceKey]) -> None:
        try:
            for key in share:
                if stop.is_set():
                    return
                price = client.price(key, attribute)
                with lock:
                    if not stop.is_set():
                        fetched.prices[key] = price
        except SagedeckError as err:
            with lock:
                if not stop.is_set():  # not the echo of another worker's problem
                    fetched.problem = fetched.problem or err
                    halt()
        except Unsupported as err:
            with lock:
                if not stop.is_set():
                    unusual.append(err)
                    halt()
        finally:
            client.close()

    if len(shares) == 1:
        work(clients[0], shares[0])
    else:
        workers = [
            threading.Thread(target=work, args=job, name="sagedeck-prices", daemon=True)
            for job in zip(clients, shares, strict=True)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    if unusual:
        raise unusual[0]
