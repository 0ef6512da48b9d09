"""Read-only mode in one place: the operations a read-only connection lets through.

Every client of a read-only target (the connection's, live tail's, the one that ends sessions
at exit) carries :func:`guard_client`: a handler on botocore's ``before-parameter-build`` event that
refuses any operation not on :data:`ALLOWED` before its request is even built, so nothing of it
reaches the network. The allow-list is a table of names, not a rule on them: an operation
sagedeck starts calling later is refused in read-only mode until it is classified here (and
``tests/aws/test_read_only.py`` fails until then).

What is refused besides every mutation, and why: a presigned Jupyter URL and an SSM session
(a shell or a port forward) change nothing in AWS, but each hands out a way into the instance
with the power of a shell, which is not what someone who asked for read-only expects (k9s's
``--readonly`` refuses shells and port forwards for the same reason).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sagedeck.errors import ReadOnly


class Kind(StrEnum):
    READ = "read"  # reads AWS state, or streams it (StartLiveTail)
    MUTATING = "mutating"  # changes AWS state
    CREDENTIAL = "credential"  # changes nothing, but hands out a way into the instance


READ, MUTATING, CREDENTIAL = Kind.READ, Kind.MUTATING, Kind.CREDENTIAL

# Every operation sagedeck calls, as IAM names it: the test scans the source to keep it whole.
OPERATIONS: dict[str, Kind] = {
    "sagemaker:ListNotebookInstances": READ,
    "sagemaker:DescribeNotebookInstance": READ,
    "sagemaker:DescribeNotebookInstanceLifecycleConfig": READ,
    "sagemaker:ListNotebookInstanceLifecycleConfigs": READ,
    "sagemaker:DescribeCodeRepository": READ,
    "sagemaker:ListCodeRepositories": READ,
    "sagemaker:ListTags": READ,
    "sagemaker:StartNotebookInstance": MUTATING,
    "sagemaker:StopNotebookInstance": MUTATING,
    "sagemaker:DeleteNotebookInstance": MUTATING,
    "sagemaker:UpdateNotebookInstance": MUTATING,
    "sagemaker:AddTags": MUTATING,
    # issue 13, manage: create / update / tag, and the account's choices for the create form
    "sagemaker:CreateNotebookInstance": MUTATING,
    "sagemaker:DeleteTags": MUTATING,
    "iam:ListRoles": READ,
    "ec2:DescribeSubnets": READ,
    "ec2:DescribeSecurityGroups": READ,
    "kms:ListKeys": READ,
    "kms:ListAliases": READ,
    "sagemaker:CreatePresignedNotebookInstanceUrl": CREDENTIAL,
    "logs:DescribeLogGroups": READ,
    "logs:DescribeLogStreams": READ,
    "logs:FilterLogEvents": READ,
    "logs:GetLogEvents": READ,
    "logs:StartLiveTail": READ,
    "ec2:DescribeNetworkInterfaces": READ,
    "iam:GetRole": READ,
    "iam:ListAttachedRolePolicies": READ,
    "iam:ListRolePolicies": READ,
    "ssm:DescribeInstanceInformation": READ,
    "ssm:ListTagsForResource": READ,
    "ssm:DescribeSessions": READ,
    "ssm:GetServiceSetting": READ,
    "ssm:StartSession": CREDENTIAL,
    "ssm:TerminateSession": MUTATING,
    "sts:GetCallerIdentity": READ,
    # Lifecycle configurations and code repositories (sagedeck lifecycle / repos).
    "sagemaker:CreateNotebookInstanceLifecycleConfig": MUTATING,
    "sagemaker:UpdateNotebookInstanceLifecycleConfig": MUTATING,
    "sagemaker:DeleteNotebookInstanceLifecycleConfig": MUTATING,
    "sagemaker:CreateCodeRepository": MUTATING,
    "sagemaker:DeleteCodeRepository": MUTATING,
    "secretsmanager:DescribeSecret": READ,  # metadata only; GetSecretValue is never called
    "pricing:DescribeServices": READ,
    "pricing:GetProducts": READ,
}

# Not reads, allowed all the same.
ALWAYS_ALLOWED: dict[str, str] = {
    "ssm:TerminateSession": "ends a session sagedeck opened: refusing it could leave one open",
}

# Why each credential is refused: the one line a user reads.
WHY_REFUSED: dict[str, str] = {
    "sagemaker:CreatePresignedNotebookInstanceUrl": (
        "a presigned Jupyter URL opens a terminal on the instance, like a shell"
    ),
    "ssm:StartSession": "an SSM session (a shell or a port forward) opens a way into the instance",
}

ALLOWED: frozenset[str] = frozenset(
    {op for op, kind in OPERATIONS.items() if kind is READ} | set(ALWAYS_ALLOWED)
)


def refusal(operation: str) -> ReadOnly | None:
    """What read-only mode says to ``operation`` (``"sagemaker:StartNotebookInstance"``):
    None when it is allowed."""
    if operation in ALLOWED:
        return None
    kind = OPERATIONS.get(operation)
    if kind is CREDENTIAL:
        reason = WHY_REFUSED[operation]
    elif kind is MUTATING:
        reason = f"{operation} changes AWS"
    else:
        reason = f"{operation} is not on sagedeck's list of reads"
    return ReadOnly(reason, operation)


def refuse_unless_allowed(operation: str) -> None:
    """Raise :class:`ReadOnly` if read-only mode refuses ``operation``."""
    refused = refusal(operation)
    if refused is not None:
        raise refused


def _before_parameter_build(model: Any, **_: Any) -> None:
    refuse_unless_allowed(f"{model.service_model.service_name}:{model.name}")


def guard_client(events: Any) -> None:
    """Refuse every operation not on the allow-list, on the clients ``events`` belongs to: a
    client's ``meta.events`` or a session (whose later clients inherit it)."""
    events.register(
        "before-parameter-build", _before_parameter_build, unique_id="sagedeck-read-only"
    )
