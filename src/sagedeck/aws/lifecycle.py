"""Lifecycle configurations: list them with the instances that use each, read, create, update,
delete (refused while attached), and the built-in idle-stop script.

A script travels base64-encoded; the model caps each encoded script
(``NotebookInstanceLifecycleConfigContent``), checked here before anything is sent.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from sagedeck.aws.across import entry_key
from sagedeck.aws.constraints import check, max_length
from sagedeck.aws.notebooks import SageMaker
from sagedeck.aws.paging import collect
from sagedeck.aws.read_only import refuse_unless_allowed
from sagedeck.aws.regions import region_for_new, region_holding
from sagedeck.aws.translate import translate_errors
from sagedeck.errors import InvalidInput, InvalidState
from sagedeck.models import LifecycleConfig, NotebookSummary

CONTENT_SHAPE = "NotebookInstanceLifecycleConfigContent"
NAME_SHAPE = "NotebookInstanceLifecycleConfigName"
IDLE_MINUTES_MIN, IDLE_MINUTES_MAX = 5, 7 * 24 * 60  # cron checks every 5 minutes
IDLE_STOP_SCRIPT = "scripts/idle_stop.sh"  # package data: text the user's instance runs
_IDLE_LINE = re.compile(r"^IDLE_MINUTES=\d+$", re.M)


@dataclass(frozen=True, slots=True)
class LifecycleEntry:
    """One configuration as listed, with the instances of its profile and region that use it
    (``profile``: the one that listed it, when several are listed)."""

    region: str
    name: str
    arn: str
    created: datetime | None
    modified: datetime | None
    used_by: tuple[str, ...]
    profile: str | None = None

    @property
    def key(self) -> str:
        return entry_key(self.profile, self.region, self.name)


@dataclass(frozen=True, slots=True)
class Scripts:
    """What a create or update sends: None leaves a script out (update: unchanged), ``""``
    removes it (update) or creates none."""

    on_create: str | None = None
    on_start: str | None = None


def content_limit() -> int:
    """The most base64 characters AWS takes per script, from the installed model."""
    return max_length("sagemaker", CONTENT_SHAPE)


def encoded_size(script: str) -> int:
    return len(base64.b64encode(script.encode()))


def encode(script: str, label: str) -> list[dict[str, str]]:
    """``[{"Content": base64}]`` as the API takes it (``[]`` for no script), or one line
    saying the script is too large."""
    if not script.strip():
        return []
    content = base64.b64encode(script.encode()).decode()
    limit = content_limit()
    if len(content) > limit:
        raise InvalidInput(
            f"the {label} script is {len(content):,} bytes after base64; AWS takes at most"
            f" {limit:,} (about {limit * 3 // 4:,} bytes of script)"
        )
    return [{"Content": content}]


def check_name(name: str) -> str:
    return check("sagemaker", NAME_SHAPE, name, "lifecycle configuration name")


def idle_stop_script(minutes: int) -> str:
    """The built-in OnStart script that stops the instance after ``minutes`` idle."""
    if not IDLE_MINUTES_MIN <= minutes <= IDLE_MINUTES_MAX:
        raise InvalidInput(
            f"--idle-stop takes {IDLE_MINUTES_MIN} to {IDLE_MINUTES_MAX} minutes, not {minutes}"
        )
    template = resources.files("sagedeck").joinpath(IDLE_STOP_SCRIPT).read_text(encoding="utf-8")
    script, count = _IDLE_LINE.subn(f"IDLE_MINUTES={minutes}", template, count=1)
    assert count == 1, "the idle-stop script lost its IDLE_MINUTES line"
    return script


def users(config: str, notebooks: Iterable[NotebookSummary]) -> tuple[str, ...]:
    return tuple(sorted(nb.name for nb in notebooks if nb.lifecycle_config == config))


class LifecycleConfigs:
    """The lifecycle-configuration calls over the SageMaker layer's connection."""

    def __init__(self, sagemaker: SageMaker) -> None:
        self.sagemaker = sagemaker
        self.conn = sagemaker.conn

    async def _client(self, region: str) -> Any:
        return await self.conn.client("sagemaker", region)

    async def list_region(self, region: str) -> list[LifecycleEntry]:
        client = await self._client(region)
        with translate_errors(
            f"list lifecycle configs in {region}", "sagemaker:ListNotebookInstanceLifecycleConfigs"
        ):
            items = await collect(
                client.list_notebook_instance_lifecycle_configs,
                {"MaxResults": 100, "SortBy": "Name", "SortOrder": "Ascending"},
                "NotebookInstanceLifecycleConfigs",
            )
        notebooks = await self.sagemaker.list_region(region)
        return [
            LifecycleEntry(
                region=region,
                name=item["NotebookInstanceLifecycleConfigName"],
                arn=item["NotebookInstanceLifecycleConfigArn"],
                created=item.get("CreationTime"),
                modified=item.get("LastModifiedTime"),
                used_by=users(item["NotebookInstanceLifecycleConfigName"], notebooks),
                profile=self.sagemaker.profile,
            )
            for item in items
        ]

    async def list(self, regions: Sequence[str] | None = None) -> list[LifecycleEntry]:
        """Every configuration of every region, by name then region."""
        found = await asyncio.gather(*(self.list_region(r) for r in regions or self.conn.regions))
        return sorted((e for entries in found for e in entries), key=lambda e: (e.name, e.region))

    async def describe(self, name: str, region: str) -> LifecycleConfig:
        return await self.sagemaker.lifecycle_config(name, region)

    async def find(self, name: str, region: str | None = None) -> str:
        """The region that holds ``name``: a name in several regions asks for --region."""
        check_name(name)
        if region:
            return region
        return await region_holding(
            name,
            self.conn.regions,
            lambda candidate: self.describe(name, candidate),
            "lifecycle configuration",
        )

    def region_for_new(self, region: str | None) -> str:
        """Where a new configuration goes: the one region, or the one the user chose."""
        return region_for_new(self.conn.regions, region, "create")

    async def used_by(self, name: str, region: str) -> tuple[str, ...]:
        return users(name, await self.sagemaker.list_region(region))

    async def create(self, name: str, region: str, scripts: Scripts) -> str:
        """CreateNotebookInstanceLifecycleConfig; its ARN."""
        check_name(name)
        request: dict[str, Any] = {"NotebookInstanceLifecycleConfigName": name}
        request.update(_hooks(scripts))
        client = await self._client(region)
        with translate_errors(
            f"create lifecycle config {name}", "sagemaker:CreateNotebookInstanceLifecycleConfig"
        ):
            answer = await client.create_notebook_instance_lifecycle_config(**request)
        return str(answer["NotebookInstanceLifecycleConfigArn"])

    async def update(self, name: str, region: str, scripts: Scripts) -> None:
        """UpdateNotebookInstanceLifecycleConfig: a script left None stays as it is."""
        request: dict[str, Any] = {"NotebookInstanceLifecycleConfigName": check_name(name)}
        request.update(_hooks(scripts))
        if len(request) == 1:
            raise InvalidInput("update: nothing to change (give --on-create or --on-start)")
        client = await self._client(region)
        with translate_errors(
            f"update lifecycle config {name}", "sagemaker:UpdateNotebookInstanceLifecycleConfig"
        ):
            await client.update_notebook_instance_lifecycle_config(**request)

    async def delete(self, name: str, region: str) -> None:
        """Refused while an instance uses it: the instance would fail its next start."""
        if self.conn.target.read_only:  # say so first, not after looking for users
            refuse_unless_allowed("sagemaker:DeleteNotebookInstanceLifecycleConfig")
        attached = await self.used_by(name, region)
        if attached:
            raise InvalidState(
                f"lifecycle configuration {name} is attached to {', '.join(attached)}"
                f" ({region}): detach it from them first"
            )
        client = await self._client(region)
        with translate_errors(
            f"delete lifecycle config {name}", "sagemaker:DeleteNotebookInstanceLifecycleConfig"
        ):
            await client.delete_notebook_instance_lifecycle_config(
                NotebookInstanceLifecycleConfigName=name
            )


def check_sizes(scripts: Scripts) -> None:
    """One line if a script is over AWS's size limit, before anything is sent."""
    _hooks(scripts)


def _hooks(scripts: Scripts) -> dict[str, Any]:
    hooks: dict[str, Any] = {}
    if scripts.on_create is not None:
        hooks["OnCreate"] = encode(scripts.on_create, "on-create")
    if scripts.on_start is not None:
        hooks["OnStart"] = encode(scripts.on_start, "on-start")
    return hooks


def describe_request(operation: str, name: str, region: str, scripts: Scripts) -> str:
    """The request as it will be sent, for a confirmation: scripts shown decoded, with their
    encoded size against AWS's limit."""
    lines = [f"{operation} in {region}", f"  NotebookInstanceLifecycleConfigName: {name}"]
    limit = content_limit()
    for field, script in (("OnCreate", scripts.on_create), ("OnStart", scripts.on_start)):
        if script is None and operation.startswith("Update"):
            lines.append(f"  {field}: unchanged")
        elif script is None or not script.strip():
            lines.append(f"  {field}: none")
        else:
            size = encoded_size(script)
            lines.append(f"  {field}: {size:,} of {limit:,} bytes after base64")
    return "\n".join(lines)
