"""``sagedeck repos ls | add | delete``: Git repositories (SageMaker code repositories).

A repository's credentials live in a Secrets Manager secret; sagedeck shows its ARN and
checks that it exists (``DescribeSecret``), and never reads its value."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from sagedeck.errors import SagedeckError
from sagedeck.text.sanitize import sanitize_line

if TYPE_CHECKING:  # imported by the handlers: the parser is built on every run
    from sagedeck.aws.repos import RepositoryEntry
    from sagedeck.aws.services import AwsServices


def register(sub: Any) -> None:
    repos = sub.add_parser(
        "repos",
        help="Git repositories notebook instances clone: list, add, delete",
        description="Git repositories (SageMaker code repositories) that notebook instances"
        " clone on start. Credentials for a private repository live in a Secrets Manager"
        ' secret ({"username": ..., "password": ...}); sagedeck shows the secret\'s ARN'
        " and never its value.",
    )
    verbs = repos.add_subparsers(dest="verb", metavar="VERB", required=True)

    ls = verbs.add_parser("ls", help="every repository, with the instances that use it")
    ls.add_argument("--json", action="store_true", help="one JSON array, for scripts")
    ls.set_defaults(handler=cmd_ls)

    add = verbs.add_parser(
        "add",
        help="add a repository",
        description="Add a Git repository. With --secret-arn, the secret is checked first"
        " (secretsmanager:DescribeSecret, which reads no value): if it does not exist or"
        " cannot be checked, nothing is added unless --force is given.",
    )
    add.add_argument("name")
    add.add_argument("--url", required=True, help="https:// URL of the repository")
    add.add_argument("--branch", help="branch to check out (default: the remote's default)")
    add.add_argument("--secret-arn", help="Secrets Manager secret with the credentials")
    add.add_argument(
        "--force", action="store_true", help="add even if the secret cannot be checked"
    )
    add.set_defaults(handler=cmd_add)

    delete = verbs.add_parser("delete", help="delete one (refused while an instance uses it)")
    delete.add_argument("name")
    delete.set_defaults(handler=cmd_delete)


async def cmd_ls(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.commands.catalog import print_entries

    def row(e: RepositoryEntry) -> tuple[str, ...]:
        used = [*e.default_for, *(f"{name} (additional)" for name in e.additional_for)]
        return (
            e.name,
            e.region,
            e.repository.url,
            e.repository.branch or "-",
            e.repository.secret_arn or "-",
            ", ".join(used) or "-",
        )

    def record(e: RepositoryEntry) -> dict[str, Any]:
        return {
            "name": e.name,
            "region": e.region,
            "arn": e.repository.arn,
            "url": e.repository.url,
            "branch": e.repository.branch,
            "secret_arn": e.repository.secret_arn,
            "default_for": list(e.default_for),
            "additional_for": list(e.additional_for),
        }

    return await print_entries(
        services,
        lambda member: member.repos.list(),
        as_json=args.json,
        header=("NAME", "REGION", "URL", "BRANCH", "SECRET", "USED BY"),
        row=row,
        record=record,
    )


async def cmd_add(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.aws.across import one_profile
    from sagedeck.aws.repos import NewRepository

    services = one_profile(services)
    repository = NewRepository(args.name, args.url, args.branch, args.secret_arn).checked()
    region = services.repos.region_for_new(None)
    if repository.secret_arn:
        secret = await services.repos.check_secret(repository.secret_arn)
        if not secret.ok and not args.force:
            raise SagedeckError(f"{secret.problem}: nothing added (--force adds it anyway)")
        if not secret.ok:
            print(sanitize_line(f"sagedeck: {secret.problem}: adding it anyway"), file=sys.stderr)
    arn = await services.repos.add(region, repository)
    print(sanitize_line(f"{repository.name}: added in {region} ({arn})"))
    return 0


async def cmd_delete(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.aws.across import one_profile

    services = one_profile(services)
    region = await services.repos.find(args.name)
    await services.repos.delete(args.name, region)
    print(sanitize_line(f"{args.name}: deleted from {region}"))
    return 0
