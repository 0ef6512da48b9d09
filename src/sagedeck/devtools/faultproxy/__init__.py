"""A fault-injecting HTTP proxy between sagedeck and an AWS endpoint (the embedded one in tests
and the demo): throttling and 5xx errors in each service's wire format, added latency, reset
connections, hung requests, refused connections, expired tokens and denied calls. Imports aiohttp
and the standard library; nothing else of sagedeck.

Run it by hand with ``python -m sagedeck.devtools.faultproxy --upstream http://127.0.0.1:4566``; see
docs/reliability.md.
"""

from sagedeck.devtools.faultproxy.faults import (
    Call,
    Fault,
    FaultKind,
    Seen,
    Stats,
    error_reply,
    identify,
    parse_fault,
)
from sagedeck.devtools.faultproxy.server import FaultProxy

__all__ = [
    "Call",
    "Fault",
    "FaultKind",
    "FaultProxy",
    "Seen",
    "Stats",
    "error_reply",
    "identify",
    "parse_fault",
]
