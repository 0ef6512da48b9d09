"""``sagedeck ls | show | start | stop | url`` against the embedded AWS."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import threading
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace
from datetime import datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from sagedeck.aws import details
from sagedeck.aws.services import AwsServices
from sagedeck.cli import main
from sagedeck.localaws import LocalAws
from sagedeck.models import Tag

from .conftest import PYTHON, CliEnvironment, InProcess

pytestmark = pytest.mark.timeout(60)

EAST, WEST = "us-east-1", "eu-west-1"


def truth(aws: LocalAws) -> set[tuple[str, str, str]]:
    """(name, region, status) of every notebook, from boto3."""
    rows: set[tuple[str, str, str]] = set()
    for region in aws.regions:
        page = aws.client("sagemaker", region).list_notebook_instances(MaxResults=100)
        rows |= {
            (nb["NotebookInstanceName"], region, nb["NotebookInstanceStatus"])
            for nb in page["NotebookInstances"]
        }
    return rows


def status_of(aws: LocalAws, name: str, region: str = EAST) -> str:
    client = aws.client("sagemaker", region)
    value: str = client.describe_notebook_instance(NotebookInstanceName=name)[
        "NotebookInstanceStatus"
    ]
    return value


# --- ls -------------------------------------------------------------------------------------


def test_ls_json(sagedeck: InProcess, aws_env: LocalAws) -> None:
    result = sagedeck.run("ls", "--json")
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    for row in rows:
        assert {"name", "status", "instance_type", "region", "created", "url"} <= row.keys()
        datetime.fromisoformat(row["created"])
    assert {(r["name"], r["region"], r["status"]) for r in rows} == truth(aws_env)
    assert {r["region"] for r in rows} == {EAST, WEST}
    cv = next(r for r in rows if r["name"] == "cv-training-gpu")
    assert cv["instance_type"] == "ml.p3.2xlarge"
    assert cv["url"] == "cv-training-gpu.notebook.us-east-1.sagemaker.aws"


def test_ls_table(sagedeck: InProcess, aws_env: LocalAws) -> None:
    result = sagedeck.run("ls")
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header.split() == ["NAME", "STATUS", "TYPE", "REGION", "IN", "STATE"]
    rows = {tuple(line.split()[:4]) for line in lines}
    assert {(n, s, r) for n, r, s in truth(aws_env)} == {(n, s, r) for n, s, _t, r in rows}


def test_ls_one_region_by_flag(sagedeck: InProcess) -> None:
    result = sagedeck.run("ls", "--json", "--region", WEST)
    assert {r["region"] for r in json.loads(result.stdout)} == {WEST}


# --- show -----------------------------------------------------------------------------------


def test_show_text(sagedeck: InProcess) -> None:
    result = sagedeck.run("show", "eu-forecasting")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("eu-forecasting  (eu-west-1)")
    for heading in ("network interface", "role", "lifecycle configuration", "git repositories"):
        assert f"\n{heading}\n" in text
    assert "  eni           eni-" in text
    assert "  attached  AmazonSageMakerFullAccess" in text
    assert "  | #!/bin/bash" in text  # conda-setup, decoded


def test_show_json(sagedeck: InProcess, aws_env: LocalAws) -> None:
    result = sagedeck.run("show", "fraud-detection", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    described = aws_env.client("sagemaker", EAST).describe_notebook_instance(
        NotebookInstanceName="fraud-detection"
    )
    assert data["name"] == "fraud-detection"
    assert data["region"] == EAST
    assert data["status"] == "Stopped"
    assert data["network_interface"]["id"] == described["NetworkInterfaceId"]
    assert data["role"]["name"] == "AmazonSageMaker-ExecutionRole-20240131T145746"
    assert data["lifecycle"]["name"] == "auto-stop-idle"
    assert data["lifecycle"]["on_start"].startswith("#!/bin/bash")
    assert data["tags"]["team"] == "risk"
    assert data["errors"] == {}


def test_show_prints_what_the_parts_table_loads(
    sagedeck: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``show`` loads ``aws/details.PARTS``, the table the detail pane loads too."""

    async def tags(services: AwsServices, subject: details.Subject) -> tuple[Tag, ...]:
        return (Tag("loaded-by", "the-parts-table"),)

    parts = tuple(replace(p, load=tags) if p.key == "tags" else p for p in details.PARTS)
    monkeypatch.setattr(details, "PARTS", parts)
    result = sagedeck.run("show", "eu-forecasting")
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\ntags\n  loaded-by = the-parts-table\n")
    assert "  eni           eni-" in result.stdout  # the other parts as they are


