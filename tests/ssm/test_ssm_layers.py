"""The SSM code outside ui/ never imports textual; the demo plugin starts light (no AWS SDK
until a page is served)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def loaded_after(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


@pytest.mark.timeout(60)
def test_ssm_modules_outside_the_ui_never_import_textual() -> None:
    loaded = loaded_after(
        [
            "sagedeck.aws.ssm",
            "sagedeck.ssm.plugin",
            "sagedeck.ssm.shell",
            "sagedeck.ssm.port_forwards",
            "sagedeck.ssm.doctor",
            "sagedeck.commands.ssm",
        ]
    )
    assert "botocore" in loaded  # the AWS layer was imported (aiobotocore comes with a client)
    assert "textual" not in loaded


@pytest.mark.timeout(60)
def test_the_demo_plugin_imports_no_aws_sdk_to_start() -> None:
    loaded = loaded_after(
        ["sagedeck.localaws.demo_plugin", "sagedeck.localaws.demo_plugin.forward"]
    )
    for heavy in ("boto3", "botocore", "aiobotocore", "textual"):
        assert heavy not in loaded
