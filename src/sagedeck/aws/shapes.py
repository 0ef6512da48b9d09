"""A notebook instance of a listing, from the API's item to the model: one mapping for both
ways sagedeck reads it, botocore's parsed dict (``aws.notebooks``) and the wire's JSON
(``aws.quick``), which differ only in how a timestamp arrives. Imports nothing of botocore."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sagedeck.errors import InvalidInput
from sagedeck.models import NotebookStatus, NotebookSummary

EPOCH = datetime.fromtimestamp(0, UTC)
_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")


def validate_name(name: str) -> str:
    """A name AWS could hold, or one clear line: nothing is sent for a name that cannot exist."""
    if len(name) <= 63 and _NAME.fullmatch(name):
        return name
    raise InvalidInput(
        f"{name!r} is not a notebook instance name (letters, digits and hyphens, at most 63)"
    )


def notebook_status(value: str) -> NotebookStatus:
    try:
        return NotebookStatus(value)
    except ValueError:  # a status AWS adds later must not crash the table
        return NotebookStatus.PENDING


def parsed_time(value: Any) -> datetime:
    """A timestamp botocore has parsed (an aware datetime; a naive one is UTC)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return EPOCH


def wire_time(value: Any) -> datetime:
    """A timestamp as the JSON protocol sends it (epoch seconds), converted as sagedeck's
    parser converts it for botocore (``aws.parsing``): aware local time. ValueError for
    anything else."""
    if value is None:
        return EPOCH
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not epoch seconds: {value!r}")
    try:
        return datetime.fromtimestamp(value, UTC).astimezone()
    except (OverflowError, OSError) as err:
        raise ValueError(f"timestamp out of range: {value!r}") from err


def summary_from_api(
    item: Mapping[str, Any],
    region: str,
    time: Callable[[Any], datetime] = parsed_time,
    profile: str | None = None,
) -> NotebookSummary:
    return NotebookSummary(
        name=item["NotebookInstanceName"],
        arn=item["NotebookInstanceArn"],
        region=region,
        status=notebook_status(item["NotebookInstanceStatus"]),
        instance_type=item.get("InstanceType", ""),
        url=item.get("Url"),
        created=time(item.get("CreationTime")),
        last_modified=time(item.get("LastModifiedTime")),
        lifecycle_config=item.get("NotebookInstanceLifecycleConfigName"),
        default_code_repository=item.get("DefaultCodeRepository"),
        additional_code_repositories=tuple(item.get("AdditionalCodeRepositories") or ()),
        profile=profile,
    )
