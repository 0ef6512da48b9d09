"""Hostile text from AWS never reaches the terminal raw: a lifecycle script, a tag or a log line
carrying OSC 52 (writes the clipboard), CSI 2J (clears the screen), the one-byte C1 CSI and a
bidi override is shown with visible stand-ins by ``sagedeck show``, ``ls`` and ``logs`` on a
terminal; JSON escapes the same characters; a pipe gets the log bytes as they are, unless asked.

The data goes into the embedded AWS through its ordinary APIs; the terminal runs are real
pseudo-terminals, so the terminal decision is the one a user gets.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import time
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest

from sagedeck.aws.logs.client import LOG_GROUP
from sagedeck.commands.notebooks import print_listings
from sagedeck.localaws import LocalAws
from sagedeck.models import NotebookStatus, NotebookSummary, RegionListing

from .conftest import PYTHON, CliEnvironment, InProcess

pytestmark = pytest.mark.timeout(120)

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/ml-platform-notebooks"
OSC52 = "\x1b]52;c;aGFja2Vk\x07"  # "hacked" into the viewer's clipboard
HOSTILE = f"copy {OSC52} clear \x1b[2J c1 \x9b2J title \x1b]0;pwned\x07 rtl \u202eevil"
SCRIPT = f"#!/bin/bash\r\necho '{OSC52}'\n{HOSTILE}\n"


def hostile_characters(text: str) -> list[str]:
    """What a terminal would act on rather than print: C0 but tab, newline and the CR the
    terminal adds, C1, DEL, bidi embeddings, overrides and isolates, line separators."""
    return [
        ch
        for ch in text
        if (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r")
        or "\u202a" <= ch <= "\u202e"
        or "\u2066" <= ch <= "\u2069"
        or ch in "\u2028\u2029"
    ]


@pytest.fixture
def hostile(aws: LocalAws) -> LocalAws:
    """Instance ``hostile``: a lifecycle script and a tag carrying escape sequences, and log
    lines carrying them in its jupyter.log."""
    sagemaker = aws.client("sagemaker", REGION)
    sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="hostile-lcc",
        OnStart=[{"Content": base64.b64encode(SCRIPT.encode()).decode()}],
    )
    sagemaker.create_notebook_instance(
        NotebookInstanceName="hostile",
        InstanceType="ml.t3.medium",
        RoleArn=ROLE,
        LifecycleConfigName="hostile-lcc",
        Tags=[{"Key": "owner\x9b", "Value": f"{HOSTILE}\nfake line"}],
    )
    logs = aws.client("logs", REGION)
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=LOG_GROUP)
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName="hostile/jupyter.log")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=LOG_GROUP,
        logStreamName="hostile/jupyter.log",
        logEvents=[
            {"timestamp": now - 2000, "message": f"\x1b[32m[I ServerApp]\x1b[0m {HOSTILE}\n"},
            {"timestamp": now - 1000, "message": "plain line\tafter a tab"},
        ],
    )
    return aws


def on_a_terminal(cli: CliEnvironment, *args: str) -> str:
    """``sagedeck ARGS`` with stdout and stderr on a pseudo-terminal: everything it wrote."""
    master, slave = os.openpty()
    try:
        with subprocess.Popen(
            [PYTHON, "-m", "sagedeck", *args],
            env={**cli.env, "TERM": "xterm-256color"},
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
        ) as proc:
            os.close(slave)
            slave = -1
            chunks: list[bytes] = []
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the last writer closed the terminal
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            assert proc.wait(timeout=60) == 0, b"".join(chunks)
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
    return b"".join(chunks).decode("utf-8")


def test_show_on_a_terminal_shows_escape_sequences_and_obeys_none(
    cli_aws: CliEnvironment, hostile: LocalAws
) -> None:
    out = on_a_terminal(cli_aws, "show", "hostile")
    assert hostile_characters(out) == []
    assert "| echo '␛]52;c;aGFja2Vk␇'" in out  # the script, line by line, visible
    assert "␛[2J c1 \\x9b2J title ␛]0;pwned␇ rtl \\u202eevil" in out
    # a tag cannot start a line of its own, nor end up in a key
    assert "owner\\x9b = copy ␛]52" in out
    assert "\\u202eevil␊fake line" in out
    assert "\nfake line" not in out.replace("\r\n", "\n")
    assert "| #!/bin/bash\r\n" in out  # CR LF endings read as line ends, not as ␍


def test_show_json_escapes_c1_and_controls(sagedeck: InProcess, hostile: LocalAws) -> None:
    result = sagedeck.run("show", "hostile", "--json")
    assert result.returncode == 0, result.stderr
    assert hostile_characters(result.stdout) == []
    report = json.loads(result.stdout)
    assert report["lifecycle"]["on_start"] == SCRIPT  # escaped, not altered
    assert report["tags"] == {"owner\x9b": f"{HOSTILE}\nfake line"}


def test_logs_on_a_terminal_shows_escape_sequences_and_obeys_none(
    cli_aws: CliEnvironment, hostile: LocalAws
) -> None:
    out = on_a_terminal(cli_aws, "logs", "hostile", "--since", "1h", "--region", REGION)
    assert hostile_characters(out) == []
    assert "␛[32m[I ServerApp]␛[0m copy ␛]52;c;aGFja2Vk␇ clear ␛[2J c1 \\x9b2J" in out
    assert "plain line\tafter a tab" in out  # tab and newline are the view's own


def run_logs(sagedeck: InProcess, *args: str) -> str:
    result = sagedeck.run("logs", "hostile", "--since", "1h", "--region", REGION, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_logs_to_a_pipe_are_the_bytes_cloudwatch_holds(
    sagedeck: InProcess, hostile: LocalAws
) -> None:
    """The documented default: a pipe is data for the next program (grep sees the colours)."""
    out = run_logs(sagedeck, "--format", "short")
    assert f"\x1b[32m[I ServerApp]\x1b[0m {HOSTILE}\n" in out


def test_logs_to_a_pipe_made_visible_on_request(sagedeck: InProcess, hostile: LocalAws) -> None:
    out = run_logs(sagedeck, "--sanitize", "always")
    assert hostile_characters(out) == []
    assert "hostile/jupyter.log ␛[32m[I ServerApp]␛[0m copy ␛]52;c;aGFja2Vk␇" in out


@pytest.mark.parametrize("mode", ["auto", "always", "never"])
def test_logs_json_escapes_c1_whatever_the_mode(
    sagedeck: InProcess, hostile: LocalAws, mode: str
) -> None:
    out = run_logs(sagedeck, "--format", "json", "--sanitize", mode)
    assert hostile_characters(out) == []
    assert "\\u009b2J" in out
    assert "\\u202eevil" in out
    messages = [json.loads(line)["message"] for line in out.splitlines()]
    assert messages[0] == f"\x1b[32m[I ServerApp]\x1b[0m {HOSTILE}\n"  # exactly, once parsed


def hostile_listing() -> list[RegionListing]:
    moment = datetime(2024, 5, 1, tzinfo=UTC)
    nb = NotebookSummary(
        name=f"nb{OSC52}\u202e",
        arn="arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb",
        region=REGION,
        status=NotebookStatus.IN_SERVICE,
        instance_type="ml.t3.medium\x9b2J\nfake row",
        url=None,
        created=moment,
        last_modified=moment,
    )
    return [RegionListing(REGION, (nb,))]


def test_ls_table_and_json_never_emit_controls(capsys: pytest.CaptureFixture[str]) -> None:
    """Names are validated by AWS, but not by an endpoint in between: ``ls`` does not rely on
    it."""
    assert print_listings(hostile_listing(), as_json=False) == 0
    table: Any = capsys.readouterr().out
    assert hostile_characters(table) == []
    assert len(table.splitlines()) == 2  # the header and one row: no fake row
    assert "nb␛]52;c;aGFja2Vk␇\\u202e" in table
    assert print_listings(hostile_listing(), as_json=True) == 0
    listed = capsys.readouterr().out
    assert hostile_characters(listed) == []
    assert json.loads(listed)[0]["name"] == f"nb{OSC52}\u202e"
