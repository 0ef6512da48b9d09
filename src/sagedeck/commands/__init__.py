"""Subcommands of the ``sagedeck`` CLI, one module per area, each with ``register()``."""
