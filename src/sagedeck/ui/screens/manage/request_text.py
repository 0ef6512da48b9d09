"""A request as the user will send it, shown before it is sent: its JSON, and the same request
as an ``aws sagemaker ...`` command line someone could paste into a shell.

Option names come from the fields (``FieldSpec.option``, the AWS CLI's); values are quoted for
a POSIX shell. Every value may be the user's or AWS's text: the caller shows it through
``safe_text``, never as markup.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sagedeck.aws.manage.fields import NAME_KEY, Kind, field
from sagedeck.text.sanitize import dumps_json
from sagedeck.ui.screens.manage.values import IMDS_MEMBER

_SHORTHAND_UNSAFE = frozenset(",=[]{}\"' \t\n")


def _tags_value(tags: Sequence[Mapping[str, str]]) -> list[str]:
    plain = all(
        not (_SHORTHAND_UNSAFE & set(str(t["Key"]) + str(t.get("Value", "")))) for t in tags
    )
    if plain:
        return [f"Key={t['Key']},Value={t.get('Value', '')}" for t in tags]
    return [dumps_json([{"Key": t["Key"], "Value": t.get("Value", "")} for t in tags])]


def _words(key: str, value: Any) -> Iterator[str]:
    try:
        spec = field(key)
    except KeyError:
        return
    if spec.kind is Kind.FLAG:
        if value:
            yield spec.option
        return
    yield spec.option
    if spec.kind is Kind.TAGS:
        yield from _tags_value(value)
    elif spec.kind is Kind.LIST:
        yield from (str(item) for item in value)
    elif spec.kind is Kind.IMDS:
        yield f"{IMDS_MEMBER}={value[IMDS_MEMBER]}"
    else:
        yield str(value)


def cli_line(
    operation: str, region: str, params: Mapping[str, Any], profile: str | None = None
) -> str:
    """``aws sagemaker create-notebook-instance --region R [--profile P]
    --notebook-instance-name N ...``"""
    words = _start(operation, region, profile)
    name = params.get(NAME_KEY)
    if name is not None:
        words += [field(NAME_KEY).option, str(name)]
    for key, value in params.items():
        if key != NAME_KEY:
            words.extend(_words(key, value))
    return " ".join(shlex.quote(word) for word in words)


def _start(operation: str, region: str, profile: str | None) -> list[str]:
    """``aws sagemaker OPERATION --region R`` (``--profile P`` too when several are listed)."""
    words = ["aws", "sagemaker", operation, "--region", region]
    return words if profile is None else [*words, "--profile", profile]


def add_tags_body(
    region: str, arn: str, tags: list[dict[str, str]], profile: str | None = None
) -> str:
    words = [*_start("add-tags", region, profile), "--resource-arn", arn, "--tags"]
    line = " ".join(shlex.quote(word) for word in [*words, *_tags_value(tags)])
    return _body({"ResourceArn": arn, "Tags": tags}, line)


def delete_tags_body(region: str, arn: str, keys: list[str], profile: str | None = None) -> str:
    words = [*_start("delete-tags", region, profile), "--resource-arn", arn]
    line = " ".join(shlex.quote(word) for word in [*words, "--tag-keys", *keys])
    return _body({"ResourceArn": arn, "TagKeys": keys}, line)


def _body(request: Mapping[str, Any], line: str) -> str:
    return f"{dumps_json(dict(request), indent=2)}\n\nThe same from a shell:\n{line}"


def request_body(
    operation: str, region: str, params: Mapping[str, Any], profile: str | None = None
) -> str:
    """What the confirmation shows: the JSON sent, then the AWS CLI's line for it (with
    ``--profile`` when several profiles are listed)."""
    return _body(params, cli_line(operation, region, params, profile))
