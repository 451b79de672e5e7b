"""Handler for EventBridge rules and their targets (`event-rule/<name>`, or `event-rule/<bus>/<name>` on a bus
other than the default one), the resource behind an EventRule document.

PutRule replaces a rule whole (what the request leaves out is cleared), so the request always holds
everything the spec says and nothing else; tags change through TagResource/UntagResource (PutRule
ignores them on update). The event pattern is compared in canonical form (key order, spacing).
Targets are part of the rule's state, compared by `id`: only added or changed targets are put,
only removed ones removed, ten per request; an answer with `FailedEntryCount` > 0 fails the apply
naming each target and EventBridge's reason. Deleting a rule removes its targets first. Rules
EventBridge manages for another service (`ManagedBy`) are never touched. Missing rules: `find`
returns None (ResourceNotFoundException).
"""

from __future__ import annotations

import json
from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.aws.calls import call
from reconciler.aws.errors import is_not_found
from reconciler.changes import Action, Step
from reconciler.diff.policy import canonical_document
from reconciler.errors import ApplyError
from reconciler.frozen import thaw
from reconciler.handlers.base import EVENTS_TAGS, Assessment, ExecContext, Handler, PlanContext, Planned
from reconciler.resources import Desired, Live

DEFAULT_BUS = "default"
RULE_MEMBERS = ("EventPattern", "ScheduleExpression", "State", "Description", "RoleArn")
TARGETS_PER_REQUEST = 10


def split_name(address_name: str) -> tuple[str, str]:
    """(bus, rule) of an address name: `name` on the default bus, `bus/name` on another."""
    bus, _, rule = address_name.rpartition("/")
    return (bus or DEFAULT_BUS), rule


def address_name(bus: str, rule: str) -> str:
    return rule if bus == DEFAULT_BUS else f"{bus}/{rule}"


def canonical_pattern(value: Any) -> Any:
    """An event pattern (JSON text or parsed) as parsed JSON with sorted keys; unparseable text as given."""
    return canonical_document(value)


def _target_view(target: dict[str, Any]) -> dict[str, Any]:
    from reconciler.aws.shapes import from_api, operation_input

    shape = operation_input("events", "PutTargets").members["Targets"].member  # type: ignore[attr-defined]
    data = {k: v for k, v in target.items() if v not in (None, "", {}, [])}
    if isinstance(data.get("Input"), str):
        data["Input"] = json.dumps(canonical_pattern(data["Input"]), sort_keys=True)
    view: dict[str, Any] = from_api(data, shape, drop_unknown=True)
    view.pop("id", None)
    return view


def rule_view(rule: Any, targets: Any, tags: dict[str, str]) -> dict[str, Any]:
    """The comparable form of a PutRule request or DescribeRule output with its targets (PutTargets entries or
    ListTargetsByRule output): the members PutRule sets in spec form (the pattern canonical, the state
    ENABLED when unset), the targets by id, user tags."""
    data = thaw(rule) or {}
    view: dict[str, Any] = {"state": data.get("State") or "ENABLED"}
    for key in RULE_MEMBERS:
        value = data.get(key)
        if key == "State" or value in (None, ""):
            continue
        view[key[0].lower() + key[1:]] = canonical_pattern(value) if key == "EventPattern" else value
    view["targets"] = {str(t["Id"]): _target_view(t) for t in thaw(targets) or []}
    return {**view, "tags": dict(tags)}


