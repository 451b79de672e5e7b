"""Expansion: validated spec documents -> desired AWS resources, references resolved.

Each kind has an expander (as data in `EXPANDERS`). Content-addressed resources are
named `<name>-<hash>`, the hash taken over the canonical JSON of the resolved, normalized
create request, so a changed spec is a new name known at plan time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reconciler.addressing import Address
from reconciler.handlers.base import Desired
from reconciler.hashing import content_hash
from reconciler.spec.kinds import HASH_LEN
from reconciler.spec.references import substitute
from reconciler.spec.validate import SpecDoc, StackSpec


@dataclass
class ExpandContext:
    stack: StackSpec
    region: str
    account: str
    names: dict[str, str] = field(default_factory=dict)  # spec address -> AWS name
    arns: dict[str, str] = field(default_factory=dict)  # spec address -> AWS ARN

    def resolve(self, kind: str, name: str, attr: str) -> str:
        address = f"{kind}/{name}"
        return self.names[address] if attr == "name" else self.arns[address]

    def arn(self, type_: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:{type_}/{name}"

    def user_tags(self, doc: SpecDoc) -> dict[str, str]:
        return dict(sorted({**self.stack.stack.tags, **doc.tags}.items()))


def _expand_model(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    from reconciler.handlers import model as modelmod
    from reconciler.spec.shapes import operation_input, to_api

    spec = substitute(doc.spec, ctx.resolve)
    request = to_api(spec, operation_input("sagemaker", "CreateModel"))
    name = f"{doc.name}-{content_hash(modelmod.normalize_request(request), HASH_LEN)}"
    ctx.names[doc.address] = name
    ctx.arns[doc.address] = ctx.arn("model", name)
    tags = ctx.user_tags(doc)
    comparable = modelmod.to_comparable(request, tags)
    address = Address("model", name)
    state = content_hash({"name": name, "tags": tags})
    return [Desired(address, doc.address, {"ModelName": name, **request}, comparable, tags, state,
                    position=doc.doc.pos(("name",)), protect=doc.protect)]


def _expand_endpoint(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    from reconciler.handlers import endpoint_config as cfgmod
    from reconciler.handlers.endpoint import mask_scaled
    from reconciler.spec.shapes import deployment_config_shape, operation_input, split_variant_extensions, to_api

    spec = substitute(doc.spec, ctx.resolve)
    deployment = spec.pop("deploymentConfig", None)
    variants, scaling = split_variant_extensions(spec.get("productionVariants") or [])
    spec["productionVariants"] = variants
    request = to_api(spec, operation_input("sagemaker", "CreateEndpointConfig"))
    config_name = f"{doc.name}-{content_hash(cfgmod.identity(request), HASH_LEN)}"
    tags = ctx.user_tags(doc)
    pos = doc.doc.pos(("name",))
    config_address = Address("endpoint-config", config_name)
    config_state = content_hash({"name": config_name, "tags": tags})
    config = Desired(config_address, doc.address, {"EndpointConfigName": config_name, **request},
                     cfgmod.to_comparable(request, tags), tags, config_state, position=pos, protect=doc.protect)
    children = _expand_autoscaling(doc, request, scaling)
    autoscaled = {v: d for v, d in ((c.extra["variant"], c.request["ScalableDimension"]) for c in children
                                    if c.address.type == "scalable-target")}
    variants = mask_scaled(cfgmod.initial_values(request), set(autoscaled))
    endpoint_comparable = {"endpointConfigName": config_name, "variants": variants, "tags": tags}
    from reconciler.handlers import autoscaling as aas

    extra: dict[str, Any] = {
        "autoscaled": autoscaled,
        "scaling_hash": aas.scaling_hash((c.address.type, c.address.name, c.comparable) for c in children),
    }
    if deployment:
        extra["deploymentConfig"] = to_api(deployment, deployment_config_shape())
    endpoint = Desired(Address("endpoint", doc.name), doc.address,
                       {"EndpointName": doc.name, "EndpointConfigName": config_name}, endpoint_comparable, tags,
                       content_hash(endpoint_comparable), extra=extra, position=pos, protect=doc.protect)
    ctx.names[doc.address] = doc.name
    ctx.arns[doc.address] = ctx.arn("endpoint", doc.name)
    return [config, endpoint, *children]


def _expand_autoscaling(doc: SpecDoc, request: dict[str, Any], scaling: dict[str, Any]) -> list[Desired]:
    """Scalable targets, scaling policies and scheduled actions of an Endpoint's autoscaled variants."""
    from reconciler.handlers import autoscaling as aas
    from reconciler.spec.shapes import policy_to_api, scheduled_action_to_api

    out: list[Desired] = []
    by_name = {v["VariantName"]: v for v in request.get("ProductionVariants", [])}
    for index, (variant, spec) in enumerate(scaling.items()):
        if not spec:
            continue
        pos = doc.doc.pos(("spec", "productionVariants", index, "autoscaling"))
        serverless = "ServerlessConfig" in by_name.get(variant, {})
        dimension = aas.SERVERLESS_DIMENSION if serverless else aas.INSTANCE_DIMENSION
        rid = aas.resource_id(doc.name, variant)
        key = {"ServiceNamespace": aas.NAMESPACE, "ResourceId": rid, "ScalableDimension": dimension}
        target = {**key, "MinCapacity": spec["minCapacity"], "MaxCapacity": spec["maxCapacity"]}
        extra = {"endpoint": doc.name, "variant": variant}
        comparable = aas.target_comparable(target)
        out.append(Desired(Address("scalable-target", rid), doc.address, target, comparable, {},
                           content_hash(comparable), extra=extra, position=pos))
        policies = [policy_to_api(p) for p in spec.get("policies") or []]
        for shorthand, (policy_name, metric) in aas.SHORTHAND.items():
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
            comparable = aas.policy_comparable(full)
            out.append(Desired(Address("scaling-policy", aas.child_name(rid, policy["PolicyName"])), doc.address,
                               full, comparable, {}, content_hash(comparable), extra=extra, position=pos))
        for action in spec.get("scheduledActions") or []:
            full = {**key, **scheduled_action_to_api(action)}
            comparable = aas.action_comparable(full)
            name = aas.child_name(rid, full["ScheduledActionName"])
            out.append(Desired(Address("scheduled-action", name), doc.address, full, comparable, {},
                               content_hash(comparable), extra=extra, position=pos))
    return out


