"""``sagedeck ls`` in a fraction of a second: ListNotebookInstances without botocore.

A script that runs ``sagedeck ls --json`` pays for the interpreter, botocore, aiobotocore and
aiohttp, the endpoint data and the SageMaker service model before the first request: ~0.45 s
of a ~0.65 s listing of 1,000 instances (docs/performance.md). This package does that one
read-only call with the standard library alone: the AWS configuration files read as botocore
reads them (``credentials``), the decision whether the plain case applies and what it talks to
(``plain``), a Signature Version 4 request (``signing``), one keep-alive connection per region,
regions in parallel (``listing``); several profiles (``--profile a,b`` or ``all``) each with its
own plan, all their regions in threads (``profile_plans``, ``list_profiles``). Nothing in it
imports botocore, aiohttp or asyncio.

It handles the plain case, and says when a setup is not by raising :class:`Unsupported`
*before any output*: then the caller runs the ordinary path, which handles everything botocore
does (FIPS and dual-stack endpoints, proxies, other partitions, per-service endpoints) and
words every error as the rest of sagedeck does. The plain case: any credentials botocore's
chain gives (``sources``: static keys and ``credential_process`` with the standard library,
assumed roles and SSO from the AWS CLI's cache in ``~/.aws/cli/cache`` (``cli_cache``), and
botocore's own providers, without any service model, for the rest (``chain``)), regions of the
``aws`` partition or an explicit endpoint URL, and an answer of 200 from every region.
Anything else from AWS (throttling, denial, an expired token, a stale page token, a refused
connection) is handed to the ordinary path too, which retries and reports it; only a timeout
is reported here (as the ordinary path would, after the same two attempts), so a hung endpoint
does not cost its timeouts twice.

``tests/aws/test_quick.py`` holds this to botocore: the same credentials and regions for every
configuration it covers, the same signature, the same output byte for byte.
"""

from __future__ import annotations

from sagedeck.aws.quick.credentials import Credentials
from sagedeck.aws.quick.listing import Pages, list_profiles, list_regions, prefetch, quick_listing
from sagedeck.aws.quick.plain import Plan, commercial_regions, plan, profile_plans
from sagedeck.aws.quick.signing import sign
from sagedeck.aws.quick.unsupported import Unsupported

__all__ = [
    "Credentials",
    "Pages",
    "Plan",
    "Unsupported",
    "commercial_regions",
    "list_profiles",
    "list_regions",
    "plan",
    "prefetch",
    "profile_plans",
    "quick_listing",
    "sign",
]
