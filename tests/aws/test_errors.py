"""Every AWS failure reaches the caller as one of the few sagedeck errors, in one line.

The errors come from real HTTP answers in AWS's wire formats (``wire.py``) parsed by the real
botocore, from a real missing or expired credential setup, and from a real refused port.
"""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from sagedeck.aws import iam, network
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import CLIENT_CONFIG, AwsTarget, StaticCredentials
from sagedeck.errors import (
    AccessDenied,
    AwsError,
    CredentialsError,
    EndpointUnreachable,
    InvalidInput,
    InvalidState,
    NotFound,
    SagedeckError,
    Throttled,
)
from sagedeck.models import NotebookKey

from .wire import (
    Reply,
    WireServer,
    ec2_error,
    json_error,
    json_ok,
    query_error,
    query_ok,
    wire_server,
)

KEY = NotebookKey("us-east-1", "alice-sandbox")
ROLE_ARN = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-1"
NB_ARN = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/alice-sandbox"


def transition_error(current: str, allowed: str, goal: str) -> Reply:
    return json_error(
        "ValidationException",
        f"Status ({current}) not in ([{allowed}]). Unable to transition to ({goal}) for"
        f" Notebook Instance ({NB_ARN}).",
    )


@pytest.fixture
def wire() -> Iterator[WireServer]:
    with wire_server() as server:
        yield server


@pytest.fixture
async def services(wire: WireServer, aws_home: Path) -> AsyncIterator[AwsServices]:
    target = AwsTarget(None, ("us-east-1",), wire.url, credentials=StaticCredentials("AK", "SK"))
    async with AwsServices(target) as aws:
        yield aws


def assert_one_line(err: SagedeckError) -> None:
    assert str(err)
    assert "\n" not in str(err)


# --- each sagedeck error --------------------------------------------------------------------


async def test_not_found_names_the_instance(wire: WireServer, services: AwsServices) -> None:
    wire.replies["DescribeNotebookInstance"] = json_error("ValidationException", "RecordNotFound")
    with pytest.raises(NotFound) as info:
        await services.sagemaker.describe(KEY)
    assert str(info.value) == "no notebook instance named 'alice-sandbox' in us-east-1"


async def test_not_found_from_iam(wire: WireServer, services: AwsServices) -> None:
    wire.replies["GetRole"] = query_error(
        "NoSuchEntity", "The role with name Gone cannot be found.", 404
    )
    wire.replies["ListAttachedRolePolicies"] = query_error("NoSuchEntity", "no", 404)
    wire.replies["ListRolePolicies"] = query_error("NoSuchEntity", "no", 404)
    with pytest.raises(NotFound, match="cannot be found"):
        await iam.role(services.conn, "arn:aws:iam::123456789012:role/Gone", "us-east-1")


@pytest.mark.parametrize(
    ("action", "current", "allowed", "goal"),
    [
        ("start", "InService", "Stopped, Failed", "Pending"),
        ("stop", "Stopped", "InService", "Stopping"),
        ("delete", "InService", "Stopped, Failed", "Deleting"),
        ("update", "InService", "Stopped", "Updating"),
    ],
)
async def test_invalid_state_names_allowed_states(
    wire: WireServer, services: AwsServices, action: str, current: str, allowed: str, goal: str
) -> None:
    operation = {
        "start": "StartNotebookInstance",
        "stop": "StopNotebookInstance",
        "delete": "DeleteNotebookInstance",
        "update": "UpdateNotebookInstance",
    }[action]
    wire.replies[operation] = transition_error(current, allowed, goal)
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "start": lambda: services.sagemaker.start(KEY),
        "stop": lambda: services.sagemaker.stop(KEY),
        "delete": lambda: services.sagemaker.delete(KEY),
        "update": lambda: services.sagemaker.update(KEY, volume_size_gb=10),
    }
    with pytest.raises(InvalidState) as info:
        await calls[action]()
    err = info.value
    assert err.allowed == tuple(s.strip() for s in allowed.split(","))
    expected_when = " or ".join(err.allowed)
    assert str(err) == (
        f"cannot {action} alice-sandbox: it is {current} (allowed when {expected_when})"
    )


