"""A second account, the profiles that reach each account, and the regions an account has not
enabled: what sagedeck needs to show several profiles and ``--region all`` as AWS answers them.

moto tells accounts apart by the access key that signed a request (an IAM access key belongs to
one account): the research team's key belongs to :data:`RESEARCH_ACCOUNT_ID`, so a profile with
that key lists, starts and stops that account's instances and no other.

AWS enables the regions launched after March 2019 only when the account opts in; a request
signed for one that is not enabled is refused as if the key were unknown
(``UnrecognizedClientException`` from JSON services, ``InvalidClientTokenId`` from query
ones). The embedded account has enabled none of them (:data:`OPT_IN_REGIONS`, as AWS lists
them), so ``--region all`` meets them as a real account does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .identity import DEMO_ACCESS_KEY, DEMO_SECRET_KEY
from .state import ACCOUNT_ID, iam_backend, sagemaker_backend

RESEARCH_ACCOUNT_ID = "210987654321"
RESEARCH_USER = "research"
RESEARCH_ACCESS_KEY = "demo-research"
RESEARCH_SECRET_KEY = "demo-research"

# The profiles a demo or a test can name (``--profile all`` in the demo lists both accounts):
# profile -> (access key, secret key, account).
PROFILES: dict[str, tuple[str, str, str]] = {
    "demo": (DEMO_ACCESS_KEY, DEMO_SECRET_KEY, ACCOUNT_ID),
    "research": (RESEARCH_ACCESS_KEY, RESEARCH_SECRET_KEY, RESEARCH_ACCOUNT_ID),
}

# AWS's opt-in regions (disabled until the account enables them).
OPT_IN_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-west-1",
        "eu-central-2",
        "eu-south-1",
        "eu-south-2",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
    }
)
# Opt-in regions enabled for the account (LocalAws.enable_region), process-wide like moto's state.
ENABLED: set[str] = set()


@dataclass(frozen=True, slots=True)
class ResearchNotebook:
    name: str
    region: str
    instance_type: str
    status: str
    changed_hours_ago: float


# The research account's fleet: one name the main account also has (alice-sandbox): rows are
# told apart by profile, not only by region and name.
RESEARCH_NOTEBOOKS = (
    ResearchNotebook("llm-eval", "us-east-1", "ml.g5.2xlarge", "InService", 5),
    ResearchNotebook("forgotten-p3", "us-east-1", "ml.p3.2xlarge", "InService", 21 * 24),
    ResearchNotebook("alice-sandbox", "us-east-1", "ml.t3.medium", "Stopped", 30),
    ResearchNotebook("eu-genomics", "eu-west-1", "ml.m5.xlarge", "Stopped", 72),
)


def seed_research_user() -> None:
    """The research team's IAM user, whose access key makes requests the second account's."""
    iam = iam_backend(RESEARCH_ACCOUNT_ID)
    iam.create_user(region_name="us-east-1", user_name=RESEARCH_USER)
    key = iam.create_access_key(RESEARCH_USER)
    del iam.access_keys[key.physical_resource_id]
    key.access_key_id = RESEARCH_ACCESS_KEY
    key.secret_access_key = RESEARCH_SECRET_KEY
    iam.access_keys[key.physical_resource_id] = key


def seed_research_account(anchor: float) -> None:
    from . import notebooks

    role = f"arn:aws:iam::{RESEARCH_ACCOUNT_ID}:role/service-role/ResearchNotebookRole"
    for spec in RESEARCH_NOTEBOOKS:
        backend = sagemaker_backend(RESEARCH_ACCOUNT_ID, spec.region)
        notebook = backend.create_notebook_instance(
            notebook_instance_name=spec.name, instance_type=spec.instance_type, role_arn=role
        )
        notebooks.set_defaults(notebook, None, None)
        changed = datetime.fromtimestamp(anchor - spec.changed_hours_ago * 3600, UTC)
        notebook.creation_time = notebook.last_modified_time = changed.replace(tzinfo=None)
        notebook.status = spec.status


def region_enabled(region: str) -> bool:
    return region not in OPT_IN_REGIONS or region in ENABLED


def refuse_not_enabled(response: Any) -> tuple[int, dict[str, str], str]:
    """AWS's answer to a request signed for a region the account has not enabled."""
    message = "The security token included in the request is invalid."
    if response.headers.get("X-Amz-Target"):
        body = json.dumps({"__type": "UnrecognizedClientException", "message": message})
        return 400, {"Content-Type": "application/x-amz-json-1.1"}, body
    body = (
        "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"
        f"<Message>{message}</Message></Error><RequestId>0</RequestId></ErrorResponse>"
    )
    return 403, {"Content-Type": "text/xml"}, body
