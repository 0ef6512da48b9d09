"""The few errors a person can act on. Each carries one line that says what to do."""

from __future__ import annotations

from collections.abc import Iterable


class SagedeckError(Exception):
    """Base class: ``str(err)`` is one line fit for a status bar or stderr."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(SagedeckError):
    """The named resource does not exist (in that region)."""


class InvalidState(SagedeckError):
    """The action is not allowed in the resource's current state."""

    def __init__(self, message: str, allowed: Iterable[str] = ()) -> None:
        self.allowed = tuple(allowed)
        if self.allowed and "allowed" not in message:
            message = f"{message} (allowed when {' or '.join(self.allowed)})"
        super().__init__(message)


class AccessDenied(SagedeckError):
    """The caller lacks a permission; ``permission`` names it (``iam:GetRole``)."""

    def __init__(self, permission: str, detail: str = "") -> None:
        self.permission = permission
        message = f"not allowed: {permission}"
        if detail:
            message = f"{message} ({detail})"
        super().__init__(message)


class Throttled(SagedeckError):
    """AWS is rate-limiting this call; it is retried later."""


class CredentialsError(SagedeckError):
    """No credentials, or they expired: the message names the command that fixes it."""


class EndpointUnreachable(SagedeckError):
    """The endpoint refused, timed out or could not be resolved."""


class ReadOnly(SagedeckError):
    """Read-only mode refused a call before anything was sent (see sagedeck.aws.read_only):
    ``reason`` says why, ``operation`` names the call (``sagemaker:StartNotebookInstance``).
    Exit status 2, as for bad input: the flags forbid what was asked."""

    exit_code = 2

    def __init__(self, reason: str, operation: str = "") -> None:
        self.operation = operation
        super().__init__(f"read-only mode: {reason}; run without --read-only")


class InvalidInput(SagedeckError):
    """Bad input from the user: a flag, a name, a duration, a config value."""

    exit_code = 2


class AmbiguousName(InvalidInput):
    """A name exists in several regions."""

    def __init__(self, name: str, regions: Iterable[str], flag: str = "--region") -> None:
        self.regions = tuple(sorted(regions))
        super().__init__(f"{name!r} exists in {', '.join(self.regions)}: choose one with {flag}")


class AwsError(SagedeckError):
    """Any other error AWS returned, with its code and message on one line."""
