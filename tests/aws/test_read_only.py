"""Read-only mode refuses every mutating call in the AWS layer itself, not only in the UI.

Two halves:

* ``MUTATIONS`` drives each public mutating call against the embedded AWS: refused in
  read-only mode with the server's state unchanged, and (so the refusal is not a fluke of a
  broken call) the same call changes that state when the layer is writable.
* A scan of ``sagedeck/aws/*.py`` finds every function that makes a mutating AWS call (any
  operation of the services sagedeck uses whose name does not read): each must call
  ``require_writable``, and each public method that reaches one must have a row in
  ``MUTATIONS``. A new mutating call in logs or SSM fails here until it is guarded and has
  its row: add a ``Mutation`` below.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name
from botocore.awsrequest import AWSPreparedRequest

import sagedeck.aws
from sagedeck.aws.services import AwsServices
from sagedeck.errors import ReadOnly
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookKey

EAST = "us-east-1"
SERVICES = ("sagemaker", "logs", "ec2", "iam", "ssm", "sts")
READ_PREFIXES = ("describe_", "list_", "get_", "filter_", "search", "batch_get_", "lookup_")

# Calls that do not read by their name but change nothing a user would want read-only to stop.
EXEMPT = {
    "create_presigned_notebook_instance_url": "a sign-in URL: changes nothing, opens Jupyter",
    "start_live_tail": "streams log events: a read",
    "start_query": "a Logs Insights query: a read",
    "terminate_session": "ends a session sagedeck opened: never refused (see aws/ssm.py)",
}


@dataclass(frozen=True)
class Mutation:
    """One public mutating call: ``call`` runs it, ``observe`` reads the state it changes."""

    qualname: str  # module.Class.method, as the scan names it
    call: Callable[[AwsServices, LocalAws], Awaitable[object]]
    observe: Callable[[LocalAws], object]


def notebook(aws: LocalAws, name: str, region: str = EAST) -> dict[str, object]:
    client = aws.client("sagemaker", region)
    item: dict[str, object] = client.describe_notebook_instance(NotebookInstanceName=name)
    item.pop("ResponseMetadata", None)
    return item


def tags(aws: LocalAws, name: str) -> list[object]:
    arn = notebook(aws, name)["NotebookInstanceArn"]
    result: list[object] = aws.client("sagemaker", EAST).list_tags(ResourceArn=arn)["Tags"]
    return result


def active_sessions(aws: LocalAws) -> int:
    return len(aws.client("ssm", EAST).describe_sessions(State="Active")["Sessions"])


async def node_of(services: AwsServices, name: str) -> str:
    node = await services.ssm.find_node(name, EAST)
    assert node is not None, f"the seeded fleet has no SSM node for {name}"
    return node.instance_id


async def _start_session(s: AwsServices, aws: LocalAws) -> object:
    return await s.ssm.start_session(EAST, await node_of(s, "alice-sandbox"))


async def _port_forward(s: AwsServices, aws: LocalAws) -> object:
    return await s.ssm.start_port_forward(EAST, await node_of(s, "alice-sandbox"), 8888, 18888)


async def _add_tags(s: AwsServices, aws: LocalAws) -> None:
    arn = str(notebook(aws, "nb")["NotebookInstanceArn"])
    await s.sagemaker.add_tags(arn, EAST, {"env": "changed"})


MUTATIONS = [
    Mutation(
        "notebooks.SageMaker.start",
        lambda s, aws: s.sagemaker.start(NotebookKey(EAST, "nb-dev")),
        lambda aws: notebook(aws, "nb-dev")["NotebookInstanceStatus"],
    ),
    Mutation(
        "notebooks.SageMaker.stop",
        lambda s, aws: s.sagemaker.stop(NotebookKey(EAST, "nb")),
        lambda aws: notebook(aws, "nb")["NotebookInstanceStatus"],
    ),
    Mutation(
        "notebooks.SageMaker.delete",
        lambda s, aws: s.sagemaker.delete(NotebookKey(EAST, "nb-dev")),
        lambda aws: notebook(aws, "nb-dev")["NotebookInstanceStatus"],
    ),
    Mutation(
        "notebooks.SageMaker.update",
        lambda s, aws: s.sagemaker.update(NotebookKey(EAST, "nb-dev"), volume_size_gb=99),
        lambda aws: notebook(aws, "nb-dev")["NotebookInstanceStatus"],
    ),
    Mutation("notebooks.SageMaker.add_tags", _add_tags, lambda aws: tags(aws, "nb")),
    Mutation("ssm.SessionManager.start_session", _start_session, active_sessions),
    Mutation("ssm.SessionManager.start_port_forward", _port_forward, active_sessions),
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.qualname)
async def test_read_only_refuses(
    aws: LocalAws, read_only_layer: AwsServices, mutation: Mutation
) -> None:
    before = mutation.observe(aws)
    sent: list[str] = []  # the operations that reached the wire ("SageMaker.ListTags")

    def record(request: AWSPreparedRequest, **_: object) -> None:
        target = request.headers.get("X-Amz-Target", "")
        sent.append(target.decode() if isinstance(target, bytes) else str(target))

    for service in ("sagemaker", "ssm"):
        client = await read_only_layer.conn.client(service, EAST)
        client.meta.events.register("before-send", record)
    with pytest.raises(ReadOnly, match="read-only mode") as info:
        await mutation.call(read_only_layer, aws)
    assert "--read-only" in str(info.value)
    assert mutation.observe(aws) == before
    # lookups on the way (finding the SSM node) may read; nothing else was sent
    assert all(op.split(".")[-1].startswith(("Describe", "List", "Get")) for op in sent), sent


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.qualname)
async def test_the_same_call_mutates_when_writable(
    aws: LocalAws, layer: AwsServices, mutation: Mutation
) -> None:
    before = mutation.observe(aws)
    await mutation.call(layer, aws)
    assert mutation.observe(aws) != before


async def test_reads_still_work_in_read_only_mode(read_only_layer: AwsServices) -> None:
    listings = await read_only_layer.sagemaker.list_regions()
    assert all(listing.error is None for listing in listings)
    url = await read_only_layer.sagemaker.presigned_url(NotebookKey(EAST, "nb"))
    assert url.url.startswith("https://nb.notebook.")


# --- the scan -------------------------------------------------------------------------------


@functools.cache
def aws_operations() -> frozenset[str]:
    session = botocore.session.get_session()
    return frozenset(
        xform_name(op)
        for service in SERVICES
        for op in session.get_service_model(service).operation_names
    )


def is_mutating(operation: str) -> bool:
    return not operation.startswith(READ_PREFIXES) and operation not in EXEMPT


@dataclass
class FunctionFacts:
    qualname: str
    mutating_calls: set[str]
    guarded: bool  # calls require_writable itself
    self_calls: set[str]


def scan_module(path: Path, operations: frozenset[str]) -> list[FunctionFacts]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    facts: list[FunctionFacts] = []

    def visit(func: ast.FunctionDef | ast.AsyncFunctionDef, owner: str) -> None:
        calls = [n for n in ast.walk(func) if isinstance(n, ast.Call)]
        attributes = [c.func for c in calls if isinstance(c.func, ast.Attribute)]
        facts.append(
            FunctionFacts(
                qualname=f"{path.stem}.{owner}{func.name}",
                mutating_calls={
                    a.attr for a in attributes if a.attr in operations and is_mutating(a.attr)
                },
                guarded=any(a.attr == "require_writable" for a in attributes),
                self_calls={
                    a.attr
                    for a in attributes
                    if isinstance(a.value, ast.Name) and a.value.id == "self"
                },
            )
        )

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            visit(node, "")
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    visit(item, f"{node.name}.")
    return facts


@functools.cache
def scan_layer() -> list[FunctionFacts]:
    operations = aws_operations()
    package = Path(sagedeck.aws.__path__[0])
    return [
        fact
        for path in sorted(package.rglob("*.py"))
        for fact in scan_module(path, operations)
    ]


def public_mutators(facts: list[FunctionFacts]) -> set[str]:
    """Public functions that make a mutating call themselves or through ``self.<method>``."""
    by_name = {f.qualname: f for f in facts}

    def reaches(fact: FunctionFacts, seen: set[str]) -> bool:
        if fact.mutating_calls:
            return True
        owner = fact.qualname.rsplit(".", 1)[0]
        for name in fact.self_calls - seen:
            callee = by_name.get(f"{owner}.{name}")
            if callee and reaches(callee, seen | {name}):
                return True
        return False

    return {
        f.qualname
        for f in facts
        if not f.qualname.rsplit(".", 1)[-1].startswith("_") and reaches(f, set())
    }


def test_the_scan_sees_the_known_mutations() -> None:
    found = public_mutators(scan_layer())
    assert {"notebooks.SageMaker.start", "notebooks.SageMaker.add_tags"} <= found


def test_every_mutating_call_is_guarded() -> None:
    unguarded = [
        f"{f.qualname} calls {sorted(f.mutating_calls)} without conn.require_writable()"
        for f in scan_layer()
        if f.mutating_calls and not f.guarded
    ]
    assert unguarded == []


def test_every_public_mutation_has_a_read_only_test() -> None:
    missing = public_mutators(scan_layer()) - {m.qualname for m in MUTATIONS}
    assert missing == set(), f"add a Mutation row in {__file__} for: {sorted(missing)}"
