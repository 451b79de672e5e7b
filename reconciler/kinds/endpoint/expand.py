"""Expansion of an Endpoint document: its content-addressed endpoint config, the endpoint, and
each autoscaled variant's scalable target, scaling policies and scheduled actions.

The config's name hashes its normalized request without what the endpoint owns live
(initial weights and counts, serverless concurrency), so a weight-only change keeps the
config. The endpoint's comparable view is the config it serves and each variant's weight and
count (autoscaled capacity masked). The hash of the whole desired autoscaling state rides on
the endpoint as `scaling_hash` (recorded in its `reconciler:scaling` tag when applied).
"""

from __future__ import annotations

from typing import Any

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.handlers import autoscaling as aas
from reconciler.handlers.endpoint_config import EndpointConfigHandler
from reconciler.handlers.scalable_target import ScalableTargetHandler
from reconciler.handlers.scaling_policy import ScalingPolicyHandler
from reconciler.handlers.scheduled_action import ScheduledActionHandler
from reconciler.handlers.variants import initial_values, mask_scaled
from reconciler.hashing import content_hash
from reconciler.kinds.base import ExpandContext, desired
from reconciler.kinds.endpoint.schema import (
    deployment_config_shape,
    policy_to_api,
    scheduled_action_to_api,
    split_variant_extensions,
)
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.references import substitute

CONFIG = EndpointConfigHandler()
TARGET, POLICY, ACTION = ScalableTargetHandler(), ScalingPolicyHandler(), ScheduledActionHandler()
ENDPOINT_TYPE = "endpoint"

SHORTHAND = {
    # spec key -> (policy name, predefined metric)
    "targetInvocationsPerInstance": ("invocations-per-instance", "SageMakerVariantInvocationsPerInstance"),
    "targetProvisionedConcurrencyUtilization": ("provisioned-concurrency-utilization",
                                                "SageMakerVariantProvisionedConcurrencyUtilization"),
}


def config_key(doc: SpecDoc) -> str:
    """The adoption key of an Endpoint document's endpoint config."""
    return f"{doc.address}#config"


def expand(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    spec = substitute(doc.spec, ctx.resolve)
    deployment = spec.pop("deploymentConfig", None)
    variants, scaling = split_variant_extensions(spec.get("productionVariants") or [])
    spec["productionVariants"] = variants
    request = to_api(spec, operation_input("sagemaker", "CreateEndpointConfig"))
    config_name = ctx.content_name(config_key(doc), doc.aws_name, CONFIG.normalized(request))
    tags = ctx.user_tags(doc)
    config = desired(doc, Address(CONFIG.type, config_name), {"EndpointConfigName": config_name, **request},
                     CONFIG.comparable_of(request, tags), tags,
                     state_hash=content_hash({"name": config_name, "tags": tags}), adopt_key=config_key(doc))
    children = expand_autoscaling(doc, request, scaling)
    autoscaled = {v: d for v, d in ((c.extra["variant"], c.request["ScalableDimension"]) for c in children
                                    if c.address.type == TARGET.type)}
    endpoint_comparable = {"endpointConfigName": config_name,
                           "variants": mask_scaled(initial_values(request), set(autoscaled)), "tags": tags}
    extra: dict[str, Any] = {
        "autoscaled": autoscaled,
        "scaling_hash": aas.scaling_hash((c.address.type, c.address.name, c.comparable) for c in children),
    }
    if deployment:
        extra["deploymentConfig"] = to_api(deployment, deployment_config_shape())
        alarms = (deployment.get("autoRollbackConfiguration") or {}).get("alarms") or []
        extra["positions"] = {f"alarm:{a.get('alarmName')}": str(doc.doc.pos(
            ("spec", "deploymentConfig", "autoRollbackConfiguration", "alarms", i, "alarmName")))
            for i, a in enumerate(alarms)}
    endpoint = desired(doc, Address(ENDPOINT_TYPE, doc.aws_name),
                       {"EndpointName": doc.aws_name, "EndpointConfigName": config_name}, endpoint_comparable, tags,
                       extra=extra)
    ctx.define(doc, doc.aws_name, ctx.arn("endpoint", doc.aws_name))
    return [config, endpoint, *children]


def expand_autoscaling(doc: SpecDoc, request: dict[str, Any], scaling: dict[str, Any]) -> list[Desired]:
    """Scalable targets, scaling policies and scheduled actions of an Endpoint's autoscaled variants."""
    out: list[Desired] = []
    by_name = {v["VariantName"]: v for v in request.get("ProductionVariants", [])}
    for index, (variant, spec) in enumerate(scaling.items()):
        if not spec:
            continue
        path = ("spec", "productionVariants", index, "autoscaling")
        serverless = "ServerlessConfig" in by_name.get(variant, {})
        dimension = aas.SERVERLESS_DIMENSION if serverless else aas.INSTANCE_DIMENSION
        rid = aas.resource_id(doc.aws_name, variant)
        key = {"ServiceNamespace": aas.NAMESPACE, "ResourceId": rid, "ScalableDimension": dimension}
        target = {**key, "MinCapacity": spec["minCapacity"], "MaxCapacity": spec["maxCapacity"]}
        extra = {"endpoint": doc.aws_name, "variant": variant}
        out.append(desired(doc, Address(TARGET.type, rid), target, aas.target_comparable(target), {}, extra=extra,
                           protect=False, position_path=path))
        policies = [policy_to_api(p) for p in spec.get("policies") or []]
        for shorthand, (policy_name, metric) in SHORTHAND.items():
            if shorthand in spec:
                config: dict[str, Any] = {"TargetValue": float(spec[shorthand]),
                                          "PredefinedMetricSpecification": {"PredefinedMetricType": metric}}
                if "scaleInCooldown" in spec:
                    config["ScaleInCooldown"] = spec["scaleInCooldown"]
                if "scaleOutCooldown" in spec:
                    config["ScaleOutCooldown"] = spec["scaleOutCooldown"]
                policies.insert(0, {"PolicyName": policy_name, "PolicyType": "TargetTrackingScaling",
                                    "TargetTrackingScalingPolicyConfiguration": config})
        for policy in policies:
            full = {**key, **policy}
            out.append(desired(doc, Address(POLICY.type, aas.child_name(rid, policy["PolicyName"])), full,
                               aas.policy_comparable(full), {}, extra=extra, protect=False, position_path=path))
        for action in spec.get("scheduledActions") or []:
            full = {**key, **scheduled_action_to_api(action)}
            name = aas.child_name(rid, full["ScheduledActionName"])
            out.append(desired(doc, Address(ACTION.type, name), full, aas.action_comparable(full), {}, extra=extra,
                               protect=False, position_path=path))
    return out
