"""The calls that make and change notebook instances: create, update, tags.

Each refuses in read-only mode before anything else happens (``conn.require_allowed``), and
every AWS failure comes out as one of :mod:`sagedeck.errors`' one-line errors.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sagedeck.aws.manage.fields import NAME_KEY
from sagedeck.aws.manage.requests import clone_params
from sagedeck.aws.paging import collect
from sagedeck.aws.translate import translate_errors
from sagedeck.errors import AwsError, InvalidInput

if TYPE_CHECKING:
    from sagedeck.aws.session import AwsConnection

CREATE = "sagemaker:CreateNotebookInstance"
UPDATE = "sagemaker:UpdateNotebookInstance"
DESCRIBE = "sagemaker:DescribeNotebookInstance"
LIST_TAGS = "sagemaker:ListTags"
ADD_TAGS = "sagemaker:AddTags"
DELETE_TAGS = "sagemaker:DeleteTags"


@contextmanager
def _refused_by_aws(action: str, permission: str) -> Iterator[None]:
    """Like translate_errors, but AWS's ValidationException stays an AWS error (exit status 1):
    the request passed sagedeck's checks, so what AWS refused (a role it cannot assume, a subnet
    that does not exist) is about the account, not about how the command was typed."""
    try:
        with translate_errors(action, permission):
            yield
    except InvalidInput as err:
        from botocore.exceptions import ClientError

        if not isinstance(err.__cause__, ClientError):  # not AWS's answer
            raise
        raise AwsError(str(err)) from err


class Manage:
    """Create, clone, update and tag notebook instances over one connection."""

    def __init__(self, conn: AwsConnection) -> None:
        self.conn = conn

    async def _client(self, region: str) -> Any:
        return await self.conn.client("sagemaker", region)

    async def create(self, region: str, params: Mapping[str, Any]) -> str:
        """CreateNotebookInstance with ``params`` (NotebookInstanceName among them); the ARN.
        An empty value (None, "", []) means "not set" and is not sent."""
        self.conn.require_allowed(CREATE)
        params = {k: v for k, v in params.items() if v not in (None, "", [], ())}
        name = params.get(NAME_KEY, "")
        client = await self._client(region)
        with _refused_by_aws(f"create {name}", CREATE):
            answer = await client.create_notebook_instance(**params)
        return str(answer.get("NotebookInstanceArn", ""))

    async def update(self, region: str, name: str, params: Mapping[str, Any]) -> None:
        """UpdateNotebookInstance on ``name`` with ``params`` (members without the name)."""
        self.conn.require_allowed(UPDATE)
        client = await self._client(region)
        with _refused_by_aws(f"update {name}", UPDATE):
            await client.update_notebook_instance(**{NAME_KEY: name, **params})

    async def describe(self, region: str, name: str) -> dict[str, Any]:
        """DescribeNotebookInstance's answer, the ``current`` that validate_update and
        update_params compare against."""
        client = await self._client(region)
        with translate_errors(f"describe {name}", DESCRIBE):
            answer = await client.describe_notebook_instance(NotebookInstanceName=name)
        return {k: v for k, v in answer.items() if k != "ResponseMetadata"}

    async def tags(self, region: str, arn: str) -> list[dict[str, str]]:
        client = await self._client(region)
        with translate_errors("list tags", LIST_TAGS):
            items = await collect(client.list_tags, {"ResourceArn": arn, "MaxResults": 100}, "Tags")
        return [{"Key": t["Key"], "Value": t.get("Value", "")} for t in items]

    async def describe_for_clone(self, region: str, name: str) -> dict[str, Any]:
        """Every setting of ``name`` as CreateNotebookInstance members (no name, no ``aws:``
        tags): the request a clone starts from."""
        described = await self.describe(region, name)
        tags = await self.tags(region, str(described["NotebookInstanceArn"]))
        return clone_params(described, tags)

    async def add_tags(self, region: str, arn: str, tags: Sequence[Mapping[str, str]]) -> None:
        """AddTags: a key that exists takes the new value."""
        self.conn.require_allowed(ADD_TAGS)
        client = await self._client(region)
        with _refused_by_aws("add tags", ADD_TAGS):
            await client.add_tags(
                ResourceArn=arn, Tags=[{"Key": t["Key"], "Value": t.get("Value", "")} for t in tags]
            )

    async def delete_tags(self, region: str, arn: str, keys: Sequence[str]) -> None:
        self.conn.require_allowed(DELETE_TAGS)
        client = await self._client(region)
        with _refused_by_aws("remove tags", DELETE_TAGS):
            await client.delete_tags(ResourceArn=arn, TagKeys=list(keys))
