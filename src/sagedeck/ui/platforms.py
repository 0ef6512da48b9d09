"""The PLATFORM column: ListNotebookInstances does not carry the platform, so each instance is
described once, in the background, a few at a time; the table shows each batch as it lands.
An instance whose describe fails shows "-" and is not asked again every refresh."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from sagedeck.errors import NotFound, SagedeckError
from sagedeck.ui.fleet import Fleet

if TYPE_CHECKING:
    from sagedeck.aws.services import AwsServices

DESCRIBE_CONCURRENCY = 8
DESCRIBE_BATCH = 100


async def describe_platforms(
    services: AwsServices, fleet: Fleet, keys: list[str], batch_done: Callable[[], None]
) -> None:
    """Fill ``fleet.platforms`` for ``keys``; ``batch_done()`` after each batch."""
    limit = asyncio.Semaphore(DESCRIBE_CONCURRENCY)

    async def one(key: str) -> None:
        notebook = fleet.get(key)
        if notebook is None:
            return
        async with limit:
            try:
                detail = await services.sagemaker.describe(notebook.key)
            except NotFound:
                return
            except SagedeckError:
                fleet.platforms[key] = ""  # not readable: show "-", don't ask every poll
                return
        fleet.platforms[key] = detail.platform or ""

    for start in range(0, len(keys), DESCRIBE_BATCH):
        await asyncio.gather(*(one(key) for key in keys[start : start + DESCRIBE_BATCH]))
        batch_done()
