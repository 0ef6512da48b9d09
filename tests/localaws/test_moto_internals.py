"""What the extensions rely on inside moto. If moto changes, this fails first and says where.

The extensions patch moto 5.2.5's classes; each patch was checked when it was installed (a
replaced attribute must exist, an added one must not). These tests pin the rest: the version,
the data structures the extensions read and write, and the behaviours they build on.
"""

from __future__ import annotations

import importlib.metadata
import inspect

import pytest

from sagedeck.localaws import LocalAws
from sagedeck.localaws.patching import RECORDS, MotoInternalsChanged, add, replace


def test_moto_version_is_pinned() -> None:
    version = tuple(int(part) for part in importlib.metadata.version("moto").split(".")[:2])
    assert version == (5, 2), "the extensions were written against moto 5.2.x: re-check them"


def test_every_patch_was_installed(aws: LocalAws) -> None:
    installed = {(record.owner.__name__, record.name) for record in RECORDS}
    expected = {
        ("FakeSagemakerNotebookInstance", "to_dict"),
        ("FakeSagemakerNotebookInstance", "validate_instance_type"),
        ("FakeSagemakerNotebookInstance", "validate_volume_size_in_gb"),
        ("SageMakerModelBackend", "start_notebook_instance"),
        ("SageMakerModelBackend", "stop_notebook_instance"),
        ("SageMakerModelBackend", "delete_notebook_instance"),
        ("SageMakerModelBackend", "add_tags"),
        ("SageMakerModelBackend", "delete_tags"),
        ("SageMakerResponse", "create_notebook_instance"),
        ("SageMakerResponse", "list_notebook_instances"),
        ("SageMakerResponse", "list_tags"),
        ("SageMakerResponse", "update_notebook_instance"),
        ("SageMakerResponse", "create_presigned_notebook_instance_url"),
        ("SageMakerResponse", "list_notebook_instance_lifecycle_configs"),
        ("SageMakerResponse", "update_notebook_instance_lifecycle_config"),
        ("SageMakerResponse", "create_code_repository"),
        ("SageMakerResponse", "describe_code_repository"),
        ("SageMakerResponse", "list_code_repositories"),
        ("SageMakerResponse", "update_code_repository"),
        ("SageMakerResponse", "delete_code_repository"),
        ("LogsResponse", "filter_log_events"),
        ("LogsResponse", "get_log_events"),
        ("LogsResponse", "start_live_tail"),
        ("SimpleSystemManagerBackend", "_validate_resource_type_and_id"),
        ("SimpleSystemManagerResponse", "describe_instance_information"),
        ("SimpleSystemManagerResponse", "start_session"),
        ("SimpleSystemManagerResponse", "terminate_session"),
        ("SimpleSystemManagerResponse", "describe_sessions"),
        ("SimpleSystemManagerResponse", "get_service_setting"),
        ("SimpleSystemManagerResponse", "update_service_setting"),
        ("SimpleSystemManagerResponse", "reset_service_setting"),
        ("IAMBackend", "_init_aws_policies"),
        ("BaseResponse", "call_action"),
        ("BaseResponse", "get_access_key"),
        ("DomainDispatcherApplication", "get_application"),  # the Price List API (pricing.py)
    }
    assert installed == expected
    assert len(RECORDS) == len(expected), "a patch was applied twice"


def test_replaced_originals_had_the_signatures_we_call() -> None:
    originals = {(r.owner.__name__, r.name): r.original for r in RECORDS if r.replaced}
    to_dict = originals[("FakeSagemakerNotebookInstance", "to_dict")]
    assert list(inspect.signature(to_dict).parameters) == ["self"]
    validate = originals[("SimpleSystemManagerBackend", "_validate_resource_type_and_id")]
    assert list(inspect.signature(validate).parameters) == ["self", "resource_type", "resource_id"]
    call_action = originals[("BaseResponse", "call_action")]
    assert list(inspect.signature(call_action).parameters) == ["self"]
    get_access_key = originals[("BaseResponse", "get_access_key")]
    assert list(inspect.signature(get_access_key).parameters) == ["self"]
    get_application = originals[("DomainDispatcherApplication", "get_application")]
    assert list(inspect.signature(get_application).parameters) == ["self", "environ"]


def test_patching_refuses_surprises() -> None:
    class Sample:
        existing = 1

    with pytest.raises(MotoInternalsChanged):
        replace(Sample, "missing", 2)
    with pytest.raises(MotoInternalsChanged):
        add(Sample, "existing", 2)


