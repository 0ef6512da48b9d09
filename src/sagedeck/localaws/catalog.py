"""What moto 5.2.5 lacks around notebooks: lifecycle-config listing, code repositories, and
tags that behave like AWS (AddTags overwrites a key; an unknown ARN is a ValidationException)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.utils import arn_formatter
from moto.utilities.paginator import paginate

from .state import CLOCK, extension_state
from .validation import constraint_error

_PAGES = {
    name: {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": 100,
        "unique_attribute": "arn",
    }
    for name in ("page_lifecycle_configs", "page_code_repositories")
} | {
    "page_tags": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": 50,
        "unique_attribute": "Key",
    }
}


@dataclass(slots=True)
class CodeRepositoryRecord:
    name: str
    arn: str
    url: str
    branch: str | None
    secret_arn: str | None
    creation_time: datetime
    last_modified_time: datetime
    tags: list[dict[str, str]] = field(default_factory=list)

    def git_config(self) -> dict[str, str]:
        config = {"RepositoryUrl": self.url}
        if self.branch:
            config["Branch"] = self.branch
        if self.secret_arn:
            config["SecretArn"] = self.secret_arn
        return config

    def to_dict(self) -> dict[str, Any]:
        return {
            "CodeRepositoryName": self.name,
            "CodeRepositoryArn": self.arn,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "GitConfig": self.git_config(),
        }


def code_repositories(backend: Any) -> dict[str, CodeRepositoryRecord]:
    return extension_state(backend, "_sagedeck_code_repositories", dict)


def _repository_not_found(name: str) -> ValidationError:
    return ValidationError(f"Cannot find CodeRepository with name {name}")


def create_code_repository(
    backend: Any, name: str, git_config: dict[str, str], tags: list[dict[str, str]] | None = None
) -> CodeRepositoryRecord:
    repositories = code_repositories(backend)
    arn = arn_formatter("code-repository", name, backend.account_id, backend.region_name)
    if name in repositories:
        raise ValidationError(f"Cannot create a duplicate CodeRepository ({arn})")
    url = git_config.get("RepositoryUrl", "")
    if not url.startswith("https://"):
        raise constraint_error(
            url,
            "gitConfig.repositoryUrl",
            "Member must satisfy regular expression pattern: https://([^/]+)/?.{3,1016}",
        )
    now = CLOCK.utcnow()
    record = CodeRepositoryRecord(
        name=name,
        arn=arn,
        url=url,
        branch=git_config.get("Branch"),
        secret_arn=git_config.get("SecretArn"),
        creation_time=now,
        last_modified_time=now,
        tags=list(tags or []),
    )
    repositories[name] = record
    return record


def describe_code_repository(backend: Any, name: str) -> CodeRepositoryRecord:
    record = code_repositories(backend).get(name)
    if record is None:
        raise _repository_not_found(name)
    return record


def update_code_repository(
    backend: Any, name: str, git_config: dict[str, str] | None
) -> CodeRepositoryRecord:
    record = describe_code_repository(backend, name)
    if git_config and "SecretArn" in git_config:
        record.secret_arn = git_config["SecretArn"]
    record.last_modified_time = CLOCK.utcnow()
    return record


def delete_code_repository(backend: Any, name: str) -> None:
    if code_repositories(backend).pop(name, None) is None:
        raise _repository_not_found(name)


@dataclass(frozen=True, slots=True)
class ListFilter:
    """The filters shared by the SageMaker List* calls."""

    name_contains: str | None = None
    created_before: datetime | None = None
    created_after: datetime | None = None
    modified_before: datetime | None = None
    modified_after: datetime | None = None

    @classmethod
    def from_params(cls, get: Any) -> ListFilter:
        return cls(
            name_contains=get("NameContains"),
            created_before=_naive(get("CreationTimeBefore")),
            created_after=_naive(get("CreationTimeAfter")),
            modified_before=_naive(get("LastModifiedTimeBefore")),
            modified_after=_naive(get("LastModifiedTimeAfter")),
        )

    def matches(self, name: str, created: datetime, modified: datetime) -> bool:
        if self.name_contains and self.name_contains.lower() not in name.lower():
            return False
        if self.created_before and not created < self.created_before:
            return False
        if self.created_after and not created > self.created_after:
            return False
        if self.modified_before and not modified < self.modified_before:
            return False
        return not (self.modified_after and not modified > self.modified_after)


def _naive(value: Any) -> datetime | None:
    """Request timestamps arrive as aware datetimes or epoch seconds; moto stores naive UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    return None


def _sort_key(sort_by: str, name: str, created: datetime, modified: datetime) -> Any:
    if sort_by == "CreationTime":
        return (created, name)
    if sort_by == "LastModifiedTime":
        return (modified, name)
    return name


@paginate(pagination_model=_PAGES)
def page_lifecycle_configs(
    configs: list[Any], sort_by: str, sort_order: str, filters: ListFilter
) -> list[Any]:
    del sort_by, sort_order, filters  # part of the token checksum only
    return configs


@paginate(pagination_model=_PAGES)
def page_code_repositories(
    repositories: list[Any], sort_by: str, sort_order: str, filters: ListFilter
) -> list[Any]:
    del sort_by, sort_order, filters
    return repositories


