"""Fixtures for the Jupyter bridge: sagedeck's AWS layer on the embedded AWS, and sessions into
its instances' real Jupyter servers (started on first sign-in, shared by the whole test session
while the instance stays InService: a server costs seconds to start)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.jupyter.session import JupyterSession
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookKey

EAST = "us-east-1"
NB = NotebookKey(EAST, "nb")  # InService in the seed; its server is shared across tests

OpenSession = Callable[..., JupyterSession]


@pytest.fixture
async def layer(aws: LocalAws) -> AsyncIterator[AwsServices]:
    target = AwsTarget(
        None, aws.regions, aws.endpoint_url, credentials=StaticCredentials("demo", "demo")
    )
    async with AwsServices(target) as services:
        yield services


@pytest.fixture
async def open_session(layer: AwsServices) -> AsyncIterator[OpenSession]:
    """``open_session(key=NB, session_seconds=1800)``: a session, closed after the test."""
    opened: list[JupyterSession] = []

    def make(key: NotebookKey = NB, session_seconds: int = 1800) -> JupyterSession:
        session = JupyterSession.for_notebook(layer.sagemaker, key, session_seconds)
        opened.append(session)
        return session

    yield make
    for session in opened:
        await session.close()
