"""The history reader (GetLogEvents on every stream at once, merged by time) prints exactly what
the follower (FilterLogEvents) prints for the same events, in every text format."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sagedeck.aws.logs.client import LOG_GROUP, stream_prefix
from sagedeck.aws.logs.follow import HealthState, LogFollower
from sagedeck.aws.logs.history import HistoryReader
from sagedeck.aws.services import AwsServices
from sagedeck.cli import main
from sagedeck.commands.logs import formatter
from sagedeck.devtools.faultproxy import FaultProxy, parse_fault
from sagedeck.localaws import LocalAws
from sagedeck.localaws.logs import store as log_store
from sagedeck.localaws.state import ACCOUNT_ID, LOCK
from sagedeck.models import LogEvent, NotebookKey, StreamChoice

from .conftest import REGION

T = 1_780_000_000_000  # a fixed moment in the past
KEY = NotebookKey(REGION, "mix")


def write(stream: str, events: list[tuple[int, str, int]]) -> None:
    """Events as the agent ships them, with chosen ingestion times (written the way the seed
    writes; everything is read back over HTTP)."""
    from moto.logs.models import logs_backends

    with LOCK:
        backend = logs_backends[ACCOUNT_ID][REGION]
        log_store.attach(
            log_store.log_stream(backend, stream, LOG_GROUP), log_store.make_events(events)
        )


@pytest.fixture
def mixed(aws: LocalAws) -> None:
    """Two streams with interleaved and equal timestamps, multi-line messages, an empty stream
    and a neighbour (``mix-dev``) that the prefix must leave out."""
    on_start, jupyter = "mix/LifecycleConfigOnStart", "mix/jupyter.log"
    write(on_start, [(T, "start 0", T + 5), (T + 2, "start 2", T + 5), (T + 4, "start 4", T + 9)])
    write(jupyter, [(T + 1, "jup 1", T + 5), (T + 3, "Traceback:\n  File x\nValueError\n", T + 9)])
    # Equal timestamps in two streams: ingested earlier comes first...
    write(jupyter, [(T + 5, "jup 5, ingested first", T + 100)])
    write(on_start, [(T + 5, "start 5, ingested later", T + 200)])
    # ...and with equal ingestion too, in stream-name order (as written here).
    write(on_start, [(T + 6, "start 6\r\n", T + 300)])
    write(jupyter, [(T + 6, "jup 6", T + 300), (T + 6, "jup 6 again", T + 300)])
    write(jupyter, [(T + 7 + i, f"jup {7 + i}", T + 400 + i) for i in range(25)])
    write("mix-dev/jupyter.log", [(T + 3, "not mine", T + 9)])
    with LOCK:
        from moto.logs.models import logs_backends

        log_store.log_stream(logs_backends[ACCOUNT_ID][REGION], "mix/LifecycleConfigOnCreate")


async def read(reader: HistoryReader | LogFollower) -> list[LogEvent]:
    return [event async for batch in reader for event in batch]


def rendered(events: list[LogEvent], fmt: str) -> str:
    render = formatter(fmt, False)
    return "".join(render(e) for e in events)


@pytest.mark.parametrize("page_limit", [1, 2, 7, None])
@pytest.mark.parametrize("since", [None, T + 3])
async def test_same_output_as_the_follower(
    services: AwsServices, mixed: None, page_limit: int | None, since: int | None
) -> None:
    logs = services.logs
    prefix = stream_prefix("mix")
    ours = await read(
        HistoryReader(logs, KEY, prefix=prefix, since_ms=since, page_limit=page_limit)
    )
    theirs = await read(
        LogFollower(logs, KEY, prefix=prefix, since_ms=since, follow=False, page_limit=page_limit)
    )
    assert len(ours) == len(theirs) == (35 if since is None else 32)
    for fmt in ("detailed", "short"):
        assert rendered(ours, fmt) == rendered(theirs, fmt)
    assert [(e.ingestion_time, e.stream) for e in ours] == [
        (e.ingestion_time, e.stream) for e in theirs
    ]
    # jupyter.log read with GetLogEvents (no ids); the lifecycle streams with FilterLogEvents
    jupyter = [e for e in ours if e.stream == "mix/jupyter.log"]
    assert jupyter
    assert {e.event_id for e in jupyter} == {""}


async def test_until_is_inclusive_as_for_filter_log_events(
    services: AwsServices, mixed: None
) -> None:
    prefix = stream_prefix("mix", StreamChoice.JUPYTER)
    ours = await read(HistoryReader(services.logs, KEY, prefix=prefix, until_ms=T + 6))
    theirs = await read(
        LogFollower(services.logs, KEY, prefix=prefix, until_ms=T + 6, follow=False)
    )
    assert [e.message for e in ours] == [e.message for e in theirs]
    assert ours[-1].message == "jup 6 again"


async def test_an_empty_window_and_a_missing_group(
    aws: LocalAws, services: AwsServices, mixed: None
) -> None:
    reader = HistoryReader(services.logs, KEY, prefix="mix/", since_ms=T + 1_000)
    assert await read(reader) == []
    assert reader.health.state is HealthState.DONE
    aws.client("logs", REGION).delete_log_group(logGroupName=LOG_GROUP)
    reader = HistoryReader(services.logs, KEY, prefix="mix/")
    assert await read(reader) == []
    assert reader.health.state is HealthState.NO_LOG_GROUP


async def test_memory_stays_bounded_while_merging(services: AwsServices, mixed: None) -> None:
    """Batches are handed on while the long stream is still being read, not all at the end."""
    reader = HistoryReader(services.logs, KEY, prefix="mix/", page_limit=2)
    sizes = [len(batch) async for batch in reader]
    assert sum(sizes) == 35
    assert len(sizes) > 10
    assert max(sizes) <= 6


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["logs", *args, "--region", REGION])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def proxy(aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    with FaultProxy(aws_env.endpoint_url) as p:
        monkeypatch.setenv("AWS_ENDPOINT_URL", p.url)
        yield p


def operations(proxy: FaultProxy) -> list[str]:
    return [s.call.operation for s in proxy.seen()]


def follower_text(aws: LocalAws, name: str, fmt: str = "detailed") -> str:
    """What the FilterLogEvents reader prints: the reference."""
    import asyncio

    from .conftest import target

    async def go() -> str:
        async with AwsServices(target(aws.endpoint_url)) as services:
            key = NotebookKey(REGION, name)
            follower = LogFollower(services.logs, key, since_ms=0, follow=False)
            return rendered(await read(follower), fmt)

    return asyncio.run(go())


def test_the_cli_reads_history_with_get_log_events(
    aws_env: LocalAws, proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = follower_text(aws_env, "nb")
    assert "\n  " in expected  # the seeded history has multi-line tracebacks
    code, out, err = run(capsys, "nb", "--since", "all")
    assert (code, err) == (0, "")
    assert out == expected
    seen = operations(proxy)
    assert "GetLogEvents" in seen
    # the lifecycle scripts' streams in one FilterLogEvents pass: its own budget, no end check
    assert seen.count("FilterLogEvents") == 1
    proxy.reset_stats()
    code, out, _ = run(capsys, "nb", "--since", "all", "--format", "json")
    assert code == 0
    assert "GetLogEvents" not in operations(proxy)  # json prints event ids: FilterLogEvents


def test_throttling_is_waited_out(
    aws_env: LocalAws, proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = follower_text(aws_env, "nb")
    proxy.add(parse_fault("throttle ops=GetLogEvents times=6"))
    code, out, _ = run(capsys, "nb", "--since", "all")
    assert code == 0
    assert out == expected


def test_denied_get_log_events_falls_back_to_filter_log_events(
    aws_env: LocalAws, proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = follower_text(aws_env, "nb")
    proxy.add(parse_fault("deny ops=logs:GetLogEvents"))
    code, out, err = run(capsys, "nb", "--since", "all")
    assert (code, err) == (0, "")
    assert out == expected
    assert "FilterLogEvents" in operations(proxy)


def test_denied_filter_log_events_reads_every_stream_with_get_log_events(
    aws_env: LocalAws, proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = follower_text(aws_env, "nb")
    proxy.add(parse_fault("deny ops=logs:FilterLogEvents"))
    code, out, err = run(capsys, "nb", "--since", "all")
    assert (code, err) == (0, "")
    assert out == expected
    assert operations(proxy).count("GetLogEvents") >= 4  # both lifecycle streams too


def test_denied_reads_fail_as_the_follower_does(
    aws_env: LocalAws, proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    proxy.add(parse_fault("deny ops=logs:GetLogEvents,logs:FilterLogEvents"))
    code, out, err = run(capsys, "nb", "--since", "all")
    json_code, _, json_err = run(capsys, "nb", "--since", "all", "--format", "json")
    assert out == ""
    assert (code, err) == (json_code, json_err)
    assert code != 0
    assert err.count("\n") == 1
    assert "logs:FilterLogEvents" in err
