"""What the app writes to the terminal, recorded: the hostile-text tests read it.

``run_test()`` runs the app headless, and a headless app draws nothing: Textual's ``_display``
skips the write. :class:`RecordingDriver` is the headless driver that says it is not headless,
so every frame is rendered to terminal sequences as on a real terminal and kept instead of
written.
"""

from __future__ import annotations

import re
from contextlib import AbstractAsyncContextManager
from typing import Any

from textual.drivers.headless_driver import HeadlessDriver
from textual.pilot import Pilot

from sagedeck.ui.app import SagedeckApp

from .support import SIZE

# What Textual itself writes, and nothing else: colours (SGR), cursor positions, private
# modes (synchronized output), the pointer's shape (OSC 22 with a name such as "default").
# Lines are joined by newlines. A CSI of any other kind (``ESC [ 2 J``) is the data's.
TEXTUAL_SEQUENCE = re.compile(
    r"\x1b\[[0-9;]*m|\x1b\[[0-9]+;[0-9]+H|\x1b\[\?[0-9;]+[hl]|\x1b\]22;[a-z-]+\x07"
)


class RecordingDriver(HeadlessDriver):
    """A headless driver that records what the app would write to the terminal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.written: list[str] = []

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        self.written.append(data)


def run_recorded(
    app: SagedeckApp, size: tuple[int, int] = SIZE
) -> AbstractAsyncContextManager[Pilot[Any]]:
    """``app.run_test()``, drawing every frame to a :class:`RecordingDriver`, notifications
    shown (``run_test`` hides them by default)."""
    app.driver_class = RecordingDriver
    return app.run_test(headless=False, size=size, notifications=True)


def output(app: SagedeckApp) -> str:
    """Everything the app has written to the terminal so far."""
    driver = app._driver
    assert isinstance(driver, RecordingDriver)
    return "".join(driver.written)


def forget_output(app: SagedeckApp) -> None:
    driver = app._driver
    assert isinstance(driver, RecordingDriver)
    driver.written.clear()


def shown_text(written: str) -> str:
    """The output without Textual's own sequences: the characters drawn."""
    return TEXTUAL_SEQUENCE.sub("", written)


# A terminal acts on these rather than print them: C0 controls but newline, DEL, C1, bidi
# embeddings, overrides and isolates, line and paragraph separators.
_RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def raw_controls(written: str) -> list[str]:
    """Characters a terminal would act on rather than print, left in the output once
    Textual's own sequences are taken out: any ESC (an OSC such as ``ESC ] 52`` or a link's
    ``ESC ] 8``, a CSI such as ``ESC [ 2 J``), any other C0 control but newline, DEL, C1
    (``\\x9b`` is a CSI by itself), bidi embeddings, overrides and isolates, line and paragraph
    separators. (A colour code in the data, ``ESC [ 31 m``, reads as Textual's own: the tests
    look for its stand-in on screen instead.)"""
    return sorted(set(_RAW_CONTROL.findall(shown_text(written))))
