"""What the fault proxy injects, which calls it matches, and the error bodies AWS would send.

Each AWS protocol carries its errors differently, and botocore parses each one its own way, so a
throttle must look like the one the real service returns: SageMaker, CloudWatch Logs and SSM speak
JSON 1.1 (``__type``), EC2 its own XML (``<Response><Errors>``), IAM and STS the query XML
(``<ErrorResponse>``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import parse_qs
from xml.sax.saxutils import escape


class FaultKind(StrEnum):
    THROTTLE = "throttle"  # the protocol's throttling error
    ERROR = "error"  # 500 InternalFailure or 503 ServiceUnavailable
    LATENCY = "latency"  # wait ``seconds``, then go on (other faults still apply)
    RESET = "reset"  # close the connection with a TCP reset, no response
    HANG = "hang"  # no response until released, or for ``seconds``, then forward
    EXPIRED_TOKEN = "expired-token"  # the session token has expired
    DENY = "deny"  # access denied for this call


@dataclass(frozen=True, slots=True)
class Call:
    """One request as the proxy understood it."""

    service: str  # signing name: "sagemaker", "logs", "ec2", "iam"...
    operation: str  # "ListNotebookInstances"; "" when it cannot tell
    protocol: str  # "json", "query", "ec2" or "rest"
    region: str = ""

    def matches(self, pattern: str) -> bool:
        """``FilterLogEvents``, ``iam:GetRole`` or ``ec2:*``."""
        service, sep, operation = pattern.rpartition(":")
        if sep and service != self.service:
            return False
        return operation in ("*", self.operation)


@dataclass(frozen=True, slots=True)
class Fault:
    kind: FaultKind
    rate: float = 1.0  # share of the matching calls it hits
    operations: frozenset[str] = frozenset()  # patterns for Call.matches; empty: every call
    status: int = 503  # for ERROR: 500 or 503
    seconds: float | None = None  # LATENCY: the delay; HANG: how long (None: until released)
    times: int | None = None  # hit at most this many calls, then stop

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate must be within 0..1, not {self.rate}")
        if self.kind is FaultKind.ERROR and self.status not in (500, 503):
            raise ValueError(f"error status must be 500 or 503, not {self.status}")
        if self.kind is FaultKind.LATENCY and self.seconds is None:
            raise ValueError("latency needs seconds")
        if self.seconds is not None and self.seconds < 0:
            raise ValueError("seconds must not be negative")

    def applies_to(self, call: Call) -> bool:
        return not self.operations or any(call.matches(p) for p in self.operations)

    def describe(self) -> str:
        parts = [self.kind.value, f"rate={self.rate:g}"]
        if self.operations:
            parts.append("ops=" + ",".join(sorted(self.operations)))
        if self.kind is FaultKind.ERROR:
            parts.append(f"status={self.status}")
        if self.seconds is not None:
            parts.append(f"seconds={self.seconds:g}")
        if self.times is not None:
            parts.append(f"times={self.times}")
        return " ".join(parts)


def parse_fault(spec: str) -> Fault:
    """``throttle 0.3 ops=FilterLogEvents,iam:GetRole times=5``, ``latency 0.5``, ``error 0.1
    status=500``, ``hang seconds=20``: the kind, an optional bare number (the delay for latency,
    the rate for the others), then key=value pairs."""
    words = spec.split()
    if not words:
        raise ValueError("empty fault spec")
    try:
        kind = FaultKind(words[0])
    except ValueError:
        kinds = ", ".join(k.value for k in FaultKind)
        raise ValueError(f"unknown fault {words[0]!r} (one of {kinds})") from None
    values: dict[str, str] = {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep:
            key, value = ("seconds" if kind is FaultKind.LATENCY else "rate"), word
        values["ops" if key == "op" else key] = value
    unknown = set(values) - {"rate", "ops", "status", "seconds", "times"}
    if unknown:
        raise ValueError(f"unknown setting {sorted(unknown)[0]!r} in {spec!r}")
    ops = frozenset(p for p in values.get("ops", "").split(",") if p)
    return Fault(
        kind,
        rate=float(values.get("rate", 1.0)),
        operations=ops,
        status=int(values.get("status", 503)),
        seconds=float(values["seconds"]) if "seconds" in values else None,
        times=int(values["times"]) if "times" in values else None,
    )


# --- what the proxy keeps about its faults and calls ----------------------------------------


@dataclass(slots=True)
class ActiveFault:
    fault: Fault
    hits: int = 0

    @property
    def spent(self) -> bool:
        return self.fault.times is not None and self.hits >= self.fault.times


@dataclass(frozen=True, slots=True)
class Seen:
    """A call that reached the proxy and what was done to it (None: forwarded untouched)."""

    call: Call
    fault: FaultKind | None
    at: float


@dataclass(slots=True)
class Stats:
    requests: int = 0
    forwarded: int = 0
    hung_now: int = 0
    hangs: int = 0
    connections_now: int = 0
    injected: Counter[str] = field(default_factory=Counter)


# --- recognising the call -----------------------------------------------------------------

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_TARGET_PREFIXES = {"SageMaker": "sagemaker", "Logs_20140328": "logs", "AmazonSSM": "ssm"}


def identify(target: str, headers: Mapping[str, str], body: bytes) -> Call:
    """What ``headers`` (lower-cased names) and ``body`` ask for. JSON protocols name the
    operation in ``X-Amz-Target``; query protocols in ``Action=`` (body or query string); the
    service comes from the credential scope of the signature."""
    region, service = "", ""
    scope = _SCOPE.search(headers.get("authorization", ""))
    if scope:
        region, service = scope.group(1), scope.group(2)
    amz_target = headers.get("x-amz-target")
    if amz_target:
        prefix, _, operation = amz_target.rpartition(".")
        service = service or _TARGET_PREFIXES.get(prefix, prefix.lower())
        return Call(service, operation, "json", region)
    form: dict[str, list[str]] = {}
    if "x-www-form-urlencoded" in headers.get("content-type", ""):
        form = parse_qs(body.decode("utf-8", "replace"))
    if "Action" not in form and "?" in target:
        form = parse_qs(target.split("?", 1)[1])
    if "Action" in form:
        return Call(service, form["Action"][0], "ec2" if service == "ec2" else "query", region)
    return Call(service, "", "rest", region)


# --- the errors, as each protocol sends them ----------------------------------------------

# (status, code, message) per protocol; the EC2 codes differ from everyone else's.
_ERRORS: dict[tuple[str, str], tuple[int, str, str]] = {
    ("throttle", "json"): (400, "ThrottlingException", "Rate exceeded"),
    ("throttle", "query"): (400, "Throttling", "Rate exceeded"),
    ("throttle", "ec2"): (503, "RequestLimitExceeded", "Request limit exceeded."),
    ("500", "json"): (500, "InternalFailure", "We encountered an internal error."),
    ("500", "query"): (500, "InternalFailure", "We encountered an internal error."),
    ("500", "ec2"): (500, "InternalError", "An internal error has occurred."),
    ("503", "json"): (503, "ServiceUnavailable", "Service is unavailable."),
    ("503", "query"): (503, "ServiceUnavailable", "Service is unavailable."),
    ("503", "ec2"): (503, "Unavailable", "The server is overloaded and can't handle the request."),
    ("expired-token", "json"): (
        400,
        "ExpiredTokenException",
        "The security token included in the request is expired",
    ),
    ("expired-token", "query"): (
        403,
        "ExpiredToken",
        "The security token included in the request is expired",
    ),
    ("expired-token", "ec2"): (400, "RequestExpired", "Request has expired."),
    ("deny", "json"): (400, "AccessDeniedException", ""),
    ("deny", "query"): (403, "AccessDenied", ""),
    ("deny", "ec2"): (
        403,
        "UnauthorizedOperation",
        "You are not authorized to perform this operation.",
    ),
}
_DENIED = "User: arn:aws:iam::123456789012:user/sagedeck is not authorized to perform: {0}:{1}"


@dataclass(frozen=True, slots=True)
class ErrorReply:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    code: str = field(default="")


def error_reply(fault: Fault, call: Call) -> ErrorReply:
    """The response the real service would send for ``fault`` on ``call``."""
    key = str(fault.status) if fault.kind is FaultKind.ERROR else fault.kind.value
    protocol = call.protocol if call.protocol in ("query", "ec2") else "json"
    status, code, message = _ERRORS[(key, protocol)]
    message = message or _DENIED.format(call.service, call.operation)
    request_id = str(uuid.uuid4())
    if protocol == "json":
        payload = json.dumps({"__type": code, "message": message}).encode()
        headers: tuple[tuple[str, str], ...] = (
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", code),  # what rest-json clients read
        )
        return ErrorReply(status, headers, payload, code)
    if protocol == "ec2":
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{code}</Code><Message>{escape(message)}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
    else:
        kind = "Receiver" if status >= 500 else "Sender"
        xml = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>"
            f"<Message>{escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    headers = (("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id))
    return ErrorReply(status, headers, xml.encode(), code)
