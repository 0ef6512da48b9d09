"""Turn botocore's exceptions into the few sagedeck errors a person can act on.

This is the boundary: nothing above ``sagedeck.aws`` sees a botocore exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from botocore import exceptions as bce

from sagedeck.errors import (
    AccessDenied,
    AwsError,
    CredentialsError,
    EndpointUnreachable,
    InvalidInput,
    InvalidState,
    NotFound,
    SagedeckError,
    Throttled,
)
from sagedeck.text.sanitize import one_line

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "LimitExceededException",
    }
)
DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}
)
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
CREDENTIAL_CODES = frozenset(
    {
        *EXPIRED_CODES,
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "AuthFailure",
        "MissingAuthenticationToken",
        "IncompleteSignature",
    }
)
# What a list call answers when the NextToken it was given no longer points anywhere (the item
# it named was deleted between pages). AWS says ValidationException; moto says InvalidToken.
STALE_TOKEN_CODES = frozenset(
    {
        "InvalidToken",
        "InvalidNextToken",
        "InvalidNextTokenException",
        "InvalidPaginationToken",
        "InvalidPaginationTokenException",
    }
)
NOT_FOUND_CODES = frozenset(
    {
        "ResourceNotFound",
        "ResourceNotFoundException",
        "NoSuchEntity",
        "InvalidNetworkInterfaceID.NotFound",
        "InvalidInstanceId",
        "DoesNotExistException",
    }
)
_TRANSITION = re.compile(r"Status \((\w+)\) not in \(\[([^\]]*)\]\)")
_NOT_FOUND_TEXT = re.compile(
    r"RecordNotFound|does not exist|(could|can)(not| not|'t) find|not found", re.I
)

FIX_CREDENTIALS = "run `aws configure` (keys) or `aws sso login` (SSO)"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ``ClientError`` (``""`` for anything else)."""
    if isinstance(exc, bce.ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def is_stale_token(exc: BaseException) -> bool:
    """True when a list call refused its NextToken: the caller restarts the listing."""
    code = error_code(exc)
    if code in STALE_TOKEN_CODES:
        return True
    if code == "ValidationException" and isinstance(exc, bce.ClientError):
        message = str(exc.response.get("Error", {}).get("Message", "")).lower()
        return "token" in message or "pagination" in message
    return False


def translate_client_error(err: bce.ClientError, action: str, permission: str) -> SagedeckError:
    error = err.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = _first_line(str(error.get("Message", "")))
    if code in THROTTLING_CODES:
        return Throttled(f"throttled by AWS during {action} (too many requests): try again shortly")
    if code in DENIED_CODES:
        return AccessDenied(permission, action)
    if code in EXPIRED_CODES:
        return CredentialsError(f"the AWS credentials have expired ({code}): {FIX_CREDENTIALS}")
    if code in CREDENTIAL_CODES:
        return CredentialsError(f"AWS rejected the credentials ({code}): {FIX_CREDENTIALS}")
    if code in NOT_FOUND_CODES:
        return NotFound(f"{action}: {message or 'not found'}")
    if code == "ValidationException":
        transition = _TRANSITION.search(message)
        if transition:
            current = transition.group(1)
            allowed = [s.strip() for s in transition.group(2).split(",") if s.strip()]
            return InvalidState(f"cannot {action}: it is {current}", allowed)
        if _NOT_FOUND_TEXT.search(message):
            return NotFound(f"cannot {action}: not found")
        return InvalidInput(f"cannot {action}: {message}")
    return AwsError(f"{action} failed: {code}: {message}" if message else f"{action}: {code}")


def translate_exception(exc: BaseException, action: str, permission: str) -> SagedeckError | None:
    """The sagedeck error for ``exc``, or None when it is not an AWS failure."""
    if isinstance(exc, SagedeckError):
        return exc
    if isinstance(exc, bce.ClientError):
        return translate_client_error(exc, action, permission)
    if isinstance(exc, bce.NoCredentialsError):
        return CredentialsError(f"no AWS credentials found: {FIX_CREDENTIALS}")
    if isinstance(
        exc,
        bce.TokenRetrievalError
        | bce.SSOTokenLoadError
        | bce.UnauthorizedSSOTokenError
        | bce.SSOError,
    ):
        return CredentialsError("the SSO session has expired: run `aws sso login`")
    if isinstance(
        exc,
        bce.CredentialRetrievalError | bce.PartialCredentialsError | bce.UnknownCredentialError,
    ):
        return CredentialsError(f"could not get AWS credentials ({_short(exc)}): {FIX_CREDENTIALS}")
    if isinstance(exc, bce.ProfileNotFound):
        return InvalidInput(f"unknown AWS profile {exc.kwargs.get('profile')!r}")
    if isinstance(exc, bce.ConfigParseError):
        return InvalidInput(f"the AWS config file cannot be parsed: {exc.kwargs.get('path')}")
    if isinstance(exc, bce.NoRegionError):
        return InvalidInput("no AWS region: pass --region or set AWS_REGION")
    if isinstance(
        exc,
        bce.EndpointConnectionError
        | bce.ConnectTimeoutError
        | bce.ReadTimeoutError
        | bce.ConnectionClosedError
        | bce.HTTPClientError,
    ):
        return EndpointUnreachable(f"AWS endpoint unreachable during {action}: {_short(exc)}")
    if isinstance(exc, bce.ParamValidationError):
        report = str(exc.kwargs.get("report", "")) or str(exc)
        return InvalidInput(f"cannot {action}: {_short(one_line(report))}")
    if isinstance(exc, bce.BotoCoreError):
        return AwsError(f"{action} failed: {_short(exc)}")
    if isinstance(exc, TimeoutError | ConnectionError | OSError):
        return EndpointUnreachable(f"AWS endpoint unreachable during {action}: {_short(exc)}")
    return None


def _short(exc: BaseException | str) -> str:
    text = exc if isinstance(exc, str) else (_first_line(str(exc)) or type(exc).__name__)
    return text if len(text) <= 160 else text[:157] + "…"


@contextmanager
def translate_errors(action: str, permission: str) -> Iterator[None]:
    """Re-raise AWS failures inside the block as sagedeck errors.

    ``action`` reads as a verb phrase ("start alice-sandbox"); ``permission`` is the IAM action
    the call needs ("sagemaker:StartNotebookInstance"), named when access is denied.
    """
    try:
        yield
    except Exception as exc:
        translated = translate_exception(exc, action, permission)
        if translated is None or translated is exc:
            raise
        raise translated from exc
