"""The SSM doctor: what a shell into a notebook instance needs, what is missing, what to do.

Shared by ``sagedeck doctor`` and the TUI's doctor screen. Every check runs even when an
earlier one failed, so one report shows every problem. StartSession itself is never tried:
it would open a session.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sagedeck.aws.services import AwsServices
from sagedeck.aws.ssm import OWNER_TAG, PORT_FORWARD_DOCUMENT, CallerIdentity
from sagedeck.errors import AccessDenied, CredentialsError, NotFound, SagedeckError
from sagedeck.models import ManagedNode, NotebookKey, NotebookStatus
from sagedeck.ssm.plugin import (
    INSTALL_URL,
    RECOMMENDED_VERSION,
    Plugin,
    PluginFailed,
    PluginNotFound,
    find_plugin,
)
from sagedeck.text.format import age
from sagedeck.text.sanitize import sanitize_line

SSH_HELPER = "https://github.com/aws-samples/sagemaker-ssh-helper"
TIER_HOWTO = (
    "Systems Manager console → Fleet Manager → Settings → Instance tier settings → change to"
    " Advanced-Tier, in this region (billed per node-hour)"
)
NEEDED_PERMISSIONS = (
    ("ssm:DescribeInstanceInformation", "find the node"),
    ("ssm:ListTagsForResource", "read the node's tags (SSHTimestamp, SSHOwner)"),
    ("ssm:StartSession", f"open a shell or a port forward ({PORT_FORWARD_DOCUMENT})"),
    ("ssm:TerminateSession", "end sessions"),
    ("sts:GetCallerIdentity", "know who you are"),
)


class Status(enum.StrEnum):
    OK = "ok"
    INFO = "info"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True, slots=True)
class Check:
    topic: str
    status: Status
    summary: str
    fix: str | None = None


@dataclass(frozen=True, slots=True)
class FailedCall:
    permission: str
    message: str
    denied: bool = False


@dataclass(frozen=True, slots=True)
class DoctorReport:
    key: NotebookKey | None
    checks: tuple[Check, ...]
    failed_calls: tuple[FailedCall, ...] = ()
    node: ManagedNode | None = None
    identity: CallerIdentity | None = None
    plugin: Plugin | None = None

    @property
    def healthy(self) -> bool:
        return all(c.status is not Status.FAIL for c in self.checks)

    @property
    def next_steps(self) -> list[str]:
        return [c.fix for c in self.checks if c.fix and c.status in (Status.FAIL, Status.WARN)]

    def check(self, topic: str) -> Check | None:
        return next((c for c in self.checks if c.topic == topic), None)


@dataclass
class _Diagnosis:
    services: AwsServices
    key: NotebookKey | None
    region: str
    checks: list[Check] = field(default_factory=list)
    failed: list[FailedCall] = field(default_factory=list)

    def add(self, topic: str, status: Status, summary: str, fix: str | None = None) -> None:
        self.checks.append(Check(topic, status, summary, fix))

    def failed_call(self, err: SagedeckError, permission: str) -> None:
        if isinstance(err, AccessDenied):
            self.failed.append(FailedCall(err.permission, str(err), denied=True))
        else:
            self.failed.append(FailedCall(permission, str(err)))


async def diagnose(services: AwsServices, key: NotebookKey | None) -> DoctorReport:
    region = key.region if key else services.conn.regions[0]
    d = _Diagnosis(services, key, region)
    # Independent checks run at once: the doctor takes as long as its slowest call.
    plugin, identity, node, _, _ = await asyncio.gather(
        _plugin(d),
        _identity(d),
        _node(d, key) if key else _nothing(),
        _notebook(d, key) if key else _nothing(),
        _tier(d),
    )
    if key is not None:
        _owner(d, node, identity)
    _permissions(d)
    if services.read_only:
        d.add(
            "read-only",
            Status.WARN,
            "read-only mode: sagedeck refuses shells, port forwards (StartSession)"
            " and Jupyter URLs",
            "run sagedeck without --read-only to open a shell",
        )
    order = ["plugin", "identity", "notebook", "node", "owner", "tier", "permissions", "read-only"]
    checks = sorted(d.checks, key=lambda c: order.index(c.topic))
    failed = sorted(d.failed, key=lambda f: f.permission)
    return DoctorReport(key, tuple(checks), tuple(failed), node, identity, plugin)


async def _nothing() -> None:
    return None


async def _plugin(d: _Diagnosis) -> Plugin | None:
    try:
        plugin = await asyncio.to_thread(find_plugin, d.services.target.endpoint_url)
    except PluginNotFound:
        d.add(
            "plugin",
            Status.FAIL,
            "session-manager-plugin is not installed (not on PATH)",
            f"install session-manager-plugin: {INSTALL_URL}",
        )
        return None
    except PluginFailed as err:
        d.add("plugin", Status.FAIL, str(err), f"reinstall session-manager-plugin: {INSTALL_URL}")
        return None
    if plugin.demo:
        d.add(
            "plugin",
            Status.OK,
            f"demo stand-in (sagedeck.localaws.demo_plugin, reports {plugin.version}): the"
            " embedded AWS has no real stream, so a session opens a labelled local shell",
        )
    elif plugin.version is None:
        d.add(
            "plugin",
            Status.WARN,
            f"{plugin.path} did not report a version: the legacy argument form is used",
            f"reinstall session-manager-plugin: {INSTALL_URL}",
        )
    elif plugin.outdated:
        d.add(
            "plugin",
            Status.WARN,
            f"session-manager-plugin {plugin.version} at {plugin.path} is outdated",
            f"upgrade session-manager-plugin to {RECOMMENDED_VERSION} or later: {INSTALL_URL}",
        )
    else:
        d.add("plugin", Status.OK, f"session-manager-plugin {plugin.version} at {plugin.path}")
    return plugin


async def _identity(d: _Diagnosis) -> CallerIdentity | None:
    try:
        identity = await d.services.ssm.caller_identity(d.region)
    except SagedeckError as err:
        d.failed_call(err, "sts:GetCallerIdentity")
        fix = (
            str(err).split(": ", 1)[-1]
            if isinstance(err, CredentialsError)
            else "check your credentials and network: `aws sts get-caller-identity`"
        )
        d.add("identity", Status.FAIL, f"cannot tell who you are: {err}", fix)
        return None
    d.add(
        "identity",
        Status.OK,
        f"{identity.arn} (account {identity.account}, {who(identity.user_id)})",
    )
    return identity


async def _notebook(d: _Diagnosis, key: NotebookKey) -> None:
    try:
        detail = await d.services.sagemaker.describe(key)
    except NotFound:
        d.add(
            "notebook",
            Status.FAIL,
            f"no notebook instance {key.name} in {key.region}",
            "check the name and --region (`sagedeck ls`)",
        )
        return
    except SagedeckError as err:
        d.failed_call(err, "sagemaker:DescribeNotebookInstance")
        d.add("notebook", Status.INFO, f"could not read {key.name}: {err}")
        return
    if detail.status is NotebookStatus.IN_SERVICE:
        d.add("notebook", Status.OK, f"{key.name} is InService in {key.region}")
    else:
        d.add(
            "notebook",
            Status.WARN,
            f"{key.name} is {detail.status.value}: its SSM agent runs only while it is InService",
            f"start {key.name} (`sagedeck start {key.name} --wait`) and wait for its node",
        )


async def _node(d: _Diagnosis, key: NotebookKey) -> ManagedNode | None:
    tag_key = d.services.ssm.tag_key
    try:
        node = await d.services.ssm.find_node(key.name, key.region)
    except SagedeckError as err:
        d.failed_call(err, "ssm:DescribeInstanceInformation")
        d.add("node", Status.FAIL, f"cannot look for the SSM node: {err}", _permission_fix(err))
        return None
    if node is None:
        d.add(
            "node",
            Status.FAIL,
            f"no SSM managed node is tagged {tag_key}={key.name} in {key.region}, so"
            f" {key.name} cannot be reached: a notebook instance is not an SSM target by itself",
            f"register one with sagemaker-ssh-helper ({SSH_HELPER}): add its lifecycle"
            " configuration to the instance (it activates an SSM agent, managed node `mi-…`,"
            f" tagged {tag_key}=<name>), let the notebook role create SSM activations,"
            f" enable the advanced-instances tier, restart the instance, then run"
            f" `sagedeck doctor {key.name}` again",
        )
        return None
    last = f", last ping {age(node.last_ping, datetime.now(UTC))} ago" if node.last_ping else ""
    agent = f", agent {node.agent_version}" if node.agent_version else ""
    where = f"{node.instance_id}: {node.ping_status}{agent}{last}"
    if node.ping_status == "Online":
        d.add("node", Status.OK, where)
    else:
        d.add(
            "node",
            Status.FAIL,
            f"{where}: the agent is not connected, StartSession will fail (TargetNotConnected)",
            f"make sure {key.name} is InService; restart it so the lifecycle script registers"
            " the agent again",
        )
    return node


def _owner(d: _Diagnosis, node: ManagedNode | None, identity: CallerIdentity | None) -> None:
    if node is None:
        return
    owner = node.tag(OWNER_TAG)
    if owner is None:
        d.add("owner", Status.INFO, f"{node.instance_id} has no {OWNER_TAG} tag")
    elif identity is None:
        d.add("owner", Status.INFO, f"registered by {owner}; who you are is unknown")
    elif owner in _names(identity):
        d.add("owner", Status.OK, f"registered by you ({OWNER_TAG} = your {who(owner)})")
    else:
        d.add(
            "owner",
            Status.WARN,
            f"registered by {who(owner)} ({OWNER_TAG} tag), not by you"
            f" ({who(identity.user_id)}): sagemaker-ssh-helper's policy"
            f" (ssm:resourceTag/{OWNER_TAG} = ${{aws:userid}}) refuses your StartSession",
            f"ask {_owner_hint(owner)} for access, or re-register the node as yourself"
            f" ({OWNER_TAG} = your aws:userid)",
        )


def who(user_id: str) -> str:
    """An ``aws:userid`` in words: AWS's unique ids are opaque (``AIDA…`` is an IAM user,
    ``AROA…:session`` a session of an IAM role); anything else (an ARN, a name) as it is."""
    head, _, session = user_id.partition(":")
    if head.startswith("AIDA") and not session:
        return f"IAM user id {user_id}"
    if head.startswith("AROA"):
        return f"session {session} of IAM role id {head}" if session else f"IAM role id {head}"
    return user_id


def _owner_hint(owner: str) -> str:
    """Who to ask, with the command that turns an IAM user id into the user's name."""
    if owner.startswith("AIDA") and ":" not in owner:
        query = f"Users[?UserId=='{owner}'].UserName"
        return f'the IAM user with id {owner} (`aws iam list-users --query "{query}"` names them)'
    return who(owner)


