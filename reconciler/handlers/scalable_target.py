"""Handler for Application Auto Scaling scalable targets of endpoint variants
(`scalable-target/endpoint/<ep>/variant/<v>`).

RegisterScalableTarget creates or updates (a min/max change is one call). A target whose
variant's instance type changes, or whose variant is removed, is deregistered before the
UpdateEndpoint and registered again after it (SageMaker rejects the update otherwise).
Missing targets: `find` returns None.
"""

from __future__ import annotations

from typing import Any

from reconciler.addressing import Address
from reconciler.frozen import thaw
from reconciler.handlers import autoscaling as aas
from reconciler.handlers.base import Desired, Live, PlanContext, ResourcePlan
from reconciler.handlers.scaling_base import AutoscalingHandler
from reconciler.plan.model import Action, Change, Step


def _variants_of(live: Live) -> set[str]:
    data = live.data or {}
    names = {v["VariantName"] for v in data.get("ProductionVariants") or []}
    pending = data.get("PendingDeploymentSummary") or {}
    names |= {v["VariantName"] for v in pending.get("ProductionVariants") or []}
    return names


class ScalableTargetHandler(AutoscalingHandler):
    type = "scalable-target"
    parent_type = "endpoint"
    operations = frozenset({"RegisterScalableTarget", "DeregisterScalableTarget"})
    create_order = 40
    delete_order = 3

    def find(self, clients: Any, name: str) -> Live | None:
        """The registered target for resource id `name`; None when it is not registered."""
        client = clients.get("application-autoscaling")
        found = client.describe_scalable_targets(ServiceNamespace=aas.NAMESPACE, ResourceIds=[name])
        items = found.get("ScalableTargets", [])
        if not items:
            return None
        item = items[0]
        return self.child(Address(self.type, name), item.get("ScalableTargetARN", name), item, None)

    def discover(self, clients: Any, parents: list[Live], known: dict[Address, Live]) -> list[Live]:
        """Targets registered for the variants of `parents` (endpoints), 50 ids per call."""
        owners: dict[str, Live] = {}
        for ep in parents:
            for variant in _variants_of(ep):
                owners[aas.resource_id(ep.address.name, variant)] = ep
        ids = sorted(owners)
        out: list[Live] = []
        client = clients.get("application-autoscaling")
        for i in range(0, len(ids), aas.BATCH):
            items = aas.paginate(client, "DescribeScalableTargets", "ScalableTargets",
                                 ServiceNamespace=aas.NAMESPACE, ResourceIds=ids[i:i + aas.BATCH])
            for item in items:
                rid = item["ResourceId"]
                if rid in owners:
                    out.append(self.child(Address(self.type, rid), item.get("ScalableTargetARN", rid), item,
                                          owners[rid]))
        return out

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """Dimension, min and max capacity; None when missing."""
        return None if live.data is None else aas.target_comparable(live.data)

    def plan(self, ctx: PlanContext, desired: Desired | None, live: Live | None) -> ResourcePlan:
        """Register (after the endpoint), deregister (before it), or both around an instance-type change."""
        if desired is None:
            assert live is not None
            step = Step("DeregisterScalableTarget", str(live.address), deregister_params(live),
                        "deregister the scalable target (and its policies)")
            return ResourcePlan(Change(str(live.address), live.spec, Action.delete, "", self.comparable(live), None),
                                pre=[step])
        register = self.step(ctx, desired, "RegisterScalableTarget", thaw(desired.request),
                             "register the scalable target")
        if live is None:
            return ResourcePlan(Change(str(desired.address), desired.spec, Action.create, "new scalable target",
                                       None, desired.comparable), post=[register])
        endpoint, variant = aas.parse_resource_id(desired.address.name) or ("", "")
        before = self.comparable(live)
        if aas.needs_cycle(ctx, endpoint, variant):
            tags, arn = self.scaling_tags(ctx, desired)
            marker = {aas.SCALING_TAG: aas.PENDING_MARK} if tags else None
            deregister = Step("DeregisterScalableTarget", str(live.address), deregister_params(live),
                              "deregister before the endpoint update that needs it", marker, arn)
            reason = (f"variant {variant} changes instance type: deregistered before UpdateEndpoint and "
                      "registered again once the endpoint is InService")
            return ResourcePlan(Change(str(desired.address), desired.spec, Action.update, reason, before,
                                       desired.comparable), pre=[deregister], post=[register])
        if before == thaw(desired.comparable):
            return ResourcePlan()
        return ResourcePlan(Change(str(desired.address), desired.spec, Action.update, "capacity limits change",
                                   before, desired.comparable), post=[register])


def deregister_params(live: Live) -> dict[str, Any]:
    data = live.data or {}
    return {"ServiceNamespace": aas.NAMESPACE, "ResourceId": live.address.name,
            "ScalableDimension": data.get("ScalableDimension", aas.INSTANCE_DIMENSION)}
