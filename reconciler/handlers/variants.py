"""Production variants as SageMaker configs and endpoints report them, shared by the
endpoint-config, endpoint and autoscaling handlers (not a handler itself).

- `CONFIG_POLICY`: the endpoint config's field policy (its name hashes what it normalizes to);
- `initial_values`: what an endpoint starts with when it begins serving a config;
- `live_variants`: weights and counts as DescribeEndpoint reports them;
- `mask_scaled`: without the capacity an autoscaler owns;
- `config_request`: a config's create request, desired or live, by name;
- `weight_steps`: UpdateEndpointWeightsAndCapacities calls from one variant state to another.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.addressing import Address
from reconciler.aws.shapes import InputMembers
from reconciler.changes import Step
from reconciler.diff.policy import FieldPolicy
from reconciler.frozen import thaw
from reconciler.handlers.sagemaker_common import only_members

CONFIG_TYPE = "endpoint-config"

VARIANT_LISTS = ("ProductionVariants", "ShadowProductionVariants")


def _each_variant(rule: str) -> tuple[str, ...]:
    return tuple(f"{lst}[].{rule}" for lst in VARIANT_LISTS)


CONFIG_POLICY = FieldPolicy(
    members=InputMembers("sagemaker", "CreateEndpointConfig", omit=("EndpointConfigName", "Tags")),
    defaults=(*((p, 1.0) for p in _each_variant("InitialVariantWeight")), ("DataCaptureConfig.EnableCapture", True)),
    numbers=tuple((p, float) for p in _each_variant("InitialVariantWeight")),
    # SageMaker reports a VolumeSizeInGB for serverless variants, which users cannot set
    drop_when_present=tuple((p, "ServerlessConfig") for p in _each_variant("VolumeSizeInGB")),
    falsy_absent=("EnableNetworkIsolation",),
    # live endpoint values, changed in place (UpdateEndpointWeightsAndCapacities)
    owned_elsewhere=(*_each_variant("InitialVariantWeight"), *_each_variant("InitialInstanceCount"),
                     *_each_variant("ServerlessConfig.MaxConcurrency"),
                     *_each_variant("ServerlessConfig.ProvisionedConcurrency")),
    keyed_lists=tuple((lst, "VariantName") for lst in VARIANT_LISTS),
)


def initial_values(request: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per production variant, the weight and instance count (or serverless concurrency) an
    endpoint starts with when it begins serving a config with this create request."""
    out: dict[str, dict[str, Any]] = {}
    for v in CONFIG_POLICY.normalize(request, keep_owned=True).get("ProductionVariants", []):
        entry: dict[str, Any] = {"weight": float(v.get("InitialVariantWeight", 1.0))}
        if "InitialInstanceCount" in v:
            entry["instanceCount"] = int(v["InitialInstanceCount"])
        serverless = v.get("ServerlessConfig") or {}
        if "MaxConcurrency" in serverless:
            entry["maxConcurrency"] = int(serverless["MaxConcurrency"])
        if "ProvisionedConcurrency" in serverless:
            entry["provisionedConcurrency"] = int(serverless["ProvisionedConcurrency"])
        out[v["VariantName"]] = entry
    return out


def models_of(request: Mapping[str, Any]) -> set[str]:
    """Names of the models a config's variants serve."""
    return {v["ModelName"] for lst in VARIANT_LISTS for v in request.get(lst, ()) if v.get("ModelName")}


def _serverless_entry(config: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if config:
        if "MaxConcurrency" in config:
            out["maxConcurrency"] = int(config["MaxConcurrency"])
        if "ProvisionedConcurrency" in config:
            out["provisionedConcurrency"] = int(config["ProvisionedConcurrency"])
    return out


def live_variants(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Weights and instance counts (or serverless concurrency) per production variant, as DescribeEndpoint
    reports them (desired values while a change is in flight)."""
    out: dict[str, dict[str, Any]] = {}
    for v in data.get("ProductionVariants") or []:
        weight = v.get("DesiredWeight", v.get("CurrentWeight", 1.0))
        entry: dict[str, Any] = {"weight": float(weight)}
        serverless = v.get("DesiredServerlessConfig") or v.get("CurrentServerlessConfig")
        if serverless:
            entry.update(_serverless_entry(serverless))
        else:
            count = v.get("DesiredInstanceCount", v.get("CurrentInstanceCount"))
            if count is not None:
                entry["instanceCount"] = int(count)
        out[v["VariantName"]] = entry
    return out


SCALED_FIELDS = ("instanceCount", "provisionedConcurrency")  # what an autoscaler moves


def mask_scaled(variants: dict[str, dict[str, Any]], scaled: set[str]) -> dict[str, dict[str, Any]]:
    """Variants without the capacity an autoscaler owns (never drift, never pending)."""
    return {name: {k: v for k, v in entry.items() if not (name in scaled and k in SCALED_FIELDS)}
            for name, entry in variants.items()}


def config_request(view: Any, name: str | None,
                   sources: tuple[str, ...] = ("desired", "live")) -> dict[str, Any] | None:
    """The create request of endpoint config `name` from the first of `sources` ("desired", "live":
    described) that has it; None when none does. A config's name does not cover initial weights
    and counts, so only the live config says what an endpoint starts with."""
    if not name:
        return None
    address = Address(CONFIG_TYPE, name)
    for source in sources:
        if source == "desired":
            desired = view.desired.get(address)
            if desired is not None:
                return thaw(desired.request)  # type: ignore[no-any-return]
            continue
        live = view.live.get(address)
        data = view.describe(live).data if live is not None else None
        if data is not None:
            return only_members(data, set(CONFIG_POLICY.members or ()))
    return None


def weight_steps(address: str, name: str, start: dict[str, Any], target: dict[str, Any],
                 tag_arn: str | None = None) -> list[Step]:
    """UpdateEndpointWeightsAndCapacities calls taking variants from `start` to `target`.

    One call can change the weights of several variants but the capacity of only one, so
    each further capacity change gets its own call. Serverless concurrency changes go in
    ServerlessUpdateConfig.
    """
    weights: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    for variant in sorted(target):
        want, have = target[variant], start.get(variant, {})
        if want.get("weight") != have.get("weight"):
            weights.append({"VariantName": variant, "DesiredWeight": want["weight"]})
        if "instanceCount" in want and want.get("instanceCount") != have.get("instanceCount"):
            counts.append({"VariantName": variant, "DesiredInstanceCount": want["instanceCount"]})
        serverless = {}
        if "maxConcurrency" in want and want["maxConcurrency"] != have.get("maxConcurrency"):
            serverless["MaxConcurrency"] = want["maxConcurrency"]
        if "provisionedConcurrency" in want and want["provisionedConcurrency"] != have.get("provisionedConcurrency"):
            serverless["ProvisionedConcurrency"] = want["provisionedConcurrency"]
        if serverless:
            counts.append({"VariantName": variant, "ServerlessUpdateConfig": serverless})
    calls: list[list[dict[str, Any]]] = []
    first = {e["VariantName"]: dict(e) for e in weights}
    rest: list[dict[str, Any]] = []
    if counts:
        first.setdefault(counts[0]["VariantName"], {"VariantName": counts[0]["VariantName"]}).update(counts[0])
        rest = counts[1:]
    if first:
        calls.append([first[k] for k in sorted(first)])
    calls.extend([[c] for c in rest])
    return [
        Step("UpdateEndpointWeightsAndCapacities", address, {"EndpointName": name, "DesiredWeightsAndCapacities": c},
             "change variant weights/capacity in place", tag_arn=tag_arn)
        for c in calls
    ]


