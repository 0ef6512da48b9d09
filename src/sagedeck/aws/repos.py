"""Git repositories (SageMaker code repositories): list them with the instances that use each,
add one (its Secrets Manager secret checked with DescribeSecret, never read), delete one
(refused while an instance uses it)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sagedeck.aws.across import entry_key
from sagedeck.aws.constraints import check
from sagedeck.aws.notebooks import SageMaker
from sagedeck.aws.read_only import refuse_unless_allowed
from sagedeck.aws.regions import region_for_new, region_holding
from sagedeck.aws.translate import translate_errors
from sagedeck.errors import (
    AccessDenied,
    InvalidState,
    NotFound,
    SagedeckError,
)
from sagedeck.models import CodeRepository, NotebookSummary


@dataclass(frozen=True, slots=True)
class RepositoryEntry:
    """One repository as listed, with the instances of its profile and region that clone it
    (``profile``: the one that listed it, when several are listed)."""

    region: str
    repository: CodeRepository
    default_for: tuple[str, ...]
    additional_for: tuple[str, ...]
    profile: str | None = None

    @property
    def name(self) -> str:
        return self.repository.name

    @property
    def key(self) -> str:
        return entry_key(self.profile, self.region, self.name)

    @property
    def used_by(self) -> tuple[str, ...]:
        return tuple(sorted({*self.default_for, *self.additional_for}))


@dataclass(frozen=True, slots=True)
class NewRepository:
    name: str
    url: str
    branch: str | None = None
    secret_arn: str | None = None

    def checked(self) -> NewRepository:
        """Itself, if the model's patterns allow every field; else one line naming the field."""
        check("sagemaker", "EntityName", self.name, "repository name")
        check("sagemaker", "GitConfigUrl", self.url, "--url")
        if self.branch is not None:
            check("sagemaker", "Branch", self.branch, "--branch")
        if self.secret_arn is not None:
            check("sagemaker", "SecretArn", self.secret_arn, "--secret-arn")
        return self

    def git_config(self) -> dict[str, str]:
        config = {"RepositoryUrl": self.url}
        if self.branch:
            config["Branch"] = self.branch
        if self.secret_arn:
            config["SecretArn"] = self.secret_arn
        return config


@dataclass(frozen=True, slots=True)
class SecretCheck:
    """What DescribeSecret said of a repository's secret: ``ok``, or why it could not tell."""

    arn: str
    ok: bool
    problem: str = ""


def usage(
    name: str, notebooks: Iterable[NotebookSummary]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(instances with ``name`` as default repository, instances with it as an additional one)."""
    listed = list(notebooks)
    default = tuple(sorted(nb.name for nb in listed if nb.default_code_repository == name))
    extra = tuple(sorted(nb.name for nb in listed if name in nb.additional_code_repositories))
    return default, extra


def secret_region(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


class CodeRepositories:
    """The code-repository calls over the SageMaker layer's connection."""

    def __init__(self, sagemaker: SageMaker) -> None:
        self.sagemaker = sagemaker
        self.conn = sagemaker.conn

    async def list_region(self, region: str) -> list[RepositoryEntry]:
        repositories, notebooks = await asyncio.gather(
            self.sagemaker.list_code_repositories(region), self.sagemaker.list_region(region)
        )
        profile = self.sagemaker.profile
        return [
            RepositoryEntry(region, repo, *usage(repo.name, notebooks), profile)
            for repo in repositories
        ]

    async def list(self, regions: Sequence[str] | None = None) -> list[RepositoryEntry]:
        found = await asyncio.gather(*(self.list_region(r) for r in regions or self.conn.regions))
        return sorted((e for entries in found for e in entries), key=lambda e: (e.name, e.region))

    async def find(self, name: str, region: str | None = None) -> str:
        """The region that holds ``name``: a name in several regions asks for --region."""
        check("sagemaker", "EntityName", name, "repository name")
        if region:
            return region
        return await region_holding(
            name,
            self.conn.regions,
            lambda candidate: self.sagemaker.code_repository(name, candidate),
            "code repository",
        )

    def region_for_new(self, region: str | None) -> str:
        return region_for_new(self.conn.regions, region, "add")

    async def check_secret(self, arn: str) -> SecretCheck:
        """DescribeSecret (metadata only: the value is never read)."""
        region = secret_region(arn)
        try:
            client = await self.conn.client("secretsmanager", region)
            with translate_errors(f"check secret {arn}", "secretsmanager:DescribeSecret"):
                await client.describe_secret(SecretId=arn)
        except AccessDenied as err:
            return SecretCheck(arn, False, f"cannot check the secret: {err}")
        except NotFound:
            return SecretCheck(arn, False, f"no secret {arn} in {region}")
        except SagedeckError as err:
            return SecretCheck(arn, False, f"cannot check the secret: {err}")
        return SecretCheck(arn, True)

    async def add(self, region: str, repository: NewRepository) -> str:
        """CreateCodeRepository; its ARN."""
        repository.checked()
        client = await self._client(region)
        with translate_errors(
            f"add code repository {repository.name}", "sagemaker:CreateCodeRepository"
        ):
            answer = await client.create_code_repository(
                CodeRepositoryName=repository.name, GitConfig=repository.git_config()
            )
        return str(answer["CodeRepositoryArn"])

    async def delete(self, name: str, region: str) -> None:
        """Refused while an instance clones it (default or additional repository)."""
        if self.conn.target.read_only:  # say so first, not after looking for users
            refuse_unless_allowed("sagemaker:DeleteCodeRepository")
        default, extra = usage(name, await self.sagemaker.list_region(region))
        attached = sorted({*default, *extra})
        if attached:
            raise InvalidState(
                f"code repository {name} is used by {', '.join(attached)} ({region}):"
                " remove it from them first"
            )
        client = await self._client(region)
        with translate_errors(f"delete code repository {name}", "sagemaker:DeleteCodeRepository"):
            await client.delete_code_repository(CodeRepositoryName=name)

    async def _client(self, region: str) -> Any:
        return await self.conn.client("sagemaker", region)
