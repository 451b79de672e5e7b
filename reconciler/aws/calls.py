"""Calling AWS by operation name: the bridge between plan steps (API names) and boto3 methods."""

from __future__ import annotations

import re
from typing import Any


def snake(operation: str) -> str:
    """`UpdateEndpointWeightsAndCapacities` -> `update_endpoint_weights_and_capacities`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def call(client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """Call `operation` (API name) on a boto3 client with `params`; returns the response."""
    return getattr(client, snake(operation))(**params)  # type: ignore[no-any-return]


def paginate(client: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    """Every item under `key` across the pages of a paginated `operation`."""
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(snake(operation)).paginate(**params):
        items.extend(page.get(key, []))
    return items
