"""Session Manager sessions: StartSession, TerminateSession, DescribeSessions.

StartSession checks, in this order: the document and its parameters (``session_documents``),
that the target is connected, and that the region is in the advanced-instances tier (Session
Manager reaches hybrid nodes ``mi-…`` only there; AWS answers BadRequest otherwise, the message
sagemaker-ssh-helper's FAQ quotes). A session is owned by the caller, as GetCallerIdentity
names it, and its id starts with the caller's user or role-session name.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.ssm.exceptions import InvalidFilterKey, SSMException, ValidationException
from moto.utilities.paginator import paginate

from . import service_settings, session_documents
from .identity import caller
from .ssm_nodes import max_results, nodes
from .state import CLOCK, extension_state

TIER_REQUIRED = (
    "Enable advanced-instances tier to use Session Manager with your on-premises instances"
)

_PAGES = {
    "page_sessions": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": 20,
        "unique_attribute": "session_id",
    },
}


class TargetNotConnected(SSMException):
    code = "TargetNotConnected"


class BadRequest(SSMException):
    code = "BadRequest"


@dataclass(slots=True)
class SessionRecord:
    session_id: str
    target: str
    document_name: str
    owner: str
    started: datetime
    reason: str | None = None
    status: str = "Connected"
    ended: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "SessionId": self.session_id,
            "Target": self.target,
            "Status": self.status,
            "StartDate": self.started,
            "DocumentName": self.document_name,
            "Owner": self.owner,
        }
        if self.reason:
            result["Reason"] = self.reason
        if self.ended:
            result["EndDate"] = self.ended
        return result


def sessions(backend: Any) -> dict[str, SessionRecord]:
    return extension_state(backend, "_sagedeck_sessions", dict)


def end_sessions(backend: Any, target: str) -> None:
    """A node that drops off takes its open sessions with it."""
    for session in sessions(backend).values():
        if session.target == target and session.status == "Connected":
            session.status, session.ended = "Terminated", CLOCK.utcnow()


@paginate(pagination_model=_PAGES)
def page_sessions(found: list[SessionRecord], query: str) -> list[SessionRecord]:
    del query
    return found


def start_session(self: Any) -> ActionResult:
    backend = self.ssm_backend
    document = session_documents.resolve(backend, self._get_param("DocumentName"))
    session_documents.check_parameters(document, self._get_param("Parameters"))
    target = self._get_param("Target")
    node = nodes(backend).get(target)
    if node is None or node.ping_status != "Online":
        raise TargetNotConnected(f"{target} is not connected.")
    if service_settings.activation_tier(backend) != "advanced":
        raise BadRequest(TIER_REQUIRED)
    owner = caller(self)
    session_id = f"{owner.name}-{secrets.token_hex(9)[:17]}"
    sessions(backend)[session_id] = SessionRecord(
        session_id=session_id,
        target=target,
        document_name=document.name,
        owner=owner.arn,
        started=CLOCK.utcnow(),
        reason=self._get_param("Reason"),
    )
    token = base64.b64encode(secrets.token_bytes(180)).decode()
    return ActionResult(
        {
            "SessionId": session_id,
            "TokenValue": token,
            "StreamUrl": f"wss://ssmmessages.{self.region}.amazonaws.com/v1/data-channel/"
            f"{session_id}?role=publish_subscribe",
        }
    )


def terminate_session(self: Any) -> ActionResult:
    session_id = self._get_param("SessionId")
    session = sessions(self.ssm_backend).get(session_id)
    if session is not None and session.status == "Connected":
        session.status, session.ended = "Terminated", CLOCK.utcnow()
    # AWS answers with the id even for a session that already ended.
    return ActionResult({"SessionId": session_id})


_SESSION_FILTERS = frozenset(
    {"InvokedAfter", "InvokedBefore", "Target", "Owner", "Status", "SessionId", "AccessType"}
)


def _parse_date(value: str) -> datetime:
    return datetime.fromisoformat(re.sub(r"Z$", "+00:00", value)).replace(tzinfo=None)


def _session_matches(session: SessionRecord, key: str, value: str) -> bool:
    if key == "InvokedAfter":
        return session.started >= _parse_date(value)
    if key == "InvokedBefore":
        return session.started <= _parse_date(value)
    if key == "AccessType":
        return value == "Standard"
    return {
        "Target": session.target,
        "Owner": session.owner,
        "Status": session.status,
        "SessionId": session.session_id,
    }[key] == value


def describe_sessions(self: Any) -> ActionResult:
    state = self._get_param("State")
    if state not in ("Active", "History"):
        raise ValidationException(
            f"1 validation error detected: Value '{state}' at 'state' failed to satisfy "
            "constraint: Member must satisfy enum value set: [Active, History]"
        )
    filters = [(f["key"], f["value"]) for f in self._get_param("Filters") or []]
    for key, _ in filters:
        if key not in _SESSION_FILTERS:
            raise InvalidFilterKey(f"The filter key {key} is not valid.")
    active = state == "Active"
    found = [
        session
        for session in sessions(self.ssm_backend).values()
        if (session.status == "Connected") == active
        and all(_session_matches(session, key, value) for key, value in filters)
    ]
    found.sort(key=lambda s: s.started, reverse=True)
    page, token = page_sessions(
        found,
        query=repr((state, filters)),
        max_results=max_results(self._get_param("MaxResults"), 1, 200),
        next_token=self._get_param("NextToken"),
    )
    return ActionResult({"Sessions": [s.to_dict() for s in page], "NextToken": token})
