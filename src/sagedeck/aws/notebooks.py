"""SageMaker notebook instances: list, describe, act on, and the resources they point at."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sagedeck.aws import quick
from sagedeck.aws.paging import collect
from sagedeck.aws.regions import REGIONS_AT_ONCE
from sagedeck.aws.session import AwsConnection
from sagedeck.aws.shapes import summary_from_api, validate_name
from sagedeck.aws.translate import is_stale_token, translate_errors
from sagedeck.errors import (
    AmbiguousName,
    EndpointUnreachable,
    InvalidInput,
    NotFound,
    SagedeckError,
)
from sagedeck.models import (
    URL_SESSION_DEFAULT,
    URL_SESSION_MAX,
    URL_SESSION_MIN,
    CodeRepository,
    JupyterView,
    LifecycleConfig,
    NotebookDetail,
    NotebookKey,
    NotebookSummary,
    PresignedUrl,
    RegionListing,
    Tag,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

    Prefetched = tuple[tuple[str, ...], Future[list[RegionListing]], quick.Pages | None]

PAGE_SIZE = 100  # the API's maximum: one call per 100 instances
# AWS's pattern for NotebookInstanceName (botocore checks only the length).


def detail_from_api(
    item: Mapping[str, Any], region: str, profile: str | None = None
) -> NotebookDetail:
    imds = item.get("InstanceMetadataServiceConfiguration") or {}
    return NotebookDetail(
        summary=summary_from_api(item, region, profile=profile),
        failure_reason=item.get("FailureReason") or None,
        role_arn=item.get("RoleArn"),
        subnet_id=item.get("SubnetId"),
        security_groups=tuple(item.get("SecurityGroups") or ()),
        network_interface_id=item.get("NetworkInterfaceId"),
        direct_internet_access=item.get("DirectInternetAccess", "Enabled") == "Enabled",
        volume_size_gb=item.get("VolumeSizeInGB"),
        kms_key_id=item.get("KmsKeyId"),
        accelerator_types=tuple(item.get("AcceleratorTypes") or ()),
        root_access=item.get("RootAccess", "Enabled") == "Enabled",
        platform=item.get("PlatformIdentifier"),
        imds_min_version=imds.get("MinimumInstanceMetadataServiceVersion"),
        ip_address_type=item.get("IpAddressType"),
    )


def decode_script(content: str | None) -> str | None:
    """Lifecycle scripts travel base64-encoded; show them as text."""
    if content is None:
        return None
    try:
        return base64.b64decode(content, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return content


class SageMaker:
    """The notebook-instance calls, over one :class:`AwsConnection`. ``profile`` is stamped
    on every row and key it answers when several profiles are listed at once (None: one)."""

    def __init__(self, conn: AwsConnection, profile: str | None = None) -> None:
        self.conn = conn
        self.profile = profile
        self._prefetched: Prefetched | None = None

    def use_prefetched(
        self,
        regions: tuple[str, ...],
        listing: Future[list[RegionListing]],
        pages: quick.Pages | None = None,
    ) -> None:
        """A listing of ``regions`` already under way without botocore (the CLI starts one on
        the quick path while the dashboard loads): the first :meth:`list_regions` of those
        regions takes its result instead of asking again (and its ``pages`` as they come)."""
        self._prefetched = (regions, listing, pages)

    async def _client(self, region: str) -> Any:
        return await self.conn.client("sagemaker", region)

    # --- listing -------------------------------------------------------------------------

    async def list_region(
        self, region: str, on_page: Callable[[RegionListing], None] | None = None
    ) -> tuple[NotebookSummary, ...]:
        """Every notebook in ``region``, one call per 100. A page token that goes stale
        (the item it points at was deleted between pages) restarts the listing, as AWS advises.
        ``on_page`` hears the rows so far after each page."""
        client = await self._client(region)
        found: dict[str, NotebookSummary] = {}

        def page(items: Sequence[Any], first: bool) -> None:
            if first:
                found.clear()
            for item in items:
                summary = summary_from_api(item, region, profile=self.profile)
                found[summary.name] = summary
            if on_page is not None:
                on_page(RegionListing(region, tuple(found.values()), None, self.profile))

        with translate_errors(f"list notebooks in {region}", "sagemaker:ListNotebookInstances"):
            await collect(
                client.list_notebook_instances,
                {"MaxResults": PAGE_SIZE},
                "NotebookInstances",
                restart_if=is_stale_token,
                on_page=page,
            )
        return tuple(found.values())

    async def list_regions(
        self,
        regions: Iterable[str] | None = None,
        *,
        on_listing: Callable[[RegionListing], None] | None = None,
        limit: asyncio.Semaphore | None = None,
        on_page: Callable[[RegionListing], None] | None = None,
    ) -> list[RegionListing]:
        """Every region, :data:`REGIONS_AT_ONCE` at a time (or as ``limit`` allows, shared
        with other profiles' listings). A failing region gives its error; the others still
        list. ``on_listing`` hears each region as it answers, before the slowest has;
        ``on_page`` each region's rows so far, page by page (partial listings: the complete
        ones follow)."""
        regions = tuple(regions or self.conn.regions)
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None and prefetched[0] == regions:
            try:
                listings = await self._prefetched_listing(prefetched, on_page)
            except quick.Unsupported:
                pass  # not the plain case, or AWS answered otherwise: ask as always
            except EndpointUnreachable as err:  # as the ordinary path, after the same waits
                listings = [RegionListing(region, (), err, self.profile) for region in regions]
                return _heard(listings, on_listing)
            else:
                return _heard(listings, on_listing)
        bound = limit or asyncio.Semaphore(REGIONS_AT_ONCE)

        async def one(region: str) -> RegionListing:
            async with bound:
                try:
                    pages = () if on_page is None else (on_page,)  # as before, unless heard
                    rows = await self.list_region(region, *pages)
                    listing = RegionListing(region, rows, None)
                except SagedeckError as err:
                    listing = RegionListing(region, (), err)
            listing = replace(listing, profile=self.profile)
            if on_listing is not None:
                on_listing(listing)
            return listing

        return list(await asyncio.gather(*(one(r) for r in regions)))

    async def _prefetched_listing(
        self, prefetched: Prefetched, on_page: Callable[[RegionListing], None] | None
    ) -> list[RegionListing]:
        """The prefetch's result; meanwhile ``on_page`` hears its pages on this loop."""
        _, future, pages = prefetched
        if on_page is None or pages is None:
            if pages is not None:
                pages.release()
            return await asyncio.wrap_future(future)
        loop = asyncio.get_running_loop()
        shown: dict[str, int] = {}
        pending = False

        def deliver() -> None:
            nonlocal pending
            pending = False
            if future.done():
                return  # the complete listing follows: no page may overwrite it
            for region, rows in pages.latest().items():
                if shown.get(region) != len(rows):
                    shown[region] = len(rows)
                    on_page(RegionListing(region, rows, None, self.profile))

        def wake() -> None:  # on the prefetch's thread: many pages, one delivery per turn
            nonlocal pending
            if not pending:
                pending = True
                loop.call_soon_threadsafe(deliver)

        pages.listen(wake)
        deliver()  # the pages so far now, not a turn later: before the first frame is painted
        try:
            return await asyncio.wrap_future(future)
        finally:
            pages.listen(None)

    async def list_all(self, regions: Iterable[str] | None = None) -> list[NotebookSummary]:
        """All notebooks of all regions; raises the first region's error if every region failed."""
        listings = await self.list_regions(regions)
        failed = [listing for listing in listings if listing.error]
        if listings and len(failed) == len(listings):
            error = failed[0].error
            assert error is not None
            raise error
        return [nb for listing in listings for nb in listing.notebooks]

    async def find(self, name: str, region: str | None = None) -> NotebookKey:
        """Which region holds ``name``. A name in several regions asks for --region."""
        validate_name(name)
        if region:
            return NotebookKey(region, name, self.profile)
        if len(self.conn.regions) == 1:
            return NotebookKey(self.conn.regions[0], name, self.profile)

        async def has(region: str) -> bool:
            try:
                await self.describe(NotebookKey(region, name, self.profile))
            except NotFound:
                return False
            return True

        hits = await asyncio.gather(*(has(r) for r in self.conn.regions))
        regions = [r for r, hit in zip(self.conn.regions, hits, strict=True) if hit]
        if not regions:
            raise NotFound(f"no notebook instance named {name!r} in {', '.join(self.conn.regions)}")
        if len(regions) > 1:
            raise AmbiguousName(name, regions)
        return NotebookKey(regions[0], name, self.profile)

    # --- one instance --------------------------------------------------------------------

    async def describe(self, key: NotebookKey) -> NotebookDetail:
        client = await self._client(key.region)
        with _on_instance(key, "describe", "sagemaker:DescribeNotebookInstance"):
            item = await client.describe_notebook_instance(NotebookInstanceName=key.name)
        return detail_from_api(item, key.region, self.profile)

    async def start(self, key: NotebookKey) -> None:
        client = await self._client(key.region)
        with _on_instance(key, "start", "sagemaker:StartNotebookInstance"):
            await client.start_notebook_instance(NotebookInstanceName=key.name)

    async def stop(self, key: NotebookKey) -> None:
        client = await self._client(key.region)
        with _on_instance(key, "stop", "sagemaker:StopNotebookInstance"):
            await client.stop_notebook_instance(NotebookInstanceName=key.name)

    async def delete(self, key: NotebookKey) -> None:
        client = await self._client(key.region)
        with _on_instance(key, "delete", "sagemaker:DeleteNotebookInstance"):
            await client.delete_notebook_instance(NotebookInstanceName=key.name)

    async def update(
        self,
        key: NotebookKey,
        *,
        instance_type: str | None = None,
        volume_size_gb: int | None = None,
        role_arn: str | None = None,
        lifecycle_config: str | None = None,
        disassociate_lifecycle_config: bool = False,
        root_access: bool | None = None,
        imds_min_version: str | None = None,
    ) -> None:
        """UpdateNotebookInstance: AWS accepts it only when the instance is Stopped."""
        kwargs: dict[str, Any] = {"NotebookInstanceName": key.name}
        if instance_type is not None:
            kwargs["InstanceType"] = instance_type
        if volume_size_gb is not None:
            kwargs["VolumeSizeInGB"] = volume_size_gb
        if role_arn is not None:
            kwargs["RoleArn"] = role_arn
        if lifecycle_config is not None:
            kwargs["LifecycleConfigName"] = lifecycle_config
        if disassociate_lifecycle_config:
            kwargs["DisassociateLifecycleConfig"] = True
        if root_access is not None:
            kwargs["RootAccess"] = "Enabled" if root_access else "Disabled"
        if imds_min_version is not None:
            kwargs["InstanceMetadataServiceConfiguration"] = {
                "MinimumInstanceMetadataServiceVersion": imds_min_version
            }
        if len(kwargs) == 1:
            raise InvalidInput("update: nothing to change")
        client = await self._client(key.region)
        with _on_instance(key, "update", "sagemaker:UpdateNotebookInstance"):
            await client.update_notebook_instance(**kwargs)

    async def presigned_url(
        self,
        key: NotebookKey,
        view: JupyterView = JupyterView.CLASSIC,
        session_seconds: int = URL_SESSION_DEFAULT,
    ) -> PresignedUrl:
        """A sign-in URL, usable for 5 minutes; the session it opens lasts ``session_seconds``.
        A credential: read-only mode refuses it (:mod:`sagedeck.aws.read_only`)."""
        if not URL_SESSION_MIN <= session_seconds <= URL_SESSION_MAX:
            raise InvalidInput(
                f"URL session duration must be {URL_SESSION_MIN} to {URL_SESSION_MAX} seconds,"
                f" not {session_seconds}"
            )
        client = await self._client(key.region)
        with _on_instance(key, "create a URL for", "sagemaker:CreatePresignedNotebookInstanceUrl"):
            result = await client.create_presigned_notebook_instance_url(
                NotebookInstanceName=key.name,
                SessionExpirationDurationInSeconds=session_seconds,
            )
        url = view.authorized_url(result["AuthorizedUrl"])
        return PresignedUrl(url, key, view, datetime.now(UTC), session_seconds)

    async def tags(self, arn: str, region: str) -> tuple[Tag, ...]:
        client = await self._client(region)
        with translate_errors("list tags", "sagemaker:ListTags"):
            items = await collect(client.list_tags, {"ResourceArn": arn, "MaxResults": 100}, "Tags")
        return tuple(Tag(t["Key"], t.get("Value", "")) for t in items)

    async def add_tags(self, arn: str, region: str, tags: Mapping[str, str]) -> None:
        client = await self._client(region)
        with translate_errors("add tags", "sagemaker:AddTags"):
            await client.add_tags(
                ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )

    # --- lifecycle configurations and code repositories -----------------------------------

    async def lifecycle_config(self, name: str, region: str) -> LifecycleConfig:
        client = await self._client(region)
        with translate_errors(
            f"read lifecycle config {name}", "sagemaker:DescribeNotebookInstanceLifecycleConfig"
        ):
            item = await client.describe_notebook_instance_lifecycle_config(
                NotebookInstanceLifecycleConfigName=name
            )
        return LifecycleConfig(
            name=item["NotebookInstanceLifecycleConfigName"],
            arn=item["NotebookInstanceLifecycleConfigArn"],
            on_create=_script(item.get("OnCreate")),
            on_start=_script(item.get("OnStart")),
            created=item.get("CreationTime"),
            last_modified=item.get("LastModifiedTime"),
        )

    async def list_lifecycle_configs(self, region: str) -> tuple[str, ...]:
        client = await self._client(region)
        with translate_errors(
            "list lifecycle configs", "sagemaker:ListNotebookInstanceLifecycleConfigs"
        ):
            items = await collect(
                client.list_notebook_instance_lifecycle_configs,
                {"MaxResults": 100},
                "NotebookInstanceLifecycleConfigs",
            )
        return tuple(item["NotebookInstanceLifecycleConfigName"] for item in items)

    async def code_repository(self, name: str, region: str) -> CodeRepository:
        client = await self._client(region)
        with translate_errors(f"read code repository {name}", "sagemaker:DescribeCodeRepository"):
            item = await client.describe_code_repository(CodeRepositoryName=name)
        return _repository(item)

    async def list_code_repositories(self, region: str) -> tuple[CodeRepository, ...]:
        client = await self._client(region)
        with translate_errors("list code repositories", "sagemaker:ListCodeRepositories"):
            items = await collect(
                client.list_code_repositories, {"MaxResults": 100}, "CodeRepositorySummaryList"
            )
        return tuple(_repository(item) for item in items)


