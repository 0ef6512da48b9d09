"""``sagedeck ssm | forward | doctor``: SSM shells, port forwards and the doctor, for the shell."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import TYPE_CHECKING, Any

from sagedeck.errors import AmbiguousName, NotFound
from sagedeck.models import NotebookKey
from sagedeck.text.sanitize import sanitize_line

if TYPE_CHECKING:  # imported by the handlers that need it: the parser is built on every run
    from sagedeck.aws.services import AwsServices


def register(sub: Any) -> None:
    ssm = sub.add_parser(
        "ssm",
        help="open a shell on a notebook instance over SSM (Session Manager)",
        description="Open a shell on the instance's SSM managed node (sagemaker-ssh-helper)"
        " through session-manager-plugin, exactly as `aws ssm start-session` runs it. The exit"
        " status is the plugin's; the session is always terminated afterwards.",
    )
    ssm.add_argument("name", help="notebook instance name")
    ssm.set_defaults(handler=cmd_ssm)

    forward = sub.add_parser(
        "forward",
        help="forward a port of a notebook instance to this machine, until Ctrl-C",
        description="Start an SSM port forward (AWS-StartPortForwardingSession) to PORT on the"
        " instance, e.g. 8888 for Jupyter or 6006 for TensorBoard, on a free local port.",
    )
    forward.add_argument("name", help="notebook instance name")
    forward.add_argument("port", type=int, help="port on the instance (8888 Jupyter, 6006 TB)")
    forward.add_argument("--local-port", type=int, help="local port (default: a free one)")
    forward.set_defaults(handler=cmd_forward)

    doctor = sub.add_parser(
        "doctor",
        help="check what an SSM shell needs and say how to fix what is missing",
        description="Checks the plugin, your identity, the instance's managed node and its"
        " ping, the node's owner tag, the SSM instance tier and the calls that failed."
        " Exit status 1 when something blocks a shell.",
    )
    doctor.add_argument("name", nargs="?", help="notebook instance name (optional)")
    doctor.set_defaults(handler=cmd_doctor)


async def cmd_ssm(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.ssm.shell import plan_shell, run_shell

    key = await services.find(args.name)
    services = services.of(key)
    plan = await plan_shell(services, key)
    outcome = await run_shell(services, plan)
    print(sanitize_line(f"sagedeck: {key.name}: {outcome.summary}"), file=sys.stderr)
    return outcome.exit_code


async def cmd_forward(args: argparse.Namespace, services: AwsServices) -> int:
    import asyncio

    from sagedeck.ssm.port_forwards import PortForwards
    from sagedeck.system.shutdown import install_exit_signals

    key = await services.find(args.name)
    services = services.of(key)
    forwards = PortForwards.for_services(services)
    stop = asyncio.Event()
    install_exit_signals(lambda _signum: stop.set())
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    try:
        forward = await forwards.start(key, args.port, args.local_port)
        started = f"{forward.describe()}, session {forward.session_id}: Ctrl-C to end"
        print(sanitize_line(started), flush=True)
        stopped = asyncio.create_task(stop.wait())
        exited = asyncio.create_task(asyncio.to_thread(forward.process.wait))
        await asyncio.wait({stopped, exited}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if exited.done():
            # The plugin's last line: its own output, and AWS's messages in it, shown not sent.
            last = forward.output[-1] if forward.output else "no output"
            print(
                sanitize_line(f"sagedeck: the port forward ended on its own: {last}"),
                file=sys.stderr,
            )
            return 1
        return 0
    finally:
        await forwards.close_all()
        loop.remove_signal_handler(signal.SIGINT)


async def cmd_doctor(args: argparse.Namespace, services: AwsServices) -> int:
    from sagedeck.ssm.doctor import diagnose, render_text

    key: NotebookKey | None = None
    if args.name:
        try:
            key = await services.find(args.name)
            services = services.of(key)
        except AmbiguousName:
            raise
        except NotFound:
            key = NotebookKey(services.conn.regions[0], args.name)
    report = await diagnose(services, key)
    print(render_text(report))
    return 0 if report.healthy else 1
