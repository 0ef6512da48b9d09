"""Notebook instances with AWS's states: the transitions it allows and the fields moto lacks.

moto 5.2.5 makes an instance InService on creation, lets start/stop run from any state and has
no Pending/Stopping/Updating/Deleting. Here each action checks the state AWS requires, moves the
instance into the transitional state and hands it to the simulator, which finishes the job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.sagemaker.exceptions import ValidationError

from . import network
from .catalog import code_repositories
from .state import CLOCK
from .validation import constraint_error, instance_types

PENDING = "Pending"
IN_SERVICE = "InService"
STOPPING = "Stopping"
STOPPED = "Stopped"
FAILED = "Failed"
DELETING = "Deleting"
UPDATING = "Updating"

# The API model (botocore) says the default is al2023; older accounts still run al1/al2.
DEFAULT_PLATFORM = "notebook-al2023-v1"
PLATFORMS = (
    "notebook-al1-v1",
    "notebook-al2-v1",
    "notebook-al2-v2",
    "notebook-al2-v3",
    "notebook-al2023-v1",
)
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")

# Simulator hook: called with (notebook, kind) after an action put it in a transitional state.
Scheduler = Callable[[Any, str], None]
_scheduler: list[Scheduler] = []


def set_scheduler(scheduler: Scheduler | None) -> None:
    _scheduler.clear()
    if scheduler is not None:
        _scheduler.append(scheduler)


def current_scheduler() -> Scheduler | None:
    return _scheduler[0] if _scheduler else None


def schedule(notebook: Any, kind: str) -> None:
    for scheduler in _scheduler:
        scheduler(notebook, kind)


@dataclass(frozen=True, slots=True)
class Transition:
    allowed: tuple[str, ...]
    target: str


START = Transition((STOPPED, FAILED), PENDING)
STOP = Transition((IN_SERVICE,), STOPPING)
DELETE = Transition((STOPPED, FAILED), DELETING)
UPDATE = Transition((STOPPED,), UPDATING)


def require(notebook: Any, transition: Transition) -> None:
    """Raise AWS's ValidationException unless ``transition`` is legal from the current state."""
    if notebook.status not in transition.allowed:
        allowed = ", ".join(transition.allowed)
        raise ValidationError(
            f"Status ({notebook.status}) not in ([{allowed}]). Unable to transition to "
            f"({transition.target}) for Notebook Instance ({notebook.arn})"
        )


def enter(notebook: Any, status: str, failure_reason: str | None = None) -> None:
    notebook.status = status
    notebook.failure_reason = failure_reason
    notebook.last_modified_time = CLOCK.utcnow()


def validate_instance_type(instance_type: str) -> None:
    if instance_type not in instance_types():
        raise constraint_error(
            instance_type,
            "instanceType",
            "Member must satisfy enum value set: [" + ", ".join(instance_types()) + "]",
        )


def validate_volume_size(size: int | None) -> None:
    if size is None:
        return
    if size < 5:
        raise constraint_error(
            size, "volumeSizeInGB", "Member must have value greater than or equal to 5"
        )
    if size > 16384:
        raise constraint_error(
            size, "volumeSizeInGB", "Member must have value less than or equal to 16384"
        )


def validate_name(name: str) -> None:
    if len(name) > 63:
        raise constraint_error(
            name, "notebookInstanceName", "Member must have length less than or equal to 63"
        )
    if not NAME_PATTERN.match(name):
        raise constraint_error(
            name,
            "notebookInstanceName",
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*",
        )


def validate_platform(platform: str | None) -> None:
    if platform is not None and platform not in PLATFORMS:
        raise constraint_error(
            platform,
            "platformIdentifier",
            "Member must satisfy regular expression pattern: (" + "|".join(PLATFORMS) + ")",
        )


def validate_imds(config: dict[str, str] | None) -> str | None:
    if config is None:
        return None
    version = config.get("MinimumInstanceMetadataServiceVersion")
    if version not in ("1", "2"):
        raise constraint_error(
            version,
            "instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion",
            "Member must satisfy regular expression pattern: 1|2",
        )
    return version


