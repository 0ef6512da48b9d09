"""Everything known about one notebook instance, in parts each loaded on its own.

``PARTS`` is the one table of the parts and their loaders: the CLI's ``show``
(``load_report``) and the dashboard's detail pane both iterate it. A part the caller may not
read (``iam:GetRole`` denied, say) carries its error; the other parts still load.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sagedeck.aws import iam, network
from sagedeck.aws.services import AwsServices
from sagedeck.errors import SagedeckError
from sagedeck.models import (
    CodeRepository,
    LifecycleConfig,
    ManagedNode,
    NetworkInterface,
    NotebookDetail,
    NotebookSummary,
    Tag,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Part(Generic[T]):
    """One part of the report: its value, or the one-line error that stopped it. A value of
    None means the part does not apply (no VPC, no lifecycle configuration)."""

    value: T | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class Subject:
    """The instance whose parts are loaded: its listing, and its DescribeNotebookInstance once
    answered (or the error that stopped it: the detail pane shows what it can without it)."""

    summary: NotebookSummary
    detail: NotebookDetail | None = None
    describe_error: str | None = None

    def described(self) -> NotebookDetail:
        """The describe, for a part that needs it; else that part's error says why."""
        if self.detail is None:
            raise SagedeckError(f"needs DescribeNotebookInstance: {self.describe_error}")
        return self.detail


@dataclass(frozen=True, slots=True)
class DetailPart:
    """One part: its key and how it is loaded. ``reported``: ``sagedeck show`` reports it
    (``NotebookReport`` has a field of that name); the SSM node is the pane's only."""

    key: str
    load: Callable[[AwsServices, Subject], Awaitable[Any]]
    reported: bool = True


async def _network(services: AwsServices, subject: Subject) -> NetworkInterface | None:
    detail = subject.described()
    eni = detail.network_interface_id
    return await network.network_interface(services.conn, eni, detail.region) if eni else None


async def _role(services: AwsServices, subject: Subject) -> iam.RoleView | None:
    detail = subject.described()
    if not detail.role_arn:
        return None
    return await iam.role(services.conn, detail.role_arn, detail.region)


async def _lifecycle(services: AwsServices, subject: Subject) -> LifecycleConfig | None:
    name, region = subject.summary.lifecycle_config, subject.summary.region
    return await services.sagemaker.lifecycle_config(name, region) if name else None


async def _repositories(services: AwsServices, subject: Subject) -> tuple[CodeRepository, ...]:
    """The instance's repositories: a name refers to a code repository resource, a URL is used
    as it is (AWS accepts both). Read from the describe; without it, only "none" is known."""
    summary = subject.summary
    if subject.detail is not None:
        summary = subject.detail.summary
    elif summary.default_code_repository or summary.additional_code_repositories:
        subject.described()  # raises: which repositories they are needs the describe
    names = [
        name
        for name in (summary.default_code_repository, *summary.additional_code_repositories)
        if name
    ]

    async def one(name: str) -> CodeRepository:
        if "://" in name:
            return CodeRepository(name=name, arn="", url=name, branch=None, secret_arn=None)
        return await services.sagemaker.code_repository(name, summary.region)

    return tuple(await asyncio.gather(*(one(n) for n in names)))


async def _tags(services: AwsServices, subject: Subject) -> tuple[Tag, ...]:
    return await services.sagemaker.tags(subject.summary.arn, subject.summary.region)


async def _ssm_node(services: AwsServices, subject: Subject) -> ManagedNode | None:
    return await services.ssm.find_node(subject.summary.name, subject.summary.region)


# The parts, in the order they are shown.
PARTS: tuple[DetailPart, ...] = (
    DetailPart("network", _network),
    DetailPart("role", _role),
    DetailPart("lifecycle", _lifecycle),
    DetailPart("repositories", _repositories),
    DetailPart("tags", _tags),
    DetailPart("ssm", _ssm_node, reported=False),
)


async def load_part(part: DetailPart, services: AwsServices, subject: Subject) -> Part[Any]:
    """Load one part; a sagedeck error becomes the part's error instead of failing the rest."""
    try:
        return Part(value=await part.load(services, subject))
    except SagedeckError as err:
        return Part(error=str(err))


@dataclass(frozen=True, slots=True)
class NotebookReport:
    """What ``sagedeck show`` prints: the describe and each reported part."""

    detail: NotebookDetail
    network: Part[NetworkInterface]
    role: Part[iam.RoleView]
    lifecycle: Part[LifecycleConfig]
    repositories: Part[tuple[CodeRepository, ...]]
    tags: Part[tuple[Tag, ...]]


async def load_report(services: AwsServices, detail: NotebookDetail) -> NotebookReport:
    subject = Subject(detail.summary, detail)
    reported = [part for part in PARTS if part.reported]
    loaded = await asyncio.gather(*(load_part(part, services, subject) for part in reported))
    parts = {part.key: value for part, value in zip(reported, loaded, strict=True)}
    return NotebookReport(detail, **parts)
