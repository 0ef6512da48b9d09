"""The SageMaker actions as AWS serves them, installed on moto's SageMakerResponse/backend."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.utilities.paginator import paginate

from . import catalog, execution_roles, jupyter_servers, network, notebook_update, notebooks
from .catalog import ListFilter
from .patching import add, replace
from .validation import constraint_error

_PAGES = {
    "page_notebooks": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": 100,
        "unique_attribute": "arn",
    }
}
SESSION_MIN, SESSION_MAX, SESSION_DEFAULT = 1800, 43200, 43200


def install() -> None:
    from moto.sagemaker import models, responses

    notebook_class = models.FakeSagemakerNotebookInstance
    backend_class = models.SageMakerModelBackend
    response_class = responses.SageMakerResponse

    original_to_dict = notebook_class.to_dict
    replace(notebook_class, "to_dict", lambda self: notebooks.describe(self, original_to_dict))
    replace(
        notebook_class,
        "validate_instance_type",
        lambda self, instance_type: notebooks.validate_instance_type(instance_type),
    )
    replace(
        notebook_class,
        "validate_volume_size_in_gb",
        lambda self, size: notebooks.validate_volume_size(size),
    )
    replace(backend_class, "start_notebook_instance", notebooks.start)
    replace(backend_class, "stop_notebook_instance", notebooks.stop)
    replace(backend_class, "delete_notebook_instance", notebooks.delete)
    replace(backend_class, "add_tags", catalog.add_tags)
    replace(backend_class, "delete_tags", catalog.delete_tags)

    replace(response_class, "create_notebook_instance", _create_notebook_instance)
    replace(response_class, "list_notebook_instances", _list_notebook_instances)
    replace(response_class, "list_tags", _list_tags)
    add(response_class, "update_notebook_instance", _update_notebook_instance)
    add(
        response_class,
        "create_presigned_notebook_instance_url",
        _create_presigned_notebook_instance_url,
    )
    add(
        response_class,
        "list_notebook_instance_lifecycle_configs",
        _list_notebook_instance_lifecycle_configs,
    )
    add(
        response_class,
        "update_notebook_instance_lifecycle_config",
        _update_notebook_instance_lifecycle_config,
    )
    add(response_class, "create_code_repository", _create_code_repository)
    add(response_class, "describe_code_repository", _describe_code_repository)
    add(response_class, "list_code_repositories", _list_code_repositories)
    add(response_class, "update_code_repository", _update_code_repository)
    add(response_class, "delete_code_repository", _delete_code_repository)


def create_notebook(backend: Any, params: dict[str, Any]) -> Any:
    """CreateNotebookInstance with AWS's checks, defaults, ENI and Pending state."""
    name = params["NotebookInstanceName"]
    subnet_id = params.get("SubnetId") or None
    groups = list(params.get("SecurityGroupIds") or [])
    notebooks.validate_create(
        backend,
        name,
        subnet_id,
        groups,
        params.get("DirectInternetAccess"),
        params.get("LifecycleConfigName"),
        params.get("DefaultCodeRepository"),
        list(params.get("AdditionalCodeRepositories") or []),
    )
    notebooks.validate_platform(params.get("PlatformIdentifier"))
    catalog.validate_tags(params.get("Tags") or [])
    execution_roles.require_assumable(backend.account_id, params["RoleArn"])
    if subnet_id and not groups:
        # AWS falls back to the VPC's default security group and reports it.
        groups = network.default_group_ids(backend.account_id, backend.region_name, subnet_id)
    imds_version = notebooks.validate_imds(params.get("InstanceMetadataServiceConfiguration"))
    notebook = backend.create_notebook_instance(
        notebook_instance_name=name,
        instance_type=params["InstanceType"],
        role_arn=params["RoleArn"],
        subnet_id=subnet_id,
        security_group_ids=groups or None,
        kms_key_id=params.get("KmsKeyId"),
        tags=params.get("Tags"),
        lifecycle_config_name=params.get("LifecycleConfigName"),
        direct_internet_access=params.get("DirectInternetAccess"),
        volume_size_in_gb=params.get("VolumeSizeInGB"),
        accelerator_types=params.get("AcceleratorTypes"),
        default_code_repository=params.get("DefaultCodeRepository"),
        additional_code_repositories=params.get("AdditionalCodeRepositories"),
        root_access=params.get("RootAccess"),
    )
    notebooks.set_defaults(
        notebook, params.get("PlatformIdentifier"), imds_version, params.get("IpAddressType")
    )
    notebooks.created(backend, notebook, subnet_id, groups)
    return notebook


