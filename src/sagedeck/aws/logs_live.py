"""StartLiveTail: CloudWatch pushes new events once a second over an event stream.

Opt-in, because it is billed per minute of session (about $0.01 a minute in us-east-1 after the
free 1,800 minutes a month; see the CloudWatch pricing page) while FilterLogEvents polling is
free up to its 5 requests/s. Sessions last at most 3 hours and sample above 500 events/s; live
events carry no ``eventId``, so overlaps between sessions are dropped by (time, stream, message).

The client needs ``inject_host_prefix=False`` when an endpoint URL is set (the operation's host
prefix ``streaming-`` would be put before ``127.0.0.1``), so live tail builds its own client
from the connection's target instead of sharing the polling one.

moto 5.2.5 answers StartLiveTail with one snapshot of the *first* 500 stored events and closes
the stream: sessions that keep closing at once raise :class:`LiveTailUnsupported`, and the CLI
falls back to polling.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session

from sagedeck.aws.translate import translate_errors
from sagedeck.errors import NotFound, SagedeckError
from sagedeck.models import LogEvent, NotebookKey

if TYPE_CHECKING:
    from sagedeck.aws.logs import CloudWatchLogs

LIVE_TAIL_CONFIG = AioConfig(
    inject_host_prefix=False,
    retries={"mode": "standard", "total_max_attempts": 2},
    connect_timeout=2,
    read_timeout=30,  # an update arrives every second, even an empty one
    user_agent_extra="sagedeck",
)
SHORT_SESSION = 10.0  # seconds: a session closed this soon was not a live one
_RECENT_KEYS = 20_000


class LiveTailUnsupported(SagedeckError):
    """The endpoint closes live tail sessions at once (moto does): poll instead."""


async def live_tail(
    logs: CloudWatchLogs, key: NotebookKey, prefix: str
) -> AsyncIterator[list[LogEvent]]:
    """Batches of events from StartLiveTail sessions, reopened when one ends."""
    arn = await logs.log_group_arn(key.region)
    if arn is None:
        raise NotFound(f"no log group for notebook instances in {key.region} yet")
    recent: deque[tuple[int, str, str]] = deque(maxlen=_RECENT_KEYS)
    seen: set[tuple[int, str, str]] = set()
    short_sessions = 0
    target = logs.conn.target
    session: AioSession = AioSession(profile=target.profile) if target.profile else get_session()
    creds = target.credentials
    async with session.create_client(
        "logs",
        region_name=key.region,
        endpoint_url=target.endpoint_url,
        config=LIVE_TAIL_CONFIG,
        aws_access_key_id=creds.access_key if creds else None,
        aws_secret_access_key=creds.secret_key if creds else None,
        aws_session_token=creds.token if creds else None,
    ) as client:
        while True:
            opened = time.monotonic()
            with translate_errors(f"live-tail {key.name}", "logs:StartLiveTail"):
                response = await client.start_live_tail(
                    logGroupIdentifiers=[arn], logStreamNamePrefixes=[prefix]
                )
                async for message in response["responseStream"]:
                    batch = _fresh(message, recent, seen)
                    if batch:
                        yield batch
            if time.monotonic() - opened < SHORT_SESSION:
                short_sessions += 1
                if short_sessions >= 2:
                    raise LiveTailUnsupported(
                        "this endpoint closes live tail sessions at once: polling instead"
                    )
            else:
                short_sessions = 0
            await asyncio.sleep(1.0)


def _fresh(
    message: Mapping[str, Any],
    recent: deque[tuple[int, str, str]],
    seen: set[tuple[int, str, str]],
) -> list[LogEvent]:
    update = message.get("sessionUpdate")
    if not update:
        return []
    out: list[LogEvent] = []
    for item in update.get("sessionResults", ()):
        event = LogEvent(
            timestamp=int(item["timestamp"]),
            stream=str(item.get("logStreamName", "")),
            message=str(item.get("message", "")),
            event_id="",
            ingestion_time=item.get("ingestionTime"),
        )
        ident = (event.timestamp, event.stream, event.message)
        if ident in seen:
            continue
        if len(recent) == recent.maxlen:
            seen.discard(recent[0])
        recent.append(ident)
        seen.add(ident)
        out.append(event)
    return out
