"""SSM managed nodes (``mi-…``) and DescribeInstanceInformation, absent from moto 5.2.5.

An Online node's agent pings every five minutes, so its ``LastPingDateTime`` is always within
five minutes of (simulated) now: the last ping on the node's five-minute beat since it came
online. A node that drops off keeps the last ping it made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from moto.core.responses import ActionResult
from moto.ssm.exceptions import InvalidFilterKey, SSMException, ValidationException
from moto.utilities.paginator import paginate

from .state import CLOCK, extension_state

PING_INTERVAL = timedelta(minutes=5)
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
}


class InvalidInstanceInformationFilterValue(SSMException):
    code = "InvalidInstanceInformationFilterValue"


@dataclass(slots=True)
class ManagedNodeRecord:
    instance_id: str
    ping_status: str
    last_ping: datetime  # Online: when its pings began; otherwise its last ping
    registered: datetime
    ip_address: str
    computer_name: str
    agent_version: str = "3.3.1142.0"
    platform_name: str = "Amazon Linux"
    platform_version: str = "2"
    activation_id: str = ""
    iam_role: str = "service-role/SageMaker-SSH-Helper-Activation"

    def last_ping_at(self, now: datetime) -> datetime:
        """The node's last ping as of ``now``."""
        if self.ping_status != "Online" or now <= self.last_ping:
            return self.last_ping
        return self.last_ping + ((now - self.last_ping) // PING_INTERVAL) * PING_INTERVAL

    def set_ping(self, status: str, now: datetime) -> None:
        self.last_ping = now if status == "Online" else self.last_ping_at(now)
        self.ping_status = status

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "InstanceId": self.instance_id,
            "PingStatus": self.ping_status,
            "LastPingDateTime": self.last_ping_at(now),
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


def nodes(backend: Any) -> dict[str, ManagedNodeRecord]:
    return extension_state(backend, "_sagedeck_managed_nodes", dict)


def node_tags(backend: Any, instance_id: str) -> dict[str, str]:
    tags: dict[str, str] = backend._resource_tags["ManagedInstance"][instance_id]
    return tags


def register_node(backend: Any, node: ManagedNodeRecord, tags: dict[str, str]) -> None:
    nodes(backend)[node.instance_id] = node
    node_tags(backend, node.instance_id).update(tags)


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


def max_results(value: int | None, low: int, high: int) -> int | None:
    if value is not None and not low <= value <= high:
        bound = (
            f"greater than or equal to {low}" if value < low else f"less than or equal to {high}"
        )
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value {bound}"
        )
    return value


def describe_instance_information(self: Any) -> ActionResult:
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
        max_results=max_results(self._get_param("MaxResults"), 5, 50),
        next_token=self._get_param("NextToken"),
    )
    return ActionResult(
        {
            "InstanceInformationList": [node.to_dict(CLOCK.utcnow()) for node in page],
            "NextToken": token,
        }
    )
