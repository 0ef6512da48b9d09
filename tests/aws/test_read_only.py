"""Read-only mode is one allow-list (``sagedeck.aws.read_only``), checked by every client.

Three halves:

* The table against botocore's service models, read at run time: every operation of every
  service sagedeck calls is either allowed or refused; what is allowed is a read or one of the
  named exceptions; names that look like reads are not thereby allowed.
* A scan of the source: every AWS operation sagedeck calls is in the table, and the table
  holds nothing sagedeck does not call. A new call fails here until it is classified.
* Over HTTP, through the fault proxy in front of the embedded AWS: in read-only mode each
  refused call raises ``ReadOnly`` and never reaches the proxy (the proxy records what it saw),
  the server's state is unchanged, and the same call works when writable; every allowed read
  goes through; TerminateSession and StartLiveTail go through.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

import sagedeck
from sagedeck.aws.details import PARTS, Subject, load_part
from sagedeck.aws.lifecycle import Scripts
from sagedeck.aws.logs.live_session import live_client
from sagedeck.aws.manage.choices import account_choices
from sagedeck.aws.read_only import (
    ALLOWED,
    ALWAYS_ALLOWED,
    CREDENTIAL,
    OPERATIONS,
    WHY_REFUSED,
    refusal,
)
from sagedeck.aws.repos import NewRepository
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.aws.ssm import terminate_sessions_blocking
from sagedeck.devtools.faultproxy import FaultProxy
from sagedeck.errors import ReadOnly
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookKey
from sagedeck.ssm import port_forwards
from sagedeck.ssm.shell import plan_shell

EAST = "us-east-1"
SERVICES = ("sagemaker", "logs", "ec2", "iam", "ssm", "sts", "secretsmanager", "kms", "pricing")
READ_NAME = re.compile(r"(Describe|List|Get|Filter|BatchGet|Search|Lookup)[A-Z]")
# Allowed though their names do not read: a stream of log events, and ending our own session.
NAMED_EXCEPTIONS = {"logs:StartLiveTail", "ssm:TerminateSession"}


@functools.cache
def operations_by_service() -> dict[str, frozenset[str]]:
    session = botocore.session.get_session()
    return {s: frozenset(session.get_service_model(s).operation_names) for s in SERVICES}


def every_operation() -> Iterator[str]:
    for service, names in operations_by_service().items():
        for name in sorted(names):
            yield f"{service}:{name}"


# --- the table against botocore's models -----------------------------------------------------


def test_every_operation_of_the_services_is_allowed_or_refused() -> None:
    allowed = refused = 0
    for operation in every_operation():
        refused_with = refusal(operation)
        if operation in ALLOWED:
            assert refused_with is None, operation
            allowed += 1
        else:
            assert isinstance(refused_with, ReadOnly), operation
            assert refused_with.operation == operation
            assert "\n" not in str(refused_with)
            assert str(refused_with).startswith("read-only mode: ")
            assert str(refused_with).endswith("; run without --read-only")
            refused += 1
    assert allowed == len(ALLOWED)  # every allowed name is an operation of these services
    assert refused > 1_000  # the models were read, not an empty list


def test_the_allow_list_holds_only_reads_and_the_named_exceptions() -> None:
    for operation in ALLOWED:
        _service, name = operation.split(":")
        assert READ_NAME.match(name) or operation in NAMED_EXCEPTIONS, operation
    assert NAMED_EXCEPTIONS <= ALLOWED
    assert set(ALWAYS_ALLOWED) <= NAMED_EXCEPTIONS
    assert "sts:GetCallerIdentity" in ALLOWED


def test_every_classified_operation_exists_and_each_credential_says_why() -> None:
    known = set(every_operation())
    assert set(OPERATIONS) <= known, sorted(set(OPERATIONS) - known)  # no typo allows nothing
    credentials = {op for op, kind in OPERATIONS.items() if kind is CREDENTIAL}
    assert credentials == set(WHY_REFUSED)
    assert credentials == {"sagemaker:CreatePresignedNotebookInstanceUrl", "ssm:StartSession"}


@pytest.mark.parametrize(
    "operation",
    [
        "sts:GetSessionToken",  # "Get", but it mints credentials
        "sts:GetFederationToken",
        "sagemaker:CreatePresignedNotebookInstanceUrl",  # "Create", but only a sign-in URL
        "sagemaker:CreatePresignedDomainUrl",
        "ssm:GetParameter",  # a read sagedeck does not make: not allowed until classified
        "sagemaker:StartSession",  # same name as SSM's, another service
    ],
)
def test_a_name_is_not_a_classification(operation: str) -> None:
    assert isinstance(refusal(operation), ReadOnly)


def test_the_presigned_url_refusal_says_why_in_one_line() -> None:
    assert str(refusal("sagemaker:CreatePresignedNotebookInstanceUrl")) == (
        "read-only mode: a presigned Jupyter URL opens a terminal on the instance, like a"
        " shell; run without --read-only"
    )


# --- the scan of the source ------------------------------------------------------------------


def called_operations() -> dict[str, set[str]]:
    """``client.<operation>`` attributes in the app (not the embedded AWS nor the developer
    tools, whose clients are the server's side), each with the files that use it."""
    by_method: dict[str, set[str]] = {}
    for service, names in operations_by_service().items():
        for name in names:
            by_method.setdefault(xform_name(name), set()).add(f"{service}:{name}")
    root = Path(sagedeck.__path__[0])
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).parts[0] in ("localaws", "devtools"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in by_method
                and ast.unparse(node.value).endswith("client")
            ):
                found.setdefault(node.attr, set()).add(str(path.relative_to(root)))
    return found


