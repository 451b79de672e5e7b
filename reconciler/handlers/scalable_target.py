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
from reconciler.aws.calls import paginate
from reconciler.changes import Action, Step
from reconciler.frozen import thaw
from reconciler.handlers import autoscaling as aas
from reconciler.handlers.base import Assessment, PlanContext, Planned
from reconciler.handlers.scaling_base import AutoscalingHandler
from reconciler.resources import Desired, Live


def _variants_of(live: Live) -> set[str]:
    data = live.data or {}
    names = {v["VariantName"] for v in data.get("ProductionVariants") or []}
    pending = data.get("PendingDeploymentSummary") or {}
    names |= {v["VariantName"] for v in pending.get("ProductionVariants") or []}
    return names


class ScalableTargetHandler(AutoscalingHandler):
    type = aas.TARGET_TYPE
    parent_type = aas.ENDPOINT_TYPE
    after = (aas.ENDPOINT_TYPE,)
    restore_operation = "RegisterScalableTarget"
    operations = frozenset({"RegisterScalableTarget", "DeregisterScalableTarget"})
    noun = "scalable target"

    def find(self, clients: Any, name: str) -> Live | None:
        """The registered target for resource id `name`; None when it is not registered."""
        client = clients.get(aas.SERVICE)
        found = client.describe_scalable_targets(ServiceNamespace=aas.NAMESPACE, ResourceIds=[name])
        items = found.get("ScalableTargets", [])
        if not items:
            return None
        item = items[0]
        return self.child(Address(self.type, name), item.get("ScalableTargetARN", name), item, None)

    def discover(self, clients: Any, parents: list[Live], known: Any) -> list[Live]:
        """Targets registered for the variants of `parents` (endpoints), 50 ids per call."""
        owners: dict[str, Live] = {}
        for ep in parents:
            for variant in _variants_of(ep):
                owners[aas.resource_id(ep.address.name, variant)] = ep
        ids = sorted(owners)
        out: list[Live] = []
        client = clients.get(aas.SERVICE)
        for i in range(0, len(ids), aas.BATCH):
            items = paginate(client, "DescribeScalableTargets", "ScalableTargets",
                             ServiceNamespace=aas.NAMESPACE, ResourceIds=ids[i:i + aas.BATCH])
            for item in items:
                rid = item["ResourceId"]
                if rid in owners:
                    out.append(self.child(Address(self.type, rid), item.get("ScalableTargetARN", rid), item,
                                          owners[rid]))
        return out

    def parent_of(self, address: Address) -> Address | None:
        parsed = aas.parse_resource_id(address.name)
        return Address(aas.ENDPOINT_TYPE, parsed[0]) if parsed else None

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """Dimension, min and max capacity; None when missing."""
        return None if live.data is None else aas.target_comparable(live.data)

    def cycle_reason(self, desired: Desired) -> str:
        _, variant = aas.parse_resource_id(desired.address.name) or ("", "")
        return (f"variant {variant} changes instance type: deregistered before UpdateEndpoint and registered again "
                "once the endpoint is InService")

    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """Register (after the endpoint), or deregister before it and register again after."""
        register = self.step(ctx, desired, "RegisterScalableTarget", thaw(desired.request),
                             "register the scalable target")
        if live is None:
            return Planned("new scalable target", post=[register])
        if assessment.pending:
            tags, arn = self.scaling_tags(ctx, desired)
            marker = {aas.SCALING_TAG: aas.PENDING_MARK} if tags else None
            deregister = Step("DeregisterScalableTarget", str(live.address), deregister_params(live),
                              "deregister before the endpoint update that needs it", marker, arn,
                              undo=(self.restore(ctx, live),))
            return Planned(assessment.pending, pre=[deregister], post=[register])
        return Planned("capacity limits change", post=[register])

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        return [Step("DeregisterScalableTarget", str(live.address), deregister_params(live),
                     "deregister the scalable target (and its policies)", undo=(self.restore(ctx, live),))]

    def restore_params(self, live: Live) -> dict[str, Any]:
        data = live.data or {}
        params = {**deregister_params(live), "MinCapacity": data.get("MinCapacity"),
                  "MaxCapacity": data.get("MaxCapacity")}
        if data.get("SuspendedState"):
            params["SuspendedState"] = data["SuspendedState"]
        return {k: v for k, v in params.items() if v is not None}


def deregister_params(live: Live) -> dict[str, Any]:
    data = live.data or {}
    return {"ServiceNamespace": aas.NAMESPACE, "ResourceId": live.address.name,
            "ScalableDimension": data.get("ScalableDimension", aas.INSTANCE_DIMENSION)}


HANDLER = ScalableTargetHandler
