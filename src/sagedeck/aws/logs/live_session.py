"""One CloudWatch Live Tail session (StartLiveTail): its client, its event stream read into a
queue by a task, and the errors it ends with. :mod:`sagedeck.aws.logs.live` decides when
sessions open and close and what of their events is printed.

The client needs ``inject_host_prefix=False`` when an endpoint URL is set (the operation's host
prefix ``streaming-`` would be put before ``127.0.0.1``), so live tail builds its own client
from the connection's target instead of sharing the polling one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session
from botocore import exceptions as bce

from sagedeck.aws.read_only import guard_client
from sagedeck.aws.session import AwsTarget
from sagedeck.aws.translate import error_code, translate_errors
from sagedeck.errors import EndpointUnreachable, SagedeckError

LIVE_TAIL_CONFIG = AioConfig(
    inject_host_prefix=False,
    retries={"mode": "standard", "total_max_attempts": 2},
    connect_timeout=2,
    read_timeout=30,  # an update arrives every second, even an empty one
    user_agent_extra="sagedeck",
)
PERMISSION = "logs:StartLiveTail"
START_TIMEOUT = 20.0  # seconds from the call to its sessionStart
# What an endpoint answers when it has no Live Tail, or not for this log group.
UNSUPPORTED_CODES = frozenset(
    {
        "InvalidOperationException",
        "UnsupportedOperation",
        "UnsupportedOperationException",
        "UnknownOperation",
        "UnknownOperationException",
        "InvalidAction",
        "NotImplemented",
        "NotImplementedException",
    }
)
TOO_MANY_SESSIONS = "LimitExceededException"
SESSION_TIMEOUT = "SessionTimeoutException"


class LiveTailUnsupported(SagedeckError):
    """This endpoint, account or log group cannot live-tail: poll instead."""


def live_client(target: AwsTarget, region: str, name: str) -> Any:
    """An async context manager giving a logs client fit for StartLiveTail (``name``: the
    instance, for the error message)."""
    creds = target.credentials
    aio: AioSession = (
        AioSession(profile=target.session_profile) if target.session_profile else get_session()
    )
    if target.read_only:
        guard_client(aio)  # the session's clients inherit it; StartLiveTail is a read
    with translate_errors(f"live-tail {name}", PERMISSION):
        return aio.create_client(
            "logs",
            region_name=region,
            endpoint_url=target.endpoint_url,
            config=LIVE_TAIL_CONFIG,
            aws_access_key_id=creds.access_key if creds else None,
            aws_secret_access_key=creds.secret_key if creds else None,
            aws_session_token=creds.token if creds else None,
        )


@dataclass(eq=False)
class Session:
    """One StartLiveTail call, read by a task into a queue: ("start", None), then ("update",
    sessionUpdate) each second, then ("end", None) with ``error`` set if it failed."""

    queue: asyncio.Queue[tuple[str, Any]] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None
    started_at: float | None = None
    ended_at: float | None = None
    error: BaseException | None = None
    timed_out: bool = False  # the 3-hour limit: a normal end

    @classmethod
    def open(
        cls, client: Any, group_arn: Callable[[], Awaitable[str]], name: str, prefix: str
    ) -> Session:
        """A session of the streams under ``prefix`` of instance ``name``, starting now; the
        group's ARN is looked up inside the session, so a missing group is its ``error``."""
        session = cls()
        session.task = asyncio.create_task(session._read(client, group_arn, name, prefix))
        return session

    @property
    def lived(self) -> float:
        if self.started_at is None:
            return 0.0
        return (self.ended_at or time.monotonic()) - self.started_at

    async def wait_start(self) -> bool:
        """True once the session has started; False when it ended (or never answered)."""
        try:
            async with asyncio.timeout(START_TIMEOUT):
                kind, _ = await self.queue.get()
        except TimeoutError:
            self.error = EndpointUnreachable(
                f"no live tail session started within {START_TIMEOUT:.0f}s"
            )
            return False
        # An update before any sessionStart (not AWS's way) is dropped: the catch-up pass
        # that follows reads its events.
        return kind != "end"

    async def close(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _read(
        self, client: Any, group_arn: Callable[[], Awaitable[str]], name: str, prefix: str
    ) -> None:
        try:
            arn = await group_arn()
            with translate_errors(f"live-tail {name}", PERMISSION):
                try:
                    response = await client.start_live_tail(
                        logGroupIdentifiers=[arn], logStreamNamePrefixes=[prefix]
                    )
                    await self._drain(response["responseStream"])
                except bce.ClientError as err:
                    if error_code(err) == SESSION_TIMEOUT:
                        self.timed_out = True
                        return
                    unsupported = _unsupported(err)
                    if unsupported is not None:
                        raise unsupported from err
                    raise
                except aiohttp.ClientError as err:  # the stream broke off mid-way
                    raise EndpointUnreachable(
                        f"the live tail connection broke ({type(err).__name__})"
                    ) from err
        except asyncio.CancelledError:
            raise
        except Exception as err:
            self.error = err
        finally:
            self.ended_at = time.monotonic()
            self.queue.put_nowait(("end", None))

    async def _drain(self, stream: Any) -> None:
        try:
            async for message in stream:
                if "sessionStart" in message:
                    self.started_at = time.monotonic()
                    self.queue.put_nowait(("start", None))
                elif "sessionUpdate" in message:
                    self.queue.put_nowait(("update", message["sessionUpdate"]))
        finally:
            stream.close()


def _unsupported(err: bce.ClientError) -> LiveTailUnsupported | None:
    """What an error that means "poll instead" says; None for any other error."""
    code = error_code(err)
    if code in UNSUPPORTED_CODES:
        return LiveTailUnsupported(f"this endpoint cannot live-tail these logs ({code})")
    if code == TOO_MANY_SESSIONS:
        return LiveTailUnsupported("too many live tail sessions in this account and region")
    return None
