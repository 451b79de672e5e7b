"""Handler for SageMaker endpoint configs (`endpoint-config/<name>-<hash>`): immutable.

An endpoint config has no update API. Its content-addressed name hashes everything except
the variants' initial weights and instance counts: those are live endpoint properties
(changed in place with UpdateEndpointWeightsAndCapacities), so a weight-only change never
needs a new config. Missing configs: `find` returns None.
"""

from __future__ import annotations

import copy
from typing import Any

from reconciler import tags as tagmod
from reconciler.handlers.base import Live
from reconciler.handlers.immutable import ImmutableSageMakerHandler
from reconciler.handlers.sagemaker_common import only_members, prune_empty

EXCLUDED = {"EndpointConfigName", "Tags"}
LIVE_VARIANT_FIELDS = ("InitialVariantWeight", "InitialInstanceCount")
LIVE_SERVERLESS_FIELDS = ("MaxConcurrency", "ProvisionedConcurrency")
VARIANT_LISTS = ("ProductionVariants", "ShadowProductionVariants")


def request_members() -> set[str]:
    from reconciler.spec.shapes import operation_input

    return set(operation_input("sagemaker", "CreateEndpointConfig").members) - EXCLUDED


def _normalize_variant(variant: dict[str, Any]) -> dict[str, Any]:
    v = dict(variant)
    v["InitialVariantWeight"] = float(v.get("InitialVariantWeight", 1.0))
    if "ServerlessConfig" in v:
        v.pop("VolumeSizeInGB", None)  # SageMaker reports one for serverless; users cannot set it
    return v


def normalize_request(request: dict[str, Any]) -> dict[str, Any]:
    """Fill SageMaker's defaults and drop empty values, so spec and live compare equal."""
    r = prune_empty(copy.deepcopy(dict(request)))
    for key in EXCLUDED:
        r.pop(key, None)
    for list_name in VARIANT_LISTS:
        if list_name in r:
            r[list_name] = [_normalize_variant(v) for v in r[list_name]]
    capture = r.get("DataCaptureConfig")
    if isinstance(capture, dict):
        capture.setdefault("EnableCapture", True)
    if not r.get("EnableNetworkIsolation"):
        r.pop("EnableNetworkIsolation", None)
    return r


def _without_live_fields(variant: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in variant.items() if k not in LIVE_VARIANT_FIELDS}
    if "ServerlessConfig" in out:
        serverless = {k: v for k, v in out["ServerlessConfig"].items() if k not in LIVE_SERVERLESS_FIELDS}
        out["ServerlessConfig"] = serverless
    return out


def identity(request: dict[str, Any]) -> dict[str, Any]:
    """What the config's name hashes: the request without live-managed variant values
    (weights, instance counts, serverless concurrency: UpdateEndpointWeightsAndCapacities changes those)."""
    r = normalize_request(request)
    for list_name in VARIANT_LISTS:
        if list_name in r:
            variants = [_without_live_fields(var) for var in r[list_name]]
            r[list_name] = sorted(variants, key=lambda v: str(v.get("VariantName")))
    return r


def initial_values(request: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per production variant, the weight and instance count an endpoint starts with."""
    out: dict[str, dict[str, Any]] = {}
    for v in normalize_request(request).get("ProductionVariants", []):
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


def to_comparable(request: dict[str, Any], user_tags: dict[str, str]) -> dict[str, Any]:
    from reconciler.spec.shapes import from_api, operation_input

    body = from_api(identity(request), operation_input("sagemaker", "CreateEndpointConfig"))
    return {**body, "tags": dict(user_tags)}


class EndpointConfigHandler(ImmutableSageMakerHandler):
    type = "endpoint-config"
    arn_type = "endpoint-config"
    tagging_type = "sagemaker:endpoint-config"
    operations = frozenset({"CreateEndpointConfig", "DeleteEndpointConfig", "AddTags", "DeleteTags"})
    create_order = 20
    delete_order = 20
    noun = "endpoint config"
    create_operation = "CreateEndpointConfig"
    describe_operation = "DescribeEndpointConfig"
    delete_operation = "DeleteEndpointConfig"
    name_param = "EndpointConfigName"
    arn_key = "EndpointConfigArn"

    def request_of(self, live: Live) -> dict[str, Any] | None:
        """The create request SageMaker holds (API shape); None when not described/missing."""
        if live.data is None:
            return None
        return only_members(live.data, request_members())

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """The config in spec form (without live-managed variant values); None when missing."""
        request = self.request_of(live)
        if request is None:
            return None
        return to_comparable(request, tagmod.user_tags(live.tags))

    def models_used(self, live: Live) -> set[str]:
        """Names of the models a described config's variants serve."""
        request = self.request_of(live) or {}
        return {v["ModelName"] for lst in VARIANT_LISTS for v in request.get(lst, []) if v.get("ModelName")}
