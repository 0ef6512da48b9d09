"""The one paging rule (aws.paging.next_request) that the async listings and the quick path's
synchronous loop share. The loop itself is tested over the wire in test_errors.py (stale-token
restarts, IAM markers) and against the embedded AWS in test_notebooks.py."""

from __future__ import annotations

from sagedeck.aws.paging import IAM_MARKER, LOGS_TOKEN, next_request


def test_the_next_request_carries_the_token_and_keeps_the_rest() -> None:
    first = {"MaxResults": 100}
    second = next_request(first, {"Items": [1], "NextToken": "t2"})
    assert second == {"MaxResults": 100, "NextToken": "t2"}
    assert first == {"MaxResults": 100}  # the first request is kept for a restart
    assert next_request(second or {}, {"Items": [2], "NextToken": "t3"}) == {
        "MaxResults": 100,
        "NextToken": "t3",
    }


def test_no_token_or_an_empty_one_is_the_last_page() -> None:
    assert next_request({}, {"Items": []}) is None
    assert next_request({}, {"NextToken": ""}) is None
    assert next_request({}, {"NextToken": None}) is None


def test_cloudwatch_logs_spells_the_token_in_camel_case() -> None:
    assert next_request({}, {"nextToken": "t"}, LOGS_TOKEN) == {"nextToken": "t"}
    assert next_request({}, {"NextToken": "t"}, LOGS_TOKEN) is None


def test_iam_pages_while_truncated() -> None:
    request = {"RoleName": "r"}
    assert next_request(request, {"IsTruncated": True, "Marker": "m"}, IAM_MARKER) == {
        "RoleName": "r",
        "Marker": "m",
    }
    assert next_request(request, {"IsTruncated": False, "Marker": "m"}, IAM_MARKER) is None
    # truncated without a marker: stop rather than ask for the first page for ever
    assert next_request(request, {"IsTruncated": True}, IAM_MARKER) is None


async def test_each_page_is_heard_as_it_arrives_and_a_restart_says_so() -> None:
    """``on_page`` hears every page (the dashboard's first listing shows rows page by page);
    a stale token restarts the listing, and the page that starts it again says so."""
    from typing import Any

    from sagedeck.aws.paging import collect

    class Stale(Exception):
        pass

    answers: list[dict[str, Any] | Exception] = [
        {"Items": [1, 2], "NextToken": "a"},
        Stale(),
        {"Items": [1, 2], "NextToken": "b"},
        {"Items": [3]},
    ]

    async def call(**request: Any) -> dict[str, Any]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    heard: list[tuple[list[int], bool]] = []
    found = await collect(
        call,
        {"MaxResults": 2},
        "Items",
        restart_if=lambda err: isinstance(err, Stale),
        on_page=lambda items, first: heard.append((list(items), first)),
    )
    assert found == [1, 2, 3]
    assert heard == [([1, 2], True), ([1, 2], True), ([3], False)]