def test_every_operation_sagedeck_calls_is_classified() -> None:
    classified = {xform_name(op.split(":")[1]): op for op in OPERATIONS}
    found = called_operations()
    unclassified = {m: sorted(files) for m, files in found.items() if m not in classified}
    assert unclassified == {}, (
        f"classify these in sagedeck/aws/read_only.py OPERATIONS: {unclassified}"
    )
    stale = sorted(op for method, op in classified.items() if method not in found)
    assert stale == [], f"sagedeck no longer calls {stale}: take them off the table"


# --- over HTTP, through the fault proxy -------------------------------------------------------


@pytest.fixture(scope="module")
def module_proxy(local_aws: LocalAws) -> Iterator[FaultProxy]:
    with FaultProxy(local_aws.endpoint_url, seed=1) as proxy:
        yield proxy


@pytest.fixture
def proxy(module_proxy: FaultProxy, aws: LocalAws) -> FaultProxy:
    """No fault: the proxy only records what reaches it (after the fleet was seeded)."""
    module_proxy.reset_stats()
    return module_proxy


def proxied(proxy: FaultProxy, aws: LocalAws, read_only: bool) -> AwsTarget:
    return AwsTarget(
        None, (EAST,), proxy.url, read_only, StaticCredentials("demo", "demo", "demo-token")
    )


@pytest.fixture
async def writable(proxy: FaultProxy, aws: LocalAws) -> AsyncIterator[AwsServices]:
    async with AwsServices(proxied(proxy, aws, read_only=False)) as services:
        yield services


@pytest.fixture
async def read_only(proxy: FaultProxy, aws: LocalAws) -> AsyncIterator[AwsServices]:
    async with AwsServices(proxied(proxy, aws, read_only=True)) as services:
        yield services


def sent(proxy: FaultProxy) -> list[str]:
    """The operations that reached the proxy, as IAM names them."""
    return [f"{seen.call.service}:{seen.call.operation}" for seen in proxy.seen()]


def notebook(aws: LocalAws, name: str) -> dict[str, Any]:
    item: dict[str, Any] = aws.client("sagemaker", EAST).describe_notebook_instance(
        NotebookInstanceName=name
    )
    item.pop("ResponseMetadata", None)
    return item


