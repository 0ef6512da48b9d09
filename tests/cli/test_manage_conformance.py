"""What ``sagedeck create`` / ``update`` send equals what the AWS CLI sends for the same options.

Both run against the embedded AWS; each request body is recorded at the server and the parsed
JSON compared. The options are pasted verbatim from one command line into the other: that is
the promise of using the AWS CLI's names and value syntaxes.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from sagedeck.localaws import LocalAws
from system_tools import peer

from .conftest import InProcess
from .recording import Recorder, recorder

__all__ = ["recorder"]
pytestmark = pytest.mark.timeout(120)

EAST = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240131T145746"
Options = Callable[[LocalAws], list[str]]


def network(aws: LocalAws) -> tuple[str, str]:
    """A seeded subnet and a security group of its VPC."""
    ec2 = aws.client("ec2", EAST)
    subnet = next(
        s for s in ec2.describe_subnets()["Subnets"] if s.get("CidrBlock") == "10.20.1.0/24"
    )
    group = next(
        g
        for g in ec2.describe_security_groups()["SecurityGroups"]
        if g["GroupName"] == "sagemaker-notebooks" and g.get("VpcId") == subnet["VpcId"]
    )
    return str(subnet["SubnetId"]), str(group["GroupId"])


def full_create(aws: LocalAws) -> list[str]:
    subnet, group = network(aws)
    return [
        "--instance-type",
        "ml.m5.xlarge",
        "--role-arn",
        ROLE,
        "--subnet-id",
        subnet,
        "--security-group-ids",
        group,
        "--direct-internet-access",
        "Disabled",
        "--volume-size-in-gb",
        "64",
        "--kms-key-id",
        "alias/notebook-volumes",
        "--lifecycle-config-name",
        "auto-stop-idle",
        "--default-code-repository",
        "ml-utils",
        "--additional-code-repositories",
        "https://github.com/acme-ml/a.git",
        "sagemaker-examples",
        "--root-access",
        "Disabled",
        "--platform-identifier",
        "notebook-al2023-v1",
        "--ip-address-type",
        "ipv4",
        "--instance-metadata-service-configuration",
        "MinimumInstanceMetadataServiceVersion=2",
        "--tags",
        "Key=team,Value=ml",
        "Key=owner,Value=priya@acme-ml.example",
    ]


CREATE_CASES: dict[str, Options] = {
    "minimal": lambda aws: ["--instance-type", "ml.t3.medium", "--role-arn", ROLE],
    "every-field": full_create,
    "json-values": lambda aws: [
        "--instance-type",
        "ml.t3.medium",
        "--role-arn",
        ROLE,
        "--tags",
        '[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}]',
        "--instance-metadata-service-configuration",
        '{"MinimumInstanceMetadataServiceVersion": "1"}',
        "--additional-code-repositories",
        '["ml-utils"]',
    ],
}
UPDATE_CASES: dict[str, list[str]] = {
    "grow-retype-detach": [
        "--volume-size-in-gb",
        "80",
        "--instance-type",
        "ml.m5.2xlarge",
        "--disassociate-lifecycle-config",
    ],
    "detach-repository-and-harden": [
        "--disassociate-default-code-repository",
        "--root-access",
        "Disabled",
        "--platform-identifier",
        "notebook-al2023-v1",
        "--instance-metadata-service-configuration",
        "MinimumInstanceMetadataServiceVersion=1",
    ],
    "new-repositories-and-lifecycle": [
        "--default-code-repository",
        "https://github.com/acme-ml/fraud.git",
        "--additional-code-repositories",
        "ml-utils",
        "sagemaker-examples",
        "--lifecycle-config-name",
        "install-extensions",
        "--role-arn",
        "arn:aws:iam::123456789012:role/sagemaker/nlp-team-notebook-role",
    ],
}


def aws_cli(aws: LocalAws, operation: str, *args: str) -> None:
    done = subprocess.run(
        [
            str(peer("aws")),
            "sagemaker",
            operation,
            *args,
            "--region",
            EAST,
            "--endpoint-url",
            aws.endpoint_url,
        ],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def both(
    recorder: Recorder,
    aws: LocalAws,
    operation: str,
    ours: Callable[[], Any],
    theirs: Callable[[], None],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The body each sent, on the same freshly seeded account."""
    recorder.clear()
    ours()
    [sent_by_sagedeck] = recorder.bodies(operation)
    aws.reset(seed=True)
    recorder.clear()
    theirs()
    [sent_by_aws_cli] = recorder.bodies(operation)
    return sent_by_sagedeck, sent_by_aws_cli


@pytest.mark.parametrize("case", sorted(CREATE_CASES))
def test_create_sends_what_the_aws_cli_sends(
    sagedeck: InProcess, aws_env: LocalAws, recorder: Recorder, case: str
) -> None:
    options = CREATE_CASES[case](aws_env)

    def ours() -> None:
        result = sagedeck.run("create", "conform", *options, "--region", EAST)
        assert result.returncode == 0, result.stderr

    ours_sent, theirs_sent = both(
        recorder,
        aws_env,
        "CreateNotebookInstance",
        ours,
        lambda: aws_cli(
            aws_env, "create-notebook-instance", "--notebook-instance-name", "conform", *options
        ),
    )
    assert ours_sent == theirs_sent
    assert len(ours_sent) == 1 + sum(a.startswith("--") for a in options)  # each option sent


@pytest.mark.parametrize("case", sorted(UPDATE_CASES))
def test_update_sends_what_the_aws_cli_sends(
    sagedeck: InProcess, aws_env: LocalAws, recorder: Recorder, case: str
) -> None:
    options = UPDATE_CASES[case]

    def ours() -> None:
        result = sagedeck.run("update", "fraud-detection", *options, "--region", EAST)
        assert result.returncode == 0, result.stderr

    ours_sent, theirs_sent = both(
        recorder,
        aws_env,
        "UpdateNotebookInstance",
        ours,
        lambda: aws_cli(
            aws_env,
            "update-notebook-instance",
            "--notebook-instance-name",
            "fraud-detection",
            *options,
        ),
    )
    assert ours_sent == theirs_sent
    assert len(ours_sent) == 1 + sum(a.startswith("--") for a in options)
