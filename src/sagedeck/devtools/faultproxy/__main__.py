"""``python -m sagedeck.devtools.faultproxy --upstream http://127.0.0.1:4566 --throttle 0.3``

Prints the proxy's URL, then takes commands on stdin (and the same commands as the body of a
``POST /__faultproxy/``): a fault spec (``throttle 0.3 ops=FilterLogEvents``), ``clear``,
``release``, ``refuse [SECONDS]``, ``accept``, ``status``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Callable, Sequence

from sagedeck.devtools.faultproxy.faults import Fault, FaultKind, parse_fault
from sagedeck.devtools.faultproxy.http import Request
from sagedeck.devtools.faultproxy.server import FaultProxy

HELP = """commands:
  throttle|error|latency|reset|hang|expired-token|deny [N] [rate=R] [ops=A,svc:B] [status=500|503]
      [seconds=S] [times=N]     add a fault (N is the rate, or the delay for latency)
  clear                         remove every fault, release hung requests
  release                       release hung requests
  refuse [SECONDS]              stop listening (for SECONDS, then listen again)
  accept                        listen again
  status                        faults and counters"""


def status_json(proxy: FaultProxy) -> dict[str, object]:
    stats = proxy.stats()
    return {
        "url": proxy.url,
        "upstream": proxy.upstream,
        "listening": proxy.listening,
        "faults": [f.describe() for f in proxy.faults()],
        "requests": stats.requests,
        "forwarded": stats.forwarded,
        "hung_now": stats.hung_now,
        "injected": dict(stats.injected),
    }


def run_command(proxy: FaultProxy, text: str) -> tuple[str, Callable[[], None] | None]:
    """Do ``text``; returns the reply and, for ``refuse``/``accept``, what to run afterwards
    (changing the listener from inside a request on it must wait until the answer is sent)."""
    words = text.split()
    verb = words[0] if words else "status"
    if verb == "status":
        return json.dumps(status_json(proxy), indent=2), None
    if verb == "clear":
        proxy.clear()
        return "cleared", None
    if verb == "release":
        proxy.release()
        return "released", None
    if verb == "accept":
        return "accepting", proxy.accept
    if verb == "refuse":
        seconds = float(words[1]) if len(words) > 1 else None

        def refuse() -> None:
            proxy.refuse()
            if seconds is not None:
                threading.Timer(seconds, proxy.accept).start()

        return f"refusing{f' for {seconds:g}s' if seconds is not None else ''}", refuse
    if verb == "help":
        return HELP, None
    fault = proxy.add(parse_fault(text))
    return f"added: {fault.describe()}", None


def control(proxy: FaultProxy) -> Callable[[Request], tuple[int, bytes, Callable[[], None] | None]]:
    def handle(request: Request) -> tuple[int, bytes, Callable[[], None] | None]:
        text = request.body.decode("utf-8", "replace").strip()
        if request.method == "GET" or not text:
            text = "status"
        if text.split()[0] == "refuse" and len(text.split()) == 1:
            text = "refuse 10"  # over HTTP, a refusal without an end would lock the caller out
        try:
            reply, after = run_command(proxy, text)
        except ValueError as err:
            return 400, json.dumps({"error": str(err)}).encode(), None
        return 200, json.dumps({"reply": reply, **status_json(proxy)}).encode(), after

    return handle


def faults_from(args: argparse.Namespace) -> list[Fault]:
    ops = frozenset(p for p in (args.only or "").split(",") if p)
    faults = [parse_fault(spec) for spec in args.fault or ()]
    if args.latency:
        faults.append(Fault(FaultKind.LATENCY, operations=ops, seconds=args.latency))
    for kind, rate in (
        (FaultKind.THROTTLE, args.throttle),
        (FaultKind.ERROR, args.error_rate),
        (FaultKind.RESET, args.reset_rate),
        (FaultKind.HANG, args.hang_rate),
    ):
        if rate:
            faults.append(
                Fault(
                    kind,
                    rate=rate,
                    operations=ops,
                    status=args.error_status,
                    seconds=args.hang_seconds if kind is FaultKind.HANG else None,
                )
            )
    return faults


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sagedeck.devtools.faultproxy",
        description="A fault-injecting proxy in front of an AWS endpoint.",
        epilog=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--upstream", required=True, help="the endpoint to forward to")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--listen-port", type=int, default=0, help="default: a free port")
    parser.add_argument("--throttle", type=float, help="share of calls throttled (0..1)")
    parser.add_argument("--error-rate", type=float, help="share of calls answered with a 5xx")
    parser.add_argument("--error-status", type=int, default=503, choices=(500, 503))
    parser.add_argument("--latency", type=float, help="seconds added to every call")
    parser.add_argument("--reset-rate", type=float, help="share of connections reset")
    parser.add_argument("--hang-rate", type=float, help="share of calls that hang")
    parser.add_argument("--hang-seconds", type=float, help="how long a hang lasts (default: ever)")
    parser.add_argument("--only", help="apply the flags above only to these operations")
    parser.add_argument("--fault", action="append", help="a fault spec; repeatable")
    parser.add_argument("--seed", type=int, help="random seed, for repeatable runs")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        faults = faults_from(args)
    except ValueError as err:
        print(f"faultproxy: {err}", file=sys.stderr)
        return 2
    proxy = FaultProxy(args.upstream, host=args.host, port=args.listen_port, seed=args.seed)
    proxy.set_control(control(proxy))
    with proxy:
        for fault in faults:
            proxy.add(fault)
        print(f"faultproxy: {proxy.url} -> {proxy.upstream}", flush=True)
        for fault in proxy.faults():
            print(f"  {fault.describe()}", flush=True)
        print(
            f"  control: type a command, or curl -d 'clear' {proxy.url}/__faultproxy/", flush=True
        )
        try:
            for line in sys.stdin if _reads_stdin() else ():
                if not line.strip():
                    continue
                try:
                    reply, after = run_command(proxy, line)
                except ValueError as err:
                    reply, after = f"error: {err}", None
                if after is not None:
                    after()
                print(reply, flush=True)
            threading.Event().wait()  # stdin closed (run in the background): serve until killed
        except KeyboardInterrupt:
            pass
    return 0


def _reads_stdin() -> bool:
    """Commands come from stdin unless the proxy runs in the background of a terminal (``&``),
    where reading it would stop the process (SIGTTIN): then only the control endpoint."""
    if not sys.stdin.isatty():
        return True
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