def active_sessions(aws: LocalAws) -> int:
    return len(aws.client("ssm", EAST).describe_sessions(State="Active")["Sessions"])


def fleet_state(aws: LocalAws) -> object:
    """What any refused call could have changed: the instances, their tags, SSM sessions."""
    client = aws.client("sagemaker", EAST)
    names = ("nb", "nb-dev", "alice-sandbox")
    arn = notebook(aws, "nb")["NotebookInstanceArn"]
    configs = client.list_notebook_instance_lifecycle_configs()["NotebookInstanceLifecycleConfigs"]
    return (
        [notebook(aws, name) for name in names],
        client.list_tags(ResourceArn=arn)["Tags"],
        active_sessions(aws),
        # lifecycle configurations and code repositories (sagedeck lifecycle / repos)
        [
            client.describe_notebook_instance_lifecycle_config(
                NotebookInstanceLifecycleConfigName=c["NotebookInstanceLifecycleConfigName"]
            )["OnStart"]
            for c in configs
        ],
        sorted(
            r["CodeRepositoryName"]
            for r in client.list_code_repositories()["CodeRepositorySummaryList"]
        ),
    )


async def node_of(services: AwsServices, name: str) -> str:
    node = await services.ssm.find_node(name, EAST)
    assert node is not None, f"the seeded fleet has no SSM node for {name}"
    return node.instance_id


async def _add_tags(s: AwsServices, aws: LocalAws) -> None:
    arn = str(notebook(aws, "nb")["NotebookInstanceArn"])
    await s.sagemaker.add_tags(arn, EAST, {"env": "changed"})


async def _raw(s: AwsServices, service: str, method: str, **kwargs: Any) -> object:
    """A client call no method of sagedeck makes: what a call added later would do."""
    client = await s.conn.client(service, EAST)
    result: object = await getattr(client, method)(**kwargs)
    return result


@dataclass(frozen=True)
class Refused:
    """A call read-only mode refuses: ``operation`` is the one it must never send."""

    name: str
    operation: str
    call: Callable[[AwsServices, LocalAws], Awaitable[object]]
    changes: bool = True  # writable, the same call changes ``fleet_state``


