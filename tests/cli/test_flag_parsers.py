"""Every flag's parser, swept with hypothesis: whatever the value, the real parsing function (or
argparse, for the flags it types) gives a valid value or raises InvalidInput with one line;
never another exception, which ``main`` would let out as a traceback.

``test_properties.py`` runs whole command lines through ``main`` against the embedded AWS (few
examples: each is a command); here each parser runs alone, so thousands of values are cheap.
A few end-to-end runs of the values that once escaped close the file.
"""

from __future__ import annotations

import argparse
import socket
import string
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagedeck.aws.logs.timewindow import parse_duration, parse_since
from sagedeck.aws.session import parse_regions, validate_endpoint_url
from sagedeck.cli import build_parser
from sagedeck.commands.notebooks import duration_seconds, timeout_seconds
from sagedeck.config import parse_refresh
from sagedeck.errors import InvalidInput
from sagedeck.text.logtext import LineFilter

from .conftest import CliEnvironment

NOW = 1_714_564_800_000

# Values a user, a script or a paste could give; each strategy aims at some parser's edge.
EDGES = [
    *("99999999999d", "9" * 5000 + "s", "1" * 4301, "36525d", "36526d", "0s", "1h30m", "all"),
    *("0001-01-01", "0001-01-01T00:00+23:59", "9999-12-31T23:59:59-23:59", "2024-02-30"),
    *("2024-05-01T12:00Z", "2024-05-01 12:00", "nan", "inf", "-inf", "1e999", "-0", "0x10"),
    *(
        "1_000",
        "١٢٣",
        "\uff11\uff12\uff13",
        " 8888 ",
        "65536",
        "-1",
        "a{99999999999}",
        "(" * 2000 + ")" * 2000,
    ),
    *("!", "!(", "[z-a]", "(?P<a>x)(?P=b)", "\\N{NOPE}", "us-east-1,", ",", "all", "ALL"),
    *("http://[::1", "http://h:99999", "http://h:-1", "ftp://x", "http://a\x00b", "\x00", ""),
]
VALUES = st.one_of(
    st.sampled_from(EDGES),
    st.text(max_size=24),  # any unicode: controls, surrogates, combining marks
    st.text(string.digits + "smhdwSMHDW .:-+TZe_", max_size=24),
    st.from_regex(r"\A[0-9]{1,16}[smhdw](?:[0-9]{1,16}[smhdw]){0,3}\Z"),
    st.integers().map(str),
    st.floats().map(str),
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.text(string.printable, max_size=24),
)


def _regions(text: str) -> object:
    if text.strip().lower() == "all":  # every SageMaker region: valid, and nothing to sweep
        return ()
    return parse_regions(text)


def _endpoint(text: str) -> object:
    validate_endpoint_url(text)
    return text


# flag -> the function that parses its value, and what a valid value is
PARSERS: dict[str, tuple[Callable[[str], object], type | tuple[type, ...]]] = {
    "--since": (lambda text: parse_since(text, now=NOW), (int, type(None))),
    "--since --local-time": (
        lambda text: parse_since(text, now=NOW, local_time=True),
        (int, type(None)),
    ),
    "--since (duration)": (parse_duration, (timedelta, type(None))),
    "--duration": (duration_seconds, int),
    "--timeout": (timeout_seconds, float),
    "--refresh": (parse_refresh, float),
    "--region": (_regions, tuple),
    "--endpoint-url": (_endpoint, str),
    "--filter": (LineFilter.parse, (LineFilter, type(None))),
}

PARSER = build_parser()
# flags argparse parses itself (choices, type=int): the value goes in as a user's would
ARGPARSE: dict[str, Callable[[str], list[str]]] = {
    "PORT": lambda value: ["forward", "nb", "--", value],
    "--local-port": lambda value: ["forward", "nb", "8888", f"--local-port={value}"],
    "--format": lambda value: ["logs", "nb", f"--format={value}"],
    "--stream": lambda value: ["logs", "nb", f"--stream={value}"],
    "--sanitize": lambda value: ["logs", "nb", f"--sanitize={value}"],
    "--duration (argparse)": lambda value: ["url", "nb", f"--duration={value}"],
    "--timeout (argparse)": lambda value: ["start", "nb", "--wait", f"--timeout={value}"],
}


def assert_one_line(err: InvalidInput) -> None:
    message = str(err)
    assert message
    assert len(message.splitlines()) == 1, message


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flag=st.sampled_from(sorted(PARSERS)), value=VALUES)
def test_every_flag_parser_gives_a_value_or_one_line(flag: str, value: str) -> None:
    parse, valid = PARSERS[flag]
    try:
        parsed = parse(value)
    except InvalidInput as err:
        assert_one_line(err)
    else:
        assert isinstance(parsed, valid), (flag, value, parsed)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flag=st.sampled_from(sorted(ARGPARSE)), value=VALUES)
def test_every_flag_argparse_parses_gives_a_value_or_one_line(flag: str, value: str) -> None:
    try:
        args, _unknown = PARSER.parse_known_args(ARGPARSE[flag](value))
    except InvalidInput as err:
        assert_one_line(err)
    else:
        assert isinstance(args, argparse.Namespace)
        if flag == "PORT":
            assert isinstance(args.port, int)
        elif flag == "--local-port":
            assert isinstance(args.local_port, int)


def closed_endpoint() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["logs", "nb", "--since", "99999999999d"], "more than 100 years back"),
        (["logs", "nb", "--filter", "a{99999999999}"], "bad regular expression"),
        (["logs", "nb", "--filter", "(" * 1200 + ")" * 1200], "bad regular expression"),
        (["forward", "nb", "99999999999999999999"], "remote port must be 1 to 65535"),
    ],
    ids=["since-overflow", "filter-overflow", "filter-recursion", "port-overflow"],
)
def test_values_that_once_escaped_end_in_one_line_in_a_subprocess(
    cli: CliEnvironment, args: list[str], message: str
) -> None:
    """Refused before any call: the endpoint is a closed port, and one region is named so
    that finding the instance needs none."""
    result = cli.run("--endpoint-url", closed_endpoint(), "--region", "us-east-1", *args)
    assert message in result.assert_one_line_error(exit_code=2)
    assert result.stdout == ""
