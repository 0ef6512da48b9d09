"""The embedded AWS's notebook front end: a real Jupyter Server per InService instance, behind a
sign-in that behaves as the presigned URL does (AWS: a token usable once within 5 minutes, a
session cookie, a redirect to the Jupyter page; an instance that is not InService unreachable)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from mypy_boto3_sagemaker import SageMakerClient

from sagedeck.localaws import LocalAws
from sagedeck.localaws.jupyter_servers import JupyterGateway, parent_watch

HOST = "nb.notebook.us-east-1.sagemaker.aws"


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def _status(opener: urllib.request.OpenerDirector, url: str) -> tuple[int, str]:
    try:
        with opener.open(url, timeout=60) as answer:
            return answer.status, answer.url
    except urllib.error.HTTPError as error:
        return error.code, error.url


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sign_in_sets_a_cookie_and_redirects(sagemaker: SageMakerClient) -> None:
    url = sagemaker.create_presigned_notebook_instance_url(NotebookInstanceName="nb")[
        "AuthorizedUrl"
    ]
    opener = _opener()
    status, landed = _status(opener, url + "&view=lab")
    # A page at /lab: JupyterLab's when installed, else the embedded AWS's landing page.
    assert landed.endswith(f"/{HOST}/lab"), landed
    assert status == 200
    base = url.split("?", 1)[0]
    assert _status(opener, f"{base}/api/status")[0] == 200
    assert _status(_opener(), f"{base}/api/status")[0] == 403  # no cookie: not signed in
    assert _status(_opener(), url)[0] == 403  # the token was used


def test_unknown_token_and_foreign_host_are_refused(aws: LocalAws) -> None:
    gateway = aws.jupyter
    assert gateway is not None
    assert _status(_opener(), f"{gateway.url}/{HOST}?authToken=forged")[0] == 403
    request = urllib.request.Request(
        f"{gateway.url}/{HOST}?authToken=forged", headers={"Host": "rebound.example:80"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert b"127.0.0.1" in refused.value.read()


def test_each_instance_has_its_own_root(aws: LocalAws, sagemaker: SageMakerClient) -> None:
    for name in ("nb", "alice-sandbox"):
        url = sagemaker.create_presigned_notebook_instance_url(NotebookInstanceName=name)[
            "AuthorizedUrl"
        ]
        opener = _opener()
        assert _status(opener, url)[0] == 200
        base = url.split("?", 1)[0]
        with opener.open(f"{base}/api/contents/README.md", timeout=30) as readme:
            assert f"# {name}\\n" in readme.read().decode()  # JSON: the content escaped
    assert aws.jupyter is not None
    roots = {
        aws.jupyter.servers.get(f"{n}.notebook.us-east-1.sagemaker.aws").process.home.root  # type: ignore[union-attr]
        for n in ("nb", "alice-sandbox")
    }
    assert len(roots) == 2


def test_a_stopped_instance_stops_its_server(aws: LocalAws, sagemaker: SageMakerClient) -> None:
    name = "data-eng-etl"
    host = f"{name}.notebook.us-east-1.sagemaker.aws"
    url = sagemaker.create_presigned_notebook_instance_url(NotebookInstanceName=name)[
        "AuthorizedUrl"
    ]
    opener = _opener()
    assert _status(opener, url)[0] == 200
    gateway = aws.jupyter
    assert gateway is not None
    server = gateway.servers.get(host)
    assert server is not None
    assert server.process.pid is not None
    group = server.process.pid
    assert _group_alive(group)
    sagemaker.stop_notebook_instance(NotebookInstanceName=name)
    aws.simulator.settle()
    _wait_for(lambda: gateway.servers.get(host) is None, "the server to stop")
    # The server and everything it started (its process group) end with the instance.
    _wait_for(lambda: not _group_alive(group), "the server's processes to end")
    base = url.split("?", 1)[0]
    assert _status(opener, f"{base}/api/status")[0] == 403  # its sessions ended with it


def test_shutting_down_leaves_no_process(tmp_path: Path) -> None:
    gateway = JupyterGateway(lambda region, name: "InService")
    gateway.start()
    try:
        url = gateway.sign_in_url(
            "solo.notebook.us-east-1.sagemaker.aws", "us-east-1", "solo", 1800
        )
        assert _status(_opener(), url)[0] == 200
        server = gateway.servers.get("solo.notebook.us-east-1.sagemaker.aws")
        assert server is not None
        assert server.process.pid is not None
        group = server.process.pid
        home = server.process.home.base
        assert _group_alive(group)
        assert home.exists()
    finally:
        gateway.stop()
    assert not _group_alive(group)
    assert not home.exists()  # the instance's temporary home went with the embedded AWS


def test_shutting_down_while_a_server_starts_leaves_no_process() -> None:
    gateway = JupyterGateway(lambda region, name: "InService")
    gateway.start()
    host = "early.notebook.us-east-1.sagemaker.aws"
    url = gateway.sign_in_url(host, "us-east-1", "early", 1800)
    signing_in = threading.Thread(target=_status, args=(_opener(), url), daemon=True)
    try:
        signing_in.start()
        _wait_for(lambda: bool(gateway.servers._launched), "the server's launch")
        [process] = gateway.servers._launched
        assert gateway.servers.get(host) is None  # launched, not answering yet
        assert process.pid is not None
        group = process.pid
    finally:
        gateway.stop()
    assert not _group_alive(group)
    signing_in.join(30)


def test_a_killed_embedded_aws_leaves_no_server(tmp_path: Path) -> None:
    """The process that started the servers killed outright (no shutdown): they end anyway."""
    script = tmp_path / "host.py"
    script.write_text(
        "import sys, urllib.error, urllib.request\n"
        "from sagedeck.localaws.jupyter_servers import JupyterGateway\n"
        "gateway = JupyterGateway(lambda region, name: 'InService')\n"
        "gateway.start()\n"
        "url = gateway.sign_in_url('k.notebook.us-east-1.sagemaker.aws', 'us-east-1', 'k', 1800)\n"
        "try:\n"
        "    urllib.request.urlopen(url, timeout=60)\n"
        "except urllib.error.HTTPError:\n"
        "    pass  # no cookie jar here: the redirect is refused, the server started anyway\n"
        "print(gateway.servers.get('k.notebook.us-east-1.sagemaker.aws').process.pid, flush=True)\n"
        "sys.stdin.read()\n"
    )
    host = subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},  # a killed process cleans nothing up
    )
    try:
        assert host.stdout is not None
        group = int(host.stdout.readline())
        assert _group_alive(group)
    finally:
        host.kill()  # SIGKILL: no shutdown runs
        host.wait()
    _wait_for(lambda: not _group_alive(group), "the orphaned server to end", timeout=30)


def test_a_server_orphaned_before_it_finished_starting_ends_too() -> None:
    """The parent killed while the server was still starting: by the time the watch loads, the
    server's parent is already the reaper, so it must compare with the pid it was started by."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\n"
            "from sagedeck.localaws.jupyter_servers import parent_watch\n"
            "parent_watch._load_jupyter_server_extension(None)\n"
            "time.sleep(120)\n",
        ],
        # Started by a process that is gone (no pid is this large): orphaned from the start.
        env={**os.environ, parent_watch.PARENT_ENV: str(2**22 + 1)},
        start_new_session=True,  # its group is its own: the watch ends only this process
    )
    try:
        assert child.wait(timeout=60) == -signal.SIGTERM
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