REFUSED = [
    Refused(
        "start",
        "sagemaker:StartNotebookInstance",
        lambda s, aws: s.sagemaker.start(NotebookKey(EAST, "nb-dev")),
    ),
    Refused(
        "stop",
        "sagemaker:StopNotebookInstance",
        lambda s, aws: s.sagemaker.stop(NotebookKey(EAST, "nb")),
    ),
    Refused(
        "delete",
        "sagemaker:DeleteNotebookInstance",
        lambda s, aws: s.sagemaker.delete(NotebookKey(EAST, "nb-dev")),
    ),
    Refused(
        "update",
        "sagemaker:UpdateNotebookInstance",
        lambda s, aws: s.sagemaker.update(NotebookKey(EAST, "nb-dev"), volume_size_gb=99),
    ),
    Refused("tag", "sagemaker:AddTags", _add_tags),
    Refused(
        "presigned-url",
        "sagemaker:CreatePresignedNotebookInstanceUrl",
        lambda s, aws: s.sagemaker.presigned_url(NotebookKey(EAST, "nb")),
        changes=False,
    ),
    Refused(
        "shell",
        "ssm:StartSession",
        lambda s, aws: _shell_session(s),
    ),
    Refused(
        "port-forward",
        "ssm:StartSession",
        lambda s, aws: _forward_session(s),
    ),
    Refused(
        "lifecycle-create",
        "sagemaker:CreateNotebookInstanceLifecycleConfig",
        lambda s, aws: s.lifecycle.create("new-config", EAST, Scripts(on_start="echo hi\n")),
    ),
    Refused(
        "lifecycle-update",
        "sagemaker:UpdateNotebookInstanceLifecycleConfig",
        lambda s, aws: s.lifecycle.update("idle-stop", EAST, Scripts(on_start="echo hi\n")),
    ),
    Refused(
        "lifecycle-delete",
        "sagemaker:DeleteNotebookInstanceLifecycleConfig",
        lambda s, aws: s.lifecycle.delete("idle-stop", EAST),
    ),
    Refused(
        "repository-add",
        "sagemaker:CreateCodeRepository",
        lambda s, aws: s.repos.add(EAST, NewRepository("new-repo", "https://github.com/a/b.git")),
    ),
    Refused(
        "repository-delete",
        "sagemaker:DeleteCodeRepository",
        lambda s, aws: s.repos.delete("notebook-templates", EAST),
    ),
    Refused(
        "untag",
        "sagemaker:DeleteTags",
        lambda s, aws: s.manage.delete_tags(
            EAST, str(notebook(aws, "nb")["NotebookInstanceArn"]), ["owner"]
        ),
    ),
    Refused(
        "manage-tag",
        "sagemaker:AddTags",
        lambda s, aws: s.manage.add_tags(
            EAST, str(notebook(aws, "nb")["NotebookInstanceArn"]), [{"Key": "k", "Value": "v"}]
        ),
    ),
    Refused(
        "manage-update",
        "sagemaker:UpdateNotebookInstance",
        lambda s, aws: s.manage.update(EAST, "nb-dev", {"InstanceType": "ml.t3.large"}),
    ),
    Refused(
        "create",  # fleet_state does not see a new instance: tests/manage checks it exists
        "sagemaker:CreateNotebookInstance",
        lambda s, aws: s.manage.create(
            EAST,
            {
                "NotebookInstanceName": "made-in-read-only",
                "InstanceType": "ml.t3.medium",
                "RoleArn": str(notebook(aws, "nb")["RoleArn"]),
            },
        ),
        changes=False,
    ),
    Refused(
        "unclassified-read",
        "sagemaker:ListTrainingJobs",
        lambda s, aws: _raw(s, "sagemaker", "list_training_jobs"),
        changes=False,
    ),
]


async def _shell_session(s: AwsServices) -> object:
    return await s.ssm.start_session(EAST, await node_of(s, "alice-sandbox"))


async def _forward_session(s: AwsServices) -> object:
    return await s.ssm.start_port_forward(EAST, await node_of(s, "alice-sandbox"), 8888, 18888)


@pytest.mark.parametrize("refused", REFUSED, ids=lambda r: r.name)
async def test_read_only_refuses_before_anything_is_sent(
    aws: LocalAws, proxy: FaultProxy, read_only: AwsServices, refused: Refused
) -> None:
    before = fleet_state(aws)
    with pytest.raises(ReadOnly) as info:
        await refused.call(read_only, aws)
    assert info.value.operation == refused.operation
    assert str(info.value) == str(refusal(refused.operation))
    seen = sent(proxy)
    assert refused.operation not in seen
    assert set(seen) <= ALLOWED, seen  # only the lookups on the way (the SSM node)
    assert fleet_state(aws) == before


@pytest.mark.parametrize("refused", [r for r in REFUSED if r.changes], ids=lambda r: r.name)
async def test_the_same_call_goes_through_when_writable(
    aws: LocalAws, proxy: FaultProxy, writable: AwsServices, refused: Refused
) -> None:
    before = fleet_state(aws)
    await refused.call(writable, aws)
    assert refused.operation in sent(proxy)
    assert fleet_state(aws) != before


