"""The only code that talks to AWS. Async on aiobotocore; never imports textual.

Submodules are imported where needed (``from sagedeck.aws.notebooks import SageMaker``) so
that importing this package costs nothing before the first paint.
"""
