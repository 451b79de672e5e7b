"""Plan-time checks of an endpoint change that depend on live state (SageMaker would reject the call).

Each appends a plan error at the document's position: rollback alarms that exist nowhere (and
which are in ALARM already, for a warning), a
guarded deployment that renames variants, removing async inference, turning a real-time
endpoint serverless.
"""

from __future__ import annotations

from typing import Any

from reconciler.addressing import Address
from reconciler.frozen import thaw
from reconciler.handlers import autoscaling as aas
from reconciler.handlers.base import PlanContext
from reconciler.handlers.variants import config_request
from reconciler.resources import Desired, Live


def check_alarms(ctx: PlanContext, desired: Desired) -> set[str]:
    """Every rollback alarm must be in the stack or already in the account; the ones in ALARM now."""
    deployment = thaw(desired.extra.get("deploymentConfig")) or {}
    names = [a.get("AlarmName") for a in (deployment.get("AutoRollbackConfiguration") or {}).get("Alarms") or []]
    alarming = {n for n in names if n and ((ctx.live.get(Address("alarm", n)) or _NO_ALARM).data or {}).get(
        "StateValue") == "ALARM"}
    outside = sorted({n for n in names if n and Address("alarm", n) not in ctx.desired})
    if not outside:
        return alarming
    found = ctx.clients.get("cloudwatch").describe_alarms(AlarmNames=outside,
                                                          AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    alarms = found.get("MetricAlarms", []) + found.get("CompositeAlarms", [])
    found_names = {a["AlarmName"] for a in alarms}
    alarming |= {a["AlarmName"] for a in alarms if a.get("StateValue") == "ALARM"}
    for name in outside:
        if name not in found_names:
            ctx.error(desired, f"rollback alarm '{name}' is neither an Alarm document of this stack nor an alarm in "
                               "the account; define it as an Alarm or fix its name",
                      at=(desired.extra.get("positions") or {}).get(f"alarm:{name}"))
    return alarming


_NO_ALARM = Live(Address("alarm", ""), "", {})


def check_guarded_variants(ctx: PlanContext, desired: Desired, live: set[str], target: set[str]) -> None:
    """Blue/green and rolling deployments need the new config to keep the live variant names."""
    if live != target:
        ctx.error(desired, f"a guarded deployment (deploymentConfig) needs the same variant names as the live "
                           f"endpoint (live: {', '.join(sorted(live))}; spec: {', '.join(sorted(target))}); rename "
                           "the variants back, or apply the rename in a separate change without deploymentConfig")


def check_live_limits(ctx: PlanContext, desired: Desired, live: Live) -> None:
    """Limits that depend on live state: SageMaker rejects these UpdateEndpoint calls."""
    old = config_request(ctx, (live.data or {}).get("EndpointConfigName"), sources=("live",))
    if old is None:
        return
    new: dict[str, Any] | None = config_request(ctx, desired.request["EndpointConfigName"], sources=("desired",))
    if new is None:
        return
    if old.get("AsyncInferenceConfig") and not new.get("AsyncInferenceConfig"):
        ctx.error(desired, "asyncInferenceConfig cannot be removed from an existing asynchronous endpoint "
                           "(SageMaker rejects the UpdateEndpoint); an async endpoint stays async: create a new "
                           "endpoint for real-time inference")
    old_serverless = any("ServerlessConfig" in v for v in old.get("ProductionVariants", []))
    new_serverless = any("ServerlessConfig" in v for v in new.get("ProductionVariants", []))
    if not old_serverless and new_serverless:
        ctx.error(desired, "a real-time (instance-based) endpoint cannot become serverless with UpdateEndpoint; "
                           "create a new endpoint for the serverless variant")


def check_unmanaged_targets(ctx: PlanContext, desired: Desired, unmanaged: set[str]) -> None:
    """A variant scaled by a target set up outside git cannot change instance type (SageMaker rejects the
    UpdateEndpoint while it is registered), and reconciler never touches that target."""
    for variant in sorted(unmanaged):
        if aas.needs_cycle(ctx, desired.address.name, variant):
            rid = aas.resource_id(desired.address.name, variant)
            ctx.error(desired, f"variant {variant} is registered as a scalable target set up outside git ({rid}); "
                               "SageMaker rejects an UpdateEndpoint that changes its instance type or removes it while "
                               "it is registered. Declare the variant's autoscaling in the spec (reconciler then "
                               "deregisters and registers it around the update), or deregister it first: aws "
                               "application-autoscaling deregister-scalable-target --service-namespace sagemaker "
                               f"--resource-id {rid} --scalable-dimension sagemaker:variant:DesiredInstanceCount")
