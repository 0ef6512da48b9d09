"""A signed-in session into one instance's Jupyter server, as a browser has after the presigned URL.

AWS documents that the ``AuthorizedUrl`` signs a browser in and that every later request and
websocket is authorized by the cookies it set. So: GET the URL following redirects, keep every
cookie of that host (their names are not relied on), send Jupyter's ``X-XSRFToken`` (the
``_xsrf`` cookie) on every request (mutating ones and ``/files/`` need it), and when the
session has run out (403, or a redirect to a login page), sign in again with a fresh URL,
once, instead of failing.

The URL, its token and the cookies are credentials: nothing here logs, prints or stores them,
and every error message names the instance and the status only.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from ..errors import AccessDenied, EndpointUnreachable, InvalidState, SagedeckError
from ..models import JupyterView, NotebookKey, PresignedUrl

if TYPE_CHECKING:
    from ..aws.notebooks import SageMaker

# A fresh presigned URL for the instance each call (the app's CreatePresignedNotebookInstanceUrl).
UrlSource = Callable[[], Awaitable[PresignedUrl]]

XSRF_COOKIE = "_xsrf"  # Jupyter's (tornado's) name: the one name the protocol itself fixes
UNREACHABLE = frozenset({502, 503, 504})
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=15)


class JupyterSession:
    """Cookies and XSRF for one instance's Jupyter; ``request`` and ``ws_connect`` use them.

    Use as ``async with JupyterSession(key, source) as jupyter:``; the sign-in happens on the
    first request. ``session_seconds`` is how long a sign-in lasts (the URL's session duration):
    past it, the next request signs in again first.
    """

    def __init__(
        self,
        notebook: NotebookKey,
        source: UrlSource,
        *,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.notebook = notebook
        self._source = source
        self._timeout = timeout
        self._clock = clock
        self._http: aiohttp.ClientSession | None = None
        self._base: URL | None = None
        self._expires = 0.0
        self.sign_ins = 0  # how many times it signed in (renewals included)

    @classmethod
    def for_notebook(
        cls, sagemaker: SageMaker, notebook: NotebookKey, session_seconds: int
    ) -> JupyterSession:
        """A session that signs in with the app's own CreatePresignedNotebookInstanceUrl call
        (refused in read-only mode, as the URL is a credential)."""

        async def fresh_url() -> PresignedUrl:
            return await sagemaker.presigned_url(notebook, JupyterView.CLASSIC, session_seconds)

        return cls(notebook, fresh_url)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.close()

    @property
    def base_url(self) -> URL:
        """The Jupyter server's root (``https://<host>/`` on AWS); valid once signed in."""
        if self._base is None:
            raise RuntimeError("not signed in yet")
        return self._base

    @property
    def origin(self) -> str:
        """The ``Origin`` a page of the notebook sends: Jupyter checks websockets against it."""
        return str(self.base_url.origin())

    # --- signing in ----------------------------------------------------------------------------

    async def sign_in(self) -> None:
        """Sign in with a fresh presigned URL: a new cookie jar, the XSRF cookie set."""
        presigned = await self._source()
        await self.close()
        http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # unsafe: also hosts that are IP addresses
            timeout=self._timeout,
        )
        self._http = http
        url = URL(presigned.url, encoded=True)
        # The Jupyter root is the URL's path: "/" on AWS, "/<host>/" on the embedded AWS.
        self._base = url.with_query(None).with_fragment(None)
        if not self._base.path.endswith("/"):
            self._base = self._base.with_path(self._base.path + "/")
        async with self._guard("sign in to"), http.get(url, allow_redirects=True) as answer:
            await answer.read()
            self._check_sign_in(answer.status)
        self._expires = self._clock() + presigned.session_seconds
        self.sign_ins += 1
        if self._xsrf() is None:
            # Jupyter sets it when it renders a page; the sign-in's landing page usually does.
            landing = self._base / "tree"
            async with self._guard("sign in to"), http.get(landing, allow_redirects=True) as page:
                await page.read()

    def _check_sign_in(self, status: int) -> None:
        name = self.notebook.name
        if status in UNREACHABLE:
            raise _not_in_service(name)
        if status in (401, 403):
            raise AccessDenied(
                "sagemaker:CreatePresignedNotebookInstanceUrl",
                f"the Jupyter sign-in of {name} was refused (HTTP {status}): "
                "the URL expired or was already used",
            )
        if status >= 500:
            raise SagedeckError(f"{name}: the Jupyter sign-in failed (HTTP {status})")

    def _xsrf(self) -> str | None:
        if self._http is None or self._base is None:
            return None
        cookies = self._http.cookie_jar.filter_cookies(self._base)
        morsel = cookies.get(XSRF_COOKIE)
        return None if morsel is None else morsel.value

    async def _ensure(self) -> aiohttp.ClientSession:
        if self._http is None or self._clock() >= self._expires:
            await self.sign_in()
        assert self._http is not None
        return self._http

    # --- requests ------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """``method`` on ``path`` (relative to the Jupyter root, e.g. ``api/kernels``): its
        status and body. Renews the session once when it was refused as signed out."""
        for attempt in (1, 2):
            http = await self._ensure()
            headers = {"Accept": "application/json"}
            xsrf = self._xsrf()
            if xsrf is not None:
                # Mutating requests need it; so does a GET of /files/ (Jupyter blocks a cookie-
                # authenticated GET that carries neither it nor a Referer of its own origin).
                headers["X-XSRFToken"] = xsrf
            url = self.base_url.join(URL(path, encoded=False))
            async with (
                self._guard(f"{method} {path} on"),
                http.request(
                    method, url, json=json, params=params, headers=headers, allow_redirects=False
                ) as answer,
            ):
                body = await answer.read()
                status = answer.status
                location = answer.headers.get("Location", "")
            if status in UNREACHABLE:
                raise _not_in_service(self.notebook.name)
            if attempt == 1 and _signed_out(status, location):
                self._expires = 0.0  # sign in again, then retry once
                continue
            return status, body
        return status, body

    async def ws_connect(self, path: str, **options: Any) -> aiohttp.ClientWebSocketResponse:
        """A websocket to ``path`` (e.g. ``terminals/websocket/1``) with the session's cookies
        and the notebook page's ``Origin``; renews the session once if refused."""
        for attempt in (1, 2):
            http = await self._ensure()
            url = self.base_url.join(URL(path, encoded=False))
            url = url.with_scheme("wss" if url.scheme == "https" else "ws")
            try:
                socket: aiohttp.ClientWebSocketResponse = await http.ws_connect(
                    url, headers={"Origin": self.origin}, **options
                )
                return socket
            except aiohttp.WSServerHandshakeError as refused:
                if refused.status in UNREACHABLE:
                    raise _not_in_service(self.notebook.name) from None
                if attempt == 1 and refused.status in (401, 403):
                    self._expires = 0.0
                    continue
                raise SagedeckError(
                    f"{self.notebook.name}: Jupyter refused the websocket (HTTP {refused.status})"
                ) from None
            except aiohttp.ClientError as failed:
                raise _unreachable(self.notebook.name, failed) from None
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def stream(self, path: str) -> AsyncIterator[aiohttp.ClientResponse]:
        """``GET path`` with its body left to read as it comes (a large download): the
        response, whatever its status. Renews the session once when refused as signed out."""
        for attempt in (1, 2):
            http = await self._ensure()
            url = self.base_url.join(URL(path, encoded=False))
            # Jupyter serves /files/ to a cookie-signed-in user only with a Referer of its own
            # pages (as a browser's download link sends), against cross-site inclusion.
            async with self._guard(f"GET {path} on"):
                answer = await http.get(
                    url, headers={"Referer": str(self.base_url)}, allow_redirects=False
                )
            if answer.status in UNREACHABLE:
                answer.release()
                raise _not_in_service(self.notebook.name)
            if attempt == 1 and _signed_out(answer.status, answer.headers.get("Location", "")):
                answer.release()
                self._expires = 0.0
                continue
            try:
                yield answer
            finally:
                answer.release()
            return

    def _guard(self, doing: str) -> _Translate:
        return _Translate(self.notebook.name, doing)


class _Translate:
    """Connection failures as one line naming the instance, never the URL (a credential)."""

    def __init__(self, name: str, doing: str) -> None:
        self._name = name
        self._doing = doing

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(exc, aiohttp.ClientError | TimeoutError):
            raise _unreachable(self._name, exc) from None


def _signed_out(status: int, location: str) -> bool:
    """Refused as not signed in: 401/403, or a redirect to a login page."""
    if status in (401, 403):
        return True
    return 300 <= status < 400 and "login" in urlsplit(location).path.lower()


def _not_in_service(name: str) -> InvalidState:
    return InvalidState(f"{name}: its Jupyter server is unreachable", allowed=("InService",))


def _unreachable(name: str, failed: BaseException) -> EndpointUnreachable:
    kind = "timed out" if isinstance(failed, TimeoutError) else type(failed).__name__
    return EndpointUnreachable(f"{name}: cannot reach its Jupyter server ({kind})")
