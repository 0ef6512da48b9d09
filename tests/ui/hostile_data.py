"""Hostile text put where sagedeck shows it: into the embedded AWS, through its APIs where AWS
lets such text in, and into its state where only AWS's own systems could write it.

Over the API (as anyone who may edit them could): the IAM role's description (XML, so only
what XML can carry: no C0 control but tab, newline and CR), a tag, the lifecycle script, a log
event (PutLogEvents). Into the embedded AWS's state (AWS writes these itself, or validates
them on the way in): the FailureReason, a security group's name, a repository URL, the SSM
agent's version. Either way the text reaches sagedeck over HTTP, parsed as AWS's answers are.

An instance's name is validated by AWS (``[a-zA-Z0-9-]``): a hostile name is put into the
listing sagedeck parsed (``add_hostile_rows``), the model level.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sagedeck.aws.logs.client import LOG_GROUP
from sagedeck.aws.services import AwsServices
from sagedeck.localaws import LocalAws, ssm_nodes
from sagedeck.localaws.state import LOCK, ec2_backend, sagemaker_backend, ssm_backend
from sagedeck.models import NotebookStatus, RegionListing

REGION = "us-east-1"
ACCOUNT = "123456789012"
FAILED = "nlp-finetune"  # Failed, in a VPC: role, lifecycle script, tags, network, FailureReason
WITH_NODE = "cv-training-gpu"  # InService: repositories and an SSM node
ROLE = "nlp-team-notebook-role"
LIFECYCLE = "conda-setup-broken"
JUPYTER_LOG = f"{FAILED}/jupyter.log"

LINK = "[link=https://evil.example/login]Session expired: sign in again[/link]"
MARKUP = f"access to [/data] bucket. {LINK} [/] [bold unclosed [@click=app.quit]quit[/]"
OSC52 = "\x1b]52;c;aGFja2Vk\x07"  # "hacked", into the viewer's clipboard
ESCAPES = f"copy {OSC52} title \x1b]0;pwned\x07 clear \x1b[2J c1 \x9b2J rtl \u202eevil\u202c"
# What the terminal shows in their place (text/sanitize.py).
OSC52_SHOWN = "␛]52;c;aGFja2Vk␇"
ESCAPES_SHOWN = (
    "copy ␛]52;c;aGFja2Vk␇ title ␛]0;pwned␇ clear ␛[2J c1 \\x9b2J rtl \\u202eevil\\u202c"
)
# Never in what the app writes: the sequences the data carries.
SENT_RAW = ("\x1b]52;", "\x1b]0;", "\x1b[2J", "\x9b", "\x1b]8;", "\u202e")

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` as an XML answer (IAM, EC2) can carry it: without C0 controls but tab, newline
    and CR, lone surrogates and U+FFFE/U+FFFF. AWS's own rules on these fields are stricter."""
    return _NOT_XML.sub("", text)


def plant(aws: LocalAws, value: str) -> None:
    """``value`` into every field of :data:`FAILED` and :data:`WITH_NODE` that the detail pane
    and the log view show (see the module's docstring for which way each goes in)."""
    iam = aws.client("iam")
    iam.update_role(RoleName=ROLE, Description=xml_safe(value) or "-")
    sagemaker = aws.client("sagemaker", REGION)
    described = sagemaker.describe_notebook_instance(NotebookInstanceName=FAILED)
    arn, group_id = described["NotebookInstanceArn"], described["SecurityGroups"][0]
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "note[b]", "Value": value}])
    script = f"#!/bin/bash\n{value}\necho done\n".encode()
    sagemaker.update_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=LIFECYCLE,
        OnStart=[{"Content": base64.b64encode(script).decode()}],
    )
    put_log_line(aws, value or "-")  # CloudWatch refuses an empty message
    with LOCK:
        notebooks = sagemaker_backend(ACCOUNT, REGION).notebook_instances
        notebooks[FAILED].failure_reason = value
        notebooks[WITH_NODE].additional_code_repositories = [f"https://git.example.com/{value}"]
        group = ec2_backend(ACCOUNT, REGION).get_security_group_from_id(group_id)
        group.name = group.group_name = xml_safe(value) or "-"
        for node in ssm_nodes.nodes(ssm_backend(ACCOUNT, REGION)).values():
            node.agent_version = value


def put_log_line(aws: LocalAws, message: str) -> None:
    """One event, now, in :data:`FAILED`'s jupyter.log (PutLogEvents)."""
    logs = aws.client("logs", REGION)
    logs.put_log_events(
        logGroupName=LOG_GROUP,
        logStreamName=JUPYTER_LOG,
        logEvents=[{"timestamp": int(time.time() * 1000), "message": message}],
    )


def add_hostile_rows(services: AwsServices, names: Callable[[], tuple[str, str]]) -> None:
    """Every listing sagedeck parses from now on gets two more instances in :data:`REGION`,
    named ``names()`` (the first InService, the second Stopped): the model level, as AWS
    refuses such names."""
    list_regions = services.sagemaker.list_regions

    async def with_hostile_rows(*args: Any, **kwargs: Any) -> list[RegionListing]:
        listings = await list_regions(*args, **kwargs)
        return [_with_hostile_rows(listing, names()) for listing in listings]

    services.sagemaker.list_regions = with_hostile_rows  # type: ignore[method-assign]


def _with_hostile_rows(listing: RegionListing, names: tuple[str, str]) -> RegionListing:
    if listing.region != REGION or not listing.notebooks:
        return listing
    model = next(nb for nb in listing.notebooks if nb.name == WITH_NODE)
    running, stopped = names
    added = (
        replace(model, name=running, lifecycle_config=running),
        replace(model, name=stopped, status=NotebookStatus.STOPPED, url=None),
    )
    return replace(listing, notebooks=listing.notebooks + added)
