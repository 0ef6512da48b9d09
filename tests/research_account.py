"""The embedded AWS's second account (profile ``research``) with a lifecycle configuration and
a Git repository of its own, for the tests of the catalog screens and commands over several
profiles. Its configuration has the name one of the main account's has (``auto-stop-idle``):
entries are told apart by profile, and "used by" counts each account's instances only.

tests/ is on sys.path (see system_tools), so this module is ``research_account`` to every
test package.
"""

from __future__ import annotations

import base64
from typing import Any

from sagedeck.localaws import LocalAws
from sagedeck.localaws.accounts import RESEARCH_ACCESS_KEY, RESEARCH_SECRET_KEY

REGION = "us-east-1"
SHARED_CONFIG = "auto-stop-idle"  # the main account has one of this name too
RESEARCH_CONFIG = "research-setup"  # only the research account has it
RESEARCH_REPOSITORY = "research-utils"
RESEARCH_USER = "alice-sandbox"  # the research account's instance that uses SHARED_CONFIG


def research_client(aws: LocalAws, service: str = "sagemaker", region: str = REGION) -> Any:
    """A boto3 client signed with the research account's key."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        region_name=region,
        endpoint_url=aws.endpoint_url,
        aws_access_key_id=RESEARCH_ACCESS_KEY,
        aws_secret_access_key=RESEARCH_SECRET_KEY,
        config=Config(retries={"total_max_attempts": 1}),
    )


def seed_research_catalog(aws: LocalAws) -> None:
    client = research_client(aws)
    script = [{"Content": base64.b64encode(b"#!/bin/bash\necho research\n").decode()}]
    for name in (SHARED_CONFIG, RESEARCH_CONFIG):
        client.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=name, OnStart=script
        )
    client.update_notebook_instance(
        NotebookInstanceName=RESEARCH_USER, LifecycleConfigName=SHARED_CONFIG
    )
    client.create_code_repository(
        CodeRepositoryName=RESEARCH_REPOSITORY,
        GitConfig={"RepositoryUrl": "https://github.com/acme-research/utils.git"},
    )


def research_config_names(aws: LocalAws) -> set[str]:
    page = research_client(aws).list_notebook_instance_lifecycle_configs()
    return {
        c["NotebookInstanceLifecycleConfigName"] for c in page["NotebookInstanceLifecycleConfigs"]
    }


def research_repository_names(aws: LocalAws) -> set[str]:
    page = research_client(aws).list_code_repositories()
    return {r["CodeRepositoryName"] for r in page["CodeRepositorySummaryList"]}
