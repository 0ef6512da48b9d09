"""A page at ``/tree`` (and ``/lab``) when no Jupyter front end is installed (runs in the Jupyter
process, as a server extension).

On a notebook instance the sign-in lands on Jupyter's or JupyterLab's page. JupyterLab is not
in the demo extra (docs/performance.md), so without it this page is what the demo's ``o`` opens:
the instance's files, and where the API and terminals are. Like any Jupyter page it sets the
``_xsrf`` cookie. With JupyterLab (or the Notebook) installed, theirs are served instead.
"""

from __future__ import annotations

import html
import importlib.util
import os
from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{user}: Jupyter Server</title></head>
<body style="font-family: sans-serif; max-width: 50em; margin: 2em auto">
<h1>Jupyter Server on the embedded AWS</h1>
<p>A real Jupyter Server for this notebook instance, signed in through its presigned URL.
JupyterLab is not installed here (<code>pip install jupyterlab</code> adds it); the REST API,
kernels and terminals all work: <code>sagedeck shell</code>, <code>exec</code> and
<code>cp</code> use them.</p>
<h2>Files in /home/ec2-user/SageMaker</h2>
<ul>{files}</ul>
</body></html>
"""


class LandingHandler(JupyterHandler):
    @web.authenticated
    def get(self, *args: Any) -> None:
        self.xsrf_token  # noqa: B018 (sets the _xsrf cookie, as every Jupyter page does)
        root = str(getattr(self.contents_manager, "root_dir", "."))
        names = sorted(os.listdir(root)) if os.path.isdir(root) else []
        files = "".join(f"<li>{html.escape(name)}</li>" for name in names) or "<li>(empty)</li>"
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(PAGE.format(user=html.escape(os.environ.get("USER", "")), files=files))


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    base = serverapp.base_url
    pages = []
    if importlib.util.find_spec("notebook") is None:
        pages.append("tree")
    if importlib.util.find_spec("jupyterlab") is None:
        pages.append("lab")
    handlers = [(url_path_join(base, page) + r"(.*)", LandingHandler) for page in pages]
    serverapp.web_app.add_handlers(".*$", handlers)
