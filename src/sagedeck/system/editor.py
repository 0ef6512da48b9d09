"""Edit text in the user's editor, as git does for a commit message: ``$VISUAL``, else
``$EDITOR``, else ``vi``, on a private temporary file that is deleted afterwards."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from sagedeck.errors import SagedeckError


def editor_command() -> list[str]:
    """The editor as the user set it; ``code --wait`` and the like keep their arguments."""
    for variable in ("VISUAL", "EDITOR"):
        value = os.environ.get(variable, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError:
                raise SagedeckError(f"${variable} cannot be parsed: {value!r}") from None
            if words:
                return words
    return ["vi"]


def edit_text(
    text: str,
    *,
    suffix: str = ".txt",
    hand_over: Callable[[], AbstractContextManager[Any]] = nullcontext,
) -> str:
    """``text`` as the user left it in the editor. The file is created readable by the user
    alone (``mkstemp``: mode 0600) and removed whatever happens. ``hand_over`` wraps the time
    the editor owns the terminal (the TUI suspends itself). An editor that fails (exit status
    not 0, as ``:cq`` in vim) changes nothing: :class:`SagedeckError`."""
    command = editor_command()
    descriptor, name = tempfile.mkstemp(prefix="sagedeck-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        try:
            with hand_over():
                status = subprocess.run([*command, str(path)], check=False).returncode
        except FileNotFoundError:
            raise SagedeckError(f"editor {command[0]!r} not found: set $EDITOR") from None
        if status != 0:
            raise SagedeckError(f"the editor ({command[0]}) exited with status {status}")
        return path.read_text(encoding="utf-8", errors="replace")
    finally:
        path.unlink(missing_ok=True)
