"""The one clipboard copy: a native clipboard first, OSC 52 through the terminal when there is
none or it fails, and the caller hears which, so what the user is told is true. A native copy
counts only when the clipboard gives it back (with a ``DISPLAY`` and no X server, xclip fails
and pyperclip used to say nothing); an expired URL is taken out of the clipboard, and nothing
else is."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from io import StringIO
from pathlib import Path

import pyperclip
import pytest

import sagedeck.system.clipboard as clipboard
from e2e.terminal import x_clipboard
from sagedeck.errors import SagedeckError
from sagedeck.localaws import LocalAws
from sagedeck.models import PresignedUrl
from sagedeck.system.clipboard import ClipboardFailed, copy, osc52_sequence, write_osc52
from sagedeck.ui.app import SagedeckApp
from sagedeck.ui.widgets.status_bars import EXPIRY_GROUP, UrlCountdown
from system_tools import need
from ui.support import (
    SIZE,
    assert_presigned_url,
    build_app,
    loaded,
    notices_text,
    select,
    wait_for,
)

URL = "https://nb.notebook.us-east-1.sagemaker.aws?authToken=abc"


class Recorder:
    """A stand-in for a terminal: what it was given."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, text: str) -> None:
        self.texts.append(text)


class FakeClipboard:
    """A native clipboard that keeps what it is given, refuses (a tool's non-zero exit), or
    says yes and keeps nothing (xclip through pyperclip, with no X server)."""

    name = "fake"

    def __init__(self, *, refuses: bool = False, loses: bool = False) -> None:
        self.refuses, self.loses = refuses, loses
        self.held = ""
        self.copies: list[str] = []

    def copy(self, text: str) -> None:
        if self.refuses:
            raise ClipboardFailed("fake exited with status 1")
        self.copies.append(text)
        if not self.loses:
            self.held = text

    def paste(self) -> str:
        return self.held


@pytest.fixture
def desktop(monkeypatch: pytest.MonkeyPatch) -> Callable[[FakeClipboard], None]:
    """A local session whose native clipboard is the one given."""
    monkeypatch.delenv("SSH_CONNECTION", raising=False)

    def use(board: FakeClipboard) -> None:
        monkeypatch.setattr(clipboard, "native_clipboard", lambda: board)

    return use


