"""Fill the fake account with the seeded fleet, straight through moto's backends (no HTTP).

The log history (tens of thousands of events) is generated once per process and its event
objects are shared by every later seed, so a reset + reseed before each test stays cheap.
"""

from __future__ import annotations

import base64
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import network, notebooks, service_settings, ssm
from .catalog import create_code_repository
from .fleet import NOTEBOOKS, NotebookSpec
from .fleet_resources import (
    EC2_ONLY_ROLE,
    EC2_TRUST_POLICY,
    HOSTILE_ROLE,
    INLINE_POLICIES,
    KMS_KEYS,
    LIFECYCLE_CONFIGS,
    NETWORKS,
    REPOSITORIES,
    ROLES,
    SAGEMAKER_TRUST_POLICY,
    LifecycleSpec,
    RoleSpec,
)
from .history import DAY, HOUR, notebook_history
from .identity import DEMO_USER, user_arn, user_id
from .lifecycle_scripts import failure_reason
from .logs import store as log_store
from .state import (
    ACCOUNT_ID,
    LOCK,
    ec2_backend,
    iam_backend,
    kms_backend,
    logs_backend,
    sagemaker_backend,
    ssm_backend,
)

PLAN_REUSE_MS = 10 * 60_000  # a plan older than this is regenerated: history must end near now
_COST_CENTERS = {"data-science": "CC-1001", "nlp": "CC-1002", "computer-vision": "CC-1003"}


@dataclass(frozen=True, slots=True)
class SeedPlan:
    anchor_ms: int
    streams: dict[tuple[str, str], list[Any]]  # (region, stream name) → moto LogEvents


_plan: list[SeedPlan] = []


def plan_for(anchor_ms: int) -> SeedPlan:
    if _plan and abs(_plan[0].anchor_ms - anchor_ms) < PLAN_REUSE_MS:
        return _plan[0]
    configs = {(c.region, c.name): c for c in LIFECYCLE_CONFIGS}
    streams: dict[tuple[str, str], list[Any]] = {}
    for spec in NOTEBOOKS:
        config = configs.get((spec.region, spec.lifecycle or ""))
        for suffix, events in notebook_history(spec, config, anchor_ms).items():
            if events:
                streams[(spec.region, f"{spec.name}/{suffix}")] = log_store.make_events(events)
    _plan[:] = [SeedPlan(anchor_ms, streams)]
    return _plan[0]


def seed_account(schedule: Any, anchor: float) -> None:
    """Create the fleet as it stands at epoch second ``anchor``; ``schedule`` starts transitions."""
    from moto.moto_api._internal import mock_random

    plan = plan_for(int(anchor * 1000))
    with LOCK:
        mock_random.seed(20240131)  # the same subnet, group and ENI ids on every seed
        _seed_iam(plan.anchor_ms)
        groups = {
            spec.region: _seed_network(spec.region, spec.vpc_cidr, spec.subnets)
            for spec in NETWORKS
        }
        for config in LIFECYCLE_CONFIGS:
            _seed_lifecycle_config(config, plan.anchor_ms)
        _seed_repositories(plan.anchor_ms)
        for region in sorted({spec.region for spec in NOTEBOOKS if spec.nodes}):
            _seed_instance_tier(region, plan.anchor_ms)
        rng = random.Random(1)
        for spec in NOTEBOOKS:
            _seed_notebook(spec, groups[spec.region], plan.anchor_ms, schedule, rng)
        _seed_logs(plan)
        _seed_role(HOSTILE_ROLE, plan.anchor_ms)
        # Last, as the hostile role: their random version ids leave the ids drawn before as
        # they were (the screenshots show ENI ids).
        _seed_secrets(plan.anchor_ms)
        # Last, for the same reason: the create form's choices draw ids after everything else.
        _seed_role(EC2_ONLY_ROLE, plan.anchor_ms, EC2_TRUST_POLICY)
        _seed_kms_keys()


def _at(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).replace(tzinfo=None)


def role_arn(name: str) -> str:
    role = next((r for r in (*ROLES, HOSTILE_ROLE) if r.name == name), None)
    path = role.path if role else "/service-role/"
    return f"arn:aws:iam::{ACCOUNT_ID}:role{path}{name}"


TIER_CHANGED_DAYS_AGO = 400  # before the first SSH-helper node: the helper's setup step 1


