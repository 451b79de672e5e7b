"""Shared behaviour of immutable, content-addressed SageMaker resources (models, endpoint configs).

SageMaker has no update API for them: a changed spec is a new name. So a handler of this
kind only creates (with its ownership tags), retags, and deletes; the per-type differences
are data (operation names, the name parameter, the ARN key, the noun to show) plus the
`comparable` hook. Missing resources: `find` returns None.
"""

from __future__ import annotations

from typing import Any, ClassVar

from reconciler import tags as tagmod
from reconciler.handlers.base import Desired, ExecContext, Handler, Live, PlanContext, ResourcePlan
from reconciler.handlers.sagemaker_common import call, describe_into, find_by_name, run_simple, with_consistency_retry
from reconciler.plan.model import Action, Change, Step


class ImmutableSageMakerHandler(Handler):
    service = "sagemaker"
    immutable = True
    noun: ClassVar[str]  # "model", "endpoint config"
    create_operation: ClassVar[str]
    describe_operation: ClassVar[str]
    delete_operation: ClassVar[str]
    name_param: ClassVar[str]  # "ModelName"
    arn_key: ClassVar[str]  # "ModelArn"

    def find(self, clients: Any, name: str) -> Live | None:
        """The resource with its tags; None when it does not exist."""
        return find_by_name(clients.sagemaker, self.type, self.describe_operation, self.name_param, self.arn_key, name)

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` with its describe output; `data` None when it is gone."""
        return describe_into(clients.sagemaker, self.describe_operation, self.name_param, live)

    def plan(self, ctx: PlanContext, desired: Desired | None, live: Live | None) -> ResourcePlan:
        """Create when missing, retag when tags differ, delete when not desired; never updates content."""
        if desired is None:
            assert live is not None
            step = Step(self.delete_operation, str(live.address), {self.name_param: live.address.name},
                        f"delete {self.noun}")
            return ResourcePlan(Change(str(live.address), live.spec, Action.delete, "", self.comparable(live), None),
                                [step])
        if live is None:
            params = {**desired.request, "Tags": tagmod.to_tag_list(desired.tags(ctx.stack))}
            return ResourcePlan(
                Change(str(desired.address), desired.spec, Action.create, f"new {self.noun}", None,
                       desired.comparable),
                [Step(self.create_operation, str(desired.address), params, f"create {self.noun}")],
            )
        steps = self.tag_steps(ctx, desired, live)
        if not steps:
            return ResourcePlan()
        before = {"tags": tagmod.user_tags(live.tags)}
        after = {"tags": dict(desired.user_tags)}
        reason = "tags change" if before != after else "records the applied state in its ownership tags"
        return ResourcePlan(Change(str(desired.address), desired.spec, Action.update, reason, before, after), steps)

    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Create (retried while just-created dependencies become visible), delete, or retag."""
        sm = ctx.clients.sagemaker
        if step.operation == self.create_operation:
            with_consistency_retry(lambda: call(sm, step.operation, step.params_plain()))
            return
        run_simple(sm, step)
