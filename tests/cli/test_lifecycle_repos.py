"""``sagedeck lifecycle ...`` and ``sagedeck repos ...`` against the embedded AWS: what each
command prints, what it changed in AWS, and one line (no traceback) when it refuses."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from sagedeck.aws.lifecycle import content_limit
from sagedeck.localaws import LocalAws

from .conftest import CliEnvironment, InProcess

pytestmark = pytest.mark.timeout(60)

EAST, WEST = "us-east-1", "eu-west-1"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:github-acme-ml-Xq3LmB"


def scripts(aws: LocalAws, name: str, region: str = EAST) -> tuple[str | None, str | None]:
    item = aws.client("sagemaker", region).describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=name
    )

    def decoded(hooks: Any) -> str | None:
        return base64.b64decode(hooks[0]["Content"]).decode() if hooks else None

    return decoded(item.get("OnCreate")), decoded(item.get("OnStart"))


def config_names(aws: LocalAws, region: str = EAST) -> set[str]:
    page = aws.client("sagemaker", region).list_notebook_instance_lifecycle_configs()
    return {
        c["NotebookInstanceLifecycleConfigName"] for c in page["NotebookInstanceLifecycleConfigs"]
    }


def repository_names(aws: LocalAws, region: str = EAST) -> set[str]:
    page = aws.client("sagemaker", region).list_code_repositories()
    return {r["CodeRepositoryName"] for r in page["CodeRepositorySummaryList"]}


def script_file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# --- lifecycle ------------------------------------------------------------------------------


def test_ls_names_every_config_with_the_instances_using_it(sagedeck: InProcess) -> None:
    result = sagedeck.run("lifecycle", "ls", "--json")
    assert result.returncode == 0, result.stderr
    rows = {(row["name"], row["region"]): row for row in json.loads(result.stdout)}
    assert rows[("auto-stop-idle", EAST)]["used_by"] == [
        "alice-sandbox",
        "fraud-detection",
        "nb",
        "nb-dev",
        "recsys-prototype",
    ]
    assert rows[("conda-setup", WEST)]["used_by"] == ["eu-forecasting"]
    assert rows[("idle-stop", EAST)]["used_by"] == []
    text = sagedeck.run("lifecycle", "ls")
    header, *lines = text.stdout.splitlines()
    assert header.split() == ["NAME", "REGION", "CREATED", "MODIFIED", "USED", "BY"]
    assert len(lines) == len(rows)
    assert any(line.startswith("conda-setup-broken") and "nlp-finetune" in line for line in lines)


def test_show_prints_both_scripts_decoded_and_sanitised(sagedeck: InProcess) -> None:
    result = sagedeck.run("--region", EAST, "lifecycle", "show", "conda-setup")
    assert result.returncode == 0, result.stderr
    assert "# --- on-create" in result.stdout
    assert "conda create --yes -q -p /home/ec2-user/SageMaker/custom-envs/nlp" in result.stdout
    assert "python -m ipykernel install" in result.stdout  # on-start
    assert "\x1b" not in result.stdout  # not a terminal: no colour
    hostile = sagedeck.run("--region", EAST, "lifecycle", "show", "install-extensions")
    assert "\x1b" not in hostile.stdout  # the seeded escape bytes are shown as stand-ins
    assert "␛" in hostile.stdout
    data = json.loads(
        sagedeck.run("--region", EAST, "lifecycle", "show", "idle-stop", "--json").stdout
    )
    assert data["on_create"] is None
    assert "IDLE_MINUTES=60" in data["on_start"]


def test_show_highlights_on_a_terminal(cli_aws: CliEnvironment, aws: LocalAws) -> None:
    from sagedeck.text.scripts import shell_text

    coloured = shell_text("echo hi # a comment\x1b]52;c;x\x07", colour=True)
    assert "\x1b[" in coloured  # the highlighter's colours
    assert "\x1b]52" not in coloured  # and nothing of the script's own escapes
    assert "␛]52;c;x␇" in coloured


def test_a_name_in_two_regions_asks_for_one(sagedeck: InProcess) -> None:
    result = sagedeck.run("lifecycle", "show", "conda-setup")
    line = result.assert_one_line_error(exit_code=2)
    assert "choose one with --region" in line


def test_create_from_files_and_with_the_idle_stop_script(
    sagedeck: InProcess, aws_env: LocalAws, tmp_path: Path
) -> None:
    on_create = script_file(tmp_path, "create.sh", "#!/bin/bash\necho created\n")
    result = sagedeck.run(
        "--region", EAST, "lifecycle", "create", "team-stop", "--on-create", on_create,
        "--idle-stop", "45",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("team-stop: created in us-east-1 (arn:aws:sagemaker:")
    created, started = scripts(aws_env, "team-stop")
    assert created == "#!/bin/bash\necho created\n"
    assert started is not None
    assert "\nIDLE_MINUTES=45\n" in started
    assert "sagedeck-idle-check" in started

    only_start = script_file(tmp_path, "start.sh", "echo start\n")
    result = sagedeck.run(
        "--region", EAST, "lifecycle", "create", "plain", "--on-start", only_start
    )
    assert result.returncode == 0, result.stderr
    assert scripts(aws_env, "plain") == (None, "echo start\n")


def test_create_needs_a_region_when_several_are_targeted(
    sagedeck: InProcess, aws_env: LocalAws
) -> None:
    result = sagedeck.run("lifecycle", "create", "x", "--idle-stop", "60")
    assert "--region" in result.assert_one_line_error(exit_code=2)
    assert "x" not in config_names(aws_env)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--idle-stop", "2"), "--idle-stop takes 5 to 10080 minutes, not 2"),
        (("--idle-stop", "soon"), "--idle-stop takes whole minutes, not 'soon'"),
        (("--on-start", "/nonexistent/start.sh"), "--on-start /nonexistent/start.sh:"),
        (("--on-start", "x", "--idle-stop", "5"), "not allowed with argument"),
    ],
)
def test_create_refuses_bad_input_in_one_line(
    sagedeck: InProcess, aws_env: LocalAws, args: tuple[str, ...], expected: str
) -> None:
    result = sagedeck.run("--region", EAST, "lifecycle", "create", "bad", *args)
    assert expected in result.assert_one_line_error(exit_code=2)
    assert "bad" not in config_names(aws_env)


def test_a_script_over_the_limit_is_refused_before_sending(
    sagedeck: InProcess, aws_env: LocalAws, tmp_path: Path
) -> None:
    limit = content_limit()  # from botocore's model
    fits = script_file(tmp_path, "fits.sh", "#" * (limit // 4 * 3))  # exactly the limit encoded
    assert (
        sagedeck.run("--region", EAST, "lifecycle", "create", "fits", "--on-start", fits).returncode
        == 0
    )
    big = script_file(tmp_path, "big.sh", "#" * (limit // 4 * 3 + 1))
    result = sagedeck.run("--region", EAST, "lifecycle", "create", "big", "--on-start", big)
    line = result.assert_one_line_error(exit_code=2)
    assert f"AWS takes at most {limit:,}" in line
    assert "big" not in config_names(aws_env)


def test_update_replaces_only_the_scripts_given(
    sagedeck: InProcess, aws_env: LocalAws, tmp_path: Path
) -> None:
    before_create, _ = scripts(aws_env, "conda-setup")
    new_start = script_file(tmp_path, "start.sh", "echo new start\n")
    result = sagedeck.run(
        "--region", EAST, "lifecycle", "update", "conda-setup", "--on-start", new_start
    )
    assert result.returncode == 0, result.stderr
    assert scripts(aws_env, "conda-setup") == (before_create, "echo new start\n")
    result = sagedeck.run("--region", EAST, "lifecycle", "update", "conda-setup", "--no-on-create")
    assert result.returncode == 0, result.stderr
    assert scripts(aws_env, "conda-setup") == (None, "echo new start\n")
    result = sagedeck.run(
        "--region", EAST, "lifecycle", "update", "auto-stop-idle", "--idle-stop", "90"
    )
    assert "alice-sandbox" in result.stdout  # who runs it from their next start
    assert "IDLE_MINUTES=90" in (scripts(aws_env, "auto-stop-idle")[1] or "")
    nothing = sagedeck.run("--region", EAST, "lifecycle", "update", "conda-setup")
    assert "nothing to change" in nothing.assert_one_line_error(exit_code=2)


def test_delete_refuses_while_attached_naming_the_instances(
    sagedeck: InProcess, aws_env: LocalAws
) -> None:
    result = sagedeck.run("--region", EAST, "lifecycle", "delete", "auto-stop-idle")
    line = result.assert_one_line_error(exit_code=1)
    assert "alice-sandbox, fraud-detection, nb, nb-dev, recsys-prototype" in line
    assert "auto-stop-idle" in config_names(aws_env)
    result = sagedeck.run("--region", EAST, "lifecycle", "delete", "conda-setup")
    assert result.stdout == "conda-setup: deleted from us-east-1\n"
    assert "conda-setup" not in config_names(aws_env)
    assert "conda-setup" in config_names(aws_env, WEST)
    again = sagedeck.run("--region", EAST, "lifecycle", "delete", "conda-setup")
    assert "not found" in again.assert_one_line_error(exit_code=1)


def test_read_only_refuses_every_change(
    sagedeck: InProcess, aws_env: LocalAws, tmp_path: Path
) -> None:
    start = script_file(tmp_path, "start.sh", "echo hi\n")
    for args in (
        ("lifecycle", "create", "x", "--on-start", start),
        ("lifecycle", "update", "conda-setup", "--on-start", start),
        ("lifecycle", "delete", "idle-stop"),
        ("repos", "add", "r", "--url", "https://github.com/a/r.git"),
        ("repos", "delete", "sagemaker-examples"),
    ):
        result = sagedeck.run("--read-only", "--region", EAST, *args)
        assert "read-only mode" in result.assert_one_line_error(exit_code=2), args
    assert "x" not in config_names(aws_env)
    assert "idle-stop" in config_names(aws_env)
    assert scripts(aws_env, "conda-setup")[1] != "echo hi\n"
    assert "r" not in repository_names(aws_env)


def test_subprocess_lifecycle_ls(cli_aws: CliEnvironment) -> None:
    """The command as installed: global flags after the nested verb work too."""
    result = cli_aws.run("lifecycle", "ls", "--region", EAST)
    assert result.returncode == 0, result.stderr
    assert "eu-west-1" not in result.stdout
    assert "idle-stop" in result.stdout


# --- repos ----------------------------------------------------------------------------------


def test_repos_ls_shows_the_secret_arn_never_its_value(sagedeck: InProcess) -> None:
    result = sagedeck.run("repos", "ls", "--json")
    assert result.returncode == 0, result.stderr
    rows = {(row["name"], row["region"]): row for row in json.loads(result.stdout)}
    utils = rows[("ml-utils", EAST)]
    assert utils["secret_arn"] == SECRET
    assert utils["default_for"] == ["cv-training-gpu"]
    assert utils["additional_for"] == ["alice-sandbox"]
    assert rows[("sagemaker-examples", EAST)]["secret_arn"] is None
    text = sagedeck.run("repos", "ls").stdout
    assert "alice-sandbox (additional)" in text
    assert "ghp_" not in text + result.stdout


def test_repos_add_checks_the_secret(sagedeck: InProcess, aws_env: LocalAws) -> None:
    url = "https://github.com/acme-ml/new.git"
    ok = sagedeck.run(
        "--region",
        EAST,
        "repos",
        "add",
        "new",
        "--url",
        url,
        "--branch",
        "dev",
        "--secret-arn",
        SECRET,
    )
    assert ok.returncode == 0, ok.stderr
    described = aws_env.client("sagemaker", EAST).describe_code_repository(CodeRepositoryName="new")
    assert described["GitConfig"] == {"RepositoryUrl": url, "Branch": "dev", "SecretArn": SECRET}

    missing = SECRET.replace("github-acme-ml", "nobody")
    refused = sagedeck.run(
        "--region", EAST, "repos", "add", "other", "--url", url, "--secret-arn", missing
    )
    line = refused.assert_one_line_error(exit_code=1)
    assert "no secret" in line
    assert "--force" in line
    assert "other" not in repository_names(aws_env)
    forced = sagedeck.run(
        "--region", EAST, "repos", "add", "other", "--url", url, "--secret-arn", missing, "--force"
    )
    assert forced.returncode == 0
    assert "adding it anyway" in forced.stderr
    assert "other" in repository_names(aws_env)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("--url", "http://github.com/a/b.git"),
            "--url 'http://github.com/a/b.git' does not match",
        ),
        (("--url", "https://github.com/a/b.git", "--secret-arn", "gh-token"), "--secret-arn"),
        (("--url", "https://github.com/a/b.git", "--branch", "a b"), "--branch"),
    ],
)
def test_repos_add_refuses_bad_fields_from_the_model(
    sagedeck: InProcess, aws_env: LocalAws, args: tuple[str, ...], expected: str
) -> None:
    result = sagedeck.run("--region", EAST, "repos", "add", "bad", *args)
    assert expected in result.assert_one_line_error(exit_code=2)
    assert "bad" not in repository_names(aws_env)


def test_repos_delete_refuses_while_used(sagedeck: InProcess, aws_env: LocalAws) -> None:
    result = sagedeck.run("repos", "delete", "ml-utils")
    line = result.assert_one_line_error(exit_code=1)
    assert "alice-sandbox, cv-training-gpu" in line
    aws_env.client("sagemaker", EAST).create_code_repository(
        CodeRepositoryName="unused", GitConfig={"RepositoryUrl": "https://example.com/u.git"}
    )
    result = sagedeck.run("repos", "delete", "unused")
    assert result.stdout == "unused: deleted from us-east-1\n"
    assert "unused" not in repository_names(aws_env)
