"""Handing the terminal to session-manager-plugin for a shell, and taking it back intact.

The plugin's known sore points, as users report them: a terminal left in raw mode, exit status
lost, sessions left open. So: the terminal's attributes are saved before and restored after,
whatever the plugin did (``stty sane`` when they cannot be restored); the exit status is
returned; the session is terminated after the plugin ends, or when it could not be started.
Used by ``sagedeck ssm`` and by the TUI (inside ``App.suspend()``). Never imports textual.

A shell must not outlive sagedeck: given up on (the app closing cancels the wait), the plugin
is hung up and the session terminated at once; the shell is listed in ``ssm.live_shells``
until both are done, so what the orderly exit leaves is ended at exit, or by the exit
deadline's last rites when the orderly exit is stuck.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from sagedeck.aws.services import AwsServices
from sagedeck.aws.ssm import TargetNotConnected
from sagedeck.errors import NotFound, SagedeckError
from sagedeck.models import ManagedNode, NotebookKey
from sagedeck.ssm.live_shells import LiveShell, forget_if_ended, listed
from sagedeck.ssm.plugin import (
    Invocation,
    Plugin,
    PluginFailed,
    PluginNotFound,
    build_invocation,
    find_plugin,
)
from sagedeck.system.terminal import TerminalGuard, user_signals_ignored


class NoManagedNode(NotFound):
    """The notebook instance has no SSM managed node: it cannot be reached."""

    def __init__(self, key: NotebookKey, tag_key: str) -> None:
        super().__init__(
            f"{key.name} has no SSM managed node (no node tagged {tag_key}={key.name} in"
            f" {key.region}): run `sagedeck doctor {key.name}` to see what to set up"
        )


@dataclass(frozen=True, slots=True)
class ShellPlan:
    """Everything checked before a session is opened, so failing early opens nothing."""

    key: NotebookKey
    node: ManagedNode
    plugin: Plugin


@dataclass(frozen=True, slots=True)
class ShellOutcome:
    exit_code: int
    session_id: str
    terminated: bool  # False when TerminateSession failed (the session may stay open)

    @property
    def summary(self) -> str:
        note = "" if self.terminated else "; the session could not be ended"
        return f"session ended, exit status {self.exit_code}{note}"


def exit_status(returncode: int) -> int:
    """A shell's convention: 128 + N when the plugin was killed by signal N."""
    return 128 - returncode if returncode < 0 else returncode


async def run_attached(invocation: Invocation, live: LiveShell | None = None) -> int:
    """Run the plugin on this terminal and wait for it. The child starts with the default
    dispositions; only then does sagedeck ignore the keyboard's signals. ``live`` holds the
    plugin's pid until its exit is collected.

    Cancelled (the app closing), the plugin is hung up, as by a closed terminal: left
    running, it would keep the terminal and the session after sagedeck has gone. No waiting
    here (TerminateSession must go before the AWS clients close); one that does not go is
    killed at exit (``live_shells.end_shells_blocking``)."""
    try:
        process = await asyncio.create_subprocess_exec(*invocation.argv, env=dict(invocation.env))
    except OSError as err:
        if err.errno == errno.ENOENT:
            raise PluginNotFound(f"{invocation.argv[0]} is gone") from None
        raise PluginFailed(
            f"session-manager-plugin could not be started: {err.strerror or err}"
        ) from None
    if live is not None:
        live.plugin_pid = process.pid
    try:
        with user_signals_ignored():
            returncode = await process.wait()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGHUP)
        raise
    if live is not None:
        live.plugin_pid = None
    return exit_status(returncode)


async def plan_shell(services: AwsServices, key: NotebookKey) -> ShellPlan:
    """Find the node and the plugin, and check read-only mode, before opening anything."""
    services.conn.require_allowed("ssm:StartSession")  # before the plugin is looked for
    node = await services.ssm.find_node(key.name, key.region)
    if node is None:
        raise NoManagedNode(key, services.ssm.tag_key)
    plugin = await asyncio.to_thread(find_plugin, services.target.endpoint_url)
    return ShellPlan(key, node, plugin)


def not_connected(key: NotebookKey, err: TargetNotConnected) -> SagedeckError:
    return SagedeckError(
        f"{key.name}: {err.target} is not connected to SSM (TargetNotConnected): is the"
        f" instance InService and its agent running? see `sagedeck doctor {key.name}`"
    )


def banner(plan: ShellPlan) -> str:
    where = f"{plan.key.name} ({plan.node.instance_id}, {plan.key.region})"
    demo = " [demo plugin]" if plan.plugin.demo else ""
    return f"── sagedeck: shell on {where}{demo} · type `exit` or Ctrl-D to come back ──"


async def end_session(services: AwsServices, region: str, session_id: str) -> bool:
    """TerminateSession; True when AWS confirmed. Shielded: a cancelled caller (the app
    closing) must not leave the session open."""
    try:
        await asyncio.shield(services.ssm.terminate_session(region, session_id))
    except SagedeckError:
        return False
    return True


async def run_shell(
    services: AwsServices,
    plan: ShellPlan,
    hand_over: Callable[[], AbstractContextManager[Any]] = nullcontext,
    announce: Callable[[str], None] | None = None,
) -> ShellOutcome:
    """StartSession, the plugin on the terminal, TerminateSession.

    ``hand_over`` wraps the time the plugin owns the terminal (the TUI passes
    ``app.suspend``). StartSession happens before it, so a refused session (TargetNotConnected)
    is reported without the screen flickering. The session is terminated however the plugin
    ended, and also when it never started.
    """
    try:
        session = await services.ssm.start_session(plan.key.region, plan.node.instance_id)
    except TargetNotConnected as err:
        raise not_connected(plan.key, err) from err
    live = listed(LiveShell(services.target, session))
    code: int | None = None
    try:
        invocation = build_invocation(plan.plugin, session, services.target)
        with hand_over(), TerminalGuard():
            (announce or _print_banner)(banner(plan))
            code = await run_attached(invocation, live)
    finally:
        live.session_ended = await end_session(services, session.region, session.session_id)
        forget_if_ended(live)
    return ShellOutcome(code, session.session_id, live.session_ended)


def _print_banner(text: str) -> None:
    stream = sys.__stderr__ or sys.stderr
    stream.write(text + "\n")
    stream.flush()
