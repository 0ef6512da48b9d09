"""Log events as text: timestamps (UTC or local), filters, readable JSON and multi-line
messages, and redaction for what is saved. Shared by ``sagedeck logs`` and the TUI's log view;
no textual import.
"""

from __future__ import annotations

import enum
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sagedeck.aws.logs import short_stream
from sagedeck.errors import InvalidInput
from sagedeck.models import LogEvent


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
        except re.error as err:
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
    indented under the message so a multi-line message reads as one block."""

    STREAM_WIDTH = 8  # OnStart, OnCreate, jupyter

    def __init__(self, options: ViewOptions) -> None:
        self.options = options
        self._time = TimeFormatter(TimeStyle.VIEW, local=options.local_time)

    def render(self, event: LogEvent) -> list[str]:
        opts = self.options
        prefix = ""
        if opts.timestamps:
            prefix = self._time(event.timestamp) + " "
        if opts.show_stream:
            prefix += short_stream(event.stream)[: self.STREAM_WIDTH].ljust(self.STREAM_WIDTH) + " "
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


# Secrets that show up in notebook logs: Jupyter's token URLs, presigned URL signatures, AWS
# keys, passwords in connection strings. What is saved to a file goes through these.
_SECRETS = (
    (
        re.compile(
            r"([?&](?:token|authToken|X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential|"
            r"sig|signature|password|secret)=)[^&\s\"'<>]+",
            re.I,
        ),
        r"\1[REDACTED]",
    ),
    (re.compile(r"\b(A(?:KIA|SIA)[A-Z0-9]{16})\b"), "[REDACTED-ACCESS-KEY]"),
    (
        re.compile(
            r"(?i)\b(aws_secret_access_key|aws_session_token|secret_access_key|"
            r"password|passwd|api[_-]?key|token)(\"?\s*[=:]\s*)(\"?)[^\s\"',;]+"
        ),
        r"\1\2\3[REDACTED]",
    ),
    (re.compile(r"(?i)(authorization:\s*)(\S+\s+)?\S+"), r"\1[REDACTED]"),
    (re.compile(r"(://[^/\s:@]+:)[^@\s/]+@"), r"\1[REDACTED]@"),
)


def redact(text: str) -> str:
    """``text`` with credentials replaced by ``[REDACTED]``."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def save_redacted(
    lines: Sequence[str], stem: str, folders: Sequence[Path] | None = None
) -> Path | None:
    """Write ``lines``, redacted, to ``<stem>-<time>.log`` in the first folder that takes it
    (the working directory, else home), readable by the user only; None if none does."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    text = redact("\n".join(lines)) + "\n"
    for folder in folders or (Path.cwd(), Path.home()):
        path = folder / f"{stem}-{stamp}.log"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        return path
    return None
