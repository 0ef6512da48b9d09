"""Where SageMaker is offered, from botocore's endpoint data, without botocore's session.

``botocore.session.Session.get_available_regions("sagemaker")`` loads the whole SageMaker
service model (~0.1 s) to learn one string, its endpoint prefix; every command checks
``--region`` before anything else, and `sagedeck logs` never needs that model otherwise. This
module reads the same ``endpoints.json`` (~10 ms) and answers as botocore does;
``tests/aws/test_quick.py`` holds it to botocore. Where the user overrides botocore's data
(``AWS_DATA_PATH``, ``~/.aws/models``) it answers None and the caller asks botocore.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

# Regions listed at once (``--region all`` is ~30, times the profiles): enough to finish in a
# few round trips, few enough not to open dozens of connections at once or trip account-wide
# throttling. Here, not with the listing's calls: the quick listing (no botocore) keeps it too.
REGIONS_AT_ONCE = 8
ENDPOINT_PREFIX = "api.sagemaker"  # SageMaker's key in the endpoint data (its endpointPrefix)


def botocore_dir() -> Path | None:
    """Where botocore is installed, found without importing it."""
    spec = find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def endpoint_data() -> dict[str, Any] | None:
    """botocore's own endpoints.json, or None where botocore would read another one."""
    if os.environ.get("AWS_DATA_PATH") or (Path.home() / ".aws" / "models").exists():
        return None
    root = botocore_dir()
    if root is None:
        return None
    try:
        data: dict[str, Any] = json.loads((root / "data" / "endpoints.json").read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data.get("partitions"), list) else None


def sagemaker_regions(partition_name: str | None) -> frozenset[str] | None:
    """The regions of one partition (all partitions: None) that have a SageMaker endpoint, as
    ``get_available_regions("sagemaker", partition)``; None: ask botocore."""
    data = endpoint_data()
    if data is None:
        return None
    found: set[str] = set()
    for partition in data["partitions"]:
        if partition_name is not None and partition["partition"] != partition_name:
            continue
        endpoints = partition["services"].get(ENDPOINT_PREFIX, {}).get("endpoints", {})
        found.update(name for name in endpoints if name in partition["regions"])
    return frozenset(found)


async def region_holding(
    name: str,
    regions: Sequence[str],
    exists: Callable[[str], Awaitable[object]],
    what: str,
) -> str:
    """The one region of ``regions`` where ``exists(region)`` finds ``name`` (it raises
    NotFound where it is not): a name in several regions asks for ``--region``."""
    import asyncio

    from sagedeck.errors import AmbiguousName, NotFound

    if len(regions) == 1:
        return regions[0]

    async def has(candidate: str) -> bool:
        try:
            await exists(candidate)
        except NotFound:
            return False
        return True

    hits = await asyncio.gather(*(has(r) for r in regions))
    holding = [r for r, hit in zip(regions, hits, strict=True) if hit]
    if not holding:
        raise NotFound(f"no {what} named {name!r} in {', '.join(regions)}")
    if len(holding) > 1:
        raise AmbiguousName(name, holding)
    return holding[0]


def region_for_new(regions: Sequence[str], region: str | None, verb: str) -> str:
    """Where a new configuration or repository goes: the one region, or the one chosen."""
    from sagedeck.errors import InvalidInput

    if region:
        return region
    if len(regions) == 1:
        return regions[0]
    raise InvalidInput(f"choose the region to {verb} it in with --region ({', '.join(regions)})")
