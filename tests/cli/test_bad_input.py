"""Bad input: one clear line on stderr, no traceback, a non-zero exit, and nothing sent to AWS.

These run ``sagedeck`` in a subprocess exactly as a user would. The endpoint is a closed port
wherever the input must be refused before any call: a call would fail differently (exit 1,
"unreachable"), so an exit 2 with the right message proves nothing was sent.
"""

from __future__ import annotations

import socket

import pytest

from .conftest import CliEnvironment, InProcess

pytestmark = pytest.mark.timeout(60)


def closed_endpoint() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


BAD_ARGUMENTS = [
    (["--region", "moon-1", "ls"], "unknown region 'moon-1'"),
    (["ls", "--region", "us-east-1,atlantis-2"], "unknown region 'atlantis-2'"),
    (["--region", ",", "ls"], "--region needs a region"),
    (["--endpoint-url", "http://[::1", "ls"], "malformed endpoint URL"),
    (["--endpoint-url", "localhost:5000", "ls"], "malformed endpoint URL"),
    (["--endpoint-url", "http://exa mple.com", "ls"], "malformed endpoint URL"),
    (["url", "nb", "--duration", "1799"], "--duration must be 1800 to 43200 seconds"),
    (["url", "nb", "--duration", "43201"], "--duration must be 1800 to 43200 seconds"),
    (["url", "nb", "--duration", "soon"], "--duration must be a whole number"),
    (["start", "nb", "--wait", "--timeout", "nan"], "--timeout must be a positive"),
    (["--refresh", "0", "ls"], "--refresh must be between"),
    (["show", "not a name!"], "is not a notebook instance name"),
    (["start", "x" * 64], "is not a notebook instance name"),
    (["show"], "the following arguments are required: name"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["ls", "--colour"], "unrecognized arguments: --colour"),
    (["ls", "new\nline"], "unrecognized arguments: new line"),
]


@pytest.mark.parametrize(("args", "message"), BAD_ARGUMENTS)
def test_bad_arguments(offline: InProcess, args: list[str], message: str) -> None:
    result = offline.run("--endpoint-url", closed_endpoint(), *args)
    line = result.assert_one_line_error(exit_code=2)
    assert message in line
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "moon-1", "ls"], "unknown region 'moon-1'"),
        (["--endpoint-url", "http://[::1", "ls"], "malformed endpoint URL"),
        (["url", "nb", "--duration", "100"], "--duration must be 1800 to 43200 seconds"),
    ],
)
def test_bad_arguments_in_a_subprocess(cli: CliEnvironment, args: list[str], message: str) -> None:
    result = cli.run("--endpoint-url", closed_endpoint(), *args)
    assert message in result.assert_one_line_error(exit_code=2)
    assert result.stdout == ""


def test_unknown_profile(cli: CliEnvironment) -> None:
    (cli.home / ".aws" / "config").write_text("[profile dev]\nregion = eu-west-1\n")
    result = cli.run("--profile", "ghost", "ls")
    line = result.assert_one_line_error(exit_code=2)
    assert "unknown AWS profile 'ghost' (known: dev)" in line


def test_unknown_profile_from_environment(
    offline: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "ghost")
    result = offline.run("ls")
    assert "unknown AWS profile 'ghost'" in result.assert_one_line_error(exit_code=2)


def test_corrupt_config_file(cli: CliEnvironment) -> None:
    config = cli.home / "sagedeck.toml"
    config.write_text("refresh_interval = [1,\n")
    result = cli.run("ls")
    line = result.assert_one_line_error(exit_code=2)
    assert f"config file {config} is not valid TOML" in line


def test_config_file_with_bad_value(offline: InProcess) -> None:
    path = offline.home / "other.toml"
    path.write_text("url_session_seconds = 60\n")
    result = offline.run("--config", str(path), "ls")
    assert "url_session_seconds must be 1800 to 43200" in result.assert_one_line_error(2)


def test_config_file_named_but_missing(offline: InProcess) -> None:
    result = offline.run("--config", str(offline.home / "nope.toml"), "ls")
    assert "does not exist" in result.assert_one_line_error(exit_code=2)


def test_corrupt_aws_config(offline: InProcess) -> None:
    (offline.home / ".aws" / "config").write_text("[default\nregion = us-east-1\n")
    result = offline.run("ls")
    assert "AWS config file cannot be parsed" in result.assert_one_line_error(exit_code=2)


def test_no_credentials(offline: InProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = offline.run("--endpoint-url", closed_endpoint(), "--region", "us-east-1", "ls")
    line = result.assert_one_line_error(exit_code=1)
    assert "no AWS credentials found" in line
    assert "`aws configure`" in line


def test_expired_sso_session(cli: CliEnvironment) -> None:
    """botocore logs a traceback when an SSO refresh fails: it must not reach the terminal."""
    (cli.home / ".aws" / "config").write_text(
        "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n"
        "sso_role_name = Dev\nregion = us-east-1\n\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\n"
    )
    env = {k: v for k, v in cli.env.items() if not k.startswith("AWS_ACCESS")}
    env.pop("AWS_SECRET_ACCESS_KEY")
    cli.env = env
    result = cli.run("--profile", "sso", "--endpoint-url", closed_endpoint(), "ls")
    assert "run `aws sso login`" in result.assert_one_line_error(exit_code=1)


def test_refused_endpoint(cli: CliEnvironment) -> None:
    url = closed_endpoint()
    result = cli.run("--endpoint-url", url, "--region", "us-east-1,eu-west-1", "ls")
    line = result.assert_one_line_error(exit_code=1)
    assert "AWS endpoint unreachable" in line
    assert url in line


def test_the_help_of_read_only_names_what_it_refuses(capsys: pytest.CaptureFixture[str]) -> None:
    """Not only changes: a URL or an SSM session is refused too (README), and --help says so."""
    from sagedeck.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--read-only refuse every change, Jupyter URL and SSM session" in shown