def test_models_we_read_and_write(aws: LocalAws) -> None:
    from moto.ec2.models import ec2_backends
    from moto.logs.models import LogEvent, LogStream, logs_backends
    from moto.sagemaker.models import FakeSagemakerNotebookInstance, sagemaker_backends
    from moto.ssm.models import ssm_backends

    backend = sagemaker_backends[aws.account_id]["us-east-1"]
    notebook = backend.notebook_instances["nb"]
    assert isinstance(notebook, FakeSagemakerNotebookInstance)
    for attribute in (
        "status",
        "arn",
        "region_name",
        "notebook_instance_name",
        "lifecycle_config_name",
        "last_modified_time",
        "creation_time",
        "subnet_id",
        "security_group_ids",
        "tags",
        "volume_size_in_gb",
        "instance_type",
        "root_access",
        "url",
    ):
        assert hasattr(notebook, attribute), attribute
    assert isinstance(backend.notebook_instance_lifecycle_configurations, dict)
    config = backend.notebook_instance_lifecycle_configurations["auto-stop-idle"]
    assert isinstance(config.on_start, list)
    assert "Content" in config.on_start[0]
    assert hasattr(backend, "_get_resource_from_arn")

    stream = (
        logs_backends[aws.account_id]["us-east-1"]
        .groups["/aws/sagemaker/NotebookInstances"]
        .streams["nb/jupyter.log"]
    )
    assert isinstance(stream, LogStream)
    assert isinstance(stream.events, list)
    assert isinstance(stream.events[0], LogEvent)
    event = stream.events[0]
    assert {"timestamp", "message", "ingestion_time", "event_id"} <= set(vars(event))
    assert isinstance(LogEvent._event_id, int)  # the ingestion sequence eventIds come from
    for attribute in (
        "stored_bytes",
        "last_ingestion_time",
        "upload_sequence_token",
        "creation_time",
    ):
        assert hasattr(stream, attribute), attribute

    ec2 = ec2_backends[aws.account_id]["us-east-1"]
    assert isinstance(ec2.enis, dict)
    assert vars(notebook)["network_interface_id"] is None  # nb is internet-only
    assert callable(ec2.create_network_interface)
    assert callable(ec2.get_security_group_from_id)

    ssm = ssm_backends[aws.account_id]["us-east-1"]
    assert isinstance(ssm._resource_tags["ManagedInstance"], dict)


def test_settings_and_randomness_we_rely_on() -> None:
    import moto.settings
    from moto.core.base_backend import BackendDict
    from moto.moto_api._internal import mock_random

    assert moto.settings.load_iam_aws_managed_policies() is True
    assert moto.settings.ec2_load_default_amis() is False
    assert isinstance(vars(BackendDict)["_instances"], list)
    assert callable(mock_random.seed)


def test_event_stream_machinery_for_live_tail() -> None:
    from moto.core.eventstream import EventStream, EventStreamEncoder
    from moto.core.responses import ActionContext, ActionResult
    from moto.core.serialize import BaseJSONSerializer

    assert callable(EventStreamEncoder().encode_event)
    assert list(inspect.signature(EventStream).parameters) == [
        "result",
        "output_shape",
        "serializer",
    ]
    assert {"serializer_class", "operation_model"} <= set(
        inspect.signature(ActionContext).parameters
    )
    assert "execute_result" in vars(ActionResult)
    assert any(
        getattr(klass, "EVENT_STREAM_SERIALIZER_CLS", None) is not None
        for klass in BaseJSONSerializer.__subclasses__()
    )


def test_service_errors_serialise_through_module_names() -> None:
    from moto.core.errors import get_exception_service_model
    from moto.sagemaker.exceptions import ValidationError

    from sagedeck.localaws.ssm_sessions import TargetNotConnected

    model = get_exception_service_model(ValidationError("x"))
    assert model is not None
    assert model.service_name == "sagemaker"
    assert TargetNotConnected("x").code == "TargetNotConnected"


def test_identity_and_documents_we_rely_on(aws: LocalAws) -> None:
    from moto.iam.models import get_account_id_from, iam_backends
    from moto.ssm.models import Document, Documents, ssm_backends
    from moto.sts.models import STSBackend

    iam = iam_backends[aws.account_id]["global"]
    assert isinstance(iam.access_keys, dict)
    assert "demo" in iam.access_keys  # re-keyed by its (replaced) id
    assert iam.users["demo"].id.startswith("AIDA")
    assert get_account_id_from("demo") == aws.account_id
    assert list(inspect.signature(STSBackend.get_caller_identity).parameters) == [
        "self",
        "access_key_id",
        "region",
    ]
    ssm = ssm_backends[aws.account_id]["us-east-1"]
    assert isinstance(ssm._documents, dict)
    assert callable(Documents.get_default_version)
    assert {"document_type", "content_json", "content"} <= set(
        inspect.signature(Document.__init__).parameters
    ) | {"content_json"}
