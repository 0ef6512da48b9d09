"""Known secret patterns, redacted from what sagedeck writes to a file (the log view's
``ctrl+s``): each is replaced by ``[REDACTED]`` and counted by kind, so what the user is told
is exactly what was done. A secret that matches no pattern (a bare 40-character string with no
name beside it, say) is kept: "redacted" never means "safe to share".

What is recognised:

- private keys: PEM blocks (``-----BEGIN … PRIVATE KEY-----`` to ``END``), over many lines or
  on one (a JSON string with ``\\n`` escapes, as in a GCP service-account file);
- credential fields, named as AWS, OAuth, config files and environments name them, with ``=``
  or ``:``, quoted or not: ``"SecretAccessKey": "…"``, ``SessionToken``, ``access_token``,
  ``refresh_token``, ``client_secret``, ``password``, ``*_API_KEY``, ``private_key``,
  ``aws_secret_access_key = …``; a quoted value is redacted whole (``"hunter 2"``);
- ``Authorization``, ``Proxy-Authorization`` and ``Cookie`` headers, their whole value;
- URL query signatures and tokens (``X-Amz-Signature``, ``X-Amz-Credential``, ``sig``,
  ``code``) and the password in ``scheme://user:password@host``;
- token shapes that need no name: AWS access key ids (``AKIA``, ``ASIA``), JWTs, ``Bearer``
  tokens, GitHub (``ghp_``, ``gho_``, ``github_pat_``…), GitLab, Slack (``xox…``, webhooks),
  Hugging Face, OpenAI-style ``sk-``, Stripe, Google API and npm tokens.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

REDACTED = "[REDACTED]"


class SecretKind(enum.StrEnum):
    PRIVATE_KEY = "private key"
    CREDENTIAL_FIELD = "credential field"
    AUTHORIZATION = "authorization or cookie header"
    URL_SECRET = "URL signature or token"
    URL_PASSWORD = "password in a URL"
    AWS_ACCESS_KEY_ID = "AWS access key id"
    JWT = "JWT"
    BEARER = "bearer token"
    SERVICE_TOKEN = "service token"  # GitHub, GitLab, Slack, Hugging Face, OpenAI, Stripe...


@dataclass(frozen=True, slots=True)
class Redaction:
    """The text with its secrets replaced, and how many of each kind were."""

    text: str
    counts: dict[SecretKind, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        """For a notification: ``2 values matching known secret patterns redacted (credential
        field, JWT)``; it claims no more than that."""
        if not self.total:
            return "no known secret patterns found"
        kinds = ", ".join(kind.value for kind in self.counts)
        values = "value" if self.total == 1 else "values"
        return f"{self.total} {values} matching known secret patterns redacted ({kinds})"


# --- private keys ----------------------------------------------------------------------------

_KEY_LABEL = r"-----{} (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
_BEGIN, _END = _KEY_LABEL.format("BEGIN"), _KEY_LABEL.format("END")
_KEY_ON_ONE_LINE = re.compile(f"({_BEGIN})(.+?)({_END})")
_KEY_OPENS = re.compile(f"({_BEGIN})(?!.*?{_END})(.*)$")
_KEY_CLOSES = re.compile(_END)
# Each may start only where a run starts: tried at every position of a long run, the run would
# be scanned again from each (quadratic in its length).
_LAST_TOKEN = re.compile(r"(?<!\S)\S+$")
_DATA_BEFORE_END = re.compile(r"(?<![A-Za-z0-9+/=\\])[A-Za-z0-9+/=\\]+$")
MAX_KEY_LINES = 200  # an RSA key of 16,384 bits is ~150 lines: a block left open ends here


def _redact_private_keys(text: str) -> tuple[str, int]:
    """Key blocks line by line, so that the lines around them (and the timestamp prefixes of
    the log view's lines) are kept. Inside a block, the last token of each line is the key's
    data; a block that never ends stops after :data:`MAX_KEY_LINES` lines."""
    if "PRIVATE KEY" not in text:
        return text, 0
    lines = text.split("\n")
    found = 0
    open_lines = 0  # > 0: inside a block, for that many lines so far
    for i, line in enumerate(lines):
        if open_lines:
            end = _KEY_CLOSES.search(line)
            if end is not None:
                head = _DATA_BEFORE_END.sub(REDACTED, line[: end.start()])
                lines[i] = head + line[end.start() :]
                open_lines = 0
            elif open_lines < MAX_KEY_LINES:
                lines[i] = _LAST_TOKEN.sub(REDACTED, line)
                open_lines += 1
                continue
            else:
                open_lines = 0
        line, count = _KEY_ON_ONE_LINE.subn(rf"\1{REDACTED}\3", lines[i])
        opened = _KEY_OPENS.search(line)
        if opened is not None:
            rest = opened.group(2)
            line = line[: opened.end(1)] + (REDACTED if rest.strip() else rest)
            open_lines = 1
            count += 1
        lines[i] = line
        found += count
    return "\n".join(lines), found


# --- named values ----------------------------------------------------------------------------

_S = r"[_.-]?"  # between the words of a name: snake_case, kebab-case, dotted or camelCase
_FIELD_NAMES = "|".join(
    (
        rf"(?:aws{_S})?secret{_S}access{_S}key",
        rf"(?:aws{_S})?session{_S}token",
        rf"(?:x{_S}amz{_S})?security{_S}token",
        rf"(?:access|refresh|id|auth|bearer|api|oauth|hf|github|gh|slack|jupyter){_S}token",
        "token",  # bare, or after a dot: --ServerApp.token=…; never pad_token, max_tokens
        rf"(?:client|app|consumer|shared|webhook|api){_S}secret",
        rf"secret(?:{_S}key)?",
        r"\w*passw(?:or)?d",
        rf"(?:x-)?\w*api{_S}key",
        rf"private{_S}key",
    )
)
_QUOTED = r"\"(?:[^\"\\\n]|\\.)+\"|'(?:[^'\\\n]|\\.)+'"
_NOT_A_VALUE = rf"(?!(?:null|None|true|false|{re.escape(REDACTED)})(?![\w-]))"
_FIELD = re.compile(
    rf"(?<![\w-])([\"']?(?:{_FIELD_NAMES})[\"']?[ \t]*[:=][ \t]*)"
    rf"(?:(?P<quoted>{_QUOTED})|{_NOT_A_VALUE}[^\s\"'`,;&<>(){{}}\[\]]+)",
    re.IGNORECASE,
)
# A header's value runs to the end of the line, through complete quoted parts (a Jupyter
# cookie is name="2|…"; Digest auth has response="…") but not past a lone closing quote
# (curl -H "Cookie: a=b" URL).
_HEADER = re.compile(
    r"(?<![\w-])([\"']?(?:(?:proxy-)?authorization|(?:set-)?cookie)[\"']?[ \t]*[:=][ \t]*)"
    rf"(?:(?P<quoted>{_QUOTED})|{_NOT_A_VALUE}(?:[^\n\"']|\"[^\"\n]*\")+)",
    re.IGNORECASE,
)
_URL_SECRET = re.compile(
    r"([?&](?:X-(?:Amz|Goog)-(?:Signature|Credential|Security-Token)|Signature|sig|code"
    rf"|AWSAccessKeyId)=){_NOT_A_VALUE}[^&#\s\"'<>]+",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"(://[^/\s:@]+:)[^@\s/]+@")


def _keep_name(match: re.Match[str]) -> str:
    quoted = match.group("quoted")
    if quoted and REDACTED in quoted:  # a private key's field, its key already redacted
        return match.group()
    value = f"{quoted[0]}{REDACTED}{quoted[0]}" if quoted else REDACTED
    return match.group(1) + value


# --- shapes ----------------------------------------------------------------------------------

_SERVICE_TOKENS = "|".join(
    (
        r"gh[pousr]_[A-Za-z0-9]{36,255}",  # GitHub: personal, OAuth, user, server, refresh
        r"github_pat_[A-Za-z0-9_]{22,255}",
        r"glpat-[A-Za-z0-9_-]{20,}",  # GitLab
        r"xox[abposre]-[A-Za-z0-9-]{10,}",  # Slack
        r"xapp-\d-[A-Za-z0-9-]{10,}",
        r"hf_[A-Za-z0-9]{30,}",  # Hugging Face
        r"sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}",  # OpenAI, Anthropic
        r"[rs]k_(?:live|test)_[A-Za-z0-9]{16,}",  # Stripe
        r"AIza[0-9A-Za-z_-]{35}",  # Google API keys
        r"npm_[A-Za-z0-9]{36}",
    )
)


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    replacement: str | Callable[[re.Match[str]], str]
    kind: SecretKind
    # Every match holds one of these words, case-folded, and matches ``gate`` in the case-folded
    # line: the rules (lookbehinds, IGNORECASE, many names) cost ~0.5 µs per character wherever
    # they are tried, so they are tried only where a plain substring search finds a word.
    # (Saving 100,000 lines took ~10 s with every rule over the whole text; 0.4-1 s so.)
    words: tuple[str, ...]
    gate: re.Pattern[str] | None = None


# In this order: a header's value and a field's quoted value are taken whole before any shape
# inside them is looked for (and counted once).
_RULES = (
    _Rule(_HEADER, _keep_name, SecretKind.AUTHORIZATION, ("authorization", "cookie")),
    _Rule(
        _FIELD,
        _keep_name,
        SecretKind.CREDENTIAL_FIELD,
        ("key", "token", "secret", "passw"),
        # every name ends so, right before its separator: not token_count=, not max_tokens:
        re.compile(r"(?:key|token|secret|passw(?:or)?d)[\"']?[ \t]*[:=]"),
    ),
    _Rule(
        _URL_SECRET,
        rf"\1{REDACTED}",
        SecretKind.URL_SECRET,
        ("x-amz-", "x-goog-", "signature=", "sig=", "code=", "awsaccesskeyid="),
    ),
    _Rule(_URL_PASSWORD, rf"\1{REDACTED}@", SecretKind.URL_PASSWORD, ("://",)),
    _Rule(
        re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
        REDACTED,
        SecretKind.JWT,
        ("eyj",),
    ),
    _Rule(
        re.compile(rf"\b(?:{_SERVICE_TOKENS})(?![\w-])"),
        REDACTED,
        SecretKind.SERVICE_TOKEN,
        (
            *("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "xapp-"),
            *("hf_", "sk-", "sk_", "rk_", "aiza", "npm_"),
        ),
    ),
    _Rule(
        re.compile(r"(hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/)[A-Za-z0-9]+"),
        rf"\1{REDACTED}",
        SecretKind.SERVICE_TOKEN,
        ("hooks.slack.com",),
    ),
    _Rule(
        re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
        REDACTED,
        SecretKind.AWS_ACCESS_KEY_ID,
        ("akia", "asia", "abia", "acca"),
    ),
    _Rule(
        re.compile(r"\b(bearer\s+)[A-Za-z0-9._~+/-]{16,}=*", re.IGNORECASE),
        rf"\1{REDACTED}",
        SecretKind.BEARER,
        ("bearer",),
    ),
)


def redact(text: str) -> Redaction:
    """``text`` with every known secret pattern replaced by ``[REDACTED]``, and the count of
    each kind replaced."""
    counts: Counter[SecretKind] = Counter()
    text, keys = _redact_private_keys(text)
    if keys:
        counts[SecretKind.PRIVATE_KEY] = keys
    # casefold, as IGNORECASE matches (the long s, U+017F, matches s). It never adds nor removes
    # a line break: its lines are the text's, one for one. No rule crosses a line.
    folded = text.casefold()
    rules = [
        (rule, words, _counting(rule.replacement, counts, rule.kind))
        for rule in _RULES
        if (words := tuple(word for word in rule.words if word in folded))
    ]
    if not rules:
        return Redaction(text, dict(counts))
    lines = text.split("\n")
    for i, folded_line in enumerate(folded.split("\n")):
        line = lines[i]
        for rule, words, replace in rules:
            if any(word in folded_line for word in words) and (
                rule.gate is None or rule.gate.search(folded_line) is not None
            ):
                line = rule.pattern.sub(replace, line)
        lines[i] = line
    return Redaction("\n".join(lines), dict(counts))


def _counting(
    replacement: str | Callable[[re.Match[str]], str], counts: Counter[SecretKind], kind: SecretKind
) -> Callable[[re.Match[str]], str]:
    """``replacement`` as a function that counts the matches it changed."""

    def replace(match: re.Match[str]) -> str:
        new = replacement(match) if callable(replacement) else match.expand(replacement)
        if new != match.group():
            counts[kind] += 1
        return new

    return replace
