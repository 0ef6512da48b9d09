"""The sanitiser's cost per log line, beside the obvious alternative (``str.translate``):

    python -m bench.sanitize

Not part of ``python -m bench``: it needs no AWS and takes a few seconds. What it showed when
the sanitiser was written, on 2 cores shared with other jobs (the figures moved with the load,
the ratios did not): a search, then a sub only where needed, costs 0.4-1.4 µs on a clean
110-character line, ASCII or not, and 1.5-3 µs on a line with colour codes; ``str.translate``
with the same stand-ins is 4-10 times slower (2-6 µs clean ASCII, 8-20 µs non-ASCII), since
every character goes through a dict lookup once the table maps to non-ASCII strings. A
character class alone, without an alternative for CR LF, scans about three times faster.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable

from sagedeck.text.sanitize import _STAND_IN, sanitize, sanitize_line

LINES = {
    "plain ASCII": "[I 2024-05-01 12:00:00.000 ServerApp] Kernel started: 4f1c0d9e-1234-5678"
    "-9abc-def012345678 for path notebook.ipynb",
    "colour codes": "\x1b[32m[I 2024-05-01 12:00:00.000 ServerApp]\x1b[0m Kernel started: "
    "4f1c0d9e-1234-5678-9abc-def012345678",
    "non-ASCII": "[I 2024-05-01 12:00:00.000 ServerApp] Kernel started: café 日本語 — naïve "
    "résumé for path notebook.ipynb",
    "tabs": "epoch\t1\tloss\t0.25 [I 2024-05-01 12:00:00.000 ServerApp] Kernel started: 4f1c",
}

_TABLE = {ord(char): stand_in for char, stand_in in _STAND_IN.items() if char not in "\t\n"}


def translated(text: str) -> str:
    return text.translate(_TABLE)


def per_call_ns(function: Callable[[str], str], text: str, number: int = 20_000) -> float:
    best = min(timeit.repeat(lambda: function(text), number=number, repeat=5))
    return best / number * 1e9


def main() -> None:
    functions: list[Callable[[str], str]] = [sanitize, sanitize_line, translated]
    print(f"{'line':14}" + "".join(f"{f.__name__:>16}" for f in functions))
    for name, text in LINES.items():
        cells = "".join(f"{per_call_ns(f, text):13.0f} ns" for f in functions)
        print(f"{name:14}{cells}")


if __name__ == "__main__":
    main()