def validate_lifecycle_config(backend: Any, name: str | None) -> None:
    if name:
        # moto raises AWS's "Unable to describe Notebook Instance Lifecycle Config" error.
        backend.describe_notebook_instance_lifecycle_config(name)


def validate_repositories(backend: Any, default: str | None, additional: list[str]) -> None:
    """Each repository is a URL or the name of a code repository of this region."""
    if len(additional) > 3:
        raise constraint_error(
            additional,
            "additionalCodeRepositories",
            "Member must have length less than or equal to 3",
        )
    known = code_repositories(backend)
    for repository in [*additional, *([default] if default else [])]:
        if not repository.startswith("https://") and repository not in known:
            raise ValidationError(f"Cannot find CodeRepository with name {repository}")


def set_defaults(
    notebook: Any,
    platform: str | None = None,
    imds_version: str | None = None,
    ip_address_type: str | None = None,
) -> None:
    """Give a moto notebook the fields AWS always reports."""
    notebook.platform_identifier = platform or DEFAULT_PLATFORM
    notebook.imds_version = imds_version or "1"
    notebook.ip_address_type = ip_address_type or "ipv4"
    notebook.failure_reason = None
    notebook.network_interface_id = None
    if notebook.root_access is None:
        notebook.root_access = "Enabled"


def describe(notebook: Any, original_to_dict: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """DescribeNotebookInstance as AWS returns it (moto's dict plus the missing fields)."""
    result = original_to_dict(notebook)
    result.update(
        FailureReason=getattr(notebook, "failure_reason", None),
        NetworkInterfaceId=getattr(notebook, "network_interface_id", None),
        PlatformIdentifier=getattr(notebook, "platform_identifier", DEFAULT_PLATFORM),
        InstanceMetadataServiceConfiguration={
            "MinimumInstanceMetadataServiceVersion": getattr(notebook, "imds_version", "1")
        },
        IpAddressType=getattr(notebook, "ip_address_type", "ipv4"),
    )
    if notebook.subnet_id is None:
        result.pop("SecurityGroups", None)
    return {key: value for key, value in result.items() if value is not None}


def start(backend: Any, name: str) -> None:
    notebook = backend.get_notebook_instance(name)
    require(notebook, START)
    enter(notebook, PENDING)
    schedule(notebook, "start")


def stop(backend: Any, name: str) -> None:
    notebook = backend.get_notebook_instance(name)
    require(notebook, STOP)
    enter(notebook, STOPPING)
    schedule(notebook, "stop")


def delete(backend: Any, name: str) -> None:
    notebook = backend.get_notebook_instance(name)
    require(notebook, DELETE)
    enter(notebook, DELETING)
    schedule(notebook, "delete")


def finish_delete(backend: Any, notebook: Any) -> None:
    """The end of Deleting: the instance and its ENI are gone (its logs stay, as on AWS)."""
    backend.notebook_instances.pop(notebook.notebook_instance_name, None)
    network.delete_notebook_eni(
        backend.account_id, backend.region_name, getattr(notebook, "network_interface_id", None)
    )


def created(backend: Any, notebook: Any, subnet_id: str | None, groups: list[str]) -> None:
    """A new instance starts Pending, with its ENI already in the subnet."""
    if subnet_id:
        notebook.network_interface_id = network.create_notebook_eni(
            backend.account_id,
            backend.region_name,
            notebook.notebook_instance_name,
            subnet_id,
            groups,
        )
    notebook.status = PENDING
    schedule(notebook, "create")


def validate_create(
    backend: Any,
    name: str,
    subnet_id: str | None,
    security_group_ids: list[str],
    direct_internet_access: str | None,
    lifecycle_config_name: str | None,
    default_repository: str | None,
    additional_repositories: list[str],
) -> None:
    validate_name(name)
    if direct_internet_access == "Disabled" and not subnet_id:
        raise ValidationError(
            "DirectInternetAccess can be set to Disabled only if a SubnetId is specified."
        )
    network.validate_network(backend.account_id, backend.region_name, subnet_id, security_group_ids)
    validate_lifecycle_config(backend, lifecycle_config_name)
    validate_repositories(backend, default_repository, additional_repositories)
