"""A lifecycle configuration as one file to edit: both scripts, each under a marker line.

The file the editor opens::

    # sagedeck: lifecycle configuration "idle-stop" in us-east-1
    # ... how to edit ...
    #@sagedeck on-create
    <the OnCreate script>
    #@sagedeck on-start
    <the OnStart script>

A section left empty means no script. An emptied file cancels, as git's commit message does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sagedeck.aws.lifecycle import Scripts
from sagedeck.errors import InvalidInput

ON_CREATE_MARKER = "#@sagedeck on-create"
ON_START_MARKER = "#@sagedeck on-start"
_HELP = (
    "# Edit the two scripts below; save and quit to review the request before it is sent.",
    "# Both run as root: on-create once, when an instance is created; on-start on every start,",
    "# and a start fails if it runs over 5 minutes. A section left empty has no script.",
    "# Keep the two '#@sagedeck' marker lines. Empty the whole file to cancel.",
)


@dataclass(frozen=True, slots=True)
class Edited:
    """What came back from the editor: the two scripts (``""``: none), or cancelled."""

    on_create: str
    on_start: str

    def changes_from(self, on_create: str | None, on_start: str | None) -> Scripts:
        """The update to send: None for a script left as it was."""
        return Scripts(
            None if self.on_create == normal(on_create) else self.on_create,
            None if self.on_start == normal(on_start) else self.on_start,
        )


def normal(script: str | None) -> str:
    """A script as the file holds it: no trailing blank lines, one final newline."""
    if not script or not script.strip():
        return ""
    return script.rstrip("\n") + "\n"


def compose(name: str, region: str, on_create: str | None, on_start: str | None) -> str:
    return "".join(
        (
            f'# sagedeck: lifecycle configuration "{name}" in {region}\n',
            *(f"{line}\n" for line in _HELP),
            f"{ON_CREATE_MARKER}\n",
            normal(on_create),
            f"{ON_START_MARKER}\n",
            normal(on_start),
        )
    )


def parse(text: str) -> Edited | None:
    """The scripts in ``text``; None when the file was emptied (cancel)."""
    if not text.strip():
        return None
    # CR LF from an editor set for Windows: bash on the instance would read each CR as part
    # of a command ("$'\r': command not found").
    lines = text.replace("\r\n", "\n").splitlines(keepends=True)
    markers = [line.rstrip("\r\n") for line in lines]
    if markers.count(ON_CREATE_MARKER) != 1 or markers.count(ON_START_MARKER) != 1:
        raise InvalidInput(
            f"keep one {ON_CREATE_MARKER!r} and one {ON_START_MARKER!r} line in the file"
        )
    first, second = markers.index(ON_CREATE_MARKER), markers.index(ON_START_MARKER)
    if second < first:
        raise InvalidInput(f"{ON_CREATE_MARKER!r} must come before {ON_START_MARKER!r}")
    return Edited(
        on_create=normal("".join(lines[first + 1 : second])),
        on_start=normal("".join(lines[second + 1 :])),
    )
