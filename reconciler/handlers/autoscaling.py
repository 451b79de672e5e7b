"""Shared Application Auto Scaling knowledge for the scalable-target, scaling-policy and
scheduled-action handlers (not a handler itself): resource ids, dimensions, field policies,
the deregister/re-register rule, and the applied-state hash recorded on the endpoint.

An endpoint variant's autoscaling is owned through its endpoint (AAS resources are found
from the endpoint's variants, not by tags). The hash of an endpoint's whole desired
autoscaling state is recorded on the endpoint as the `reconciler:scaling` tag by the last
autoscaling step of a plan; drift compares the live autoscaling state with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.addressing import Address
from reconciler.aws.shapes import request_from_api
from reconciler.diff.policy import FieldPolicy
from reconciler.handlers.variants import config_request
from reconciler.hashing import content_hash

NAMESPACE = "sagemaker"
SERVICE = "application-autoscaling"
INSTANCE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
SERVERLESS_DIMENSION = "sagemaker:variant:DesiredProvisionedConcurrency"
SCALING_TAG = "reconciler:scaling"
PENDING_MARK = "re-registering"  # recorded while an apply has deregistered targets it registers again
BATCH = 50  # DescribeScalableTargets takes at most 50 resource ids
ENDPOINT_TYPE = "endpoint"
TARGET_TYPE = "scalable-target"

# The members of an Application Auto Scaling request that identify the scalable target; the
# reconciler derives them from the endpoint and variant, so specs never carry them.
TARGET_MEMBERS: tuple[str, ...] = ("ServiceNamespace", "ResourceId", "ScalableDimension")
# Predictive scaling is for ECS services only: a SageMaker variant cannot use it.
ECS_ONLY_MEMBERS: tuple[str, ...] = ("PredictiveScalingPolicyConfiguration",)
POLICY_OMIT = (*TARGET_MEMBERS, *ECS_ONLY_MEMBERS)
ACTION_OMIT = TARGET_MEMBERS

_FLOATS = ("TargetValue", "MetricIntervalLowerBound", "MetricIntervalUpperBound")

POLICY_FIELDS = FieldPolicy(
    members=frozenset({"PolicyName", "PolicyType", "StepScalingPolicyConfiguration",
                       "TargetTrackingScalingPolicyConfiguration", "PredictiveScalingPolicyConfiguration"}),
    prune=("top",),
    numbers=tuple((f"**.{key}", float) for key in _FLOATS),
    falsy_absent=("TargetTrackingScalingPolicyConfiguration.DisableScaleIn",),
)
ACTION_FIELDS = FieldPolicy(
    members=frozenset({"ScheduledActionName", "Schedule", "Timezone", "StartTime", "EndTime",
                       "ScalableTargetAction"}),
    prune=("top",),
    timestamps=("StartTime", "EndTime"),
    omit_defaults=(("Timezone", ("UTC", "Etc/UTC")),),
)


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


def target_comparable(api: Mapping[str, Any]) -> dict[str, Any]:
    return {"scalableDimension": api.get("ScalableDimension"), "minCapacity": api.get("MinCapacity"),
            "maxCapacity": api.get("MaxCapacity")}


def policy_comparable(api: Mapping[str, Any]) -> dict[str, Any]:
    """PutScalingPolicy parameters or a DescribeScalingPolicies entry, normalized, in spec form."""
    return request_from_api(POLICY_FIELDS.normalize(api), SERVICE, "PutScalingPolicy", omit=POLICY_OMIT)


def action_comparable(api: Mapping[str, Any]) -> dict[str, Any]:
    """PutScheduledAction parameters or a DescribeScheduledActions entry, normalized, in spec form."""
    return request_from_api(ACTION_FIELDS.normalize(api), SERVICE, "PutScheduledAction", omit=ACTION_OMIT)


def scaling_hash(items: Iterable[tuple[str, str, Mapping[str, Any]]]) -> str:
    """Hash of an endpoint's autoscaling state from (type, address name, comparable) triples."""
    state = sorted((t, n, content_hash(c)) for t, n, c in items)
    return content_hash(state)


def needs_cycle(view: Any, endpoint: str, variant: str) -> bool:
    """Must this variant's scalable target be deregistered before the endpoint changes?

    SageMaker rejects an UpdateEndpoint that changes the instance type of, or removes, a
    variant registered as a scalable target; a replaced (Failed) endpoint loses them too.
    """
    address = Address(ENDPOINT_TYPE, endpoint)
    ep_live = view.live.get(address)
    ep_desired = view.desired.get(address)
    if ep_live is None or ep_desired is None or ep_live.data is None:
        return False
    if view.holder_of(address):
        return False  # a shadow test holds the endpoint: reconciler does not update it meanwhile
    if ep_live.data.get("EndpointStatus") == "Failed":
        return True
    new_name = ep_desired.request["EndpointConfigName"]
    old_name = ep_live.data.get("EndpointConfigName")
    if new_name == old_name:
        return False
    new = config_request(view, new_name)
    old = config_request(view, old_name)
    if new is None or old is None:
        return True  # cannot tell: deregistering and registering again is always safe
    new_v = _variant(new, variant)
    old_v = _variant(old, variant)
    if new_v is None:
        return True
    if old_v is None:
        return False
    return new_v.get("InstanceType") != old_v.get("InstanceType")


def _variant(request: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    return next((v for v in request.get("ProductionVariants", []) if v.get("VariantName") == name), None)
