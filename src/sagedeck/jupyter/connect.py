"""A :class:`~sagedeck.jupyter.link.JupyterLink` to an instance's Jupyter server, signed in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from sagedeck.errors import SagedeckError
from sagedeck.jupyter.link import JupyterLink

if TYPE_CHECKING:
    from sagedeck.aws.services import AwsServices
    from sagedeck.models import NotebookKey


@asynccontextmanager
async def connect(
    services: AwsServices, key: NotebookKey, session_seconds: int
) -> AsyncIterator[JupyterLink]:
    """Signed in through a fresh presigned URL; closed when the block ends."""
    raise SagedeckError(f"{key.name}: the Jupyter sign-in is not available yet")
    yield  # pragma: no cover
