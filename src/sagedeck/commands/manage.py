"""``sagedeck create | update | tag | untag``: make and change notebook instances from a shell.

Every request is checked before it is sent (botocore's model and AWS's documented rules,
:mod:`sagedeck.aws.manage.validate`): bad input is one line on stderr, exit 2, and nothing is
created or changed. Read-only mode refuses each of them before any call.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from sagedeck.commands.manage_options import (
    CREATE,
    UPDATE,
    first_errors,
    given,
    with_field_options,
)
from sagedeck.commands.notebooks import timeout_seconds
from sagedeck.errors import InvalidInput
from sagedeck.models import NotebookKey, NotebookStatus
from sagedeck.text.sanitize import dumps_json, one_line, sanitize_line

if TYPE_CHECKING:
    from sagedeck.aws.services import AwsServices


def register(sub: Any) -> None:
    create = sub.add_parser(
        "create",
        help="create a notebook instance (options as `aws sagemaker create-notebook-instance`)",
        description="Create a notebook instance. Options take the AWS CLI's names and values;"
        " --from copies every setting of an existing instance (options given win).",
    )
    create.add_argument("name", help="the new instance's name")
    create.add_argument("--from", dest="source", metavar="EXISTING", help="clone this instance")
    _add_common(create, "follow the status until InService (or Failed)")
    with_field_options(create, CREATE)
    create.set_defaults(handler=cmd_create)

    update = sub.add_parser(
        "update",
        help="change a Stopped notebook instance's settings",
        description="Change settings of a Stopped instance; only what differs is sent."
        " Subnet, security groups, direct internet access and KMS key cannot change:"
        " clone the instance (sagedeck create NEW --from NAME ...) instead.",
    )
    update.add_argument("name")
    _add_common(update, "follow the status until the update has finished (Stopped)")
    with_field_options(update, UPDATE)
    update.set_defaults(handler=cmd_update)

    tag = sub.add_parser("tag", help="add or overwrite tags on a notebook instance")
    tag.add_argument("name")
    tag.add_argument("tags", nargs="+", metavar="KEY=VALUE")
    tag.set_defaults(handler=cmd_tag)

    untag = sub.add_parser("untag", help="remove tags from a notebook instance")
    untag.add_argument("name")
    untag.add_argument("keys", nargs="+", metavar="KEY")
    untag.set_defaults(handler=cmd_untag)


def _add_common(parser: argparse.ArgumentParser, wait_help: str) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="print the request as JSON, send nothing"
    )
    parser.add_argument("--wait", action="store_true", help=wait_help)
    parser.add_argument(
        "--timeout", type=timeout_seconds, default=1800.0, help="seconds to wait at most"
    )


def _print_request(params: dict[str, Any]) -> None:
    from sagedeck.aws.manage.requests import request_json_ready

    sys.stdout.write(dumps_json(request_json_ready(params), indent=2) + "\n")


def _one_region(services: AwsServices) -> str:
    regions = services.conn.regions
    if len(regions) != 1:
        raise InvalidInput(f"create needs one region, not {len(regions)}: choose it with --region")
    return regions[0]


async def _follow(
    services: AwsServices, args: argparse.Namespace, key: NotebookKey, goal: NotebookStatus
) -> int:
    from sagedeck.commands.notebooks import wait_for

    return await wait_for(services, key, goal, args.timeout)


async def cmd_create(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.aws.manage.calls import CREATE as CREATE_OPERATION
    from sagedeck.aws.manage.fields import NAME_KEY
    from sagedeck.aws.manage.validate import validate_create
    from sagedeck.aws.shapes import validate_name

    if not args.dry_run:
        services.conn.require_allowed(CREATE_OPERATION)
    validate_name(args.name)
    overrides = given(args)
    params: dict[str, Any] = {}
    if args.source:
        source = await services.find(args.source)
        services = services.of(source)  # the clone is made where its source is
        region = source.region
        params = await services.manage.describe_for_clone(region, source.name)
    else:
        from sagedeck.aws.across import one_profile

        services = one_profile(services)  # a new instance goes where the user says
        region = _one_region(services)
    params.update(overrides)
    params = {NAME_KEY: args.name, **params}
    errors = validate_create(params)
    if errors:
        raise InvalidInput(f"create {args.name}: {first_errors(errors)}")
    if args.dry_run:
        _print_request(params)
        return 0
    await services.manage.create(region, params)
    how = f" from {sanitize_line(args.source)}" if args.source else ""
    print(f"{args.name}: creating in {region}{how}", flush=True)
    if not args.wait:
        return 0
    return await _follow(services, args, NotebookKey(region, args.name), NotebookStatus.IN_SERVICE)


async def cmd_update(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.aws.manage.calls import UPDATE as UPDATE_OPERATION
    from sagedeck.aws.manage.fields import NAME_KEY
    from sagedeck.aws.manage.requests import update_params
    from sagedeck.aws.manage.validate import validate_update

    if not args.dry_run:
        services.conn.require_allowed(UPDATE_OPERATION)
    wanted = given(args)
    key = await services.find(args.name)
    services = services.of(key)  # the profile that lists it
    current = await services.manage.describe(key.region, key.name)
    errors = validate_update(current, wanted)
    if errors:
        raise InvalidInput(f"update {key.name}: {first_errors(errors)}")
    params = update_params(current, wanted)
    if not params:
        print(f"{key.name}: nothing to change (it already has these settings)", flush=True)
        return 0
    if args.dry_run:
        _print_request({NAME_KEY: key.name, **params})
        return 0
    await services.manage.update(key.region, key.name, params)
    print(f"{key.name}: updating", flush=True)
    if not args.wait:
        return 0
    return await _follow(services, args, key, NotebookStatus.STOPPED)


def parse_pairs(pairs: list[str]) -> list[dict[str, str]]:
    """``key=value`` words (the value may be empty, the key may not)."""
    tags: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise InvalidInput(f"tag: expected KEY=VALUE, not {pair!r}")
        tags[name] = value
    return [{"Key": k, "Value": v} for k, v in tags.items()]


async def cmd_tag(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.aws.manage.calls import ADD_TAGS
    from sagedeck.aws.manage.validate import tag_problems

    services.conn.require_allowed(ADD_TAGS)
    tags = parse_pairs(args.tags)
    problems = [p for t in tags for p in tag_problems(t["Key"], t["Value"])]
    if problems:
        raise InvalidInput(f"tag {args.name}: {first_errors(problems)}")
    key = await services.find(args.name)
    services = services.of(key)  # the profile that lists it
    arn = str((await services.manage.describe(key.region, key.name))["NotebookInstanceArn"])
    existing = {t["Key"] for t in await services.manage.tags(key.region, arn)}
    total = len(existing | {t["Key"] for t in tags})
    if total > 50:
        raise InvalidInput(f"tag {key.name}: at most 50 tags per instance (it would have {total})")
    await services.manage.add_tags(key.region, arn, tags)
    shown = ", ".join(f"{t['Key']}={t['Value']}" for t in tags)
    print(one_line(f"{key.name}: tagged {shown}"))
    return 0


async def cmd_untag(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.aws.manage.calls import DELETE_TAGS
    from sagedeck.aws.manage.validate import RESERVED_TAG_PREFIX

    services.conn.require_allowed(DELETE_TAGS)
    keys = list(dict.fromkeys(args.keys))
    reserved = [k for k in keys if k.lower().startswith(RESERVED_TAG_PREFIX)]
    if reserved:
        raise InvalidInput(
            f"untag: tags starting {RESERVED_TAG_PREFIX!r} belong to AWS ({reserved[0]!r})"
        )
    if any(not k for k in keys):
        raise InvalidInput("untag: a tag key must not be empty")
    key = await services.find(args.name)
    services = services.of(key)  # the profile that lists it
    arn = str((await services.manage.describe(key.region, key.name))["NotebookInstanceArn"])
    existing = {t["Key"] for t in await services.manage.tags(key.region, arn)}
    present = [k for k in keys if k in existing]
    missing = [k for k in keys if k not in existing]
    if present:
        await services.manage.delete_tags(key.region, arn, present)
    message = f"{key.name}: removed {', '.join(present)}" if present else f"{key.name}: no change"
    if missing:
        message += f" (no tag {', '.join(missing)})"
    print(one_line(message))
    return 0
