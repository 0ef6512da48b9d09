"""What a notebook instance's Jupyter server writes to ``<name>/jupyter.log``, by platform.

Amazon Linux 1 and the first AL2 platform run the classic Notebook server (short time stamps),
``notebook-al2-v2`` runs JupyterLab 3 on Jupyter Server 1.x and the newer platforms JupyterLab 4
on Jupyter Server 2.x.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Flavour:
    app: str  # the logger name in the prefix: NotebookApp or ServerApp
    long_date: bool  # Jupyter Server prints the date, the classic server only the time
    server: str
    lab: str
    python: str

    def prefix(self, level: str, epoch_ms: int, app: str | None = None) -> str:
        when = datetime.fromtimestamp(epoch_ms / 1000, UTC)
        stamp = when.strftime("%Y-%m-%d %H:%M:%S" if self.long_date else "%H:%M:%S")
        return f"[{level} {stamp}.{epoch_ms % 1000:03d} {app or self.app}]"

    def line(self, level: str, epoch_ms: int, text: str, app: str | None = None) -> str:
        return f"{self.prefix(level, epoch_ms, app)} {text}"


_CLASSIC = Flavour("NotebookApp", False, "Jupyter Notebook 6.5.7", "1.2.21", "3.6")
_FLAVOURS = {
    "notebook-al1-v1": Flavour("NotebookApp", False, "Jupyter Notebook 5.7.10", "1.2.18", "3.6"),
    "notebook-al2-v1": _CLASSIC,
    "notebook-al2-v2": Flavour("ServerApp", True, "Jupyter Server 1.24.0", "3.6.8", "3.10"),
    "notebook-al2-v3": Flavour("ServerApp", True, "Jupyter Server 2.14.2", "4.2.5", "3.10"),
    "notebook-al2023-v1": Flavour("ServerApp", True, "Jupyter Server 2.14.2", "4.2.5", "3.11"),
}


def flavour(platform: str | None) -> Flavour:
    return _FLAVOURS.get(platform or "", _FLAVOURS["notebook-al2023-v1"])


def host_name(notebook_name: str, region: str) -> str:
    """The instance's private DNS name, stable for a notebook (derived from its name)."""
    digest = hashlib.sha256(f"{region}/{notebook_name}".encode()).digest()
    ip = f"172-16-{digest[0] % 64 + 1}-{digest[1] % 250 + 2}"
    suffix = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    return f"ip-{ip}.{suffix}"


def private_ip(notebook_name: str, region: str) -> str:
    return host_name(notebook_name, region).split(".")[0].removeprefix("ip-").replace("-", ".")


ENV_ROOT = "/home/ec2-user/anaconda3/envs/JupyterSystemEnv"


def startup(style: Flavour, host: str) -> list[tuple[str, str, str]]:
    """(level, app, text) lines from launch to "is running at"."""
    site = f"{ENV_ROOT}/lib/python{style.python}/site-packages"
    if style.app == "NotebookApp":
        return [
            ("I", "NotebookApp", "[nb_conda_kernels] enabled, 12 kernels found"),
            ("I", "NotebookApp", f"JupyterLab extension loaded from {site}/jupyterlab"),
            (
                "I",
                "NotebookApp",
                f"JupyterLab application directory is {ENV_ROOT}/share/jupyter/lab",
            ),
            ("I", "NotebookApp", "[nb_conda] enabled"),
            (
                "I",
                "NotebookApp",
                "Serving notebooks from local directory: /home/ec2-user/SageMaker",
            ),
            ("I", "NotebookApp", f"{style.server} is running at:"),
            ("I", "NotebookApp", f"https://{host}:8443/"),
            (
                "I",
                "NotebookApp",
                "Use Control-C to stop this server and shut down all kernels "
                "(twice to skip confirmation).",
            ),
        ]
    return [
        ("I", "ServerApp", "jupyter_server_proxy | extension was successfully linked."),
        ("I", "ServerApp", "jupyterlab | extension was successfully linked."),
        ("I", "ServerApp", "jupyterlab_git | extension was successfully linked."),
        ("I", "ServerApp", "nb_conda_kernels | extension was successfully linked."),
        ("I", "ServerApp", "sagemaker_nbi_agent | extension was successfully linked."),
        ("W", "ServerApp", "notebook_dir is deprecated, use root_dir"),
        (
            "I",
            "ServerApp",
            "Writing Jupyter server cookie secret to "
            "/home/ec2-user/.local/share/jupyter/runtime/jupyter_cookie_secret",
        ),
        ("I", "nb_conda_kernels", "[nb_conda_kernels] enabled, 12 kernels found"),
        ("I", "LabApp", f"JupyterLab extension loaded from {site}/jupyterlab"),
        ("I", "LabApp", f"JupyterLab application directory is {ENV_ROOT}/share/jupyter/lab"),
        ("I", "ServerApp", "jupyterlab | extension was successfully loaded."),
        ("I", "ServerApp", "jupyterlab_git | extension was successfully loaded."),
        ("I", "ServerApp", "sagemaker_nbi_agent | extension was successfully loaded."),
        ("I", "ServerApp", "Serving notebooks from local directory: /home/ec2-user/SageMaker"),
        ("I", "ServerApp", f"{style.server} is running at:"),
        ("I", "ServerApp", f"http://{host}:8443/lab"),
        ("I", "ServerApp", "    http://127.0.0.1:8443/lab"),
        (
            "I",
            "ServerApp",
            "Use Control-C to stop this server and shut down all kernels "
            "(twice to skip confirmation).",
        ),
    ]


def shutdown(style: Flavour, kernel_ids: list[str]) -> list[tuple[str, str, str]]:
    """(level, app, text) lines a clean stop writes (SIGTERM from the instance shutdown)."""
    app = style.app
    lines = [("C", app, "received signal 15, stopping")]
    if app == "ServerApp":
        lines.append(("I", app, "Shutting down 5 extensions"))
    count = len(kernel_ids)
    lines.append(("I", app, f"Shutting down {count} kernel{'s' if count != 1 else ''}"))
    lines += [("I", app, f"Kernel shutdown: {kernel}") for kernel in kernel_ids]
    lines.append(("I", app, "Shutting down 0 terminals"))
    return lines


def kernel_id(rng: random.Random) -> str:
    """A version-4 UUID as Jupyter prints for kernels and sessions, from ``rng``."""
    digits = f"{rng.getrandbits(128):032x}"
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-a{digits[17:20]}-{digits[20:]}"
