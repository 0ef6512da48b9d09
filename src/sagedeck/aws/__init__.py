"""The only code that talks to AWS. Async on aiobotocore (but ``quick``, standard library
only); imports ``sagedeck.models``, ``sagedeck.errors`` and ``sagedeck.config``, never the UI,
the commands, textual or rich.

Submodules are imported where needed (``from sagedeck.aws.notebooks import SageMaker``) so
that importing this package costs nothing before the first paint.
"""
