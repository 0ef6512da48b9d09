"""Paging through AWS list calls: the one rule for the request after a page, and the one loop
every list call in aws/ goes through.

Standard library only: the quick listing (``aws.quick``, which must not load botocore or
asyncio) follows the same rule in its own synchronous loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

STALE_TOKEN_RESTARTS = 3  # listings restarted from the first page before the error stands


@dataclass(frozen=True, slots=True)
class Tokens:
    """How a list call pages: the field that carries the token in the request and the answer,
    and (IAM) the answer's flag that says more pages follow; ``answer`` names the answer's
    field when it differs from the request's (KMS asks with Marker, answers NextMarker)."""

    field: str = "NextToken"
    more: str | None = None
    answer: str | None = None


NEXT_TOKEN = Tokens()
LOGS_TOKEN = Tokens("nextToken")  # CloudWatch Logs spells it in camel case
IAM_MARKER = Tokens("Marker", more="IsTruncated")
KMS_MARKER = Tokens("Marker", more="Truncated", answer="NextMarker")


def next_request(
    request: Mapping[str, Any], page: Mapping[str, Any], tokens: Tokens = NEXT_TOKEN
) -> dict[str, Any] | None:
    """The request for the page after ``page``, or None when ``page`` was the last."""
    if tokens.more is not None and not page.get(tokens.more):
        return None
    token = page.get(tokens.answer or tokens.field)
    if not token:
        return None
    return {**request, tokens.field: token}


async def collect(
    call: Callable[..., Awaitable[Mapping[str, Any]]],
    request: Mapping[str, Any],
    items: str,
    *,
    tokens: Tokens = NEXT_TOKEN,
    restart_if: Callable[[BaseException], bool] | None = None,
    on_page: Callable[[Sequence[Any], bool], None] | None = None,
) -> list[Any]:
    """Every item under ``items`` of every page of ``call(**request)``.

    A page token can go stale while the listing runs (the item it points at was deleted
    between two pages); when ``restart_if`` says an error of a call that sent a token means
    that, the listing starts again from the first page, as AWS advises, up to
    ``STALE_TOKEN_RESTARTS`` times. Errors are raised as the call raised them: the caller
    translates them (``translate_errors`` around this call).

    ``on_page`` hears each page's items as it arrives, and whether that page starts the
    listing (again, after a restart: what it heard before is void).
    """
    found: list[Any] = []
    restarts = 0
    following: Mapping[str, Any] | None = request
    while following is not None:
        try:
            page = await call(**following)
        except Exception as exc:
            if (
                following is not request
                and restart_if is not None
                and restarts < STALE_TOKEN_RESTARTS
                and restart_if(exc)
            ):
                restarts += 1
                found.clear()
                following = request
                continue
            raise
        arrived = page.get(items) or ()
        found.extend(arrived)
        if on_page is not None:
            on_page(arrived, following is request)
        following = next_request(following, page, tokens)
    return found
