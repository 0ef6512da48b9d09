"""``sagedeck shell | exec | cp``: a shell, a command and file copies through the instance's
Jupyter server (``sagedeck.jupyter``), for every InService instance, SSM or not."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from sagedeck.config import DEFAULTS, SHELL_WAYS
from sagedeck.errors import InvalidInput
from sagedeck.text.sanitize import sanitize_line

if TYPE_CHECKING:  # imported by the handlers that need them: the parser is built on every run
    from collections.abc import AsyncIterator, Coroutine

    from sagedeck.aws.services import AwsServices


def register(sub: Any) -> None:
    shell = sub.add_parser(
        "shell",
        help="open a shell on a notebook instance: SSM when it has a managed node, else a"
        " Jupyter terminal",
        description="Open a shell on the instance. With --via auto (the default, or the config"
        " file's `shell`), SSM when the instance has a managed node, else a terminal of its"
        " Jupyter server (as ec2-user; Ctrl-] or `exit` to come back). The Jupyter terminal is"
        " deleted on the server when the shell ends.",
    )
    shell.add_argument("name", help="notebook instance name")
    shell.add_argument(
        "--via", choices=SHELL_WAYS, help=f"how to reach it (default: {DEFAULTS.shell})"
    )
    shell.set_defaults(handler=cmd_shell)

    run = sub.add_parser(
        "exec",
        help="run a command on an InService instance through a Jupyter terminal",
        description="Run COMMAND with ARGS (each word passed as is: use `bash -c '…'` for a"
        " pipeline) in a Jupyter terminal on the instance, as ec2-user. Its output (stdout and"
        " stderr together, as a terminal has them) is streamed; sagedeck exits with its exit"
        " status. Standard input, when it is not a terminal, is passed on.",
        usage="sagedeck exec [--timeout S] NAME -- COMMAND [ARGS...]",
    )
    run.add_argument("name", help="notebook instance name")
    run.add_argument(
        "--timeout", type=_seconds, help="give up after S seconds, with exit status 124"
    )
    run.add_argument("argv", nargs=argparse.REMAINDER, help="the command and its arguments")
    run.set_defaults(handler=cmd_exec)

    cp = sub.add_parser(
        "cp",
        help="copy a file to or from an instance (NAME:path) through Jupyter",
        description="Copy one file between this machine and an InService instance, through"
        " its Jupyter server. NAME:path on one side; paths there are relative to the Jupyter"
        " root, /home/ec2-user/SageMaker. Into a directory, the file keeps its name. Nothing"
        " half-written is left under the final name.",
    )
    cp.add_argument("source", metavar="SRC", help="a local path or NAME:path")
    cp.add_argument("dest", metavar="DST", help="a local path or NAME:path")
    cp.set_defaults(handler=cmd_cp)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"--timeout must be a number of seconds, not {text!r}") from None
    if not 0 < value <= 86_400 * 7:
        raise InvalidInput("--timeout must be more than 0 seconds and at most a week")
    return value


def _note(text: str) -> None:
    print(sanitize_line(f"sagedeck: {text}"), file=sys.stderr, flush=True)


async def _ended_by_signals(work: Coroutine[Any, Any, int]) -> int:
    """``work``, cancelled by SIGTERM or SIGHUP (a closed terminal) so that its cleanup runs:
    the terminal's modes restored, the Jupyter terminal or partial file deleted. Exit status
    128 + the signal, as a shell reports it."""
    import asyncio

    from sagedeck.system.shutdown import install_exit_signals, uninstall_exit_signals

    task = asyncio.ensure_future(work)
    received: list[int] = []

    def stop(signum: int) -> None:
        received.append(signum)
        task.cancel()

    install_exit_signals(stop)
    try:
        return await task
    except asyncio.CancelledError:
        if received:
            return 128 + received[0]
        raise
    finally:
        uninstall_exit_signals()


async def cmd_shell(args: argparse.Namespace, services: AwsServices) -> int:
    return await _ended_by_signals(_shell(args, services))


async def cmd_exec(args: argparse.Namespace, services: AwsServices) -> int:
    return await _ended_by_signals(_exec(args, services))


async def cmd_cp(args: argparse.Namespace, services: AwsServices) -> int:
    return await _ended_by_signals(_cp(args, services))


async def _shell(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.jupyter.connect import connect
    from sagedeck.jupyter.shell import need_terminal, run_shell
    from sagedeck.ssm.shell import NoManagedNode, plan_shell
    from sagedeck.ssm.shell import run_shell as run_ssm_shell

    key = await services.find(args.name)

    services = services.of(key)  # the profile that lists it
    settings = getattr(args, "settings", DEFAULTS)
    via = args.via or settings.shell
    if via != "jupyter":
        try:
            plan = await plan_shell(services, key)
        except NoManagedNode:
            if via == "ssm":
                raise
        else:
            outcome = await run_ssm_shell(services, plan)
            _note(f"{key.name}: {outcome.summary}")
            return outcome.exit_code
    # Said before signing in: what read-only mode refuses, then the lack of a terminal.
    services.conn.require_allowed("sagemaker:CreatePresignedNotebookInstanceUrl")
    need_terminal(key.name)
    async with connect(services, key, settings.url_session_seconds) as link:
        ended = await run_shell(link)
    _note(f"{key.name}: {ended.summary}")
    return ended.exit_code


async def _exec(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.jupyter.connect import connect
    from sagedeck.jupyter.exec import TIMED_OUT, run_command

    argv = command_words(args)
    key = await services.find(args.name)
    services = services.of(key)  # the profile that lists it
    settings = getattr(args, "settings", DEFAULTS)
    stdin = None if sys.stdin is None or sys.stdin.isatty() else _piped(sys.stdin.fileno())
    async with connect(services, key, settings.url_session_seconds) as link:
        status = await run_command(
            link, argv, _write_out, stdin=stdin, time_limit=args.timeout, size=_size()
        )
    if status == TIMED_OUT and args.timeout is not None:
        _note(f"{key.name}: timed out after {args.timeout:g} s; the command was ended")
    return status


def command_words(args: argparse.Namespace) -> list[str]:
    """The command's words. argparse hands over everything after NAME; ``--timeout S`` given
    after NAME but before ``--`` is taken as exec's own (other flags belong before NAME)."""
    words = list(args.argv)
    if words[:1] == ["--"]:
        words = words[1:]
    elif words and words[0].startswith("-") and "--" in words:
        at = words.index("--")
        options, words = words[:at], words[at + 1 :]
        if len(options) == 2 and options[0] == "--timeout":
            args.timeout = _seconds(options[1])
        elif len(options) == 1 and options[0].startswith("--timeout="):
            args.timeout = _seconds(options[0].split("=", 1)[1])
        else:
            raise InvalidInput(
                f"exec: give {options[0]} before NAME: sagedeck exec [--timeout S] NAME --"
                " COMMAND [ARGS...]"
            )
    if not words:
        raise InvalidInput("no command given: sagedeck exec NAME -- COMMAND [ARGS...]")
    return words