def test_show_partial_failure_still_exits_0(sagedeck: InProcess) -> None:
    result = sagedeck.run("show", "legacy-analytics", "--json")  # its role was deleted
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["role"] is None
    assert "legacy-notebook-role" in data["errors"]["role"]


def test_name_in_two_regions_asks_for_region(sagedeck: InProcess) -> None:
    result = sagedeck.run("show", "alice-sandbox")
    line = result.assert_one_line_error(exit_code=2)
    assert line == (
        "sagedeck: 'alice-sandbox' exists in eu-west-1, us-east-1: choose one with --region"
    )
    assert sagedeck.run("show", "alice-sandbox", "--region", WEST, "--json").returncode == 0


# --- start / stop ---------------------------------------------------------------------------


def run_while_stepping(
    sagedeck: InProcess, aws: LocalAws, until: str, args: list[str]
) -> tuple[int, str, str]:
    """Run the CLI in a thread; once it has printed ``until``, let simulated time run out."""
    out, err = StringIO(), StringIO()
    outcome: dict[str, int] = {}

    def run() -> None:
        outcome["code"] = main(args)

    with redirect_stdout(out), redirect_stderr(err):
        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.monotonic() + 30
        while until not in out.getvalue() and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)  # polls the CLI's output, which arrives over real HTTP round trips
        assert until in out.getvalue(), (out.getvalue(), err.getvalue())
        aws.simulator.settle()
        thread.join(30)
    assert not thread.is_alive()
    return outcome["code"], out.getvalue(), err.getvalue()


