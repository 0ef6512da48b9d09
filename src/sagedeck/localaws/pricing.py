"""The AWS Price List Query API (``pricing``), which moto does not serve at all.

AWS answers ``DescribeServices``, ``GetAttributeValues`` and ``GetProducts`` (JSON 1.1, target
prefix ``AWSPriceListService``) from a few regions only; a request signed for ``pricing`` reaches
this handler instead of moto's dispatcher, which would fail to find a backend for it.
``GetProducts`` answers ``PriceList`` as AWS does: a list of JSON *strings*, each a product
(``product.attributes``) with its ``terms.OnDemand`` price dimensions.

The catalogue is the demo fleet's instance types (and the benchmarks') in the demo regions,
each with the three components AWS prices separately for an ``ml.*`` type (notebook instance,
training, hosting), so a client has to pick the notebook one as it must against AWS: by
``usagetype`` (``USE1-Notebk:ml.t3.medium``; the region prefix differs per region). The notebook
prices are plausible on-demand prices for those types; training and hosting cost more, so
picking the wrong product shows in a test.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .patching import replace

SERVICE_CODE = "AmazonSageMaker"
TARGET_PREFIX = "AWSPriceListService."
PUBLISHED = "2026-11-20T17:34:08Z"

# region: (location as the price list names it, usagetype prefix)
LOCATIONS: Mapping[str, tuple[str, str]] = {
    "us-east-1": ("US East (N. Virginia)", "USE1"),
    "eu-west-1": ("EU (Ireland)", "EU"),
}
# On-demand notebook-instance prices per hour in us-east-1 (USD); other regions cost more.
NOTEBOOK_PRICES: Mapping[str, float] = {
    "ml.t2.medium": 0.0464,
    "ml.t3.medium": 0.05,
    "ml.t3.large": 0.1,
    "ml.m5.xlarge": 0.23,
    "ml.c5.2xlarge": 0.408,
    "ml.g4dn.xlarge": 0.7364,
    "ml.g5.2xlarge": 1.515,
    "ml.p3.2xlarge": 3.825,
}
REGION_FACTOR: Mapping[str, float] = {"us-east-1": 1.0, "eu-west-1": 1.1}
# (component attribute, usagetype word, factor on the notebook price)
COMPONENTS = (("Notebook", "Notebk", 1.0), ("Training", "Train", 1.15), ("Hosting", "Host", 1.25))
SHAPES: Mapping[str, tuple[str, str]] = {  # vCPU, memory
    "ml.t2.medium": ("2", "4 GiB"),
    "ml.t3.medium": ("2", "4 GiB"),
    "ml.t3.large": ("2", "8 GiB"),
    "ml.m5.xlarge": ("4", "16 GiB"),
    "ml.c5.2xlarge": ("8", "16 GiB"),
    "ml.g4dn.xlarge": ("4", "16 GiB"),
    "ml.g5.2xlarge": ("8", "32 GiB"),
    "ml.p3.2xlarge": ("8", "61 GiB"),
}


def notebook_price(region: str, instance_type: str) -> float:
    """What the embedded AWS charges per hour for a notebook instance of ``instance_type``."""
    return round(NOTEBOOK_PRICES[instance_type] * REGION_FACTOR[region], 4)


def _sku(*parts: str) -> str:
    return base64.b32encode("/".join(parts).encode()).decode()[:16]


def _product(region: str, instance_type: str, component: str, word: str, factor: float) -> str:
    location, prefix = LOCATIONS[region]
    sku = _sku(region, instance_type, component)
    price = notebook_price(region, instance_type) * factor
    vcpu, memory = SHAPES[instance_type]
    term = "JRTCKXETXF"  # AWS's code for the on-demand term
    product = {
        "product": {
            "productFamily": "ML Instance",
            "attributes": {
                "servicecode": SERVICE_CODE,
                "servicename": "Amazon SageMaker",
                "regionCode": region,
                "location": location,
                "locationType": "AWS Region",
                "instanceName": instance_type,
                "component": component,
                "usagetype": f"{prefix}-{word}:{instance_type}",
                "operation": "RunInstance",
                "vCpu": vcpu,
                "memory": memory,
            },
            "sku": sku,
        },
        "serviceCode": SERVICE_CODE,
        "terms": {
            "OnDemand": {
                f"{sku}.{term}": {
                    "priceDimensions": {
                        f"{sku}.{term}.6YS6EN2CT7": {
                            "unit": "Hrs",
                            "endRange": "Inf",
                            "description": f"${price:.4f} per On Demand {component} "
                            f"{instance_type} hour in {location}",
                            "appliesTo": [],
                            "rateCode": f"{sku}.{term}.6YS6EN2CT7",
                            "beginRange": "0",
                            "pricePerUnit": {"USD": f"{price:.10f}"},
                        }
                    },
                    "sku": sku,
                    "effectiveDate": "2026-11-01T00:00:00Z",
                    "offerTermCode": term,
                    "termAttributes": {},
                }
            }
        },
        "version": "20261120173408",
        "publicationDate": PUBLISHED,
    }
    return json.dumps(product)


def catalogue() -> list[str]:
    """Every product the embedded Price List API knows, as GetProducts returns them."""
    return [
        _product(region, instance_type, component, word, factor)
        for region in LOCATIONS
        for instance_type in NOTEBOOK_PRICES
        for component, word, factor in COMPONENTS
    ]


_PRODUCTS: list[tuple[str, dict[str, str]]] = []  # (JSON string, attributes), built once
_denied = threading.Event()


def set_denied(denied: bool) -> None:
    """Answer every pricing call with AccessDeniedException (a caller without
    ``pricing:GetProducts``, as in many organisations), or stop doing so."""
    if denied:
        _denied.set()
    else:
        _denied.clear()


def _products() -> list[tuple[str, dict[str, str]]]:
    if not _PRODUCTS:
        _PRODUCTS.extend((item, json.loads(item)["product"]["attributes"]) for item in catalogue())
    return _PRODUCTS


class PricingError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _page(items: list[Any], request: Mapping[str, Any], limit: int) -> tuple[list[Any], str | None]:
    size = request.get("MaxResults", limit)
    if not isinstance(size, int) or not 1 <= size <= limit:
        raise PricingError("InvalidParameterException", f"MaxResults must be 1 to {limit}")
    token = request.get("NextToken")
    start = 0
    if token:
        try:
            start = int(base64.b64decode(token).decode())
        except ValueError:
            raise PricingError("InvalidNextTokenException", "The token is invalid") from None
    end = start + size
    more = base64.b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], more


def _matches(attributes: Mapping[str, str], rule: Mapping[str, Any]) -> bool:
    kind, field, value = rule.get("Type"), rule.get("Field"), rule.get("Value")
    if not isinstance(field, str) or not isinstance(value, str):
        raise PricingError("InvalidParameterException", "a filter needs a Field and a Value")
    have = SERVICE_CODE if field == "ServiceCode" else attributes.get(field)
    if kind in ("TERM_MATCH", "EQUALS"):
        return have == value
    if kind == "CONTAINS":
        return have is not None and value in have
    if kind in ("ANY_OF", "NONE_OF"):
        found = have in [part.strip() for part in value.split(",")]
        return found if kind == "ANY_OF" else not found
    raise PricingError("InvalidParameterException", f"unknown filter type {kind!r}")


def _known_service(request: Mapping[str, Any]) -> bool:
    return request.get("ServiceCode") == SERVICE_CODE


def get_products(request: Mapping[str, Any]) -> dict[str, Any]:
    rules = request.get("Filters") or []
    found = []
    if _known_service(request):
        found = [
            item
            for item, attributes in _products()
            if all(_matches(attributes, rule) for rule in rules)
        ]
    page, more = _page(found, request, 100)
    answer: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": page}
    if more:
        answer["NextToken"] = more
    return answer


def _attribute_names() -> list[str]:
    return sorted({name for _item, attributes in _products() for name in attributes})


def describe_services(request: Mapping[str, Any]) -> dict[str, Any]:
    code = request.get("ServiceCode")
    if code and code != SERVICE_CODE:
        raise PricingError("NotFoundException", f"Service {code} was not found")
    services = [{"ServiceCode": SERVICE_CODE, "AttributeNames": _attribute_names()}]
    page, more = _page(services, request, 100)
    answer: dict[str, Any] = {"FormatVersion": "aws_v1", "Services": page}
    if more:
        answer["NextToken"] = more
    return answer


def get_attribute_values(request: Mapping[str, Any]) -> dict[str, Any]:
    if not _known_service(request):
        raise PricingError("NotFoundException", "Service was not found")
    name = request.get("AttributeName")
    if name not in _attribute_names():
        raise PricingError("NotFoundException", f"Attribute {name} was not found")
    values = sorted({attributes[name] for _item, attributes in _products() if name in attributes})
    page, more = _page([{"Value": value} for value in values], request, 100)
    answer: dict[str, Any] = {"AttributeValues": page}
    if more:
        answer["NextToken"] = more
    return answer


OPERATIONS: Mapping[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "GetProducts": get_products,
    "DescribeServices": describe_services,
    "GetAttributeValues": get_attribute_values,
}


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The Price List API as a WSGI application."""
    operation = environ.get("HTTP_X_AMZ_TARGET", "").removeprefix(TARGET_PREFIX)
    try:
        if _denied.is_set():
            raise PricingError(
                "AccessDeniedException",
                f"User is not authorized to perform: pricing:{operation}",
            )
        handler = OPERATIONS.get(operation)
        if handler is None:
            raise PricingError("InvalidParameterException", f"unknown operation {operation!r}")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b"{}"
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            raise PricingError("SerializationException", "the body is not JSON") from None
        status, answer = "200 OK", handler(request if isinstance(request, dict) else {})
    except PricingError as err:
        reason = {400: "Bad Request", 403: "Forbidden", 404: "Not Found"}.get(err.status, "")
        status = f"{err.status} {reason}".strip()
        answer = {"__type": err.code, "Message": err.message}
    data = json.dumps(answer).encode()
    start_response(
        status,
        [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data)))],
    )
    return [data]


def install() -> None:
    """Route requests for ``AWSPriceListService.*`` to :func:`application`."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_application

    def get_application(self: Any, environ: dict[str, Any]) -> Any:
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith(TARGET_PREFIX):
            return application
        return original(self, environ)

    replace(DomainDispatcherApplication, "get_application", get_application)