def on_display(monkeypatch: pytest.MonkeyPatch, display: str) -> None:
    monkeypatch.setenv("DISPLAY", display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("SSH_CONNECTION", raising=False)


def dead_display() -> str:
    """A display number no X server serves on this machine."""
    for number in range(99, 200):
        if not Path(f"/tmp/.X11-unix/X{number}").exists():
            return f":{number}"
    raise AssertionError("every display number from 99 to 199 is taken")


def x_clipboard_becomes(display: str, text: str) -> str:
    """What the X clipboard holds once it holds ``text``, or after 10 s. Not at once: xclip
    takes the selection from its background child, a moment after the command has exited."""
    deadline = time.monotonic() + 10
    while (held := x_clipboard(display)) != text and time.monotonic() < deadline:
        time.sleep(0.05)
    return held


def x_copy(display: str, text: str) -> None:
    """What the user does in another window: copy something of their own."""
    subprocess.run(
        ["xclip", "-i", "-selection", "clipboard"],
        input=text.encode(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=10,
        env={**os.environ, "DISPLAY": display},
        check=True,
    )


# --- the fallback order -----------------------------------------------------------------


async def test_a_working_native_clipboard_is_used_and_the_terminal_left_alone(
    desktop: Callable[[FakeClipboard], None],
) -> None:
    native, terminal = FakeClipboard(), Recorder()
    desktop(native)
    assert await copy(URL, osc52=terminal) == "clipboard"
    assert native.held == URL
    assert terminal.texts == []


@pytest.mark.parametrize(
    "board", [FakeClipboard(refuses=True), FakeClipboard(loses=True)], ids=["refuses", "loses"]
)
async def test_a_failing_native_clipboard_falls_back_to_osc52(
    desktop: Callable[[FakeClipboard], None], board: FakeClipboard
) -> None:
    terminal = Recorder()
    desktop(board)
    assert await copy(URL, osc52=terminal) == "OSC 52"
    assert terminal.texts == [URL]


async def test_no_native_clipboard_means_osc52(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Recorder()
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION"):
        monkeypatch.delenv(name, raising=False)
    # what pyperclip finds on a bare server
    monkeypatch.setattr(pyperclip, "determine_clipboard", pyperclip.init_no_clipboard)
    assert clipboard.native_clipboard() is None
    assert not clipboard.native_clipboard_available()
    assert await copy(URL, osc52=terminal) == "OSC 52"
    assert terminal.texts == [URL]


async def test_a_remote_shell_copies_through_the_terminal_even_with_xclip_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    need("xclip")
    terminal = Recorder()
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert clipboard.native_clipboard() is None
    assert await copy(URL, osc52=terminal) == "OSC 52"
    assert terminal.texts == [URL]


async def test_osc52_writes_the_sequence_carrying_the_text(
    desktop: Callable[[FakeClipboard], None],
) -> None:
    desktop(FakeClipboard(refuses=True))
    terminal = StringIO()
    assert await copy(URL, osc52=partial(write_osc52, terminal=terminal)) == "OSC 52"
    sequence = terminal.getvalue()
    assert sequence == osc52_sequence(URL)
    match = re.fullmatch(r"\x1b\]52;c;([A-Za-z0-9+/=]+)\x07", sequence)
    assert match
    assert base64.b64decode(match.group(1)).decode() == URL


async def test_no_clipboard_and_no_terminal_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, desktop: Callable[[FakeClipboard], None]
) -> None:
    def no_terminal(*args: object, **kwargs: object) -> StringIO:
        raise OSError(6, "No such device or address", "/dev/tty")

    desktop(FakeClipboard(refuses=True))
    monkeypatch.setattr(clipboard, "open", no_terminal, raising=False)
    with pytest.raises(SagedeckError, match="nothing to copy to") as info:
        await copy(URL)
    assert "\n" not in str(info.value)


# --- a real X clipboard -------------------------------------------------------------------


async def test_a_display_with_no_x_server_is_a_failed_copy_not_a_claimed_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    need("xclip")
    on_display(monkeypatch, dead_display())
    assert isinstance(clipboard.native_clipboard(), clipboard.ClipboardTool)  # xclip is tried
    terminal = Recorder()
    assert await copy(URL, osc52=terminal) == "OSC 52"
    assert terminal.texts == [URL]


async def test_a_live_x_server_takes_the_copy(
    monkeypatch: pytest.MonkeyPatch, x_display: str
) -> None:
    on_display(monkeypatch, x_display)
    terminal = Recorder()
    assert await copy(URL, osc52=terminal) == "clipboard"
    assert terminal.texts == []
    assert await asyncio.to_thread(x_clipboard, x_display) == URL


async def test_clear_takes_out_that_text_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch, x_display: str
) -> None:
    on_display(monkeypatch, x_display)
    assert await copy(URL, osc52=Recorder()) == "clipboard"
    assert await clipboard.clear_if_holds(URL)
    assert await asyncio.to_thread(x_clipboard, x_display) == ""

    assert await copy(URL, osc52=Recorder()) == "clipboard"
    await asyncio.to_thread(x_copy, x_display, "the user's own note")
    await asyncio.to_thread(x_clipboard_becomes, x_display, "the user's own note")
    assert not await clipboard.clear_if_holds(URL)
    assert await asyncio.to_thread(x_clipboard, x_display) == "the user's own note"


async def test_clear_with_no_x_server_clears_nothing_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    need("xclip")
    on_display(monkeypatch, dead_display())
    assert not await clipboard.clear_if_holds(URL)


# --- what the dashboard tells the user, and the URL's expiry -------------------------------


async def test_dashboard_says_in_the_clipboard_when_the_native_one_took_it(
    aws_env: LocalAws, desktop: Callable[[FakeClipboard], None]
) -> None:
    native = FakeClipboard()
    desktop(native)
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("c")
        await wait_for(pilot, lambda: "Name in the clipboard: nb" in notices_text(app))
        assert native.copies == ["nb"]
        assert app.clipboard == ""  # nothing went through the terminal


async def test_dashboard_says_osc52_when_there_is_no_x_server(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    need("xclip")
    on_display(monkeypatch, dead_display())
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("c")
        shown = "Name sent to the terminal's clipboard (OSC 52): nb"
        await wait_for(pilot, lambda: shown in notices_text(app))
        assert "in the clipboard" not in notices_text(app)
        assert app.clipboard == "nb"


async def test_the_log_view_copies_through_the_same_fallback(
    aws_env: LocalAws, desktop: Callable[[FakeClipboard], None]
) -> None:
    desktop(FakeClipboard(refuses=True))
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("l")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LogScreen", what="LogScreen")
        await pilot.press("y")
        # The native clipboard refused: OSC 52, and the notice says so rather than "copied".
        shown = "JupyterLab URL sent to the terminal's clipboard (OSC 52): sign in before"
        await wait_for(pilot, lambda: shown in notices_text(app))
        assert_presigned_url(app.clipboard, "nb", "us-east-1", "lab")
        assert app.clipboard not in notices_text(app)


class Clock:
    """The app's clock, moved forward by the test: 5 minutes pass without waiting for them."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


def expiry_handled(app: SagedeckApp) -> bool:
    """The countdown saw the URL expire and its clipboard check has finished."""
    countdown = app.dashboard.query_one(UrlCountdown)
    if "expired" not in str(countdown.content):
        return False
    return not [w for w in app.workers if w.group == EXPIRY_GROUP and not w.is_finished]


@pytest.mark.parametrize("copied_since", [None, "the user's own note"], ids=["kept", "replaced"])
async def test_an_expired_url_leaves_the_clipboard_only_if_still_there(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch, x_display: str, copied_since: str | None
) -> None:
    on_display(monkeypatch, x_display)
    clock = Clock()
    app = build_app(aws_env, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("y")
        await wait_for(pilot, lambda: "URL copied" in notices_text(app), limit=30)
        assert "in the clipboard" in notices_text(app)
        url = await asyncio.to_thread(x_clipboard, x_display)
        assert_presigned_url(url, "nb", "us-east-1", "lab")
        if copied_since is not None:
            await asyncio.to_thread(x_copy, x_display, copied_since)
            await asyncio.to_thread(x_clipboard_becomes, x_display, copied_since)

        countdown = app.dashboard.query_one(UrlCountdown)
        clock.ahead = PresignedUrl.VALID_FOR - timedelta(seconds=30)
        # a tick at 30 s before expiry: still valid, still there
        await wait_for(pilot, lambda: "within 0:" in str(countdown.content), what="a late tick")
        assert await asyncio.to_thread(x_clipboard, x_display) == (copied_since or url)

        clock.ahead = PresignedUrl.VALID_FOR + timedelta(seconds=1)
        await wait_for(pilot, lambda: expiry_handled(app), what="the expiry handled")
        assert await asyncio.to_thread(x_clipboard, x_display) == (copied_since or "")


async def test_a_url_copied_in_the_log_view_leaves_the_clipboard_at_expiry(
    aws_env: LocalAws, monkeypatch: pytest.MonkeyPatch, x_display: str
) -> None:
    """The log view's `y` goes through the dashboard's countdown, which clears the clipboard
    at expiry even while the log view stays open."""
    on_display(monkeypatch, x_display)
    clock = Clock()
    app = build_app(aws_env, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("l")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LogScreen", what="LogScreen")
        await pilot.press("y")
        shown = "JupyterLab URL in the clipboard: sign in before"
        await wait_for(pilot, lambda: shown in notices_text(app), limit=30)
        url = await asyncio.to_thread(x_clipboard, x_display)
        assert_presigned_url(url, "nb", "us-east-1", "lab")

        clock.ahead = PresignedUrl.VALID_FOR + timedelta(seconds=1)
        await wait_for(pilot, lambda: expiry_handled(app), what="the expiry handled")
        assert await asyncio.to_thread(x_clipboard, x_display) == ""
        assert type(app.screen).__name__ == "LogScreen"
