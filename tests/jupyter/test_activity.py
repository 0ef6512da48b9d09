"""Activity from a real Jupyter server: a kernel started through the REST API, the reader's
cache, and ``sagedeck ls --activity`` / ``--idle-for``."""

from __future__ import annotations

import asyncio
import json

import pytest

from sagedeck.cli import main
from sagedeck.jupyter.activity import ActivityReader, idle_text
from sagedeck.jupyter.api import JupyterApi
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookKey

from .conftest import EAST, NB, OpenSession


async def _until_idle(api: JupyterApi, kernel_id: str) -> None:
    for _ in range(600):
        kernels = {k.kernel_id: k for k in await api.kernels()}
        if kernels[kernel_id].execution_state == "idle":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the kernel never became idle")


async def test_activity_counts_a_real_kernel(open_session: OpenSession) -> None:
    api = JupyterApi(open_session())
    kernel = await api.start_kernel("python3")
    try:
        # Jupyter reports "starting" until a client connects to the kernel, as a notebook does.
        channels = await api.session.ws_connect(f"api/kernels/{kernel.kernel_id}/channels")
        await _until_idle(api, kernel.kernel_id)
        terminal = await api.create_terminal()
        activity = await api.activity()
        [seen] = [k for k in activity.kernels if k.kernel_id == kernel.kernel_id]
        assert seen.name == "python3"
        assert seen.execution_state == "idle"
        assert seen.connections == 1
        assert seen.last_activity is not None
        assert terminal.name in {t.name for t in activity.terminals}
        assert activity.last_activity == max(
            t
            for t in (
                activity.server_last_activity,
                *(k.last_activity for k in activity.kernels),
                *(t.last_activity for t in activity.terminals),
            )
            if t is not None
        )
        idle = activity.idle_seconds()
        assert idle is not None
        assert 0 <= idle < 120
        later = activity.idle_seconds(activity.read_at.replace(year=activity.read_at.year + 1))
        assert later is not None
        assert later > 365 * 86400 - 120
        await api.delete_terminal(terminal.name)
        await channels.close()
    finally:
        await api.delete_kernel(kernel.kernel_id)
    assert kernel.kernel_id not in {k.kernel_id for k in await api.kernels()}


async def test_the_reader_caches_and_renews(open_session: OpenSession) -> None:
    now = [0.0]
    reader = ActivityReader(lambda key: open_session(key), ttl=180, clock=lambda: now[0])
    try:
        first = await reader.read(NB)
        assert first.activity is not None
        both = await asyncio.gather(reader.read(NB), reader.read(NB))
        assert reader.reads == 1  # cached while fresh
        assert both[0] is first
        now[0] = 181.0
        assert (await reader.read(NB)) is not first
        assert reader.reads == 2
        stopped = await reader.read(NotebookKey(EAST, "nb-dev"))
        assert stopped.activity is None
        assert stopped.error == "nb-dev: its Jupyter server is unreachable (allowed when InService)"
    finally:
        await reader.close()


def test_idle_text() -> None:
    assert idle_text(None) == "-"
    assert idle_text(0) == "busy"
    assert idle_text(45) == "idle 45s"
    assert idle_text(2 * 3600 + 10 * 60 + 5) == "idle 2h 10m"
    assert idle_text(3 * 86400 + 3600) == "idle 3d 1h"


def test_ls_activity_and_idle_for(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SAGEDECK_CONFIG", "/nonexistent/config.toml")
    assert main(["--region", EAST, "ls", "--activity", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    running = {name for name, row in rows.items() if row["status"] == "InService"}
    assert {"nb", "alice-sandbox"} <= running
    for name, row in rows.items():
        if name in running:
            assert isinstance(row["idle_seconds"], int), row
            assert 0 <= row["idle_seconds"] < 600
        else:
            assert row["idle_seconds"] is None, row
    assert main(["--region", EAST, "ls", "--idle-for", "0s"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["NAME", "STATUS", "TYPE", "REGION", "IN", "STATE", "IDLE"]
    assert {line.split()[0] for line in table[1:]} == running
    assert main(["--region", EAST, "ls", "--idle-for", "1d", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # every server was just active


def test_idle_for_takes_a_duration(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", "--idle-for", "soon"]) == 2
    err = capsys.readouterr().err
    assert err.strip().endswith("--idle-for must be a duration such as 30m, 2h or 1d, not 'soon'")
    assert "Traceback" not in err


async def test_reading_the_activity_is_not_activity(open_session: OpenSession) -> None:
    """Jupyter counts every API request as activity unless it says ``no_track_activity``:
    sagedeck's own reads (kernels, terminals, every 3 minutes) must not keep an instance
    looking busy, or IDLE would never show more than the time since sagedeck last looked."""
    api = JupyterApi(open_session())
    first = await api.activity()
    await api.kernels()
    await api.terminals()
    second = await api.activity()
    assert first.server_last_activity is not None
    assert second.server_last_activity == first.server_last_activity
