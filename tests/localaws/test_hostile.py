"""The demo fleet carries text a terminal must not obey (``localaws.hostile``), on one notebook:
the embedded AWS answers it byte for byte, as AWS would, and only in values AWS accepts."""

from __future__ import annotations

import base64
import unicodedata

from mypy_boto3_iam import IAMClient
from mypy_boto3_logs import CloudWatchLogsClient
from mypy_boto3_sagemaker import SageMakerClient

from sagedeck.devtools.screenshots import DETAIL_OF
from sagedeck.localaws import LocalAws, hostile
from sagedeck.localaws.validation import string_violation

from .conftest import GROUP

ESCAPES = ("\x1b", "\x07", "\x9b")


def _described(sagemaker: SageMakerClient) -> dict[str, object]:
    return dict(sagemaker.describe_notebook_instance(NotebookInstanceName=hostile.NOTEBOOK))


def _last_events(logs: CloudWatchLogsClient, stream: str, limit: int = 50) -> list[str]:
    page = logs.get_log_events(
        logGroupName=GROUP, logStreamName=f"{hostile.NOTEBOOK}/{stream}", limit=limit
    )
    return [event["message"] for event in page["events"]]


def test_the_notebook_is_not_the_one_the_screenshots_select() -> None:
    assert f"us-east-1/{hostile.NOTEBOOK}" != DETAIL_OF


def test_its_row_in_the_table_is_plain(sagemaker: SageMakerClient) -> None:
    """Name, status, type, lifecycle and platform show in every screenshot: nothing odd there."""
    described = _described(sagemaker)
    shown = [
        described[field]
        for field in (
            "NotebookInstanceName",
            "NotebookInstanceStatus",
            "InstanceType",
            "NotebookInstanceLifecycleConfigName",
            "PlatformIdentifier",
        )
    ]
    assert all(isinstance(value, str) and value.isascii() for value in shown), shown
    assert not any(mark in str(value) for value in shown for mark in "[]:")


def test_the_role_description_with_brackets_and_a_link(
    sagemaker: SageMakerClient, iam: IAMClient
) -> None:
    role_arn = str(_described(sagemaker)["RoleArn"])
    assert role_arn.endswith(f":role/service-role/{hostile.ROLE}")
    role = iam.get_role(RoleName=hostile.ROLE)["Role"]
    assert role["Arn"] == role_arn
    assert role["Description"] == hostile.ROLE_DESCRIPTION
    assert "[/data]" in role["Description"]
    assert "[link=https://example.invalid]Session expired[/link]" in role["Description"]
    # IAM would take it: its model's pattern for a role description
    assert string_violation("iam", "CreateRole", "Description", role["Description"]) is None


def test_a_tag_value_with_emoji_markup(sagemaker: SageMakerClient) -> None:
    arn = str(_described(sagemaker)["NotebookInstanceArn"])
    tags = {tag["Key"]: tag["Value"] for tag in sagemaker.list_tags(ResourceArn=arn)["Tags"]}
    key, value = hostile.TAG
    assert tags[key] == value == ":rotating_light: page @bob"
    # SageMaker would take it: [\p{L}\p{Z}\p{N}_.:/=+\-@]* (Python's re has no \p{...})
    for text in (key, value):
        assert all(unicodedata.category(c)[0] in "LNZ" or c in "_.:/=+-@" for c in text), text


def test_a_lifecycle_script_with_escape_bytes(sagemaker: SageMakerClient) -> None:
    config = sagemaker.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=str(
            _described(sagemaker)["NotebookInstanceLifecycleConfigName"]
        )
    )
    script = base64.b64decode(config["OnStart"][0]["Content"]).decode()
    lines = script.splitlines()
    for line in hostile.SCRIPT_LINES:
        assert line in lines
    echo = hostile.SCRIPT_LINES[1]
    for sequence in (hostile.WINDOW_TITLE, hostile.CLIPBOARD_WRITE, hostile.CLEAR_SCREEN):
        assert sequence in echo
    payload = hostile.CLIPBOARD_WRITE.removeprefix("\x1b]52;c;").removesuffix("\x07")
    assert base64.b64decode(payload) == hostile.CLIPBOARD_TEXT


def test_the_scripts_output_carries_them_into_the_log(
    aws: LocalAws, logs: CloudWatchLogsClient
) -> None:
    printed = (
        f"Extensions installed{hostile.WINDOW_TITLE}{hostile.CLIPBOARD_WRITE}{hostile.CLEAR_SCREEN}"
    )
    assert printed in _last_events(logs, "LifecycleConfigOnStart")  # the seeded history
    aws.simulator.settle()  # Pending: the start runs the script again
    assert _last_events(logs, "LifecycleConfigOnStart", limit=5).count(printed) == 1


def test_jupyter_log_lines_with_colours_osc_and_c1(logs: CloudWatchLogsClient) -> None:
    """Near the end of the last run, before the shutdown lines, what the notebook's own code
    wrote: ANSI colours, an OSC 8 link, a title and a clipboard write, a C1 CSI."""
    messages = _last_events(logs, "jupyter.log")
    first = messages.index(hostile.LOG_LINES[0])
    assert tuple(messages[first : first + len(hostile.LOG_LINES)]) == hostile.LOG_LINES
    assert "received signal 15, stopping" in messages[first + len(hostile.LOG_LINES)]
    found = "".join(hostile.LOG_LINES)
    for sequence in ("\x1b[32mINFO\x1b[0m", hostile.HYPERLINK, hostile.C1_CLEAR_SCREEN):
        assert sequence in found
    assert all(escape in found for escape in ESCAPES)


def test_no_other_notebook_carries_them(aws: LocalAws, logs: CloudWatchLogsClient) -> None:
    """The rest of the fleet stays as the screenshots and the other tests know it."""
    for pattern in ('"Uvicorn running"', '"Extensions installed"'):
        events = logs.filter_log_events(logGroupName=GROUP, filterPattern=pattern)["events"]
        assert events
        assert {e["logStreamName"].split("/")[0] for e in events} == {hostile.NOTEBOOK}
