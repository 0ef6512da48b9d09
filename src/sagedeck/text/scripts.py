"""Lifecycle scripts as the CLI prints them: sanitised first (a script is whoever wrote it's
text), then, on a terminal, highlighted as shell by Pygments (Rich's own highlighter, which
the CLI may not import)."""

from __future__ import annotations

from sagedeck.text.sanitize import sanitize


def shell_text(script: str, *, colour: bool) -> str:
    """``script`` safe to print: its control characters shown as stand-ins; with ``colour``,
    ANSI colours from Pygments' bash lexer around the sanitised text (the only escapes in the
    output are the highlighter's)."""
    safe = sanitize(script)
    if not colour:
        return safe.rstrip("\n")
    # No stubs for Pygments in the dev tools: its three names are used as documented.
    from pygments import highlight  # type: ignore[import-untyped]
    from pygments.formatters import TerminalFormatter  # type: ignore[import-untyped]
    from pygments.lexers import BashLexer  # type: ignore[import-untyped]

    coloured: str = highlight(safe, BashLexer(), TerminalFormatter())
    return coloured.rstrip("\n")
