"""StartSession validates the Session document and its parameters, as AWS does.

AWS's side: StartSession's modeled errors (InvalidDocument, TargetNotConnected); the Session
Manager troubleshooting guide's message for a document that is not a Session document;
InvalidParameters ("You can only supply values to parameters defined in the SSM document");
the AWS-managed port documents' parameters (``portNumber`` 1-65535, ``localPortNumber``
0-65535 where 0 lets the plugin pick a free port).
"""

from __future__ import annotations

import json

import pytest
from mypy_boto3_ssm import SSMClient

from .helpers import aws_error


@pytest.fixture
def target(ssm: SSMClient) -> str:
    found = ssm.describe_instance_information(
        Filters=[{"Key": "tag:SSHResourceName", "Values": ["alice-sandbox"]}]
    )["InstanceInformationList"]
    return str(found[0]["InstanceId"])


def _document_of(ssm: SSMClient, session_id: str) -> str:
    sessions = ssm.describe_sessions(
        State="Active", Filters=[{"key": "SessionId", "value": session_id}]
    )["Sessions"]
    return str(sessions[0]["DocumentName"])


@pytest.mark.parametrize(
    ("document", "parameters"),
    [
        ("SSM-SessionManagerRunShell", {}),
        ("AWS-StartPortForwardingSession", {"portNumber": ["8888"], "localPortNumber": ["0"]}),
        ("AWS-StartPortForwardingSession", {}),  # both have defaults (80, and a free port)
        (
            "AWS-StartPortForwardingSessionToRemoteHost",
            {"host": ["db.internal"], "portNumber": ["5432"], "localPortNumber": ["15432"]},
        ),
        ("AWS-StartSSHSession", {"portNumber": ["22"]}),
        ("AWS-StartInteractiveCommand", {"command": ["bash -l"]}),
    ],
)
def test_aws_managed_documents(
    ssm: SSMClient, target: str, document: str, parameters: dict[str, list[str]]
) -> None:
    session_id = ssm.start_session(Target=target, DocumentName=document, Parameters=parameters)[
        "SessionId"
    ]
    assert _document_of(ssm, session_id) == document


def test_no_document_is_the_shell(ssm: SSMClient, target: str) -> None:
    session_id = ssm.start_session(Target=target)["SessionId"]
    assert _document_of(ssm, session_id) == "SSM-SessionManagerRunShell"


def test_unknown_document(ssm: SSMClient, target: str) -> None:
    with aws_error("InvalidDocument", "The specified document does not exist."):
        ssm.start_session(Target=target, DocumentName="AWS-StartPortForwardingSessionTypo")
    assert ssm.describe_sessions(State="Active")["Sessions"] == []


def test_a_command_document_is_not_a_session_document(ssm: SSMClient, target: str) -> None:
    content = {
        "schemaVersion": "2.2",
        "description": "say hello",
        "mainSteps": [
            {"action": "aws:runShellScript", "name": "hello", "inputs": {"runCommand": ["echo"]}}
        ],
    }
    ssm.create_document(Name="Hello", Content=json.dumps(content), DocumentType="Command")
    with aws_error(
        "InvalidDocument",
        "Document type: 'Command' is not supported. Only type: 'Session' is supported for "
        "Session Manager.",
    ):
        ssm.start_session(Target=target, DocumentName="Hello")


def test_an_accounts_own_session_document(ssm: SSMClient, target: str) -> None:
    content = {
        "schemaVersion": "1.0",
        "description": "Jupyter only",
        "sessionType": "Port",
        "parameters": {
            "localPortNumber": {
                "type": "String",
                "description": "local port",
                "allowedPattern": "^[0-9]{1,5}$",
                "default": "0",
            }
        },
        "properties": {"portNumber": "8888", "localPortNumber": "{{ localPortNumber }}"},
    }
    ssm.create_document(Name="Jupyter-Port", Content=json.dumps(content), DocumentType="Session")
    session_id = ssm.start_session(
        Target=target, DocumentName="Jupyter-Port", Parameters={"localPortNumber": ["18888"]}
    )["SessionId"]
    assert _document_of(ssm, session_id) == "Jupyter-Port"
    with aws_error("InvalidParameters"):
        ssm.start_session(
            Target=target, DocumentName="Jupyter-Port", Parameters={"localPortNumber": ["x"]}
        )
    with aws_error("InvalidParameters"):  # the document fixes the remote port
        ssm.start_session(
            Target=target, DocumentName="Jupyter-Port", Parameters={"portNumber": ["22"]}
        )


@pytest.mark.parametrize("value", ["0", "65536", "99999", "abc", "-1", "080", "8888 "])
def test_port_number_must_be_a_port(ssm: SSMClient, target: str, value: str) -> None:
    with aws_error("InvalidParameters"):
        ssm.start_session(
            Target=target,
            DocumentName="AWS-StartPortForwardingSession",
            Parameters={"portNumber": [value], "localPortNumber": ["8888"]},
        )
    assert ssm.describe_sessions(State="Active")["Sessions"] == []


@pytest.mark.parametrize("value", ["65536", "abc", "-1", "1.5"])
def test_local_port_number_must_be_a_port(ssm: SSMClient, target: str, value: str) -> None:
    with aws_error("InvalidParameters"):
        ssm.start_session(
            Target=target,
            DocumentName="AWS-StartPortForwardingSession",
            Parameters={"portNumber": ["8888"], "localPortNumber": [value]},
        )


@pytest.mark.parametrize("value", ["1", "22", "8888", "65535"])
def test_valid_ports(ssm: SSMClient, target: str, value: str) -> None:
    started = ssm.start_session(
        Target=target,
        DocumentName="AWS-StartPortForwardingSession",
        Parameters={"portNumber": [value], "localPortNumber": [value]},
    )
    assert started["TokenValue"]
    assert started["StreamUrl"].startswith("wss://")
    assert _document_of(ssm, started["SessionId"]) == "AWS-StartPortForwardingSession"


def test_required_and_unknown_parameters(ssm: SSMClient, target: str) -> None:
    with aws_error("InvalidParameters"):
        ssm.start_session(Target=target, DocumentName="AWS-StartInteractiveCommand")
    with aws_error("InvalidParameters"):
        ssm.start_session(
            Target=target,
            DocumentName="AWS-StartPortForwardingSessionToRemoteHost",
            Parameters={"portNumber": ["5432"]},
        )
    with aws_error("InvalidParameters"):
        ssm.start_session(
            Target=target,
            DocumentName="AWS-StartPortForwardingSession",
            Parameters={"portNumber": ["8888"], "remotePort": ["8888"]},
        )
    with aws_error("InvalidParameters"):  # the shell document takes no parameters
        ssm.start_session(Target=target, Parameters={"command": ["bash"]})
    assert ssm.describe_sessions(State="Active")["Sessions"] == []
