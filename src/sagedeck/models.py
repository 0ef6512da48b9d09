"""Frozen dataclasses the UI renders. No botocore type or dict leaves ``sagedeck.aws``."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sagedeck.errors import SagedeckError


class NotebookStatus(enum.StrEnum):
    PENDING = "Pending"
    IN_SERVICE = "InService"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    FAILED = "Failed"
    DELETING = "Deleting"
    UPDATING = "Updating"

    @property
    def is_transitional(self) -> bool:
        """True while AWS is moving the instance between states."""
        return self in _TRANSITIONAL


_TRANSITIONAL = frozenset(
    {
        NotebookStatus.PENDING,
        NotebookStatus.STOPPING,
        NotebookStatus.DELETING,
        NotebookStatus.UPDATING,
    }
)

# The states from which AWS accepts each action (the rest get ValidationException).
STARTABLE = frozenset({NotebookStatus.STOPPED, NotebookStatus.FAILED})
STOPPABLE = frozenset({NotebookStatus.IN_SERVICE})
DELETABLE = frozenset({NotebookStatus.STOPPED, NotebookStatus.FAILED})
UPDATABLE = frozenset({NotebookStatus.STOPPED})
URL_READY = frozenset({NotebookStatus.IN_SERVICE})


class JupyterView(enum.StrEnum):
    CLASSIC = "classic"
    LAB = "lab"

    def authorized_url(self, url: str) -> str:
        """CreatePresignedNotebookInstanceUrl's answer, opening this view."""
        if self is JupyterView.LAB:
            return url + ("&view=lab" if "?" in url else "?view=lab")
        return url


@dataclass(frozen=True, slots=True)
class NotebookKey:
    """A notebook instance is identified by its region and name (names are per region), and,
    when sagedeck looks at several AWS profiles at once, by the profile that lists it: every
    call on the instance goes through that profile's credentials."""

    region: str
    name: str
    profile: str | None = None

    def __str__(self) -> str:
        where = f"{self.region}/{self.name}"
        return where if self.profile is None else f"{self.profile}:{where}"


@dataclass(frozen=True, slots=True)
class NotebookSummary:
    """One row of ListNotebookInstances: all a table needs, no per-instance call."""

    name: str
    arn: str
    region: str
    status: NotebookStatus
    instance_type: str
    url: str | None
    created: datetime
    last_modified: datetime
    lifecycle_config: str | None = None
    default_code_repository: str | None = None
    additional_code_repositories: tuple[str, ...] = ()
    # The profile that listed it, when several are listed at once (None: the only one).
    profile: str | None = None

    @property
    def key(self) -> NotebookKey:
        return NotebookKey(self.region, self.name, self.profile)

    @property
    def account(self) -> str:
        """The AWS account that owns it, from its ARN (``arn:aws:sagemaker:REGION:ACCOUNT:…``)."""
        return arn_account(self.arn)


@dataclass(frozen=True, slots=True)
class NotebookDetail:
    """DescribeNotebookInstance: the summary plus configuration."""

    summary: NotebookSummary
    failure_reason: str | None
    role_arn: str | None
    subnet_id: str | None
    security_groups: tuple[str, ...]
    network_interface_id: str | None
    direct_internet_access: bool
    volume_size_gb: int | None
    kms_key_id: str | None
    accelerator_types: tuple[str, ...]
    root_access: bool
    platform: str | None
    imds_min_version: str | None
    ip_address_type: str | None = None

    @property
    def name(self) -> str:
        return self.summary.name

    @property
    def region(self) -> str:
        return self.summary.region

    @property
    def status(self) -> NotebookStatus:
        return self.summary.status

    @property
    def key(self) -> NotebookKey:
        return self.summary.key

    @property
    def role_name(self) -> str | None:
        """The last path segment of the role ARN (``role/service-role/Name`` -> ``Name``)."""
        if not self.role_arn:
            return None
        return self.role_arn.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class SecurityGroupRef:
    group_id: str
    name: str


@dataclass(frozen=True, slots=True)
class NetworkInterface:
    eni_id: str
    private_ip: str | None
    subnet_id: str | None
    vpc_id: str | None
    availability_zone: str | None
    security_groups: tuple[SecurityGroupRef, ...]
    status: str | None = None
    mac_address: str | None = None


@dataclass(frozen=True, slots=True)
class PolicyRef:
    name: str
    arn: str


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    arn: str
    created: datetime | None
    attached_policies: tuple[PolicyRef, ...]
    inline_policies: tuple[str, ...]
    description: str | None = None
    max_session_duration: int | None = None


