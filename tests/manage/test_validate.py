"""AWS's rules said before the call: the model's constraints, the documented cross-field rules."""

from __future__ import annotations

from typing import Any

import pytest

from sagedeck.aws.manage.validate import (
    REQUEST,
    FieldError,
    disassociations,
    tag_problems,
    validate_create,
    validate_update,
)

ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240131T145746"
GOOD: dict[str, Any] = {
    "NotebookInstanceName": "new-one",
    "InstanceType": "ml.t3.medium",
    "RoleArn": ROLE,
}
IMDS_VERSION = "MinimumInstanceMetadataServiceVersion"
STOPPED: dict[str, Any] = {
    "NotebookInstanceName": "nb-dev",
    "NotebookInstanceStatus": "Stopped",
    "InstanceType": "ml.t3.medium",
    "VolumeSizeInGB": 50,
    "SubnetId": "subnet-1",
    "SecurityGroups": ["sg-1"],
    "DirectInternetAccess": "Disabled",
    "NotebookInstanceLifecycleConfigName": "auto-stop-idle",
}


def fields_of(errors: list[FieldError]) -> list[str]:
    return [e.field for e in errors]


def test_a_complete_request_passes() -> None:
    full = {
        **GOOD,
        "SubnetId": "subnet-0abc",
        "SecurityGroupIds": ["sg-1", "sg-2"],
        "DirectInternetAccess": "Disabled",
        "VolumeSizeInGB": 100,
        "Tags": [{"Key": "team", "Value": "ml"}, {"Key": "Ünïcode", "Value": ""}],
        "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
        "DefaultCodeRepository": "https://github.com/acme/ml.git",
        "AdditionalCodeRepositories": ["ml-utils"],
        "RootAccess": "Disabled",
        "PlatformIdentifier": "notebook-al2023-v1",
        "KmsKeyId": "alias/notebook-volumes",
        "IpAddressType": "ipv4",
    }
    assert validate_create(full) == []


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"NotebookInstanceName": "bad_name"}, "NotebookInstanceName", "pattern"),
        ({"NotebookInstanceName": "x" * 64}, "NotebookInstanceName", "at most 63"),
        ({"InstanceType": "ml.nope"}, "InstanceType", "not one of"),
        ({"InstanceType": ""}, "InstanceType", "required"),
        ({"RoleArn": "role/x"}, "RoleArn", "at least 20"),
        ({"RoleArn": "arn:aws:iam::12:role/too-short-account"}, "RoleArn", "pattern"),
        ({"VolumeSizeInGB": 4}, "VolumeSizeInGB", "at least 5"),
        ({"VolumeSizeInGB": 16385}, "VolumeSizeInGB", "at most 16384"),
        ({"VolumeSizeInGB": "10"}, "VolumeSizeInGB", "whole number"),
        ({"RootAccess": "yes"}, "RootAccess", "Enabled, Disabled"),
        ({"PlatformIdentifier": "notebook-al3-v1"}, "PlatformIdentifier", "one of"),
        (
            {
                "InstanceMetadataServiceConfiguration": {
                    "MinimumInstanceMetadataServiceVersion": "3"
                }
            },
            "InstanceMetadataServiceConfiguration",
            "one of 1, 2",
        ),
        ({"SecurityGroupIds": ["sg-1"] * 2, "SubnetId": "subnet-1"}, "SecurityGroupIds", "twice"),
        (
            {"SecurityGroupIds": [f"sg-{i}" for i in range(6)], "SubnetId": "subnet-1"},
            "SecurityGroupIds",
            "at most 5",
        ),
        (
            {"AdditionalCodeRepositories": ["a", "b", "c", "d"]},
            "AdditionalCodeRepositories",
            "at most 3",
        ),
        ({"DefaultCodeRepository": "http://insecure/repo"}, "DefaultCodeRepository", "pattern"),
        (
            {"DefaultCodeRepository": "ml-utils", "AdditionalCodeRepositories": ["ml-utils"]},
            "AdditionalCodeRepositories",
            "already the default",
        ),
        ({"AcceleratorTypes": ["ml.eia2.medium"]}, "AcceleratorTypes", "no longer"),
        ({"DirectInternetAccess": "Disabled"}, "DirectInternetAccess", "needs a subnet"),
        ({"SecurityGroupIds": ["sg-1"]}, "SecurityGroupIds", "need a subnet"),
        ({"Tags": [{"Key": "aws:cloudformation:stack", "Value": "x"}]}, "Tags", "reserved"),
        ({"Tags": [{"Key": f"k{i}", "Value": ""} for i in range(51)]}, "Tags", "at most 50"),
        ({"Tags": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]}, "Tags", "twice"),
        ({"Tags": [{"Key": "", "Value": "1"}]}, "Tags", "must not be empty"),
        ({"Tags": [{"Key": "k" * 129, "Value": "1"}]}, "Tags", "over 128"),
        ({"Tags": [{"Key": "k", "Value": "a#b"}]}, "Tags", "may hold only"),
        ({"SubnetIds": "subnet-1"}, "SubnetIds", "not a setting"),
    ],
)
def test_each_rule_names_its_field(change: dict[str, Any], field: str, words: str) -> None:
    errors = validate_create({**GOOD, **change})
    assert fields_of(errors) == [field], errors
    assert words in errors[0].message
    assert "\n" not in str(errors[0])


