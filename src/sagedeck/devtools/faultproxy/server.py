"""The fault proxy: an HTTP/1.1 proxy on raw asyncio streams, run in its own thread.

Raw streams rather than an HTTP server framework, because the faults live below HTTP: a reset
needs the socket, refusing connections needs the listening socket closed and every open keep-alive
connection dropped (a client's pooled connections would otherwise keep working).

Every public method is thread-safe: tests drive the proxy from their own event loop or thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

import aiohttp

from sagedeck.devtools.faultproxy.faults import (
    ActiveFault,
    Call,
    Fault,
    FaultKind,
    Seen,
    Stats,
    error_reply,
    identify,
)
from sagedeck.devtools.faultproxy.forward import abort, forward
from sagedeck.devtools.faultproxy.http import (
    MAX_BODY,
    Refused,
    Request,
    answer_refused,
    read_request,
    write_response,
)

CONTROL_PREFIX = "/__faultproxy/"
# (status, JSON body, what to do once the answer is sent)
ControlHandler = Callable[[Request], tuple[int, bytes, Callable[[], None] | None]]


class FaultProxy:
    """``with FaultProxy("http://127.0.0.1:4566") as proxy:`` then point clients at
    ``proxy.url``. ``add()`` a :class:`Fault`, ``clear()`` them, ``release()`` hung requests,
    ``refuse()``/``accept()`` connections; assigning ``upstream`` sends the next requests
    elsewhere (a dead port: the endpoint behind the proxy is down). Request and response bodies
    over ``max_body`` bytes are refused (413 and 502)."""

    def __init__(
        self,
        upstream: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.host = host
        self.port = port
        self.max_body = max_body
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._faults: list[ActiveFault] = []
        self._random = random.Random(seed)
        self._stats = Stats()
        self._seen: deque[Seen] = deque(maxlen=10_000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._client: aiohttp.ClientSession | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._release = threading.Event()  # replaced on every release; hung requests poll it
        self._control: ControlHandler | None = None
        self._startup_error: BaseException | None = None

    # --- life cycle (any thread) --------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> FaultProxy:
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="faultproxy", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fault proxy did not start")
        if self._startup_error is not None:
            raise self._startup_error
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return
        self.release()
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def refuse(self) -> None:
        """Stop listening and drop every open connection: new connections are refused."""
        self._call(self._close_listener())

    def accept(self) -> None:
        """Listen again, on the same port."""
        self._call(self._open_listener())

    @property
    def listening(self) -> bool:
        return self._server is not None

    def set_control(self, handler: ControlHandler | None) -> None:
        """Answer requests under ``/__faultproxy/`` with ``handler`` (the CLI's control API).
        It runs in a worker thread; what it returns to do afterwards (``refuse``, say) runs once
        the answer is sent."""
        self._control = handler

    # --- faults (any thread) ------------------------------------------------------------

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(ActiveFault(fault))
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            self._faults = [a for a in self._faults if a.fault is not fault]

    def clear(self) -> None:
        """Remove every fault and release every hung request."""
        with self._lock:
            self._faults.clear()
        self.release()

    def release(self) -> None:
        with self._lock:
            self._release.set()
            self._release = threading.Event()

    def faults(self) -> list[Fault]:
        with self._lock:
            return [a.fault for a in self._faults if not a.spent]

    def stats(self) -> Stats:
        with self._lock:
            s = self._stats
            return Stats(
                s.requests,
                s.forwarded,
                s.hung_now,
                s.hangs,
                s.connections_now,
                Counter(s.injected),
            )

    def seen(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)

    def wait_for(self, predicate: Callable[[Stats], bool], timeout: float = 10) -> Stats:
        """Block until ``predicate(stats)`` holds; raise TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self._stats):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"fault proxy: condition not met within {timeout}s")
                self._changed.wait(left)
        return self.stats()

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = Stats(
                hung_now=self._stats.hung_now, connections_now=self._stats.connections_now
            )
            self._seen.clear()

    # --- inside the proxy's loop --------------------------------------------------------

    def _call(self, coro: Any) -> Any:
        if self._loop is None:
            raise RuntimeError("fault proxy is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._startup())
        except BaseException as err:  # e.g. the port is taken: start() reports it
            self._startup_error = err
            ready.set()
            loop.close()
            return
        self._loop = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _startup(self) -> None:
        await self._open_listener()
        self._client = aiohttp.ClientSession(
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=300),
        )

    async def _open_listener(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._connection, self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close_listener(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._connections):
            abort(writer)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _shutdown(self) -> None:
        await self._close_listener()
        if self._client is not None:
            await self._client.close()

    def _bump(self, **changes: int) -> None:
        with self._changed:
            for name, delta in changes.items():
                setattr(self._stats, name, getattr(self._stats, name) + delta)
            self._changed.notify_all()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._connections.add(writer)
        self._bump(connections_now=1)
        try:
            while True:
                request = await read_request(reader, self.max_body)
                if request is None:
                    return
                if not await self._serve(request, writer):
                    return
        except Refused as refused:
            await answer_refused(reader, writer, refused)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        except asyncio.CancelledError:
            # refuse() or stop() dropped the connection. Python 3.11's stream server logs a
            # cancelled connection task as an error, so end it normally.
            abort(writer)
        finally:
            self._connections.discard(writer)
            self._tasks.discard(task)
            self._bump(connections_now=-1)
            with contextlib.suppress(Exception):
                writer.close()

    def _pick(self, call: Call) -> tuple[float, Fault | None]:
        """The total added latency, and the first fault that decides the call's fate."""
        delay, chosen = 0.0, None
        with self._lock:
            for active in self._faults:
                fault = active.fault
                if active.spent or not fault.applies_to(call):
                    continue
                if fault.rate < 1.0 and self._random.random() >= fault.rate:
                    continue
                if fault.kind is FaultKind.LATENCY:
                    active.hits += 1
                    delay += fault.seconds or 0.0
                elif chosen is None:
                    active.hits += 1
                    chosen = fault
            self._faults = [a for a in self._faults if not a.spent]
        return delay, chosen

    async def _serve(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection must end."""
        if request.target.startswith(CONTROL_PREFIX) and self._control is not None:
            status, body, after = await asyncio.to_thread(self._control, request)
            await write_response(writer, status, (("Content-Type", "application/json"),), body)
            if after is not None:
                threading.Thread(target=after, name="faultproxy-control", daemon=True).start()
            return request.keep_alive
        call = identify(request.target, request.headers, request.body)
        self._bump(requests=1)
        delay, fault = self._pick(call)
        with self._lock:
            self._seen.append(Seen(call, fault.kind if fault else None, time.monotonic()))
            if fault is not None:
                self._stats.injected[fault.kind.value] += 1
            elif delay:
                self._stats.injected[FaultKind.LATENCY.value] += 1
        if delay:
            await asyncio.sleep(delay)
        if fault is None:
            return await self._forward(request, writer)
        if fault.kind is FaultKind.RESET:
            abort(writer)
            return False
        if fault.kind is FaultKind.HANG:
            await self._hang(fault)
            return await self._forward(request, writer)
        reply = error_reply(fault, call)
        await write_response(writer, reply.status, reply.headers, reply.body)
        return request.keep_alive

    async def _hang(self, fault: Fault) -> None:
        with self._lock:
            released = self._release
        self._bump(hung_now=1, hangs=1)
        deadline = None if fault.seconds is None else time.monotonic() + fault.seconds
        try:
            while not released.is_set():
                if deadline is not None and time.monotonic() >= deadline:
                    return
                await asyncio.sleep(0.02)  # a poll: release() may come from any thread
        finally:
            self._bump(hung_now=-1)

    async def _forward(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        assert self._client is not None
        return await forward(
            self._client,
            self.upstream,
            request,
            writer,
            max_body=self.max_body,
            answered=lambda: self._bump(forwarded=1),
        )
