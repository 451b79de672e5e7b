"""Handler for EventBridge event buses (`event-bus/<name>`), the resource behind an EventBus document:
named after the document, changed in place.

Its settings (description, KMS key, dead-letter queue, logging) change with UpdateEventBus; its
resource policy is compared in canonical form (`diff/iam.py`: statement order, one-element lists,
`123456789012` vs `arn:aws:iam::123456789012:root`, key order) and set whole with
`PutPermission(Policy=...)`, removed with `RemovePermission(RemoveAllPermissions=true)`.
The `default` bus exists in every account (`provided_names`): a document may name it only to
set its policy; it is never created or deleted; removing that document removes the policy it set
and the ownership tags. Missing buses: `find` returns None (EventBridge answers
ResourceNotFoundException).
"""

from __future__ import annotations

from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.aws.calls import call
from reconciler.aws.errors import is_conflict, is_not_found
from reconciler.changes import Action, Step
from reconciler.diff.iam import canonical_policy
from reconciler.frozen import thaw
from reconciler.handlers.base import EVENTS_TAGS, Assessment, ExecContext, Handler, PlanContext, Planned
from reconciler.handlers.sagemaker_common import read
from reconciler.resources import Desired, Live

DEFAULT = "default"
SETTINGS = ("Description", "KmsKeyIdentifier", "DeadLetterConfig", "LogConfig")
LOG_DEFAULT = {"IncludeDetail": "NONE", "Level": "OFF"}


def bus_view(data: Any, policy: Any, tags: dict[str, str]) -> dict[str, Any]:
    """The comparable form of a create request or DescribeEventBus output: settings in spec form (logging
    at its default left out), the policy in canonical form, user tags."""
    data = thaw(data) or {}
    view: dict[str, Any] = {}
    for key in SETTINGS:
        value = data.get(key)
        if value in (None, "", {}) or (key == "LogConfig" and {**LOG_DEFAULT, **value} == LOG_DEFAULT):
            continue
        view[key[0].lower() + key[1:]] = _spec_form(value)
    if policy:
        view["policy"] = canonical_policy(policy)
    return {**view, "tags": dict(tags)}


def _spec_form(value: Any) -> Any:
    if isinstance(value, dict):
        return {k[0].lower() + k[1:]: _spec_form(v) for k, v in value.items()}
    return value


class EventBusHandler(Handler):
    type = "event-bus"
    service = "events"
    arn_type = "event-bus"
    tagging_type = "events:event-bus"
    immutable = False
    describe_on_plan = True
    noun = "event bus"
    provided_names = frozenset({DEFAULT})
    tag_api = EVENTS_TAGS
    operations = frozenset({"CreateEventBus", "UpdateEventBus", "PutPermission", "RemovePermission",
                            "DeleteEventBus", "TagResource", "UntagResource"})

    def find(self, clients: Any, name: str) -> Live | None:
        """The bus with its tags and policy; None when it does not exist."""
        events = clients.get("events")
        data = read(events, "DescribeEventBus", {"Name": name})
        if data is None:
            return None
        tags = tagmod.from_tag_list(call(events, "ListTagsForResource", {"ResourceARN": data["Arn"]}).get("Tags"))
        return Live(Address(self.type, name), data["Arn"], tags, data)

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` with DescribeEventBus output (its `Policy` included); `data` None when the bus is gone."""
        live.data = read(clients.get("events"), "DescribeEventBus", {"Name": live.address.name})
        return live

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """Settings, canonical policy and user tags; None when missing."""
        if live.data is None:
            return None
        return bus_view(live.data, live.data.get("Policy"), tagmod.user_tags(live.tags))

    # --- planning ----------------------------------------------------------------------
    def assess(self, ctx: PlanContext, desired: Desired, live: Live | None) -> Assessment:
        """Settings and policy compared; ownership tags to write are pending work. None before when missing."""
        if live is None:
            return Assessment(None, desired.comparable)
        return Assessment(self.comparable(live), thaw(desired.comparable),
                          pending=self._bookkeeping(ctx, desired, live))

    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """CreateEventBus then its policy; or UpdateEventBus, PutPermission / RemovePermission and tag steps."""
        address, name = str(desired.address), desired.address.name
        policy = desired.extra.get("policy")
        if live is None:
            steps = [Step("CreateEventBus", address, {**thaw(desired.request),
                                                       "Tags": tagmod.to_tag_list(desired.tags(ctx.stack))},
                          "create the event bus")]
            if policy:
                steps.append(Step("PutPermission", address, {"EventBusName": name, "Policy": policy},
                                  "set its resource policy"))
            return Planned("new event bus", steps)
        before, after = assessment.before or {}, assessment.after or {}
        arn = live.arn
        steps, reasons = [], []
        settings = [k for k in after if k not in ("policy", "tags") and before.get(k) != after.get(k)]
        settings += [k for k in before if k not in ("policy", "tags") and k not in after]
        if settings:
            request = {k: v for k, v in thaw(desired.request).items() if k in ("Name", *SETTINGS)}
            steps.append(Step("UpdateEventBus", address, request, "update the event bus",
                              {tagmod.HASH: desired.state_hash}, arn))
            reasons.append(", ".join(sorted(set(settings))) + " change")
        if before.get("policy") != after.get("policy"):
            hash_tags = {} if steps else {tagmod.HASH: desired.state_hash}
            if policy:
                steps.append(Step("PutPermission", address, {"EventBusName": name, "Policy": policy},
                                  "replace its resource policy", hash_tags, arn if hash_tags else None))
            else:
                steps.append(Step("RemovePermission", address, {"EventBusName": name, "RemoveAllPermissions": True},
                                  "remove its resource policy", hash_tags, arn if hash_tags else None))
            reasons.append("resource policy changes")
        steps.extend(self.tag_steps(ctx, desired, live, skip_hash=bool(steps)))
        return Planned("; ".join(reasons) or self.tags_reason(assessment), steps)

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        """DeleteEventBus (its rules are deleted first); for the default bus, its policy and our tags only."""
        address = str(live.address)
        if live.address.name in self.provided_names:
            steps = []
            if (live.data or {}).get("Policy"):
                steps.append(Step("RemovePermission", address, {"EventBusName": DEFAULT, "RemoveAllPermissions": True},
                                  "remove the policy this stack set (the default bus itself stays)"))
            keys = sorted(k for k in live.tags if k.startswith("reconciler:"))
            steps.append(Step("UntagResource", address, {"ResourceARN": live.arn, "TagKeys": keys},
                              "release the default bus"))
            return steps
        return [Step("DeleteEventBus", address, {"Name": live.address.name}, "delete the event bus")]

    # --- applying ----------------------------------------------------------------------
    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Create (a lost response's retry meets its own bus), update, set or remove the policy (none left is
        done), delete (gone already is done), retag."""
        events = ctx.clients.get("events")
        try:
            call(events, step.operation, step.params_plain())
        except Exception as exc:
            if step.operation == "CreateEventBus" and (is_conflict(exc) or "already exists" in str(exc)) \
                    and self._ours(ctx, step):
                ctx.hooks.step_progress(step, "already created by an earlier attempt of this request")
                return
            if step.operation in ("RemovePermission", "DeleteEventBus") and is_not_found(exc):
                return
            raise

    def _ours(self, ctx: ExecContext, step: Step) -> bool:
        live = self.find(ctx.clients, step.params["Name"])
        wanted = {t["Key"]: t["Value"] for t in step.params.get("Tags") or ()}
        return live is not None and all(live.tags.get(k) == wanted.get(k) for k in (tagmod.STACK, tagmod.HASH))


HANDLER = EventBusHandler
