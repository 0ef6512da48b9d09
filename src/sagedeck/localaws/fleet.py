"""The seeded notebooks: a data-science team's fleet in two regions, as such fleets look.

Pure data. Every status is present; names include ``nb`` / ``nb-dev`` (prefix bugs) and an
``alice-sandbox`` in both regions (ambiguous names); ``legacy-analytics`` points at a deleted
role; ``nlp-finetune`` failed because its lifecycle script outgrew the five-minute limit;
``bob-experiments`` carries text a terminal must not obey (``hostile``).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import hostile
from .fleet_resources import DELETED_ROLE, EAST, EXECUTION_ROLE, WEST


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """An SSM managed node registered by the SSH helper for the notebook."""

    ping: str  # Online / ConnectionLost
    owner: str  # the IAM user who registered it (identity.USERS); SSHOwner is their user id
    registered_hours_ago: float


@dataclass(frozen=True, slots=True)
class NotebookSpec:
    region: str
    name: str
    instance_type: str
    status: str
    role: str  # role name; the ARN carries the role's path
    created_days_ago: float
    changed_hours_ago: float  # when the current status was entered
    owner: str
    team: str
    lifecycle: str | None = None
    in_vpc: bool = False
    volume_gb: int = 5
    platform: str = "notebook-al2-v2"
    default_repository: str | None = None
    additional_repositories: tuple[str, ...] = ()
    root_access: str = "Enabled"
    imds: str = "2"
    accelerators: tuple[str, ...] = ()
    kms: bool = False
    history_days: int = 14  # days of jupyter.log before the current state
    always_on: bool = False  # never stopped (no auto-stop): one long run
    nodes: tuple[NodeSpec, ...] = ()
    env: str = "dev"
    more_tags: tuple[tuple[str, str], ...] = ()  # after team, owner, cost-center and env
    last_run_lines: tuple[str, ...] = ()  # its own code's output, near the end of its last run


NOTEBOOKS = (
    NotebookSpec(
        region=EAST,
        name="alice-sandbox",
        instance_type="ml.t3.medium",
        status="InService",
        role=EXECUTION_ROLE,
        created_days_ago=45,
        changed_hours_ago=3.2,
        owner="alice",
        team="data-science",
        lifecycle="auto-stop-idle",
        volume_gb=20,
        additional_repositories=("ml-utils",),
        nodes=(NodeSpec("Online", "demo", 3.1),),
    ),
    NotebookSpec(
        region=EAST,
        name="nlp-finetune",
        instance_type="ml.g5.2xlarge",
        status="Failed",
        role="nlp-team-notebook-role",
        created_days_ago=12,
        changed_hours_ago=0.8,
        owner="dmitri",
        team="nlp",
        lifecycle="conda-setup-broken",
        in_vpc=True,
        volume_gb=200,
        kms=True,
        history_days=10,
    ),
    NotebookSpec(
        region=EAST,
        name="cv-training-gpu",
        instance_type="ml.p3.2xlarge",
        status="InService",
        role="ml-platform-notebooks",
        created_days_ago=60,
        changed_hours_ago=26,
        owner="priya",
        team="computer-vision",
        in_vpc=True,
        volume_gb=500,
        platform="notebook-al2-v3",
        default_repository="ml-utils",
        additional_repositories=("sagemaker-examples",),
        history_days=21,
        # A stale node from the previous start and the current one: prefer the newest Online.
        # Priya registered them herself: to the demo caller they are someone else's nodes.
        nodes=(NodeSpec("ConnectionLost", "priya", 50), NodeSpec("Online", "priya", 25.9)),
        env="prod",
    ),
    NotebookSpec(
        region=EAST,
        name="fraud-detection",
        instance_type="ml.m5.xlarge",
        status="Stopped",
        role=EXECUTION_ROLE,
        created_days_ago=120,
        changed_hours_ago=40,
        owner="marco",
        team="risk",
        lifecycle="auto-stop-idle",
        in_vpc=True,
        volume_gb=50,
        default_repository="fraud-detection",
        history_days=21,
        env="prod",
    ),
    NotebookSpec(
        region=EAST,
        name="data-eng-etl",
        instance_type="ml.m5.xlarge",
        status="InService",
        role="ml-platform-notebooks",
        created_days_ago=90,
        changed_hours_ago=21 * 24 + 5,
        owner="sam",
        team="data-engineering",
        in_vpc=True,
        volume_gb=100,
        history_days=21,
        always_on=True,
        nodes=(NodeSpec("ConnectionLost", "demo", 30),),  # agent died: the one Offline node
        env="prod",
    ),
    NotebookSpec(
        region=EAST,
        name="nb",
        instance_type="ml.t3.medium",
        status="InService",
        role=EXECUTION_ROLE,
        created_days_ago=30,
        changed_hours_ago=6,
        owner="bob",
        team="data-science",
        lifecycle="auto-stop-idle",
        history_days=7,
    ),
    NotebookSpec(
        region=EAST,
        name="nb-dev",
        instance_type="ml.t3.medium",
        status="Stopped",
        role=EXECUTION_ROLE,
        created_days_ago=28,
        changed_hours_ago=20,
        owner="bob",
        team="data-science",
        lifecycle="auto-stop-idle",
        history_days=7,
    ),
    NotebookSpec(
        region=EAST,
        name=hostile.NOTEBOOK,
        instance_type="ml.g4dn.xlarge",
        status="Pending",
        role=hostile.ROLE,
        created_days_ago=18,
        changed_hours_ago=0.002,
        owner="bob",
        team="data-science",
        lifecycle="install-extensions",
        volume_gb=30,
        history_days=10,
        more_tags=(hostile.TAG,),
        last_run_lines=hostile.LOG_LINES,
    ),
    NotebookSpec(
        region=EAST,
        name="recsys-prototype",
        instance_type="ml.t3.medium",
        status="Stopping",
        role=EXECUTION_ROLE,
        created_days_ago=9,
        changed_hours_ago=0.001,
        owner="li",
        team="recommendations",
        lifecycle="auto-stop-idle",
        history_days=5,
    ),
    NotebookSpec(
        region=EAST,
        name="churn-model",
        instance_type="ml.m5.xlarge",
        status="Updating",
        role="nlp-team-notebook-role",
        created_days_ago=75,
        changed_hours_ago=0.003,
        owner="marco",
        team="risk",
        volume_gb=40,
        history_days=10,
    ),
    NotebookSpec(
        region=EAST,
        name="legacy-analytics",
        instance_type="ml.t2.medium",
        status="Stopped",
        role=DELETED_ROLE,
        created_days_ago=900,
        changed_hours_ago=24 * 200,
        owner="carol",
        team="analytics",
        platform="notebook-al1-v1",
        imds="1",
        accelerators=("ml.eia2.medium",),
        history_days=0,
    ),
    NotebookSpec(
        region=WEST,
        name="alice-sandbox",
        instance_type="ml.t3.medium",
        status="Stopped",
        role=EXECUTION_ROLE,
        created_days_ago=33,
        changed_hours_ago=70,
        owner="alice",
        team="data-science",
        lifecycle="auto-stop-idle",
        history_days=7,
    ),
    NotebookSpec(
        region=WEST,
        name="eu-forecasting",
        instance_type="ml.m5.xlarge",
        status="InService",
        role="ml-platform-notebooks",
        created_days_ago=200,
        changed_hours_ago=50,
        owner="jonas",
        team="forecasting",
        lifecycle="conda-setup",
        in_vpc=True,
        volume_gb=75,
        default_repository="demand-forecasting",
        history_days=14,
        nodes=(NodeSpec("Online", "demo", 49.9),),
        env="prod",
    ),
    NotebookSpec(
        region=WEST,
        name="eu-vision-gpu",
        instance_type="ml.g4dn.xlarge",
        status="InService",
        role=EXECUTION_ROLE,
        created_days_ago=21,
        changed_hours_ago=2,
        owner="amelie",
        team="computer-vision",
        lifecycle="auto-stop-idle",
        volume_gb=100,
        platform="notebook-al2023-v1",
        root_access="Disabled",
        history_days=7,
    ),
    NotebookSpec(
        region=WEST,
        name="eu-sandbox-carol",
        instance_type="ml.t3.medium",
        status="Stopped",
        role=EXECUTION_ROLE,
        created_days_ago=60,
        changed_hours_ago=24 * 9,
        owner="carol",
        team="analytics",
        history_days=5,
    ),
    NotebookSpec(
        region=WEST,
        name="gdpr-audit-tmp",
        instance_type="ml.t3.medium",
        status="Deleting",
        role=EXECUTION_ROLE,
        created_days_ago=4,
        changed_hours_ago=0.001,
        owner="jonas",
        team="compliance",
        history_days=2,
    ),
)
