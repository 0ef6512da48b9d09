"""SSM Session Manager: the managed node of a notebook instance, sessions and caller identity.

A notebook instance is reachable over SSM only when a managed node ``mi-…`` was registered for
it (sagemaker-ssh-helper), tagged ``SSHResourceName=<notebook name>``.

Read-only mode refuses ``StartSession`` (shells and port forwards) and always allows
``TerminateSession``: see :mod:`sagedeck.aws.read_only`, which says why.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sagedeck.aws.paging import collect
from sagedeck.aws.read_only import guard_client
from sagedeck.aws.session import AwsConnection, AwsTarget
from sagedeck.aws.translate import translate_errors
from sagedeck.config import DEFAULTS
from sagedeck.errors import AwsError, SagedeckError
from sagedeck.models import ManagedNode, Tag

TIMESTAMP_TAG = "SSHTimestamp"  # epoch seconds of the registration
OWNER_TAG = "SSHOwner"  # the registering user's aws:userid
PORT_FORWARD_DOCUMENT = "AWS-StartPortForwardingSession"
TIER_SETTING = "/ssm/managed-instance/activation-tier"
_PAGE = 50  # DescribeInstanceInformation's maximum
_MAX_CANDIDATES = 20  # stale registrations whose tags are read to pick the newest


class TargetNotConnected(SagedeckError):
    """StartSession refused: the node's agent is not connected (offline, or unknown)."""

    def __init__(self, target: str) -> None:
        self.target = target
        super().__init__(f"{target} is not connected to SSM (TargetNotConnected)")


@dataclass(frozen=True, slots=True)
class StartedSession:
    """What StartSession returned, and what the plugin needs to reach the same endpoint.

    ``request`` is the StartSession request exactly as sent (Target, DocumentName, Reason,
    Parameters in the API's member order), as the AWS CLI hands it to the plugin.
    The token is a credential for the session's stream: never log it.
    """

    session_id: str
    token: str = field(repr=False)
    stream_url: str = field(repr=False)
    region: str
    endpoint_url: str
    target: str
    request: Mapping[str, Any]

    def response_json(self) -> str:
        """The plugin's first argument (or env value), in the AWS CLI's key order."""
        return json.dumps(
            {"SessionId": self.session_id, "TokenValue": self.token, "StreamUrl": self.stream_url}
        )

    def request_json(self) -> str:
        return json.dumps(dict(self.request))


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    account: str
    arn: str
    user_id: str


@dataclass(frozen=True, slots=True)
class SessionInfo:
    session_id: str
    target: str
    status: str
    document: str | None
    owner: str | None
    started: datetime | None


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _timestamp(tags: Sequence[Tag]) -> int:
    for tag in tags:
        if tag.key == TIMESTAMP_TAG:
            try:
                return int(tag.value)
            except ValueError:
                return 0
    return 0


def node_from_api(item: Mapping[str, Any], tags: Iterable[Tag] = ()) -> ManagedNode:
    platform = " ".join(p for p in (item.get("PlatformName"), item.get("PlatformVersion")) if p)
    return ManagedNode(
        instance_id=item["InstanceId"],
        ping_status=item.get("PingStatus", "Unknown"),
        last_ping=_time(item.get("LastPingDateTime")),
        agent_version=item.get("AgentVersion"),
        platform=platform or item.get("PlatformType"),
        ip_address=item.get("IPAddress"),
        computer_name=item.get("ComputerName"),
        tags=tuple(tags),
    )


def _error_code(exc: BaseException | None) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "")) or None
    return None


def best_node(nodes: Iterable[ManagedNode]) -> ManagedNode | None:
    """Online first (a newer registration that went offline cannot be reached), then the
    newest ``SSHTimestamp``, then the latest ping."""
    epoch = datetime.fromtimestamp(0, UTC)
    return max(
        nodes,
        key=lambda n: (n.ping_status == "Online", _timestamp(n.tags), n.last_ping or epoch),
        default=None,
    )


