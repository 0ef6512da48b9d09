"""Signing in to an instance's Jupyter server through the presigned URL, against the embedded
AWS's real Jupyter Server and its sign-in (a one-use token good for 5 minutes, cookies, XSRF)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import aiohttp
import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.errors import AccessDenied, InvalidState
from sagedeck.jupyter.api import JupyterApi
from sagedeck.jupyter.session import JupyterSession
from sagedeck.localaws import LocalAws
from sagedeck.models import JupyterView, NotebookKey, PresignedUrl

from .conftest import EAST, NB, OpenSession


async def test_sign_in_then_the_rest_api(open_session: OpenSession) -> None:
    session = open_session()
    status, body = await session.request("GET", "api/status")
    assert status == 200
    assert set(json.loads(body)) >= {"started", "last_activity", "connections", "kernels"}
    assert session.sign_ins == 1
    # The sign-in set cookies (whatever their names) and Jupyter's XSRF cookie.
    assert session._xsrf() is not None
    status, _ = await session.request("GET", "api/terminals")
    assert (status, session.sign_ins) == (200, 1)  # the same session, no second sign-in


async def test_xsrf_is_enforced(open_session: OpenSession) -> None:
    session = open_session()
    await session.request("GET", "api/status")
    http = session._http
    assert http is not None
    model = {"type": "file", "format": "text", "content": "no token\n"}
    # The session's cookies alone, without X-XSRFToken: Jupyter refuses the PUT.
    async with http.put(session.base_url / "api/contents/xsrf-probe.txt", json=model) as answer:
        assert answer.status == 403
    api = JupyterApi(session)
    saved = await api.save("xsrf-probe.txt", {**model, "content": "with the token\n"})
    assert saved.type == "file"
    assert (await api.get("xsrf-probe.txt")).content == "with the token\n"
    await api.delete("xsrf-probe.txt")


async def _url(aws: LocalAws, name: str = "nb", seconds: int = 1800) -> str:
    client = aws.client("sagemaker", EAST)
    answer = client.create_presigned_notebook_instance_url(
        NotebookInstanceName=name, SessionExpirationDurationInSeconds=seconds
    )
    return str(answer["AuthorizedUrl"])


def _fixed(url: str, key: NotebookKey = NB, seconds: int = 1800) -> JupyterSession:
    async def source() -> PresignedUrl:
        return PresignedUrl(url, key, JupyterView.CLASSIC, datetime.now(UTC), seconds)

    return JupyterSession(key, source)


async def test_a_presigned_url_signs_in_once(aws: LocalAws) -> None:
    url = await _url(aws)
    async with _fixed(url) as first:
        assert (await first.request("GET", "api/status"))[0] == 200
    async with _fixed(url) as second:
        with pytest.raises(AccessDenied, match="already used") as refused:
            await second.request("GET", "api/status")
    assert "authToken" not in str(refused.value)
    assert "\n" not in str(refused.value)


async def test_an_expired_url_is_refused(aws: LocalAws) -> None:
    url = await _url(aws)
    aws.simulator.step(301)  # AWS: the URL must be used within 5 minutes
    async with _fixed(url) as session:
        with pytest.raises(AccessDenied, match="expired"):
            await session.request("GET", "api/status")


async def test_an_expired_session_signs_in_again(aws: LocalAws, open_session: OpenSession) -> None:
    session = open_session(session_seconds=1800)
    assert (await session.request("GET", "api/status"))[0] == 200
    session._expires = float("inf")  # keep the client's own clock out: the server decides
    aws.simulator.step(1801)  # the sign-in's session has run out on the server
    status, _ = await session.request("GET", "api/status")
    assert status == 200
    assert session.sign_ins == 2  # refused as signed out, signed in again, retried once


async def test_a_stopped_instance_is_one_line(open_session: OpenSession) -> None:
    session = open_session(NotebookKey(EAST, "nb-dev"))  # Stopped in the seed
    with pytest.raises(InvalidState) as stopped:
        await session.request("GET", "api/status")
    assert str(stopped.value) == (
        "nb-dev: its Jupyter server is unreachable (allowed when InService)"
    )


async def test_a_websocket_from_another_origin_is_refused(open_session: OpenSession) -> None:
    session = open_session()
    await session.request("GET", "api/status")
    http = session._http
    assert http is not None
    url = (session.base_url / "api/events/subscribe").with_scheme("ws")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(url, headers={"Origin": "https://evil.example"})
    assert refused.value.status in (403, 404)
    socket = await session.ws_connect("api/events/subscribe")  # the notebook's own origin
    await socket.close()


async def test_no_secret_reaches_the_logs(
    open_session: OpenSession, caplog: pytest.LogCaptureFixture, layer: AwsServices
) -> None:
    caplog.set_level(logging.DEBUG)
    session = open_session()
    await session.request("GET", "api/status")
    await JupyterApi(session).terminals()
    http = session._http
    assert http is not None
    secrets = [cookie.value for cookie in http.cookie_jar]
    assert secrets  # the sign-in's cookies exist, and none of them was logged
    # botocore's own DEBUG lines print every response (sagedeck never turns them on).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("botocore"))
    assert "authToken" not in logged
    for secret in secrets:
        assert secret not in logged
