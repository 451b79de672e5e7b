"""The Resource Groups Tagging API: every resource that carries a tag, in one paginated query."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from reconciler import tags as tagmod
from reconciler.aws.clients import ReadClients


def tagged(clients: ReadClients, key: str, value: str, types: Iterable[str]) -> Iterator[tuple[str, dict[str, str]]]:
    """(ARN, tags) of every resource of the tagging-API `types` whose tag `key` is `value`."""
    paginator = clients.tagging.get_paginator("get_resources")
    for page in paginator.paginate(TagFilters=[{"Key": key, "Values": [value]}], ResourceTypeFilters=sorted(types),
                                   ResourcesPerPage=100):
        for item in page.get("ResourceTagMappingList", []):
            yield item["ResourceARN"], tagmod.from_tag_list(item.get("Tags"))