class SessionManager:
    """The SSM calls sagedeck makes, over one :class:`AwsConnection`.

    ``tag_key`` is the tag that names the notebook on its node; the app sets it from
    ``Settings.ssm_tag_key``.
    """

    def __init__(self, conn: AwsConnection, tag_key: str = DEFAULTS.ssm_tag_key) -> None:
        self.conn = conn
        self.tag_key = tag_key

    async def _client(self, region: str) -> Any:
        return await self.conn.client("ssm", region)

    # --- finding the node ----------------------------------------------------------------

    async def find_node(
        self, name: str, region: str, tag_key: str | None = None
    ) -> ManagedNode | None:
        """The managed node registered for notebook ``name``, or None.

        One DescribeInstanceInformation filtered on the tag (tag filters cannot be mixed with
        other filter types), then the tags of the candidates to read ``SSHTimestamp``.
        """
        key = tag_key or self.tag_key
        client = await self._client(region)
        with translate_errors(f"find the SSM node of {name}", "ssm:DescribeInstanceInformation"):
            items: list[Mapping[str, Any]] = await collect(
                client.describe_instance_information,
                {"Filters": [{"Key": f"tag:{key}", "Values": [name]}], "MaxResults": _PAGE},
                "InstanceInformationList",
            )
        if not items:
            return None
        candidates = items[:_MAX_CANDIDATES]
        tag_lists = await asyncio.gather(
            *(self._tags_or_none(client, item["InstanceId"]) for item in candidates)
        )
        nodes = [node_from_api(i, t or ()) for i, t in zip(candidates, tag_lists, strict=True)]
        return best_node(nodes)

    async def _tags_or_none(self, client: Any, instance_id: str) -> tuple[Tag, ...] | None:
        try:
            return await self.node_tags(client, instance_id)
        except SagedeckError:
            return None  # tags are a preference, not a requirement: pick by ping alone

    async def node_tags(self, client: Any, instance_id: str) -> tuple[Tag, ...]:
        with translate_errors(f"read the tags of {instance_id}", "ssm:ListTagsForResource"):
            result = await client.list_tags_for_resource(
                ResourceType="ManagedInstance", ResourceId=instance_id
            )
        return tuple(Tag(t["Key"], t["Value"]) for t in result.get("TagList", ()))

    # --- sessions ------------------------------------------------------------------------

    async def start_session(self, region: str, target: str) -> StartedSession:
        """An interactive shell session (the account's default Session Manager document)."""
        return await self._start(region, {"Target": target}, f"open a shell on {target}")

    async def start_port_forward(
        self, region: str, target: str, remote_port: int, local_port: int
    ) -> StartedSession:
        request = {
            "Target": target,
            "DocumentName": PORT_FORWARD_DOCUMENT,
            "Parameters": {
                "portNumber": [str(remote_port)],
                "localPortNumber": [str(local_port)],
            },
        }
        return await self._start(region, request, f"forward port {remote_port} of {target}")

    async def _start(self, region: str, request: dict[str, Any], action: str) -> StartedSession:
        client = await self._client(region)
        try:
            with translate_errors(action, "ssm:StartSession"):
                result = await client.start_session(**request)
        except AwsError as err:
            if _error_code(err.__cause__) == "TargetNotConnected":
                raise TargetNotConnected(request["Target"]) from err
            raise
        return StartedSession(
            session_id=result["SessionId"],
            token=result.get("TokenValue", ""),
            stream_url=result.get("StreamUrl", ""),
            region=client.meta.region_name,
            endpoint_url=client.meta.endpoint_url,
            target=request["Target"],
            request=request,
        )

    async def terminate_session(self, region: str, session_id: str) -> None:
        """Always allowed, read-only or not: ending a session must never be refused."""
        client = await self._client(region)
        with translate_errors(f"end session {session_id}", "ssm:TerminateSession"):
            await client.terminate_session(SessionId=session_id)

    async def active_sessions(self, region: str, target: str | None = None) -> list[SessionInfo]:
        client = await self._client(region)
        kwargs: dict[str, Any] = {"State": "Active"}
        if target:
            kwargs["Filters"] = [{"key": "Target", "value": target}]
        with translate_errors("list SSM sessions", "ssm:DescribeSessions"):
            result = await client.describe_sessions(**kwargs)
        return [
            SessionInfo(
                session_id=s["SessionId"],
                target=s.get("Target", ""),
                status=s.get("Status", ""),
                document=s.get("DocumentName"),
                owner=s.get("Owner"),
                started=_time(s.get("StartDate")),
            )
            for s in result.get("Sessions", ())
        ]

    # --- what the doctor asks ------------------------------------------------------------

    async def caller_identity(self, region: str) -> CallerIdentity:
        client = await self.conn.client("sts", region)
        with translate_errors("find who you are", "sts:GetCallerIdentity"):
            result = await client.get_caller_identity()
        return CallerIdentity(result["Account"], result["Arn"], result["UserId"])

    async def instance_tier(self, region: str) -> str:
        """``standard`` or ``advanced``: Session Manager to ``mi-`` nodes needs advanced."""
        client = await self._client(region)
        with translate_errors("read the SSM instance tier", "ssm:GetServiceSetting"):
            result = await client.get_service_setting(SettingId=TIER_SETTING)
        return str(result["ServiceSetting"]["SettingValue"])


def terminate_sessions_blocking(
    target: AwsTarget, sessions: Iterable[tuple[str, str]], timeout: float = 3.0
) -> list[str]:
    """End ``(region, session_id)`` sessions without an event loop: for ``atexit`` and signal
    handlers, when the asyncio loop is gone. Returns the ids that could not be ended."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": 2},
        connect_timeout=min(timeout, 2.0),
        read_timeout=timeout,
        user_agent_extra="sagedeck",
    )
    creds = target.credentials
    session = boto3.session.Session(
        profile_name=target.session_profile,
        aws_access_key_id=creds.access_key if creds else None,
        aws_secret_access_key=creds.secret_key if creds else None,
        aws_session_token=creds.token if creds else None,
    )
    failed: list[str] = []
    clients: dict[str, Any] = {}
    for region, session_id in sessions:
        try:
            client = clients.get(region)
            if client is None:
                client = clients[region] = session.client(
                    "ssm", region_name=region, endpoint_url=target.endpoint_url, config=config
                )
                if target.read_only:
                    guard_client(client.meta.events)  # TerminateSession passes: as everywhere
            client.terminate_session(SessionId=session_id)
        except Exception:  # at exit, one failure must not stop ending the others
            failed.append(session_id)
    return failed
