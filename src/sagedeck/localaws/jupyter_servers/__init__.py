"""Real Jupyter servers for the embedded AWS's InService notebook instances.

:class:`JupyterGateway` is the notebook's front end (the presigned URL's sign-in and a proxy);
behind it, one ``jupyter_server`` process per instance (:mod:`.servers`), started on the first
sign-in, stopped when the instance leaves InService and when the embedded AWS stops.
``GATEWAY`` is the running one, which CreatePresignedNotebookInstanceUrl's answer points at.
"""

from __future__ import annotations

from .gateway import JupyterGateway, StatusOf

GATEWAY: list[JupyterGateway] = []  # the running gateway, when the embedded AWS runs one


def current() -> JupyterGateway | None:
    return GATEWAY[-1] if GATEWAY else None


__all__ = ["GATEWAY", "JupyterGateway", "StatusOf", "current"]