@pytest.mark.parametrize(
    ("operation", "call", "permission"),
    [
        ("StartNotebookInstance", "start", "sagemaker:StartNotebookInstance"),
        ("ListNotebookInstances", "list", "sagemaker:ListNotebookInstances"),
        (
            "CreatePresignedNotebookInstanceUrl",
            "url",
            "sagemaker:CreatePresignedNotebookInstanceUrl",
        ),
        ("ListTags", "tags", "sagemaker:ListTags"),
    ],
)
async def test_access_denied_names_the_permission(
    wire: WireServer, services: AwsServices, operation: str, call: str, permission: str
) -> None:
    wire.replies[operation] = json_error(
        "AccessDeniedException",
        f"User: arn:aws:sts::123456789012:assumed-role/ReadOnly/alice is not authorized to"
        f" perform: {permission} on resource: {NB_ARN}",
    )
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "start": lambda: services.sagemaker.start(KEY),
        "list": lambda: services.sagemaker.list_region("us-east-1"),
        "url": lambda: services.sagemaker.presigned_url(KEY),
        "tags": lambda: services.sagemaker.tags(NB_ARN, "us-east-1"),
    }
    with pytest.raises(AccessDenied) as info:
        await calls[call]()
    assert info.value.permission == permission
    assert str(info.value).startswith(f"not allowed: {permission}")
    assert_one_line(info.value)


async def test_access_denied_from_ec2(wire: WireServer, services: AwsServices) -> None:
    wire.replies["DescribeNetworkInterfaces"] = ec2_error(
        "UnauthorizedOperation", "You are not authorized to perform this operation."
    )
    with pytest.raises(AccessDenied) as info:
        await network.network_interface(services.conn, "eni-0abc", "us-east-1")
    assert info.value.permission == "ec2:DescribeNetworkInterfaces"


async def test_throttled(wire: WireServer, services: AwsServices) -> None:
    wire.replies["ListNotebookInstances"] = json_error("ThrottlingException", "Rate exceeded")
    with pytest.raises(Throttled, match="throttled by AWS") as info:
        await services.sagemaker.list_region("us-east-1")
    assert_one_line(info.value)
    # the client retries once, no more: the UI paces and backs off on its own
    assert wire.calls.count("ListNotebookInstances") == 2


@pytest.mark.parametrize(
    ("code", "expired"),
    [
        ("ExpiredTokenException", True),
        ("UnrecognizedClientException", False),
        ("InvalidSignatureException", False),
    ],
)
async def test_rejected_credentials_say_what_fixes_them(
    wire: WireServer, services: AwsServices, code: str, expired: bool
) -> None:
    wire.replies["DescribeNotebookInstance"] = json_error(
        code, "The security token included in the request is expired or invalid"
    )
    with pytest.raises(CredentialsError) as info:
        await services.sagemaker.describe(KEY)
    text = str(info.value)
    assert "`aws sso login`" in text
    assert "`aws configure`" in text
    assert ("expired" in text) == expired
    assert_one_line(info.value)


async def test_other_aws_error_is_one_line(wire: WireServer, services: AwsServices) -> None:
    wire.replies["DescribeNotebookInstance"] = Reply(
        500, "<html>\n<body>Internal\nServer Error</body>\n</html>", "text/html"
    )
    with pytest.raises(AwsError) as info:
        await services.sagemaker.describe(KEY)
    assert_one_line(info.value)


async def test_validation_error_without_state_is_bad_input(
    wire: WireServer, services: AwsServices
) -> None:
    wire.replies["UpdateNotebookInstance"] = json_error(
        "ValidationException", "Volume size can only be increased"
    )
    with pytest.raises(InvalidInput, match="Volume size can only be increased"):
        await services.sagemaker.update(KEY, volume_size_gb=5)


async def test_client_side_validation_is_bad_input(wire: WireServer, services: AwsServices) -> None:
    with pytest.raises(InvalidInput, match="RoleName") as info:  # botocore: min length 1
        await iam.role(services.conn, "arn:aws:iam::123456789012:role/", "us-east-1")
    assert_one_line(info.value)
    assert wire.calls == []


# --- credentials missing or expired, from a real credential chain ---------------------------


async def test_no_credentials_says_aws_configure(wire: WireServer, aws_home: Path) -> None:
    async with AwsServices(AwsTarget(None, ("us-east-1",), wire.url)) as services:
        with pytest.raises(CredentialsError) as info:
            await services.sagemaker.list_region("us-east-1")
    assert "no AWS credentials" in str(info.value)
    assert "`aws configure`" in str(info.value)
    assert wire.calls == []  # nothing was sent unsigned


SSO_CONFIG = """\
[profile sso]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Developer
region = us-east-1

[profile sso-legacy]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Developer
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
"""


