"""UpdateNotebookInstance (not in moto 5.2.5): only when Stopped, volume only grows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moto.sagemaker.exceptions import ValidationError

from . import execution_roles, notebooks


@dataclass(frozen=True, slots=True)
class NotebookUpdate:
    """The request's fields, as the API model names them."""

    instance_type: str | None = None
    role_arn: str | None = None
    lifecycle_config_name: str | None = None
    disassociate_lifecycle_config: bool = False
    volume_size_gb: int | None = None
    default_code_repository: str | None = None
    disassociate_default_code_repository: bool = False
    additional_code_repositories: list[str] | None = None
    disassociate_additional_code_repositories: bool = False
    accelerator_types: list[str] | None = None
    disassociate_accelerator_types: bool = False
    root_access: str | None = None
    platform_identifier: str | None = None
    ip_address_type: str | None = None
    imds: dict[str, str] | None = field(default=None)

    @classmethod
    def from_params(cls, get: Any) -> NotebookUpdate:
        return cls(
            instance_type=get("InstanceType"),
            role_arn=get("RoleArn"),
            lifecycle_config_name=get("LifecycleConfigName"),
            disassociate_lifecycle_config=bool(get("DisassociateLifecycleConfig")),
            volume_size_gb=get("VolumeSizeInGB"),
            default_code_repository=get("DefaultCodeRepository"),
            disassociate_default_code_repository=bool(get("DisassociateDefaultCodeRepository")),
            additional_code_repositories=get("AdditionalCodeRepositories"),
            disassociate_additional_code_repositories=bool(
                get("DisassociateAdditionalCodeRepositories")
            ),
            accelerator_types=get("AcceleratorTypes"),
            disassociate_accelerator_types=bool(get("DisassociateAcceleratorTypes")),
            root_access=get("RootAccess"),
            platform_identifier=get("PlatformIdentifier"),
            ip_address_type=get("IpAddressType"),
            imds=get("InstanceMetadataServiceConfiguration"),
        )


def _conflict(first: str, second: str) -> ValidationError:
    return ValidationError(f"You can't specify both {first} and {second} in the same request.")


def validate(backend: Any, notebook: Any, update: NotebookUpdate) -> str | None:
    """Check the whole request before changing anything; return the IMDS version if given."""
    notebooks.require(notebook, notebooks.UPDATE)
    if update.lifecycle_config_name and update.disassociate_lifecycle_config:
        raise _conflict("LifecycleConfigName", "DisassociateLifecycleConfig")
    if update.default_code_repository and update.disassociate_default_code_repository:
        raise _conflict("DefaultCodeRepository", "DisassociateDefaultCodeRepository")
    if update.additional_code_repositories and update.disassociate_additional_code_repositories:
        raise _conflict("AdditionalCodeRepositories", "DisassociateAdditionalCodeRepositories")
    if update.accelerator_types and update.disassociate_accelerator_types:
        raise _conflict("AcceleratorTypes", "DisassociateAcceleratorTypes")
    if update.instance_type is not None:
        notebooks.validate_instance_type(update.instance_type)
    notebooks.validate_volume_size(update.volume_size_gb)
    if update.volume_size_gb is not None and update.volume_size_gb < notebook.volume_size_in_gb:
        # EBS volumes only grow; AWS says to create a new instance to shrink.
        raise ValidationError(
            f"Invalid VolumeSizeInGB: {update.volume_size_gb}. The volume size can only be "
            f"increased; the current size is {notebook.volume_size_in_gb} GB."
        )
    notebooks.validate_platform(update.platform_identifier)
    if update.role_arn is not None:
        execution_roles.require_assumable(backend.account_id, update.role_arn)
    notebooks.validate_lifecycle_config(backend, update.lifecycle_config_name)
    notebooks.validate_repositories(
        backend, update.default_code_repository, list(update.additional_code_repositories or [])
    )
    return notebooks.validate_imds(update.imds)


def apply(backend: Any, name: str, update: NotebookUpdate) -> None:
    notebook = backend.get_notebook_instance(name)
    imds_version = validate(backend, notebook, update)
    if update.instance_type is not None:
        notebook.instance_type = update.instance_type
    if update.role_arn is not None:
        notebook.role_arn = update.role_arn
    if update.disassociate_lifecycle_config:
        notebook.lifecycle_config_name = None
    elif update.lifecycle_config_name:
        notebook.lifecycle_config_name = update.lifecycle_config_name
    if update.volume_size_gb is not None:
        notebook.volume_size_in_gb = update.volume_size_gb
    if update.disassociate_default_code_repository:
        notebook.default_code_repository = None
    elif update.default_code_repository:
        notebook.default_code_repository = update.default_code_repository
    if update.disassociate_additional_code_repositories:
        notebook.additional_code_repositories = None
    elif update.additional_code_repositories:
        notebook.additional_code_repositories = list(update.additional_code_repositories)
    if update.disassociate_accelerator_types:
        notebook.accelerator_types = None
    elif update.accelerator_types:
        notebook.accelerator_types = list(update.accelerator_types)
    if update.root_access is not None:
        notebook.root_access = update.root_access
    if update.platform_identifier is not None:
        notebook.platform_identifier = update.platform_identifier
    if update.ip_address_type is not None:
        notebook.ip_address_type = update.ip_address_type
    if imds_version is not None:
        notebook.imds_version = imds_version
    notebooks.enter(notebook, notebooks.UPDATING)
    notebooks.schedule(notebook, "update")
