"""`reconciler import Endpoint NAME`: a live endpoint written as an Endpoint document.

The spec is the config the endpoint serves (as written: SageMaker's defaults left out), with each
variant's weight and instance count as the endpoint serves them now, its models as references
to Model documents (imported with it when the stack has none), and each variant's autoscaling
read back from Application Auto Scaling: the scalable target's range, a target-tracking policy
on invocations per instance named as reconciler names it as the `targetInvocationsPerInstance`
shorthand, any other policy under `policies`, and the scheduled actions. The rollout policy
(`deploymentConfig`) is given with each update and cannot be read back: a note says so.
"""

from __future__ import annotations

from typing import Any

from reconciler.handlers import autoscaling as aas
from reconciler.handlers.endpoint.handler import EndpointHandler
from reconciler.handlers.endpoint_config import EndpointConfigHandler
from reconciler.imported import (
    ImportContext,
    ImportedDoc,
    ImportRefused,
    refuse_benchmark,
    unowned,
    user_tags,
    written_spec,
)
from reconciler.kinds.endpoint.expand import ACTION, POLICY, SHORTHAND, TARGET
from reconciler.kinds.endpoint.schema import AUTOSCALING_KEY, policy_from_api, scheduled_action_from_api
from reconciler.resources import Live

CONFIG, ENDPOINT = EndpointConfigHandler(), EndpointHandler()
SETTLED = ("InService",)
KEY_MEMBERS = ("serviceNamespace", "resourceId", "scalableDimension")


def import_endpoint(ctx: ImportContext, name: str) -> list[ImportedDoc]:
    """The Endpoint document of live endpoint `name` (the Model documents it needs are imported through
    `ctx.need`); ImportRefused when it is missing, owned by a stack, or not InService."""
    endpoint = ENDPOINT
    live = unowned(endpoint.find(ctx.clients, name), "Endpoint", name)
    refuse_benchmark(ctx, "Endpoint", name)
    data = live.data or endpoint.describe(ctx.clients, live).data or {}
    status = data.get("EndpointStatus")
    if status not in SETTLED:
        raise ImportRefused(f"Endpoint {name!r} is {status}: import it once it is InService")
    test = _shadow_test_on(ctx, name) if data.get("ShadowProductionVariants") else None
    if test is not None:
        raise ImportRefused(f"Endpoint {name!r} serves shadow test {test!r}, whose config (with its shadow variants) "
                            "is not the endpoint's own: import the endpoint once the test is promoted or stopped")
    config_live = CONFIG.find(ctx.clients, str(data["EndpointConfigName"]))
    if config_live is None:
        raise ImportRefused(f"Endpoint {name!r} serves endpoint config {data['EndpointConfigName']!r}, which is gone")
    request = CONFIG.request_of(config_live) or {}
    spec = written_spec(CONFIG.policy, request, "sagemaker", "CreateEndpointConfig")
    current = {v.get("VariantName"): v for v in data.get("ProductionVariants") or []}
    scaling = _autoscaling(ctx, live)
    for key in ("productionVariants", "shadowProductionVariants"):
        for variant in spec.get(key) or []:
            variant_name = variant.get("variantName")
            if variant.get("modelName"):
                variant["modelName"] = ctx.need("Model", variant["modelName"])
            serving = current.get(variant_name) or {}
            weight = serving.get("DesiredWeight", serving.get("CurrentWeight"))
            if weight is not None and "initialVariantWeight" in variant:
                variant["initialVariantWeight"] = float(weight)
            count = serving.get("DesiredInstanceCount", serving.get("CurrentInstanceCount"))
            if count is not None and "initialInstanceCount" in variant:
                variant["initialInstanceCount"] = int(count)
            if key == "productionVariants" and variant_name in scaling:
                variant[AUTOSCALING_KEY] = scaling[variant_name]
    doc = ImportedDoc("Endpoint", ctx.doc_name(name), ctx.arn_references(spec), user_tags(live), [live.address],
                      source=live.arn)
    doc.notes.append("deploymentConfig (the rollout policy of updates) is not readable from AWS: add yours "
                     "(canary, linear, rollback alarms) before the next change")
    return [doc]


