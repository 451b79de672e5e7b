"""SageMaker plumbing shared by the SageMaker handlers: describe-by-name, tags, retries.

Not a handler: it knows how SageMaker answers (not-found as ValidationException, tags by
ListTags, eventual consistency after a create), not any one resource type.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.aws.calls import call
from reconciler.aws.errors import is_eventual_consistency_miss, is_not_found
from reconciler.changes import Step
from reconciler.resources import Live


def list_tags(client: Any, arn: str) -> dict[str, str]:
    """Every tag of a SageMaker resource (ListTags, paginated)."""
    out: dict[str, str] = {}
    kwargs: dict[str, Any] = {"ResourceArn": arn, "MaxResults": 100}
    while True:
        page = client.list_tags(**kwargs)
        out.update(tagmod.from_tag_list(page.get("Tags")))
        token = page.get("NextToken")
        if not token:
            return out
        kwargs["NextToken"] = token


def find_by_name(client: Any, type_: str, operation: str, name_param: str, arn_key: str, name: str) -> Live | None:
    """Describe by name and read tags; None when SageMaker says it does not exist."""
    try:
        data = call(client, operation, {name_param: name})
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise
    data.pop("ResponseMetadata", None)
    arn = data[arn_key]
    try:
        tags = list_tags(client, arn)
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise
    return Live(Address(type_, name), arn, tags, data)


def describe_into(client: Any, operation: str, name_param: str, live: Live) -> Live:
    """`live` with the describe output as `data`; `data` None when SageMaker says it is gone."""
    try:
        data = call(client, operation, {name_param: live.address.name})
    except Exception as exc:
        if is_not_found(exc):
            live.data = None
            return live
        raise
    data.pop("ResponseMetadata", None)
    live.data = data
    return live


def read(client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """A describe call's output, None when SageMaker says the resource does not exist."""
    try:
        data = call(client, operation, params)
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise
    data.pop("ResponseMetadata", None)
    return data


def with_consistency_retry(fn: Callable[[], dict[str, Any]], attempts: int = 6, delay: float = 1.0) -> dict[str, Any]:
    """Retry a create whose just-created dependency is not visible yet (bounded)."""
    for i in range(attempts):
        try:
            return fn()
        except Exception as exc:
            if i == attempts - 1 or not is_eventual_consistency_miss(exc):
                raise
            time.sleep(delay * (2**i))
    raise AssertionError("unreachable")


def only_members(data: dict[str, Any], members: frozenset[str] | set[str]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in members}


def run_simple(client: Any, step: Step) -> None:
    """Run a step that needs no waiting; a Delete* of something already gone succeeds."""
    try:
        call(client, step.operation, step.params_plain())
    except Exception as exc:
        if step.operation.startswith("Delete") and is_not_found(exc):
            return
        raise