class EventRuleHandler(Handler):
    type = "event-rule"
    service = "events"
    arn_type = "rule"
    tagging_type = "events:rule"
    immutable = False
    describe_on_plan = True
    noun = "event rule"
    after = ("event-bus", "pipeline", "model-package-group")  # its bus and the pipelines it starts come first
    tag_api = EVENTS_TAGS
    operations = frozenset({"PutRule", "PutTargets", "RemoveTargets", "DeleteRule", "TagResource", "UntagResource"})

    def arn(self, region: str, account: str, name: str) -> str:
        return f"arn:aws:events:{region}:{account}:rule/{name}"

    def find(self, clients: Any, name: str) -> Live | None:
        """The rule with its targets and tags; None when it does not exist."""
        live = Live(Address(self.type, name), self.arn(clients.region, "", name), {}, None)
        self.describe(clients, live)
        if live.data is None:
            return None
        live.arn = live.data["Arn"]
        live.tags = tagmod.from_tag_list(call(clients.get("events"), "ListTagsForResource",
                                              {"ResourceARN": live.arn}).get("Tags"))
        return live

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` with DescribeRule output and its `Targets` (ListTargetsByRule); `data` None when it is gone."""
        events = clients.get("events")
        bus, rule = split_name(live.address.name)
        try:
            data = call(events, "DescribeRule", {"Name": rule, "EventBusName": bus})
            targets: list[dict[str, Any]] = []
            token = None
            while True:
                page = call(events, "ListTargetsByRule", {"Rule": rule, "EventBusName": bus,
                                                          **({"NextToken": token} if token else {})})
                targets.extend(page.get("Targets") or [])
                token = page.get("NextToken")
                if not token:
                    break
        except Exception as exc:
            if not is_not_found(exc):
                raise
            live.data = None
            return live
        data.pop("ResponseMetadata", None)
        live.data = {**data, "Targets": targets}
        return live

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """The rule's members, its targets by id and user tags; None when missing."""
        if live.data is None:
            return None
        return rule_view(live.data, live.data.get("Targets"), tagmod.user_tags(live.tags))

    # --- planning ----------------------------------------------------------------------
    def assess(self, ctx: PlanContext, desired: Desired, live: Live | None) -> Assessment:
        """The rule and its targets compared; a rule another service manages is a plan error. None before when
        missing."""
        if live is None:
            return Assessment(None, desired.comparable)
        if (live.data or {}).get("ManagedBy"):
            ctx.error(desired, f"rule {live.address.name} is managed by {live.data['ManagedBy']} and is never "
                               "changed here: rename the document")
        return Assessment(self.comparable(live), thaw(desired.comparable),
                          pending=self._bookkeeping(ctx, desired, live))

    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """PutRule when the rule changes (or is new), PutTargets for added or changed targets and RemoveTargets
        for removed ones (ten per request), tag steps for tags."""
        address = str(desired.address)
        request = thaw(desired.request)
        bus, rule = request.get("EventBusName", DEFAULT_BUS), request["Name"]
        wanted = {str(t["Id"]): t for t in thaw(desired.extra.get("targets")) or []}
        before, after = assessment.before or {}, assessment.after or {}
        live_targets = before.get("targets") or {}
        put = [wanted[i] for i in sorted(wanted) if live_targets.get(i) != after["targets"].get(i)]
        removed = sorted(set(live_targets) - set(wanted))
        steps: list[Step] = []
        rule_changed = live is None or {k: v for k, v in before.items() if k not in ("targets", "tags")} != \
            {k: v for k, v in after.items() if k not in ("targets", "tags")}
        arn = self.arn(ctx.region, ctx.account, desired.address.name)
        if rule_changed:
            params = request if live is not None else {**request, "Tags": tagmod.to_tag_list(desired.tags(ctx.stack))}
            recorded = {tagmod.HASH: desired.state_hash} if live is not None else {}
            steps.append(Step("PutRule", address, params, "create the rule" if live is None else
                              "replace the rule (PutRule sets every member)", recorded, arn if recorded else None))
        for chunk in _chunks(removed):
            steps.append(Step("RemoveTargets", address, {"Rule": rule, "EventBusName": bus, "Ids": chunk},
                              f"remove target{'s' if len(chunk) > 1 else ''} {', '.join(chunk)}"))
        for chunk in _chunks(put):
            ids = [str(t["Id"]) for t in chunk]
            steps.append(Step("PutTargets", address, {"Rule": rule, "EventBusName": bus, "Targets": chunk},
                              f"put target{'s' if len(ids) > 1 else ''} {', '.join(ids)}"))
        if live is None:
            return Planned("new rule", steps)
        if not rule_changed and (put or removed):
            steps[-1] = Step(steps[-1].operation, address, thaw(steps[-1].params), steps[-1].description,
                             {tagmod.HASH: desired.state_hash}, arn)
        steps.extend(self.tag_steps(ctx, desired, live, skip_hash=bool(steps)))
        reasons = []
        if rule_changed:
            reasons.append("rule changes")
        added = [str(t["Id"]) for t in put if str(t["Id"]) not in live_targets]
        changed = [str(t["Id"]) for t in put if str(t["Id"]) in live_targets]
        for ids, what in ((added, "added"), (changed, "changed")):
            if ids:
                reasons.append(f"target{'s' if len(ids) > 1 else ''} {', '.join(ids)} {what}")
        if removed:
            reasons.append(f"target{'s' if len(removed) > 1 else ''} {', '.join(removed)} removed")
        return Planned("; ".join(reasons) or self.tags_reason(assessment), steps)

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        """Its targets (EventBridge refuses to delete a rule that has any), then the rule."""
        bus, rule = split_name(live.address.name)
        address = str(live.address)
        ids = sorted(str(t["Id"]) for t in (live.data or {}).get("Targets") or [])
        steps = [Step("RemoveTargets", address, {"Rule": rule, "EventBusName": bus, "Ids": chunk},
                      "remove its targets") for chunk in _chunks(ids)]
        steps.append(Step("DeleteRule", address, {"Name": rule, "EventBusName": bus}, "delete the rule"))
        return steps

    # --- applying ----------------------------------------------------------------------
    def execute(self, ctx: ExecContext, step: Step) -> None:
        """PutRule, PutTargets / RemoveTargets (a failed entry fails the step, naming the target and EventBridge's
        reason), DeleteRule (gone already is done), retag."""
        events = ctx.clients.get("events")
        try:
            answer = call(events, step.operation, step.params_plain())
        except Exception as exc:
            if step.operation in ("DeleteRule", "RemoveTargets") and is_not_found(exc):
                return
            raise
        failed = answer.get("FailedEntries") or []
        if answer.get("FailedEntryCount") or failed:
            reasons = "; ".join(f"target {f.get('TargetId')}: {f.get('ErrorCode')}: {f.get('ErrorMessage')}"
                                for f in failed)
            raise ApplyError(f"{step.address}: {step.operation} failed for {answer.get('FailedEntryCount')} "
                             f"target(s): {reasons}")


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i:i + TARGETS_PER_REQUEST] for i in range(0, len(items), TARGETS_PER_REQUEST)]


HANDLER = EventRuleHandler
