"""Everything known about one notebook instance, each part loaded on its own.

A part the caller may not read (``iam:GetRole`` denied, say) carries its error; the other
parts still load. The CLI's ``show`` and the dashboard's detail pane both use this.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sagedeck.aws import iam, network
from sagedeck.aws.services import AwsServices
from sagedeck.errors import SagedeckError
from sagedeck.models import CodeRepository, LifecycleConfig, NetworkInterface, NotebookDetail, Tag

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Part(Generic[T]):
    """One part of the report: its value, or the one-line error that stopped it."""

    value: T | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def load_part(call: Awaitable[T | None]) -> Part[T]:
    """Await one part; a sagedeck error becomes the part's error instead of failing the report.
    A value of None means the part does not apply (no VPC, no lifecycle configuration)."""
    try:
        return Part(value=await call)
    except SagedeckError as err:
        return Part(error=str(err))


@dataclass(frozen=True, slots=True)
class NotebookReport:
    detail: NotebookDetail
    network: Part[NetworkInterface]
    role: Part[iam.RoleView]
    lifecycle: Part[LifecycleConfig]
    repositories: Part[tuple[CodeRepository, ...]]
    tags: Part[tuple[Tag, ...]]


async def _none() -> None:
    return None


async def repositories(services: AwsServices, detail: NotebookDetail) -> tuple[CodeRepository, ...]:
    """The instance's repositories: a name refers to a code repository resource, a URL is used
    as it is (AWS accepts both)."""
    names = [
        name
        for name in (
            detail.summary.default_code_repository,
            *detail.summary.additional_code_repositories,
        )
        if name
    ]

    async def one(name: str) -> CodeRepository:
        if "://" in name:
            return CodeRepository(name=name, arn="", url=name, branch=None, secret_arn=None)
        return await services.sagemaker.code_repository(name, detail.region)

    return tuple(await asyncio.gather(*(one(n) for n in names)))


async def load_report(services: AwsServices, detail: NotebookDetail) -> NotebookReport:
    conn, region = services.conn, detail.region
    eni = detail.network_interface_id
    lcc = detail.summary.lifecycle_config
    net, role, lifecycle, repos, tags = await asyncio.gather(
        load_part(network.network_interface(conn, eni, region) if eni else _none()),
        load_part(iam.role(conn, detail.role_arn, region) if detail.role_arn else _none()),
        load_part(services.sagemaker.lifecycle_config(lcc, region) if lcc else _none()),
        load_part(repositories(services, detail)),
        load_part(services.sagemaker.tags(detail.summary.arn, region)),
    )
    return NotebookReport(detail, net, role, lifecycle, repos, tags)
