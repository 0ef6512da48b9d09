"""What AWS would refuse, said before the call: the model's constraints and AWS's own rules.

``params`` are request members as CreateNotebookInstance / UpdateNotebookInstance take them
(``{"VolumeSizeInGB": 20, "Tags": [{"Key": "team", "Value": "ml"}]}``). Each problem is a
:class:`FieldError` naming the member, so a form can mark the field and the CLI print one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagedeck.aws.manage.fields import NAME_KEY, FieldSpec, Kind, described_value, field, fields

REQUEST = ""  # FieldError.field for a problem of the whole request (the instance's state)
RESERVED_TAG_PREFIX = "aws:"
# Members UpdateNotebookInstance has no way to change: AWS fixes them at creation.
FIXED_AT_CREATION = ("SubnetId", "SecurityGroupIds", "DirectInternetAccess", "KmsKeyId")
NEW_INSTANCE = "needs a new instance: clone it"


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str  # the request member (``"VolumeSizeInGB"``), or REQUEST
    message: str

    def __str__(self) -> str:
        if not self.field:
            return self.message
        spec = _spec(self.field)
        return f"{spec.option if spec else self.field}: {self.message}"


def _spec(key: str) -> FieldSpec | None:
    try:
        return field(key)
    except KeyError:
        return None


def _absent(value: object) -> bool:
    return value is None or value == "" or value == [] or value == ()


# --- one value -----------------------------------------------------------------------------


def _text_problem(spec: FieldSpec, value: object, low: int | None, high: int | None) -> str | None:
    if not isinstance(value, str):
        return "must be text"
    if low is not None and len(value) < low:
        return "must not be empty" if low == 1 else f"must be at least {low} characters"
    if high is not None and len(value) > high:
        return f"must be at most {high} characters (is {len(value)})"
    if spec.choices and spec.kind in (Kind.ENUM, Kind.FLAG_ENUM, Kind.IMDS, Kind.LIST):
        if value not in spec.choices:
            if len(spec.choices) > 8:  # ~190 instance types: name a few, not all
                return f"{value!r} is not one of the model's values (e.g. {spec.choices[0]})"
            return f"must be one of {', '.join(spec.choices)}, not {value!r}"
    elif value and not spec.matches(value):
        return f"{value!r} does not match the pattern AWS requires ({spec.pattern})"
    return None


def _list_problems(spec: FieldSpec, value: object) -> list[str]:
    if not isinstance(value, list | tuple):
        return ["must be a list"]
    problems: list[str] = []
    if spec.maximum is not None and len(value) > spec.maximum:
        problems.append(f"at most {spec.maximum} allowed (given {len(value)})")
    if len(set(map(str, value))) != len(value):
        problems.append("lists the same value twice")
    for item in value:
        problem = _text_problem(spec, item, spec.item_minimum, spec.item_maximum)
        if problem:
            problems.append(problem)
    return problems


def _tag_problems(value: object) -> list[str]:
    if not isinstance(value, list | tuple):
        return ["must be a list of Key/Value pairs"]
    spec = field("Tags")
    problems: list[str] = []
    if spec.maximum is not None and len(value) > spec.maximum:
        problems.append(f"at most {spec.maximum} tags (given {len(value)})")
    seen: set[str] = set()
    for tag in value:
        if not isinstance(tag, Mapping) or not isinstance(tag.get("Key"), str):
            problems.append("each tag needs a Key (Key=k,Value=v)")
            continue
        problems.extend(tag_problems(str(tag["Key"]), str(tag.get("Value", ""))))
        if tag["Key"] in seen:
            problems.append(f"tag {tag['Key']!r} given twice")
        seen.add(tag["Key"])
    return problems


def tag_problems(key: str, value: str) -> list[str]:
    """What AWS refuses in one tag: the model's lengths and characters, and ``aws:`` keys."""
    from sagedeck.aws.manage.fields import sagemaker_model

    tag = sagemaker_model().shape_for("Tag")
    problems: list[str] = []
    for part, text in (("Key", key), ("Value", value)):
        meta = tag.members[part].metadata  # type: ignore[attr-defined]
        low, high, pattern = meta.get("min", 0), meta.get("max"), meta.get("pattern")
        if len(text) < low:
            problems.append(f"a tag {part.lower()} must not be empty")
        elif high is not None and len(text) > high:
            problems.append(f"tag {part.lower()} {text[:20]!r}… is over {high} characters")
        elif pattern and not _matches(pattern, text):
            problems.append(
                f"tag {part.lower()} {text!r} may hold only letters, digits, spaces and _.:/=+-@"
            )
    if key.lower().startswith(RESERVED_TAG_PREFIX):
        problems.append(f"tag keys starting {RESERVED_TAG_PREFIX!r} are reserved for AWS ({key!r})")
    return problems


def _matches(pattern: str, text: str) -> bool:
    from sagedeck.aws.manage.fields import pattern_matcher

    return pattern_matcher(pattern)(text)