@pytest.mark.parametrize("profile", ["sso", "sso-legacy"])
@pytest.mark.parametrize("token", ["missing", "expired"])
async def test_sso_login_needed(wire: WireServer, aws_home: Path, profile: str, token: str) -> None:
    (aws_home / "config").write_text(SSO_CONFIG, encoding="utf-8")
    if token == "expired":
        cache = aws_home / "sso" / "cache"
        cache.mkdir(parents=True)
        for key in ("corp", "https://corp.awsapps.com/start"):
            name = hashlib.sha1(key.encode()).hexdigest()  # botocore's cache file name
            (cache / f"{name}.json").write_text(
                json.dumps(
                    {
                        "startUrl": "https://corp.awsapps.com/start",
                        "region": "us-east-1",
                        "accessToken": "expired-token",
                        "expiresAt": "2020-01-01T00:00:00Z",
                    }
                ),
                encoding="utf-8",
            )
    async with AwsServices(AwsTarget(profile, ("us-east-1",), wire.url)) as services:
        with pytest.raises(CredentialsError) as info:
            await services.sagemaker.list_region("us-east-1")
    assert "`aws sso login`" in str(info.value)
    assert_one_line(info.value)
    assert wire.calls == []


# --- endpoint unreachable -------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.timeout(20)
async def test_refused_connection_fails_fast(aws_home: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    target = AwsTarget(None, ("us-east-1",), url, credentials=StaticCredentials("AK", "SK"))
    async with AwsServices(target) as services:
        client = await services.conn.client("sagemaker", "us-east-1")
        attempts: list[str] = []
        client.meta.events.register("before-send", lambda **_: attempts.append("sent"))
        with pytest.raises(EndpointUnreachable, match="unreachable") as info:
            await services.sagemaker.list_region("us-east-1")
        # Fast: the configured attempts, each refused at once (a refusal, not a timeout).
        assert len(attempts) == CLIENT_CONFIG.retries["total_max_attempts"] == 2
        assert "Could not connect" in str(info.value)
        assert "timeout" not in str(info.value).lower()
        assert url in str(info.value)
        assert_one_line(info.value)


# --- IAM: each call may be denied while the others work -------------------------------------

ROLE_XML = (
    "<Role><Path>/service-role/</Path><RoleName>AmazonSageMaker-ExecutionRole-1</RoleName>"
    "<RoleId>AROAEXAMPLE</RoleId>"
    f"<Arn>{ROLE_ARN}</Arn><CreateDate>2024-03-01T10:00:00Z</CreateDate>"
    "<AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument>"
    "<Description>notebooks</Description><MaxSessionDuration>3600</MaxSessionDuration></Role>"
)
IAM_OK: dict[str, Reply] = {
    "GetRole": query_ok("GetRole", ROLE_XML),
    "ListAttachedRolePolicies": query_ok(
        "ListAttachedRolePolicies",
        "<IsTruncated>false</IsTruncated><AttachedPolicies><member>"
        "<PolicyName>AmazonSageMakerFullAccess</PolicyName>"
        "<PolicyArn>arn:aws:iam::aws:policy/AmazonSageMakerFullAccess</PolicyArn>"
        "</member></AttachedPolicies>",
    ),
    "ListRolePolicies": query_ok(
        "ListRolePolicies",
        "<IsTruncated>false</IsTruncated><PolicyNames><member>s3-datasets</member></PolicyNames>",
    ),
}


def iam_denied(action: str) -> Reply:
    return query_error(
        "AccessDenied",
        f"User: arn:aws:iam::123456789012:user/alice is not authorized to perform:"
        f" iam:{action} on resource: role AmazonSageMaker-ExecutionRole-1",
    )


async def test_role_with_everything_allowed(wire: WireServer, services: AwsServices) -> None:
    wire.replies.update(IAM_OK)
    view = await iam.role(services.conn, ROLE_ARN, "us-east-1")
    assert view.denied == ()
    assert view.role.name == "AmazonSageMaker-ExecutionRole-1"
    assert view.role.arn == ROLE_ARN
    assert view.role.description == "notebooks"
    assert view.role.max_session_duration == 3600
    assert [p.name for p in view.role.attached_policies] == ["AmazonSageMakerFullAccess"]
    assert view.role.inline_policies == ("s3-datasets",)


@pytest.mark.parametrize("denied", ["GetRole", "ListAttachedRolePolicies", "ListRolePolicies"])
async def test_role_with_one_call_denied_keeps_the_rest(
    wire: WireServer, services: AwsServices, denied: str
) -> None:
    wire.replies.update(IAM_OK)
    wire.replies[denied] = iam_denied(denied)
    view = await iam.role(services.conn, ROLE_ARN, "us-east-1")
    assert view.denied == (f"iam:{denied}",)
    role = view.role
    assert role.name == "AmazonSageMaker-ExecutionRole-1"  # known from the ARN regardless
    assert (role.description == "notebooks") == (denied != "GetRole")
    assert bool(role.attached_policies) == (denied != "ListAttachedRolePolicies")
    assert bool(role.inline_policies) == (denied != "ListRolePolicies")


async def test_role_with_everything_denied(wire: WireServer, services: AwsServices) -> None:
    for action in IAM_OK:
        wire.replies[action] = iam_denied(action)
    view = await iam.role(services.conn, ROLE_ARN, "us-east-1")
    assert set(view.denied) == {f"iam:{a}" for a in IAM_OK}
    assert view.role.arn == ROLE_ARN


async def test_role_policies_are_paginated(wire: WireServer, services: AwsServices) -> None:
    wire.replies.update(IAM_OK)

    def attached(action: str, body: str) -> Reply:
        if "Marker=page2" in body:
            return query_ok(
                action,
                "<IsTruncated>false</IsTruncated><AttachedPolicies><member><PolicyName>B</PolicyName>"
                "<PolicyArn>arn:aws:iam::aws:policy/B</PolicyArn></member></AttachedPolicies>",
            )
        return query_ok(
            action,
            "<IsTruncated>true</IsTruncated><Marker>page2</Marker><AttachedPolicies><member>"
            "<PolicyName>A</PolicyName><PolicyArn>arn:aws:iam::aws:policy/A</PolicyArn>"
            "</member></AttachedPolicies>",
        )

    wire.replies["ListAttachedRolePolicies"] = attached
    view = await iam.role(services.conn, ROLE_ARN, "us-east-1")
    assert [p.name for p in view.role.attached_policies] == ["A", "B"]


# --- a stale page token restarts the listing (AWS's wire format) ----------------------------


def summary_item(name: str) -> dict[str, object]:
    return {
        "NotebookInstanceName": name,
        "NotebookInstanceArn": f"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/{name}",
        "NotebookInstanceStatus": "InService",
        "InstanceType": "ml.t3.medium",
        "CreationTime": 1700000000.0,
        "LastModifiedTime": 1700000000.0,
    }


async def test_stale_token_restarts_listing(wire: WireServer, services: AwsServices) -> None:
    bodies: list[dict[str, object]] = []

    def listing(action: str, body: str) -> Reply:
        request = json.loads(body)
        bodies.append(request)
        if "NextToken" not in request:
            return json_ok({"NotebookInstances": [summary_item("a")], "NextToken": "tok-b"})
        if len(bodies) == 2:  # the item the token pointed at was deleted meanwhile
            return json_error("ValidationException", "The NextToken provided is invalid.")
        return json_ok({"NotebookInstances": [summary_item("c")]})

    wire.replies["ListNotebookInstances"] = listing
    names = [nb.name for nb in await services.sagemaker.list_region("us-east-1")]
    assert names == ["a", "c"]
    assert ["NextToken" in b for b in bodies] == [False, True, False, True]
    assert all(b["MaxResults"] == 100 for b in bodies)


async def test_token_that_stays_stale_gives_up(wire: WireServer, services: AwsServices) -> None:
    def listing(action: str, body: str) -> Reply:
        if "NextToken" not in json.loads(body):
            return json_ok({"NotebookInstances": [summary_item("a")], "NextToken": "tok-b"})
        return json_error("ValidationException", "The NextToken provided is invalid.")

    wire.replies["ListNotebookInstances"] = listing
    with pytest.raises(InvalidInput, match="NextToken"):
        await services.sagemaker.list_region("us-east-1")
    assert len(wire.calls) == 8  # four attempts of two pages: bounded


async def test_other_errors_on_a_later_page_do_not_restart(
    wire: WireServer, services: AwsServices
) -> None:
    def listing(action: str, body: str) -> Reply:
        if "NextToken" not in json.loads(body):
            return json_ok({"NotebookInstances": [summary_item("a")], "NextToken": "tok-b"})
        return json_error("AccessDeniedException", "no")

    wire.replies["ListNotebookInstances"] = listing
    with pytest.raises(AccessDenied):
        await services.sagemaker.list_region("us-east-1")
    assert len(wire.calls) == 2
