"""The Session documents StartSession accepts, and the checks it makes of their parameters.

AWS resolves ``DocumentName`` to an SSM document: an AWS-managed Session document, or a document
of the account's own (CreateDocument). A document of another type is refused with AWS's
documented message; an unknown one with the message AWS's document APIs give. Parameters must
be ones the document defines, required ones (no default) must be given, and each value must
match the parameter's ``allowedPattern``: otherwise InvalidParameters.

The AWS-managed documents below carry the parameters AWS publishes for them (``localPortNumber``
may be 0: the plugin then picks a free port).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from moto.ssm.exceptions import InvalidDocument, SSMException

DEFAULT_DOCUMENT = "SSM-SessionManagerRunShell"
_ABOVE_9 = r"[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]"
_REMOTE_PORT = rf"^([1-9]|{_ABOVE_9})$"  # 1-65535
_LOCAL_PORT = rf"^([0-9]|{_ABOVE_9})$"  # 0-65535


class InvalidParameters(SSMException):
    code = "InvalidParameters"


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    default: str | None = None  # None: required
    allowed_pattern: str | None = None


@dataclass(frozen=True, slots=True)
class SessionDocument:
    name: str
    session_type: str  # Standard_Stream, Port, InteractiveCommands, NonInteractiveCommands
    parameters: Mapping[str, ParameterSpec]


def _managed(name: str, session_type: str, **parameters: ParameterSpec) -> SessionDocument:
    return SessionDocument(name, session_type, parameters)


MANAGED_DOCUMENTS = {
    doc.name: doc
    for doc in (
        _managed(DEFAULT_DOCUMENT, "Standard_Stream"),
        _managed(
            "AWS-StartPortForwardingSession",
            "Port",
            portNumber=ParameterSpec("80", _REMOTE_PORT),
            localPortNumber=ParameterSpec("0", _LOCAL_PORT),
        ),
        _managed(
            "AWS-StartPortForwardingSessionToRemoteHost",
            "Port",
            host=ParameterSpec(None, r"^[^\s]+$"),
            portNumber=ParameterSpec("80", _REMOTE_PORT),
            localPortNumber=ParameterSpec("0", _LOCAL_PORT),
        ),
        _managed(
            "AWS-StartSSHSession",
            "Port",
            portNumber=ParameterSpec("22", _REMOTE_PORT),
        ),
        _managed("AWS-StartInteractiveCommand", "InteractiveCommands", command=ParameterSpec()),
    )
}


def _account_document(backend: Any, name: str) -> SessionDocument | None:
    documents = backend._documents.get(name)
    if documents is None:
        return None
    document = documents.get_default_version()
    if document.document_type != "Session":
        raise InvalidDocument(
            f"Document type: '{document.document_type}' is not supported. "
            "Only type: 'Session' is supported for Session Manager."
        )
    content = document.content_json
    if not isinstance(content, dict):
        content = json.loads(document.content)
    parameters = {
        key: ParameterSpec(
            None if "default" not in spec else str(spec["default"]), spec.get("allowedPattern")
        )
        for key, spec in (content.get("parameters") or {}).items()
    }
    return SessionDocument(name, str(content.get("sessionType", "")), parameters)


def resolve(backend: Any, name: str | None) -> SessionDocument:
    """The Session document ``name`` names (the shell document when none is given)."""
    name = name or DEFAULT_DOCUMENT
    document = MANAGED_DOCUMENTS.get(name) or _account_document(backend, name)
    if document is None:
        raise InvalidDocument("The specified document does not exist.")
    return document


def check_parameters(document: SessionDocument, given: Mapping[str, list[str]] | None) -> None:
    given = given or {}
    unknown = sorted(set(given) - set(document.parameters))
    if unknown:
        raise InvalidParameters(
            f"Parameter(s) {', '.join(unknown)} not defined in document {document.name}."
        )
    for key, spec in document.parameters.items():
        values = given.get(key)
        if not values:
            if spec.default is None:
                raise InvalidParameters(
                    f"Required parameter {key} for document {document.name} is missing."
                )
            continue
        for value in values:
            if spec.allowed_pattern and not re.search(spec.allowed_pattern, value):
                raise InvalidParameters(
                    f"Parameter {key} value {value} does not match the allowed pattern "
                    f"{spec.allowed_pattern}."
                )
