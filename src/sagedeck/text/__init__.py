"""Plain text and JSON rendering shared by the CLI and the TUI: tables, reports, log lines.
Imports models and errors only; never textual, never aws/ at import time."""
