"""Fixtures for the Jupyter bridge: sagedeck's AWS layer on the embedded AWS, and sessions into
its instances' real Jupyter servers (started on first sign-in, shared by the whole test session
while the instance stays InService: a server costs seconds to start); and a plain-token
jupyter_server (tests/jupyter/token_server.py) with a link to it, for the terminal and contents
protocols without the sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.jupyter.session import JupyterSession
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookKey

from .token_server import TokenLink, TokenServer, token_server

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


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenServer]:
    with token_server(tmp_path_factory.mktemp("jupyter")) as server:
        yield server


@pytest.fixture
async def link(jupyter_server: TokenServer) -> AsyncIterator[TokenLink]:
    async with aiohttp.ClientSession() as http:
        yield TokenLink(jupyter_server, http, "nb-test")


@pytest.fixture
def root(jupyter_server: TokenServer) -> Path:
    return jupyter_server.root


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[TokenServer]:
    """A token server of the test's own, to be killed mid-session."""
    with token_server(tmp_path) as server:
        yield server
