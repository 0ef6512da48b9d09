"""Log events as text: timestamps (UTC or local), filters, readable JSON and multi-line
messages, and the saved file (redacted: :mod:`sagedeck.text.redact`). Shared by
``sagedeck logs`` and the TUI's log view; no textual import.
"""

from __future__ import annotations

import enum
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sagedeck.errors import InvalidInput
from sagedeck.models import LogEvent
from sagedeck.text.redact import Redaction, redact
from sagedeck.text.sanitize import sanitize


def short_stream(stream: str) -> str:
    """``nb/LifecycleConfigOnStart`` -> ``OnStart``, ``nb/jupyter.log`` -> ``jupyter``: the part
    that differs between an instance's streams."""
    _, _, leaf = stream.partition("/")
    return leaf.removeprefix("LifecycleConfig").removesuffix(".log") or stream


class TimeStyle(enum.StrEnum):
    DETAILED = "detailed"  # 2024-05-01T12:00:00.123+00:00 (aws logs tail --format detailed)
    SHORT = "short"  # 2024-05-01T12:00:00
    VIEW = "view"  # 05-01 12:00:00.123, for the TUI's narrow column


class TimeFormatter:
    """Formats epoch milliseconds, UTC or local. Log lines come many per second: the formatted
    second is cached and only the milliseconds are added per call."""

    def __init__(self, style: TimeStyle, *, local: bool = False) -> None:
        self.style = style
        self.local = local
        self._second = -1
        self._head = ""
        self._tail = ""

    def __call__(self, ts_ms: int) -> str:
        second, millis = divmod(ts_ms, 1000)
        if second != self._second:
            moment = datetime.fromtimestamp(second, UTC)
            if self.local:
                moment = moment.astimezone()
            if self.style is TimeStyle.DETAILED:
                self._head = moment.strftime("%Y-%m-%dT%H:%M:%S")
                offset = moment.strftime("%z")
                self._tail = f"{offset[:3]}:{offset[3:]}"
            elif self.style is TimeStyle.SHORT:
                self._head, self._tail = moment.strftime("%Y-%m-%dT%H:%M:%S"), ""
            else:
                self._head, self._tail = moment.strftime("%m-%d %H:%M:%S"), ""
            self._second = second
        if self.style is TimeStyle.SHORT:
            return self._head
        return f"{self._head}.{millis:03d}{self._tail}"

    @property
    def width(self) -> int:
        return len(self(0))


@dataclass(frozen=True, slots=True)
class LineFilter:
    """A regular expression; a leading ``!`` keeps the lines that do *not* match. Smart case:
    case-insensitive unless the pattern has a capital letter."""

    pattern: re.Pattern[str]
    inverted: bool
    text: str

    @classmethod
    def parse(cls, text: str) -> LineFilter | None:
        """None for an empty filter; InvalidInput for a bad regex."""
        inverted = text.startswith("!")
        body = text[1:] if inverted else text
        if not body:
            return None
        flags = 0 if any(c.isupper() for c in body) else re.IGNORECASE
        try:
            return cls(re.compile(body, flags), inverted, text)
        # re.compile raises more than re.error: OverflowError for a{99999999999}, and
        # RecursionError for a pattern nested a thousand groups deep
        except (re.error, OverflowError, RecursionError) as err:
            raise InvalidInput(f"bad regular expression {body!r}: {err}") from None

    def keeps(self, text: str) -> bool:
        return (self.pattern.search(text) is None) is self.inverted


def message_lines(message: str, *, pretty_json: bool = True) -> list[str]:
    """A message as display lines: JSON objects and arrays indented, other multi-line messages
    split; the trailing newline most agents add is dropped."""
    body = message.rstrip("\r\n")
    stripped = body.strip()
    if pretty_json and len(stripped) > 1 and stripped[0] in "{[" and stripped[-1] in "}]":
        try:
            parsed = json.loads(stripped)
        except ValueError:
            pass
        else:
            if isinstance(parsed, dict | list) and parsed:
                return json.dumps(parsed, indent=2, ensure_ascii=False).splitlines()
    return body.splitlines() or [""]


@dataclass(frozen=True, slots=True)
class ViewOptions:
    """How the TUI renders events."""

    timestamps: bool = True
    local_time: bool = False
    show_stream: bool = True
    pretty_json: bool = True
    wrap_width: int | None = None  # None: no wrapping (the view scrolls sideways)


