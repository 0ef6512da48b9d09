"""CloudWatch Logs filter patterns, the subset people type when reading logs.

Supported, with AWS's case-sensitive semantics: terms (``ERROR Exception`` = both), exact
phrases (``"Kernel started"``), optional terms (``?ERROR ?WARN`` = either), exclusions
(``ERROR -timeout``), regular expressions (``%Kernel (started|restarted)%``) and JSON
comparisons (``{ $.level = "ERROR" }``, ``&&``/``||`` between comparisons, ``*`` wildcards).
Space-delimited patterns (``[ip, user, ...]``) are refused rather than answered wrongly.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Matcher = Callable[[str], bool]


class UnsupportedPattern(ValueError):
    """A pattern this local fake cannot evaluate faithfully."""


@dataclass(frozen=True, slots=True)
class _Terms:
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    def __call__(self, message: str) -> bool:
        if any(term in message for term in self.excluded):
            return False
        if not all(term in message for term in self.required):
            return False
        return not self.optional or any(term in message for term in self.optional)


_COMPARISON = re.compile(
    r"^\s*\$\.(?P<path>[\w.\[\]]+)\s*(?P<op>=|!=|>=|<=|>|<)\s*(?P<value>.+?)\s*$"
)


@dataclass(frozen=True, slots=True)
class _JsonComparison:
    path: tuple[str, ...]
    op: str
    value: Any

    def __call__(self, document: Any) -> bool:
        current = document
        for part in self.path:
            if not isinstance(current, dict) or part not in current:
                return False
            current = current[part]
        if isinstance(self.value, str):
            matched = isinstance(current, str) and fnmatch.fnmatchcase(current, self.value)
            return matched if self.op == "=" else self.op == "!=" and not matched
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            return self.op == "!="
        return bool(
            {
                "=": current == self.value,
                "!=": current != self.value,
                ">": current > self.value,
                "<": current < self.value,
                ">=": current >= self.value,
                "<=": current <= self.value,
            }[self.op]
        )


@dataclass(frozen=True, slots=True)
class _Json:
    # Disjunction of conjunctions: "a && b || c" is [[a, b], [c]].
    clauses: tuple[tuple[_JsonComparison, ...], ...] = field(default=())

    def __call__(self, message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return any(all(comparison(document) for comparison in clause) for clause in self.clauses)


def compile_pattern(pattern: str | None) -> Matcher | None:
    """A predicate over messages, or None when the pattern matches everything."""
    text = (pattern or "").strip()
    if not text:
        return None
    if text.startswith("[") and text.endswith("]"):
        raise UnsupportedPattern("space-delimited filter patterns are not supported locally")
    if text.startswith("{") and text.endswith("}"):
        return _compile_json(text[1:-1])
    if len(text) >= 2 and text.startswith("%") and text.endswith("%"):
        regex = re.compile(text[1:-1])
        return lambda message: regex.search(message) is not None
    return _compile_terms(text)


def _compile_terms(text: str) -> Matcher:
    try:
        words = shlex.split(text, posix=True)
    except ValueError as error:
        raise UnsupportedPattern(str(error)) from error
    required: list[str] = []
    optional: list[str] = []
    excluded: list[str] = []
    for word in words:
        if word.startswith("?") and len(word) > 1:
            optional.append(word[1:])
        elif word.startswith("-") and len(word) > 1:
            excluded.append(word[1:])
        else:
            required.append(word)
    return _Terms(tuple(required), tuple(optional), tuple(excluded))


def _compile_json(body: str) -> Matcher:
    clauses: list[tuple[_JsonComparison, ...]] = []
    for alternative in body.split("||"):
        comparisons: list[_JsonComparison] = []
        for part in alternative.split("&&"):
            match = _COMPARISON.match(part.strip().strip("()"))
            if match is None:
                raise UnsupportedPattern(f"unsupported JSON filter: {part.strip()!r}")
            comparisons.append(
                _JsonComparison(
                    tuple(match["path"].split(".")), match["op"], _json_value(match["value"])
                )
            )
        clauses.append(tuple(comparisons))
    return _Json(tuple(clauses))


def _json_value(raw: str) -> Any:
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        return raw[1:-1]
    try:
        return float(raw) if any(c in raw for c in ".eE") else int(raw)
    except ValueError:
        # An unquoted word compares as a string, as CloudWatch allows ({ $.level = ERROR }).
        return raw
