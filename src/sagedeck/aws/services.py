"""One object that carries every AWS service sagedeck uses, built once by the CLI or a test."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from sagedeck.aws.notebooks import SageMaker
from sagedeck.aws.session import AwsConnection, AwsTarget
from sagedeck.config import DEFAULTS

if TYPE_CHECKING:
    from sagedeck.aws.lifecycle import LifecycleConfigs
    from sagedeck.aws.logs.client import CloudWatchLogs
    from sagedeck.aws.manage.calls import Manage
    from sagedeck.aws.pricing.client import Prices
    from sagedeck.aws.repos import CodeRepositories
    from sagedeck.aws.ssm import SessionManager


class AwsServices:
    """The AWS layer as the UI and the CLI see it. Close it when done."""

    def __init__(self, target: AwsTarget, *, ssm_tag_key: str = DEFAULTS.ssm_tag_key) -> None:
        self.target = target
        self.ssm_tag_key = ssm_tag_key  # the node tag that names the notebook (Settings)
        self.conn = AwsConnection(target)
        self.sagemaker = SageMaker(self.conn)

    @cached_property
    def logs(self) -> CloudWatchLogs:
        from sagedeck.aws.logs.client import CloudWatchLogs

        return CloudWatchLogs(self.conn)

    @cached_property
    def ssm(self) -> SessionManager:
        from sagedeck.aws.ssm import SessionManager

        return SessionManager(self.conn, tag_key=self.ssm_tag_key)

    @cached_property
    def lifecycle(self) -> LifecycleConfigs:
        from sagedeck.aws.lifecycle import LifecycleConfigs

        return LifecycleConfigs(self.sagemaker)

    @cached_property
    def repos(self) -> CodeRepositories:
        from sagedeck.aws.repos import CodeRepositories

        return CodeRepositories(self.sagemaker)

    @cached_property
    def manage(self) -> Manage:
        from sagedeck.aws.manage.calls import Manage

        return Manage(self.conn)

    @cached_property
    def prices(self) -> Prices:
        """Hourly prices, cached on disk for a day (``aws/pricing/``)."""
        from sagedeck.aws.pricing.cache import PriceCache
        from sagedeck.aws.pricing.client import Prices

        return Prices(self.conn, PriceCache(endpoint_url=self.target.endpoint_url))

    @property
    def read_only(self) -> bool:
        return self.target.read_only

    async def close(self) -> None:
        await self.conn.close()

    async def __aenter__(self) -> AwsServices:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
