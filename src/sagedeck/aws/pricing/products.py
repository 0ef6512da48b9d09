"""What to ask the Price List API and how to read its answer (standard library only): the one
definition both callers use, the aiobotocore client (``client``) and the quick ``ls --json``
(``sagedeck.aws.quick.pricing``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

SERVICE_CODE = "AmazonSageMaker"
PRICING_REGION = "us-east-1"  # the API's endpoints: us-east-1, eu-central-1, ap-south-1
FETCH_CONCURRENCY = 4  # requests in flight at once: the API is slow and rate-limited
# Bounds on each request, both paths alike: prices are worth little waiting, and a network that
# blocks the API (no internet, a firewall that drops its packets) must not hold up a listing.
CONNECT_SECONDS = 1.5
ANSWER_SECONDS = 3.0  # the API answers in well under a second
# The attribute that names an ml.* type, in the order tried (DescribeServices lists the names).
INSTANCE_ATTRIBUTES = ("instanceName", "instanceType")
NOTEBOOK_USAGE = re.compile(r"(?:^|-)Notebk:(?P<type>ml\.[A-Za-z0-9.-]+)$")
HOURLY_UNITS = frozenset({"Hrs", "Hours", "hour", "Hour"})

PriceKey = tuple[str, str]  # (region, instance type)


def describe_request() -> dict[str, Any]:
    """DescribeServices' request: the attribute names of SageMaker's products."""
    return {"ServiceCode": SERVICE_CODE, "FormatVersion": "aws_v1"}


def instance_attribute(answer: Mapping[str, Any]) -> str:
    """The attribute that names an instance type, among those DescribeServices lists."""
    names: set[str] = set()
    for service in answer.get("Services") or ():
        names.update(service.get("AttributeNames") or ())
    return next((name for name in INSTANCE_ATTRIBUTES if name in names), INSTANCE_ATTRIBUTES[0])


def products_request(key: PriceKey, attribute: str) -> dict[str, Any]:
    """GetProducts' first request for the products of one (region, type)."""
    region, instance_type = key
    return {
        "ServiceCode": SERVICE_CODE,
        "Filters": [
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
            {"Type": "TERM_MATCH", "Field": attribute, "Value": instance_type},
        ],
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
    }


def notebook_price(
    price_list: Iterable[str | Mapping[str, Any]], instance_type: str
) -> float | None:
    """The on-demand USD price per hour of a notebook instance of ``instance_type`` among the
    products of ``price_list`` (GetProducts' ``PriceList``: JSON strings); None if none is."""
    for item in price_list:
        try:
            product = json.loads(item) if isinstance(item, str) else item
            attributes = product["product"]["attributes"]
            usage = NOTEBOOK_USAGE.search(str(attributes.get("usagetype", "")))
            if usage is None or usage.group("type") != instance_type:
                continue
            for term in product["terms"]["OnDemand"].values():
                for dimension in term["priceDimensions"].values():
                    if dimension.get("unit") in HOURLY_UNITS:
                        return float(dimension["pricePerUnit"]["USD"])
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # one malformed product does not hide the others
    return None
