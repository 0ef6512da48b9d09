"""Fixtures: one token jupyter_server for the module's tests, and a link to it per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from jupyter.token_server import TokenLink, TokenServer, token_server


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