def _names(identity: CallerIdentity) -> set[str]:
    """Every way an owner tag may name the caller: user id (``AIDA…`` or ``AROA…:session``),
    ARN, and the user or role-session name."""
    names = {identity.user_id, identity.arn, identity.arn.rsplit("/", 1)[-1]}
    if ":" in identity.user_id:
        names.add(identity.user_id.split(":", 1)[1])
    return names


async def _tier(d: _Diagnosis) -> None:
    note = "Session Manager to hybrid nodes (`mi-…`) needs the advanced-instances tier"
    try:
        tier = await d.services.ssm.instance_tier(d.region)
    except SagedeckError as err:
        if isinstance(err, AccessDenied):
            d.failed_call(err, "ssm:GetServiceSetting")
        d.add("tier", Status.INFO, f"{note}; could not check it: {err}", None)
        return
    if tier.lower() == "advanced":
        d.add("tier", Status.OK, f"advanced-instances tier is on in {d.region}")
    else:
        d.add("tier", Status.FAIL, f"{d.region} uses the {tier} tier: {note}", TIER_HOWTO)


def _permissions(d: _Diagnosis) -> None:
    needed = ", ".join(p for p, _ in NEEDED_PERMISSIONS)
    denied = [f for f in d.failed if f.denied]
    if denied:
        names = ", ".join(sorted({f.permission for f in denied}))
        d.add(
            "permissions",
            Status.FAIL,
            f"denied: {names} (a shell needs {needed})",
            f"ask an administrator to allow {names} for your identity",
        )
    elif d.failed:
        d.add(
            "permissions",
            Status.WARN,
            f"{len(d.failed)} call(s) failed, not for lack of permission (a shell needs {needed})",
            "see the failed calls above; retry when the endpoint answers",
        )
    else:
        d.add(
            "permissions",
            Status.OK,
            f"every call made succeeded (StartSession is not tried: it would open a"
            f" session); a shell needs {needed}",
        )


def _permission_fix(err: SagedeckError) -> str:
    if isinstance(err, AccessDenied):
        return f"ask an administrator to allow {err.permission}"
    if isinstance(err, CredentialsError):
        return str(err).split(": ", 1)[-1]
    return "retry when the endpoint answers"


def render_text(report: DoctorReport) -> str:
    """The plain-text report for ``sagedeck doctor``. Its lines quote AWS (names, tags, error
    messages) and go to a terminal: each is sanitised."""
    title = f"{report.key.name} ({report.key.region})" if report.key else "SSM setup"
    lines = [f"sagedeck doctor: {title}"]
    width = max(len(c.topic) for c in report.checks) if report.checks else 0
    for c in report.checks:
        lines.append(f"  {c.status.value:<5} {c.topic:<{width}}  {c.summary}")
    if report.failed_calls:
        lines.append("Failed calls:")
        lines += [f"  {f.permission}: {f.message}" for f in report.failed_calls]
    steps = report.next_steps
    if steps:
        lines.append("Next steps:")
        lines += [f"  {n}. {step}" for n, step in enumerate(steps, 1)]
    else:
        lines.append("Nothing to fix: `sagedeck ssm NAME` should work.")
    return "\n".join(sanitize_line(line) for line in lines)
