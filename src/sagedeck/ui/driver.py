"""Textual's terminal driver, made to survive the terminal going away (a closed tab, a dropped
SSH connection): see :mod:`sagedeck.system.terminal` for what went wrong. Two changes, both
small, so that a Textual upgrade is easy to check against them:

- the writer thread writes through :class:`TerminalOutput`, which drops writes to a gone
  terminal and asks for the exit a SIGHUP asks for;
- SIGCONT resumes the application only after a SIGTSTP suspended it. Textual resumes on any
  SIGCONT, and the kernel sends one with the SIGHUP of a hung-up terminal: Textual then started
  a second writer thread and a second input thread on the dead terminal, in the middle of
  whatever the main thread was doing.
"""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING, Any, cast

from textual.drivers.linux_driver import LinuxDriver

from sagedeck.system.shutdown import request_exit
from sagedeck.system.terminal import TerminalOutput

if TYPE_CHECKING:
    from textual.app import App


class HangupSafeDriver(LinuxDriver):
    def __init__(
        self,
        app: App[Any],
        *,
        debug: bool = False,
        mouse: bool = True,
        size: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        assert self._file is not None, "no terminal to write to"
        self.output = TerminalOutput(self._file, terminal_gone)
        # In place of sys.__stderr__: only the writer thread uses it.
        self._file = cast(Any, self.output)
        self._stopped_by_sigtstp = False

    def _sigtstp_application(self, *args: Any) -> None:
        self._stopped_by_sigtstp = True
        super()._sigtstp_application(*args)

    def _sigcont_application(self, *args: Any) -> None:
        if not self._stopped_by_sigtstp or self.output.gone:
            return
        self._stopped_by_sigtstp = False
        super()._sigcont_application(*args)


def terminal_gone() -> None:
    """What a hung-up terminal means, whether or not its SIGHUP reached us (it goes to the
    terminal's session leader, which need not pass it on)."""
    request_exit(signal.SIGHUP)
