"""The embedded AWS's StartLiveTail streams as CloudWatch Logs does.

moto 5.2.5 sent one snapshot of the first 500 stored events and closed; the embedded AWS
now streams newly ingested events every second. This test keeps it that way.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiobotocore.session import get_session

from sagedeck.aws.logs.client import LOG_GROUP
from sagedeck.aws.logs.live_session import LIVE_TAIL_CONFIG
from sagedeck.localaws import LocalAws

from .conftest import REGION, put


async def test_live_tail_streams_events_written_after_the_session_began(
    aws: LocalAws, logs_client: Any
) -> None:
    put(logs_client, "live/jupyter.log", ["before"], int(time.time() * 1000))
    arn = f"arn:aws:logs:{REGION}:{aws.account_id}:log-group:{LOG_GROUP}"
    seen: list[str] = []
    async with get_session().create_client(
        "logs",
        region_name=REGION,
        endpoint_url=aws.endpoint_url,
        aws_access_key_id="demo",
        aws_secret_access_key="demo",
        config=LIVE_TAIL_CONFIG,
    ) as client:
        response = await client.start_live_tail(
            logGroupIdentifiers=[arn], logStreamNamePrefixes=["live/"]
        )

        async def read() -> None:
            async for message in response["responseStream"]:
                update = message.get("sessionUpdate") or {}
                seen.extend(r["message"] for r in update.get("sessionResults", ()))
                if "after" in seen:
                    return

        reader = asyncio.create_task(read())
        await asyncio.sleep(0.5)
        put(logs_client, "live/jupyter.log", ["after"], int(time.time() * 1000))
        await asyncio.wait({reader}, timeout=30)  # updates come each second; CI may be slow
        reader.cancel()
    assert "after" in seen
    assert "before" not in seen  # a live session shows what arrives, not the history
