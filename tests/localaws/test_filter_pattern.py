"""CloudWatch filter-pattern evaluation, unit by unit (the HTTP path is in test_logs)."""

from __future__ import annotations

import pytest

from sagedeck.localaws.logs.filter_pattern import UnsupportedPattern, compile_pattern


def matches(pattern: str, message: str) -> bool:
    matcher = compile_pattern(pattern)
    return True if matcher is None else matcher(message)


def test_empty_matches_everything() -> None:
    assert compile_pattern(None) is None
    assert compile_pattern("   ") is None


@pytest.mark.parametrize(
    ("pattern", "message", "expected"),
    [
        ("ERROR", "[E 10:00 ServerApp] ERROR here", True),
        ("ERROR", "error here", False),
        ("ERROR Kernel", "ERROR in Kernel", True),
        ("ERROR Kernel", "ERROR alone", False),
        ('"Kernel started"', "Kernel started: abc", True),
        ('"Kernel started"', "Kernel was started", False),
        ("?ERROR ?WARN", "WARN only", True),
        ("?ERROR ?WARN", "INFO only", False),
        ("ERROR -timeout", "ERROR: timeout", False),
        ("ERROR -timeout", "ERROR: refused", True),
        ("%^\\[E %", "[E 10:00] boom", True),
        ("%^\\[E %", "[I 10:00] fine", False),
    ],
)
def test_terms(pattern: str, message: str, expected: bool) -> None:
    assert matches(pattern, message) is expected


@pytest.mark.parametrize(
    ("pattern", "message", "expected"),
    [
        ('{ $.level = "ERROR" }', '{"level": "ERROR"}', True),
        ('{ $.level = "ERROR" }', '{"level": "INFO"}', False),
        ('{ $.level = "ERR*" }', '{"level": "ERROR"}', True),
        ('{ $.level != "INFO" }', '{"level": "WARNING"}', True),
        ("{ $.rows > 1000 }", '{"rows": 5000}', True),
        ("{ $.rows > 1000 }", '{"rows": 10}', False),
        ("{ $.a.b = 1 && $.c = 2 }", '{"a": {"b": 1}, "c": 2}', True),
        ("{ $.a.b = 1 && $.c = 2 }", '{"a": {"b": 1}, "c": 3}', False),
        ("{ $.x = 1 || $.y = 2 }", '{"y": 2}', True),
        ('{ $.level = "ERROR" }', "not json", False),
        ("{ $.missing = 1 }", '{"other": 1}', False),
    ],
)
def test_json(pattern: str, message: str, expected: bool) -> None:
    assert matches(pattern, message) is expected


@pytest.mark.parametrize("pattern", ["[ip, user, status]", "{ level = ERROR }", '"unclosed'])
def test_unsupported_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(UnsupportedPattern):
        compile_pattern(pattern)
