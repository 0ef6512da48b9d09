"""Plain text and JSON rendering shared by the CLI and the TUI: tables, reports, log lines, the
sanitiser for text from outside (sanitize) and secret redaction (redact). Imports models and
errors only; never textual, never aws/ at import time."""
