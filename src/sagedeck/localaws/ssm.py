"""SSM for notebooks, the sagemaker-ssh-helper way: a notebook registers a hybrid-activated
managed node ``mi-…`` tagged with its name and ARN, which Session Manager can then reach.

moto 5.2.5 has no managed nodes, sessions or service settings; ``ssm_nodes``,
``ssm_sessions`` (with ``session_documents``) and ``service_settings`` add them.
"""

from __future__ import annotations

import random
import secrets
import warnings
from datetime import UTC, datetime
from typing import Any

from moto.ssm.exceptions import InvalidResourceId

from . import service_settings, ssm_nodes, ssm_sessions
from .identity import DEMO_USER
from .patching import add, replace
from .ssm_nodes import PING_STATUSES, ManagedNodeRecord, node_tags, nodes, register_node
from .state import CLOCK


def set_ping(backend: Any, instance_id: str, status: str) -> None:
    """Change a node's ping status; a node that drops off ends its open sessions."""
    node = nodes(backend)[instance_id]
    if status not in PING_STATUSES:
        raise ValueError(f"ping must be one of {PING_STATUSES}")
    node.set_ping(status, CLOCK.utcnow())
    if status != "Online":
        ssm_sessions.end_sessions(backend, instance_id)


def install() -> None:
    from moto.ssm import models, responses

    # BadRequest (advanced-instances tier) is an AWS error without a shape in the SSM model:
    # moto serialises it fine but warns, and a warning would land on a running TUI's screen.
    warnings.filterwarnings(
        "ignore", message=r"Exception\(BadRequest\) with code BadRequest", category=UserWarning
    )

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
    add(response_class, "describe_instance_information", ssm_nodes.describe_instance_information)
    add(response_class, "start_session", ssm_sessions.start_session)
    add(response_class, "terminate_session", ssm_sessions.terminate_session)
    add(response_class, "describe_sessions", ssm_sessions.describe_sessions)
    add(response_class, "get_service_setting", service_settings.get_service_setting)
    add(response_class, "update_service_setting", service_settings.update_service_setting)
    add(response_class, "reset_service_setting", service_settings.reset_service_setting)


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
    owner: str = DEMO_USER.user_id,
    when: datetime | None = None,
    rng: random.Random | None = None,
) -> ManagedNodeRecord:
    """Register a managed node for a notebook, tagged as the SSH helper tags it: ``owner`` is
    the registering user's ``aws:userid`` (the demo caller's by default).

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
    owner = node_tags(backend, newest.instance_id).get("SSHOwner", DEMO_USER.user_id)
    register_notebook_node(backend, notebook_name, notebook_arn, owner=owner)
