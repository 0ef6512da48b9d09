"""Requests built from an existing instance: the clone's create, the edit's update."""

from __future__ import annotations

from typing import Any

from sagedeck.aws.manage.fields import DESCRIBED_AS, NAME_KEY, create_fields
from sagedeck.aws.manage.requests import (
    clone_params,
    describe_member_names,
    request_json_ready,
    update_params,
)

CURRENT: dict[str, Any] = {
    "NotebookInstanceName": "fraud-detection",
    "NotebookInstanceStatus": "Stopped",
    "InstanceType": "ml.m5.xlarge",
    "VolumeSizeInGB": 50,
    "NotebookInstanceLifecycleConfigName": "auto-stop-idle",
    "DefaultCodeRepository": "fraud-detection",
    "AdditionalCodeRepositories": ["ml-utils"],
    "SubnetId": "subnet-1",
    "SecurityGroups": ["sg-1"],
    "DirectInternetAccess": "Disabled",
    "RootAccess": "Enabled",
    "PlatformIdentifier": "notebook-al2-v2",
    "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
    "AcceleratorTypes": ["ml.eia2.medium"],
}


def test_the_describe_names_are_the_models() -> None:
    names = describe_member_names()
    for key in (spec.key for spec in create_fields()):
        if key not in (NAME_KEY, "Tags"):
            assert DESCRIBED_AS.get(key, key) in names, key


def test_clone_takes_every_setting_but_aws_tags_and_retired_accelerators() -> None:
    tags = [
        {"Key": "team", "Value": "risk"},
        {"Key": "aws:cloudformation:stack-name", "Value": "x"},
    ]
    params = clone_params(CURRENT, tags)
    assert params == {
        "InstanceType": "ml.m5.xlarge",
        "SubnetId": "subnet-1",
        "SecurityGroupIds": ["sg-1"],
        "Tags": [{"Key": "team", "Value": "risk"}],
        "LifecycleConfigName": "auto-stop-idle",
        "DirectInternetAccess": "Disabled",
        "VolumeSizeInGB": 50,
        "DefaultCodeRepository": "fraud-detection",
        "AdditionalCodeRepositories": ["ml-utils"],
        "RootAccess": "Enabled",
        "PlatformIdentifier": "notebook-al2-v2",
        "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
    }
    assert NAME_KEY not in params
    assert "Tags" not in clone_params(CURRENT, [{"Key": "aws:x", "Value": "y"}])


def test_update_sends_only_what_changed() -> None:
    wanted = {
        "InstanceType": "ml.m5.2xlarge",
        "VolumeSizeInGB": 50,  # unchanged
        "RootAccess": "Enabled",  # unchanged
        "AdditionalCodeRepositories": ("ml-utils",),  # unchanged, as a tuple
        "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
    }
    assert update_params(CURRENT, wanted) == {"InstanceType": "ml.m5.2xlarge"}
    assert update_params(CURRENT, {}) == {}


def test_an_emptied_value_becomes_its_disassociate_flag() -> None:
    wanted: dict[str, Any] = {
        "LifecycleConfigName": None,
        "DefaultCodeRepository": "",
        "AdditionalCodeRepositories": [],
        "AcceleratorTypes": [],
    }
    assert update_params(CURRENT, wanted) == {
        "DisassociateLifecycleConfig": True,
        "DisassociateDefaultCodeRepository": True,
        "DisassociateAdditionalCodeRepositories": True,
        "DisassociateAcceleratorTypes": True,
    }
    unset = {k: v for k, v in CURRENT.items() if k != "NotebookInstanceLifecycleConfigName"}
    assert update_params(unset, {"LifecycleConfigName": ""}) == {}  # nothing to remove


def test_flags_given_pass_through() -> None:
    assert update_params(CURRENT, {"DisassociateLifecycleConfig": True}) == {
        "DisassociateLifecycleConfig": True
    }
    assert update_params(CURRENT, {"DisassociateLifecycleConfig": False}) == {}


def test_request_json_follows_the_models_order() -> None:
    ordered = request_json_ready(
        {
            "Tags": [],
            "DisassociateLifecycleConfig": True,
            "NotebookInstanceName": "x",
            "RoleArn": "r",
        }
    )
    assert list(ordered) == [
        "NotebookInstanceName",
        "RoleArn",
        "Tags",
        "DisassociateLifecycleConfig",
    ]
