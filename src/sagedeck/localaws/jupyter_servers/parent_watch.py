"""Ends the Jupyter server when the embedded AWS that started it is gone (runs in the Jupyter
process, as a server extension).

The gateway stops its servers on every orderly exit; a process killed outright (SIGKILL, a
closed terminal, a test run cut short) cannot. Each server runs in its own process group, so
nothing else would end it: it watches its parent and, once orphaned, ends its whole group
(its kernels and terminals too).
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from typing import Any

CHECK_SECONDS = 1.0
# The pid of the process that started the server, set by process.py: a parent killed while the
# server was still starting has left it orphaned before this extension loads, and
# ``os.getppid()`` read then would already be the reaper's.
PARENT_ENV = "SAGEDECK_JUPYTER_PARENT"


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(CHECK_SECONDS)
    socket_dir = os.environ.get("SAGEDECK_JUPYTER_SOCKET_DIR", "")
    if socket_dir.startswith("/tmp/sagedeck-jupyter-"):  # ours, outside the instance's home
        shutil.rmtree(socket_dir, ignore_errors=True)
    os.killpg(os.getpgrp(), signal.SIGTERM)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    parent = int(os.environ.get(PARENT_ENV) or os.getppid())
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()
