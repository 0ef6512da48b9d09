"""The embedded Price List API (moto has none), over HTTP with boto3, as AWS answers it:
``PriceList`` is a list of JSON strings; DescribeServices lists the attribute names,
GetAttributeValues their values; filters, pages and errors in AWS's shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagedeck.localaws import LocalAws, pricing

SERVICE = "AmazonSageMaker"


@pytest.fixture
def client(aws: LocalAws) -> Iterator[Any]:
    yield aws.client("pricing", "us-east-1")
    pricing.set_denied(False)


def term(field: str, value: str) -> dict[str, str]:
    return {"Type": "TERM_MATCH", "Field": field, "Value": value}


def test_get_products_answers_json_strings_with_on_demand_hourly_prices(client: Any) -> None:
    answer = client.get_products(
        ServiceCode=SERVICE,
        Filters=[term("regionCode", "us-east-1"), term("instanceName", "ml.p3.2xlarge")],
    )
    assert answer["FormatVersion"] == "aws_v1"
    items = answer["PriceList"]
    assert items
    assert all(isinstance(item, str) for item in items)
    products = [json.loads(item) for item in items]
    usage = {p["product"]["attributes"]["usagetype"]: p for p in products}
    # One ml.* type is priced as a notebook, for training and for hosting.
    assert set(usage) == {
        "USE1-Notebk:ml.p3.2xlarge",
        "USE1-Train:ml.p3.2xlarge",
        "USE1-Host:ml.p3.2xlarge",
    }
    notebook = usage["USE1-Notebk:ml.p3.2xlarge"]
    assert notebook["product"]["attributes"]["component"] == "Notebook"
    (on_demand,) = notebook["terms"]["OnDemand"].values()
    (dimension,) = on_demand["priceDimensions"].values()
    assert dimension["unit"] == "Hrs"
    assert float(dimension["pricePerUnit"]["USD"]) == 3.825


def test_the_usage_type_prefix_follows_the_region(client: Any) -> None:
    items = client.get_products(
        ServiceCode=SERVICE,
        Filters=[term("regionCode", "eu-west-1"), term("usagetype", "EU-Notebk:ml.t3.medium")],
    )["PriceList"]
    (product,) = (json.loads(item) for item in items)
    assert product["product"]["attributes"]["location"] == "EU (Ireland)"


def test_describe_services_and_attribute_values(client: Any) -> None:
    (service,) = client.describe_services(ServiceCode=SERVICE)["Services"]
    assert {"regionCode", "instanceName", "usagetype", "component"} <= set(
        service["AttributeNames"]
    )
    values = client.get_attribute_values(ServiceCode=SERVICE, AttributeName="component")
    assert [v["Value"] for v in values["AttributeValues"]] == ["Hosting", "Notebook", "Training"]
    with pytest.raises(ClientError) as err:
        client.describe_services(ServiceCode="AmazonNothing")
    assert err.value.response["Error"]["Code"] == "NotFoundException"


def test_get_products_pages(client: Any) -> None:
    request = {"ServiceCode": SERVICE, "Filters": [term("regionCode", "us-east-1")]}
    first = client.get_products(**request, MaxResults=5)
    assert len(first["PriceList"]) == 5
    assert first["NextToken"]
    seen = list(first["PriceList"])
    token = first["NextToken"]
    while token:
        page = client.get_products(**request, MaxResults=5, NextToken=token)
        seen += page["PriceList"]
        token = page.get("NextToken")
    assert len(seen) == len(set(seen)) == len(pricing.NOTEBOOK_PRICES) * 3
    with pytest.raises(ClientError) as err:
        client.get_products(**request, MaxResults=101)
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"


def test_any_of_and_contains_filters(client: Any) -> None:
    items = client.get_products(
        ServiceCode=SERVICE,
        Filters=[
            {"Type": "ANY_OF", "Field": "instanceName", "Value": "ml.t3.medium,ml.m5.xlarge"},
            {"Type": "CONTAINS", "Field": "usagetype", "Value": "Notebk"},
        ],
    )["PriceList"]
    assert len(items) == 2 * len(pricing.LOCATIONS)


def test_denied_answers_access_denied(client: Any) -> None:
    pricing.set_denied(True)
    with pytest.raises(ClientError) as err:
        client.get_products(ServiceCode=SERVICE)
    assert err.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "pricing:GetProducts" in err.value.response["Error"]["Message"]


def test_other_services_still_reach_moto(aws: LocalAws, client: Any) -> None:
    client.describe_services(ServiceCode=SERVICE)
    listed = aws.client("sagemaker", "us-east-1").list_notebook_instances()
    assert listed["NotebookInstances"]