def _shadow_test_on(ctx: ImportContext, endpoint: str) -> str | None:
    """The running shadow test (inference experiment) on `endpoint`, or None."""
    sm = ctx.clients.sagemaker
    for page in sm.get_paginator("list_inference_experiments").paginate(StatusEquals="Running"):
        for summary in page.get("InferenceExperiments", []):
            found = sm.describe_inference_experiment(Name=summary["Name"])
            if (found.get("EndpointMetadata") or {}).get("EndpointName") == endpoint:
                return str(summary["Name"])
    return None


def _autoscaling(ctx: ImportContext, live: Live) -> dict[str, dict[str, Any]]:
    """{variant: its `autoscaling` spec} for the endpoint's registered scalable targets."""
    found: dict[Any, Live] = {live.address: live}
    targets = TARGET.discover(ctx.clients, [live], found)
    found.update({t.address: t for t in targets})
    for handler in (POLICY, ACTION):
        found.update({c.address: c for c in handler.discover(ctx.clients, targets, found)})
    out: dict[str, dict[str, Any]] = {}
    for address, child in found.items():
        if address.type != TARGET.type or child.data is None:
            continue
        parsed = aas.parse_resource_id(address.name)
        if parsed is None:
            continue
        variant = parsed[1]
        rid = address.name
        spec: dict[str, Any] = {"minCapacity": int(child.data["MinCapacity"]),
                                "maxCapacity": int(child.data["MaxCapacity"])}
        policies = []
        for other in found.values():
            if other.data is None or other.address.type != POLICY.type or \
                    aas.split_child_name(other.address.name)[0] != rid:
                continue
            shorthand = _shorthand(other.data)
            if shorthand is not None and not any(k in spec for k in SHORTHAND):
                spec.update(shorthand)
            else:
                policies.append(_without_key(policy_from_api(other.data)))
        actions = [_without_key(scheduled_action_from_api(o.data)) for o in found.values()
                   if o.data is not None and o.address.type == ACTION.type
                   and aas.split_child_name(o.address.name)[0] == rid]
        if policies:
            spec["policies"] = policies
        if actions:
            spec["scheduledActions"] = actions
        out[variant] = spec
    return out


def _shorthand(policy: dict[str, Any]) -> dict[str, Any] | None:
    """The target-tracking shorthand a policy is (named and configured as the shorthand expands), or None."""
    config = policy.get("TargetTrackingScalingPolicyConfiguration") or {}
    metric = (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
    for key, (policy_name, predefined) in SHORTHAND.items():
        if policy.get("PolicyName") != policy_name or metric != predefined:
            continue
        extra = set(config) - {"TargetValue", "PredefinedMetricSpecification", "ScaleInCooldown", "ScaleOutCooldown"}
        if extra or set(config.get("PredefinedMetricSpecification") or {}) - {"PredefinedMetricType"}:
            return None
        out: dict[str, Any] = {key: _number(config["TargetValue"])}
        for api, spec_key in (("ScaleInCooldown", "scaleInCooldown"), ("ScaleOutCooldown", "scaleOutCooldown")):
            if api in config:
                out[spec_key] = int(config[api])
        return out
    return None


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _without_key(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k not in KEY_MEMBERS}


def list_endpoints(clients: Any) -> list[str]:
    """Every endpoint of the account and region, but those a running Inference Recommender job deployed."""
    from reconciler.handlers.inference_recommendations import benchmark_prefixes

    skip = benchmark_prefixes(clients)
    pages = clients.sagemaker.get_paginator("list_endpoints").paginate()
    return [e["EndpointName"] for page in pages for e in page.get("Endpoints", [])
            if not e["EndpointName"].startswith(skip)]
