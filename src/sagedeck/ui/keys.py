"""Every key of the dashboard, declared once with an id (rebind it in the config's ``[keys]``).

The habits are k9s's where k9s has one: ``/`` filter, ``?`` help, ``l`` logs, ``s`` shell,
``shift+f`` port-forward, ``ctrl+d`` delete, ``c`` copy, ``space`` mark, shift+letter sorts.
"""

from __future__ import annotations

from textual.binding import Binding

# Actions read-only mode refuses: hidden (not greyed) in --read-only mode. Those that change
# AWS, and the presigned URL, which opens a terminal on the instance (sagedeck.aws.read_only).
MUTATING = frozenset({"start", "stop", "delete", "open", "copy_url", "shell_jupyter"})
# Creating and changing instances (the form, the tag editor): refused in read-only mode too.
MUTATING |= {"create", "clone", "edit", "edit_refused", "tags"}
# SSM sessions (a shell, a port forward): a way into the instance, refused in read-only mode.
MUTATING |= {"shell", "port_forward"}

# Category of each binding id, for the help screen.
CATEGORIES: dict[str, str] = {}


def _group(category: str, *bindings: Binding) -> list[Binding]:
    for binding in bindings:
        assert binding.id is not None
        CATEGORIES[binding.id] = category
    return list(bindings)


DASHBOARD_BINDINGS: list[Binding] = [
    *_group(
        "Instance",
        Binding("u", "start", "Start", id="start"),
        Binding("x", "stop", "Stop", id="stop"),
        Binding("ctrl+d", "delete", "Delete", id="delete"),
        Binding("o", "open('lab')", "Open Lab", id="open_lab"),
        Binding("O", "open('classic')", "Open Jupyter", id="open_classic", show=False),
        Binding("y", "copy_url('lab')", "Copy URL", id="copy_url_lab"),
        Binding("Y", "copy_url('classic')", "Copy Jupyter URL", id="copy_url_classic", show=False),
        Binding("c", "copy_name", "Copy name", id="copy_name", show=False),
        Binding("C", "copy_arn", "Copy ARN", id="copy_arn", show=False),
        Binding("p", "copy_proxy", "Copy proxy URL", id="copy_proxy", show=False),
        Binding("l", "logs", "Logs", id="logs"),
        Binding("s", "shell", "Shell", id="shell"),
        Binding("J", "shell_jupyter", "Shell through Jupyter", id="shell_jupyter", show=False),
        Binding("F", "port_forward", "Port-forward", id="port_forward", show=False),
        Binding("D", "doctor", "SSM doctor", id="doctor", show=False),
        Binding("n", "create", "Create", id="create", tooltip="Create a notebook instance"),
        Binding("ctrl+n", "clone", "Clone instance…", id="clone", show=False),
        Binding(
            "e",
            "edit",
            "Edit",
            id="edit",
            tooltip="Edit its settings: only when Stopped (AWS's rule)",
        ),
        Binding("t", "tags", "Tags", id="tags", show=False),
    ),
    *_group(
        "Fleet",
        Binding("space", "mark", "Mark", id="mark", show=False),
        Binding("ctrl+backslash", "clear_marks", "Clear marks", id="clear_marks", show=False),
        Binding("slash", "filter", "Filter", id="filter", key_display="/"),
        Binding("escape", "back", "Clear filter/marks", id="back", show=False),
        Binding("ctrl+r", "refresh", "Refresh", id="refresh"),
        Binding("P", "switch_target", "Profile/regions", id="switch_target"),
        Binding("f", "forgotten", "Forgotten instances", id="forgotten", show=False),
    ),
    *_group(
        "Manage",
        Binding(
            "L",
            "lifecycle_configs",
            "Lifecycle configurations",
            id="lifecycle_configs",
            show=False,
        ),
        Binding("ctrl+g", "repositories", "Git repositories", id="repositories", show=False),
    ),
    *_group(
        "View",
        Binding("d", "toggle_detail", "Detail", id="toggle_detail"),
        Binding("v", "flip_detail", "Detail right/bottom", id="flip_detail", show=False),
        Binding("j", "cursor('down')", "Down", id="cursor_down", show=False),
        Binding("k", "cursor('up')", "Up", id="cursor_up", show=False),
        Binding("g", "cursor('top')", "First row", id="cursor_top", show=False),
        Binding("G", "cursor('bottom')", "Last row", id="cursor_bottom", show=False),
        Binding("N", "sort('name')", "Sort by name", id="sort_name", show=False),
        Binding("S", "sort('status')", "Sort by status", id="sort_status", show=False),
        Binding("A", "sort('age')", "Sort by time in state", id="sort_age", show=False),
        Binding("T", "sort('type')", "Sort by type", id="sort_type", show=False),
        Binding("R", "sort('region')", "Sort by region", id="sort_region", show=False),
        Binding(
            "dollar_sign",
            "sort('price')",
            "Sort by price",
            id="sort_price",
            show=False,
            key_display="$",
        ),
        Binding("M", "sort('cost')", "Sort by run cost", id="sort_cost", show=False),
    ),
]

# Bindings that only say why a greyed key does nothing now: tried after the key's own binding
# (Textual tries the next binding of a key when one is not enabled), never listed.
REFUSALS: list[Binding] = [
    Binding("e", "edit_refused", "", id="edit_refused", show=False),  # not Stopped
]

APP_BINDINGS: list[Binding] = _group(
    "App",
    Binding("question_mark", "help", "Help", id="help", key_display="?"),
    Binding("ctrl+p", "command_palette", "Commands", id="palette", show=False, priority=True),
    Binding("colon", "command_palette", "Commands (k9s)", id="palette_colon", show=False),
    Binding("q", "quit", "Quit", id="quit"),
)

# The lifecycle-configuration and Git-repository screens. Their mutating keys are hidden in
# read-only mode, as the dashboard's MUTATING are.
CATALOG_MUTATING = frozenset({"new", "edit", "delete"})

LIFECYCLE_BINDINGS: list[Binding] = _group(
    "Lifecycle configurations",
    Binding("n", "new", "New", id="lifecycle_new"),
    Binding("e", "edit", "Edit in $EDITOR", id="lifecycle_edit"),
    Binding("ctrl+d", "delete", "Delete", id="lifecycle_delete"),
    Binding("ctrl+r", "refresh", "Refresh", id="lifecycle_refresh"),
    Binding("escape", "close", "Back", id="lifecycle_close"),
)

REPOSITORY_BINDINGS: list[Binding] = _group(
    "Git repositories",
    Binding("n", "new", "Add", id="repository_add"),
    Binding("ctrl+d", "delete", "Delete", id="repository_delete"),
    Binding("ctrl+r", "refresh", "Refresh", id="repository_refresh"),
    Binding("escape", "close", "Back", id="repository_close"),
)
