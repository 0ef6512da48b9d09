"""Redaction of known secret patterns, on real-shaped samples: each names what must not survive
and what must (the text around a secret is the reason the file is saved)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sagedeck.text.logtext import write_redacted
from sagedeck.text.redact import (
    _RULES,
    MAX_KEY_LINES,
    REDACTED,
    SecretKind,
    _redact_private_keys,
    redact,
)

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
SESSION = (
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexample+sessionTokenWithSlashes/"
    "AndPlus+Signs=="
)
KEY_ID = "ASIAIOSFODNN7EXAMPLE"
JWT = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUifQ."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)
GHP = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
PEM_BODY = [
    "MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGcY5unA67hqxnfZkWHIcRIw",
    "0ZK6RJDLHkmH7vOZpNnDOaMzNfpQj4Kc0v1Hz1DqB6HWzRBZEXAMPLEKEYLINE3",
    "q2Vx+Y0=",
]


@dataclass(frozen=True)
class Sample:
    name: str
    text: str
    gone: tuple[str, ...]
    kept: tuple[str, ...]
    kinds: frozenset[SecretKind]


def sample(
    name: str, text: str, gone: tuple[str, ...], kept: tuple[str, ...], *kinds: SecretKind
) -> Sample:
    return Sample(name, text, gone, kept, frozenset(kinds))


F, K = SecretKind.CREDENTIAL_FIELD, SecretKind.AWS_ACCESS_KEY_ID

SAMPLES = [
    sample(
        "sts get-session-token, pretty JSON",
        "{\n"
        '    "Credentials": {\n'
        f'        "AccessKeyId": "{KEY_ID}",\n'
        f'        "SecretAccessKey": "{SECRET}",\n'
        f'        "SessionToken": "{SESSION}",\n'
        '        "Expiration": "2024-05-19T18:06:10+00:00"\n'
        "    }\n"
        "}",
        (KEY_ID, SECRET, SESSION[:20], SESSION[-20:]),
        ('"Credentials"', '"Expiration": "2024-05-19T18:06:10+00:00"', '"SecretAccessKey": "'),
        F,
        K,
    ),
    sample(
        "boto3 credentials printed as a Python dict",
        f"{{'AccessKeyId': '{KEY_ID}', 'SecretAccessKey': '{SECRET}',"
        f" 'SessionToken': '{SESSION}'}}",
        (KEY_ID, SECRET, SESSION[:20]),
        ("'SessionToken': '",),
        F,
        K,
    ),
    sample(
        "OAuth token response",
        '{"access_token":"ya29.a0AfH6SMBx3example_access","expires_in":3599,'
        '"refresh_token":"1//0gLxexample-refresh","scope":"openid","token_type":"Bearer",'
        f'"id_token":"{JWT}"}}',
        ("ya29.a0AfH6SMBx3example_access", "1//0gLxexample-refresh", JWT[:30]),
        ('"expires_in":3599', '"token_type":"Bearer"', '"scope":"openid"'),
        F,
    ),
    sample(
        "password with a space in its quoted value",
        'db config: password: "hunter 2" host: db.internal',
        ("hunter", ' 2"'),
        ("host: db.internal", 'password: "[REDACTED]"'),
        F,
    ),
    sample(
        "environment variable, single-quoted",
        "PGPASSWORD='correct horse' psql -h db",
        ("correct", "horse"),
        ("psql -h db",),
        F,
    ),
    sample(
        "credentials file lines",
        f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
        f"aws_session_token={SESSION}\nregion = us-east-1",
        (KEY_ID, SECRET, SESSION[:20]),
        ("[default]", "region = us-east-1", "aws_secret_access_key = "),
        F,
        K,
    ),
    sample(
        "exported in a lifecycle script",
        f'export AWS_SESSION_TOKEN="{SESSION}"\n'
        "export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx",
        (SESSION[:20], "abcdefghijklmnopqrstuvwx"),
        ("export AWS_SESSION_TOKEN=", "export OPENAI_API_KEY="),
        F,
    ),
    sample(
        "curl with a bearer header",
        f'curl -H "Authorization: Bearer {GHP}" https://api.github.com/user',
        (GHP, GHP[4:20]),
        ("https://api.github.com/user", "curl -H"),
        SecretKind.AUTHORIZATION,
    ),
    sample(
        "a SigV4 authorization header, every part",
        f"Authorization: AWS4-HMAC-SHA256 Credential={KEY_ID}/20240501/us-east-1/s3/aws4_request,"
        " SignedHeaders=host;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe28",
        (KEY_ID, "fe5f80f77d5fa3beca038a248ff027d0445342fe28"),
        ("Authorization: ",),
        SecretKind.AUTHORIZATION,
    ),
    sample(
        "a bare bearer token in text",
        "retrying with Bearer 0123456789abcdefABCDEF.xyz after 401",
        ("0123456789abcdefABCDEF",),
        ("retrying with Bearer ", "after 401"),
        SecretKind.BEARER,
    ),
    sample(
        "a JWT on its own",
        f"kernel auth ok, claims from {JWT} verified",
        (JWT[:30], JWT[-20:]),
        ("kernel auth ok, claims from", "verified"),
        SecretKind.JWT,
    ),
    sample(
        "Jupyter cookie header",
        'Cookie: username-localhost-8888="2|1:0|10:1714564800|23:username-localhost-8888|44:'
        'ZjQ5YmE1"; _xsrf=2|e5e1c3a1|d41d8cd98f00',
        ("ZjQ5YmE1", "d41d8cd98f00"),
        ("Cookie: ",),
        SecretKind.AUTHORIZATION,
    ),
    sample(
        "PEM private key, one event per line, as the log view shows them",
        "05-01 12:00:00.120 OnStart  writing deploy key\n"
        "05-01 12:00:00.121 OnStart  -----BEGIN RSA PRIVATE KEY-----\n"
        + "".join(f"05-01 12:00:00.12{2 + i} OnStart  {line}\n" for i, line in enumerate(PEM_BODY))
        + "05-01 12:00:00.125 OnStart  -----END RSA PRIVATE KEY-----\n"
        "05-01 12:00:00.126 OnStart  key written",
        (*PEM_BODY, PEM_BODY[0][:12]),
        (
            "writing deploy key",
            "key written",
            "05-01 12:00:00.122 OnStart  [REDACTED]",
            "-----END RSA PRIVATE KEY-----",
        ),
        SecretKind.PRIVATE_KEY,
    ),
    sample(
        "OpenSSH private key, bare",
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
        "QyNTUxOQ==\n"
        "-----END OPENSSH PRIVATE KEY-----\nafter",
        ("b3BlbnNzaC1rZXkt", "QyNTUxOQ=="),
        ("after", "-----BEGIN OPENSSH PRIVATE KEY-----"),
        SecretKind.PRIVATE_KEY,
    ),
    sample(
        "GCP service-account JSON",
        '{"type": "service_account", "project_id": "demo-proj", "private_key_id": "abc123",'
        ' "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n'
        '-----END PRIVATE KEY-----\\n", "client_email": "sa@demo-proj.iam.gserviceaccount.com"}',
        ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",),
        ('"client_email": "sa@demo-proj.iam.gserviceaccount.com"', '"project_id": "demo-proj"'),
        SecretKind.PRIVATE_KEY,
    ),
    sample(
        "GitHub tokens of every prefix",
        f"cloning with {GHP}, gho_16C7e42F292c6912E7710c838347Ae178B4a and"
        " github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ ok",
        (GHP, "gho_16C7e42F", "github_pat_11ABCDEFG"),
        ("cloning with", " ok"),
        SecretKind.SERVICE_TOKEN,
    ),
    sample(
        "Slack tokens and webhook",
        "posting via xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx to "
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        ("AbCdEfGhIjKlMnOpQrStUvWx", "XXXXXXXXXXXXXXXXXXXXXXXX"),
        ("https://hooks.slack.com/services/T00000000/B00000000/", "posting via"),
        SecretKind.SERVICE_TOKEN,
    ),
    sample(
        "Hugging Face token and login",
        "huggingface-cli login --token hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
        ("hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",),
        ("huggingface-cli login --token",),
        SecretKind.SERVICE_TOKEN,
    ),
    sample(
        "Jupyter's token URL",
        "[I 12:00:00.000 ServerApp] http://localhost:8888/lab?token=4f1c0d9e2b7a8c3d5e6f ready",
        ("4f1c0d9e2b7a8c3d5e6f",),
        ("http://localhost:8888/lab?token=", " ready", "[I 12:00:00.000 ServerApp]"),
        F,
    ),
    sample(
        "SageMaker presigned URL",
        "https://nb.notebook.us-east-1.sagemaker.aws?authToken=eyJhbGciOiJkaXIiLCJlbmMiOiJBMj.x-y_z",
        ("eyJhbGciOiJkaXIiLCJlbmMiOiJBMj",),
        ("https://nb.notebook.us-east-1.sagemaker.aws?authToken=",),
        F,
    ),
    sample(
        "S3 presigned URL",
        "https://b.s3.amazonaws.com/k.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
        f"{KEY_ID}%2F20240501%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240501T120000Z"
        f"&X-Amz-Expires=3600&X-Amz-Security-Token={SESSION[:40]}"
        "&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0",
        (KEY_ID, SESSION[:20], "fe5f80f77d5fa3beca038a248ff027d0"),
        ("X-Amz-Expires=3600", "X-Amz-Date=20240501T120000Z", "https://b.s3.amazonaws.com/k.csv?"),
        SecretKind.URL_SECRET,
        F,
    ),
    sample(
        "password in a connection URL",
        "connecting to postgres://app:s3cr3t-pw@db.internal:5432/analytics",
        ("s3cr3t-pw",),
        ("postgres://app:", "@db.internal:5432/analytics"),
        SecretKind.URL_PASSWORD,
    ),
    sample(
        "an access key id alone",
        "using key AKIAIOSFODNN7EXAMPLE for uploads",
        ("AKIAIOSFODNN7EXAMPLE",),
        ("using key", "for uploads"),
        K,
    ),
    sample(
        "Google API key and Stripe key",
        "maps key AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY, stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        ("AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        ("maps key", "stripe"),
        SecretKind.SERVICE_TOKEN,
    ),
]


@pytest.mark.parametrize("case", SAMPLES, ids=[s.name for s in SAMPLES])
def test_known_secrets_are_redacted_and_the_rest_kept(case: Sample) -> None:
    result = redact(case.text)
    for secret in case.gone:
        assert secret not in result.text, (secret, result.text)
    for context in case.kept:
        assert context in result.text, (context, result.text)
    assert REDACTED in result.text
    assert set(result.counts) == case.kinds, result.counts


ORDINARY = [
    "[I 2024-05-01 12:00:00.000 ServerApp] Kernel started: 4f1c0d9e-1234-5678",
    "tokenizer: pad_token: <pad>, eos_token: </s>, max_tokens=512, num_tokens: 1234",
    "Tokens per second: 123.4; token_type: Bearer",
    "the bearer of bad news; Authorization failed for user bob",
    "secret_name: prod/db; password_policy: strict; session token expired",
    '{"SessionToken": null, "password": "", "token": true}',
    "PWD=/home/ec2-user/SageMaker",
    "-----BEGIN CERTIFICATE-----",
    "pip install scikit-learn==1.4.2 torch==2.3.0",
]


@pytest.mark.parametrize("line", ORDINARY)
def test_ordinary_lines_are_left_alone(line: str) -> None:
    result = redact(line)
    assert result.text == line
    assert result.counts == {}
    assert result.describe() == "no known secret patterns found"


def test_a_key_block_that_never_ends_stops_redacting_after_a_bound() -> None:
    lines = ["-----BEGIN PRIVATE KEY-----", *(["QUJDREVGR0hJSktMTU5PUA=="] * MAX_KEY_LINES)]
    lines.append("after the bound")
    result = redact("\n".join(lines)).text.split("\n")
    assert result[1:MAX_KEY_LINES] == [REDACTED] * (MAX_KEY_LINES - 1)
    assert result[-1] == "after the bound"


def test_the_description_counts_and_names_the_kinds() -> None:
    result = redact(f"password=x1 token=y2 {GHP}")
    assert result.counts == {SecretKind.CREDENTIAL_FIELD: 2, SecretKind.SERVICE_TOKEN: 1}
    assert result.describe() == (
        "3 values matching known secret patterns redacted (credential field, service token)"
    )


def test_the_saved_file_is_redacted_sanitised_and_private(tmp_path: Path) -> None:
    lines = [f"aws_secret_access_key = {SECRET}", "\x1b]52;c;aGk=\x07 \x1b[2J \x9b2J", "plain"]
    saved = write_redacted(lines, "nb", [tmp_path])
    assert saved is not None
    body = saved.path.read_text(encoding="utf-8")
    assert SECRET not in body
    assert not any(ch in body for ch in "\x1b\x07\x9b")
    assert body == (f"aws_secret_access_key = {REDACTED}\n␛]52;c;aGk=␇ ␛[2J \\x9b2J\nplain\n")
    assert saved.redaction.counts == {SecretKind.CREDENTIAL_FIELD: 1}
    assert saved.path.stat().st_mode & 0o777 == 0o600


def ungated(text: str) -> str:
    """Every rule over the whole text, in order: what :func:`redact` skips lines to avoid."""
    text = _redact_private_keys(text)[0]
    for rule in _RULES:
        text = rule.pattern.sub(rule.replacement, text)
    return text


FRAGMENTS = [
    *(s.text for s in SAMPLES),
    *ORDINARY,
    *("password", "Token", "SECRET_KEY", "api-key", "x-api-key", "Authorization", "Cookie"),
    *("client_secret", "secret", "passwd", "session_token", "private_key", "AccessToken"),
    *(": ", "=", " = ", '"', "'", " ", "\n", "\t", "?", "&", "://u:p@h/", "Bearer ", "sig="),
    *("AKIA", "ASIA", "eyJ", "ghp_", "hf_", "sk-", "\u017fecret", "K", "İ", "ß", "\u212a"),
    *("abcdefghijklmnopqrstuvwxyz0123456789", "ABCDEFGHIJKLMNOP", "hunter 2", "null", ","),
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join))
def test_looking_only_at_lines_with_a_trigger_word_changes_nothing(text: str) -> None:
    assert redact(text).text == ungated(text)
