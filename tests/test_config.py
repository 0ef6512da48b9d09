"""Settings: defaults < config file < environment < flags, and every bad value is one clear line."""

from __future__ import annotations

import dataclasses
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagedeck.config import (
    ENV_CONFIG,
    ENV_REFRESH,
    PARSERS,
    Settings,
    default_config_path,
    load_settings,
    parse_refresh,
)
from sagedeck.errors import InvalidInput


@pytest.fixture(autouse=True)
def _no_user_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_REFRESH, raising=False)
    monkeypatch.setenv(ENV_CONFIG, str(tmp_path / "absent.toml"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_setting_has_a_parser() -> None:
    """A new Settings field without an entry in the table fails here, not silently at run time."""
    assert set(PARSERS) == {f.name for f in dataclasses.fields(Settings)}


def test_every_default_is_a_value_its_parser_accepts() -> None:
    defaults = Settings()
    for name, parse in PARSERS.items():
        value = getattr(defaults, name)
        if value is None or value == ():  # not set: AWS's own resolution decides
            continue
        raw = list(value) if isinstance(value, tuple) else value
        assert parse(raw) == value, name


def test_missing_default_file_gives_defaults() -> None:
    assert load_settings() == Settings()


def test_missing_file_named_by_flag_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        load_settings(tmp_path / "nope.toml", required=True)


def test_env_names_the_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write(tmp_path, "refresh_interval = 7\n")
    monkeypatch.setenv(ENV_CONFIG, str(path))
    assert default_config_path() == path
    assert load_settings().refresh_interval == 7.0


def test_file_values_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
refresh_interval = 2.5
fast_refresh_interval = 0.5
profile = "dev"
regions = ["us-east-1", "eu-west-1"]
endpoint_url = "http://127.0.0.1:5000"
read_only = true
theme = "nord"
url_session_seconds = 3600
log_buffer_lines = 2000
ssm_tag_key = "Owner"
forgotten_after = "1d12h"

[keys]
start = "S"
""",
    )
    s = load_settings(path)
    assert s == Settings(
        refresh_interval=2.5,
        fast_refresh_interval=0.5,
        profile="dev",
        regions=("us-east-1", "eu-west-1"),
        endpoint_url="http://127.0.0.1:5000",
        read_only=True,
        theme="nord",
        keys={"start": "S"},
        url_session_seconds=3600,
        log_buffer_lines=2000,
        ssm_tag_key="Owner",
        forgotten_after=36 * 3600.0,
    )


def test_a_single_region_string_is_accepted(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, 'regions = "eu-west-1"')).regions == ("eu-west-1",)


def test_environment_beats_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write(tmp_path, "refresh_interval = 7\n")
    monkeypatch.setenv(ENV_REFRESH, "3")
    assert load_settings(path).refresh_interval == 3.0


def test_flags_beat_environment_through_merged(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, "refresh_interval = 7\nread_only = true\n"))
    merged = s.merged(refresh_interval=parse_refresh("2"), read_only=None, profile=None)
    assert merged.refresh_interval == 2.0
    assert merged.read_only is True  # a flag that was not given changes nothing


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("refresh_interval = [", "not valid TOML"),
        ("refresh_interval = 0", "between 0.2 and 3600"),
        ("refresh_interval = 3601", "between 0.2 and 3600"),
        ("refresh_interval = nan", "between"),
        ("refresh_interval = inf", "between"),
        ("refresh_interval = true", "number of seconds"),
        ('refresh_interval = "5"', "number of seconds"),
        ("refresh_interval = 1" + "0" * 400, "between"),
        ("refresh_interval = " + "1" * 5000, "not valid TOML"),
        ("fast_refresh_interval = -1", "between"),
        ("url_session_seconds = 1799", "1800 to 43200"),
        ("url_session_seconds = 43201", "1800 to 43200"),
        ("url_session_seconds = 3600.0", "1800 to 43200"),
        ("log_buffer_lines = 10", "1000 to 5000000"),
        ("read_only = 1", "true or false"),
        ('profile = ""', "non-empty string"),
        ("profile = 3", "non-empty string"),
        ("regions = [1]", "list of region names"),
        ('regions = [""]', "list of region names"),
        ('colour = "red"', "unknown setting 'colour'"),
        ("keys = 3", "binding ids"),
        ("[keys]\nstart = 1", "binding ids"),
        ('forgotten_after = "soon"', "duration"),
        ('forgotten_after = "0h"', "duration"),
        ("forgotten_after = 0", "between"),
        ("forgotten_after = true", "duration"),
    ],
)
def test_bad_values_are_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InvalidInput, match=message) as info:
        load_settings(path)
    assert "\n" not in str(info.value)
    if "TOML" not in message:  # a value refused: the line names the file and the key
        key = re.match(r"\[?(\w+)", text)
        assert key
        assert str(info.value).startswith(f"{path}: ")
        assert key.group(1) in str(info.value)
    assert info.value.exit_code == 2


def test_unreadable_config_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read config file"):
        load_settings(tmp_path)  # a directory
    with pytest.raises(InvalidInput, match="cannot read config file"):
        load_settings(Path("bad\0name.toml"))


def test_non_utf8_config(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"theme = '\xff'\n")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        load_settings(path)


# Each a file a user could end up with; each must be one line naming the file, exit 2.
BROKEN_FILES = {
    "nested arrays": ("a = " + "[" * 5000 + "]" * 5000 + "\n").encode(),
    "nested inline tables": ("a = " + "{b=" * 5000 + "1" + "}" * 5000 + "\n").encode(),
    "nested arrays in a setting": ("regions = " + "[" * 3000 + "]" * 3000 + "\n").encode(),
    "binary garbage": bytes(range(256)) * 16,
    "invalid UTF-8": b"theme = '\xc3\x28'\n",
    "a NUL byte": b"theme = 'a\x00b'\n",
    "escape bytes": b"\x1b]52;c;aGk=\x07theme = 'x'\n",
}


@pytest.mark.parametrize("content", BROKEN_FILES.values(), ids=BROKEN_FILES.keys())
def test_a_broken_file_is_one_line_naming_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    assert "\x1b" not in message  # bytes from the file are quoted, never passed through
    assert info.value.exit_code == 2


def test_an_unreadable_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, 'theme = "x"\n')

    def denied(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    # chmod 000 does not stop root, who runs the tests in some containers
    monkeypatch.setattr(Path, "read_text", denied)
    with pytest.raises(InvalidInput, match=r"cannot read config file .*: Permission denied"):
        load_settings(path, required=True)


def test_the_cli_refuses_a_deeply_nested_file_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sagedeck.cli import main

    path = tmp_path / "config.toml"
    content = "refresh_interval = " + "[" * 100_000 + "]" * 100_000 + "\n"
    path.write_text(content, encoding="utf-8")
    # A stop that would change an instance, to nothing listening: it must not get that far.
    code = main(["--config", str(path), "--endpoint-url", "http://127.0.0.1:9", "stop", "nb"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"sagedeck: config file {path} is not valid TOML: ")
    assert "nested too deeply" in err
    assert path.read_text(encoding="utf-8") == content


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf", "1e400", "3601"])
def test_bad_refresh_environment(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(ENV_REFRESH, value)
    with pytest.raises(InvalidInput, match=ENV_REFRESH):
        load_settings()


@pytest.mark.parametrize("value", ["abc", "0.1", "nan", "-5", "", "1e999"])
def test_bad_refresh_flag(value: str) -> None:
    with pytest.raises(InvalidInput, match="--refresh"):
        parse_refresh(value)


# --- properties -----------------------------------------------------------------------------

_SETTING_NAMES = [
    "refresh_interval",
    "fast_refresh_interval",
    "profile",
    "regions",
    "endpoint_url",
    "read_only",
    "theme",
    "url_session_seconds",
    "log_buffer_lines",
    "ssm_tag_key",
    "keys",
    "unknown_thing",
]

toml_scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(
        lambda f: "nan" if f != f else ("inf" if f == float("inf") else repr(f))
    ),
    st.booleans().map(lambda b: "true" if b else "false"),
    st.text(string.printable, max_size=12).map(lambda t: '"' + t.replace("\\", "") + '"'),
)
toml_values = st.one_of(
    toml_scalars,
    st.lists(toml_scalars, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
)
toml_lines = st.tuples(st.sampled_from(_SETTING_NAMES), toml_values).map(lambda kv: " = ".join(kv))
toml_documents = st.one_of(
    st.lists(toml_lines, max_size=5).map("\n".join),
    st.text(max_size=80),  # anything at all, mostly not TOML
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=toml_documents)
def test_any_config_file_loads_or_fails_in_one_line(tmp_path: Path, document: str) -> None:
    path = tmp_path / "property.toml"
    path.write_text(document, encoding="utf-8", errors="surrogatepass")
    result = outcome(path)
    if isinstance(result, InvalidInput):
        assert str(result)
        assert "\n" not in str(result)
        assert result.exit_code == 2
    else:
        assert 0.2 <= result.refresh_interval <= 3600
        assert 0.2 <= result.fast_refresh_interval <= 3600
        assert 1800 <= result.url_session_seconds <= 43200
        assert 1000 <= result.log_buffer_lines <= 5_000_000


def outcome(path: Path) -> Settings | InvalidInput:
    """The settings, or the error: any other exception fails the test."""
    try:
        return load_settings(path)
    except InvalidInput as err:
        return err


@given(value=st.one_of(st.floats(), st.integers(min_value=-(10**30), max_value=10**30)))
def test_refresh_interval_in_range_or_rejected(value: float) -> None:
    try:
        result = parse_refresh(str(value))
    except InvalidInput:
        assert not (0.2 <= float(value) <= 3600)
    else:
        assert 0.2 <= result <= 3600
        assert result == float(value)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.integers(min_value=0, max_value=100_000))
def test_url_session_seconds_validation(tmp_path: Path, value: int) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"url_session_seconds = {value}\n", encoding="utf-8")
    if 1800 <= value <= 43200:
        assert load_settings(path).url_session_seconds == value
    else:
        with pytest.raises(InvalidInput):
            load_settings(path)


def test_forgotten_after_takes_a_duration_or_seconds(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, 'forgotten_after = "90m"')).forgotten_after == 5400.0
    assert load_settings(write(tmp_path, "forgotten_after = 7200")).forgotten_after == 7200.0
    assert Settings().forgotten_after == 8 * 3600.0
