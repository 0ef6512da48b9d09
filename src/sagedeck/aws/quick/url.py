"""``sagedeck url NAME`` without botocore: the instance's region (DescribeNotebookInstance in
every region of the plan when there are several, as ``aws.notebooks.find``), then
CreatePresignedNotebookInstanceUrl there, signed and sent as the quick listing sends its pages
(standard library only). Any answer but the expected ones (a missing name, a name in several
regions, denial, throttling) is :class:`Unsupported`: the ordinary path asks again and words
it. The URL is a credential: nothing here logs or keeps it."""

from __future__ import annotations

from typing import Any

from sagedeck.aws.quick.listing import RegionClient
from sagedeck.aws.quick.plain import Plan
from sagedeck.aws.quick.unsupported import Unsupported

DESCRIBE = "SageMaker.DescribeNotebookInstance"
CREATE_URL = "SageMaker.CreatePresignedNotebookInstanceUrl"


def _holds(plan: Plan, region: str, name: str) -> bool:
    client = RegionClient(plan, region)
    try:
        status, answer = client.send({"NotebookInstanceName": name}, DESCRIBE, f"describe {name}")
    finally:
        client.close()
    if status == 200:
        return True
    if status == 400 and _not_found(answer):
        return False
    raise Unsupported(f"HTTP {status}")


def _not_found(answer: dict[str, Any]) -> bool:
    """AWS's answer for a name it does not hold: ValidationException, ``RecordNotFound``."""
    kind = str(answer.get("__type", "")).rsplit("#", 1)[-1]
    message = str(answer.get("message", answer.get("Message", "")))
    return kind == "ValidationException" and "RecordNotFound" in message


def find_region(plan: Plan, name: str) -> str:
    """The one region of the plan holding ``name``; :class:`Unsupported` for none or several
    (the ordinary path says which)."""
    if len(plan.regions) == 1:
        return plan.regions[0]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(plan.regions), 16)) as pool:
        hits = list(pool.map(lambda region: _holds(plan, region, name), plan.regions))
    found = [region for region, hit in zip(plan.regions, hits, strict=True) if hit]
    if len(found) != 1:
        raise Unsupported("not in exactly one region")
    return found[0]


def presigned_url(plan: Plan, name: str, session_seconds: int) -> tuple[str, str]:
    """The region holding ``name`` and CreatePresignedNotebookInstanceUrl's AuthorizedUrl."""
    region = find_region(plan, name)
    client = RegionClient(plan, region)
    payload = {"NotebookInstanceName": name, "SessionExpirationDurationInSeconds": session_seconds}
    try:
        answer = client.send(payload, CREATE_URL, f"create a URL for {name}")
    finally:
        client.close()
    status, body = answer
    url = body.get("AuthorizedUrl")
    if status != 200 or not isinstance(url, str) or not url:
        raise Unsupported(f"HTTP {status}")
    return region, url