def test_a_missing_required_member_is_named() -> None:
    errors = validate_create({"NotebookInstanceName": "x"})
    assert fields_of(errors) == ["InstanceType", "RoleArn"]
    assert str(errors[0]) == "--instance-type: is required"


def test_tag_problems_alone() -> None:
    assert tag_problems("team", "ml") == []
    assert tag_problems("AWS:Owner", "x") == [
        "tag keys starting 'aws:' are reserved for AWS ('AWS:Owner')"
    ]


# --- update ----------------------------------------------------------------------------------


def test_update_only_when_stopped() -> None:
    running = {**STOPPED, "NotebookInstanceStatus": "InService"}
    errors = validate_update(running, {"InstanceType": "ml.t3.large"})
    assert fields_of(errors) == [REQUEST]
    assert str(errors[0]) == "settings change only when the instance is Stopped (it is InService)"


def test_volume_grows_never_shrinks() -> None:
    assert validate_update(STOPPED, {"VolumeSizeInGB": 60}) == []
    assert validate_update(STOPPED, {"VolumeSizeInGB": 50}) == []
    errors = validate_update(STOPPED, {"VolumeSizeInGB": 40})
    assert fields_of(errors) == ["VolumeSizeInGB"]
    assert "only grow (it is 50 GB): clone the instance" in errors[0].message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("SubnetId", "subnet-2"),
        ("SecurityGroupIds", ["sg-2"]),
        ("DirectInternetAccess", "Enabled"),
        ("KmsKeyId", "alias/other"),
    ],
)
def test_what_is_fixed_at_creation_says_clone_it(key: str, value: Any) -> None:
    errors = validate_update(STOPPED, {key: value})
    assert fields_of(errors) == [key]
    assert errors[0].message == "cannot change after creation: needs a new instance: clone it"


def test_update_rules() -> None:
    assert fields_of(validate_update(STOPPED, {})) == [REQUEST]  # nothing to change
    assert fields_of(
        validate_update(STOPPED, {"LifecycleConfigName": "x", "DisassociateLifecycleConfig": True})
    ) == ["DisassociateLifecycleConfig"]
    assert fields_of(validate_update(STOPPED, {"Tags": [{"Key": "a", "Value": "b"}]})) == ["Tags"]
    assert fields_of(validate_update(STOPPED, {"InstanceType": "ml.none"})) == ["InstanceType"]
    assert fields_of(validate_update(STOPPED, {"AcceleratorTypes": ["ml.eia1.medium"]})) == [
        "AcceleratorTypes"
    ]
    assert validate_update(STOPPED, {"DisassociateAcceleratorTypes": True}) == []


def test_disassociate_flags_pair_with_their_members() -> None:
    assert disassociations() == {
        "DisassociateLifecycleConfig": "LifecycleConfigName",
        "DisassociateAcceleratorTypes": "AcceleratorTypes",
        "DisassociateDefaultCodeRepository": "DefaultCodeRepository",
        "DisassociateAdditionalCodeRepositories": "AdditionalCodeRepositories",
    }