def _seed_instance_tier(region: str, anchor_ms: int) -> None:
    """Session Manager reaches the helper's ``mi-`` nodes only in the advanced-instances tier:
    every region with nodes has it, switched on by the platform's admin (the demo user)."""
    service_settings.customise(
        ssm_backend(ACCOUNT_ID, region),
        service_settings.ACTIVATION_TIER,
        "advanced",
        user_arn(DEMO_USER.name),
        _at(anchor_ms - TIER_CHANGED_DAYS_AGO * DAY),
    )


def _seed_iam(anchor_ms: int) -> None:
    for spec in ROLES:
        _seed_role(spec, anchor_ms)


def _seed_role(spec: RoleSpec, anchor_ms: int, trust_policy: str = SAGEMAKER_TRUST_POLICY) -> None:
    iam = iam_backend(ACCOUNT_ID)
    role = iam.create_role(
        role_name=spec.name,
        assume_role_policy_document=trust_policy,
        path=spec.path,
        permissions_boundary=None,
        description=spec.description,
        tags=[],
        max_session_duration="3600",
    )
    role.create_date = _at(anchor_ms - spec.created_days_ago * DAY)
    for policy_arn in spec.managed:
        iam.attach_role_policy(policy_arn, spec.name)
    for policy_name in spec.inline:
        iam.put_role_policy(spec.name, policy_name, INLINE_POLICIES[policy_name])


def _seed_kms_keys() -> None:
    for spec in KMS_KEYS:
        kms = kms_backend(ACCOUNT_ID, spec.region)
        key = kms.create_key(
            policy=None,
            key_usage="ENCRYPT_DECRYPT",
            key_spec="SYMMETRIC_DEFAULT",
            description=spec.description,
            tags=None,
        )
        kms.create_alias(key.id, spec.alias)


@dataclass(frozen=True, slots=True)
class _Network:
    subnets: tuple[str, ...]
    notebook_groups: tuple[str, ...]
    efs_group: str


def _seed_network(region: str, cidr: str, subnets: tuple[tuple[str, str], ...]) -> _Network:
    ec2 = ec2_backend(ACCOUNT_ID, region)
    vpc = ec2.create_vpc(cidr_block=cidr)
    ec2.create_tags([vpc.id], {"Name": "ml-platform"})
    subnet_ids = []
    for zone, block in subnets:
        subnet = ec2.create_subnet(vpc_id=vpc.id, cidr_block=block, availability_zone=zone)
        ec2.create_tags([subnet.id], {"Name": f"ml-private-{zone[-1]}"})
        subnet_ids.append(subnet.id)
    notebooks_group = ec2.create_security_group(
        "sagemaker-notebooks", "Notebook instances: egress only", vpc_id=vpc.id
    )
    efs_group = ec2.create_security_group(
        "efs-clients", "Clients of the team EFS file system", vpc_id=vpc.id
    )
    return _Network(tuple(subnet_ids), (notebooks_group.id,), efs_group.id)


def _encoded(script: str | None) -> list[dict[str, str]]:
    if not script:
        return []
    return [{"Content": base64.b64encode(script.encode()).decode()}]


