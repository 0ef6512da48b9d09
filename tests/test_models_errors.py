"""The models the UI renders and the errors a person acts on."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sagedeck.errors import (
    AccessDenied,
    AmbiguousName,
    AwsError,
    CredentialsError,
    EndpointUnreachable,
    InvalidInput,
    InvalidState,
    NotFound,
    ReadOnly,
    SagedeckError,
    Throttled,
)
from sagedeck.models import (
    DELETABLE,
    STARTABLE,
    STOPPABLE,
    UPDATABLE,
    JupyterView,
    ManagedNode,
    NotebookDetail,
    NotebookKey,
    NotebookStatus,
    NotebookSummary,
    PresignedUrl,
    Tag,
)
from sagedeck.text.sanitize import one_line

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def summary(
    name: str = "nb", status: NotebookStatus = NotebookStatus.IN_SERVICE
) -> NotebookSummary:
    return NotebookSummary(
        name=name,
        arn=f"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/{name}",
        region="us-east-1",
        status=status,
        instance_type="ml.t3.medium",
        url=f"{name}.notebook.us-east-1.sagemaker.aws",
        created=T0,
        last_modified=T0,
    )


def test_statuses_match_the_api() -> None:
    assert {s.value for s in NotebookStatus} == {
        "Pending",
        "InService",
        "Stopping",
        "Stopped",
        "Failed",
        "Deleting",
        "Updating",
    }
    transitional = {s for s in NotebookStatus if s.is_transitional}
    assert transitional == {
        NotebookStatus.PENDING,
        NotebookStatus.STOPPING,
        NotebookStatus.DELETING,
        NotebookStatus.UPDATING,
    }


def test_legal_transitions_are_awss() -> None:
    assert {NotebookStatus.STOPPED, NotebookStatus.FAILED} == STARTABLE == DELETABLE
    assert {NotebookStatus.IN_SERVICE} == STOPPABLE
    assert {NotebookStatus.STOPPED} == UPDATABLE


def test_models_are_frozen() -> None:
    nb = summary()
    with pytest.raises(dataclasses.FrozenInstanceError):
        nb.name = "other"  # type: ignore[misc]
    assert nb.key == NotebookKey("us-east-1", "nb")
    assert str(nb.key) == "us-east-1/nb"


def test_role_name_is_the_last_path_segment() -> None:
    detail = NotebookDetail(
        summary=summary(),
        failure_reason=None,
        role_arn="arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-1",
        subnet_id=None,
        security_groups=(),
        network_interface_id=None,
        direct_internet_access=True,
        volume_size_gb=5,
        kms_key_id=None,
        accelerator_types=(),
        root_access=True,
        platform="notebook-al2-v2",
        imds_min_version="2",
    )
    assert detail.role_name == "AmazonSageMaker-ExecutionRole-1"
    assert dataclasses.replace(detail, role_arn=None).role_name is None
    assert (detail.name, detail.region, detail.status) == ("nb", "us-east-1", "InService")


def test_presigned_url_hides_itself_in_repr() -> None:
    secret = "https://nb.notebook.us-east-1.sagemaker.aws?authToken=SECRET"
    url = PresignedUrl(secret, NotebookKey("us-east-1", "nb"), JupyterView.LAB, T0, 3600)
    assert "SECRET" not in repr(url)
    assert url.usable_until == T0 + timedelta(minutes=5)


def test_managed_node_tag_lookup() -> None:
    node = ManagedNode(
        "mi-0123", "Online", T0, "3.3", "Linux", "10.0.0.1", "ip-10-0-0-1", (Tag("a", "b"),)
    )
    assert node.tag("a") == "b"
    assert node.tag("missing") is None


# --- errors ---------------------------------------------------------------------------------


def test_every_error_is_a_sagedeck_error_with_an_exit_code() -> None:
    errors: list[SagedeckError] = [
        NotFound("no notebook instance named 'x' in us-east-1"),
        InvalidState("cannot start x: it is InService", ["Stopped", "Failed"]),
        AccessDenied("iam:GetRole", "read role R"),
        Throttled("throttled"),
        CredentialsError("run `aws sso login`"),
        EndpointUnreachable("unreachable"),
        ReadOnly("start"),
        InvalidInput("bad"),
        AmbiguousName("nb", ["us-east-1", "eu-west-1"]),
        AwsError("odd"),
    ]
    for err in errors:
        assert str(err)
        assert "\n" not in str(err)
        assert err.exit_code in (1, 2)


def test_invalid_state_names_the_allowed_states() -> None:
    err = InvalidState("cannot start nb: it is InService", ["Stopped", "Failed"])
    assert str(err) == "cannot start nb: it is InService (allowed when Stopped or Failed)"
    assert err.allowed == ("Stopped", "Failed")


def test_access_denied_names_the_permission() -> None:
    err = AccessDenied("iam:GetRole", "read role R")
    assert err.permission == "iam:GetRole"
    assert str(err) == "not allowed: iam:GetRole (read role R)"


def test_ambiguous_name_asks_for_region_and_exits_2() -> None:
    err = AmbiguousName("nb", ["us-east-1", "eu-west-1"])
    assert str(err) == "'nb' exists in eu-west-1, us-east-1: choose one with --region"
    assert err.exit_code == 2
    assert isinstance(err, InvalidInput)


def test_read_only_says_how_to_leave_it() -> None:
    assert "--read-only" in str(ReadOnly("start"))


@given(st.text())
def test_one_line_is_one_printable_line(text: str) -> None:
    line = one_line(text)
    assert line.isprintable()
    assert len(line.splitlines()) <= 1
    for word in text.split():
        if word.isprintable():
            assert word in line