def test_start_wait_reports_pending_then_in_service(sagedeck: InProcess, aws_env: LocalAws) -> None:
    code, out, err = run_while_stepping(
        sagedeck, aws_env, "nb-dev: Pending", ["start", "nb-dev", "--wait"]
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "nb-dev: starting"
    assert re.fullmatch(r"nb-dev: Pending \(\d+s\)", lines[1])
    assert re.fullmatch(r"nb-dev: InService \(\d+s\)", lines[-1])
    assert status_of(aws_env, "nb-dev") == "InService"


def test_stop_wait_reports_stopping_then_stopped(sagedeck: InProcess, aws_env: LocalAws) -> None:
    code, out, err = run_while_stepping(
        sagedeck,
        aws_env,
        "Stopping",
        ["stop", "eu-vision-gpu", "--wait", "--region", WEST],
    )
    assert code == 0, err
    assert out.splitlines()[0] == "eu-vision-gpu: stopping"
    assert "eu-vision-gpu: Stopping (" in out
    assert out.splitlines()[-1].startswith("eu-vision-gpu: Stopped (")


def test_start_wait_that_fails_says_why(sagedeck: InProcess, aws_env: LocalAws) -> None:
    code, out, err = run_while_stepping(
        sagedeck, aws_env, "Pending", ["start", "nlp-finetune", "--wait"]
    )
    assert code == 1
    assert "nlp-finetune: Failed (" in out
    assert len(err.splitlines()) == 1
    assert err.startswith("sagedeck: nlp-finetune ended Failed, not InService: ")


def test_start_without_wait_returns_at_once(sagedeck: InProcess, aws_env: LocalAws) -> None:
    result = sagedeck.run("start", "nb-dev")
    assert (result.returncode, result.stdout) == (0, "nb-dev: starting\n")
    assert status_of(aws_env, "nb-dev") == "Pending"


def test_wait_gives_up_after_timeout(sagedeck: InProcess, aws_env: LocalAws) -> None:
    result = sagedeck.run("stop", "nb", "--wait", "--timeout", "0.2")  # nobody steps time
    assert result.returncode == 1
    assert result.assert_one_line_error() == "sagedeck: gave up waiting after 0.2s"
    assert "nb: Stopping (0s)" in result.stdout


def test_read_only_refuses_start(sagedeck: InProcess, aws_env: LocalAws) -> None:
    result = sagedeck.run("--read-only", "start", "nb-dev")
    assert result.assert_one_line_error(exit_code=2) == (
        "sagedeck: read-only mode: sagemaker:StartNotebookInstance changes AWS;"
        " run without --read-only"
    )
    assert status_of(aws_env, "nb-dev") == "Stopped"


@pytest.mark.parametrize("flags", [(), ("--copy",), ("--lab",)])
def test_read_only_refuses_a_url_in_one_line(
    sagedeck: InProcess, aws_env: LocalAws, flags: tuple[str, ...]
) -> None:
    result = sagedeck.run("--read-only", "url", "nb", *flags)
    assert result.assert_one_line_error(exit_code=2) == (
        "sagedeck: read-only mode: a presigned Jupyter URL opens a terminal on the instance,"
        " like a shell; run without --read-only"
    )
    assert result.stdout == ""


# --- url ------------------------------------------------------------------------------------


def test_url_classic_and_lab(sagedeck: InProcess) -> None:
    classic = sagedeck.run("url", "nb")
    assert classic.returncode == 0
    url = classic.stdout.strip()
    assert "/nb.notebook.us-east-1.sagemaker.aws?authToken=" in url
    assert "view=lab" not in url
    lab = sagedeck.run("url", "nb", "--lab", "--duration", "1800").stdout.strip()
    assert "/nb.notebook.us-east-1.sagemaker.aws?authToken=" in lab
    assert lab.endswith("&view=lab")


def test_url_open_hands_the_url_to_the_browser(
    sagedeck: InProcess, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    record = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {record}\n')
    browser.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(browser))
    result = sagedeck.run("url", "eu-forecasting", "--lab", "--open")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "eu-forecasting: opened lab in the browser\n"  # not the URL
    opened = record.read_text()
    assert "/eu-forecasting.notebook.eu-west-1.sagemaker.aws?authToken=" in opened
    assert opened.endswith("&view=lab")


def test_url_open_without_a_browser(sagedeck: InProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER", "false")  # a "browser" that fails
    monkeypatch.setenv("PATH", "/nonexistent")  # and no other to fall back on
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    import webbrowser

    monkeypatch.setattr(webbrowser, "_tryorder", None)  # forget browsers registered earlier
    result = sagedeck.run("url", "nb", "--open")
    assert "no browser could be opened" in result.assert_one_line_error(exit_code=1)


def test_copy_without_any_terminal_is_one_clear_error(
    sagedeck: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sagedeck.system.clipboard as clipboard

    monkeypatch.setattr(clipboard, "native_clipboard_available", lambda: False)
    if _has_controlling_terminal():
        pytest.skip("this test run has a terminal: OSC 52 would reach it")
    result = sagedeck.run("url", "nb", "--copy")
    assert "nothing to copy to" in result.assert_one_line_error(exit_code=1)


def _has_controlling_terminal() -> bool:
    try:
        with open("/dev/tty", "w"):
            return True
    except OSError:
        return False


@pytest.mark.timeout(60)
def test_url_copy_in_a_terminal_sends_osc52(cli_aws: CliEnvironment, aws: LocalAws) -> None:
    """``--copy`` with no clipboard tool (no DISPLAY): the terminal gets an OSC 52 sequence
    carrying the URL, and stdout says so without printing the URL."""
    import pexpect

    env = {k: v for k, v in cli_aws.env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    child = pexpect.spawn(
        PYTHON,
        ["-m", "sagedeck", "--region", EAST, "url", "nb", "--lab", "--copy"],
        env=env,
        encoding="utf-8",
        timeout=30,
    )
    child.expect(pexpect.EOF)
    child.close()
    output = str(child.before)
    assert child.exitstatus == 0, output
    match = re.search(r"\x1b\]52;c;([A-Za-z0-9+/=]+)\x07", output)
    assert match, output
    url = base64.b64decode(match.group(1)).decode()
    assert "/nb.notebook.us-east-1.sagemaker.aws?authToken=" in url
    assert url.endswith("&view=lab")
    visible = output.replace(match.group(0), "")
    assert "authToken" not in visible
    assert "nb: lab URL copied (OSC 52); sign in within 5 minutes" in visible


# --- errors, as a user sees them ------------------------------------------------------------


def test_unknown_name(cli_aws: CliEnvironment) -> None:
    result = cli_aws.run("show", "ghost")
    assert result.assert_one_line_error(exit_code=1) == (
        "sagedeck: no notebook instance named 'ghost' in us-east-1, eu-west-1"
    )


def test_illegal_state(cli_aws: CliEnvironment, aws: LocalAws) -> None:
    result = cli_aws.run("start", "nb")
    assert result.assert_one_line_error(exit_code=1) == (
        "sagedeck: cannot start nb: it is InService (allowed when Stopped or Failed)"
    )
    assert status_of(aws, "nb") == "InService"


def test_ambiguous_name_subprocess(cli_aws: CliEnvironment) -> None:
    result = cli_aws.run("stop", "alice-sandbox")
    assert "choose one with --region" in result.assert_one_line_error(exit_code=2)


def test_start_wait_in_a_subprocess(cli_aws: CliEnvironment, aws: LocalAws) -> None:
    """As a user runs it: the status lines arrive while the instance moves."""
    proc = subprocess.Popen(
        [PYTHON, "-m", "sagedeck", "--region", EAST, "start", "fraud-detection", "--wait"],
        env=cli_aws.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline(), proc.stdout.readline()]
    assert lines[0] == "fraud-detection: starting\n"
    assert lines[1].startswith("fraud-detection: Pending (")
    aws.simulator.settle()
    rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert rest.splitlines()[-1].startswith("fraud-detection: InService (")
    assert err == ""


def test_broken_pipe_is_quiet(cli_aws: CliEnvironment, aws: LocalAws) -> None:
    """``sagedeck ls | head -1``: the reader leaves early; no traceback."""
    reader_closed = os.pipe()
    read_end, write_end = reader_closed
    os.close(read_end)
    proc = subprocess.run(
        [PYTHON, "-m", "sagedeck", "ls", "--json"],
        env=cli_aws.env,
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
        timeout=30,
        check=False,
    )
    os.close(write_end)
    assert "Traceback" not in proc.stderr
    assert proc.stderr == ""
    assert proc.returncode == 141


# --- the demo -------------------------------------------------------------------------------


@pytest.mark.timeout(90)
def test_demo_ls_lists_the_seeded_fleet(cli: CliEnvironment) -> None:
    env = {k: v for k, v in cli.env.items() if not k.startswith("AWS_ACCESS")}
    env.pop("AWS_SECRET_ACCESS_KEY")  # the demo needs no credentials
    cli.env = env
    result = cli.run("--demo", "ls", "--json", timeout=80)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["region"] for r in rows} == {EAST, WEST}
    names = {(r["name"], r["region"]) for r in rows}
    assert ("alice-sandbox", EAST) in names
    assert ("alice-sandbox", WEST) in names
    assert len(rows) >= 15
    assert {r["status"] for r in rows} >= {"InService", "Stopped", "Failed", "Pending"}


def test_python_dash_m_and_console_script_agree() -> None:
    script = Path(sys.executable).with_name("sagedeck")
    result = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.stdout.startswith("sagedeck ")
