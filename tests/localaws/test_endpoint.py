"""The endpoint answers AWS's APIs only: not moto's own API, not pages of other web origins,
not requests addressed to another host (DNS rebinding)."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from mypy_boto3_sagemaker import SageMakerClient

from sagedeck.localaws import LocalAws
from sagedeck.localaws.endpoint import Environ, Guard, StartResponse

# An unsigned GET / is S3's ListBuckets for moto: what a page's fetch() would read.
BUCKETS = "<ListAllMyBucketsResult"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: str


def send(
    aws: LocalAws,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Answer:
    request = urllib.request.Request(
        aws.endpoint_url + path, data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read().decode())


def cors_headers(answer: Answer) -> dict[str, str]:
    return {k: v for k, v in answer.headers.items() if k.lower().startswith("access-control-")}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/moto-api/"),
        ("GET", "/moto-api/data.json"),
        ("POST", "/moto-api/recorder/start-recording"),
        ("POST", "/moto-api/seed?a=42"),
        ("GET", "/moto-api/reset-auth"),
        ("GET", "/favicon.ico"),
    ],
)
def test_moto_api_is_not_served(
    aws: LocalAws, method: str, path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # moto's recorder writes its file into the working directory
    answer = send(aws, path, method, body=b"" if method == "POST" else None)
    assert answer.status == 404
    assert answer.body.startswith(f"{method} {path.split('?')[0]} is not served:")
    assert "moto" in answer.body
    assert list(tmp_path.iterdir()) == []


def test_moto_reset_cannot_empty_the_account(aws: LocalAws, sagemaker: SageMakerClient) -> None:
    before = sagemaker.list_notebook_instances()["NotebookInstances"]
    assert before
    assert send(aws, "/moto-api/reset", "POST", body=b"").status == 404
    assert sagemaker.list_notebook_instances()["NotebookInstances"] == before


def test_reset_auth_is_served_without_cors(aws: LocalAws) -> None:
    """The one moto call sagedeck's tests use (tests/aws/test_details.py)."""
    answer = send(aws, "/moto-api/reset-auth", "POST", {"Content-Type": "text/plain"}, b"inf")
    assert answer.status == 200
    assert '"status": "ok"' in answer.body
    assert cors_headers(answer) == {}  # moto would say Access-Control-Allow-Origin: *


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1"])
def test_a_page_of_another_origin_is_refused(aws: LocalAws, origin: str) -> None:
    answer = send(aws, "/", headers={"Origin": origin})
    assert answer.status == 403
    assert answer.body.startswith(f"A request from the web origin {origin} is refused")
    assert cors_headers(answer) == {}
    preflight = send(
        aws, "/", "OPTIONS", {"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status == 403
    assert cors_headers(preflight) == {}


def test_cors_names_only_the_endpoints_own_origin(aws: LocalAws) -> None:
    own = aws.endpoint_url
    answer = send(aws, "/", headers={"Origin": own})
    assert answer.status == 200
    assert BUCKETS in answer.body
    assert answer.headers["Access-Control-Allow-Origin"] == own
    preflight = send(aws, "/", "OPTIONS", {"Origin": own, "Access-Control-Request-Method": "POST"})
    # The guard lets its own origin's preflight through (no 403) and, on whatever moto answers,
    # names no other origin. moto's own answer to OPTIONS / once came without CORS headers in
    # a full parallel run (not reproduced alone), so their presence is not asserted here: it
    # is moto's S3 preflight, not the guard's rule, which the GET above and the foreign-origin
    # tests hold.
    assert preflight.status != 403, preflight.body
    assert preflight.headers.get("Access-Control-Allow-Origin", own) == own


def test_an_sdk_call_gets_no_cors_headers(aws: LocalAws) -> None:
    answer = send(aws, "/")
    assert answer.status == 200
    assert BUCKETS in answer.body
    assert cors_headers(answer) == {}


def _port(aws: LocalAws) -> int:
    return int(aws.endpoint_url.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:{port}",  # a rebinding page: its own name, re-pointed at 127.0.0.1
        "evil.example",
        "127.0.0.1.nip.io:{port}",
        "localhost.evil.example:{port}",
        "127.0.0.2:{port}",
        "[::2]:{port}",
        "127.0.0.1:{port}@evil.example",
        "",
    ],
)
def test_a_request_for_another_host_is_refused(aws: LocalAws, host: str) -> None:
    host = host.format(port=_port(aws))
    answer = send(aws, "/", headers={"Host": host})
    assert answer.status == 403
    assert answer.body == (
        f"A request for the host {host} is refused: sagedeck's embedded AWS answers only "
        "requests addressed to 127.0.0.1, [::1], localhost (DNS rebinding guard).\n"
    )
    assert BUCKETS not in answer.body
    assert cors_headers(answer) == {}


def test_a_request_without_host_is_refused(aws: LocalAws) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", _port(aws), timeout=10)
    try:
        connection.putrequest("GET", "/", skip_host=True)
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 403
        assert response.read().decode().startswith("A request for no Host header is refused")
    finally:
        connection.close()


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:{port}",
        "localhost:{port}",
        "LocalHost:{port}",
        "[::1]:{port}",
        "localhost",
        "127.0.0.1:1",  # a proxy in front passes on its client's Host, with its own port
    ],
)
def test_loopback_hosts_are_served(aws: LocalAws, host: str) -> None:
    answer = send(aws, "/", headers={"Host": host.format(port=_port(aws))})
    assert answer.status == 200
    assert BUCKETS in answer.body


def test_the_host_the_server_was_started_on_is_served() -> None:
    served: list[str] = []

    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        served.append(environ["HTTP_HOST"])
        start_response("200 OK", [])
        return [b""]

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        pass

    for host, asked in (("devbox.internal", "DevBox.internal:5050"), ("::1", "[::1]:5050")):
        guard = Guard(app, host=host)
        guard({"HTTP_HOST": asked, "PATH_INFO": "/", "REQUEST_METHOD": "GET"}, start_response)
        assert not guard.serves_host("evil.example:5050")
    assert served == ["DevBox.internal:5050", "[::1]:5050"]