def _write_out(text: str) -> None:
    """The command's own output, as it wrote it (what ``ssh host cmd`` would show)."""
    sys.stdout.write(text)
    sys.stdout.flush()


def _size() -> tuple[int, int]:
    from sagedeck.jupyter.shell import terminal_size

    if sys.stdout is not None and sys.stdout.isatty():
        return terminal_size(sys.stdout.fileno())
    return (50, 200)  # wide enough that programs which fit their output to it do not cut it


async def _piped(fd: int) -> AsyncIterator[bytes]:
    """This process's stdin, read without a thread: a thread blocked on a pipe that never
    closes would keep sagedeck from exiting after the command ended or timed out."""
    import asyncio
    import os
    import stat

    mode = os.fstat(fd).st_mode
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):  # a file, /dev/null: never blocks
        while data := os.read(fd, 65536):
            yield data
        return
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", closefd=False)
    )
    try:
        while data := await reader.read(65536):
            yield data
    finally:
        transport.close()


async def _cp(args: argparse.Namespace, services: AwsServices) -> int:
    from pathlib import Path

    from sagedeck.jupyter.connect import connect
    from sagedeck.jupyter.files import Remote, download, plan_copy, upload

    source, dest = plan_copy(args.source, args.dest)
    remote = source if isinstance(source, Remote) else dest
    assert isinstance(remote, Remote)
    key = await services.find(remote.instance)
    services = services.of(key)  # the profile that lists it
    settings = getattr(args, "settings", DEFAULTS)
    bar = _ProgressBar(args.source) if sys.stderr is not None and sys.stderr.isatty() else None
    async with connect(services, key, settings.url_session_seconds) as link:
        try:
            if isinstance(source, Remote):
                assert isinstance(dest, Path)
                await download(link, source, dest, bar)
            else:
                assert isinstance(dest, Remote)
                await upload(link, source, dest, bar)
        finally:
            if bar is not None:
                bar.close()
    return 0


class _ProgressBar:
    """``name  [#####     ]  42%  8.4 MB/20.0 MB`` on one line of stderr, redrawn in place
    when the percentage moves."""

    WIDTH = 30

    def __init__(self, name: str) -> None:
        self.name = sanitize_line(name)[-40:]
        self.shown = -1
        self.drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        percent = 100 if not total else min(100, done * 100 // total)
        if percent == self.shown:
            return
        self.shown = percent
        filled = self.WIDTH * percent // 100
        bar = "#" * filled + " " * (self.WIDTH - filled)
        of = f"/{_megabytes(total)}" if total else ""
        sys.stderr.write(f"\r{self.name}  [{bar}] {percent:3d}%  {_megabytes(done)}{of}\x1b[K")
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _megabytes(count: int) -> str:
    return f"{count / 1e6:.1f} MB"
