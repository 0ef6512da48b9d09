"""Helpers the reliability tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiobotocore.config import AioConfig

from sagedeck.aws.session import AwsTarget, StaticCredentials
from sagedeck.localaws import LocalAws
from sagedeck.localaws.endpoint import GuardedMotoServer

if TYPE_CHECKING:
    from sagedeck.ui.app import SagedeckApp


def target_for(url: str, regions: tuple[str, ...], read_only: bool = False) -> AwsTarget:
    return AwsTarget(
        profile=None,
        regions=regions,
        endpoint_url=url,
        read_only=read_only,
        credentials=StaticCredentials("demo", "demo", "demo-session-token"),
    )


@dataclass
class Stopwatch:
    """Measures one call for the report (a figure printed and recorded, never a bound: a loaded
    machine would fail a bound on time for no fault of the code)."""

    label: str
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    def stop(self) -> float:
        self.seconds = time.monotonic() - self.started
        return self.seconds


def no_retry_config(read_timeout: float = 5) -> AioConfig:
    """One attempt: a test sees each response exactly as botocore parsed it."""
    return AioConfig(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=10,  # local, but a loaded CI machine can keep an accept waiting >2 s
        read_timeout=read_timeout,
    )


class RestartableAws:
    """The embedded AWS on a port of its own, which a test kills and brings back on the same
    port, as a person does with ``sagedeck localaws --port 4566``.

    LocalAws has no restart: its ``stop()``/``start()`` pick a new port when it was started
    on port 0, and ``start()`` resets and re-seeds the account. This serves the same moto
    application (LocalAws's patches are process-wide, and so is moto's state): what comes back
    is the same account, as when AWS itself recovers.
    """

    def __init__(self, local: LocalAws) -> None:
        self.local = local  # started: its patches are in place
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self._server: GuardedMotoServer | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        # The guarded server LocalAws runs, so these tests meet the same endpoint users do.
        self._server = GuardedMotoServer("127.0.0.1", self.port)
        self._server.start()

    def kill(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> RestartableAws:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


def dashboard_app(endpoint: str, regions: tuple[str, ...], *, refresh: float) -> SagedeckApp:
    """The dashboard as the CLI builds it, polling every ``refresh`` seconds whatever the
    fleet is doing (the seeded fleet has instances changing state)."""
    from sagedeck.aws.services import AwsServices
    from sagedeck.config import Settings
    from sagedeck.ui.app import SagedeckApp

    settings = Settings(
        refresh_interval=refresh, fast_refresh_interval=refresh, jupyter_activity=False
    )
    return SagedeckApp(
        settings=settings, services=AwsServices(target_for(endpoint, regions)), demo=True
    )