def _seed_lifecycle_config(spec: LifecycleSpec, anchor_ms: int) -> None:
    backend = sagemaker_backend(ACCOUNT_ID, spec.region)
    config = backend.create_notebook_instance_lifecycle_config(
        spec.name, _encoded(spec.on_create), _encoded(spec.on_start)
    )
    config.creation_time = _at(anchor_ms - spec.created_days_ago * DAY)
    config.last_modified_time = _at(anchor_ms - spec.created_days_ago * DAY // 3)


def secret_arn(region: str, name: str) -> str:
    # Secrets Manager appends six random characters to a secret's name; fixed here, so the
    # repositories' ARNs read the same on every seed.
    return f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:{name}-Xq3LmB"


def _seed_secrets(anchor_ms: int) -> None:
    """The Git credentials the seeded repositories name, as a team stores them: a JSON
    username and token (the app never reads the value; DescribeSecret finds the secret)."""
    from moto.secretsmanager.models import secretsmanager_backends

    for region, name in sorted({(r.region, r.secret) for r in REPOSITORIES if r.secret}):
        backend = secretsmanager_backends[ACCOUNT_ID][region]
        backend.create_secret(
            name=name,
            secret_string='{"username": "acme-ml-bot", "password": "ghp_demoTokenNotARealOne0000"}',
            secret_binary=None,
            description="Git credentials for the acme-ml repositories",
            tags=[{"Key": "team", "Value": "ml"}],
            kms_key_id=None,
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        secret: Any = backend.secrets[name]
        secret.arn = secret_arn(region, name)
        secret.created_date = (anchor_ms - 320 * DAY) // 1000


def _seed_repositories(anchor_ms: int) -> None:
    for spec in REPOSITORIES:
        git = {"RepositoryUrl": spec.url}
        if spec.branch:
            git["Branch"] = spec.branch
        if spec.secret:
            git["SecretArn"] = secret_arn(spec.region, spec.secret)
        backend = sagemaker_backend(ACCOUNT_ID, spec.region)
        record = create_code_repository(backend, spec.name, git, [{"Key": "team", "Value": "ml"}])
        record.creation_time = record.last_modified_time = _at(
            anchor_ms - spec.created_days_ago * DAY
        )


def _tags(spec: NotebookSpec) -> list[dict[str, str]]:
    return [
        {"Key": "team", "Value": spec.team},
        {"Key": "owner", "Value": f"{spec.owner}@acme-ml.example"},
        {"Key": "cost-center", "Value": _COST_CENTERS.get(spec.team, "CC-2000")},
        {"Key": "env", "Value": spec.env},
        *({"Key": key, "Value": value} for key, value in spec.more_tags),
    ]


def _seed_notebook(
    spec: NotebookSpec, net: _Network, anchor_ms: int, schedule: Any, rng: random.Random
) -> None:
    backend = sagemaker_backend(ACCOUNT_ID, spec.region)
    subnet = net.subnets[len(spec.name) % len(net.subnets)] if spec.in_vpc else None
    groups = list(net.notebook_groups) + ([net.efs_group] if spec.volume_gb >= 100 else [])
    kms = f"arn:aws:kms:{spec.region}:{ACCOUNT_ID}:key/{uuid.UUID(int=rng.getrandbits(128))}"
    notebook = backend.create_notebook_instance(
        notebook_instance_name=spec.name,
        instance_type=spec.instance_type,
        role_arn=role_arn(spec.role),
        subnet_id=subnet,
        security_group_ids=groups if subnet else None,
        kms_key_id=kms if spec.kms else None,
        tags=_tags(spec),
        lifecycle_config_name=spec.lifecycle,
        direct_internet_access="Disabled" if spec.in_vpc else "Enabled",
        volume_size_in_gb=spec.volume_gb,
        accelerator_types=list(spec.accelerators) or None,
        default_code_repository=spec.default_repository,
        additional_code_repositories=list(spec.additional_repositories) or None,
        root_access=spec.root_access,
    )
    notebooks.set_defaults(notebook, spec.platform, spec.imds)
    if subnet:
        notebook.network_interface_id = network.create_notebook_eni(
            ACCOUNT_ID, spec.region, spec.name, subnet, groups
        )
    notebook.creation_time = _at(anchor_ms - int(spec.created_days_ago * DAY))
    notebook.last_modified_time = _at(anchor_ms - int(spec.changed_hours_ago * HOUR))
    notebook.status = spec.status
    if spec.status == notebooks.FAILED:
        config = backend.notebook_instance_lifecycle_configurations[spec.lifecycle]
        notebook.failure_reason = failure_reason("timeout", config.arn, notebook.arn)
    kind = {"Pending": "start", "Stopping": "stop", "Updating": "update", "Deleting": "delete"}
    if spec.status in kind:
        schedule(notebook, kind[spec.status])
    agent = ssm_backend(ACCOUNT_ID, spec.region)
    for node in spec.nodes:
        ssm.register_notebook_node(
            agent,
            spec.name,
            notebook.arn,
            ping=node.ping,
            owner=user_id(node.owner),
            when=_at(anchor_ms - int(node.registered_hours_ago * HOUR)),
            rng=rng,
        )


def _seed_logs(plan: SeedPlan) -> None:
    for (region, stream_name), events in plan.streams.items():
        stream = log_store.log_stream(logs_backend(ACCOUNT_ID, region), stream_name)
        log_store.attach(stream, events)
        log_store.backdate(stream, events[0].timestamp)
