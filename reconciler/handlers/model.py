"""Handler for SageMaker models (`model/<name>-<hash>`): immutable and content-addressed.

A model has no update API: a changed spec is a new name, so the only in-place change is
to its tags. Missing models: `find` returns None (SageMaker answers ValidationException
"Could not find model").
"""

from __future__ import annotations

import copy
from typing import Any

from reconciler import tags as tagmod
from reconciler.handlers.base import Desired, ExecContext, Handler, Live, PlanContext, ResourcePlan
from reconciler.handlers.sagemaker_common import (
    call,
    describe_into,
    find_by_name,
    only_members,
    prune_empty,
    with_consistency_retry,
)
from reconciler.plan.model import Action, Change, Step

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


class ModelHandler(Handler):
    type = "model"
    service = "sagemaker"
    arn_type = "model"
    tagging_type = "sagemaker:model"
    operations = frozenset({"CreateModel", "DeleteModel", "AddTags", "DeleteTags"})
    immutable = True
    create_order = 10
    delete_order = 30

    def find(self, clients: Any, name: str) -> Live | None:
        """The model with its tags; None when it does not exist."""
        return find_by_name(clients.sagemaker, self.type, "DescribeModel", "ModelName", "ModelArn", name)

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` with DescribeModel output; `data` None when the model is gone."""
        return describe_into(clients.sagemaker, "DescribeModel", "ModelName", live)

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """The CreateModel request SageMaker holds, in spec form; None when not described/missing."""
        if live.data is None:
            return None
        return to_comparable(only_members(live.data, request_members()), tagmod.user_tags(live.tags))

    def plan(self, ctx: PlanContext, desired: Desired | None, live: Live | None) -> ResourcePlan:
        """Create when missing, retag when tags differ, delete when not desired; never updates content."""
        if desired is None:
            assert live is not None
            return ResourcePlan(
                Change(str(live.address), live.spec, Action.delete, "", self.comparable(live), None),
                [Step("DeleteModel", str(live.address), {"ModelName": live.address.name}, "delete model")],
            )
        if live is None:
            params = {**desired.request, "Tags": tagmod.to_tag_list(desired.tags(ctx.stack))}
            return ResourcePlan(
                Change(str(desired.address), desired.spec, Action.create, "new model", None, desired.comparable),
                [Step("CreateModel", str(desired.address), params, "create model")],
            )
        steps = self.tag_steps(ctx, desired, live)
        if not steps:
            return ResourcePlan()
        before = {"tags": tagmod.user_tags(live.tags)}
        after = {"tags": dict(desired.user_tags)}
        reason = "tags change" if before != after else "records the applied state in its ownership tags"
        return ResourcePlan(Change(str(desired.address), desired.spec, Action.update, reason, before, after), steps)

    def execute(self, ctx: ExecContext, step: Step) -> None:
        """CreateModel / DeleteModel / AddTags / DeleteTags; deleting a missing model succeeds."""
        from reconciler.handlers.sagemaker_common import run_simple

        sm = ctx.clients.sagemaker
        if step.operation == "CreateModel":
            with_consistency_retry(lambda: call(sm, "CreateModel", dict(step.params_plain())))
            return
        run_simple(sm, step)
