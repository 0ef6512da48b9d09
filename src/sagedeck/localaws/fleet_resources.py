"""The seeded account's IAM roles, lifecycle configurations and Git repositories. Pure data."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from . import hostile
from .lifecycle_scripts import TIME_LIMIT_SECONDS

EAST, WEST = "us-east-1", "eu-west-1"
EXECUTION_ROLE = "AmazonSageMaker-ExecutionRole-20240131T145746"


@dataclass(frozen=True, slots=True)
class RoleSpec:
    name: str
    path: str
    managed: tuple[str, ...]
    inline: tuple[str, ...]
    description: str
    created_days_ago: int


@dataclass(frozen=True, slots=True)
class LifecycleSpec:
    region: str
    name: str
    on_create: str | None
    on_start: str | None
    created_days_ago: int


@dataclass(frozen=True, slots=True)
class RepositorySpec:
    region: str
    name: str
    url: str
    branch: str | None
    secret: str | None  # secret name; the ARN is built per region
    created_days_ago: int


ROLES = (
    RoleSpec(
        EXECUTION_ROLE,
        "/service-role/",
        ("arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",),
        ("s3-team-buckets",),
        "SageMaker execution role created by the console",
        660,
    ),
    RoleSpec(
        "nlp-team-notebook-role",
        "/sagemaker/",
        (
            "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
            "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess",
        ),
        ("git-credentials-secret", "kms-decrypt-datasets"),
        "Notebooks of the NLP team",
        420,
    ),
    RoleSpec(
        "ml-platform-notebooks",
        "/",
        ("arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",),
        ("ssm-ssh-helper",),
        "Shared role for platform-managed notebooks (SSH helper enabled)",
        300,
    ),
)
# Seeded after the rest of the account: the random id it draws then leaves the ids drawn before
# it (subnets, security groups, ENIs, which the screenshots show) as they were.
HOSTILE_ROLE = RoleSpec(
    hostile.ROLE,
    "/service-role/",
    ("arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",),
    ("s3-team-buckets",),
    hostile.ROLE_DESCRIPTION,
    20,
)
DELETED_ROLE = "legacy-notebook-role"  # referenced by legacy-analytics, no longer exists
# A role of the account SageMaker cannot assume (its trust policy names EC2): the create form
# must not offer it, and a create that names it gets AWS's "Could not assume role" answer.
EC2_ONLY_ROLE = RoleSpec(
    "nightly-loader-ec2",
    "/",
    ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",),
    (),
    "EC2 instances of the nightly data loader (not for notebooks)",
    250,
)


@dataclass(frozen=True, slots=True)
class KmsKeySpec:
    region: str
    alias: str
    description: str


# Customer-managed keys a new instance's volume can be encrypted with (seeded per region).
KMS_KEYS = (
    KmsKeySpec(EAST, "alias/notebook-volumes", "EBS volumes of notebook instances"),
    KmsKeySpec(EAST, "alias/datasets", "Team datasets in S3"),
    KmsKeySpec(WEST, "alias/notebook-volumes", "EBS volumes of notebook instances"),
)


def _script(*lines: str) -> str:
    return "\n".join(("#!/bin/bash", "set -e", *lines, ""))


AUTO_STOP_IDLE = _script(
    "# Stops the notebook after an hour without kernel activity (cron, every 5 minutes).",
    "IDLE_TIME=3600",
    'echo "Fetching the autostop script"',
    "wget -q https://raw.githubusercontent.com/aws-samples/"
    "amazon-sagemaker-notebook-instance-lifecycle-config-samples/master/scripts/auto-stop-idle/"
    "autostop.py",
    'echo "Detecting Python install with boto3 install"',
    "PYTHON_DIR=/home/ec2-user/anaconda3/envs/JupyterSystemEnv/bin/python",
    'echo "Found boto3 at $PYTHON_DIR"',
    'echo "Starting the SageMaker autostop script in cron"',
    '(crontab -l 2>/dev/null; echo "*/5 * * * * $PYTHON_DIR $PWD/autostop.py --time $IDLE_TIME '
    '--ignore-connections >> /var/log/jupyter.log") | crontab -',
    'echo "Lifecycle config finished"',
)
CONDA_SETUP_CREATE = _script(
    "# Builds the team's conda env once, on the persistent volume.",
    "sudo -u ec2-user -i <<'EOF'",
    "mkdir -p /home/ec2-user/SageMaker/custom-envs",
    'echo "Creating conda env nlp in /home/ec2-user/SageMaker/custom-envs"',
    "conda create --yes -q -p /home/ec2-user/SageMaker/custom-envs/nlp -n nlp python=3.10",
    "EOF",
    'echo "OnCreate finished"',
)
CONDA_SETUP_START = _script(
    "# Registers the persistent conda env as a Jupyter kernel on every start.",
    "sudo -u ec2-user -i <<'EOF'",
    'echo "Activating conda env nlp"',
    "source /home/ec2-user/anaconda3/bin/activate /home/ec2-user/SageMaker/custom-envs/nlp",
    "pip install --quiet ipykernel",
    "python -m ipykernel install --user --name nlp --display-name 'Python (nlp)'",
    "EOF",
    'echo "Lifecycle config finished"',
)
# Rebuilds everything on every start: conda create + conda install exceed the 5-minute limit.
CONDA_SETUP_BROKEN = _script(
    "# TODO: move the env to the persistent volume (this rebuilds it on every start)",
    "sudo -u ec2-user -i <<'EOF'",
    'echo "Activating conda env nlp-finetune"',
    "conda create --yes -q -n nlp-finetune python=3.10",
    "conda install --yes -q -n nlp-finetune pytorch torchvision pytorch-cuda=12.1 -c pytorch",
    "pip install transformers==4.44.2 datasets accelerate peft",
    "EOF",
    'echo "Lifecycle config finished"',
)
INSTALL_EXTENSIONS = _script(
    "sudo -u ec2-user -i <<'EOF'",
    "source /home/ec2-user/anaconda3/bin/activate JupyterSystemEnv",
    "pip install --quiet jupyterlab-lsp python-lsp-server",
    *hostile.SCRIPT_LINES,  # escape bytes, as scripts pasted from a terminal carry them
    'echo "Restarting the Jupyter server"',
    "EOF",
    "systemctl restart jupyter-server",
    'echo "Lifecycle config finished"',
)
# sagedeck's built-in idle-stop script as `sagedeck lifecycle create --idle-stop 60` uploads it
# (the file's own default is 60 minutes): package data, read as text, not imported.
IDLE_STOP = resources.files("sagedeck").joinpath("scripts/idle_stop.sh").read_text(encoding="utf-8")
assert TIME_LIMIT_SECONDS == 300  # CONDA_SETUP_BROKEN is written against this limit

LIFECYCLE_CONFIGS = (
    LifecycleSpec(EAST, "auto-stop-idle", None, AUTO_STOP_IDLE, 400),
    LifecycleSpec(EAST, "conda-setup", CONDA_SETUP_CREATE, CONDA_SETUP_START, 210),
    LifecycleSpec(EAST, "conda-setup-broken", None, CONDA_SETUP_BROKEN, 12),
    LifecycleSpec(EAST, "install-extensions", None, INSTALL_EXTENSIONS, 95),
    LifecycleSpec(EAST, "idle-stop", None, IDLE_STOP, 6),
    LifecycleSpec(WEST, "auto-stop-idle", None, AUTO_STOP_IDLE, 380),
    LifecycleSpec(WEST, "conda-setup", CONDA_SETUP_CREATE, CONDA_SETUP_START, 150),
)

REPOSITORIES = (
    RepositorySpec(
        EAST,
        "fraud-detection",
        "https://github.com/acme-ml/fraud-detection.git",
        "main",
        "github-acme-ml",
        300,
    ),
    RepositorySpec(
        EAST,
        "ml-utils",
        "https://github.com/acme-ml/ml-utils.git",
        "develop",
        "github-acme-ml",
        280,
    ),
    RepositorySpec(
        EAST,
        "sagemaker-examples",
        "https://github.com/aws/amazon-sagemaker-examples.git",
        "main",
        None,
        500,
    ),
    # Used by no instance: one a user can delete in the demo.
    RepositorySpec(
        EAST,
        "notebook-templates",
        "https://github.com/acme-ml/notebook-templates.git",
        "main",
        None,
        40,
    ),
    RepositorySpec(
        WEST,
        "demand-forecasting",
        "https://github.com/acme-ml/demand-forecasting.git",
        "main",
        "github-acme-ml",
        200,
    ),
)


def _policy(*statements: dict[str, object]) -> str:
    import json

    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


INLINE_POLICIES = {
    "s3-team-buckets": _policy(
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
            "Resource": ["arn:aws:s3:::acme-ml-datasets", "arn:aws:s3:::acme-ml-datasets/*"],
        }
    ),
    "git-credentials-secret": _policy(
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "arn:aws:secretsmanager:*:123456789012:secret:github-acme-ml-*",
        }
    ),
    "kms-decrypt-datasets": _policy(
        {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}
    ),
    "ssm-ssh-helper": _policy(
        {
            "Effect": "Allow",
            "Action": ["ssm:CreateActivation", "ssm:AddTagsToResource", "iam:PassRole"],
            "Resource": "*",
        }
    ),
}
SAGEMAKER_TRUST_POLICY = _policy(
    {
        "Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
)
EC2_TRUST_POLICY = _policy(
    {
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
)


@dataclass(frozen=True, slots=True)
class NetworkSpec:
    region: str
    vpc_cidr: str
    subnets: tuple[tuple[str, str], ...]  # (availability zone, CIDR)


NETWORKS = (
    NetworkSpec(
        EAST, "10.20.0.0/16", (("us-east-1a", "10.20.1.0/24"), ("us-east-1b", "10.20.2.0/24"))
    ),
    NetworkSpec(
        WEST, "10.30.0.0/16", (("eu-west-1a", "10.30.1.0/24"), ("eu-west-1b", "10.30.2.0/24"))
    ),
)
