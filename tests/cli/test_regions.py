"""``ls`` over many regions: one region's failure does not hide the others, and opt-in regions
the account has not enabled (AWS answers them with UnrecognizedClientException) are skipped
with one line instead of failing ``--region all``."""

from __future__ import annotations

import json

from aws.wire import json_error, json_ok, wire_server  # tests/aws/wire.py

from .conftest import InProcess

ARN_PREFIX = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance"
UNRECOGNIZED = json_error(
    "UnrecognizedClientException", "The security token included in the request is invalid."
)


def listing(*names: str) -> dict[str, object]:
    return {
        "NotebookInstances": [
            {
                "NotebookInstanceName": name,
                "NotebookInstanceArn": f"{ARN_PREFIX}/{name}",
                "NotebookInstanceStatus": "InService",
                "InstanceType": "ml.t3.medium",
                "CreationTime": 1700000000.0,
                "LastModifiedTime": 1700000000.0,
            }
            for name in names
        ]
    }


def test_regions_not_enabled_are_skipped(offline: InProcess) -> None:
    replies = {
        "ListNotebookInstances@us-east-1": json_ok(listing("east-nb")),
        "ListNotebookInstances@eu-west-1": json_ok(listing("west-nb")),
        "ListNotebookInstances": UNRECOGNIZED,  # every other region
    }
    with wire_server(dict(replies)) as wire:
        result = offline.run("--endpoint-url", wire.url, "--region", "all", "ls", "--json")
    assert result.returncode == 0, result.stderr
    assert {row["name"] for row in json.loads(result.stdout)} == {"east-nb", "west-nb"}
    assert len(result.error_lines) == 1, result.stderr
    line = result.error_lines[0]
    assert line.startswith("sagedeck: skipped regions not enabled for this account: ")
    assert "af-south-1" in line
    assert "us-east-1" not in line


def test_rejected_everywhere_is_a_credentials_error(offline: InProcess) -> None:
    with wire_server({"ListNotebookInstances": UNRECOGNIZED}) as wire:
        result = offline.run("--endpoint-url", wire.url, "--region", "us-east-1,eu-west-1", "ls")
    line = result.assert_one_line_error(exit_code=1)
    assert "AWS rejected the credentials (UnrecognizedClientException)" in line


def test_one_failing_region_is_reported_and_the_rest_listed(offline: InProcess) -> None:
    replies = {
        "ListNotebookInstances@us-east-1": json_ok(listing("east-nb")),
        "ListNotebookInstances@eu-west-1": json_error(
            "AccessDeniedException", "not authorized to perform: sagemaker:ListNotebookInstances"
        ),
    }
    with wire_server(dict(replies)) as wire:
        result = offline.run(
            "--endpoint-url", wire.url, "--region", "us-east-1,eu-west-1", "ls", "--json"
        )
    assert result.returncode == 1
    assert [row["name"] for row in json.loads(result.stdout)] == ["east-nb"]
    assert result.error_lines == [
        "sagedeck: eu-west-1: not allowed: sagemaker:ListNotebookInstances"
        " (list notebooks in eu-west-1)"
    ]
