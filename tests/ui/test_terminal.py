"""The installed ``sagedeck --demo`` in a real pseudo-terminal (tmux): read the screen, press
keys, check what changed; and the clipboard paths end to end: OSC 52 through a terminal
(tmux keeps what an application sets with OSC 52 as a paste buffer) and a real X clipboard
(Xvfb + xclip)."""

from __future__ import annotations

import asyncio
import base64
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.terminal import Tmux, interpreter_env, private_env, x_clipboard
from e2e.terminal import x_display as private_x_display
from sagedeck.localaws import LocalAws
from system_tools import need

from .support import (
    SIZE,
    assert_presigned_url,
    build_app,
    loaded,
    notices_text,
    select,
    wait_for,
)

SAGEDECK = Path(sys.executable).parent / "sagedeck"


@pytest.fixture
def demo_terminal(tmp_path: Path) -> Iterator[Tmux]:
    need("tmux")
    if not SAGEDECK.exists():
        pytest.skip(f"{SAGEDECK} is not installed (pip install -e .)")
    env = {**interpreter_env(), **private_env(tmp_path / "home")}
    status = tmp_path / "exit-status"
    command = ["sh", "-c", f'"{SAGEDECK}" --demo; echo $? > "{status}"']
    terminal = Tmux(command, env, (200, 50))
    terminal.exit_status = status
    try:
        yield terminal
    finally:
        terminal.close()


def test_demo_in_a_real_terminal(demo_terminal: Tmux) -> None:
    t = demo_terminal
    screen = t.wait(lambda s: "16 instances" in s and "nlp-finetune" in s, "the fleet")
    assert "us-east-1 11" in screen
    assert "eu-west-1 5" in screen
    assert "DEMO: embedded AWS" in screen
    assert "? Help" in screen

    # One key at a time, as a person types: in one burst, the keys after "/" would be read
    # before the filter has the focus (Textual forwards each key to the widget focused when
    # the key is read).
    t.keys("/")
    t.wait(lambda s: "!regex keeps" in s, "the filter line")
    t.keys("-l", "gpu")
    t.wait(lambda s: "gpu" in s.splitlines()[-3], "the typed filter")
    t.keys("Enter")
    screen = t.wait(lambda s: "(2 shown)" in s, "the filter")
    t.wait(lambda s: "Copy URL" in s.splitlines()[-1], "the table's keys in the footer")
    assert "cv-training-gpu" in screen
    assert "eu-vision-gpu" in screen
    assert "nlp-finetune" not in screen

    t.keys("Escape")
    t.wait(lambda s: "nlp-finetune" in s and "shown" not in s, "the filter cleared")

    t.keys("?")
    screen = t.wait(lambda s: "Keys" in s and "Sort by status" in s, "the help screen")
    assert "Copy URL" in screen
    assert "Profile/regions" in screen
    t.keys("Escape")
    t.wait(lambda s: "Sort by status" not in s, "the help closed")

    # copy a name: no X here, so it goes through OSC 52 to the terminal (tmux keeps it)
    t.keys("/")
    t.wait(lambda s: "!regex keeps" in s, "the filter line")
    t.keys("-l", "^nb-dev$")
    t.wait(lambda s: "(1 shown)" in s, "nb-dev alone")
    t.keys("Enter")
    t.wait(lambda s: "Copy URL" in s.splitlines()[-1], "the table's keys in the footer")
    t.keys("c")
    t.wait(lambda s: "Copied" in s, "the copy notification")
    assert t.tmux("show-buffer").strip() == "nb-dev"

    t.keys("q")
    deadline = time.monotonic() + 20
    while not t.dead():
        assert time.monotonic() < deadline, "sagedeck did not exit on q"
        time.sleep(0.1)
    assert t.exit_status.read_text().strip() == "0"


async def test_osc52_is_what_the_app_writes_to_the_terminal(
    aws_env: LocalAws, no_native_clipboard: None
) -> None:
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        written: list[str] = []
        driver = app._driver
        assert driver is not None
        write = driver.write

        def capture(data: str) -> None:
            written.append(data)
            write(data)

        driver.write = capture  # type: ignore[method-assign]
        await select(pilot, app, "us-east-1", "nb")
        await pilot.press("y")
        await wait_for(pilot, lambda: any("\x1b]52;c;" in w for w in written), what="OSC 52")
        sequence = next(w for w in written if "\x1b]52;c;" in w)
        payload = sequence.split("\x1b]52;c;", 1)[1].split("\a", 1)[0]
        url = base64.b64decode(payload).decode()
        assert url == app.clipboard
        assert_presigned_url(url, "nb", "us-east-1", view="lab")
        assert "sent to the terminal's clipboard (OSC 52)" in notices_text(app)


@pytest.fixture
def x_display() -> Iterator[str]:
    with private_x_display() as display:
        yield display


async def test_url_round_trip_through_a_real_x_clipboard(
    aws_env: LocalAws, x_display: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", x_display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    app = build_app(aws_env)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await select(pilot, app, "eu-west-1", "eu-forecasting")
        await pilot.press("Y")
        await wait_for(pilot, lambda: "URL copied" in notices_text(app), limit=30)
        assert "in the clipboard" in notices_text(app)
        pasted = await asyncio.to_thread(x_clipboard, x_display)
        assert_presigned_url(pasted, "eu-forecasting", "eu-west-1", view=None)  # Y: Classic
        assert pasted not in notices_text(app)
        assert app.clipboard == ""  # not through the terminal: the native clipboard had it
