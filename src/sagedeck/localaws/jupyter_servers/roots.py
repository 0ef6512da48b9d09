"""Each instance's home on this machine: /home/ec2-user as a temporary directory.

Like the instance's EBS volume, it outlives a stop and start (the files are still there) and goes
away with the embedded AWS. Jupyter's root is ``SageMaker`` in it, as on a notebook instance.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

README = """# {name}

This is the embedded AWS's stand-in for the notebook instance {name} ({region}):
a real Jupyter Server runs here, with this directory as its root
(/home/ec2-user/SageMaker on a notebook instance).
"""


def _notebook() -> str:
    cell: dict[str, object] = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": ["import platform\n", "platform.python_version()"],
    }
    notebook = {
        "cells": [cell],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1) + "\n"


@dataclass(frozen=True, slots=True)
class InstanceHome:
    base: Path  # the instance's directory under the embedded AWS's temporary directory

    @property
    def home(self) -> Path:
        return self.base / "home" / "ec2-user"

    @property
    def root(self) -> Path:
        return self.home / "SageMaker"

    @property
    def runtime(self) -> Path:
        return self.base / "jupyter"

    @classmethod
    def create(cls, parent: Path, region: str, name: str) -> InstanceHome:
        """The instance's home under ``parent``, seeded the first time."""
        safe = re.sub(r"[^A-Za-z0-9-]", "_", f"{region}--{name}")
        home = cls(parent / safe)
        if not home.root.exists():
            home.root.mkdir(parents=True)
            (home.root / "README.md").write_text(README.format(name=name, region=region))
            (home.root / "getting-started.ipynb").write_text(_notebook())
        home.runtime.mkdir(mode=0o700, exist_ok=True)
        return home