def _expand_alarm(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    from reconciler.handlers import alarm as alarmmod
    from reconciler.spec.shapes import operation_input, to_api

    spec = substitute(doc.spec, ctx.resolve)
    request = {"AlarmName": doc.name, **to_api(spec, operation_input("cloudwatch", "PutMetricAlarm"))}
    tags = ctx.user_tags(doc)
    comparable = alarmmod.to_comparable(request, tags)
    ctx.names[doc.address] = doc.name
    ctx.arns[doc.address] = f"arn:aws:cloudwatch:{ctx.region}:{ctx.account}:alarm:{doc.name}"
    return [Desired(Address("alarm", doc.name), doc.address, request, comparable, tags, content_hash(comparable),
                    position=doc.doc.pos(("name",)), protect=doc.protect)]


def _expand_shadow_test(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    from reconciler.handlers import inference_experiment as iemod
    from reconciler.spec.shapes import operation_input, to_api

    spec = substitute(doc.spec, ctx.resolve)
    api = to_api(spec, operation_input("sagemaker", "CreateInferenceExperiment"))
    request = {"Name": doc.name, "Type": "ShadowMode", **api}
    tags = ctx.user_tags(doc)
    comparable = iemod.to_comparable(request, tags)
    ctx.names[doc.address] = doc.name
    ctx.arns[doc.address] = ctx.arn("inference-experiment", doc.name)
    return [Desired(Address("inference-experiment", doc.name), doc.address, request, comparable, tags,
                    content_hash(comparable), position=doc.doc.pos(("name",)), protect=doc.protect)]


EXPANDERS: dict[str, Callable[[ExpandContext, SpecDoc], list[Desired]]] = {
    "ShadowTest": _expand_shadow_test,
    "Model": _expand_model,
    "Endpoint": _expand_endpoint,
    "Alarm": _expand_alarm,
}


def expand(stack: StackSpec, region: str, account: str) -> list[Desired]:
    """Desired resources in dependency order (references resolved before their users)."""
    ctx = ExpandContext(stack, region, account)
    out: list[Desired] = []
    for address in stack.order:
        doc = stack.get(address)
        assert doc is not None
        out.extend(EXPANDERS[doc.kind](ctx, doc))
    return out
