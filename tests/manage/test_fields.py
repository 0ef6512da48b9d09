"""The settings table is botocore's model, read at run time: every member, its constraints."""

from __future__ import annotations

import botocore.session
import pytest
from botocore import xform_name

from sagedeck.aws.manage import fields as fields_module
from sagedeck.aws.manage.fields import (
    FIELDS,
    Kind,
    accelerator_types,
    alternatives,
    field,
    first_sentence,
    instance_types,
    pattern_matcher,
    platforms,
)


def members(operation: str) -> dict[str, botocore.model.Shape]:
    model = botocore.session.get_session().get_service_model("sagemaker")
    shape = model.operation_model(operation).input_shape
    assert shape is not None
    return dict(shape.members)


def test_one_field_per_member_of_create_and_update() -> None:
    create, update = members("CreateNotebookInstance"), members("UpdateNotebookInstance")
    assert [f.key for f in FIELDS] == list(dict.fromkeys([*create, *update]))
    for spec in FIELDS:
        assert spec.on_create == (spec.key in create), spec.key
        assert spec.on_update == (spec.key in update), spec.key


def test_options_are_the_aws_cli_names() -> None:
    for spec in FIELDS:
        assert spec.option == "--" + xform_name(spec.key, "-")
    assert field("VolumeSizeInGB").option == "--volume-size-in-gb"
    assert field("InstanceMetadataServiceConfiguration").option == (
        "--instance-metadata-service-configuration"
    )


def test_constraints_come_from_the_model() -> None:
    create = members("CreateNotebookInstance")
    volume = field("VolumeSizeInGB")
    assert (volume.kind, volume.minimum, volume.maximum) == (
        Kind.INT,
        create["VolumeSizeInGB"].metadata["min"],
        create["VolumeSizeInGB"].metadata["max"],
    )
    assert field("InstanceType").choices == tuple(create["InstanceType"].enum)  # type: ignore[attr-defined]
    assert len(instance_types()) > 100
    assert field("RoleArn").pattern == create["RoleArn"].metadata["pattern"]
    assert [f.key for f in FIELDS if f.required] == [
        "NotebookInstanceName",
        "InstanceType",
        "RoleArn",
    ]
    groups = field("SecurityGroupIds")
    assert (groups.kind, groups.maximum) == (Kind.LIST, create["SecurityGroupIds"].metadata["max"])
    assert field("Tags").kind is Kind.TAGS
    assert field("RootAccess").kind is Kind.FLAG_ENUM
    assert field("DirectInternetAccess").choices == ("Enabled", "Disabled")
    assert field("DisassociateLifecycleConfig").kind is Kind.FLAG
    imds = field("InstanceMetadataServiceConfiguration")
    assert (imds.kind, imds.choices) == (Kind.IMDS, ("1", "2"))


def test_platforms_are_the_ones_the_pattern_lists() -> None:
    pattern = members("CreateNotebookInstance")["PlatformIdentifier"].metadata["pattern"]
    assert platforms() == tuple(pattern.strip("()").split("|"))
    assert "notebook-al2023-v1" in platforms()
    assert field("PlatformIdentifier").kind is Kind.ENUM
    assert alternatives("[a-z]+") == ()
    assert alternatives("1|2") == ("1", "2")


def test_elastic_inference_is_shown_but_flagged_unsupported() -> None:
    accelerators = field("AcceleratorTypes")
    assert accelerators.on_create
    assert not accelerators.supported
    assert "no longer" in accelerators.unsupported_reason
    assert "ml.eia2.medium" in accelerator_types()
    assert field("InstanceType").supported


def test_docs_are_one_plain_sentence() -> None:
    for spec in FIELDS:
        assert "<" not in spec.doc
        assert "\n" not in spec.doc
        assert spec.doc
    assert first_sentence("<p>The <code>x</code> value. More text.</p>") == "The x value."


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("team", True),
        ("Ünïcode tag 42", True),
        ("a:b/c=d+e-f@g_h.i", True),
        ("€", False),
        ("a#b", False),
    ],
)
def test_tag_patterns_with_unicode_classes(value: str, ok: bool) -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    pattern = model.shape_for("TagKey").metadata["pattern"]
    assert "\\p{L}" in pattern  # the Java class the matcher translates
    assert pattern_matcher(pattern)(value) is ok


def test_fields_are_built_once() -> None:
    assert fields_module.fields() is fields_module.fields()
