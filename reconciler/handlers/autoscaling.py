"""Shared Application Auto Scaling knowledge for the scalable-target, scaling-policy and
scheduled-action handlers: resource ids, dimensions, normalization, the deregister/
re-register rule, and the applied-state hash recorded on the endpoint.

An endpoint variant's autoscaling is owned through its endpoint (AAS resources are found
from the endpoint's variants, not by tags). The hash of an endpoint's whole desired
autoscaling state is recorded on the endpoint as the `reconciler:scaling` tag by the last
autoscaling step of a plan; drift compares the live autoscaling state with it.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.addressing import Address
from reconciler.hashing import content_hash

NAMESPACE = "sagemaker"
INSTANCE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
SERVERLESS_DIMENSION = "sagemaker:variant:DesiredProvisionedConcurrency"
SCALING_TAG = "reconciler:scaling"
PENDING_MARK = "re-registering"  # recorded while an apply has deregistered targets it registers again
SHORTHAND = {
    # spec key -> (policy name, predefined metric)
    "targetInvocationsPerInstance": ("invocations-per-instance", "SageMakerVariantInvocationsPerInstance"),
    "targetProvisionedConcurrencyUtilization": ("provisioned-concurrency-utilization",
                                                "SageMakerVariantProvisionedConcurrencyUtilization"),
}
FLOAT_KEYS = {"TargetValue", "MetricIntervalLowerBound", "MetricIntervalUpperBound"}
BATCH = 50  # DescribeScalableTargets takes at most 50 resource ids


def resource_id(endpoint: str, variant: str) -> str:
    return f"endpoint/{endpoint}/variant/{variant}"


def parse_resource_id(rid: str) -> tuple[str, str] | None:
    parts = rid.split("/")
    if len(parts) != 4 or parts[0] != "endpoint" or parts[2] != "variant":
        return None
    return parts[1], parts[3]


def child_name(rid: str, name: str) -> str:
    """A policy's or scheduled action's address name: `endpoint/<ep>/variant/<v>/<name>`."""
    return f"{rid}/{name}"


def split_child_name(name: str) -> tuple[str, str]:
    parts = name.split("/", 4)
    return "/".join(parts[:4]), parts[4] if len(parts) > 4 else ""


def endpoint_of(address: Address) -> str:
    parsed = parse_resource_id(split_child_name(address.name)[0])
    return parsed[0] if parsed else ""


def _floats(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (float(v) if k in FLOAT_KEYS and isinstance(v, (int, float)) else _floats(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return value


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        stamp = value
    else:
        from botocore.utils import parse_timestamp

        stamp = parse_timestamp(str(value))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalize_policy(api: Mapping[str, Any]) -> dict[str, Any]:
    """PutScalingPolicy parameters or a DescribeScalingPolicies entry, in comparable API form."""
    keep = {"PolicyName", "PolicyType", "StepScalingPolicyConfiguration", "TargetTrackingScalingPolicyConfiguration",
            "PredictiveScalingPolicyConfiguration"}
    out = _floats(copy.deepcopy({k: v for k, v in api.items() if k in keep and v not in (None, {}, [])}))
    tracking = out.get("TargetTrackingScalingPolicyConfiguration")
    if isinstance(tracking, dict) and not tracking.get("DisableScaleIn"):
        tracking.pop("DisableScaleIn", None)
    return out


def normalize_action(api: Mapping[str, Any]) -> dict[str, Any]:
    """PutScheduledAction parameters or a DescribeScheduledActions entry, in comparable API form."""
    keep = {"ScheduledActionName", "Schedule", "Timezone", "StartTime", "EndTime", "ScalableTargetAction"}
    out = copy.deepcopy({k: v for k, v in api.items() if k in keep and v not in (None, {}, [])})
    for key in ("StartTime", "EndTime"):
        if key in out:
            out[key] = _iso(out[key])
    if str(out.get("Timezone", "")).upper() in ("UTC", "ETC/UTC"):
        out.pop("Timezone")
    return out


def target_comparable(api: Mapping[str, Any]) -> dict[str, Any]:
    return {"scalableDimension": api.get("ScalableDimension"), "minCapacity": api.get("MinCapacity"),
            "maxCapacity": api.get("MaxCapacity")}


def policy_comparable(api: Mapping[str, Any]) -> dict[str, Any]:
    from reconciler.spec.shapes import policy_from_api

    return policy_from_api(normalize_policy(api))


def action_comparable(api: Mapping[str, Any]) -> dict[str, Any]:
    from reconciler.spec.shapes import scheduled_action_from_api

    return scheduled_action_from_api(normalize_action(api))


def scaling_hash(items: Iterable[tuple[str, str, Mapping[str, Any]]]) -> str:
    """Hash of an endpoint's autoscaling state from (type, address name, comparable) triples."""
    state = sorted((t, n, content_hash(c)) for t, n, c in items)
    return content_hash(state)


def needs_cycle(ctx: Any, endpoint: str, variant: str) -> bool:
    """Must this variant's scalable target be deregistered before the endpoint changes?

    SageMaker rejects an UpdateEndpoint that changes the instance type of, or removes, a
    variant registered as a scalable target; a replaced (Failed) endpoint loses them too.
    """
    ep_live = ctx.live.get(Address("endpoint", endpoint))
    ep_desired = ctx.desired.get(Address("endpoint", endpoint))
    if ep_live is None or ep_desired is None or ep_live.data is None:
        return False
    from reconciler.handlers.endpoint import EndpointHandler

    if EndpointHandler.experiment_of(ctx, endpoint):
        return False  # a shadow test holds the endpoint: reconciler does not update it meanwhile
    if ep_live.data.get("EndpointStatus") == "Failed":
        return True
    new_name = ep_desired.request["EndpointConfigName"]
    old_name = ep_live.data.get("EndpointConfigName")
    if new_name == old_name:
        return False
    new = _config_request(ctx, new_name)
    old = _config_request(ctx, old_name)
    if new is None or old is None:
        return True  # cannot tell: deregistering and registering again is always safe
    new_v = _variant(new, variant)
    old_v = _variant(old, variant)
    if new_v is None:
        return True
    if old_v is None:
        return False
    return new_v.get("InstanceType") != old_v.get("InstanceType")


def _config_request(ctx: Any, name: str | None) -> dict[str, Any] | None:
    if not name:
        return None
    address = Address("endpoint-config", name)
    desired = ctx.desired.get(address)
    if desired is not None:
        from reconciler.frozen import thaw

        return thaw(desired.request)
    live = ctx.live.get(address)
    if live is None:
        return None
    return ctx.handler("endpoint-config").request_of(ctx.describe(live))  # type: ignore[no-any-return]


def _variant(request: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    return next((v for v in request.get("ProductionVariants", []) if v.get("VariantName") == name), None)


def paginate(client: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    from reconciler.handlers.sagemaker_common import snake

    items: list[dict[str, Any]] = []
    for page in client.get_paginator(snake(operation)).paginate(**params):
        items.extend(page.get(key, []))
    return items
