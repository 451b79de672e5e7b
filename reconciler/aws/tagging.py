"""The Resource Groups Tagging API: every resource that carries a tag.

One query answers a small stack in one call. When the answer runs over one page, the query
runs again once per resource type, concurrently: walking one query's pages is one round trip
after the other (a fleet of 600 resources is about 20 pages).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reconciler import tags as tagmod
from reconciler.aws.clients import ReadClients

PAGE = 100


def tagged(clients: ReadClients, key: str, value: str, types: Iterable[str],
           concurrency: int = 8) -> list[tuple[str, dict[str, str]]]:
    """(ARN, tags) of every resource of the tagging-API `types` whose tag `key` is `value`."""
    wanted = sorted(types)
    filters = [{"Key": key, "Values": [value]}]

    def items(page: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
        return [(i["ResourceARN"], tagmod.from_tag_list(i.get("Tags"))) for i in page.get("ResourceTagMappingList", [])]

    first = clients.tagging.get_resources(TagFilters=filters, ResourceTypeFilters=wanted, ResourcesPerPage=PAGE)
    if not first.get("PaginationToken"):
        return items(first)

    def query(type_filter: str) -> list[tuple[str, dict[str, str]]]:
        found: list[tuple[str, dict[str, str]]] = []
        paginator = clients.tagging.get_paginator("get_resources")
        for page in paginator.paginate(TagFilters=filters, ResourceTypeFilters=[type_filter], ResourcesPerPage=PAGE):
            found.extend(items(page))
        return found

    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(wanted)))) as pool:
        results = list(pool.map(query, wanted))
    return list({arn: (arn, tags) for result in results for arn, tags in result}.values())