_CREATE_PARAMS = (
    "NotebookInstanceName",
    "InstanceType",
    "SubnetId",
    "SecurityGroupIds",
    "IpAddressType",
    "RoleArn",
    "KmsKeyId",
    "Tags",
    "LifecycleConfigName",
    "DirectInternetAccess",
    "VolumeSizeInGB",
    "AcceleratorTypes",
    "DefaultCodeRepository",
    "AdditionalCodeRepositories",
    "RootAccess",
    "PlatformIdentifier",
    "InstanceMetadataServiceConfiguration",
)


def _create_notebook_instance(self: Any) -> ActionResult:
    params = {name: self._get_param(name) for name in _CREATE_PARAMS}
    notebook = create_notebook(self.sagemaker_backend, params)
    return ActionResult({"NotebookInstanceArn": notebook.arn})


def _update_notebook_instance(self: Any) -> ActionResult:
    update = notebook_update.NotebookUpdate.from_params(self._get_param)
    notebook_update.apply(self.sagemaker_backend, self._get_param("NotebookInstanceName"), update)
    return EmptyResult()


@paginate(pagination_model=_PAGES)
def page_notebooks(notebook_list: list[Any], query: str) -> list[Any]:
    del query  # part of the token checksum only: a token is valid for the same query
    return notebook_list


def _list_notebook_instances(self: Any) -> ActionResult:
    get = self._get_param
    filters = ListFilter.from_params(get)
    status = get("StatusEquals")
    config_contains = get("NotebookInstanceLifecycleConfigNameContains")
    default_repo_contains = get("DefaultCodeRepositoryContains")
    additional_repo = get("AdditionalCodeRepositoryEquals")
    sort_by, sort_order = get("SortBy", "Name"), get("SortOrder", "Ascending")

    def wanted(notebook: Any) -> bool:
        if not filters.matches(
            notebook.notebook_instance_name, notebook.creation_time, notebook.last_modified_time
        ):
            return False
        if status and notebook.status != status:
            return False
        if config_contains and config_contains not in (notebook.lifecycle_config_name or ""):
            return False
        if default_repo_contains and default_repo_contains not in (
            notebook.default_code_repository or ""
        ):
            return False
        return not (
            additional_repo and additional_repo not in (notebook.additional_code_repositories or [])
        )

    selected = [nb for nb in self.sagemaker_backend.notebook_instances.values() if wanted(nb)]
    sort_keys = {
        "CreationTime": lambda nb: (nb.creation_time, nb.notebook_instance_name),
        "Status": lambda nb: (nb.status, nb.notebook_instance_name),
    }
    selected.sort(
        key=sort_keys.get(sort_by, lambda nb: nb.notebook_instance_name),
        reverse=sort_order == "Descending",
    )
    query = json.dumps(
        [
            repr(filters),
            status,
            config_contains,
            default_repo_contains,
            additional_repo,
            sort_by,
            sort_order,
        ]
    )
    page, token = page_notebooks(
        selected, query=query, max_results=get("MaxResults"), next_token=get("NextToken")
    )
    return ActionResult(
        {"NotebookInstances": [notebook.to_dict() for notebook in page], "NextToken": token}
    )


