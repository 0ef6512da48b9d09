"""Entry point: parse flags, build settings and services, run the app or a command.

Precedence for every setting: flags > environment (AWS_*, SAGEDECK_*) > config file > defaults.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sagedeck import __version__
from sagedeck.config import DEFAULTS, Settings, default_config_path, load_settings, parse_refresh
from sagedeck.errors import InvalidInput, SagedeckError
from sagedeck.text.sanitize import one_line

if TYPE_CHECKING:
    from concurrent.futures import Future

    from sagedeck.aws.quick import Pages
    from sagedeck.aws.services import AwsServices
    from sagedeck.aws.session import AwsTarget, StaticCredentials
    from sagedeck.localaws import LocalAws
    from sagedeck.models import RegionListing

# Each module adds its subcommands with register(subparsers); handlers are
# ``async def handler(args, services) -> int``.
COMMAND_MODULES = (
    "sagedeck.commands.notebooks",
    "sagedeck.commands.logs",
    "sagedeck.commands.ssm",
    "sagedeck.commands.jupyter",
    "sagedeck.commands.lifecycle",
    "sagedeck.commands.repos",
    "sagedeck.commands.manage",
)

Handler = Callable[[argparse.Namespace, "AwsServices"], Awaitable[int]]
# A command may also have a quick path that runs without botocore when the setup allows it
# (``ls``: sagedeck.aws.quick); it returns None, having printed nothing, when it does not.
QuickHandler = Callable[[argparse.Namespace, Settings], int | None]
FirstListing = tuple[tuple[str, ...], "Future[list[RegionListing]]", "Pages"]

EPILOG = """\
Settings come from, highest first: flags, then the environment (AWS_PROFILE, AWS_REGION /
AWS_DEFAULT_REGION, AWS_ENDPOINT_URL, SAGEDECK_REFRESH, SAGEDECK_CONFIG), then the config file
({config}), then defaults. Profiles and regions also come from ~/.aws/config as the AWS CLI
reads them.

