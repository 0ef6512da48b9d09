"""LocalAws: a moto server on 127.0.0.1 with the extensions, the seeded fleet and the simulator."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from . import accounts, jupyter_servers, notebooks, ssm
from .endpoint import GuardedMotoServer
from .identity import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, DEMO_USER, seed_users
from .logs import live_tail
from .logs.quota import set_read_throttle
from .operations import Timings
from .patches import apply_patches
from .reset import reset_backends
from .seed import seed_account
from .simulator import Simulator
from .state import ACCOUNT_ID, CLOCK, LOCK, REGIONS, sagemaker_backend, ssm_backend

DEMO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": DEMO_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": DEMO_SECRET_KEY}


class LocalAws:
    """The embedded AWS. All instances in a process share moto's state (moto keeps it global).

    ``throttle_filter_log_events`` enforces FilterLogEvents' 5 requests/s per account and region
    as AWS does, and GetLogEvents' 10; it is on by default so the demo shows what a real account
    does, and tests turn it off (or on, per test, with ``set_log_throttle``).
    """

    def __init__(
        self,
        seed: bool = True,
        simulate: bool = True,
        speed: float = 1.0,
        port: int = 0,
        *,
        throttle_filter_log_events: bool = True,
        timings: Timings | None = None,
        seed_time: datetime | None = None,
        host: str = "127.0.0.1",
        verbose: bool = False,
    ) -> None:
        self._seed = seed
        self._simulate = simulate
        self._port = port
        self._host = host
        self._verbose = verbose
        self._throttle_default = throttle_filter_log_events
        self.simulator = Simulator(
            timings, speed, start_time=seed_time.timestamp() if seed_time else None
        )
        self._server: GuardedMotoServer | None = None
        self.jupyter: jupyter_servers.JupyterGateway | None = None
        self._endpoint_url: str | None = None
        self._previous_hooks: tuple[Callable[[], float], notebooks.Scheduler | None] | None = None

    # --- identity ------------------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise RuntimeError("LocalAws is not running: call start() or use it as a context")
        return self._endpoint_url

    @property
    def regions(self) -> tuple[str, ...]:
        return REGIONS

    @property
    def account_id(self) -> str:
        return ACCOUNT_ID

    def environment(self) -> dict[str, str]:
        """The variables that point botocore at this server."""
        return {"AWS_ENDPOINT_URL": self.endpoint_url, **DEMO_CREDENTIALS}

    def client(self, service: str, region: str = "us-east-1", **config: Any) -> Any:
        """A boto3 client for this server (dummy credentials, no retries unless asked)."""
        import boto3
        from botocore.config import Config

        retries = config.pop("retries", {"total_max_attempts": 1})
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=DEMO_ACCESS_KEY,
            aws_secret_access_key=DEMO_SECRET_KEY,
            config=Config(retries=retries, **config),
        )

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        apply_patches()
        _quiet_werkzeug(self._verbose)
        _check_port_free(self._host, self._port)
        server = GuardedMotoServer(self._host, self._port)
        server.start()
        live_tail.server_started()
        self._server = server
        self._endpoint_url = server.url
        # The hooks are process-wide (like moto's state): remember whose they were.
        self._previous_hooks = (CLOCK.source, notebooks.current_scheduler())
        notebooks.set_scheduler(self.simulator.schedule)
        CLOCK.source = self.simulator.now
        self.reset(seed=self._seed)
        self._start_jupyter()
        if self._simulate:
            self.simulator.start()
        return self

    def _start_jupyter(self) -> None:
        # The gateway is cheap; each instance's Jupyter server starts on its first sign-in.
        gateway = jupyter_servers.JupyterGateway(_notebook_status, self._host)
        gateway.start()
        self.jupyter = gateway
        jupyter_servers.GATEWAY.append(gateway)

    def _stop_jupyter(self) -> None:
        gateway, self.jupyter = self.jupyter, None
        if gateway is not None:
            jupyter_servers.GATEWAY.remove(gateway)
            gateway.stop()

    def stop(self) -> None:
        self.simulator.stop()
        self._stop_jupyter()
        server, self._server = self._server, None
        if server is not None:
            live_tail.server_stopped()
            server.stop()
        if CLOCK.source == self.simulator.now and self._previous_hooks is not None:
            CLOCK.source, scheduler = self._previous_hooks
            notebooks.set_scheduler(scheduler)
        self._previous_hooks = None
        self._endpoint_url = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def reset(self, seed: bool = True) -> None:
        """Empty the account (like ``POST /moto-api/reset``) and, with ``seed``, re-seed it.

        The IAM users (``identity``) are there either way: the demo credentials belong to one.
        """
        with LOCK:
            reset_backends()
            self.simulator.reset_clock()
            set_read_throttle(self._throttle_default)
            seed_users()  # the demo credentials' IAM user exists even in an empty account
            accounts.seed_research_user()  # and the second account's, for several profiles
            accounts.ENABLED.clear()
            if seed:
                seed_account(self.simulator.schedule, self.simulator.now())
                accounts.seed_research_account(self.simulator.now())

    # --- knobs for tests and demos -------------------------------------------------------------

    @property
    def profiles(self) -> dict[str, tuple[str, str, str]]:
        """The profiles that reach the embedded accounts: name -> (access key, secret, account)."""
        return dict(accounts.PROFILES)

    def write_profiles(self, directory: Path, broken: tuple[str, ...] = ()) -> dict[str, str]:
        """An AWS config and credentials file in ``directory`` with :attr:`profiles`, each in
        one of the server's regions, and for each name in ``broken`` an SSO profile nobody has
        logged in to (botocore finds no token: the SSO session has expired); the variables
        that point botocore and the AWS CLI at them and at this server."""
        config, credentials = [], []
        for index, (name, (key, secret, _)) in enumerate(accounts.PROFILES.items()):
            region = self.regions[index % len(self.regions)]
            config.append(f"[profile {name}]\nregion = {region}\n")
            credentials.append(
                f"[{name}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
            )
        for name in broken:
            config.append(
                f"[profile {name}]\nregion = {self.regions[0]}\nsso_session = {name}-sso\n"
                f"sso_account_id = 111122223333\nsso_role_name = Developer\n\n"
                f"[sso-session {name}-sso]\nsso_start_url = https://{name}.invalid/start\n"
                f"sso_region = {self.regions[0]}\n"
            )
        (directory / "config").write_text("\n".join(config))
        (directory / "credentials").write_text("\n".join(credentials))
        return {
            "AWS_CONFIG_FILE": str(directory / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(directory / "credentials"),
            "AWS_ENDPOINT_URL": self.endpoint_url,
        }

    def enable_region(self, region: str, enabled: bool = True) -> None:
        """Enable (or disable again) an opt-in region for the embedded accounts."""
        with LOCK:
            if enabled:
                accounts.ENABLED.add(region)
            else:
                accounts.ENABLED.discard(region)

    def set_log_throttle(self, enabled: bool) -> None:
        """Enforce (or not) FilterLogEvents' 5 and GetLogEvents' 10 requests/s per account and
        region."""
        set_read_throttle(enabled)

    def register_managed_node(
        self,
        region: str,
        notebook_name: str,
        ping: str = "Online",
        *,
        owner: str | None = None,
        registered: datetime | None = None,
    ) -> str:
        """Register an SSM managed node for a notebook as sagemaker-ssh-helper does; its id.

        ``owner`` is the ``SSHOwner`` tag, the registering user's ``aws:userid``: the demo
        caller's unless given.
        """
        with LOCK:
            notebook = sagemaker_backend(ACCOUNT_ID, region).notebook_instances.get(notebook_name)
            arn = (
                notebook.arn
                if notebook is not None
                else f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:notebook-instance/{notebook_name}"
            )
            node = ssm.register_notebook_node(
                ssm_backend(ACCOUNT_ID, region),
                notebook_name,
                arn,
                ping=ping,
                owner=owner or DEMO_USER.user_id,
                when=registered.replace(tzinfo=None) if registered else None,
            )
            return node.instance_id

    def set_node_ping(self, region: str, instance_id: str, ping: str) -> None:
        """Change a managed node's PingStatus (ConnectionLost ends its sessions)."""
        with LOCK:
            ssm.set_ping(ssm_backend(ACCOUNT_ID, region), instance_id, ping)


def _notebook_status(region: str, name: str) -> str:
    """A notebook instance's status in the embedded account, "" when it does not exist."""
    with LOCK:
        notebook = sagemaker_backend(ACCOUNT_ID, region).notebook_instances.get(name)
        return "" if notebook is None else str(notebook.status)


def _check_port_free(host: str, port: int) -> None:
    """Fail here with OSError: werkzeug answers a failed bind by printing to stderr and calling
    sys.exit(1), under a running TUI."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, port))


def _quiet_werkzeug(verbose: bool) -> None:
    """The request log (and 500 tracebacks) would go to stderr, under a running TUI."""
    logger = logging.getLogger("werkzeug")
    logger.setLevel(logging.INFO if verbose else logging.CRITICAL)
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler() if verbose else logging.NullHandler())
