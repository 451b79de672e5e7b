"""Common behaviour of the Application Auto Scaling handlers (targets, policies, scheduled actions).

Not a handler itself. They are child types of an endpoint: found from the endpoint's
variants, owned through the endpoint (their `tags` are the endpoint's ownership tags, as AAS
resources carry none of ours), fingerprinted by content, created/updated after the
endpoint has settled and deleted before it changes. Every non-delete step records the
endpoint's desired autoscaling hash in its `reconciler:scaling` tag (the planner keeps that
only on the last). `ScalingChildHandler` is the shared shape of policies and scheduled actions.
"""

from __future__ import annotations

from typing import Any, ClassVar

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.aws.calls import call, paginate
from reconciler.aws.errors import is_not_found
from reconciler.changes import Action, Change, Step
from reconciler.frozen import thaw
from reconciler.handlers import autoscaling as aas
from reconciler.handlers.base import (
    ABSENT,
    SAGEMAKER_TAGS,
    Assessment,
    ExecContext,
    Handler,
    PlanContext,
    Planned,
    View,
)
from reconciler.handlers.sagemaker_common import with_consistency_retry
from reconciler.hashing import content_hash
from reconciler.resources import Desired, Live


class AutoscalingHandler(Handler):
    service = aas.SERVICE
    arn_type = ""
    tagging_type = ""
    immutable = False
    delete_stage = "pre"
    superseded_reason = "no longer in its Endpoint's autoscaling spec"
    tag_api = None  # AAS resources carry none of our tags: the endpoint records their state

    def name_from_arn(self, arn: str) -> str | None:
        return None  # never discovered through the tagging API

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` refreshed from AAS; `data` None when it is gone."""
        found = self.find(clients, live.address.name)
        live.data = found.data if found else None
        return live

    def group(self, address: Address, desired: Desired | None, live: Live | None) -> Address | None:
        """Autoscaling steps go with their endpoint's rollout."""
        return Address(aas.ENDPOINT_TYPE, aas.endpoint_of(address))

    def is_managed(self, live: Live, view: View) -> bool:
        """Autoscaling someone set up outside git on one of our endpoints is left alone (and the
        capacity it manages never fought) until the endpoint's spec manages autoscaling: the spec
        declares some, or reconciler applied some before (the endpoint's `reconciler:scaling` tag)."""
        address = Address(aas.ENDPOINT_TYPE, aas.endpoint_of(live.address))
        endpoint = view.live.get(address)
        if endpoint is not None and aas.SCALING_TAG in endpoint.tags:
            return True
        desired = view.desired.get(address)
        return desired is not None and bool(desired.extra.get("autoscaled"))

    def fingerprint(self, live: Live | None) -> str:
        """Content hash (AAS resources carry no ownership tags)."""
        if live is None or live.data is None:
            return ABSENT
        return content_hash(self.comparable(live))

    def live_hash(self, live: Live) -> str:
        return content_hash(self.comparable(live))

    def cycles(self, ctx: PlanContext, desired: Desired) -> bool:
        """Must this resource be deleted before its endpoint's update and put again after it?"""
        endpoint, variant = aas.parse_resource_id(aas.split_child_name(desired.address.name)[0]) or ("", "")
        return aas.needs_cycle(ctx, endpoint, variant)

    def assess(self, ctx: PlanContext, desired: Desired, live: Live | None) -> Assessment:
        """Content compared; a re-registration around the endpoint update is work due even when equal."""
        if live is None:
            return Assessment(None, desired.comparable)
        cycle = self.cycles(ctx, desired)
        return Assessment(self.comparable(live), thaw(desired.comparable),
                          pending=self.cycle_reason(desired) if cycle else None)

    def cycle_reason(self, desired: Desired) -> str:
        raise NotImplementedError

    def restore_params(self, live: Live) -> dict[str, Any]:
        """The request that puts `live` back as it was read (for undoing its removal)."""
        raise NotImplementedError

    def restore(self, ctx: PlanContext, live: Live) -> Step:
        """The step that puts `live` back when the update it was removed for fails; the target's restore
        also puts the endpoint's `reconciler:scaling` tag back to what it was."""
        tags: dict[str, str] | None = None
        arn = None
        if self.parent_type == aas.ENDPOINT_TYPE:
            endpoint = aas.endpoint_of(live.address)
            ep = ctx.live.get(Address(aas.ENDPOINT_TYPE, endpoint))
            previous = ep.tags.get(aas.SCALING_TAG) if ep is not None else None
            if previous and previous != aas.PENDING_MARK:
                tags, arn = {aas.SCALING_TAG: previous}, ep.arn if ep is not None else None
        return Step(self.restore_operation, str(live.address), self.restore_params(live), f"restore the {self.noun}",
                    tags, arn)

    restore_operation: ClassVar[str]  # the call that puts a removed resource back

    @staticmethod
    def child(address: Address, arn: str, data: dict[str, Any], owner: Live | None) -> Live:
        tags = {}
        if owner is not None:
            tags = {k: v for k, v in owner.tags.items() if k in (tagmod.STACK, tagmod.ADDRESS)}
        return Live(address, arn, tags, data)

    @staticmethod
    def scaling_tags(ctx: PlanContext, desired: Desired) -> tuple[dict[str, str] | None, str | None]:
        """The `reconciler:scaling` tag to record on the endpoint after this step, and its ARN."""
        endpoint = aas.endpoint_of(desired.address)
        ep = ctx.desired.get(Address(aas.ENDPOINT_TYPE, endpoint))
        if ep is None:
            return None, None
        arn = f"arn:aws:sagemaker:{ctx.region}:{ctx.account}:endpoint/{endpoint}"
        return {aas.SCALING_TAG: str(ep.extra.get("scaling_hash", ""))}, arn

    def step(self, ctx: PlanContext, desired: Desired, operation: str, params: dict[str, Any],
             description: str) -> Step:
        tags, arn = self.scaling_tags(ctx, desired)
        return Step(operation, str(desired.address), params, description, tags, arn)

    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Run one AAS call; registering right after an endpoint settles is retried while AAS catches up."""
        client = ctx.clients.get(aas.SERVICE)
        params = step.params_plain()
        if step.operation.startswith(("Register", "Put")):
            with_consistency_retry(lambda: call(client, step.operation, params), delay=2.0)
            return
        try:
            call(client, step.operation, params)
        except Exception as exc:
            if not is_not_found(exc):
                raise

    def record_tags(self, ctx: ExecContext, step: Step) -> None:
        """The endpoint's `reconciler:scaling` tag, with SageMaker's AddTags on the endpoint."""
        if step.tags and step.tag_arn:
            call(ctx.clients.sagemaker, SAGEMAKER_TAGS.add,
                 {SAGEMAKER_TAGS.arn_param: step.tag_arn, "Tags": tagmod.to_tag_list(thaw(step.tags))})

    def drift_labels(self, view: View, change: Change) -> tuple[list[str], str]:
        """Drift vs pending for an autoscaling difference, from the endpoint's `reconciler:scaling` tag."""
        address = Address.parse(change.address)
        if change.action is Action.delete:
            return ["pending"], change.reason or "to be deleted"
        labels, note = self._labels(view, address)
        return labels, note + (f" ({change.reason})" if change.reason else "")

    def _labels(self, view: View, address: Address) -> tuple[list[str], str]:
        endpoint = aas.endpoint_of(address)
        ep_live = view.live.get(Address(aas.ENDPOINT_TYPE, endpoint))
        ep_desired = view.desired.get(Address(aas.ENDPOINT_TYPE, endpoint))
        applied = ep_live.tags.get(aas.SCALING_TAG) if ep_live else None
        live_hash = live_scaling_hash(view, endpoint)
        desired_hash = ep_desired.extra.get("scaling_hash") if ep_desired else None
        labels: list[str] = []
        notes: list[str] = []
        if applied == aas.PENDING_MARK:
            return ["pending"], "an apply deregistered this endpoint's autoscaling to update it and did not finish"
        if applied is not None and live_hash != applied:
            labels.append("drift")
            notes.append("the endpoint's autoscaling changed outside git since it was applied")
        if applied is None or desired_hash != applied:
            labels.append("pending")
            notes.append("the autoscaling spec changed since the last apply")
        return labels or ["pending"], "; ".join(notes)


def live_scaling_hash(view: View, endpoint: str) -> str:
    """The hash of the live autoscaling of `endpoint` (its scalable targets, policies and actions), as
    `reconciler:scaling` records the desired one."""
    items = []
    for a, lv in view.live.items():
        handler = view.handler(a.type)
        if handler.parent_type and aas.endpoint_of(a) == endpoint and lv.data is not None:
            items.append((a.type, a.name, handler.comparable(lv)))
    return aas.scaling_hash(items)


class ScalingChildHandler(AutoscalingHandler):
    """A policy or scheduled action of a scalable target, put by name and deleted by name."""

    parent_type = aas.TARGET_TYPE
    after = (aas.TARGET_TYPE,)
    list_operation: ClassVar[str]
    list_key: ClassVar[str]
    name_key: ClassVar[str]
    names_param: ClassVar[str]
    put_operation: ClassVar[str]
    delete_operation: ClassVar[str]

    def child_comparable(self, data: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def restore_params(self, live: Live) -> dict[str, Any]:
        from reconciler.aws.shapes import input_members
        from reconciler.diff.policy import iso_utc

        members = input_members(aas.SERVICE, self.put_operation)
        data = live.data or {}
        return {k: (iso_utc(v) if k in ("StartTime", "EndTime") else v) for k, v in data.items()
                if k in members and v not in (None, {}, [])}

    def find(self, clients: Any, name: str) -> Live | None:
        """The policy or action by its address name; None when it does not exist."""
        rid, child = aas.split_child_name(name)
        items = paginate(clients.get(aas.SERVICE), self.list_operation, self.list_key, ServiceNamespace=aas.NAMESPACE,
                         ResourceId=rid, **{self.names_param: [child]})
        item = next((i for i in items if i.get(self.name_key) == child), None)
        if item is None:
            return None
        return self.child(Address(self.type, name), self._arn(item, name), item, None)

    def _arn(self, item: dict[str, Any], name: str) -> str:
        return str(item.get("PolicyARN") or item.get("ScheduledActionARN") or name)

    def discover(self, clients: Any, parents: list[Live], known: Any) -> list[Live]:
        """Every policy or action of the scalable targets in `parents`."""
        client = clients.get(aas.SERVICE)
        out: list[Live] = []
        for target in parents:
            rid = target.address.name
            for item in paginate(client, self.list_operation, self.list_key, ServiceNamespace=aas.NAMESPACE,
                                 ResourceId=rid):
                address = Address(self.type, aas.child_name(rid, item[self.name_key]))
                out.append(self.child(address, self._arn(item, address.name), item, target))
        return out

    def parent_of(self, address: Address) -> Address | None:
        return Address(aas.TARGET_TYPE, aas.split_child_name(address.name)[0])

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """The policy (or action) in spec form; None when missing."""
        return None if live.data is None else self.child_comparable(live.data)

    def _key(self, live: Live) -> dict[str, Any]:
        rid, child = aas.split_child_name(live.address.name)
        data = live.data or {}
        return {"ServiceNamespace": aas.NAMESPACE, "ResourceId": rid, self.name_key: child,
                "ScalableDimension": data.get("ScalableDimension", aas.INSTANCE_DIMENSION)}

    def cycles(self, ctx: PlanContext, desired: Desired) -> bool:
        rid, _ = aas.split_child_name(desired.address.name)
        return Address(aas.TARGET_TYPE, rid) in ctx.live and super().cycles(ctx, desired)

    def cycle_reason(self, desired: Desired) -> str:
        rid, _ = aas.split_child_name(desired.address.name)
        _, variant = aas.parse_resource_id(rid) or ("", "")
        return f"its scalable target is re-registered around the update of variant {variant}"

    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """Put (after the endpoint and target), or delete before them and put again after."""
        put = self.step(ctx, desired, self.put_operation, thaw(desired.request), f"put the {self.noun}")
        if live is None:
            return Planned(f"new {self.noun}", post=[put])
        if assessment.pending:
            delete = Step(self.delete_operation, str(live.address), self._key(live),
                          f"delete the {self.noun} before its target is deregistered", undo=(self.restore(ctx, live),))
            return Planned(assessment.pending, pre=[delete], post=[put])
        return Planned(f"{self.noun} changes", post=[put])

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        return [Step(self.delete_operation, str(live.address), self._key(live), f"delete the {self.noun}",
                     undo=(self.restore(ctx, live),))]
