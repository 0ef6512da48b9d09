"""Text from AWS, from a notebook or from the user's files, as the UI shows it: a
``rich.text.Text`` of sanitised text, never markup.

Textual and Rich read a ``str`` handed to a widget (``Static``, a ``DataTable`` cell, a border
title, a table row, an option, a notification with markup) as markup: an IAM role description
``access to [/data] bucket`` raises MarkupError, ``[link=https://…]Session expired[/link]``
becomes a clickable link. And a ``Text`` is printed as it is: an escape byte in it reaches the
terminal. So every value from outside goes through one of these two: its control characters
shown as visible stand-ins (:mod:`sagedeck.text.sanitize`), in a ``Text``, which is never parsed.
"""

from __future__ import annotations

from rich.style import StyleType
from rich.text import Text

from sagedeck.text.sanitize import sanitize, sanitize_line

__all__ = ["text_line", "text_lines"]


def text_line(value: str, style: StyleType = "") -> Text:
    """``value`` on one line (a name, a cell, a title): tab, newline and CR made visible too."""
    return Text(sanitize_line(value), style=style)


def text_lines(value: str, style: StyleType = "") -> Text:
    """``value`` shown as lines (a description, a failure reason, a message): tab, newline and
    CR LF kept."""
    return Text(sanitize(value), style=style)
