"""Writing CloudWatch Logs events straight into moto's models.

The seed and the simulator bypass PutLogEvents: the seed needs weeks of history (PutLogEvents
rejects events older than 14 days, as AWS does) and both must be fast and lock-friendly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

NOTEBOOK_LOG_GROUP = "/aws/sagemaker/NotebookInstances"

# (timestamp ms, message, ingestion time ms)
EventTuple = tuple[int, str, int]


def log_stream(backend: Any, stream_name: str, group_name: str = NOTEBOOK_LOG_GROUP) -> Any:
    """The stream, created (with its group) on first use as the CloudWatch agent does."""
    backend.ensure_log_group(group_name)
    backend.ensure_log_stream(group_name, stream_name)
    return backend.groups[group_name].streams[stream_name]


def make_events(events: Iterable[EventTuple]) -> list[Any]:
    """moto LogEvent objects; they never change, so the seed builds them once and shares them."""
    from moto.logs.models import LogEvent

    return [
        LogEvent(ingestion, {"timestamp": timestamp, "message": message})
        for timestamp, message, ingestion in events
    ]


def attach(stream: Any, events: Sequence[Any]) -> None:
    """Append ready-made events, keeping the stream's describe fields right."""
    if not events:
        return
    stream.events.extend(events)
    stream.stored_bytes += sum(len(event.message) for event in events)
    stream.last_ingestion_time = _naive_utc(max(event.ingestion_time for event in events))
    stream.upload_sequence_token += 1


def write(stream: Any, timestamp_ms: int, message: str) -> None:
    """One event as the agent ships it: ingested a moment after it was logged."""
    attach(stream, make_events([(timestamp_ms, message, timestamp_ms + 250)]))


def backdate(stream: Any, created_ms: int) -> None:
    """Seeded streams were created when their first event was written, not at seed time."""
    stream.creation_time = _naive_utc(created_ms)


def _naive_utc(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).replace(tzinfo=None)