def presigned_url(notebook: Any, session_seconds: int = SESSION_DEFAULT) -> str:
    """The ``AuthorizedUrl``: with the embedded AWS running, a sign-in to the instance's real
    Jupyter server (:mod:`.jupyter_servers`); without it (moto alone), AWS's shape only."""
    gateway = jupyter_servers.current()
    if gateway is not None:
        return gateway.sign_in_url(
            notebook.url, notebook.region_name, notebook.notebook_instance_name, session_seconds
        )
    # A real AuthorizedUrl carries a long signed token; its shape, not its content, matters.
    token = base64.urlsafe_b64encode(secrets.token_bytes(450)).decode().rstrip("=")
    return f"https://{notebook.url}?authToken={token}"


def _create_presigned_notebook_instance_url(self: Any) -> ActionResult:
    seconds = self._get_param("SessionExpirationDurationInSeconds")
    if seconds is not None and seconds < SESSION_MIN:
        raise constraint_error(
            seconds,
            "sessionExpirationDurationInSeconds",
            f"Member must have value greater than or equal to {SESSION_MIN}",
        )
    if seconds is not None and seconds > SESSION_MAX:
        raise constraint_error(
            seconds,
            "sessionExpirationDurationInSeconds",
            f"Member must have value less than or equal to {SESSION_MAX}",
        )
    notebook = self.sagemaker_backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
    session_seconds = SESSION_DEFAULT if seconds is None else int(seconds)
    return ActionResult({"AuthorizedUrl": presigned_url(notebook, session_seconds)})


def _list_notebook_instance_lifecycle_configs(self: Any) -> ActionResult:
    get = self._get_param
    sort_by = get("SortBy", "CreationTime")
    # The model documents CreationTime as the default key but no default order: newest first
    # for times (what the console shows), alphabetical for names.
    default_order = "Ascending" if sort_by == "Name" else "Descending"
    summaries, token = catalog.list_lifecycle_configs(
        self.sagemaker_backend,
        ListFilter.from_params(get),
        sort_by,
        get("SortOrder", default_order),
        get("MaxResults"),
        get("NextToken"),
    )
    return ActionResult({"NotebookInstanceLifecycleConfigs": summaries, "NextToken": token})


def _update_notebook_instance_lifecycle_config(self: Any) -> ActionResult:
    catalog.update_lifecycle_config(
        self.sagemaker_backend,
        self._get_param("NotebookInstanceLifecycleConfigName"),
        self._get_param("OnCreate"),
        self._get_param("OnStart"),
    )
    return EmptyResult()


def _create_code_repository(self: Any) -> ActionResult:
    record = catalog.create_code_repository(
        self.sagemaker_backend,
        self._get_param("CodeRepositoryName"),
        self._get_param("GitConfig") or {},
        self._get_param("Tags"),
    )
    return ActionResult({"CodeRepositoryArn": record.arn})


def _describe_code_repository(self: Any) -> ActionResult:
    record = catalog.describe_code_repository(
        self.sagemaker_backend, self._get_param("CodeRepositoryName")
    )
    return ActionResult(record.to_dict())


def _list_code_repositories(self: Any) -> ActionResult:
    get = self._get_param
    summaries, token = catalog.list_code_repositories(
        self.sagemaker_backend,
        ListFilter.from_params(get),
        get("SortBy", "Name"),
        get("SortOrder", "Ascending"),
        get("MaxResults"),
        get("NextToken"),
    )
    return ActionResult({"CodeRepositorySummaryList": summaries, "NextToken": token})


def _update_code_repository(self: Any) -> ActionResult:
    record = catalog.update_code_repository(
        self.sagemaker_backend, self._get_param("CodeRepositoryName"), self._get_param("GitConfig")
    )
    return ActionResult({"CodeRepositoryArn": record.arn})


def _delete_code_repository(self: Any) -> ActionResult:
    catalog.delete_code_repository(self.sagemaker_backend, self._get_param("CodeRepositoryName"))
    return EmptyResult()


def _list_tags(self: Any) -> ActionResult:
    tags, token = catalog.list_tags(
        self.sagemaker_backend,
        self._get_param("ResourceArn"),
        self._get_param("MaxResults"),
        self._get_param("NextToken"),
    )
    return ActionResult({"Tags": tags, "NextToken": token})