async def test_every_allowed_read_goes_through(
    aws: LocalAws, proxy: FaultProxy, read_only: AwsServices
) -> None:
    """What the dashboard, ``show``, the log view and the doctor read, in read-only mode."""
    assert all(listing.error is None for listing in await read_only.sagemaker.list_regions())
    for name in ("cv-training-gpu", "nlp-finetune", "alice-sandbox"):  # VPC, lifecycle, repos
        detail = await read_only.sagemaker.describe(NotebookKey(EAST, name))
        subject = Subject(detail.summary, detail)
        for part in PARTS:
            loaded = await load_part(part, read_only, subject)
            assert loaded.ok, f"{name} {part.key}: {loaded.error}"
    assert await read_only.sagemaker.list_lifecycle_configs(EAST)
    assert await read_only.sagemaker.list_code_repositories(EAST)
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:github-acme-ml-Xq3LmB"
    assert (await read_only.repos.check_secret(secret)).ok  # DescribeSecret
    choices = await account_choices(read_only, EAST)  # the create form's lists
    problems = [choices.roles.problem, choices.subnets.problem, choices.kms_keys.problem]
    assert problems == [None, None, None]
    key = NotebookKey(EAST, "alice-sandbox")
    prefix = f"{key.name}/"
    assert await read_only.logs.log_group_arn(EAST)
    streams = await read_only.logs.stream_names(key)
    assert await read_only.logs.tail_start(key, prefix) is not None  # GetLogEvents
    await read_only.logs.filter_page(EAST, prefix, limit=1)
    await read_only.logs.stream_page(EAST, streams[0], limit=1)
    await read_only.ssm.active_sessions(EAST)
    await read_only.ssm.caller_identity(EAST)
    await read_only.ssm.instance_tier(EAST)
    assert await read_only.prices.fetch([(EAST, "ml.t3.medium")]) == {(EAST, "ml.t3.medium"): 0.05}
    assert set(sent(proxy)) == ALLOWED - NAMED_EXCEPTIONS  # each allowed read, over HTTP


async def test_terminate_session_goes_through_in_read_only_mode(
    aws: LocalAws, proxy: FaultProxy, writable: AwsServices, read_only: AwsServices
) -> None:
    node = await node_of(writable, "alice-sandbox")
    first = await writable.ssm.start_session(EAST, node)
    second = await writable.ssm.start_session(EAST, node)
    assert active_sessions(aws) == 2
    await read_only.ssm.terminate_session(EAST, first.session_id)
    # the exit path's own client (no event loop there) is guarded too, and lets it through
    target = proxied(proxy, aws, read_only=True)
    blocking = [(EAST, second.session_id)]
    assert await asyncio.to_thread(terminate_sessions_blocking, target, blocking) == []
    assert sent(proxy).count("ssm:TerminateSession") == 2
    assert active_sessions(aws) == 0


async def test_live_tail_streams_in_read_only_mode_and_its_client_is_guarded(
    aws: LocalAws, proxy: FaultProxy, read_only: AwsServices
) -> None:
    arn = await read_only.logs.log_group_arn(EAST)
    assert arn is not None
    target = proxied(proxy, aws, read_only=True)
    async with live_client(target, EAST, "nb") as client:
        with pytest.raises(ReadOnly, match="logs:DeleteLogGroup"):
            await client.delete_log_group(logGroupName="/aws/sagemaker/NotebookInstances")
        response = await client.start_live_tail(
            logGroupIdentifiers=[arn], logStreamNamePrefixes=["nb/"]
        )
        stream = response["responseStream"]
        try:
            first = await asyncio.wait_for(anext(aiter(stream)), timeout=10)
        finally:
            stream.close()
    assert "sessionStart" in first
    assert "logs:StartLiveTail" in sent(proxy)
    assert "logs:DeleteLogGroup" not in sent(proxy)


async def test_a_shell_and_a_port_forward_refuse_before_looking_for_the_node(
    proxy: FaultProxy, read_only: AwsServices
) -> None:
    """The one line comes first: no node lookup, no plugin search, no local port claimed."""
    key = NotebookKey(EAST, "alice-sandbox")
    claimed = set(port_forwards._CLAIMED)
    with pytest.raises(ReadOnly, match="an SSM session"):
        await plan_shell(read_only, key)
    with pytest.raises(ReadOnly, match="an SSM session"):
        await port_forwards.PortForwards(read_only).start(key, 8888, 18889)
    assert sent(proxy) == []
    assert set(port_forwards._CLAIMED) == claimed
