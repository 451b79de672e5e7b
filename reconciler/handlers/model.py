"""Handler for SageMaker models (`model/<name>-<hash>`): immutable and content-addressed.

A model has no update API: a changed spec is a new name, so the only in-place change is
to its tags. Missing models: `find` returns None (SageMaker answers ValidationException
"Could not find model").
"""

from __future__ import annotations

import copy
from typing import Any

from reconciler import tags as tagmod
from reconciler.handlers.base import Live
from reconciler.handlers.immutable import ImmutableSageMakerHandler
from reconciler.handlers.sagemaker_common import only_members, prune_empty

EXCLUDED = {"ModelName", "Tags"}


def request_members() -> set[str]:
    from reconciler.spec.shapes import operation_input

    return set(operation_input("sagemaker", "CreateModel").members) - EXCLUDED


def normalize_container(container: dict[str, Any]) -> dict[str, Any]:
    c = dict(container)
    c.setdefault("Mode", "SingleModel")
    return c


def normalize_request(request: dict[str, Any]) -> dict[str, Any]:
    """Fill SageMaker's defaults and drop empty values, so spec and live compare equal."""
    r = prune_empty(copy.deepcopy(dict(request)))
    r.pop("ModelName", None)
    r.pop("Tags", None)
    if "PrimaryContainer" in r:
        r["PrimaryContainer"] = normalize_container(r["PrimaryContainer"])
    if "Containers" in r:
        r["Containers"] = [normalize_container(c) for c in r["Containers"]]
    if not r.get("EnableNetworkIsolation"):
        r.pop("EnableNetworkIsolation", None)
    return r


def to_comparable(request: dict[str, Any], user_tags: dict[str, str]) -> dict[str, Any]:
    from reconciler.spec.shapes import from_api, operation_input

    shape = operation_input("sagemaker", "CreateModel")
    body = from_api(normalize_request(request), shape)
    return {**body, "tags": dict(user_tags)}


class ModelHandler(ImmutableSageMakerHandler):
    type = "model"
    arn_type = "model"
    tagging_type = "sagemaker:model"
    operations = frozenset({"CreateModel", "DeleteModel", "AddTags", "DeleteTags"})
    create_order = 10
    delete_order = 30
    noun = "model"
    create_operation = "CreateModel"
    describe_operation = "DescribeModel"
    delete_operation = "DeleteModel"
    name_param = "ModelName"
    arn_key = "ModelArn"

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """The CreateModel request SageMaker holds, in spec form; None when not described/missing."""
        if live.data is None:
            return None
        return to_comparable(only_members(live.data, request_members()), tagmod.user_tags(live.tags))
