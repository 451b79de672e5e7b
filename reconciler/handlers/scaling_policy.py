"""Handler for Application Auto Scaling scaling policies of endpoint variants
(`scaling-policy/endpoint/<ep>/variant/<v>/<policy name>`).

PutScalingPolicy creates or replaces a policy by name. Policies are deleted before their
target is deregistered and put again after it is registered again. Missing policies:
`find` returns None.
"""

from __future__ import annotations

from typing import Any

from reconciler.addressing import Address
from reconciler.frozen import thaw
from reconciler.handlers import autoscaling as aas
from reconciler.handlers.base import Desired, Live, PlanContext, ResourcePlan
from reconciler.handlers.scaling_base import AutoscalingHandler
from reconciler.plan.model import Action, Change, Step


class ScalingPolicyHandler(AutoscalingHandler):
    type = "scaling-policy"
    parent_type = "scalable-target"
    operations = frozenset({"PutScalingPolicy", "DeleteScalingPolicy"})
    create_order = 50
    delete_order = 1
    list_operation = "DescribeScalingPolicies"
    list_key = "ScalingPolicies"
    name_key = "PolicyName"
    names_param = "PolicyNames"
    put_operation = "PutScalingPolicy"
    delete_operation = "DeleteScalingPolicy"
    what = "scaling policy"

    def _comparable(self, data: dict[str, Any]) -> dict[str, Any]:
        return aas.policy_comparable(data)

    def find(self, clients: Any, name: str) -> Live | None:
        """The policy or action by its address name; None when it does not exist."""
        rid, child = aas.split_child_name(name)
        client = clients.get("application-autoscaling")
        items = aas.paginate(client, self.list_operation, self.list_key, ServiceNamespace=aas.NAMESPACE,
                             ResourceId=rid, **{self.names_param: [child]})
        item = next((i for i in items if i.get(self.name_key) == child), None)
        if item is None:
            return None
        return self.child(Address(self.type, name), self._arn(item, name), item, None)

    def _arn(self, item: dict[str, Any], name: str) -> str:
        return str(item.get("PolicyARN") or item.get("ScheduledActionARN") or name)

    def discover(self, clients: Any, parents: list[Live], known: dict[Address, Live]) -> list[Live]:
        """Every policy or action of the scalable targets in `parents`."""
        client = clients.get("application-autoscaling")
        out: list[Live] = []
        for target in parents:
            rid = target.address.name
            for item in aas.paginate(client, self.list_operation, self.list_key, ServiceNamespace=aas.NAMESPACE,
                                     ResourceId=rid):
                address = Address(self.type, aas.child_name(rid, item[self.name_key]))
                out.append(self.child(address, self._arn(item, address.name), item, target))
        return out

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """The policy (or action) in spec form; None when missing."""
        return None if live.data is None else self._comparable(live.data)

    def _key(self, live: Live) -> dict[str, Any]:
        rid, child = aas.split_child_name(live.address.name)
        data = live.data or {}
        return {"ServiceNamespace": aas.NAMESPACE, "ResourceId": rid, self.name_key: child,
                "ScalableDimension": data.get("ScalableDimension", aas.INSTANCE_DIMENSION)}

    def plan(self, ctx: PlanContext, desired: Desired | None, live: Live | None) -> ResourcePlan:
        """Put (after the endpoint and target), delete (before them), or both around a target re-registration."""
        if desired is None:
            assert live is not None
            step = Step(self.delete_operation, str(live.address), self._key(live), f"delete the {self.what}")
            return ResourcePlan(Change(str(live.address), live.spec, Action.delete, "", self.comparable(live), None),
                                pre=[step])
        put = self.step(ctx, desired, self.put_operation, thaw(desired.request), f"put the {self.what}")
        if live is None:
            return ResourcePlan(Change(str(desired.address), desired.spec, Action.create, f"new {self.what}", None,
                                       desired.comparable), post=[put])
        rid, _ = aas.split_child_name(desired.address.name)
        endpoint, variant = aas.parse_resource_id(rid) or ("", "")
        before = self.comparable(live)
        if Address("scalable-target", rid) in ctx.live and aas.needs_cycle(ctx, endpoint, variant):
            delete = Step(self.delete_operation, str(live.address), self._key(live),
                          f"delete the {self.what} before its target is deregistered")
            reason = f"its scalable target is re-registered around the update of variant {variant}"
            return ResourcePlan(Change(str(desired.address), desired.spec, Action.update, reason, before,
                                       desired.comparable), pre=[delete], post=[put])
        if before == thaw(desired.comparable):
            return ResourcePlan()
        return ResourcePlan(Change(str(desired.address), desired.spec, Action.update, f"{self.what} changes", before,
                                   desired.comparable), post=[put])