def list_lifecycle_configs(
    backend: Any,
    filters: ListFilter,
    sort_by: str,
    sort_order: str,
    max_results: int | None,
    next_token: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    configs = [
        config
        for config in backend.notebook_instance_lifecycle_configurations.values()
        if filters.matches(
            config.notebook_instance_lifecycle_config_name,
            config.creation_time,
            config.last_modified_time,
        )
    ]
    configs.sort(
        key=lambda c: _sort_key(
            sort_by,
            c.notebook_instance_lifecycle_config_name,
            c.creation_time,
            c.last_modified_time,
        ),
        reverse=sort_order == "Descending",
    )
    page, token = page_lifecycle_configs(
        configs,
        sort_by=sort_by,
        sort_order=sort_order,
        filters=filters,
        max_results=max_results,
        next_token=next_token,
    )
    summaries = [
        {
            "NotebookInstanceLifecycleConfigName": c.notebook_instance_lifecycle_config_name,
            "NotebookInstanceLifecycleConfigArn": c.arn,
            "CreationTime": c.creation_time,
            "LastModifiedTime": c.last_modified_time,
        }
        for c in page
    ]
    return summaries, token


def list_code_repositories(
    backend: Any,
    filters: ListFilter,
    sort_by: str,
    sort_order: str,
    max_results: int | None,
    next_token: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    records = [
        r
        for r in code_repositories(backend).values()
        if filters.matches(r.name, r.creation_time, r.last_modified_time)
    ]
    records.sort(
        key=lambda r: _sort_key(sort_by, r.name, r.creation_time, r.last_modified_time),
        reverse=sort_order == "Descending",
    )
    page, token = page_code_repositories(
        records,
        sort_by=sort_by,
        sort_order=sort_order,
        filters=filters,
        max_results=max_results,
        next_token=next_token,
    )
    return [record.to_dict() for record in page], token


def update_lifecycle_config(
    backend: Any,
    name: str,
    on_create: list[dict[str, str]] | None,
    on_start: list[dict[str, str]] | None,
) -> None:
    config = backend.notebook_instance_lifecycle_configurations.get(name)
    if config is None:
        # moto's wording for a missing config, shared with Describe and Delete.
        backend.describe_notebook_instance_lifecycle_config(name)
    if on_create is not None:
        config.on_create = on_create
    if on_start is not None:
        config.on_start = on_start
    config.last_modified_time = CLOCK.utcnow()


# --- tags -----------------------------------------------------------------------------------


def tagged_resource(backend: Any, arn: str) -> Any:
    """The resource behind ``arn`` in this region, or AWS's ValidationException."""
    resource_part = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
    kind, _, name = resource_part.partition("/")
    resource: Any = None
    if kind == "code-repository":
        resource = code_repositories(backend).get(name)
    elif kind == "notebook-instance-lifecycle-config":
        resource = backend.notebook_instance_lifecycle_configurations.get(name)
        if resource is not None and not hasattr(resource, "tags"):
            resource.tags = []
    elif kind:
        try:
            resource = backend._get_resource_from_arn(arn)
        except (AttributeError, ValueError, ValidationError):
            resource = None
    if resource is None or getattr(resource, "arn", arn) != arn:
        raise ValidationError(f"Could not find resource with ARN {arn}")
    return resource


MAX_TAGS = 50  # per resource, as the model's TagList bounds one request


def validate_tags(
    tags: Sequence[Mapping[str, str]], existing: Sequence[Mapping[str, str]] = ()
) -> None:
    """AWS refuses the reserved ``aws:`` prefix and more than 50 tags on one resource."""
    for tag in tags:
        if str(tag.get("Key", "")).lower().startswith("aws:"):
            raise ValidationError("Tag keys starting with 'aws:' are reserved for internal use")
    keys = {tag["Key"] for tag in existing} | {tag["Key"] for tag in tags}
    if len(keys) > MAX_TAGS:
        raise ValidationError(
            f"The resource would have {len(keys)} tags: at most {MAX_TAGS} tags are allowed"
            " per resource."
        )


def add_tags(backend: Any, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
    resource = tagged_resource(backend, arn)
    validate_tags(tags, resource.tags)
    merged = {tag["Key"]: tag["Value"] for tag in resource.tags}
    merged.update({tag["Key"]: tag.get("Value", "") for tag in tags})
    resource.tags = [{"Key": key, "Value": value} for key, value in merged.items()]
    return list(resource.tags)


@paginate(pagination_model=_PAGES)
def page_tags(tags: list[dict[str, str]], arn: str) -> list[dict[str, str]]:
    del arn
    return tags


def list_tags(
    backend: Any, arn: str, max_results: int | None, next_token: str | None
) -> tuple[list[dict[str, str]], str | None]:
    resource = tagged_resource(backend, arn)
    page: list[dict[str, str]]
    page, token = page_tags(
        list(resource.tags), arn=arn, max_results=max_results, next_token=next_token
    )
    return page, token


def delete_tags(backend: Any, arn: str, keys: list[str]) -> None:
    resource = tagged_resource(backend, arn)
    resource.tags = [tag for tag in resource.tags if tag["Key"] not in keys]
