"""The one owner of shutdown: close hooks run once each, and a failing one does not keep the
others from running; exit requests (signals, a terminal gone) reach whoever listens, on its
loop, or are kept until someone does; and the deadline ends a process whose exit is stuck."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagedeck.system.shutdown import (
    CloseHooks,
    install_exit_signals,
    request_exit,
    uninstall_exit_signals,
)


class Closer:
    def __init__(self, log: list[str], name: str, fail: bool = False) -> None:
        self.log, self.name, self.fail = log, name, fail

    async def close(self) -> None:
        self.log.append(self.name)
        if self.fail:
            raise RuntimeError(f"{self.name} failed")


async def test_each_hook_runs_once_in_order_however_often_it_was_added() -> None:
    log: list[str] = []
    forwards, other = Closer(log, "forwards"), Closer(log, "other")
    hooks = CloseHooks()
    hooks.add(forwards.close)
    hooks.add(other.close)
    hooks.add(forwards.close)  # a screen and the app both register the same manager
    errors: list[Exception] = []
    await hooks.run(errors.append)
    await hooks.run(errors.append)  # a second shutdown closes nothing twice
    assert log == ["forwards", "other"]
    assert errors == []


async def test_a_failing_hook_is_reported_and_the_rest_still_run() -> None:
    log: list[str] = []
    hooks = CloseHooks()
    hooks.add(Closer(log, "first", fail=True).close)
    hooks.add(Closer(log, "second").close)
    errors: list[Exception] = []
    await hooks.run(errors.append)
    assert log == ["first", "second"]
    assert [str(err) for err in errors] == ["first failed"]


async def test_hooks_added_after_a_run_run_at_the_next() -> None:
    log: list[str] = []
    hooks = CloseHooks()
    hooks.add(Closer(log, "early").close)
    await hooks.run(lambda err: None)
    hooks.add(Closer(log, "late").close)
    await hooks.run(lambda err: None)
    assert log == ["early", "late"]


@pytest.fixture
def exit_signals() -> Iterator[None]:
    """Whatever a test installs is put back afterwards."""
    yield
    uninstall_exit_signals()


async def test_sigterm_and_sighup_reach_the_latest_handler_on_the_loop(
    exit_signals: None,
) -> None:
    heard: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    install_exit_signals(lambda signum: heard.put_nowait(("first", signum)))
    install_exit_signals(lambda signum: heard.put_nowait(("second", signum)))
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(heard.get(), 10) == ("second", signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGHUP)
    assert await asyncio.wait_for(heard.get(), 10) == ("second", signal.SIGHUP)
    assert heard.empty()  # installed once: one call per signal


async def test_a_request_before_anyone_listens_is_handed_over(exit_signals: None) -> None:
    """A terminal closed during start-up: the app, once mounted, still hears of it."""
    install_exit_signals()  # the CLI, before the app runs
    os.kill(os.getpid(), signal.SIGHUP)
    heard: asyncio.Queue[int] = asyncio.Queue()
    install_exit_signals(heard.put_nowait)  # the app, on mount
    assert await asyncio.wait_for(heard.get(), 10) == signal.SIGHUP


async def test_a_request_from_another_thread_reaches_the_loop(exit_signals: None) -> None:
    """The terminal writer's thread, finding the terminal gone."""
    loop = asyncio.get_running_loop()
    heard: asyncio.Queue[tuple[int, bool]] = asyncio.Queue()
    install_exit_signals(lambda signum: heard.put_nowait((signum, loop.is_running())))
    thread = threading.Thread(target=request_exit, args=(signal.SIGHUP,))
    thread.start()
    thread.join(10)
    assert await asyncio.wait_for(heard.get(), 10) == (signal.SIGHUP, True)


def test_with_no_app_listening_a_signal_does_what_it_did_before(exit_signals: None) -> None:
    """A test's app has ended (its loop is closed): SIGTERM to the test process is the test
    runner's again, not swallowed."""
    before: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: before.append(signum))
    try:
        loop = asyncio.new_event_loop()

        async def app() -> None:
            install_exit_signals(lambda signum: pytest.fail("the app has ended"))

        loop.run_until_complete(app())
        loop.close()
        os.kill(os.getpid(), signal.SIGTERM)
        assert before == [signal.SIGTERM]
        uninstall_exit_signals()
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_the_deadline_ends_a_process_whose_exit_is_stuck(tmp_path: Path) -> None:
    """The watchdog: the main thread blocked for good (as it was in Textual's writer queue),
    SIGHUP comes; the last rites run and the process ends with 128 + SIGHUP."""
    marker = tmp_path / "last-rites"
    script = f"""
import asyncio, threading
from sagedeck.system.shutdown import arm_exit_deadline, install_exit_signals

def last_rites():
    open({str(marker)!r}, "w").write("ran")

async def main():
    install_exit_signals(lambda signum: print("heard", signum, flush=True))
    arm_exit_deadline(last_rites, grace=0.5)
    print("ready", flush=True)
    threading.Event().wait()  # the loop never runs again

asyncio.run(main())
"""
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        process.send_signal(signal.SIGHUP)
        assert process.wait(20) == 128 + signal.SIGHUP  # 20 s: a hang guard
        assert marker.read_text() == "ran"
        assert "heard" not in process.stdout.read()  # the loop never ran: only the deadline
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