class EventRenderer:
    """LogEvent -> display lines for the TUI: ``time stream message``, continuation lines
    indented under the message so a multi-line message reads as one block.

    The log view draws only the lines on screen, so it asks two cheap questions of every
    event kept and renders only the events it shows: :meth:`line_count` (exact; no JSON
    parsing unless the message looks like JSON and is shown pretty) and :meth:`width_hint`.
    """

    STREAM_WIDTH = 8  # OnStart, OnCreate, jupyter

    def __init__(self, options: ViewOptions) -> None:
        self.options = options
        self._time = TimeFormatter(TimeStyle.VIEW, local=options.local_time)
        self._streams: dict[str, str] = {}
        time_width = self._time.width + 1 if options.timestamps else 0
        self.prefix_width = time_width + (self.STREAM_WIDTH + 1 if options.show_stream else 0)
        self.dim_width = self._time.width if options.timestamps else 0  # the time column
        wrap = options.wrap_width
        self._wrap = max(wrap, self.prefix_width + 10) if wrap else 0  # what wrap_lines cuts at

    @property
    def count_key(self) -> tuple[bool, int, int]:
        """What :meth:`line_count` depends on: equal keys, equal counts for every event."""
        return (self.options.pretty_json, self._wrap, self.prefix_width if self._wrap else 0)

    def _prefix(self, event: LogEvent) -> str:
        opts = self.options
        prefix = self._time(event.timestamp) + " " if opts.timestamps else ""
        if opts.show_stream:
            column = self._streams.get(event.stream)
            if column is None:
                column = short_stream(event.stream)[: self.STREAM_WIDTH].ljust(self.STREAM_WIDTH)
                self._streams[event.stream] = column = column + " "
            prefix += column
        return prefix

    def render(self, event: LogEvent) -> list[str]:
        opts = self.options
        prefix = self._prefix(event)
        if not opts.wrap_width:
            body = _one_line(event.message, opts.pretty_json)
            if body is not None:
                return [prefix + body]
        lines = message_lines(event.message, pretty_json=opts.pretty_json)
        indent = " " * len(prefix)
        out = [prefix + lines[0], *(indent + line for line in lines[1:])]
        if opts.wrap_width:
            return wrap_lines(out, opts.wrap_width, len(prefix))
        return out

    def render_all(self, events: list[LogEvent]) -> list[str]:
        out: list[str] = []
        for event in events:
            out.extend(self.render(event))
        return out

    def line_count(self, event: LogEvent) -> int:
        """``len(self.render(event))``, without rendering the usual one-line message."""
        body = _one_line(event.message, self.options.pretty_json)
        if body is None:  # several lines, JSON, tabs or control characters: render it
            return len(self.render(event))
        wrap, prefix = self._wrap, self.prefix_width
        if not wrap or prefix + len(body) <= wrap:
            return 1
        return 1 + -(-(prefix + len(body) - wrap) // (wrap - prefix))

    def number_lines(
        self, events: Iterable[LogEvent], starts: list[int], line: int, widest: int
    ) -> tuple[int, int]:
        """Append the first line number of each event to ``starts``, from ``line``; the line
        after the last and the widest message (:meth:`width_hint`), at least ``widest``.
        The usual one-line message is counted here, without a call per event."""
        append = starts.append
        slow = self.line_count
        wrap = self._wrap
        prefix = self.prefix_width
        pretty = self.options.pretty_json
        for event in events:
            append(line)
            body = event.message
            ascii_only = body.isascii() and "\t" not in body
            width = len(body) + 2 if ascii_only else self.width_hint(event)
            if width > widest:
                widest = width
            one = _one_line(body, pretty)
            if one is None:
                line += slow(event)
            elif wrap and prefix + len(one) > wrap:
                line += 1 + -(-(prefix + len(one) - wrap) // (wrap - prefix))
            else:
                line += 1
        return line, widest

    @staticmethod
    def width_hint(event: LogEvent) -> int:
        """About the widest line of a message in cells, prefix left out (the sideways scroll's
        range): tabs taken at their widest, pretty JSON a little wider than its source."""
        message = event.message
        width = len(message) if message.isascii() else 2 * len(message)  # wide characters
        if "\t" in message:
            width += 7 * message.count("\t")
        return width + 2


def _one_line(message: str, pretty_json: bool) -> str | None:
    """The one line :func:`message_lines` makes of the usual message (its trailing newline
    dropped), found without splitting or parsing; None for any other message."""
    if message.endswith("\n"):
        message = message[:-1]
        if message.endswith("\r"):
            message = message[:-1]
    if not message.isprintable():  # line breaks, tabs, control characters
        return None
    if pretty_json and message:
        first, last = message[0], message[-1]
        if (
            (first in "{[" or first.isspace())
            and (last in "}]" or last.isspace())
            and _looks_json(message)
        ):
            return None
    return message


def _looks_json(body: str) -> bool:
    """What :func:`message_lines` tries to parse as JSON."""
    stripped = body.strip()
    return len(stripped) > 1 and stripped[0] in "{[" and stripped[-1] in "}]"


def wrap_lines(lines: list[str], width: int, indent: int) -> list[str]:
    """Hard-wrap at ``width`` cells, continuation under the message column. Tabs are expanded
    first so the cut is where the eye sees it; wide characters count as one (rare in logs)."""
    width = max(width, indent + 10)
    out: list[str] = []
    pad = " " * indent
    room = width - indent
    for raw in lines:
        line = raw.expandtabs() if "\t" in raw else raw
        if len(line) <= width:
            out.append(line)
            continue
        out.append(line[:width])
        rest = line[width:]
        while rest:
            out.append(pad + rest[:room])
            rest = rest[room:]
    return out


@dataclass(frozen=True, slots=True)
class SavedLog:
    """Where :func:`write_redacted` wrote, and what it redacted (for the notification)."""

    path: Path
    redaction: Redaction


def write_redacted(
    lines: Sequence[str], stem: str, folders: Sequence[Path] | None = None
) -> SavedLog | None:
    """Write ``lines`` to ``<stem>-<time>.log`` in the first folder that takes it (the working
    directory, else home), readable by the user only; None if none does. Known secret patterns
    are redacted (:mod:`sagedeck.text.redact`) and control characters made visible
    (:func:`~sagedeck.text.sanitize.sanitize`): ``cat`` on the file is as safe as the view."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    redaction = redact("\n".join(lines))
    text = sanitize(redaction.text) + "\n"
    for folder in folders or (Path.cwd(), Path.home()):
        path = folder / f"{stem}-{stamp}.log"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        return SavedLog(path, redaction)
    return None
