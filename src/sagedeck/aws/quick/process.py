"""A profile's ``credential_process``, run as botocore's ProcessProvider runs it (standard
library only): split as a POSIX shell would, no shell, stdout read as JSON of version 1,
stderr captured. Any failure is :class:`Unsupported`: the ordinary path runs it again and
reports what went wrong in sagedeck's words."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from datetime import UTC, datetime

from sagedeck.aws.quick.cli_cache import expiry
from sagedeck.aws.quick.credentials import Credentials
from sagedeck.aws.quick.unsupported import Unsupported


def run(command: str) -> Credentials:
    if sys.platform == "win32":  # botocore splits by the Windows rules there
        raise Unsupported("credential_process on Windows")
    try:
        argv = shlex.split(command)
        done = subprocess.run(argv, capture_output=True, check=False)
    except (ValueError, OSError):
        raise Unsupported("credential_process did not run") from None
    if done.returncode != 0:
        raise Unsupported("credential_process failed")
    try:
        parsed = json.loads(done.stdout.decode("utf-8"))
        if parsed.get("Version") != 1:
            raise Unsupported("credential_process version")
        access, secret = parsed["AccessKeyId"], parsed["SecretAccessKey"]
        token, ends = parsed.get("SessionToken"), parsed.get("Expiration")
    except (ValueError, KeyError, AttributeError):
        raise Unsupported("credential_process output") from None
    if not all(isinstance(value, str) and value for value in (access, secret)):
        raise Unsupported("credential_process output")
    if token is not None and not isinstance(token, str):
        raise Unsupported("credential_process output")
    if ends is not None:
        # botocore would refresh expired credentials (run it again) and fail: its call
        when = expiry(ends)
        if when is None or when <= datetime.now(UTC):
            raise Unsupported("credential_process expiry")
    return Credentials(access, secret, token or None)