def value_problems(spec: FieldSpec, value: object) -> list[str]:
    """What is wrong with ``value`` for ``spec`` alone (empty: nothing)."""
    if spec.kind is Kind.TAGS:
        return _tag_problems(value)
    if spec.kind is Kind.LIST:
        return _list_problems(spec, value)
    if spec.kind is Kind.FLAG:
        return [] if isinstance(value, bool) else ["must be true or false"]
    if spec.kind is Kind.INT:
        if isinstance(value, bool) or not isinstance(value, int):
            return ["must be a whole number"]
        if spec.minimum is not None and value < spec.minimum:
            return [f"must be at least {spec.minimum} (given {value})"]
        if spec.maximum is not None and value > spec.maximum:
            return [f"must be at most {spec.maximum} (given {value})"]
        return []
    if spec.kind is Kind.IMDS:
        if not isinstance(value, Mapping) or len(value) != 1:
            return ["must be MinimumInstanceMetadataServiceVersion=1 or =2"]
        version = next(iter(value.values()))
        problem = _text_problem(spec, version, None, None)
        return [problem] if problem else []
    problem = _text_problem(spec, value, spec.minimum, spec.maximum)
    return [problem] if problem else []


# --- whole requests --------------------------------------------------------------------------


def _field_errors(params: Mapping[str, Any], allowed: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for key, value in params.items():
        spec = _spec(key)
        if spec is None or not getattr(spec, allowed):
            errors.append(FieldError(key, f"{key} is not a setting of this request"))
            continue
        if key != NAME_KEY and _absent(value) and spec.kind is not Kind.FLAG:
            continue  # an empty field means "not set"
        errors.extend(FieldError(key, problem) for problem in value_problems(spec, value))
    return errors


def _repository_overlap(params: Mapping[str, Any]) -> list[FieldError]:
    default = params.get("DefaultCodeRepository")
    additional = params.get("AdditionalCodeRepositories") or ()
    if default and default in additional:
        return [
            FieldError(
                "AdditionalCodeRepositories",
                f"{default!r} is already the default repository",
            )
        ]
    return []


def validate_create(params: Mapping[str, Any]) -> list[FieldError]:
    """Every problem AWS would answer CreateNotebookInstance with, that can be known before."""
    errors = _field_errors(params, "on_create")
    for spec in fields():
        if spec.required and _absent(params.get(spec.key)):
            errors.append(FieldError(spec.key, "is required"))
    accelerators = params.get("AcceleratorTypes")
    if not _absent(accelerators):
        reason = field("AcceleratorTypes").unsupported_reason or "no longer supported"
        errors.append(FieldError("AcceleratorTypes", reason))
    has_subnet = not _absent(params.get("SubnetId"))
    if params.get("DirectInternetAccess") == "Disabled" and not has_subnet:
        errors.append(
            FieldError(
                "DirectInternetAccess",
                "Disabled (VPC only) needs a subnet: give --subnet-id",
            )
        )
    if not _absent(params.get("SecurityGroupIds")) and not has_subnet:
        errors.append(FieldError("SecurityGroupIds", "security groups need a subnet (--subnet-id)"))
    return errors + _repository_overlap(params)


def _current(current: Mapping[str, Any], key: str) -> Any:
    return described_value(current, key)


def validate_update(current: Mapping[str, Any], params: Mapping[str, Any]) -> list[FieldError]:
    """What AWS would refuse in UpdateNotebookInstance on ``current`` (its describe answer)."""
    errors: list[FieldError] = []
    status = current.get("NotebookInstanceStatus")
    if status is not None and status != "Stopped":
        errors.append(
            FieldError(
                REQUEST, f"settings change only when the instance is Stopped (it is {status})"
            )
        )
    fixed = {key: value for key, value in params.items() if key in FIXED_AT_CREATION}
    for key, value in fixed.items():
        if value != _current(current, key):
            errors.append(
                FieldError(key, "cannot change after creation: needs a new instance: clone it")
            )
    if "Tags" in params:
        errors.append(FieldError("Tags", "tags change apart from settings (sagedeck tag / untag)"))
    rest = {k: v for k, v in params.items() if k not in fixed and k != "Tags" and k != NAME_KEY}
    errors.extend(_field_errors(rest, "on_update"))
    size, now = params.get("VolumeSizeInGB"), current.get("VolumeSizeInGB")
    if isinstance(size, int) and isinstance(now, int) and size < now:
        errors.append(
            FieldError(
                "VolumeSizeInGB",
                f"a volume can only grow (it is {now} GB): clone the instance for a smaller one",
            )
        )
    if not _absent(params.get("AcceleratorTypes")):
        reason = field("AcceleratorTypes").unsupported_reason or "no longer supported"
        errors.append(FieldError("AcceleratorTypes", reason))
    for flag, target in disassociations().items():
        if params.get(flag) and not _absent(params.get(target)):
            errors.append(FieldError(flag, f"cannot both set and remove {field(target).label}"))
    if not set(params) - {NAME_KEY}:
        errors.append(FieldError(REQUEST, "nothing to change"))
    return errors + _repository_overlap(params)


def disassociations() -> dict[str, str]:
    """UpdateNotebookInstance's ``Disassociate*`` flags and the member each one removes,
    paired by name from the model (DisassociateLifecycleConfig → LifecycleConfigName)."""
    from sagedeck.aws.manage.fields import update_fields

    specs = list(update_fields())
    pairs: dict[str, str] = {}
    for flag in (s for s in specs if s.kind is Kind.FLAG and s.key.startswith("Disassociate")):
        stem = flag.key.removeprefix("Disassociate")
        for spec in specs:
            if spec.kind is not Kind.FLAG and spec.key.startswith(stem):
                pairs[flag.key] = spec.key
                break
    return pairs
