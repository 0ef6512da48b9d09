"""``sagedeck localaws``: serve the embedded AWS in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

DEFAULT_PORT = 5050


def _speed(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """Bad arguments are one line on stderr, not argparse's usage block."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sagedeck localaws",
        description="Serve a local, seeded fake of AWS (SageMaker notebooks, CloudWatch Logs, "
        "SSM, EC2, IAM) that any AWS client can use.",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    parser.add_argument("--no-seed", action="store_true", help="start with an empty account")
    parser.add_argument(
        "--speed", type=_speed, default=1.0, help="simulated seconds per real second"
    )
    parser.add_argument(
        "--no-log-throttle",
        action="store_true",
        help="do not enforce FilterLogEvents' 5 requests/s (AWS does)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except _UsageError as error:
        print(f"sagedeck localaws: {error} (see sagedeck localaws --help)", file=sys.stderr)
        return 2
    except SystemExit as exit_:  # --help
        return exit_.code if isinstance(exit_.code, int) else 0

    from .server import LocalAws

    local = LocalAws(
        seed=not args.no_seed,
        simulate=True,
        speed=args.speed,
        port=args.port,
        throttle_filter_log_events=not args.no_log_throttle,
        verbose=args.verbose,
    )
    try:
        local.start()
    except OSError as error:
        print(
            f"sagedeck localaws: cannot listen on 127.0.0.1:{args.port} ({error.strerror}); "
            "choose another port with --port",
            file=sys.stderr,
        )
        return 1
    regions = ", ".join(local.regions)
    print(f"sagedeck localaws: serving on {local.endpoint_url} (regions {regions})")
    print("Point AWS clients at it from another shell:")
    print(f"  export AWS_ENDPOINT_URL={local.endpoint_url}")
    print("  export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1")
    print("  unset AWS_PROFILE")
    print("Press Ctrl-C to stop.", flush=True)

    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        local.stop()
    print("\nsagedeck localaws: stopped", flush=True)
    return 0
