"""One object that carries every AWS service sagedeck uses, built once by the CLI or a test."""

from __future__ import annotations

from sagedeck.aws.notebooks import SageMaker
from sagedeck.aws.session import AwsConnection, AwsTarget


class AwsServices:
    """The AWS layer as the UI and the CLI see it. Close it when done."""

    def __init__(self, target: AwsTarget) -> None:
        self.target = target
        self.conn = AwsConnection(target)
        self.sagemaker = SageMaker(self.conn)

    @property
    def read_only(self) -> bool:
        return self.target.read_only

    async def close(self) -> None:
        await self.conn.close()

    async def __aenter__(self) -> AwsServices:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
