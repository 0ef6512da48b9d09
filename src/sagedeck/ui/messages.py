"""The messages the dashboard's widgets and workers send each other, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from sagedeck.models import NotebookDetail, PresignedUrl


@dataclass
class DetailLoaded(Message):
    """A DescribeNotebookInstance answer: the table learns the instance's platform from it."""

    detail: NotebookDetail


@dataclass
class UrlCopied(Message):
    """A presigned URL went to the clipboard (``where`` says how), from the dashboard or the
    log view: start its countdown, which takes it out of the clipboard at expiry."""

    url: PresignedUrl
    where: str


@dataclass
class TextCopied(Message):
    """Something else went to the clipboard (a name, an ARN, a proxy URL): the presigned URL
    whose countdown shows is no longer there to paste."""


@dataclass
class FilterChanged(Message):
    """The ``/`` filter's text changed (live, as typed)."""

    text: str


@dataclass
class FilterClosed(Message):
    """The filter input gave focus back to the table; ``cleared`` when escape emptied it."""

    cleared: bool
