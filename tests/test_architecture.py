"""One direction of dependency: ui -> aws -> models/errors.

Each check imports in a fresh interpreter, so what another test imported cannot hide a
violation.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import sagedeck.aws


def aws_modules() -> list[str]:
    return sorted(
        f"sagedeck.aws.{info.name}" for info in pkgutil.iter_modules(sagedeck.aws.__path__)
    )


def imported_after(modules: list[str]) -> set[str]:
    """The top-level packages in sys.modules after importing ``modules`` in a new process."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


def test_the_aws_layer_has_the_modules_we_check() -> None:
    names = aws_modules()
    for expected in ("session", "translate", "notebooks", "network", "iam", "details"):
        assert f"sagedeck.aws.{expected}" in names


@pytest.mark.timeout(60)
def test_aws_layer_never_imports_textual() -> None:
    loaded = imported_after(["sagedeck.aws", *aws_modules()])
    assert "aiobotocore" in loaded  # the import really happened
    assert "textual" not in loaded
    assert "rich" not in loaded


@pytest.mark.timeout(60)
def test_commands_and_format_never_import_textual() -> None:
    loaded = imported_after(
        [
            "sagedeck.commands.notebooks",
            "sagedeck.text.format",
            "sagedeck.system.clipboard",
            "sagedeck.cli",
        ]
    )
    assert "textual" not in loaded


@pytest.mark.timeout(60)
def test_models_errors_config_import_no_aws_sdk() -> None:
    loaded = imported_after(["sagedeck.models", "sagedeck.errors", "sagedeck.config"])
    assert "sagedeck" in loaded
    for sdk in ("botocore", "aiobotocore", "boto3", "textual", "aiohttp"):
        assert sdk not in loaded, sdk