def _heard(
    listings: list[RegionListing], on_listing: Callable[[RegionListing], None] | None
) -> list[RegionListing]:
    if on_listing is not None:
        for listing in listings:
            on_listing(listing)
    return listings


def _repository(item: Mapping[str, Any]) -> CodeRepository:
    git = item.get("GitConfig") or {}
    return CodeRepository(
        name=item["CodeRepositoryName"],
        arn=item["CodeRepositoryArn"],
        url=git.get("RepositoryUrl", ""),
        branch=git.get("Branch"),
        secret_arn=git.get("SecretArn"),
        created=item.get("CreationTime"),
    )


def _script(hooks: Sequence[Mapping[str, str]] | None) -> str | None:
    if not hooks:
        return None
    return decode_script(hooks[0].get("Content"))


@contextmanager
def _on_instance(key: NotebookKey, action: str, permission: str) -> Iterator[None]:
    """Translate errors of a call on one instance, naming it when AWS says it is missing."""
    with translate_errors(f"{action} {key.name}", permission):
        try:
            yield
        except Exception as exc:
            _raise_not_found_for(exc, key)
            raise


def _raise_not_found_for(exc: Exception, key: NotebookKey) -> None:
    """AWS's ``RecordNotFound`` names no instance; say which one was missing."""
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        if error.get("Code") not in ("ValidationException", "ResourceNotFound"):
            return
        message = str(error.get("Message", ""))
        if "RecordNotFound" in message or "not found" in message.lower():
            raise NotFound(f"no notebook instance named {key.name!r} in {key.region}") from exc
