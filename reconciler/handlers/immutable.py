"""Shared behaviour of immutable, content-addressed SageMaker resources (models, endpoint configs).

SageMaker has no update API for them: a changed spec is a new name. So a handler of this
kind only creates (with its ownership tags), retags, and deletes; the per-type differences
are data (operation names, the name parameter, the ARN key, the noun to show, the field
policy). Missing resources: `find` returns None.
"""

from __future__ import annotations

from typing import Any, ClassVar

from reconciler import tags as tagmod
from reconciler.aws.errors import is_conflict
from reconciler.changes import Action, Step
from reconciler.handlers.base import Assessment, ExecContext, Handler, PlanContext, Planned
from reconciler.handlers.sagemaker_common import (
    call,
    describe_into,
    find_by_name,
    only_members,
    run_simple,
    with_consistency_retry,
)
from reconciler.resources import Desired, Live


class ImmutableSageMakerHandler(Handler):
    service = "sagemaker"
    immutable = True
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

    def request_of(self, live: Live) -> dict[str, Any] | None:
        """The create request SageMaker holds (API shape); None when not described/missing."""
        if live.data is None:
            return None
        members = self.policy.members
        return only_members(live.data, set(members)) if members is not None else dict(live.data)

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """The create request SageMaker holds, in spec form, with user tags; None when not described/missing."""
        request = self.request_of(live)
        if request is None:
            return None
        return self.comparable_of(request, tagmod.user_tags(live.tags))

    def assess(self, ctx: PlanContext, desired: Desired, live: Live | None) -> Assessment:
        """Content is the name (a hash of it), so only tags are compared once it exists; None before when missing."""
        if live is None:
            return Assessment(None, desired.comparable)
        return Assessment({"tags": tagmod.user_tags(live.tags)}, {"tags": dict(desired.user_tags)},
                          pending=self._bookkeeping(ctx, desired, live))

    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """Create (a new name, possibly superseding an older one); retag; never an update of content."""
        if action is Action.update:
            assert live is not None
            return Planned(self.tags_reason(assessment), self.tag_steps(ctx, desired, live))
        params = {**desired.request, "Tags": tagmod.to_tag_list(desired.tags(ctx.stack))}
        return Planned(f"new {self.noun}", [Step(self.create_operation, str(desired.address), params,
                                                 f"create {self.noun}")])

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        return [Step(self.delete_operation, str(live.address), {self.name_param: live.address.name},
                     f"delete {self.noun}")]

    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Create (retried while just-created dependencies become visible), delete, or retag. A create that
        meets its own result (same name, our stack and hash: an earlier attempt whose response was lost)
        has succeeded."""
        sm = ctx.clients.sagemaker
        if step.operation == self.create_operation:
            try:
                with_consistency_retry(lambda: call(sm, step.operation, step.params_plain()))
            except Exception as exc:
                if not (is_conflict(exc) and self._ours(ctx, step)):
                    raise
                ctx.hooks.step_progress(step, "already created by an earlier attempt of this request")
            return
        run_simple(sm, step)

    def _ours(self, ctx: ExecContext, step: Step) -> bool:
        live = self.find(ctx.clients, step.params[self.name_param])
        wanted = {t["Key"]: t["Value"] for t in step.params.get("Tags") or ()}
        return live is not None and all(live.tags.get(k) == wanted.get(k) for k in (tagmod.STACK, tagmod.HASH))
