"""The three jobs sagedeck is for, end to end in a real terminal (tmux), with a real X clipboard
(a private Xvfb display, read back with xclip):

(a) find an instance by name and copy its sign-in URL: ``/name``, ``y``;
(b) start a stopped instance and follow it until it is ready, then copy its URL: ``u``, the start
    view's logs, InService, ``y``;
(c) a shell on an instance and back: ``s``, ``exit 3``, the same row with the exit status shown;

and ``l``: the log view of an instance, with its lines.

sagedeck runs as a user runs it (``python -m sagedeck --endpoint-url …``) against the embedded
AWS of this test session, whose simulator this test steps by hand: a start takes as long as
the test takes to step it, and each step is checked on the screen. Every wait polls the screen
with a deadline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from sagedeck.localaws import LocalAws
from ui.support import assert_presigned_url

from .terminal import Tmux, interpreter_env, private_env, sagedeck_command, x_clipboard, x_display

pytestmark = pytest.mark.timeout(120)
SIZE = (200, 50)
REGIONS = "us-east-1,eu-west-1"
BLOCKS = re.compile("[\u2580-\u259f]")  # Unicode's block elements: Textual's borders


@pytest.fixture
def display() -> Iterator[str]:
    with x_display() as name:
        yield name


@pytest.fixture
def deck(aws_env: LocalAws, display: str, tmp_path: Path) -> Iterator[Tmux]:
    """sagedeck's dashboard in tmux, on the embedded AWS, with the X display's clipboard."""
    env = {
        **interpreter_env(),
        **private_env(tmp_path / "home"),
        "DISPLAY": display,
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    command = sagedeck_command("--endpoint-url", aws_env.endpoint_url, "--region", REGIONS)
    terminal = Tmux(command, env, SIZE)
    try:
        terminal.wait(lambda s: "16 instances" in s and "Copy URL" in s, "the fleet")
        yield terminal
    finally:
        terminal.close()


def footer(screen: str) -> str:
    return screen.rstrip("\n").splitlines()[-1]


def notifications(screen: str) -> str:
    """The text of the notifications on screen (Textual's toasts, right of a ``▌`` border),
    without white space or borders: wrapped lines (at a space or after a hyphen) joined
    again."""
    parts = (line.split("▌", 1)[1] for line in screen.splitlines() if "▌" in line)
    text = BLOCKS.sub("", "".join(parts))  # the borders of what lies behind a toast
    return "".join(text.split())


def wait_notification(deck: Tmux, text: str) -> str:
    """Until a notification on screen says ``text``; the screen."""
    squeezed = "".join(text.split())
    return deck.wait(lambda s: squeezed in notifications(s), f"the notification {text!r}")


def filter_to(deck: Tmux, name: str) -> None:
    """``/``, the name, Enter: the one row left has the cursor, the table the focus."""
    deck.keys("/")
    deck.wait_text("!regex keeps")
    deck.type(f"^{name}$")
    deck.wait_text("(1 shown)")
    deck.keys("Enter")
    deck.wait(lambda s: "Copy URL" in footer(s) and "!regex keeps" not in s, "the table's keys")


def detail_of(screen: str) -> tuple[str, str] | None:
    """(name, region) of the instance the detail pane shows: the cursor's row."""
    name = re.search(r"▏ name {2,}(\S+)", screen)
    region = re.search(r"▏ region {2,}(\S+)", screen)
    return (name.group(1), region.group(1)) if name and region else None


def moved_from(shown: tuple[str, str] | None, screen: str) -> bool:
    return detail_of(screen) not in (shown, None)


def move_to(deck: Tmux, name: str, region: str = "us-east-1") -> None:
    """Down one row at a time, as a person does, until the cursor is on ``name``."""
    for _ in range(16):
        # A screen caught mid-redraw may lack the pane's lines: wait for both.
        current = detail_of(deck.wait(lambda s: detail_of(s) is not None, "the detail pane"))
        if current == (name, region):
            return
        deck.keys("j")
        deck.wait(partial(moved_from, current), "the cursor to move")
    raise AssertionError(f"{name} ({region}) not reached:\n{deck.screen()}")


def test_a_copy_the_url_of_an_instance_found_by_name(deck: Tmux, display: str) -> None:
    assert x_clipboard(display) == ""
    filter_to(deck, "eu-forecasting")
    deck.keys("y")
    screen = wait_notification(deck, "sign-in URL for eu-forecasting in the clipboard")
    assert "authToken" not in screen  # the URL is a credential: on no screen
    assert_presigned_url(x_clipboard(display), "eu-forecasting", "eu-west-1", view="lab")


def test_b_start_follow_the_logs_until_ready_then_copy_the_url(
    deck: Tmux, aws_env: LocalAws, display: str
) -> None:
    name, duration = "fraud-detection", aws_env.simulator.timings.start
    filter_to(deck, name)
    assert "Stopped" in deck.screen()
    deck.keys("u")
    screen = deck.wait_text(f"{name} (us-east-1) · Pending")  # the start view, at once
    assert "Copy URL" not in footer(screen)  # not before InService

    aws_env.simulator.step(0.6 * duration)  # the lifecycle script runs
    deck.wait_text("Fetching the autostop script")
    assert f"{name} (us-east-1) · Pending" in deck.screen()

    aws_env.simulator.step(0.4 * duration)  # the script ends, Jupyter starts: InService
    screen = deck.wait_text(f"{name} (us-east-1) · InService")
    deck.wait_text("Lifecycle config finished")
    deck.wait_text("Jupyter Server")
    wait_notification(deck, f"{name} is InService: press y to copy its Jupyter URL")
    deck.wait(lambda s: "Copy URL" in footer(s), "y in the footer")

    deck.keys("y")
    wait_notification(deck, "JupyterLab URL in the clipboard: sign in before")
    assert_presigned_url(x_clipboard(display), name, "us-east-1", view="lab")


def test_c_shell_and_back_on_the_same_row_with_the_exit_status(
    deck: Tmux, aws_env: LocalAws
) -> None:
    name = "cv-training-gpu"  # InService, its SSM node Online
    move_to(deck, name)
    deck.keys("s")
    deck.wait_text(f"── sagedeck: shell on {name} (mi-")
    deck.wait_text("[DEMO mi-")  # the demo plugin's prompt
    ssm = aws_env.client("ssm", "us-east-1")
    assert len(ssm.describe_sessions(State="Active")["Sessions"]) == 1
    deck.type("exit 3")
    deck.keys("Enter")
    wait_notification(deck, "session ended, exit status 3")
    # back on the dashboard, the cursor on the same row (the detail pane follows the cursor)
    deck.wait(lambda s: "16 instances" in s and detail_of(s) == (name, "us-east-1"), "its row")
    assert ssm.describe_sessions(State="Active")["Sessions"] == []


def test_l_opens_the_log_view_with_its_lines(deck: Tmux) -> None:
    move_to(deck, "nb")
    deck.keys("l")
    deck.wait_text("nb (us-east-1) · InService")
    # the status line may be painted a frame after the lines it counts: wait for both
    deck.wait(
        lambda s: "ServerApp]" in s and re.search(r"following · [1-9]\d* lines", s) is not None,
        "log lines and their count",
    )
    deck.keys("Escape")
    deck.wait(lambda s: "16 instances" in s, "the dashboard again")
