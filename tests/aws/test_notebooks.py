"""The notebook calls of the AWS layer, over HTTP against the embedded AWS.

Ground truth comes from plain boto3 calls to the same endpoint, and time moves only when a test
steps the simulator: nothing here sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from sagedeck.aws.services import AwsServices
from sagedeck.aws.shapes import validate_name
from sagedeck.errors import AmbiguousName, InvalidInput, InvalidState, NotFound
from sagedeck.localaws import LocalAws
from sagedeck.models import JupyterView, NotebookKey, NotebookStatus

EAST, WEST = "us-east-1", "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240131T145746"


def boto_names(aws: LocalAws, region: str) -> set[str]:
    client = aws.client("sagemaker", region)
    names: set[str] = set()
    kwargs: dict[str, Any] = {"MaxResults": 100}
    while True:
        page = client.list_notebook_instances(**kwargs)
        names.update(nb["NotebookInstanceName"] for nb in page["NotebookInstances"])
        if not page.get("NextToken"):
            return names
        kwargs["NextToken"] = page["NextToken"]


def status_of(aws: LocalAws, key: NotebookKey) -> str:
    client = aws.client("sagemaker", key.region)
    status: str = client.describe_notebook_instance(NotebookInstanceName=key.name)[
        "NotebookInstanceStatus"
    ]
    return status


def create_many(aws: LocalAws, region: str, count: int, prefix: str = "bulk") -> list[str]:
    client = aws.client("sagemaker", region)
    names = [f"{prefix}-{i:04d}" for i in range(count)]

    def create(name: str) -> None:
        client.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, names))
    return names


# --- listing --------------------------------------------------------------------------------


async def test_lists_both_regions_concurrently(aws: LocalAws, layer: AwsServices) -> None:
    events: list[str] = []
    for region in aws.regions:
        client = await layer.conn.client("sagemaker", region)

        def before(region: str = region, **_: object) -> None:
            events.append(f"call {region}")

        def after(region: str = region, **_: object) -> None:
            events.append(f"done {region}")

        client.meta.events.register("before-call.sagemaker.ListNotebookInstances", before)
        client.meta.events.register("after-call.sagemaker.ListNotebookInstances", after)

    listings = await layer.sagemaker.list_regions()

    assert [listing.region for listing in listings] == [EAST, WEST]
    for listing in listings:
        assert listing.error is None
        assert {nb.name for nb in listing.notebooks} == boto_names(aws, listing.region)
        assert all(nb.region == listing.region for nb in listing.notebooks)
    # both requests were on the wire before either answer came back
    assert events[:2] == [f"call {EAST}", f"call {WEST}"]
    everything = await layer.sagemaker.list_all()
    assert len(everything) == sum(len(listing.notebooks) for listing in listings)
    assert {nb.key for nb in everything} >= {
        NotebookKey(EAST, "alice-sandbox"),
        NotebookKey(WEST, "alice-sandbox"),
    }


async def test_summary_carries_what_a_table_needs(layer: AwsServices) -> None:
    rows = {nb.name: nb for nb in await layer.sagemaker.list_region(EAST)}
    cv = rows["cv-training-gpu"]
    assert cv.status is NotebookStatus.IN_SERVICE
    assert cv.instance_type == "ml.p3.2xlarge"
    assert cv.url == "cv-training-gpu.notebook.us-east-1.sagemaker.aws"
    assert cv.default_code_repository == "ml-utils"
    assert cv.additional_code_repositories == ("sagemaker-examples",)
    assert cv.created.tzinfo is not None
    assert cv.created <= cv.last_modified
    assert rows["alice-sandbox"].lifecycle_config == "auto-stop-idle"
    statuses = {nb.status for nb in rows.values()}
    assert statuses >= {
        NotebookStatus.PENDING,
        NotebookStatus.IN_SERVICE,
        NotebookStatus.STOPPING,
        NotebookStatus.STOPPED,
        NotebookStatus.FAILED,
        NotebookStatus.UPDATING,
    }


@pytest.mark.timeout(60)
async def test_pagination_over_250_instances(aws: LocalAws, layer: AwsServices) -> None:
    created = create_many(aws, EAST, 260)
    pages: list[dict[str, object]] = []
    client = await layer.conn.client("sagemaker", EAST)
    client.meta.events.register(
        "before-parameter-build.sagemaker.ListNotebookInstances",
        lambda params, **_: pages.append(dict(params)),
    )

    listed = await layer.sagemaker.list_region(EAST)

    names = [nb.name for nb in listed]
    assert len(names) == len(set(names))
    assert set(names) == boto_names(aws, EAST)
    assert set(created) <= set(names)
    assert len(names) >= 271
    assert len(pages) == 3  # 100 a page, the API's maximum
    assert all(p["MaxResults"] == 100 for p in pages)
    assert ["NextToken" in p for p in pages] == [False, True, True]


@pytest.mark.timeout(60)
async def test_stale_page_token_restarts_listing(aws: LocalAws, layer: AwsServices) -> None:
    """Delete the instance the page token points at between two pages: the token goes stale
    (the embedded AWS answers as moto's paginator does) and the listing starts over."""
    create_many(aws, EAST, 150)
    aws.simulator.settle()  # every new instance InService: stoppable, then deletable
    boto = aws.client("sagemaker", EAST)
    calls: list[dict[str, object]] = []
    deleted: list[str] = []

    def between_pages(params: dict[str, object], **_: object) -> None:
        calls.append(dict(params))
        token = params.get("NextToken")
        if token and not deleted:
            pointed = boto.list_notebook_instances(NextToken=token, MaxResults=1)
            name = pointed["NotebookInstances"][0]["NotebookInstanceName"]
            boto.stop_notebook_instance(NotebookInstanceName=name)
            aws.simulator.settle()
            boto.delete_notebook_instance(NotebookInstanceName=name)
            aws.simulator.settle()
            deleted.append(name)

    client = await layer.conn.client("sagemaker", EAST)
    client.meta.events.register(
        "before-parameter-build.sagemaker.ListNotebookInstances", between_pages
    )

    listed = {nb.name for nb in await layer.sagemaker.list_region(EAST)}

    assert deleted, "the test never reached a second page"
    assert deleted[0] not in listed
    assert listed == boto_names(aws, EAST)
    # first page, refused second page, then the whole listing again
    assert ["NextToken" in c for c in calls] == [False, True, False, True]


async def test_unknown_region_entry_is_reported_not_raised(
    aws: LocalAws, layer: AwsServices
) -> None:
    listings = await layer.sagemaker.list_regions([EAST, "ap-south-1"])
    assert [listing.error for listing in listings] == [None, None]
    assert listings[1].notebooks == ()  # a region with nothing in it


# --- finding a name -------------------------------------------------------------------------


async def test_find_in_the_only_region_holding_it(layer: AwsServices) -> None:
    assert await layer.sagemaker.find("eu-forecasting") == NotebookKey(WEST, "eu-forecasting")
    assert await layer.sagemaker.find("nb") == NotebookKey(EAST, "nb")


async def test_find_a_name_in_two_regions_asks_for_region(layer: AwsServices) -> None:
    with pytest.raises(AmbiguousName) as info:
        await layer.sagemaker.find("alice-sandbox")
    assert info.value.regions == (WEST, EAST)
    assert info.value.exit_code == 2
    assert "--region" in str(info.value)
    key = await layer.sagemaker.find("alice-sandbox", region=WEST)
    assert key == NotebookKey(WEST, "alice-sandbox")


async def test_find_unknown_name(layer: AwsServices) -> None:
    with pytest.raises(
        NotFound, match="no notebook instance named 'ghost' in us-east-1, eu-west-1"
    ):
        await layer.sagemaker.find("ghost")


@pytest.mark.parametrize("name", ["", "-x", "x-", "a_b", "a b", "é", "x" * 64, "a\nb"])
async def test_impossible_names_are_refused_before_any_call(layer: AwsServices, name: str) -> None:
    with pytest.raises(InvalidInput, match="not a notebook instance name"):
        await layer.sagemaker.find(name)


def test_possible_names() -> None:
    for name in ("a", "nb-dev", "a--b", "x" * 63, "A1"):
        assert validate_name(name) == name


# --- describe -------------------------------------------------------------------------------


async def test_describe_vpc_instance(aws: LocalAws, layer: AwsServices) -> None:
    detail = await layer.sagemaker.describe(NotebookKey(EAST, "fraud-detection"))
    truth = aws.client("sagemaker", EAST).describe_notebook_instance(
        NotebookInstanceName="fraud-detection"
    )
    assert detail.status is NotebookStatus.STOPPED
    assert detail.subnet_id == truth["SubnetId"]
    assert detail.security_groups == tuple(truth["SecurityGroups"])
    assert detail.network_interface_id == truth["NetworkInterfaceId"]
    assert detail.network_interface_id is not None
    assert detail.network_interface_id.startswith("eni-")
    assert detail.direct_internet_access is False
    assert detail.volume_size_gb == 50
    assert detail.platform == "notebook-al2-v2"
    assert detail.imds_min_version == "2"
    assert detail.root_access is True
    assert detail.role_name == "AmazonSageMaker-ExecutionRole-20240131T145746"
    assert detail.summary.lifecycle_config == "auto-stop-idle"
    assert detail.summary.default_code_repository == "fraud-detection"


async def test_describe_failed_instance_has_reason(layer: AwsServices) -> None:
    detail = await layer.sagemaker.describe(NotebookKey(EAST, "nlp-finetune"))
    assert detail.status is NotebookStatus.FAILED
    assert detail.failure_reason
    assert detail.kms_key_id


async def test_describe_internet_only_instance(layer: AwsServices) -> None:
    detail = await layer.sagemaker.describe(NotebookKey(EAST, "alice-sandbox"))
    assert detail.direct_internet_access is True
    assert detail.network_interface_id is None
    assert detail.subnet_id is None


async def test_describe_unknown(layer: AwsServices) -> None:
    with pytest.raises(NotFound) as info:
        await layer.sagemaker.describe(NotebookKey(WEST, "nb"))
    assert str(info.value) == "no notebook instance named 'nb' in eu-west-1"


# --- actions and their legal states ---------------------------------------------------------


@pytest.mark.parametrize("action", ["start", "stop", "delete", "update", "url"])
async def test_actions_on_a_missing_instance_name_it(layer: AwsServices, action: str) -> None:
    key = NotebookKey(WEST, "nb")  # nb lives in us-east-1 only
    calls: dict[str, Callable[[NotebookKey], Awaitable[object]]] = {
        "start": layer.sagemaker.start,
        "stop": layer.sagemaker.stop,
        "delete": layer.sagemaker.delete,
        "update": lambda k: layer.sagemaker.update(k, volume_size_gb=10),
        "url": layer.sagemaker.presigned_url,
    }
    with pytest.raises(NotFound) as info:
        await calls[action](key)
    assert str(info.value) == "no notebook instance named 'nb' in eu-west-1"


async def test_start_goes_pending_then_in_service(aws: LocalAws, layer: AwsServices) -> None:
    key = NotebookKey(EAST, "nb-dev")
    await layer.sagemaker.start(key)
    assert (await layer.sagemaker.describe(key)).status is NotebookStatus.PENDING
    aws.simulator.settle()
    assert (await layer.sagemaker.describe(key)).status is NotebookStatus.IN_SERVICE


async def test_start_from_failed_is_allowed(aws: LocalAws, layer: AwsServices) -> None:
    key = NotebookKey(EAST, "nlp-finetune")
    await layer.sagemaker.start(key)
    assert (await layer.sagemaker.describe(key)).status is NotebookStatus.PENDING


@pytest.mark.parametrize("name", ["alice-sandbox", "bob-experiments", "recsys-prototype"])
async def test_start_refused_outside_stopped_or_failed(
    aws: LocalAws, layer: AwsServices, name: str
) -> None:
    key = NotebookKey(EAST, name)
    before = status_of(aws, key)
    with pytest.raises(InvalidState) as info:
        await layer.sagemaker.start(key)
    assert set(info.value.allowed) == {"Stopped", "Failed"}
    assert f"it is {before}" in str(info.value)
    assert status_of(aws, key) == before


async def test_stop_goes_stopping_then_stopped(aws: LocalAws, layer: AwsServices) -> None:
    key = NotebookKey(WEST, "eu-vision-gpu")
    await layer.sagemaker.stop(key)
    assert (await layer.sagemaker.describe(key)).status is NotebookStatus.STOPPING
    aws.simulator.settle()
    assert (await layer.sagemaker.describe(key)).status is NotebookStatus.STOPPED


@pytest.mark.parametrize("name", ["nb-dev", "nlp-finetune", "bob-experiments"])
async def test_stop_refused_unless_in_service(aws: LocalAws, layer: AwsServices, name: str) -> None:
    key = NotebookKey(EAST, name)
    before = status_of(aws, key)
    with pytest.raises(InvalidState) as info:
        await layer.sagemaker.stop(key)
    assert info.value.allowed == ("InService",)
    assert status_of(aws, key) == before


@pytest.mark.parametrize("name", ["nb-dev", "nlp-finetune"])  # Stopped, Failed
async def test_delete_from_stopped_or_failed(aws: LocalAws, layer: AwsServices, name: str) -> None:
    key = NotebookKey(EAST, name)
    await layer.sagemaker.delete(key)
    assert (await layer.sagemaker.describe(key)).status is NotebookStatus.DELETING
    aws.simulator.settle()
    with pytest.raises(NotFound):
        await layer.sagemaker.describe(key)
    assert name not in boto_names(aws, EAST)


@pytest.mark.parametrize("name", ["alice-sandbox", "bob-experiments", "churn-model"])
async def test_delete_refused_otherwise(aws: LocalAws, layer: AwsServices, name: str) -> None:
    key = NotebookKey(EAST, name)
    before = status_of(aws, key)
    with pytest.raises(InvalidState) as info:
        await layer.sagemaker.delete(key)
    assert set(info.value.allowed) == {"Stopped", "Failed"}
    assert status_of(aws, key) == before


async def test_update_when_stopped(aws: LocalAws, layer: AwsServices) -> None:
    key = NotebookKey(EAST, "fraud-detection")
    await layer.sagemaker.update(
        key, instance_type="ml.m5.2xlarge", volume_size_gb=80, imds_min_version="2"
    )
    assert (await layer.sagemaker.describe(key)).status is NotebookStatus.UPDATING
    aws.simulator.settle()
    detail = await layer.sagemaker.describe(key)
    assert detail.status is NotebookStatus.STOPPED
    assert detail.summary.instance_type == "ml.m5.2xlarge"
    assert detail.volume_size_gb == 80


async def test_update_lifecycle_and_root_access(aws: LocalAws, layer: AwsServices) -> None:
    key = NotebookKey(EAST, "nb-dev")
    await layer.sagemaker.update(key, disassociate_lifecycle_config=True, root_access=False)
    aws.simulator.settle()
    detail = await layer.sagemaker.describe(key)
    assert detail.summary.lifecycle_config is None
    assert detail.root_access is False


@pytest.mark.parametrize("name", ["alice-sandbox", "nlp-finetune", "recsys-prototype"])
async def test_update_refused_unless_stopped(aws: LocalAws, layer: AwsServices, name: str) -> None:
    key = NotebookKey(EAST, name)
    before = status_of(aws, key)
    with pytest.raises(InvalidState) as info:
        await layer.sagemaker.update(key, volume_size_gb=500)
    assert info.value.allowed == ("Stopped",)
    assert status_of(aws, key) == before


async def test_update_with_nothing_to_change(layer: AwsServices) -> None:
    with pytest.raises(InvalidInput, match="nothing to change"):
        await layer.sagemaker.update(NotebookKey(EAST, "nb-dev"))


async def test_volume_can_only_grow(aws: LocalAws, layer: AwsServices) -> None:
    key = NotebookKey(EAST, "fraud-detection")  # 50 GB
    with pytest.raises(InvalidInput, match="can only be increased"):
        await layer.sagemaker.update(key, volume_size_gb=10)
    assert status_of(aws, key) == "Stopped"


# --- presigned URLs -------------------------------------------------------------------------


async def test_presigned_url_classic_and_lab(layer: AwsServices) -> None:
    key = NotebookKey(EAST, "alice-sandbox")
    classic = await layer.sagemaker.presigned_url(key)
    assert "/alice-sandbox.notebook.us-east-1.sagemaker.aws?" in classic.url  # the local sign-in
    assert "authToken=" in classic.url
    assert "view=lab" not in classic.url
    assert classic.view is JupyterView.CLASSIC
    assert classic.session_seconds == 43200
    assert classic.notebook == key
    lab = await layer.sagemaker.presigned_url(key, JupyterView.LAB, 3600)
    assert lab.url.endswith("&view=lab")
    assert lab.url.count("?") == 1
    assert lab.session_seconds == 3600
    assert lab.url != classic.url  # a fresh token each time
    assert lab.url not in repr(lab)


@pytest.mark.parametrize("seconds", [1800, 43200])
async def test_presigned_url_duration_bounds_accepted(layer: AwsServices, seconds: int) -> None:
    sent: list[object] = []
    client = await layer.conn.client("sagemaker", EAST)
    client.meta.events.register(
        "before-parameter-build.sagemaker.CreatePresignedNotebookInstanceUrl",
        lambda params, **_: sent.append(params["SessionExpirationDurationInSeconds"]),
    )
    url = await layer.sagemaker.presigned_url(NotebookKey(EAST, "nb"), session_seconds=seconds)
    assert url.session_seconds == seconds
    assert sent == [seconds]


@pytest.mark.parametrize("seconds", [0, 1799, 43201, -1])
async def test_presigned_url_duration_out_of_range(layer: AwsServices, seconds: int) -> None:
    sent: list[object] = []
    client = await layer.conn.client("sagemaker", EAST)
    client.meta.events.register(
        "before-call.sagemaker.CreatePresignedNotebookInstanceUrl",
        lambda **_: sent.append(1),
    )
    with pytest.raises(InvalidInput, match="1800 to 43200"):
        await layer.sagemaker.presigned_url(NotebookKey(EAST, "nb"), session_seconds=seconds)
    assert sent == []


async def test_presigned_url_of_unknown_instance(layer: AwsServices) -> None:
    with pytest.raises(NotFound):
        await layer.sagemaker.presigned_url(NotebookKey(EAST, "ghost"))


# --- tags, lifecycle configurations, code repositories --------------------------------------


async def test_tags(aws: LocalAws, layer: AwsServices) -> None:
    detail = await layer.sagemaker.describe(NotebookKey(EAST, "fraud-detection"))
    tags = {t.key: t.value for t in await layer.sagemaker.tags(detail.summary.arn, EAST)}
    assert tags["team"] == "risk"
    assert tags["env"] == "prod"


async def test_add_tags_overwrites(aws: LocalAws, layer: AwsServices) -> None:
    arn = (await layer.sagemaker.describe(NotebookKey(EAST, "nb"))).summary.arn
    await layer.sagemaker.add_tags(arn, EAST, {"env": "staging", "ticket": "ML-42"})
    tags = await layer.sagemaker.tags(arn, EAST)
    keys = [t.key for t in tags]
    assert len(keys) == len(set(keys))
    assert {t.key: t.value for t in tags}["env"] == "staging"
    assert {t.key: t.value for t in tags}["ticket"] == "ML-42"


async def test_tags_of_unknown_arn(layer: AwsServices) -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/ghost"
    with pytest.raises(NotFound):
        await layer.sagemaker.tags(arn, EAST)


async def test_lifecycle_config_scripts_are_decoded(layer: AwsServices) -> None:
    config = await layer.sagemaker.lifecycle_config("auto-stop-idle", EAST)
    assert config.name == "auto-stop-idle"
    assert config.arn.endswith(":notebook-instance-lifecycle-config/auto-stop-idle")
    assert config.on_start is not None
    assert config.on_start.startswith("#!/bin/bash")
    assert "idle" in config.on_start.lower()
    names = await layer.sagemaker.list_lifecycle_configs(EAST)
    assert "auto-stop-idle" in names
    assert len(names) == len(set(names))
    for name in names:
        decoded = await layer.sagemaker.lifecycle_config(name, EAST)
        for script in (decoded.on_create, decoded.on_start):
            assert script is None or script.startswith("#!")


async def test_unknown_lifecycle_config(layer: AwsServices) -> None:
    with pytest.raises(NotFound):
        await layer.sagemaker.lifecycle_config("nope", EAST)


async def test_code_repositories(layer: AwsServices) -> None:
    repo = await layer.sagemaker.code_repository("ml-utils", EAST)
    assert repo.name == "ml-utils"
    assert repo.url.startswith("https://")
    assert repo.arn.endswith(":code-repository/ml-utils")
    listed = {r.name: r for r in await layer.sagemaker.list_code_repositories(EAST)}
    assert listed["ml-utils"].url == repo.url
    assert "sagemaker-examples" in listed


async def test_unknown_code_repository(layer: AwsServices) -> None:
    with pytest.raises(NotFound):
        await layer.sagemaker.code_repository("nope", EAST)


# --- the clients are shared and concurrent calls are safe ----------------------------------


async def test_many_concurrent_describes(layer: AwsServices) -> None:
    keys = [NotebookKey(EAST, n) for n in ("nb", "nb-dev", "alice-sandbox", "fraud-detection")]
    details = await asyncio.gather(*(layer.sagemaker.describe(k) for k in keys * 5))
    assert [d.name for d in details] == [k.name for k in keys * 5]
