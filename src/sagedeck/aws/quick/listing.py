"""The quick listing's requests: ListNotebookInstances signed and sent with ``http.client``,
one keep-alive connection per region, regions in parallel threads (standard library only).
Any answer but a page of 200 is :class:`Unsupported`, handed to the ordinary path; only a
timeout is reported here."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sagedeck import __version__
from sagedeck.aws import regions as region_data
from sagedeck.aws.paging import next_request
from sagedeck.aws.quick import plain
from sagedeck.aws.quick.plain import Plan
from sagedeck.aws.quick.signing import sign
from sagedeck.aws.quick.unsupported import Unsupported
from sagedeck.aws.regions import REGIONS_AT_ONCE
from sagedeck.aws.shapes import summary_from_api, wire_time
from sagedeck.errors import EndpointUnreachable
from sagedeck.models import NotebookSummary, RegionListing

if TYPE_CHECKING:
    from concurrent.futures import Future

TARGET = "SageMaker.ListNotebookInstances"
PAGE_SIZE = 100
CONNECT_TIMEOUT, READ_TIMEOUT, ATTEMPTS = 2.0, 10.0, 2  # as aws.session's client settings
# How long a prefetch waits, after each region's first page, for someone to listen to its
# pages (the dashboard, once mounted) before it reads on regardless.
HOLD_SECONDS = 3.0


def _ssl_context(ca_bundle: str | None) -> Any:
    import ssl

    if ca_bundle:
        return ssl.create_default_context(cafile=str(Path(ca_bundle).expanduser()))
    try:  # botocore's default bundle: certifi's when it is installed, else its own
        import certifi

        cafile = certifi.where()
    except ImportError:
        root = region_data.botocore_dir()
        if root is None:
            raise Unsupported("no CA bundle") from None
        cafile = str(root / "cacert.pem")
    return ssl.create_default_context(cafile=cafile)


class ConnectionFailed(Unsupported):
    """The connection was refused, reset or could not be made (``str``: when and how)."""


class RegionClient:
    """One region's SageMaker calls (JSON protocol) over one keep-alive connection; another
    service's (``url``, its signing name ``service``) when told."""

    def __init__(
        self,
        plan: Plan,
        region: str,
        *,
        url: str | None = None,
        service: str = "sagemaker",
        read_timeout: float = READ_TIMEOUT,
        profile: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        attempts: int = ATTEMPTS,
    ) -> None:
        self.plan, self.region, self.service = plan, region, service
        self.profile = profile  # stamped on the rows when several profiles are listed
        self.read_timeout = read_timeout
        self.connect_timeout, self.attempts = connect_timeout, attempts
        self.url = url or plan.endpoint(region)
        parts = urlsplit(self.url)
        self.host = parts.netloc
        self.https = parts.scheme == "https"
        self.hostname, self.port = parts.hostname or "", parts.port
        self.conn: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection
        if self.https:
            conn = http.client.HTTPSConnection(
                self.hostname,
                self.port,
                timeout=self.connect_timeout,
                context=_ssl_context(self.plan.ca_bundle),
            )
        else:
            conn = http.client.HTTPConnection(
                self.hostname, self.port, timeout=self.connect_timeout
            )
        conn.connect()
        assert conn.sock is not None
        conn.sock.settimeout(self.read_timeout)
        return conn

    def call(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A page of the listing; :class:`Unsupported` for any answer but a 200."""
        status, answer = self.send(payload, TARGET, "list notebooks")
        if status != 200:
            raise Unsupported(f"HTTP {status}")  # the ordinary path reports
        return answer

    def send(self, payload: dict[str, Any], target: str, action: str) -> tuple[int, dict[str, Any]]:
        """The HTTP status and the decoded JSON object of the answer; a timeout after two
        attempts is reported, anything else unusual is :class:`Unsupported`."""
        body = json.dumps(payload).encode()
        headers = sign(
            credentials=self.plan.credentials,
            region=self.region,
            host=self.host,
            body=body,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": target,
            },
            when=datetime.now(UTC),
            service=self.service,
        )
        headers["User-Agent"] = f"sagedeck/{__version__} (quick listing)"
        for attempt in range(self.attempts):
            phase = "Connect"
            try:
                if self.conn is None:
                    self.conn = self._connect()
                phase = "Read"
                self.conn.request("POST", "/", body, headers)
                response = self.conn.getresponse()
                data = response.read()
            except TimeoutError:
                self.close()
                if attempt + 1 < self.attempts:
                    continue
                raise EndpointUnreachable(
                    f"AWS endpoint unreachable during {action} in {self.region}:"
                    f' {phase} timeout on endpoint URL: "{self.url}/"'
                ) from None
            except (OSError, http.client.HTTPException) as err:
                self.close()
                failed = "could not connect" if phase == "Connect" else "connection lost"
                # the ordinary path reports
                raise ConnectionFailed(f"{failed} ({type(err).__name__})") from None
            try:
                page = json.loads(data)
            except ValueError:
                raise Unsupported("not JSON") from None
            if not isinstance(page, dict):
                raise Unsupported("not a JSON object")
            return response.status, page
        raise AssertionError("unreachable: the last attempt returns or raises")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def list(self, pages: Pages | None = None) -> RegionListing:
        """Every page of the region; ``pages`` hears the rows so far after each."""
        found: dict[str, NotebookSummary] = {}
        request: dict[str, Any] | None = {"MaxResults": PAGE_SIZE}
        try:
            while request is not None:
                page = self.call(request)
                for item in page.get("NotebookInstances") or ():
                    summary = summary_from_json(item, self.region, self.profile)
                    found[summary.name] = summary
                request = next_request(request, page)
                if pages is not None:
                    pages.add(self.region, tuple(found.values()))
                    if request is not None:
                        pages.hold()
            return RegionListing(self.region, tuple(found.values()), None, self.profile)
        finally:
            self.close()


def summary_from_json(item: Any, region: str, profile: str | None = None) -> NotebookSummary:
    """The same mapping as the ordinary path (``aws.shapes``), on the wire's JSON."""
    try:
        return summary_from_api(item, region, wire_time, profile)
    except (KeyError, TypeError, AttributeError, ValueError):
        raise Unsupported("unexpected item") from None


class Pages:
    """The rows each region of a listing in progress has answered so far, written by the
    listing's threads: the dashboard shows the first page's rows instead of waiting for the
    last of a large fleet's pages. The listener only hears *that* something arrived (from the
    listing's thread) and reads :meth:`latest` where it runs, so a late wake-up never shows
    rows older than ones already shown.

    After a region's first page the listing holds until someone listens (or says it will
    not: :meth:`release`): reading the other pages while the dashboard imports and mounts
    would only compete with it for the one interpreter lock, and delay the first paint."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, tuple[NotebookSummary, ...]] = {}
        self._listener: Callable[[], None] | None = None
        self._taken = threading.Event()

    def hold(self) -> None:
        """Wait (on a listing's thread) until the pages are taken, or for long enough (once:
        a prefetch no one takes reads on)."""
        if not self._taken.wait(HOLD_SECONDS):
            self._taken.set()

    def release(self) -> None:
        """No one will listen: the listing reads on at once."""
        self._taken.set()

    def add(self, region: str, rows: tuple[NotebookSummary, ...]) -> None:
        with self._lock:
            self._latest[region] = rows
            listener = self._listener
        if listener is not None:
            listener()

    def latest(self) -> dict[str, tuple[NotebookSummary, ...]]:
        with self._lock:
            return dict(self._latest)

    def listen(self, listener: Callable[[], None] | None) -> None:
        """Call ``listener`` on each page from now on (None: no more), and now if some came."""
        with self._lock:
            self._listener = listener
            arrived = bool(self._latest)
        self._taken.set()
        if listener is not None and arrived:
            listener()


def prefetch(plan: Plan, pages: Pages | None = None) -> Future[list[RegionListing]]:
    """:func:`list_regions` in a thread of its own, started now: the network wait overlaps
    whatever the caller does meanwhile (the dashboard's imports). ``pages`` hears each page."""
    from concurrent.futures import Future

    listing: Future[list[RegionListing]] = Future()

    def run() -> None:
        if not listing.set_running_or_notify_cancel():
            return
        try:
            listing.set_result(list_regions(plan, pages))
        except BaseException as err:  # the taker decides; a thread must not die loudly
            listing.set_exception(err)

    threading.Thread(target=run, name="sagedeck-prefetch", daemon=True).start()
    return listing


def quick_listing(
    profile: str | None,
    regions: str | None,
    endpoint_url: str | None = None,
    *,
    default_regions: tuple[str, ...] = (),
) -> list[RegionListing]:
    """One profile's listing without botocore (profile named explicitly, None: the default
    chain; ``regions`` as ``--region`` takes it, None: the profile's); :class:`Unsupported`
    before anything is listed unless it is the plain case. For callers that list several
    profiles: one call per profile, in threads if they like."""
    return list_regions(
        plain.plan(
            profile=profile,
            region=regions,
            endpoint_url=endpoint_url,
            default_regions=default_regions,
        )
    )


def list_regions(plan: Plan, pages: Pages | None = None) -> list[RegionListing]:
    """Every region of the plan, in parallel; :class:`Unsupported` if any region did not
    answer plainly (the ordinary path then lists them all and reports what went wrong).
    ``pages`` hears each page."""
    regions = [RegionClient(plan, region) for region in plan.regions]
    if len(regions) == 1:
        return [regions[0].list(pages)]
    from concurrent.futures import ThreadPoolExecutor  # ~10 ms: only for several regions

    with ThreadPoolExecutor(max_workers=min(len(regions), 16)) as pool:
        futures = [pool.submit(region.list, pages) for region in regions]
        try:
            return [future.result() for future in futures]
        finally:
            for future in futures:
                future.cancel()


def list_profiles(plans: Sequence[tuple[str, Plan]]) -> list[RegionListing]:
    """Several profiles' regions (``plans``: each profile's), :data:`REGIONS_AT_ONCE` at a
    time in all as the ordinary path lists them, every row and listing stamped with its
    profile; :class:`Unsupported` if any region did not answer plainly. A timeout is that
    region's error, reported with the others as the ordinary path reports it."""
    from concurrent.futures import ThreadPoolExecutor

    clients = [
        RegionClient(plan, region, profile=profile)
        for profile, plan in plans
        for region in plan.regions
    ]

    def one(client: RegionClient) -> RegionListing:
        try:
            return client.list()
        except EndpointUnreachable as err:
            return RegionListing(client.region, (), err, client.profile)

    with ThreadPoolExecutor(max_workers=min(len(clients), REGIONS_AT_ONCE)) as pool:
        futures = [pool.submit(one, client) for client in clients]
        try:
            return [future.result() for future in futures]
        finally:
            for future in futures:
                future.cancel()
