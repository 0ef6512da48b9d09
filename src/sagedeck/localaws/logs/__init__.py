"""CloudWatch Logs of the embedded AWS: the event store the seed and the simulator write to, and
FilterLogEvents, GetLogEvents and StartLiveTail as AWS serves them. May import moto and, of
localaws, only ``patching``, ``state`` and ``validation``."""

from __future__ import annotations


def install() -> None:
    """Put AWS's FilterLogEvents, GetLogEvents and StartLiveTail in place of moto's."""
    from moto.logs import responses

    from ..patching import replace
    from .filter import handle_filter_log_events
    from .get import handle_get_log_events
    from .live_tail import handle_start_live_tail

    replace(responses.LogsResponse, "filter_log_events", handle_filter_log_events)
    replace(responses.LogsResponse, "get_log_events", handle_get_log_events)
    replace(responses.LogsResponse, "start_live_tail", handle_start_live_tail)
