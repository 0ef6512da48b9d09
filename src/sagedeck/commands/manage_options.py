"""The options of ``sagedeck create`` and ``update``, one per request member of the model.

Names and value syntaxes are the AWS CLI's, so a command line written for
``aws sagemaker create-notebook-instance`` works here: ``--volume-size-in-gb 20``,
``--security-group-ids sg-1 sg-2``, ``--tags Key=team,Value=ml Key=env,Value=dev``,
``--instance-metadata-service-configuration MinimumInstanceMetadataServiceVersion=2`` (or the
JSON the AWS CLI also takes), ``--disassociate-lifecycle-config``.

The options are added to a parser when that parser parses (or prints its help), not when
the CLI starts: reading botocore's model costs ~0.25 s that ``sagedeck ls`` must not pay.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from sagedeck.errors import InvalidInput

if TYPE_CHECKING:
    from sagedeck.aws.manage.fields import FieldSpec

CREATE, UPDATE = "create", "update"
_DEST_PREFIX = "field_"  # namespace attributes of the field options: field_VolumeSizeInGB


def dest(key: str) -> str:
    return _DEST_PREFIX + key


# --- the AWS CLI's shorthand syntax --------------------------------------------------------


def _split(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside quotes; a backslash escapes the next character."""
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    escaped = False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif quote:
            if ch == quote:
                quote = None
            else:
                current.append(ch)
        elif ch in "'\"":
            quote = ch
        elif ch == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if quote:
        raise ValueError(f"unclosed quote in {text!r}")
    parts.append("".join(current))
    return parts


def shorthand(text: str, option: str) -> dict[str, str]:
    """``Key=k,Value=v`` as the AWS CLI reads it: a JSON object is accepted as well."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as err:
            raise InvalidInput(f"{option}: invalid JSON ({err.msg})") from None
        if not isinstance(value, dict):
            raise InvalidInput(f"{option}: expected a JSON object")
        return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}
    found: dict[str, str] = {}
    try:
        pairs = _split(text, ",")
    except ValueError as err:
        raise InvalidInput(f"{option}: {err}") from None
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise InvalidInput(f"{option}: expected Name=value pairs, not {text!r}")
        found[name.strip()] = value
    return found


def _json_list(values: list[str], option: str) -> list[Any] | None:
    """The AWS CLI also takes a list option as one JSON array."""
    if len(values) == 1 and values[0].lstrip().startswith("["):
        try:
            parsed = json.loads(values[0])
        except json.JSONDecodeError as err:
            raise InvalidInput(f"{option}: invalid JSON ({err.msg})") from None
        if not isinstance(parsed, list):
            raise InvalidInput(f"{option}: expected a JSON list")
        return parsed
    return None


def parse_tags(values: list[str], option: str = "--tags") -> list[dict[str, str]]:
    """``Key=k,Value=v ...`` (or one JSON list of {"Key", "Value"} objects)."""
    items = _json_list(values, option)
    raw = items if items is not None else [shorthand(v, option) for v in values]
    tags: list[dict[str, str]] = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"Key", "Value"} or "Key" not in item:
            raise InvalidInput(f"{option}: each tag is Key=k,Value=v, not {item!r}")
        tags.append({"Key": str(item["Key"]), "Value": str(item.get("Value", ""))})
    return tags


def parse_imds(text: str, option: str) -> dict[str, str]:
    value = shorthand(text, option)
    if set(value) != {"MinimumInstanceMetadataServiceVersion"}:
        raise InvalidInput(
            f"{option}: expected MinimumInstanceMetadataServiceVersion=1 or =2, not {text!r}"
        )
    return value


def parse_int(text: str, option: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"{option} must be a whole number, not {text!r}") from None


def value_of(spec: FieldSpec, raw: Any) -> Any:
    """The request value for what the command line gave ``spec``'s option."""
    from sagedeck.aws.manage.fields import Kind

    if spec.kind is Kind.INT:
        return parse_int(raw, spec.option)
    if spec.kind is Kind.TAGS:
        return parse_tags(raw, spec.option)
    if spec.kind is Kind.LIST:
        items = _json_list(raw, spec.option)
        return [str(item) for item in items] if items is not None else list(raw)
    if spec.kind is Kind.IMDS:
        return parse_imds(raw, spec.option)
    return raw  # text, enum, Enabled|Disabled, flags: as given


# --- the options -----------------------------------------------------------------------------


def _help(spec: FieldSpec, command: str) -> str:
    from sagedeck.aws.manage.fields import Kind

    text = spec.doc.replace("%", "%%")
    if not spec.supported:
        text = f"(no longer available) {text}"
    if spec.kind is Kind.INT and spec.minimum is not None and spec.maximum is not None:
        text += f" [{spec.minimum}-{spec.maximum}]"
    if spec.kind is Kind.ENUM and 3 < len(spec.choices) <= 8:
        text += f" One of: {', '.join(spec.choices)}."
    if spec.required and command == CREATE:
        text += " (required)"
    return text


def _metavar(spec: FieldSpec) -> str:
    from sagedeck.aws.manage.fields import Kind

    if spec.kind is Kind.TAGS:
        return "Key=k,Value=v"
    if spec.kind is Kind.IMDS:
        return "MinimumInstanceMetadataServiceVersion=" + "|".join(spec.choices)
    if spec.kind is not Kind.LIST and spec.choices and len(spec.choices) <= 3:
        return "|".join(spec.choices)
    return spec.option.removeprefix("--").upper().replace("-", "_")


def add_field_options(parser: argparse.ArgumentParser, command: str) -> None:
    """One option per request member; on ``update`` the members fixed at creation are
    accepted (hidden) so that they are refused with the reason, not as unknown options."""
    from sagedeck.aws.manage.fields import NAME_KEY, Kind, fields

    group = parser.add_argument_group("settings (as the AWS CLI names them)")
    for spec in fields():
        if spec.key == NAME_KEY:
            continue
        offered = spec.on_create if command == CREATE else spec.on_update
        if not offered and not (command == UPDATE and spec.on_create):
            continue
        kwargs: dict[str, Any] = {"dest": dest(spec.key), "default": None}
        kwargs["help"] = _help(spec, command) if offered else argparse.SUPPRESS
        if spec.kind is Kind.FLAG:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["metavar"] = _metavar(spec)
            if spec.kind in (Kind.LIST, Kind.TAGS):
                kwargs["nargs"] = "+"
        group.add_argument(spec.option, **kwargs)


def given(args: argparse.Namespace) -> dict[str, Any]:
    """The request members the command line gave, as request values."""
    from sagedeck.aws.manage.fields import field

    found: dict[str, Any] = {}
    for name, raw in vars(args).items():
        if name.startswith(_DEST_PREFIX) and raw is not None:
            spec = field(name.removeprefix(_DEST_PREFIX))
            found[spec.key] = value_of(spec, raw)
    return found


def with_field_options(parser: argparse.ArgumentParser, command: str) -> None:
    """Add the field options to ``parser`` the first time it parses or prints help."""
    added: list[bool] = []

    def ensure() -> None:
        if not added:
            added.append(True)
            add_field_options(parser, command)

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            ensure()
            return method(*args, **kwargs)

        return wrapped

    for name in ("parse_known_args", "format_help", "format_usage"):
        setattr(parser, name, wrap(getattr(parser, name)))


def first_errors(errors: Iterable[object], limit: int = 3) -> str:
    """Problems on one line: the first few, and how many more."""
    shown = [str(e) for e in errors]
    text = "; ".join(shown[:limit])
    if len(shown) > limit:
        text += f" (and {len(shown) - limit} more)"
    return text
