"""Common behaviour of the Application Auto Scaling handlers (targets, policies, scheduled actions).

They are child types of an endpoint: found from the endpoint's variants, owned through the
endpoint (their `tags` are the endpoint's ownership tags, as AAS resources carry none of
ours), fingerprinted by content, created/updated after the endpoint has settled and
deleted before it changes. Every non-delete step records the endpoint's desired
autoscaling hash in its `reconciler:scaling` tag (the planner keeps that only on the last).
"""

from __future__ import annotations

from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.handlers import autoscaling as aas
from reconciler.handlers.base import ABSENT, Desired, ExecContext, Handler, Live, PlanContext
from reconciler.handlers.sagemaker_common import call, with_consistency_retry
from reconciler.hashing import content_hash
from reconciler.plan.model import Step


class AutoscalingHandler(Handler):
    service = "application-autoscaling"
    arn_type = ""
    tagging_type = ""
    immutable = False

    def name_from_arn(self, arn: str) -> str | None:
        return None  # never discovered through the tagging API

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` refreshed from AAS; `data` None when it is gone."""
        found = self.find(clients, live.address.name)
        live.data = found.data if found else None
        return live

    def group(self, address: Address, desired: Desired | None, live: Live | None) -> str | None:
        """Autoscaling steps go with their endpoint's rollout."""
        return aas.endpoint_of(address)

    def is_managed(self, live: Live, snapshot: Any) -> bool:
        """Autoscaling someone set up outside git on one of our endpoints is left alone (and the
        capacity it manages never fought) until the endpoint's spec manages autoscaling: the spec
        declares some, or reconciler applied some before (the endpoint's `reconciler:scaling` tag)."""
        address = Address("endpoint", aas.endpoint_of(live.address))
        endpoint = snapshot.live.get(address)
        if endpoint is not None and aas.SCALING_TAG in endpoint.tags:
            return True
        desired = snapshot.desired.get(address)
        return desired is not None and bool(desired.extra.get("autoscaled"))

    def fingerprint(self, live: Live | None) -> str:
        """Content hash (AAS resources carry no ownership tags)."""
        if live is None or live.data is None:
            return ABSENT
        return content_hash(self.comparable(live))

    def live_hash(self, live: Live) -> str:
        return content_hash(self.comparable(live))

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
        ep = ctx.desired.get(Address("endpoint", endpoint))
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
        client = ctx.clients.get("application-autoscaling")
        params = step.params_plain()
        if step.operation.startswith(("Register", "Put")):
            with_consistency_retry(lambda: call(client, step.operation, params), delay=2.0)
            return
        try:
            call(client, step.operation, params)
        except Exception as exc:
            from reconciler.aws.errors import is_not_found

            if not is_not_found(exc):
                raise

    def drift_labels(self, snap: Any, address: Address) -> tuple[list[str], str]:
        """Drift vs pending for an autoscaling difference, from the endpoint's `reconciler:scaling` tag."""
        from reconciler.handlers.registry import handler_for

        endpoint = aas.endpoint_of(address)
        ep_live = snap.live.get(Address("endpoint", endpoint))
        ep_desired = snap.desired.get(Address("endpoint", endpoint))
        applied = ep_live.tags.get(aas.SCALING_TAG) if ep_live else None
        items = []
        for a, lv in snap.live.items():
            if handler_for(a.type).parent_type and aas.endpoint_of(a) == endpoint and lv.data is not None:
                items.append((a.type, a.name, handler_for(a.type).comparable(lv)))
        live_hash = aas.scaling_hash(items)
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
