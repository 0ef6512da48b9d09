"""Signature Version 4 of the quick path's one kind of request, a JSON POST to ``/`` (standard
library only); ``tests/aws/test_quick.py`` holds it to botocore's signer."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

from sagedeck.aws.quick.credentials import Credentials

SERVICE = "sagemaker"  # the signing name, unless told another (the Price List API: "pricing")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign(
    *,
    credentials: Credentials,
    region: str,
    host: str,
    body: bytes,
    headers: Mapping[str, str],
    when: datetime,
    service: str = SERVICE,
) -> dict[str, str]:
    """Signature Version 4 of a POST to ``/``: ``headers`` plus Host, X-Amz-Date, the session
    token and Authorization. Every given header is signed."""
    stamp = when.strftime("%Y%m%dT%H%M%SZ")
    signed = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    signed.update({"host": host, "x-amz-date": stamp})
    if credentials.token:
        signed["x-amz-security-token"] = credentials.token
    names = sorted(signed)
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(("AWS4" + credentials.secret_key).encode(), stamp[:8])
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    out = dict(headers)
    out.update({"Host": host, "X-Amz-Date": stamp})
    if credentials.token:
        out["X-Amz-Security-Token"] = credentials.token
    out["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return out
