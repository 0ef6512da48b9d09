"""Jupyter's authentication behind the embedded AWS's sign-in gateway (runs in the Jupyter process).

On SageMaker, the notebook's front end signs the browser in and Jupyter trusts it; Jupyter itself
still checks the XSRF token of every mutating request and the ``Origin`` of websockets. Here the
gateway proves itself with a secret header that only it knows (from the environment of the
process it started). The user it vouches for is *not* token-authenticated, so Jupyter enforces
XSRF and its origin check exactly as it does for a browser signed in with cookies.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

from jupyter_server.auth.identity import IdentityProvider, User

SECRET_HEADER = "X-Sagedeck-Gateway"
SECRET_ENV = "SAGEDECK_GATEWAY_SECRET"


class GatewayIdentity(IdentityProvider):
    """A request is ec2-user's when it carries the gateway's secret; nothing else signs in."""

    def get_user(self, handler: Any) -> User | None:
        secret = os.environ.get(SECRET_ENV, "")
        given = handler.request.headers.get(SECRET_HEADER, "")
        if secret and hmac.compare_digest(given.encode(), secret.encode()):
            return User(username="ec2-user", name="ec2-user", display_name="ec2-user")
        return None

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return False

    def is_token_authenticated(self, handler: Any) -> bool:
        return False
