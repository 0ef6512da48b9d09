"""SSM managed nodes and Session Manager sessions, which moto 5.2.5 does not implement.

A notebook instance becomes an SSM target the way aws-samples/sagemaker-ssh-helper does it: a
hybrid-activated managed node ``mi-…`` tagged with the notebook's name and ARN.
"""

from __future__ import annotations

import base64
import random
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.ssm.exceptions import (
    InvalidFilterKey,
    InvalidResourceId,
    SSMException,
    ValidationException,
)
from moto.utilities.paginator import paginate

from .patching import add, replace
from .state import CLOCK, extension_state

PING_STATUSES = ("Online", "ConnectionLost", "Inactive")
_FILTER_KEYS = frozenset(
    {
        "InstanceIds",
        "AgentVersion",
        "PingStatus",
        "PlatformTypes",
        "ActivationIds",
        "IamRole",
        "ResourceType",
        "AssociationStatus",
        "SourceIds",
        "SourceTypes",
    }
)
_PAGES = {
    "page_nodes": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": 10,
        "unique_attribute": "instance_id",
    },
    "page_sessions": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": 20,
        "unique_attribute": "session_id",
    },
}
SESSION_OWNER = "arn:aws:iam::{account}:user/demo"


class TargetNotConnected(SSMException):
    code = "TargetNotConnected"


class InvalidInstanceInformationFilterValue(SSMException):
    code = "InvalidInstanceInformationFilterValue"


@dataclass(slots=True)
class ManagedNodeRecord:
    instance_id: str
    ping_status: str
    last_ping: datetime
    registered: datetime
    ip_address: str
    computer_name: str
    agent_version: str = "3.3.1142.0"
    platform_name: str = "Amazon Linux"
    platform_version: str = "2"
    activation_id: str = ""
    iam_role: str = "service-role/SageMaker-SSH-Helper-Activation"

    def to_dict(self) -> dict[str, Any]:
        return {
            "InstanceId": self.instance_id,
            "PingStatus": self.ping_status,
            "LastPingDateTime": self.last_ping,
            "AgentVersion": self.agent_version,
            "IsLatestVersion": False,
            "PlatformType": "Linux",
            "PlatformName": self.platform_name,
            "PlatformVersion": self.platform_version,
            "ActivationId": self.activation_id,
            "IamRole": self.iam_role,
            "RegistrationDate": self.registered,
            "ResourceType": "ManagedInstance",
            "IPAddress": self.ip_address,
            "ComputerName": self.computer_name,
            "SourceId": self.instance_id,
            "SourceType": "AWS::SSM::ManagedInstance",
        }


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


def nodes(backend: Any) -> dict[str, ManagedNodeRecord]:
    return extension_state(backend, "_sagedeck_managed_nodes", dict)


def sessions(backend: Any) -> dict[str, SessionRecord]:
    return extension_state(backend, "_sagedeck_sessions", dict)


def node_tags(backend: Any, instance_id: str) -> dict[str, str]:
    tags: dict[str, str] = backend._resource_tags["ManagedInstance"][instance_id]
    return tags


def register_node(backend: Any, node: ManagedNodeRecord, tags: dict[str, str]) -> None:
    nodes(backend)[node.instance_id] = node
    node_tags(backend, node.instance_id).update(tags)


def set_ping(backend: Any, instance_id: str, status: str) -> None:
    """Change a node's ping status; a node that drops off ends its open sessions."""
    node = nodes(backend)[instance_id]
    node.ping_status = status
    if status == "Online":
        node.last_ping = CLOCK.utcnow()
        return
    for session in sessions(backend).values():
        if session.target == instance_id and session.status == "Connected":
            session.status, session.ended = "Terminated", CLOCK.utcnow()


def install() -> None:
    from moto.ssm import models, responses

    original = models.SimpleSystemManagerBackend._validate_resource_type_and_id

    def validate(self: Any, resource_type: str, resource_id: str) -> str:
        if resource_type == "ManagedInstance":
            if resource_id not in nodes(self):
                raise InvalidResourceId()
            return resource_id
        result: str = original(self, resource_type, resource_id)
        return result

    replace(models.SimpleSystemManagerBackend, "_validate_resource_type_and_id", validate)
    response_class = responses.SimpleSystemManagerResponse
    add(response_class, "describe_instance_information", _describe_instance_information)
    add(response_class, "start_session", _start_session)
    add(response_class, "terminate_session", _terminate_session)
    add(response_class, "describe_sessions", _describe_sessions)


def _normalised_filters(
    legacy: list[dict[str, Any]] | None, filters: list[dict[str, Any]] | None
) -> list[tuple[str, list[str]]]:
    if legacy and filters:
        raise ValidationException(
            "InstanceInformationFilterList and Filters cannot be used together."
        )
    pairs = [(f["key"], list(f.get("valueSet") or [])) for f in legacy or []]
    pairs += [(f["Key"], list(f.get("Values") or [])) for f in filters or []]
    tag_filters = [key for key, _ in pairs if key.startswith("tag:") or key == "tag-key"]
    if tag_filters and len(tag_filters) != len(pairs):
        raise ValidationException("Cannot mix tag or inventory filter with any other filter.")
    for key, values in pairs:
        if key in tag_filters:
            continue
        if key not in _FILTER_KEYS:
            raise InvalidFilterKey(f"The filter key {key} is not valid.")
        if key == "PingStatus" and any(value not in PING_STATUSES for value in values):
            raise InvalidInstanceInformationFilterValue(
                f"PingStatus filter values must be one of {', '.join(PING_STATUSES)}."
            )
        if key == "ResourceType" and len(values) != 1:
            raise InvalidInstanceInformationFilterValue(
                "ResourceType filter may contain only one value."
            )
    return pairs


