"""Semantic AWS limits of an Endpoint document, checked at validate time beyond its JSON Schema.

Variants (names, instance vs serverless), data capture modes, serverless exclusions, KMS with NVMe instance types,
deployment policies (canary, linear and rolling sizes against the fleet, timeouts, alarms,
silent fallbacks), and autoscaling (capacity ranges, shorthands, policy and action names).
Each problem is reported at the offending value's `file:line:col`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from reconciler.diagnostics import Diagnostics
from reconciler.kinds.endpoint.expand import SHORTHAND
from reconciler.spec.documents import SpecDoc
from reconciler.spec.references import REFERENCE

# Instance families with local NVMe instance storage: SageMaker rejects a KmsKeyId with them.
NVME_FAMILIES = {
    "c5d", "c6gd", "m5d", "m6gd", "r5d", "r6gd", "r7gd", "g4dn", "g5", "g6", "g6e", "g7e", "p3dn", "p4d", "p4de",
    "p5", "p5e", "p5en", "p6-b200", "p6-b300", "p6e-gb200", "dl1", "trn1", "trn1n", "trn2",
}
SERVERLESS_MEMORY = (1024, 6144, 1024)  # min, max, step


def _family(instance_type: str) -> str:
    parts = str(instance_type).split(".")
    return parts[1] if len(parts) == 3 else ""


def _referenced_model(variant: dict[str, Any], docs: Mapping[str, SpecDoc]) -> SpecDoc | None:
    match = REFERENCE.fullmatch(str(variant.get("modelName", "")))
    if match and match.group(1) == "Model":
        return docs.get(f"Model/{match.group(2)}")
    return None


def _check_capture(doc: SpecDoc, diags: Diagnostics) -> None:
    """Each capture mode at most once (the schema bounds sampling and the content-type lists)."""
    options = (doc.spec.get("dataCaptureConfig") or {}).get("captureOptions") or []
    seen: set[str] = set()
    for i, option in enumerate(options):
        mode = option.get("captureMode") if isinstance(option, dict) else None
        if mode in seen:
            diags.error(f"dataCaptureConfig.captureOptions lists captureMode {mode} twice; give each mode once",
                        doc.doc.pos(("spec", "dataCaptureConfig", "captureOptions", i, "captureMode")))
        elif mode:
            seen.add(mode)


def check(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    """Every SageMaker limit an Endpoint document breaks beyond its schema."""
    _check_capture(doc, diags)
    spec = doc.spec
    pos = doc.doc.pos
    variants = spec.get("productionVariants") or []
    shadows = spec.get("shadowProductionVariants") or []
    seen: dict[str, tuple[Any, ...]] = {}
    for list_name in ("productionVariants", "shadowProductionVariants"):
        for i, variant in enumerate(spec.get(list_name) or []):
            path = ("spec", list_name, i)
            name = variant.get("variantName")
            if name in seen:
                diags.error(f"duplicate variantName '{name}' (variant names must be unique across production "
                            "and shadow variants)", pos((*path, "variantName")))
            elif name is not None:
                seen[name] = path
            serverless = "serverlessConfig" in variant
            pools = "instancePools" in variant
            if not serverless and "instanceType" not in variant and not pools:
                diags.error(f"variant '{name}' needs instanceType (or instancePools, or serverlessConfig for a "
                            "serverless variant)", pos(path))
            if pools and "instanceType" in variant:
                diags.error(f"variant '{name}' sets both instanceType and instancePools; give the instance types as "
                            "pools only", pos((*path, "instanceType")))
            if not serverless and "initialInstanceCount" not in variant and "managedInstanceScaling" not in variant:
                diags.error(f"variant '{name}' needs initialInstanceCount", pos(path))
            if serverless and "instanceType" in variant:
                diags.error(f"variant '{name}' sets both instanceType and serverlessConfig; a variant is either "
                            "instance-based or serverless", pos((*path, "instanceType")))
    weights = [v.get("initialVariantWeight", 1.0) for v in variants]
    if variants and all(isinstance(w, (int, float)) and w == 0 for w in weights):
        diags.error("every production variant has initialVariantWeight 0: at least one must receive traffic",
                    pos(("spec", "productionVariants")))
    if shadows and (len(variants) != 1 or len(shadows) != 1):
        diags.error(f"shadow variants need exactly one production and one shadow variant (found {len(variants)} "
                    f"production, {len(shadows)} shadow)", pos(("spec", "shadowProductionVariants")))
    if spec.get("kmsKeyId"):
        for list_name in ("productionVariants", "shadowProductionVariants"):
            for i, v in enumerate(spec.get(list_name) or []):
                types = [(("spec", list_name, i, "instanceType"), v.get("instanceType", ""))]
                types += [(("spec", list_name, i, "instancePools", j, "instanceType"), p.get("instanceType", ""))
                          for j, p in enumerate(v.get("instancePools") or [])]
                for where, instance_type in types:
                    if _family(instance_type) in NVME_FAMILIES:
                        diags.error(f"kmsKeyId cannot be used with {instance_type} (variant "
                                    f"'{v.get('variantName')}'): instance types with local NVMe storage encrypt it in "
                                    "hardware and SageMaker rejects a KMS key", pos(where))
    _check_serverless(doc, diags, docs)
    _check_deployment(doc, diags, docs)
    for i, variant in enumerate(variants):
        if "autoscaling" in variant:
            _check_autoscaling(doc, diags, i, variant)


def _fleet_sizes(variants: list[dict[str, Any]]) -> dict[str, int]:
    """Per instance variant, the smallest fleet a deployment may see (autoscaling's minimum if lower)."""
    out: dict[str, int] = {}
    for v in variants:
        count = v.get("initialInstanceCount")
        if "serverlessConfig" in v or not isinstance(count, int):
            continue
        low = (v.get("autoscaling") or {}).get("minCapacity")
        out[str(v.get("variantName"))] = min(count, low) if isinstance(low, int) and low >= 1 else count
    return out


def _percent(size: dict[str, Any], count: int) -> float:
    value = size.get("value", 0)
    if size.get("type") == "CAPACITY_PERCENT":
        return float(value)
    return 100.0 * value / count if count else 100.0


def _describe_size(size: dict[str, Any]) -> str:
    unit = "%" if size.get("type") == "CAPACITY_PERCENT" else " instance(s)"
    return f"{size.get('value')}{unit}"


def _check_size(doc: SpecDoc, diags: Diagnostics, path: tuple[Any, ...], size: dict[str, Any] | None, what: str,
                low: float, high: float, fleets: dict[str, int]) -> float | None:
    """Check a CapacitySize against [low, high] percent of each variant's fleet; the smallest percent."""
    if not size:
        diags.error(f"{what} is required for this traffic routing type", doc.doc.pos(path[:-1]))
        return None
    worst: float | None = None
    for variant, count in sorted(fleets.items()) or [("", 0)]:
        pct = _percent(size, count)
        worst = pct if worst is None else min(worst, pct)
        if not low <= pct <= high:
            share = "" if size.get("type") == "CAPACITY_PERCENT" else \
                f" ({pct:g}% of variant '{variant}''s {count} instances)"
            diags.error(f"{what} {_describe_size(size)}{share} is out of range: it must be {low:g}% to {high:g}% of "
                        "the variant's instances", doc.doc.pos((*path, "value")))
            break
    return worst


def _check_deployment(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    spec = doc.spec
    config = spec.get("deploymentConfig")
    if not config:
        return
    base = ("spec", "deploymentConfig")
    pos = doc.doc.pos
    variants = spec.get("productionVariants") or []
    fleets = _fleet_sizes(variants)
    blue_green = config.get("blueGreenUpdatePolicy")
    rolling = config.get("rollingUpdatePolicy")
    if blue_green and rolling:
        diags.error("deploymentConfig takes one update policy: blueGreenUpdatePolicy or rollingUpdatePolicy, not both",
                    pos((*base, "rollingUpdatePolicy")))
    if blue_green:
        path = (*base, "blueGreenUpdatePolicy")
        routing = blue_green.get("trafficRoutingConfiguration") or {}
        rpath = (*path, "trafficRoutingConfiguration")
        kind = routing.get("type")
        wait = int(routing.get("waitIntervalInSeconds") or 0)
        bakes = 1
        if kind == "CANARY":
            _check_size(doc, diags, (*rpath, "canarySize"), routing.get("canarySize"), "canarySize", 0.0001, 50,
                        fleets)
        elif kind == "LINEAR":
            pct = _check_size(doc, diags, (*rpath, "linearStepSize"), routing.get("linearStepSize"), "linearStepSize",
                              10, 50, fleets)
            bakes = math.ceil(100 / pct) if pct else 1
        for key in ("canarySize", "linearStepSize"):
            if key in routing and kind != ("CANARY" if key == "canarySize" else "LINEAR"):
                diags.error(f"{key} only applies to {'CANARY' if key == 'canarySize' else 'LINEAR'} traffic routing "
                            f"(type is {kind})", pos((*rpath, key)))
        total = wait * bakes + int(blue_green.get("terminationWaitInSeconds") or 0)
        _check_timeout(doc, diags, path, blue_green.get("maximumExecutionTimeoutInSeconds"), total,
                       f"{bakes} bake(s) of {wait} s plus the termination wait")
    if rolling:
        path = (*base, "rollingUpdatePolicy")
        if any("serverlessConfig" in v for v in variants):
            diags.error("rolling deployments are not available for serverless endpoints; use blueGreenUpdatePolicy",
                        pos(path))
        if len(variants) > 1:
            diags.error(f"rolling deployments are not available for endpoints with several production variants "
                        f"(this one has {len(variants)}); use blueGreenUpdatePolicy", pos(path))
        pct = _check_size(doc, diags, (*path, "maximumBatchSize"), rolling.get("maximumBatchSize"), "maximumBatchSize",
                          5, 50, fleets)
        batches = math.ceil(100 / pct) if pct else 1
        wait = int(rolling.get("waitIntervalInSeconds") or 0)
        _check_timeout(doc, diags, path, rolling.get("maximumExecutionTimeoutInSeconds"), wait * batches,
                       f"{batches} batch(es) baking {wait} s each")
    alarms = (config.get("autoRollbackConfiguration") or {}).get("alarms")
    if alarms is not None and not 1 <= len(alarms) <= 10:
        diags.error(f"autoRollbackConfiguration.alarms has {len(alarms)} alarms; a deployment watches 1 to 10",
                    pos((*base, "autoRollbackConfiguration", "alarms")))
    _fallback_warnings(doc, diags, docs, blue_green, rolling)


def _check_timeout(doc: SpecDoc, diags: Diagnostics, path: tuple[Any, ...], timeout: Any, total: int,
                   how: str) -> None:
    if isinstance(timeout, int) and timeout < total:
        diags.error(f"maximumExecutionTimeoutInSeconds {timeout} is shorter than the policy's own waits ({total} s: "
                    f"{how})", doc.doc.pos((*path, "maximumExecutionTimeoutInSeconds")))


def _fallback_warnings(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc], blue_green: Any,
                       rolling: Any) -> None:
    routing = ((blue_green or {}).get("trafficRoutingConfiguration") or {}).get("type")
    if not rolling and routing in (None, "ALL_AT_ONCE"):
        return
    for i, v in enumerate(doc.spec.get("productionVariants") or []):
        reason = None
        if _family(v.get("instanceType", "")) == "inf1":
            reason = f"Inf1 instances ({v['instanceType']})"
        model = _referenced_model(v, docs)
        containers = []
        if model is not None:
            containers = [model.spec.get("primaryContainer") or {}, *(model.spec.get("containers") or [])]
        if any("aws-marketplace" in str(c.get("modelPackageName", "")) for c in containers):
            reason = "an AWS Marketplace model package"
        if reason:
            diags.warning(f"variant '{v.get('variantName')}' uses {reason}: SageMaker silently falls back to "
                          "blue/green all-at-once with no final bake, ignoring this deployment policy",
                          doc.doc.pos(("spec", "productionVariants", i)))


def _check_serverless(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    spec = doc.spec
    pos = doc.doc.pos
    variants = spec.get("productionVariants") or []
    serverless = [(i, v) for i, v in enumerate(variants) if "serverlessConfig" in v]
    if not serverless:
        return
    first = serverless[0][0]
    where = ("spec", "productionVariants", first, "serverlessConfig")
    for i, v in serverless:
        cfg = v["serverlessConfig"]
        cpath = ("spec", "productionVariants", i, "serverlessConfig")
        memory = cfg.get("memorySizeInMB")
        low, high, step = SERVERLESS_MEMORY
        if isinstance(memory, int) and low <= memory <= high and memory % step:
            diags.error(f"serverlessConfig.memorySizeInMB {memory} is not allowed: use {low} to {high} MB in 1 GB "
                        "steps (1024, 2048, 3072, 4096, 5120, 6144)", pos((*cpath, "memorySizeInMB")))
        provisioned, maximum = cfg.get("provisionedConcurrency"), cfg.get("maxConcurrency")
        if isinstance(provisioned, int) and isinstance(maximum, int) and provisioned > maximum:
            diags.error(f"serverlessConfig.provisionedConcurrency {provisioned} exceeds maxConcurrency {maximum}",
                        pos((*cpath, "provisionedConcurrency")))
        model = _referenced_model(v, docs)
        if model is not None:
            _check_serverless_model(doc, model, v, i, diags)
    if len(variants) > 1:
        diags.error(f"a serverless endpoint has exactly one production variant (found {len(variants)})",
                    pos(("spec", "productionVariants")))
    excluded = {
        "dataCaptureConfig": "data capture", "kmsKeyId": "a KMS key", "vpcConfig": "a VPC",
        "enableNetworkIsolation": "network isolation", "shadowProductionVariants": "shadow variants",
        "asyncInferenceConfig": "asynchronous inference",
    }
    for key, what in excluded.items():
        value = spec.get(key)
        if value not in (None, False, [], {}):
            diags.error(f"serverless endpoints do not support {what} ({key}); see the serverless variant at "
                        f"{pos(where)}", pos(("spec", key)))


def _check_serverless_model(doc: SpecDoc, model: SpecDoc, variant: dict[str, Any], index: int,
                            diags: Diagnostics) -> None:
    mspec = model.spec
    vpos = doc.doc.pos(("spec", "productionVariants", index, "modelName"))
    name = variant.get("variantName")
    problems = []
    if mspec.get("vpcConfig"):
        problems.append("a VPC (vpcConfig)")
    if mspec.get("enableNetworkIsolation"):
        problems.append("network isolation (enableNetworkIsolation)")
    if len(mspec.get("containers") or []) > 1:
        problems.append("an inference pipeline (several containers)")
    containers = ([mspec["primaryContainer"]] if "primaryContainer" in mspec else []) + list(mspec.get("containers")
                                                                                              or [])
    if any(c.get("mode") == "MultiModel" for c in containers):
        problems.append("a multi-model container (mode MultiModel)")
    if any("modelDataSource" in c for c in containers):
        problems.append("modelDataSource")
    for problem in problems:
        diags.error(f"serverless variant '{name}' serves {model.address}, which uses {problem}: serverless "
                    "endpoints do not support it", vpos)


def _check_autoscaling(doc: SpecDoc, diags: Diagnostics, index: int, variant: dict[str, Any]) -> None:
    spec = doc.spec
    scaling = variant["autoscaling"]
    path = ("spec", "productionVariants", index, "autoscaling")
    pos = doc.doc.pos
    name = variant.get("variantName")
    serverless = "serverlessConfig" in variant
    low, high = scaling.get("minCapacity"), scaling.get("maxCapacity")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        diags.error(f"autoscaling.minCapacity {low} is greater than maxCapacity {high}", pos((*path, "minCapacity")))
    if isinstance(low, int) and low < 1 and not serverless and not spec.get("asyncInferenceConfig"):
        diags.error(f"autoscaling.minCapacity {low} is below 1: only asynchronous endpoints and serverless "
                    "provisioned concurrency may scale to 0", pos((*path, "minCapacity")))
    if serverless:
        cfg = variant["serverlessConfig"]
        if "provisionedConcurrency" not in cfg:
            diags.error(f"variant '{name}' is serverless: its autoscaling scales provisioned concurrency, so "
                        "serverlessConfig.provisionedConcurrency must be set", pos(path))
        maximum = cfg.get("maxConcurrency")
        if isinstance(high, int) and isinstance(maximum, int) and high > maximum:
            diags.error(f"autoscaling.maxCapacity {high} exceeds serverlessConfig.maxConcurrency {maximum} "
                        "(provisioned concurrency cannot exceed it)", pos((*path, "maxCapacity")))
        if "targetInvocationsPerInstance" in scaling:
            diags.error("targetInvocationsPerInstance applies to instance variants; a serverless variant scales "
                        "on targetProvisionedConcurrencyUtilization", pos((*path, "targetInvocationsPerInstance")))
    else:
        if "targetProvisionedConcurrencyUtilization" in scaling:
            diags.error("targetProvisionedConcurrencyUtilization applies to serverless variants; an instance "
                        "variant scales on targetInvocationsPerInstance",
                        pos((*path, "targetProvisionedConcurrencyUtilization")))
        count = variant.get("initialInstanceCount")
        if isinstance(count, int) and isinstance(low, int) and isinstance(high, int) and not low <= count <= high:
            diags.warning(f"initialInstanceCount {count} is outside autoscaling's {low}-{high}; the autoscaler "
                          "moves it into that range once registered", pos(("spec", "productionVariants", index,
                                                                           "initialInstanceCount")))
    names: dict[str, int] = {}
    for key, (policy_name, _) in SHORTHAND.items():
        if key in scaling:
            names[policy_name] = -1
    for j, policy in enumerate(scaling.get("policies") or []):
        ppath = (*path, "policies", j)
        pname = policy.get("policyName")
        if pname in names:
            diags.error(f"duplicate scaling policy name '{pname}' on variant '{name}'" +
                        (" (the shorthand policy uses it)" if names[pname] == -1 else ""), pos((*ppath, "policyName")))
        names[pname] = j
        ptype = policy.get("policyType", "StepScaling")
        needs = {"TargetTrackingScaling": "targetTrackingScalingPolicyConfiguration",
                 "StepScaling": "stepScalingPolicyConfiguration"}.get(ptype)
        if needs and needs not in policy:
            diags.error(f"a {ptype} policy needs {needs}", pos(ppath))
        if ptype == "PredictiveScaling":
            diags.error("PredictiveScaling is not available for SageMaker variants (ECS only); use "
                        "TargetTrackingScaling or StepScaling", pos((*ppath, "policyType")))
    actions: set[str] = set()
    for j, action in enumerate(scaling.get("scheduledActions") or []):
        aname = action.get("scheduledActionName")
        if aname in actions:
            diags.error(f"duplicate scheduled action name '{aname}' on variant '{name}'",
                        pos((*path, "scheduledActions", j, "scheduledActionName")))
        actions.add(aname)
