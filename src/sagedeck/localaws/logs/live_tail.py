"""StartLiveTail as AWS streams it: a session start, then an update every second.

moto 5.2.5 answers with one snapshot of up to 500 *stored* events and closes the stream. AWS
keeps the stream open for up to three hours and sends, every second, what was ingested in
that second (an empty update when nothing was), sampled down to 500 events.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from moto.core.responses import ActionResult

from ..state import LOCK
from ..validation import list_violation
from .filter_pattern import Matcher, UnsupportedPattern, compile_pattern

UPDATE_SECONDS = 1.0
MAX_EVENTS_PER_UPDATE = 500
SESSION_SECONDS = 3 * 3600

# Set when the last server of the process stops: open sessions end instead of streaming on.
_stopping = threading.Event()
_servers = [0]
_servers_lock = threading.Lock()


def server_started() -> None:
    with _servers_lock:
        _servers[0] += 1
        _stopping.clear()


def server_stopped() -> None:
    with _servers_lock:
        _servers[0] = max(0, _servers[0] - 1)
        if _servers[0] == 0:
            _stopping.set()


class StreamingResult(ActionResult):
    """An event-stream result whose body is produced while the client reads it."""

    def execute_result(self, context: Any) -> Any:
        from moto.core.eventstream import EventStream, EventStreamEncoder

        event_serializer = context.serializer_class.EVENT_STREAM_SERIALIZER_CLS(
            context.operation_model
        )
        stream = EventStream(self.result, context.operation_model.output_shape, event_serializer)

        def body() -> Iterator[bytes]:
            encoder = EventStreamEncoder()
            for event in stream:
                yield encoder.encode_event(event)

        return 200, {"Content-Type": "application/vnd.amazon.eventstream"}, body()


def handle_start_live_tail(self: Any) -> ActionResult:
    """moto's LogsResponse.start_live_tail, replaced."""
    from moto.logs.exceptions import InvalidParameterException

    names = self._get_param("logStreamNames")
    prefixes = self._get_param("logStreamNamePrefixes")
    pattern = self._get_param("logEventFilterPattern")
    _check_lists(self._get_param)
    # moto validates the request (group count, names vs prefixes, unknown groups) and builds
    # the session start; its snapshot of stored events is not what AWS sends, so it is dropped.
    session_start, _ = self.logs_backend.start_live_tail(
        log_group_identifiers=self._get_param("logGroupIdentifiers"),
        log_stream_names=names,
        log_stream_name_prefixes=prefixes,
        log_event_filter_pattern=pattern,
    )
    try:
        matcher = compile_pattern(pattern)
    except (UnsupportedPattern, ValueError) as error:
        raise InvalidParameterException(f"Invalid filter pattern: {error}") from error
    groups = [
        group
        for group in self.logs_backend.groups.values()
        if group.arn in session_start["logGroupIdentifiers"]
    ]
    session = _Session(groups, names or [], prefixes or [], matcher)
    return StreamingResult({"responseStream": session.events(session_start)})


def _check_lists(get: Callable[[str], Any]) -> None:
    """AWS checks each list's items against the model before anything else: an ARN ending in
    ``:*`` (DescribeLogGroups' ``arn``) is not a ``logGroupIdentifier`` (its pattern has no
    ``*``); moto 5.2.5 accepts it."""
    from moto.logs.exceptions import InvalidParameterException

    for member in ("logGroupIdentifiers", "logStreamNames", "logStreamNamePrefixes"):
        values = get(member)
        if isinstance(values, list) and all(isinstance(value, str) for value in values):
            message = list_violation("logs", "StartLiveTail", member, values)
            if message is not None:
                raise InvalidParameterException(message)


class _Session:
    def __init__(
        self, groups: list[Any], names: list[str], prefixes: list[str], matcher: Matcher | None
    ) -> None:
        self._groups = groups
        self._names = names
        self._prefixes = prefixes
        self._matcher = matcher
        # (group, stream) name → (stream object, events already seen). Streams that exist now
        # start from their end: a live session shows what arrives, not the history.
        self._seen: dict[tuple[str, str], tuple[Any, int]] = {}
        with LOCK:
            for key, stream in self._streams():
                self._seen[key] = (stream, len(stream.events))

    def _streams(self) -> Iterator[tuple[tuple[str, str], Any]]:
        for group in self._groups:
            for name, stream in list(group.streams.items()):
                if self._names and name not in self._names:
                    continue
                if self._prefixes and not name.startswith(tuple(self._prefixes)):
                    continue
                yield (group.name, name), stream

    def _arrived(self) -> list[dict[str, Any]]:
        arrivals: list[tuple[tuple[int, int], dict[str, Any]]] = []
        with LOCK:
            for key, stream in self._streams():
                known, seen = self._seen.get(key, (stream, 0))
                if known is not stream:  # the account was reset under the session
                    seen = len(stream.events)
                group_arn = next(g.arn for g in self._groups if g.name == key[0])
                for event in stream.events[seen:]:
                    if self._matcher is None or self._matcher(event.message):
                        arrivals.append(
                            (
                                (event.timestamp, event.event_id),
                                {
                                    "logStreamName": key[1],
                                    "logGroupIdentifier": group_arn,
                                    "message": event.message,
                                    "timestamp": event.timestamp,
                                    "ingestionTime": event.ingestion_time,
                                },
                            )
                        )
                self._seen[key] = (stream, len(stream.events))
        arrivals.sort(key=lambda item: item[0])
        return [event for _, event in arrivals]

    def events(self, session_start: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield {"sessionStart": session_start}
        deadline = time.monotonic() + SESSION_SECONDS
        while time.monotonic() < deadline and not _stopping.wait(UPDATE_SECONDS):
            arrived = self._arrived()
            sampled = len(arrived) > MAX_EVENTS_PER_UPDATE
            if sampled:
                step = len(arrived) / MAX_EVENTS_PER_UPDATE
                arrived = [arrived[int(i * step)] for i in range(MAX_EVENTS_PER_UPDATE)]
            yield {
                "sessionUpdate": {
                    "sessionMetadata": {"sampled": sampled},
                    "sessionResults": arrived,
                }
            }