def _node_matches(
    node: ManagedNodeRecord, tags: dict[str, str], key: str, values: list[str]
) -> bool:
    if key == "tag-key":
        return any(value in tags for value in values)
    if key.startswith("tag:"):
        return tags.get(key[4:]) in values
    attribute = {
        "InstanceIds": node.instance_id,
        "SourceIds": node.instance_id,
        "AgentVersion": node.agent_version,
        "PingStatus": node.ping_status,
        "PlatformTypes": "Linux",
        "ActivationIds": node.activation_id,
        "IamRole": node.iam_role,
        "ResourceType": "ManagedInstance",
        "SourceTypes": "AWS::SSM::ManagedInstance",
        "AssociationStatus": "Success",
    }[key]
    return attribute in values


@paginate(pagination_model=_PAGES)
def page_nodes(found: list[ManagedNodeRecord], query: str) -> list[ManagedNodeRecord]:
    del query
    return found


@paginate(pagination_model=_PAGES)
def page_sessions(found: list[SessionRecord], query: str) -> list[SessionRecord]:
    del query
    return found


def _max_results(value: int | None, low: int, high: int) -> int | None:
    if value is not None and not low <= value <= high:
        bound = (
            f"greater than or equal to {low}" if value < low else f"less than or equal to {high}"
        )
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value {bound}"
        )
    return value


def _describe_instance_information(self: Any) -> ActionResult:
    backend = self.ssm_backend
    pairs = _normalised_filters(
        self._get_param("InstanceInformationFilterList"), self._get_param("Filters")
    )
    found = [
        node
        for node in nodes(backend).values()
        if all(
            _node_matches(node, node_tags(backend, node.instance_id), key, values)
            for key, values in pairs
        )
    ]
    page, token = page_nodes(
        found,
        query=repr(pairs),
        max_results=_max_results(self._get_param("MaxResults"), 5, 50),
        next_token=self._get_param("NextToken"),
    )
    return ActionResult(
        {"InstanceInformationList": [node.to_dict() for node in page], "NextToken": token}
    )


def _start_session(self: Any) -> ActionResult:
    backend = self.ssm_backend
    target = self._get_param("Target")
    node = nodes(backend).get(target)
    if node is None or node.ping_status != "Online":
        raise TargetNotConnected(f"{target} is not connected.")
    owner = SESSION_OWNER.format(account=self.current_account)
    session_id = f"{owner.rsplit('/', 1)[-1]}-{secrets.token_hex(9)[:17]}"
    sessions(backend)[session_id] = SessionRecord(
        session_id=session_id,
        target=target,
        document_name=self._get_param("DocumentName") or "SSM-SessionManagerRunShell",
        owner=owner,
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


def _terminate_session(self: Any) -> ActionResult:
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


def _describe_sessions(self: Any) -> ActionResult:
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
        max_results=_max_results(self._get_param("MaxResults"), 1, 200),
        next_token=self._get_param("NextToken"),
    )
    return ActionResult({"Sessions": [s.to_dict() for s in page], "NextToken": token})


# --- the notebook side: what sagemaker-ssh-helper's agent does on the instance ----------------


def notebook_nodes(backend: Any, notebook_name: str) -> list[ManagedNodeRecord]:
    return [
        node
        for node in nodes(backend).values()
        if node_tags(backend, node.instance_id).get("SSHResourceName") == notebook_name
    ]


def register_notebook_node(
    backend: Any,
    notebook_name: str,
    notebook_arn: str,
    *,
    ping: str = "Online",
    owner: str = "alice",
    when: datetime | None = None,
    rng: random.Random | None = None,
) -> ManagedNodeRecord:
    """Register a managed node for a notebook, tagged as the SSH helper tags it.

    ``rng`` makes the node's ids reproducible (the seed); without it they are random.
    """
    from . import jupyter

    def hex_digits(count: int) -> str:
        if rng is None:
            return secrets.token_hex(count)[:count]
        return f"{rng.getrandbits(4 * count):0{count}x}"

    if ping not in PING_STATUSES:
        raise ValueError(f"ping must be one of {PING_STATUSES}")
    when = when or CLOCK.utcnow()
    region = backend.region_name
    node = ManagedNodeRecord(
        instance_id="mi-" + hex_digits(17),
        ping_status=ping,
        last_ping=when,
        registered=when,
        ip_address=jupyter.private_ip(notebook_name, region),
        computer_name=jupyter.host_name(notebook_name, region),
        activation_id="-".join(hex_digits(n) for n in (8, 4, 4, 4, 12)),
    )
    epoch = int(when.replace(tzinfo=UTC).timestamp())
    register_node(
        backend,
        node,
        {
            "SSHResourceName": notebook_name,
            "SSHResourceArn": notebook_arn,
            "SSHOwner": owner,
            "SSHTimestamp": str(epoch),
        },
    )
    return node


def agent_stopped(backend: Any, notebook_name: str) -> None:
    for node in notebook_nodes(backend, notebook_name):
        if node.ping_status == "Online":
            set_ping(backend, node.instance_id, "ConnectionLost")


def agent_started(backend: Any, notebook_name: str, notebook_arn: str) -> None:
    """The helper registers a fresh node on every start of a notebook that uses it."""
    previous = notebook_nodes(backend, notebook_name)
    if not previous:
        return
    newest = max(previous, key=lambda n: n.registered)
    owner = node_tags(backend, newest.instance_id).get("SSHOwner", "alice")
    register_notebook_node(backend, notebook_name, notebook_arn, owner=owner)
