"""sagedeck in a real terminal: a tmux server of our own, a private X display (Xvfb) and its
clipboard (xclip), and an environment that keeps the machine's own configuration out.

Every wait polls the screen until a condition holds or a deadline passes; none sleeps blindly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from system_tools import need


def private_env(home: Path) -> dict[str, str]:
    """HOME, the XDG folders, sagedeck's config and the AWS files, all under ``home`` (created
    empty): a program run with it never reads the machine's ``~/.config/sagedeck`` or
    ``~/.aws``."""
    (home / ".config").mkdir(parents=True, exist_ok=True)
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "SAGEDECK_CONFIG": str(home / ".config" / "sagedeck" / "config.toml"),
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
    }


def sagedeck_command(*args: str) -> list[str]:
    """``python -m sagedeck`` with this interpreter (the installed script may be another
    checkout's)."""
    return [sys.executable, "-m", "sagedeck", *args]


def interpreter_env() -> dict[str, str]:
    """What the pane needs from this process to run the same sagedeck: PATH, a UTF-8 locale,
    and PYTHONPATH when the tests run a source tree that way."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


class Tmux:
    """One tmux server of our own (its own socket), one pane running a command in exactly the
    environment given (``env -i``)."""

    exit_status: Path

    def __init__(self, command: list[str], env: dict[str, str], size: tuple[int, int]) -> None:
        need("tmux")
        self.socket = f"sagedeck-test-{uuid.uuid4().hex[:8]}"
        self.tmux(
            "-f", "/dev/null", "new-session", "-d", "-s", "t",
            "-x", str(size[0]), "-y", str(size[1]), "sleep 3600",
        )  # fmt: skip
        self.tmux("set-option", "-s", "set-clipboard", "on")
        self.tmux("set-option", "-g", "remain-on-exit", "on")
        exports = [f"{k}={v}" for k, v in {"TERM": "xterm-256color", **env}.items()]
        self.tmux("respawn-pane", "-k", "-t", "t", "env", "-i", *exports, *command)

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]}: {done.stderr.strip()}")
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t")

    def keys(self, *keys: str) -> None:
        """Keys by tmux's names (``Enter``, ``Escape``, ``y``)."""
        self.tmux("send-keys", "-t", "t", *keys)

    def type(self, text: str) -> None:
        """``text`` as typed, character for character."""
        self.tmux("send-keys", "-t", "t", "-l", text)

    def wait(self, condition: Callable[[str], object], what: str, timeout: float = 45) -> str:
        """Poll the screen until ``condition(screen)`` holds; the screen it held on."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n{screen}")
            time.sleep(0.1)

    def wait_text(self, needle: str, timeout: float = 45) -> str:
        return self.wait(lambda screen: needle in screen, repr(needle), timeout)

    def dead(self) -> bool:
        return self.tmux("display-message", "-p", "-t", "t", "#{pane_dead}").strip() == "1"

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


@contextmanager
def x_display() -> Iterator[str]:
    """A private X server (Xvfb, no TCP): its display name, ``:N``."""
    need("Xvfb", "xclip")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "640x480x24"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        assert number, "Xvfb did not report its display"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def x_clipboard(display: str) -> str:
    """What ``xclip -o -selection clipboard`` pastes on ``display`` ("" when nothing owns it)."""
    done = subprocess.run(
        ["xclip", "-o", "-selection", "clipboard"],
        capture_output=True,
        text=True,
        timeout=10,
        env={**os.environ, "DISPLAY": display},
    )
    return done.stdout