Run with no command to open the dashboard. `sagedeck --demo` runs everything on an embedded AWS
with a seeded fleet: no account needed.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2, as for every bad input
        raise InvalidInput(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sagedeck",
        description="A terminal dashboard for AWS SageMaker notebook instances.",
        epilog=EPILOG.format(config=default_config_path()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sagedeck {__version__}")
    add_global_flags(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for command in subcommands(parser):  # `sagedeck ls --region x` works as well as before
        add_global_flags(command, suppress=True)
    # Listed for --help; `sagedeck localaws ...` is handed to sagedeck.localaws before parsing
    # (see main), which owns its flags (--port, --speed, --no-seed, ...).
    sub.add_parser(
        "localaws",
        help="run the embedded AWS in the foreground (see `sagedeck localaws --help`)",
        add_help=False,
    )
    return parser


def subcommands(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every command's parser, nested ones too (``sagedeck lifecycle create``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                yield command
                yield from subcommands(command)


def add_global_flags(parser: argparse.ArgumentParser, suppress: bool = False) -> None:
    """The flags every command takes. On subcommands they default to SUPPRESS, so a flag given
    before the command is not reset by the subcommand's default."""
    if suppress:
        parser.argument_default = argparse.SUPPRESS
    group = parser.add_argument_group("AWS")
    group.add_argument(
        "--profile",
        help="AWS profile, comma-separated profiles, or 'all' (every profile with credentials);"
        " default: AWS_PROFILE, config file",
    )
    group.add_argument(
        "--region", help="region, comma-separated regions, or 'all' (every SageMaker region)"
    )
    group.add_argument("--endpoint-url", help="AWS endpoint URL (e.g. the embedded AWS)")
    group.add_argument(
        "--read-only",
        action="store_true",
        default=argparse.SUPPRESS if suppress else None,
        help="refuse every change, Jupyter URL and SSM session (reads still work)",
    )
    group.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="run on the embedded AWS with a seeded fleet",
    )
    app = parser.add_argument_group("dashboard")
    app.add_argument(
        "--refresh",
        type=str,
        help=f"seconds between refreshes (default {DEFAULTS.refresh_interval:g})",
    )
    app.add_argument("--config", help="config file path")
    if suppress:
        parser.argument_default = None


def settings_from(args: argparse.Namespace) -> Settings:
    from pathlib import Path

    if args.config:  # a file the user named must exist; the default one may not
        return _settings_with_flags(
            args, load_settings(Path(args.config).expanduser(), required=True)
        )
    return _settings_with_flags(args, load_settings())


def _settings_with_flags(args: argparse.Namespace, settings: Settings) -> Settings:
    return settings.merged(
        refresh_interval=parse_refresh(args.refresh) if args.refresh else None,
        read_only=args.read_only,
    )


def target_from(args: argparse.Namespace, settings: Settings, local: LocalAws | None) -> AwsTarget:
    from sagedeck.aws.session import resolve_target

    if local is not None:
        return demo_target(args, settings, local)
    return resolve_target(
        profile=args.profile,
        region=args.region,
        endpoint_url=(
            args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or settings.endpoint_url
        ),
        read_only=settings.read_only,
        default_profile=settings.profile,
        default_regions=settings.regions,
    )


def demo_target(args: argparse.Namespace, settings: Settings, local: LocalAws) -> AwsTarget:
    """The embedded AWS; ``--profile`` names its profiles (``demo``, ``research``, or ``all``:
    two accounts), each with its own keys."""
    from sagedeck.aws.session import AwsTarget, StaticCredentials, joined, parse_regions

    regions = parse_regions(args.region) if args.region else local.regions
    known = local.profiles
    if not args.profile:
        names: list[str | None] = [None]
    elif args.profile.strip().lower() == "all":
        names = list(known)
    else:
        names = [name.strip() for name in args.profile.split(",") if name.strip()]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise InvalidInput(
                f"unknown demo profile {unknown[0]!r} (the demo has: {', '.join(known)})"
            )
    members = []
    for name in names:
        key, secret, _ = known[name or "demo"]
        credentials = StaticCredentials(key, secret)
        members.append(
            AwsTarget(name, regions, local.endpoint_url, settings.read_only, credentials)
        )
    return joined(tuple(members))


def demo_profiles(local: LocalAws) -> dict[str, StaticCredentials]:
    """The embedded AWS's profiles (its accounts' keys), which ``P`` offers in the demo."""
    from sagedeck.aws.session import StaticCredentials

    return {
        name: StaticCredentials(key, secret) for name, (key, secret, _) in local.profiles.items()
    }


@contextmanager
def embedded_aws(enabled: bool) -> Iterator[LocalAws | None]:
    if not enabled:
        yield None
        return
    try:
        from sagedeck.localaws import LocalAws
    except ImportError as err:
        raise InvalidInput(
            f"--demo needs the demo extra ({err.name} is missing): pip install 'sagedeck[demo]'"
        ) from None
    with LocalAws(seed=True, simulate=True) as local:
        yield local


def build_services(settings: Settings, target: AwsTarget) -> AwsServices:
    """The AWS services as the settings configure them, for the app and the commands alike."""
    from sagedeck.aws.services import AwsServices

    return AwsServices(target, ssm_tag_key=settings.ssm_tag_key)


async def _run_command(
    handler: Handler, args: argparse.Namespace, settings: Settings, target: AwsTarget
) -> int:
    async with build_services(settings, target) as services:
        return await handler(args, services)


def run_localaws(argv: list[str]) -> int:
    try:
        from sagedeck.localaws import main as localaws_main
    except ImportError as err:
        raise InvalidInput(
            f"localaws needs the demo extra ({err.name} is missing): pip install 'sagedeck[demo]'"
        ) from None
    return localaws_main(argv)


def prefetch_listing(args: argparse.Namespace, settings: Settings) -> FirstListing | None:
    """The plain case's listing (sagedeck.aws.quick), started in a thread; None where the
    setup needs botocore or the embedded AWS runs in this process (it would share the GIL)."""
    if args.demo:
        return None
    from sagedeck.aws import quick
    from sagedeck.commands.notebooks import quick_plan

    try:
        plan = quick_plan(args, settings)
    except quick.Unsupported:
        return None
    pages = quick.Pages()  # the dashboard shows the first page's rows before the last comes
    return plan.regions, quick.prefetch(plan, pages), pages


def run_app(
    settings: Settings,
    target: AwsTarget,
    local: LocalAws | None,
    first_listing: FirstListing | None = None,
) -> int:
    from sagedeck.system.shutdown import arm_exit_deadline, install_exit_signals
    from sagedeck.ui.app import SagedeckApp

    services = build_services(settings, target)
    if first_listing is not None:
        services.sagemaker.use_prefetched(*first_listing)
    app = SagedeckApp(
        settings=settings,
        services=services,
        demo=local is not None,
        offered_profiles=None if local is None else demo_profiles(local),
    )
    # From here, SIGTERM, SIGHUP, SIGINT (from outside: the dashboard reads Ctrl-C as a key) or
    # the terminal going away end sagedeck in order, and within seconds however that goes.
    # The app takes the requests once mounted; one that comes before is kept for it.
    install_exit_signals(signals=(signal.SIGTERM, signal.SIGHUP, signal.SIGINT))
    arm_exit_deadline(end_sessions_now)
    app.run()
    return app.return_code or 0


def end_sessions_now() -> None:
    """The last rites, when the orderly exit has not finished in time: kill the plugins of
    the port forwards and of a shell, and end their SSM sessions, without the (stuck) event
    loop."""
    if "sagedeck.ssm.port_forwards" in sys.modules:  # never imported: no forward ever opened
        from sagedeck.ssm.port_forwards import end_all_blocking

        end_all_blocking()
    if "sagedeck.ssm.live_shells" in sys.modules:  # never imported: no shell ever opened
        from sagedeck.ssm.live_shells import end_shells_blocking

        end_shells_blocking()


def quiet_sdk_logging() -> None:
    """Keep the SDK's own warnings off the terminal.

    botocore logs a full traceback at WARNING when an SSO or temporary credential refresh
    fails; with no handler configured, Python prints it to stderr through its last-resort
    handler. sagedeck reports the same failure as one line (and a traceback would tear
    through the dashboard's screen), so those records go nowhere unless a handler is set up.
    """
    for name in ("botocore", "aiobotocore", "boto3", "urllib3"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    quiet_sdk_logging()
    try:
        if argv[:1] == ["localaws"]:
            return run_localaws(argv[1:])
        parser = build_parser()
        args, unknown = parser.parse_known_args(argv)
        if args.command == "localaws":  # after global flags, which it does not use
            return run_localaws(argv[argv.index("localaws") + 1 :])
        if unknown:  # what parse_args would refuse
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        settings = settings_from(args)
        quick: QuickHandler | None = getattr(args, "quick", None)
        if quick is not None and not args.demo:
            code = quick(args, settings)  # None: not the plain case, nothing printed
            if code is not None:
                sys.stdout.flush()
                return code
        handler: Handler | None = getattr(args, "handler", None)
        # The dashboard's first listing starts now, without botocore when the setup allows it,
        # so that it travels while Textual and the AWS SDK are imported.
        first_listing = prefetch_listing(args, settings) if handler is None else None
        with embedded_aws(args.demo) as local:
            target = target_from(args, settings, local)
            if handler is None:
                return run_app(settings, target, local, first_listing)
            import asyncio  # here: `--help` and the quick paths never need it

            args.settings = settings  # for the commands that read a setting (`shell`)

            code = asyncio.run(_run_command(handler, args, settings, target))
            sys.stdout.flush()  # here, where a closed pipe is caught, not at interpreter exit
            return code
    except SagedeckError as err:
        print(f"sagedeck: {one_line(str(err))}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `sagedeck ls | head`: the reader left, which is fine
        _silence_stdout()
        return 141


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
