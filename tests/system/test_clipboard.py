"""The one clipboard copy: a native clipboard first, OSC 52 through the terminal when there is
none or it fails, and the caller hears which, so what the user is told is true."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from functools import partial
from io import StringIO

import pyperclip
import pytest

import sagedeck.system.clipboard as clipboard
from sagedeck.errors import SagedeckError
from sagedeck.localaws import LocalAws
from sagedeck.system.clipboard import copy, osc52_sequence, write_osc52
from ui.support import SIZE, build_app, loaded, notices_text, select, wait_for

URL = "https://nb.notebook.us-east-1.sagemaker.aws?authToken=abc"


class Recorder:
    """A stand-in for a clipboard mechanism or a terminal: what it was given."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, text: str) -> None:
        self.texts.append(text)


def broken_xclip(text: str) -> None:
    raise pyperclip.PyperclipException("xclip: Error: Can't open display")


@pytest.fixture
def desktop(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[str], None]], None]:
    """A local session whose native clipboard is the mechanism given (as pyperclip finds it)."""
    monkeypatch.delenv("SSH_CONNECTION", raising=False)

    def use(mechanism: Callable[[str], None]) -> None:
        monkeypatch.setattr(pyperclip, "determine_clipboard", lambda: (mechanism, lambda: ""))

    return use


async def test_a_working_native_clipboard_is_used_and_the_terminal_left_alone(
    desktop: Callable[[Callable[[str], None]], None],
) -> None:
    native, terminal = Recorder(), Recorder()
    desktop(native)
    assert await copy(URL, osc52=terminal) == "clipboard"
    assert native.texts == [URL]
    assert terminal.texts == []


async def test_a_failing_native_clipboard_falls_back_to_osc52(
    desktop: Callable[[Callable[[str], None]], None],
) -> None:
    terminal = Recorder()
    desktop(broken_xclip)
    assert await copy(URL, osc52=terminal) == "OSC 52"
    assert terminal.texts == [URL]


async def test_no_native_clipboard_means_osc52(
    desktop: Callable[[Callable[[str], None]], None],
) -> None:
    terminal = Recorder()
    nothing, _paste = pyperclip.init_no_clipboard()  # what pyperclip finds on a bare server
    desktop(nothing)
    assert not clipboard.native_clipboard_available()
    assert await copy(URL, osc52=terminal) == "OSC 52"
    assert terminal.texts == [URL]


async def test_a_remote_shell_copies_through_the_terminal_even_with_xclip_installed(
    monkeypatch: pytest.MonkeyPatch, desktop: Callable[[Callable[[str], None]], None]
) -> None:
    native, terminal = Recorder(), Recorder()
    desktop(native)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")
    monkeypatch.delenv("DISPLAY", raising=False)
    assert await copy(URL, osc52=terminal) == "OSC 52"
    assert (native.texts, terminal.texts) == ([], [URL])


async def test_osc52_writes_the_sequence_carrying_the_text(
    desktop: Callable[[Callable[[str], None]], None],
) -> None:
    desktop(broken_xclip)
    terminal = StringIO()
    assert await copy(URL, osc52=partial(write_osc52, terminal=terminal)) == "OSC 52"
    sequence = terminal.getvalue()
    assert sequence == osc52_sequence(URL)
    match = re.fullmatch(r"\x1b\]52;c;([A-Za-z0-9+/=]+)\x07", sequence)
    assert match
    assert base64.b64decode(match.group(1)).decode() == URL


async def test_no_clipboard_and_no_terminal_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, desktop: Callable[[Callable[[str], None]], None]
) -> None:
    def no_terminal(*args: object, **kwargs: object) -> StringIO:
        raise OSError(6, "No such device or address", "/dev/tty")

    desktop(broken_xclip)
    monkeypatch.setattr(clipboard, "open", no_terminal, raising=False)
    with pytest.raises(SagedeckError, match="nothing to copy to") as info:
        await copy(URL)
    assert "\n" not in str(info.value)


# --- what the dashboard tells the user ------------------------------------------------------


async def test_dashboard_says_in_the_clipboard_when_the_native_one_took_it(
    aws_env: LocalAws, desktop: Callable[[Callable[[str], None]], None]
) -> None:
    native = Recorder()
    desktop(native)
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("c")
        await wait_for(pilot, lambda: "Name in the clipboard: nb" in notices_text(app))
        assert native.texts == ["nb"]
        assert app.clipboard == ""  # nothing went through the terminal


async def test_dashboard_says_osc52_when_the_native_clipboard_failed(
    aws_env: LocalAws, desktop: Callable[[Callable[[str], None]], None]
) -> None:
    desktop(broken_xclip)
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
    aws_env: LocalAws, desktop: Callable[[Callable[[str], None]], None]
) -> None:
    desktop(broken_xclip)
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("l")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LogScreen", what="LogScreen")
        await pilot.press("y")
        await wait_for(pilot, lambda: "JupyterLab URL copied" in notices_text(app))
        assert app.clipboard.startswith("https://")
        assert "view=lab" in app.clipboard
        assert app.clipboard not in notices_text(app)
