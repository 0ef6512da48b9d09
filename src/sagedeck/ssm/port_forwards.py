"""Port forwards to notebook instances, running in the background until ended.

Each forward is one SSM session (``AWS-StartPortForwardingSession``) and one plugin process in
its own process group, listening on a free local port. Ending one terminates the session and
the process group. All of them end when sagedeck exits, however it exits:

- the app's unmount (or the ``forward`` command) awaits :meth:`PortForwards.close_all`;
- ``atexit`` ends whatever is left, without an event loop (covers ``sys.exit``, uncaught
  exceptions, Ctrl-C);
- SIGTERM and SIGHUP are turned into an orderly exit by
  :func:`sagedeck.system.shutdown.install_exit_signals`, so the two above run (by default the
  process would just die and leave sessions open).

Only SIGKILL escapes: then the plugins outlive sagedeck (the session times out on AWS's side).
Never imports textual.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import contextlib
import os
import signal
import socket
import subprocess
import threading
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sagedeck.aws.services import AwsServices
from sagedeck.aws.session import AwsTarget
from sagedeck.aws.ssm import StartedSession, TargetNotConnected
from sagedeck.errors import InvalidInput, SagedeckError
from sagedeck.models import NotebookKey
from sagedeck.ssm.live_shells import terminate_blocking
from sagedeck.ssm.plugin import Plugin, PluginFailed, PluginNotFound, build_invocation, find_plugin
from sagedeck.ssm.shell import NoManagedNode, not_connected

READY_LINE = "Waiting for connections"  # what the plugin prints once it listens
READY_TIMEOUT = 30.0
KILL_GRACE = 3.0
WELL_KNOWN_PORTS = {8888: "Jupyter", 6006: "TensorBoard"}
_LOCALHOST = "127.0.0.1"


# Local ports handed to forwards not yet ended: two forwards starting at once must not be given
# the same free port (the OS may offer it twice before either plugin binds it).
_CLAIMED: set[int] = set()
_CLAIM_LOCK = threading.Lock()


def free_local_port() -> int:
    """A port nothing listens on now (the plugin binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((_LOCALHOST, 0))
        return int(probe.getsockname()[1])


def claim_local_port(port: int | None) -> int:
    """A free local port (``port`` itself when given), reserved until :func:`release_port`."""
    if port is not None and not 1 <= port <= 65535:
        raise InvalidInput(f"local port must be 1 to 65535, not {port}")
    with _CLAIM_LOCK:
        for _ in range(20):
            candidate = port if port is not None else free_local_port()
            if candidate not in _CLAIMED and _bindable(candidate):
                _CLAIMED.add(candidate)
                return candidate
            if port is not None:
                break
    raise InvalidInput(f"local port {port} is already in use: choose another")


def release_port(port: int) -> None:
    with _CLAIM_LOCK:
        _CLAIMED.discard(port)


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((_LOCALHOST, port))
        except OSError:
            return False
    return True


@dataclass(eq=False)
class PortForward:
    """One running forward. ``output`` keeps the plugin's last lines for error messages."""

    key: NotebookKey
    node_id: str
    remote_port: int
    local_port: int
    session: StartedSession
    process: subprocess.Popen[bytes]
    target: AwsTarget
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    output: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=20))
    ready: threading.Event = field(default_factory=threading.Event)  # listening, or gone
    listening: bool = False
    ended: bool = False

    @property
    def local_url(self) -> str:
        return f"http://localhost:{self.local_port}/"

    @property
    def label(self) -> str:
        return WELL_KNOWN_PORTS.get(self.remote_port, f"port {self.remote_port}")

    @property
    def alive(self) -> bool:
        return not self.ended and self.process.poll() is None

    @property
    def session_id(self) -> str:
        return self.session.session_id

    def describe(self) -> str:
        return f"{self.local_url} → {self.key.name}:{self.remote_port} ({self.label})"

    def _drain(self) -> None:
        """Reads the plugin's output until it exits (a full pipe would block the plugin)."""
        stream = self.process.stdout
        if stream is None:
            self.ready.set()
            return
        for raw in stream:
            line = raw.decode(errors="replace").rstrip()
            if line:
                self.output.append(line)
            if READY_LINE in line:
                self.listening = True
                self.ready.set()
        self.ready.set()  # EOF: the plugin is exiting; waiters look at ``listening``

    def kill(self) -> None:
        """SIGTERM to the plugin's process group, SIGKILL after a grace period. Blocking."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(KILL_GRACE)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        else:  # the leader is gone; its group may still have members
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)


# Every forward not yet ended, in every manager: what atexit and the signals end.
_LIVE: set[PortForward] = set()
_LIVE_LOCK = threading.Lock()
_MANAGERS: weakref.WeakKeyDictionary[AwsServices, PortForwards] = weakref.WeakKeyDictionary()


class PortForwards:
    """The forwards started through one :class:`AwsServices`. Get it with :meth:`for_services`
    so the app, its screens and the CLI share one list."""

    def __init__(self, services: AwsServices) -> None:
        self.services = services
        self._forwards: list[PortForward] = []

    @classmethod
    def for_services(cls, services: AwsServices) -> PortForwards:
        manager = _MANAGERS.get(services)
        if manager is None:
            manager = _MANAGERS[services] = cls(services)
        return manager

    def active(self, key: NotebookKey | None = None) -> list[PortForward]:
        return [f for f in self._forwards if key is None or f.key == key]

    async def start(
        self, key: NotebookKey, remote_port: int, local_port: int | None = None
    ) -> PortForward:
        """Find the node, StartSession, run the plugin in the background and wait until it
        listens. On any failure after StartSession the session is terminated."""
        if not 1 <= remote_port <= 65535:
            raise InvalidInput(f"remote port must be 1 to 65535, not {remote_port}")
        self.services.conn.require_allowed("ssm:StartSession")  # before a port is claimed
        port = claim_local_port(local_port)
        try:
            return await self._start(key, remote_port, port)
        except BaseException:
            release_port(port)
            raise

    async def _start(self, key: NotebookKey, remote_port: int, local_port: int) -> PortForward:
        node = await self.services.ssm.find_node(key.name, key.region)
        if node is None:
            raise NoManagedNode(key, self.services.ssm.tag_key)
        plugin = await asyncio.to_thread(find_plugin, self.services.target.endpoint_url)
        try:
            session = await self.services.ssm.start_port_forward(
                key.region, node.instance_id, remote_port, local_port
            )
        except TargetNotConnected as err:
            raise not_connected(key, err) from err
        try:
            forward = self._spawn(plugin, key, node.instance_id, remote_port, local_port, session)
        except BaseException:
            await self._terminate(session)
            raise
        with _LIVE_LOCK:
            _LIVE.add(forward)  # ended at exit even while starting
        try:
            await self._wait_ready(forward)
        except BaseException:
            await self.end(forward)
            raise
        self._forwards.append(forward)  # listed once it listens
        return forward

    def _spawn(
        self,
        plugin: Plugin,
        key: NotebookKey,
        node_id: str,
        remote_port: int,
        local_port: int,
        session: StartedSession,
    ) -> PortForward:
        invocation = build_invocation(plugin, session, self.services.target)
        try:
            process = subprocess.Popen(
                list(invocation.argv),
                env=dict(invocation.env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # no terminal signals; killable as a group
            )
        except FileNotFoundError:
            raise PluginNotFound(f"{invocation.argv[0]} is gone") from None
        except OSError as err:
            raise PluginFailed(f"session-manager-plugin could not start: {err.strerror}") from None
        forward = PortForward(
            key, node_id, remote_port, local_port, session, process, self.services.target
        )
        threading.Thread(
            target=forward._drain, name=f"port-forward-{local_port}", daemon=True
        ).start()
        return forward

    async def _wait_ready(self, forward: PortForward) -> None:
        await asyncio.to_thread(forward.ready.wait, READY_TIMEOUT)
        if forward.listening:
            return
        what = f"port forward to {forward.key.name}:{forward.remote_port}"
        if not forward.ready.is_set():
            raise PluginFailed(f"{what} did not start listening within {READY_TIMEOUT:.0f}s")
        try:
            code = await asyncio.to_thread(forward.process.wait, KILL_GRACE)
        except subprocess.TimeoutExpired:
            code = None
        last = forward.output[-1] if forward.output else "no output"
        raise PluginFailed(f"{what} ended at once (exit {code}): {last}")

    async def end(self, forward: PortForward) -> bool:
        """Kill the plugin's process group and TerminateSession. True when AWS confirmed.

        Cancelled half-way (the app closing), the forward stays in the process-wide list, so
        ``atexit`` finishes the job."""
        forward.ended = True  # not alive from now on: never reaped or ended twice
        await asyncio.to_thread(forward.kill)
        confirmed = await self._terminate(forward.session)
        # Listed until really gone, so the list never shows a forward as ended early.
        with _LIVE_LOCK:
            _LIVE.discard(forward)
        if forward in self._forwards:
            self._forwards.remove(forward)
        release_port(forward.local_port)
        return confirmed

    async def _terminate(self, session: StartedSession) -> bool:
        try:
            await asyncio.shield(
                self.services.ssm.terminate_session(session.region, session.session_id)
            )
        except SagedeckError:
            return False
        return True

    async def reap(self) -> list[PortForward]:
        """End (TerminateSession) the forwards whose plugin exited on its own."""
        dead = [f for f in self._forwards if not f.ended and f.process.poll() is not None]
        for forward in dead:
            await self.end(forward)
        return dead

    async def close_all(self) -> None:
        """End every forward of this manager; for the app's unmount and the CLI."""
        await asyncio.gather(*(self.end(f) for f in list(self._forwards) if not f.ended))


def end_all_blocking() -> list[str]:
    """End every live forward in the process without an event loop. Returns the session ids
    AWS did not confirm as terminated."""
    with _LIVE_LOCK:
        forwards = list(_LIVE)
        _LIVE.clear()
    for forward in forwards:
        forward.ended = True
        forward.kill()
    return terminate_blocking((forward.target, forward.session) for forward in forwards)


atexit.register(end_all_blocking)
