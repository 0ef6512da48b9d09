"""The base of every sagedeck screen: a failed worker reaches the app's one reporter.

Textual's ``Worker.StateChanged`` does not bubble: it goes to the node that started the worker
and no further, so a handler on the app hears only the app's own workers. A screen derived
from :class:`DeckScreen` (or :class:`DeckModal`) hands each failed worker on as a
:class:`DeckScreen.WorkerFailed` message, which does bubble to the app.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

ResultType = TypeVar("ResultType")


class DeckScreen(Screen[ResultType]):
    # What ``?`` says under this screen's keys about its own ways (moving, filtering), each a
    # paragraph; the help screen adds how keys are rebound.
    HELP_HINTS: ClassVar[tuple[Text, ...]] = ()

    class WorkerFailed(Message):
        """A worker of this screen ended with an error (``worker.error``)."""

        def __init__(self, worker: Worker[Any]) -> None:
            super().__init__()
            self.worker = worker

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.post_message(self.WorkerFailed(event.worker))


class DeckModal(ModalScreen[ResultType], DeckScreen[ResultType]):
    """A modal screen whose failed workers reach the app's reporter, as any DeckScreen's."""
