"""Property-based: whatever argv or config file a user gives, ``sagedeck`` either succeeds or
says what is wrong in one line and exits 1 or 2. Never a traceback.

``main()`` runs in this process against the embedded AWS: an unexpected exception would
escape it and fail the example, which is the traceback a user would have seen.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import sagedeck.cli as cli_module
from sagedeck.localaws import LocalAws

from .conftest import InProcess

pytestmark = pytest.mark.timeout(120)

NAMES = ["nb", "nb-dev", "alice-sandbox", "eu-forecasting", "nlp-finetune", "ghost", "bad name!"]
REGIONS = ["us-east-1", "eu-west-1", "us-east-1,eu-west-1", "moon-1", "", ",", "all"]
VALUES = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(REGIONS),
    st.sampled_from(["1800", "43200", "1799", "0", "-5", "nan", "1e9", "3.5", "abc", ""]),
    st.sampled_from(["99999999999d", "10m", "a{99999999999}", "json", "always"]),
    st.sampled_from(["http://[::1", "ftp://x", "localhost:1", "http://exa mple.com"]),
    st.text(string.printable, max_size=12),
    st.text(max_size=6),  # any unicode, controls included
)
FLAGS = [
    "--json",
    "--lab",
    "--open",
    "--wait",
    "--read-only",
    "--region",
    "--profile",
    "--endpoint-url",
    "--refresh",
    "--config",
    "--duration",
    "--timeout",
    "--since",
    "--filter",
    "--format",
    "--stream",
    "--sanitize",
    "--version",
    "--help",
    "-h",
    "--",
    "-x",
]
COMMANDS = ["ls", "show", "start", "stop", "url", "logs"]
TOKENS = st.one_of(st.sampled_from(FLAGS), st.sampled_from(COMMANDS), VALUES)

GLOBAL_OPTIONS = st.one_of(
    st.tuples(st.just("--region"), st.sampled_from(REGIONS)),
    st.just(("--read-only",)),
    st.tuples(st.just("--refresh"), st.sampled_from(["1", "0.5", "0", "x"])),
)
COMMAND_OPTIONS = {
    "ls": st.just(("--json",)),
    "show": st.just(("--json",)),
    "start": st.just(("--wait",)),
    "stop": st.just(("--wait",)),
    "url": st.one_of(
        st.just(("--lab",)),
        st.just(("--open",)),
        st.tuples(st.just("--duration"), st.sampled_from(["1800", "43200", "3600", "60", "x"])),
    ),
    "logs": st.one_of(
        st.tuples(
            st.just("--since"), st.sampled_from(["10m", "all", "99999999999d", "0001-01-01"])
        ),
        st.tuples(st.just("--filter"), st.sampled_from(["kernel", "!x", "(", "a{99999999999}"])),
        st.tuples(st.just("--format"), st.sampled_from(["json", "short", "yaml"])),
        st.tuples(st.just("--sanitize"), st.sampled_from(["always", "never", "sometimes"])),
        st.tuples(st.just("--stream"), st.sampled_from(["jupyter", "lifecycle", "x"])),
    ),
}


@st.composite
def well_formed(draw: st.DrawFn) -> list[str]:
    """A command as a user would type it, with plausible (not always valid) values."""
    command = draw(st.sampled_from(COMMANDS))
    argv = [arg for option in draw(st.lists(GLOBAL_OPTIONS, max_size=2)) for arg in option]
    argv.append(command)
    if command != "ls":
        argv.append(draw(st.sampled_from(NAMES)))
    options = draw(st.lists(st.one_of(COMMAND_OPTIONS[command], GLOBAL_OPTIONS), max_size=3))
    return argv + [arg for option in options for arg in option]


argvs = st.one_of(
    well_formed(),
    # shaped like real use: [flags] command [name] [flags]
    st.tuples(
        st.lists(TOKENS, max_size=3),
        st.sampled_from(COMMANDS),
        st.lists(TOKENS, max_size=5),
    ).map(lambda parts: [*parts[0], parts[1], *parts[2]]),
    # anything at all
    st.lists(TOKENS, max_size=8),
)


def outcome(sagedeck: InProcess, argv: list[str]) -> tuple[int, str, str]:
    try:
        result = sagedeck.run(*argv)
    except SystemExit as exit_:  # --help and --version print and exit 0, as argparse does
        out, err = sagedeck.capsys.readouterr()
        code = exit_.code
    else:
        event(f"exit {result.returncode}")
        return result.returncode, result.stdout, result.stderr
    event("help or version")
    assert code == 0, (argv, err)
    return 0, out, err


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=argvs)
def test_any_argv_succeeds_or_fails_in_one_line(
    sagedeck: InProcess, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    def no_dashboard(*args: object) -> int:  # no command opens the TUI: not here
        return 0

    monkeypatch.setattr(cli_module, "run_app", no_dashboard)
    if "--wait" in argv:
        argv = [*argv, "--timeout", "0.2"]  # nobody steps the simulator: do not wait 15 min
    code, _out, err = outcome(sagedeck, argv)
    assert "Traceback" not in err
    assert code in (0, 1, 2), (argv, code, err)
    if code != 0:
        assert len(err.splitlines()) == 1, (argv, err)
        assert err.startswith("sagedeck: "), (argv, err)
        assert err.strip().isprintable(), (argv, err)


toml_documents = st.one_of(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["refresh_interval", "regions", "profile", "endpoint_url", "read_only", "x"]
            ),
            st.sampled_from(
                [
                    *("5", "0", "1e999", '"us-east-1"', '["eu-west-1"]', '["moon-1"]', "true"),
                    *('"a"', '"http://[::1"', '"ftp://x"', "[1, 2]", "{a = 1}", "'''", "nan"),
                ]
            ),
        ).map(" = ".join),
        max_size=4,
    ).map("\n".join),
    st.text(max_size=60),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=toml_documents)
def test_any_config_file_succeeds_or_fails_in_one_line(
    sagedeck: InProcess,
    aws_env: LocalAws,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    document: str,
) -> None:
    config = tmp_path / "property.toml"
    config.write_text(document, encoding="utf-8", errors="surrogatepass")
    monkeypatch.setenv("SAGEDECK_CONFIG", str(config))
    monkeypatch.delenv("AWS_REGION", raising=False)  # let the config file's regions count
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    code, _out, err = outcome(sagedeck, ["ls", "--json"])
    assert code in (0, 2), (document, code, err)
    if code:
        assert len(err.splitlines()) == 1, (document, err)
        assert err.startswith("sagedeck: ")
