"""The create form's choices, read from the seeded account; each part fails on its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sagedeck.aws.manage.choices import account_choices, sagemaker_can_assume
from sagedeck.aws.manage.fields import instance_types, platforms
from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.devtools.faultproxy import FaultProxy
from sagedeck.devtools.faultproxy.faults import Fault, FaultKind
from sagedeck.localaws import LocalAws

EAST = "us-east-1"


async def test_choices_of_the_seeded_account(layer: AwsServices) -> None:
    choices = await account_choices(layer, EAST)
    roles = {r.name for r in choices.roles.items}
    assert {"nlp-team-notebook-role", "ml-platform-notebooks"} <= roles
    assert "nightly-loader-ec2" not in roles  # its trust policy names EC2, not SageMaker
    assert choices.roles.problem is None
    named = [s for s in choices.subnets.items if s.name.startswith("ml-private-")]
    assert {(s.availability_zone, s.cidr, s.name) for s in named} == {
        ("us-east-1a", "10.20.1.0/24", "ml-private-a"),
        ("us-east-1b", "10.20.2.0/24", "ml-private-b"),
    }
    vpc = named[0].vpc_id
    assert {g.name for g in choices.security_groups_of(vpc)} >= {
        "sagemaker-notebooks",
        "efs-clients",
    }
    assert choices.subnet(named[0].subnet_id) == named[0]
    aliases = {k.alias for k in choices.kms_keys.items}
    assert {"alias/notebook-volumes", "alias/datasets"} <= aliases
    assert not any(a.startswith("alias/aws/") for a in aliases)
    assert "auto-stop-idle" in choices.lifecycle_configs.items
    assert "ml-utils" in choices.code_repositories.items
    assert choices.instance_types == instance_types()
    assert choices.platforms == platforms()
    assert choices.ip_address_types == ("ipv4", "dualstack")


@pytest.fixture
def proxy(aws: LocalAws) -> Iterator[FaultProxy]:
    with FaultProxy(aws.endpoint_url, seed=1) as running:
        yield running


async def test_a_denied_part_is_empty_with_the_reason(proxy: FaultProxy) -> None:
    proxy.add(Fault(FaultKind.DENY, operations=frozenset({"iam:ListRoles", "kms:ListKeys"})))
    target = AwsTarget(None, (EAST,), proxy.url, False, StaticCredentials("demo", "demo"))
    async with AwsServices(target) as services:
        choices = await account_choices(services, EAST)
    assert choices.roles.items == ()
    assert choices.roles.problem == "not allowed: iam:ListRoles (list IAM roles)"
    assert choices.kms_keys.problem == "not allowed: kms:ListKeys (list KMS keys)"
    assert choices.subnets.items  # the rest still came
    assert choices.lifecycle_configs.problem is None


@pytest.mark.parametrize(
    ("policy", "ok"),
    [
        (
            '{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",'
            ' "Principal": {"Service": "sagemaker.amazonaws.com"}}]}',
            True,
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": ["ec2.amazonaws.com", "sagemaker.amazonaws.com"]},
                        "Action": ["sts:AssumeRole"],
                    }
                ]
            },
            True,
        ),
        (
            "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service"
            "%22%3A%22sagemaker.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D",
            True,
        ),  # URL-encoded, as IAM's query API sends it
        (
            {
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": {"Service": "sagemaker.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ]
            },
            False,
        ),
        (
            {
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::1:root"},
                    "Action": "sts:AssumeRole",
                }
            },
            False,
        ),
        ("not json", False),
        (None, False),
    ],
)
def test_which_trust_policies_let_sagemaker_in(policy: object, ok: bool) -> None:
    assert sagemaker_can_assume(policy) is ok