@dataclass(frozen=True, slots=True)
class LifecycleConfig:
    name: str
    arn: str
    on_create: str | None
    on_start: str | None
    created: datetime | None = None
    last_modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class CodeRepository:
    name: str
    arn: str
    url: str
    branch: str | None
    secret_arn: str | None
    created: datetime | None = None


@dataclass(frozen=True, slots=True)
class Tag:
    key: str
    value: str


class StreamChoice(enum.StrEnum):
    """Which of an instance's log streams to show."""

    ALL = "all"
    LIFECYCLE = "lifecycle"  # LifecycleConfigOnCreate and LifecycleConfigOnStart
    JUPYTER = "jupyter"  # jupyter.log


# How long a presigned URL's Jupyter session lasts once signed in
# (CreatePresignedNotebookInstanceUrl's SessionExpirationDurationInSeconds).
URL_SESSION_MIN, URL_SESSION_MAX = 1800, 43200
URL_SESSION_DEFAULT = 43200


@dataclass(frozen=True, slots=True)
class PresignedUrl:
    """A presigned Jupyter URL. It is a credential: never log it, never write it to disk."""

    url: str = field(repr=False)
    notebook: NotebookKey
    view: JupyterView
    created: datetime
    session_seconds: int

    # AWS: the AuthorizedUrl must be used within 5 minutes of its creation.
    VALID_FOR = timedelta(minutes=5)

    @property
    def usable_until(self) -> datetime:
        return self.created + self.VALID_FOR


@dataclass(frozen=True, slots=True)
class LogEvent:
    timestamp: int  # epoch milliseconds, as CloudWatch gives it
    stream: str
    message: str
    event_id: str
    ingestion_time: int | None = None


@dataclass(frozen=True, slots=True)
class ManagedNode:
    """An SSM managed node (``mi-…``) registered for a notebook instance."""

    instance_id: str
    ping_status: str
    last_ping: datetime | None
    agent_version: str | None
    platform: str | None
    ip_address: str | None
    computer_name: str | None
    tags: tuple[Tag, ...] = ()

    def tag(self, key: str) -> str | None:
        for tag in self.tags:
            if tag.key == key:
                return tag.value
        return None


def arn_account(arn: str) -> str:
    """The account field of an ARN; "" when it has none."""
    parts = arn.split(":", 5)
    return parts[4] if len(parts) > 4 else ""


@dataclass(frozen=True, slots=True)
class RegionListing:
    """The result of listing one region (of one profile, when several are listed): the rows,
    or the error that stopped it."""

    region: str
    notebooks: tuple[NotebookSummary, ...]
    error: SagedeckError | None = None
    profile: str | None = None

    @property
    def where(self) -> str:
        """``eu-west-1``, or ``prod eu-west-1`` when several profiles are listed."""
        return self.region if self.profile is None else f"{self.profile} {self.region}"


# --- an instance's Jupyter server (sagedeck.jupyter) ------------------------------------------


@dataclass(frozen=True, slots=True)
class JupyterKernel:
    """A running kernel as Jupyter's ``GET /api/kernels`` reports it."""

    kernel_id: str
    name: str
    last_activity: datetime | None
    execution_state: str  # "idle", "busy", "starting", ...
    connections: int


@dataclass(frozen=True, slots=True)
class JupyterTerminal:
    """A terminal as ``GET /api/terminals`` reports it."""

    name: str
    last_activity: datetime | None


@dataclass(frozen=True, slots=True)
class JupyterActivity:
    """What an instance's Jupyter server is doing: ``GET /api/status``, kernels and terminals,
    read at ``read_at``. ``last_activity`` is the newest activity of any of them."""

    started: datetime | None
    server_last_activity: datetime | None
    connections: int
    kernels: tuple[JupyterKernel, ...]
    terminals: tuple[JupyterTerminal, ...]
    read_at: datetime

    @property
    def last_activity(self) -> datetime | None:
        times = [self.server_last_activity]
        times += [k.last_activity for k in self.kernels]
        times += [t.last_activity for t in self.terminals]
        known = [t for t in times if t is not None]
        return max(known) if known else None

    @property
    def busy(self) -> bool:
        """A kernel was running code when it was read."""
        return any(kernel.execution_state == "busy" for kernel in self.kernels)

    def idle_seconds(self, now: datetime | None = None) -> int | None:
        """Whole seconds since the last activity (at ``now``, the time it was read by default);
        0 while a kernel is busy; None when the server reports none."""
        if self.busy:
            return 0
        last = self.last_activity
        if last is None:
            return None
        return max(0, int(((now or self.read_at) - last).total_seconds()))
