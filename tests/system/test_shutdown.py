"""The one owner of shutdown: close hooks run once each, and a failing one does not keep the
others from running."""

from __future__ import annotations

import asyncio
import os
import signal

from sagedeck.system.shutdown import CloseHooks, install_exit_signals


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


async def test_sigterm_and_sighup_reach_the_latest_handler_on_the_loop() -> None:
    loop = asyncio.get_running_loop()
    heard: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    try:
        install_exit_signals(lambda signum: heard.put_nowait(("first", signum)))
        install_exit_signals(lambda signum: heard.put_nowait(("second", signum)))
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(heard.get(), 10) == ("second", signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGHUP)
        assert await asyncio.wait_for(heard.get(), 10) == ("second", signal.SIGHUP)
        assert heard.empty()  # installed once on this loop: one call per signal
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        loop.remove_signal_handler(signal.SIGHUP)
