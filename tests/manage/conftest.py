"""The manage tests use the AWS layer's fixture (sagedeck's services on the embedded AWS)."""

from __future__ import annotations

from aws.conftest import layer

__all__ = ["layer"]
