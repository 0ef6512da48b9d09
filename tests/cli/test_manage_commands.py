"""``sagedeck create | update | tag | untag`` against the embedded AWS."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from sagedeck.localaws import LocalAws

from .conftest import InProcess
from .recording import Recorder, recorder
from .test_commands import run_while_stepping

__all__ = ["recorder"]
pytestmark = pytest.mark.timeout(60)

EAST, WEST = "us-east-1", "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240131T145746"
BASE = ["--region", EAST, "--instance-type", "ml.t3.medium", "--role-arn", ROLE]


def described(aws: LocalAws, name: str, region: str = EAST) -> dict[str, Any]:
    item: dict[str, Any] = aws.client("sagemaker", region).describe_notebook_instance(
        NotebookInstanceName=name
    )
    item.pop("ResponseMetadata", None)
    return item


def names(aws: LocalAws) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for region in aws.regions:
        page = aws.client("sagemaker", region).list_notebook_instances(MaxResults=100)
        found |= {(nb["NotebookInstanceName"], region) for nb in page["NotebookInstances"]}
    return found


def tags(aws: LocalAws, name: str) -> dict[str, str]:
    client = aws.client("sagemaker", EAST)
    listed = client.list_tags(ResourceArn=described(aws, name)["NotebookInstanceArn"])["Tags"]
    return {t["Key"]: t["Value"] for t in listed}


# --- create ----------------------------------------------------------------------------------


def test_create_with_aws_cli_options(sagedeck: InProcess, aws_env: LocalAws) -> None:
    result = sagedeck.run(
        "create",
        "team-box",
        *BASE,
        "--volume-size-in-gb",
        "25",
        "--root-access",
        "Disabled",
        "--platform-identifier",
        "notebook-al2023-v1",
        "--lifecycle-config-name",
        "auto-stop-idle",
        "--default-code-repository",
        "ml-utils",
        "--additional-code-repositories",
        "https://github.com/acme-ml/a.git",
        "https://github.com/acme-ml/b.git",
        "--instance-metadata-service-configuration",
        "MinimumInstanceMetadataServiceVersion=2",
        "--tags",
        "Key=team,Value=ml",
        'Key=note,Value="a=b c"',
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "team-box: creating in us-east-1\n",
        "",
    )
    item = described(aws_env, "team-box")
    assert item["NotebookInstanceStatus"] == "Pending"
    assert item["VolumeSizeInGB"] == 25
    assert item["RootAccess"] == "Disabled"
    assert item["PlatformIdentifier"] == "notebook-al2023-v1"
    assert item["NotebookInstanceLifecycleConfigName"] == "auto-stop-idle"
    assert item["DefaultCodeRepository"] == "ml-utils"
    assert item["AdditionalCodeRepositories"] == [
        "https://github.com/acme-ml/a.git",
        "https://github.com/acme-ml/b.git",
    ]
    assert item["InstanceMetadataServiceConfiguration"] == {
        "MinimumInstanceMetadataServiceVersion": "2"
    }
    assert tags(aws_env, "team-box") == {"team": "ml", "note": "a=b c"}


def test_create_in_a_vpc_gets_its_network_interface(sagedeck: InProcess, aws_env: LocalAws) -> None:
    ec2 = aws_env.client("ec2", EAST)
    subnet = next(
        s for s in ec2.describe_subnets()["Subnets"] if s.get("CidrBlock") == "10.20.1.0/24"
    )
    group = next(
        g
        for g in ec2.describe_security_groups()["SecurityGroups"]
        if g["GroupName"] == "sagemaker-notebooks" and g.get("VpcId") == subnet["VpcId"]
    )
    result = sagedeck.run(
        "create",
        "vpc-box",
        *BASE,
        "--subnet-id",
        subnet["SubnetId"],
        "--security-group-ids",
        group["GroupId"],
        "--direct-internet-access",
        "Disabled",
    )
    assert result.returncode == 0, result.stderr
    item = described(aws_env, "vpc-box")
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[item["NetworkInterfaceId"]])
    interface = eni["NetworkInterfaces"][0]
    assert (interface["SubnetId"], interface["VpcId"]) == (subnet["SubnetId"], subnet["VpcId"])
    assert [g["GroupId"] for g in interface["Groups"]] == [group["GroupId"]]


def test_create_wait_follows_to_in_service(sagedeck: InProcess, aws_env: LocalAws) -> None:
    code, out, err = run_while_stepping(
        sagedeck, aws_env, "waited: Pending", ["create", "waited", *BASE, "--wait"]
    )
    assert code == 0, err
    assert out.splitlines()[0] == "waited: creating in us-east-1"
    assert out.splitlines()[-1].startswith("waited: InService (")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--volume-size-in-gb", "4"], "--volume-size-in-gb: must be at least 5 (given 4)"),
        (["--volume-size-in-gb", "big"], "--volume-size-in-gb must be a whole number"),
        (["--direct-internet-access", "Disabled"], "needs a subnet: give --subnet-id"),
        (["--security-group-ids", "sg-1"], "security groups need a subnet"),
        (["--tags", "Key=aws:owner,Value=me"], "reserved for AWS"),
        (["--tags", "team=ml"], "--tags: each tag is Key=k,Value=v"),
        (["--instance-metadata-service-configuration", "2"], "expected Name=value pairs"),
        (
            [
                "--instance-metadata-service-configuration",
                "MinimumInstanceMetadataServiceVersion=3",
            ],
            "must be one of 1, 2",
        ),
        (["--root-access", "yes"], "--root-access: must be one of Enabled, Disabled"),
        (["--accelerator-types", "ml.eia2.medium"], "no longer supported"),
        (["--instance-type", "ml.t3.huge"], "--instance-type: 'ml.t3.huge' is not one of"),
        (["--additional-code-repositories", "a", "b", "c", "d"], "at most 3"),
        (["--nonsense", "1"], "unrecognized arguments: --nonsense"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_is_created(
    sagedeck: InProcess, aws_env: LocalAws, recorder: Recorder, args: list[str], words: str
) -> None:
    before = names(aws_env)
    line = sagedeck.run("create", "bad-one", *BASE, *args).assert_one_line_error(2)
    assert words in line
    assert names(aws_env) == before
    assert recorder.bodies("CreateNotebookInstance") == []  # refused before any call


def test_missing_required_and_bad_name(sagedeck: InProcess, aws_env: LocalAws) -> None:
    line = sagedeck.run("create", "x", "--region", EAST).assert_one_line_error(2)
    assert line == "sagedeck: create x: --instance-type: is required; --role-arn: is required"
    line = sagedeck.run("create", "bad_name", *BASE).assert_one_line_error(2)
    assert "not a notebook instance name" in line


def test_create_needs_one_region(sagedeck: InProcess, aws_env: LocalAws) -> None:
    line = sagedeck.run(
        "create", "x", "--instance-type", "ml.t3.medium", "--role-arn", ROLE
    ).assert_one_line_error(2)
    assert "create needs one region, not 2: choose it with --region" in line


@pytest.mark.parametrize(
    ("role", "words"),
    [
        ("arn:aws:iam::123456789012:role/nightly-loader-ec2", "Could not assume role"),
        ("arn:aws:iam::123456789012:role/never-made", "Could not assume role"),
    ],
)
def test_an_aws_refusal_is_one_line_exit_1_and_nothing_is_made(
    sagedeck: InProcess, aws_env: LocalAws, role: str, words: str
) -> None:
    before = names(aws_env)
    line = sagedeck.run(
        "create", "no-role", "--region", EAST, "--instance-type", "ml.t3.medium", "--role-arn", role
    ).assert_one_line_error(1)
    assert words in line
    assert names(aws_env) == before


def test_an_existing_name_is_refused_by_aws(sagedeck: InProcess, aws_env: LocalAws) -> None:
    line = sagedeck.run("create", "nb", *BASE).assert_one_line_error(1)
    assert "duplicate" in line


def test_dry_run_prints_the_request_and_sends_nothing(
    sagedeck: InProcess, aws_env: LocalAws, recorder: Recorder
) -> None:
    result = sagedeck.run("create", "dry", *BASE, "--tags", "Key=a,Value=b", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "NotebookInstanceName": "dry",
        "InstanceType": "ml.t3.medium",
        "RoleArn": ROLE,
        "Tags": [{"Key": "a", "Value": "b"}],
    }
    assert ("dry", EAST) not in names(aws_env)
    assert recorder.bodies("CreateNotebookInstance") == []


def test_clone_takes_every_setting_and_overrides_win(
    sagedeck: InProcess, aws_env: LocalAws, recorder: Recorder
) -> None:
    result = sagedeck.run(
        "create", "fraud-2", "--from", "fraud-detection", "--instance-type", "ml.m5.2xlarge"
    )
    assert result.stdout == "fraud-2: creating in us-east-1 from fraud-detection\n", result.stderr
    original, clone = described(aws_env, "fraud-detection"), described(aws_env, "fraud-2")
    assert clone["InstanceType"] == "ml.m5.2xlarge"
    for key in (
        "SubnetId",
        "SecurityGroups",
        "DirectInternetAccess",
        "VolumeSizeInGB",
        "RoleArn",
        "NotebookInstanceLifecycleConfigName",
        "DefaultCodeRepository",
        "RootAccess",
        "PlatformIdentifier",
        "InstanceMetadataServiceConfiguration",
    ):
        assert clone.get(key) == original.get(key), key
    assert tags(aws_env, "fraud-2") == tags(aws_env, "fraud-detection")
    [sent] = recorder.bodies("CreateNotebookInstance")
    assert "NetworkInterfaceId" not in sent


def test_clone_of_a_missing_instance(sagedeck: InProcess, aws_env: LocalAws) -> None:
    line = sagedeck.run(
        "create", "x", "--from", "never-was", "--region", EAST
    ).assert_one_line_error(1)
    assert "never-was" in line


def test_clone_of_an_instance_whose_role_is_gone_is_refused_by_aws(
    sagedeck: InProcess, aws_env: LocalAws
) -> None:
    before = names(aws_env)
    line = sagedeck.run("create", "legacy-2", "--from", "legacy-analytics").assert_one_line_error(1)
    assert "legacy-notebook-role" in line
    assert names(aws_env) == before


# --- update ----------------------------------------------------------------------------------


def test_update_sends_only_what_changes(
    sagedeck: InProcess, aws_env: LocalAws, recorder: Recorder
) -> None:
    result = sagedeck.run(
        "update",
        "nb-dev",
        "--volume-size-in-gb",
        "10",
        "--instance-type",
        "ml.t3.medium",  # what it is already
        "--disassociate-lifecycle-config",
    )
    assert (result.returncode, result.stdout) == (0, "nb-dev: updating\n"), result.stderr
    assert recorder.bodies("UpdateNotebookInstance") == [
        {
            "NotebookInstanceName": "nb-dev",
            "VolumeSizeInGB": 10,
            "DisassociateLifecycleConfig": True,
        }
    ]
    item = described(aws_env, "nb-dev")
    assert (item["NotebookInstanceStatus"], item["VolumeSizeInGB"]) == ("Updating", 10)
    assert "NotebookInstanceLifecycleConfigName" not in item


def test_update_wait_follows_to_stopped(sagedeck: InProcess, aws_env: LocalAws) -> None:
    code, out, err = run_while_stepping(
        sagedeck,
        aws_env,
        "Updating",
        ["update", "eu-sandbox-carol", "--region", WEST, "--root-access", "Disabled", "--wait"],
    )
    assert code == 0, err
    assert out.splitlines()[-1].startswith("eu-sandbox-carol: Stopped (")
    assert described(aws_env, "eu-sandbox-carol", WEST)["RootAccess"] == "Disabled"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["alice-sandbox", "--volume-size-in-gb", "40"],
            "only when the instance is Stopped (it is InService)",
        ),
        (
            ["fraud-detection", "--volume-size-in-gb", "20"],
            "can only grow (it is 50 GB): clone the",
        ),
        (
            ["fraud-detection", "--subnet-id", "subnet-1"],
            "--subnet-id: cannot change after creation",
        ),
        (["fraud-detection", "--kms-key-id", "alias/x"], "needs a new instance: clone it"),
        (["fraud-detection", "--direct-internet-access", "Enabled"], "clone it"),
        (["fraud-detection", "--tags", "Key=a,Value=b"], "sagedeck tag / untag"),
        (["fraud-detection"], "nothing to change"),
        (
            ["fraud-detection", "--lifecycle-config-name", "x", "--disassociate-lifecycle-config"],
            "cannot both set and remove",
        ),
    ],
)
def test_update_refusals_come_before_any_call(
    sagedeck: InProcess, aws_env: LocalAws, recorder: Recorder, args: list[str], words: str
) -> None:
    line = sagedeck.run("update", *args, "--region", EAST).assert_one_line_error(2)
    assert words in line
    assert recorder.bodies("UpdateNotebookInstance") == []


def test_update_to_the_same_settings_changes_nothing(
    sagedeck: InProcess, aws_env: LocalAws, recorder: Recorder
) -> None:
    result = sagedeck.run("update", "nb-dev", "--region", EAST, "--volume-size-in-gb", "5")
    assert (result.returncode, result.stdout) == (
        0,
        "nb-dev: nothing to change (it already has these settings)\n",
    )
    assert recorder.bodies("UpdateNotebookInstance") == []


def test_update_dry_run(sagedeck: InProcess, aws_env: LocalAws, recorder: Recorder) -> None:
    result = sagedeck.run(
        "update",
        "fraud-detection",
        "--region",
        EAST,
        "--disassociate-default-code-repository",
        "--dry-run",
    )
    assert json.loads(result.stdout) == {
        "NotebookInstanceName": "fraud-detection",
        "DisassociateDefaultCodeRepository": True,
    }
    assert recorder.bodies("UpdateNotebookInstance") == []


# --- tags ------------------------------------------------------------------------------------


def test_tag_and_untag(sagedeck: InProcess, aws_env: LocalAws) -> None:
    result = sagedeck.run("tag", "nb", "--region", EAST, "env=prod", "review=", "owner=x=y")
    assert result.stdout == "nb: tagged env=prod, review=, owner=x=y\n", result.stderr
    assert tags(aws_env, "nb")["env"] == "prod"
    assert tags(aws_env, "nb")["owner"] == "x=y"
    result = sagedeck.run("untag", "nb", "--region", EAST, "review", "missing")
    assert result.stdout == "nb: removed review (no tag missing)\n"
    assert "review" not in tags(aws_env, "nb")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["tag", "nb", "novalue"], "expected KEY=VALUE"),
        (["tag", "nb", "aws:x=1"], "reserved for AWS"),
        (["tag", "nb", "a#b=1"], "may hold only"),
        (["untag", "nb", "aws:cloudformation:stack-name"], "belong to AWS"),
        (["tag", "nb", *[f"k{i}=v" for i in range(50)]], "at most 50 tags per instance"),
    ],
)
def test_tag_bad_input(sagedeck: InProcess, aws_env: LocalAws, args: list[str], words: str) -> None:
    before = tags(aws_env, "nb")
    line = sagedeck.run(*args, "--region", EAST).assert_one_line_error(2)
    assert words in line
    assert tags(aws_env, "nb") == before


# --- read-only -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "operation"),
    [
        (["create", "ro", *BASE], "CreateNotebookInstance"),
        (["create", "ro", "--from", "nb", "--region", EAST], "CreateNotebookInstance"),
        (
            ["update", "nb-dev", "--region", EAST, "--volume-size-in-gb", "9"],
            "UpdateNotebookInstance",
        ),
        (["tag", "nb", "--region", EAST, "a=b"], "AddTags"),
        (["untag", "nb", "--region", EAST, "owner"], "DeleteTags"),
    ],
)
def test_read_only_refuses_each(
    sagedeck: InProcess, aws_env: LocalAws, recorder: Recorder, args: list[str], operation: str
) -> None:
    before = (names(aws_env), tags(aws_env, "nb"), described(aws_env, "nb-dev"))
    recorder.clear()  # the look above
    line = sagedeck.run("--read-only", *args).assert_one_line_error(2)
    assert recorder.requests == []  # refused before anything, even the lookups
    assert line.startswith(f"sagedeck: read-only mode: sagemaker:{operation} changes AWS")
    assert (names(aws_env), tags(aws_env, "nb"), described(aws_env, "nb-dev")) == before


def test_the_options_cost_nothing_until_create_or_update_parses() -> None:
    """The field options come from botocore's model, read only when create/update parse:
    `sagedeck ls` on its quick path and `sagedeck --help` never load botocore."""
    code = (
        "import sys\n"
        "from sagedeck.cli import build_parser\n"
        "parser = build_parser()\n"
        "parser.parse_known_args(['ls'])\n"
        "assert 'botocore' not in sys.modules, 'loaded by building the parser'\n"
        "args, _ = parser.parse_known_args(['create', 'x', '--volume-size-in-gb', '9'])\n"
        "assert args.field_VolumeSizeInGB == '9'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
