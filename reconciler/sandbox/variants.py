"""Pure functions on SageMaker variant dicts, shaped as botocore's service model says.

Three shapes meet here: ``ProductionVariant`` (what an endpoint config holds),
``ProductionVariantSummary`` (what DescribeEndpoint shows for live variants) and
``PendingProductionVariantSummary`` (a variant being deployed). These functions
derive one from another, apply AWS defaults moto leaves out, and implement the
variant-property retention rules of UpdateEndpoint and the partial updates of
UpdateEndpointWeightsAndCapacities. Nothing here knows about moto.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

DEFAULT_VARIANT_WEIGHT = 1.0
RETAINABLE_PROPERTIES = ("DesiredInstanceCount", "DesiredWeight")
_CURRENT_OF = {
    "DesiredInstanceCount": "CurrentInstanceCount",
    "DesiredWeight": "CurrentWeight",
    "DesiredServerlessConfig": "CurrentServerlessConfig",
}
_PENDING_COPIED_FIELDS = ("InstanceType", "AcceleratorType")

Variant = dict[str, Any]


class VariantRequestError(ValueError):
    """A request about variants that SageMaker would reject; the message is AWS-like."""


def with_config_defaults(variants: Iterable[Mapping[str, Any]]) -> list[Variant]:
    """Copies of config variants with SageMaker's defaults filled in (InitialVariantWeight 1.0)."""
    filled = []
    for variant in variants:
        item = copy.deepcopy(dict(variant))
        item.setdefault("InitialVariantWeight", DEFAULT_VARIANT_WEIGHT)
        filled.append(item)
    return filled


def summary_from_config(variant: Mapping[str, Any]) -> Variant:
    """The live ProductionVariantSummary of a freshly deployed config variant."""
    weight = float(variant.get("InitialVariantWeight", DEFAULT_VARIANT_WEIGHT))
    summary: Variant = {
        "VariantName": variant["VariantName"],
        "CurrentWeight": weight,
        "DesiredWeight": weight,
    }
    serverless = variant.get("ServerlessConfig")
    if serverless is not None:
        summary["CurrentServerlessConfig"] = copy.deepcopy(serverless)
        summary["DesiredServerlessConfig"] = copy.deepcopy(serverless)
    elif variant.get("InitialInstanceCount") is not None:
        count = int(variant["InitialInstanceCount"])
        summary["CurrentInstanceCount"] = count
        summary["DesiredInstanceCount"] = count
    return summary


def target_variants(
    config_variants: Sequence[Mapping[str, Any]],
    live_variants: Sequence[Mapping[str, Any]],
    retain_all: bool,
    excluded: Iterable[str] = (),
) -> list[Variant]:
    """Variants an UpdateEndpoint ends with: the new config's, with retained live properties.

    With ``retain_all`` (RetainAllVariantProperties), a variant that exists in both
    keeps its live DesiredInstanceCount / DesiredWeight unless the property is in
    ``excluded`` (ExcludeRetainedVariantProperties). The result is settled
    (Current* equal Desired*), as after a finished deployment.
    """
    live = {v["VariantName"]: v for v in live_variants}
    kept = [p for p in RETAINABLE_PROPERTIES if p not in set(excluded)] if retain_all else []
    result = []
    for config_variant in config_variants:
        summary = summary_from_config(config_variant)
        old = live.get(summary["VariantName"])
        for prop in kept:
            if old is not None and old.get(prop) is not None and prop in summary:
                summary[prop] = summary[_CURRENT_OF[prop]] = old[prop]
        result.append(summary)
    return result


def pending_variants(
    config_variants: Sequence[Mapping[str, Any]],
    targets: Sequence[Mapping[str, Any]],
    status: str | None,
    message: str | None,
    since: datetime,
    traffic: float = 0.0,
    capacity: float = 0.0,
) -> list[Variant]:
    """PendingProductionVariantSummary entries for variants being deployed.

    ``traffic`` and ``capacity`` are the shares of traffic and of instances the new
    fleet has at the moment: Current* values are the Desired* ones scaled by them.
    """
    by_name = {v["VariantName"]: v for v in config_variants}
    pending = []
    for target in targets:
        item: Variant = {"VariantName": target["VariantName"]}
        if "DesiredWeight" in target:
            item["CurrentWeight"] = round(float(target["DesiredWeight"]) * traffic, 6)
            item["DesiredWeight"] = target["DesiredWeight"]
        if "DesiredInstanceCount" in target:
            item["CurrentInstanceCount"] = round(int(target["DesiredInstanceCount"]) * capacity)
            item["DesiredInstanceCount"] = target["DesiredInstanceCount"]
        if "DesiredServerlessConfig" in target:
            if capacity >= 1.0:
                item["CurrentServerlessConfig"] = copy.deepcopy(target["DesiredServerlessConfig"])
            item["DesiredServerlessConfig"] = copy.deepcopy(target["DesiredServerlessConfig"])
        for key in _PENDING_COPIED_FIELDS:
            value = by_name.get(target["VariantName"], {}).get(key)
            if value is not None:
                item[key] = value
        if status is not None:
            item["VariantStatus"] = [variant_status(status, message, since)]
        pending.append(item)
    return pending


def variant_status(status: str, message: str | None, since: datetime) -> dict[str, Any]:
    """One ProductionVariantStatus entry."""
    entry: dict[str, Any] = {"Status": status, "StartTime": since}
    if message:
        entry["StatusMessage"] = message
    return entry


def settle(variants: Sequence[Mapping[str, Any]]) -> list[Variant]:
    """Variants after an in-place change finished: Current* = Desired*, no VariantStatus."""
    settled = []
    for variant in variants:
        item = copy.deepcopy(dict(variant))
        item.pop("VariantStatus", None)
        for desired, current in _CURRENT_OF.items():
            if desired in item:
                item[current] = copy.deepcopy(item[desired])
        settled.append(item)
    return settled


def with_status(
    variants: Sequence[Mapping[str, Any]], names: Iterable[str], entry: Mapping[str, Any]
) -> list[Variant]:
    """Copies of ``variants`` where those named carry the VariantStatus ``entry``."""
    wanted = set(names)
    result = []
    for variant in variants:
        item = copy.deepcopy(dict(variant))
        if item["VariantName"] in wanted:
            item["VariantStatus"] = [dict(entry)]
        result.append(item)
    return result


def apply_weights_and_capacities(
    variants: Sequence[Mapping[str, Any]],
    requests: Sequence[Mapping[str, Any]],
    config_name: str,
) -> list[Variant]:
    """Variants with the Desired* values an UpdateEndpointWeightsAndCapacities asks for.

    Whatever a request leaves out keeps its live value; Current* values are not
    touched (they follow when the update finishes, see ``settle``).
    """
    _check_variant_names(variants, requests, config_name)
    by_name = {r["VariantName"]: r for r in requests}
    result = []
    for variant in variants:
        item = copy.deepcopy(dict(variant))
        request = by_name.get(item["VariantName"])
        if request is not None:
            _apply_one(item, request)
        result.append(item)
    return result


def _check_variant_names(
    variants: Sequence[Mapping[str, Any]], requests: Sequence[Mapping[str, Any]], config_name: str
) -> None:
    known = {v["VariantName"] for v in variants}
    seen: set[str] = set()
    for request in requests:
        name = request.get("VariantName")
        if name in seen:
            raise VariantRequestError(f'The variant name "{name}" was non-unique within the request.')
        if name not in known:
            raise VariantRequestError(
                f'The variant name(s) "{name}" is/are not present within endpoint configuration '
                f'"{config_name}".'
            )
        seen.add(name)


def _apply_one(variant: Variant, request: Mapping[str, Any]) -> None:
    if request.get("DesiredWeight") is not None:
        variant["DesiredWeight"] = float(request["DesiredWeight"])
    if request.get("DesiredInstanceCount") is not None:
        if "DesiredServerlessConfig" in variant:
            raise VariantRequestError(
                f'DesiredInstanceCount cannot be set for serverless variant "{variant["VariantName"]}".'
            )
        variant["DesiredInstanceCount"] = int(request["DesiredInstanceCount"])
    update = request.get("ServerlessUpdateConfig")
    if update:
        variant["DesiredServerlessConfig"] = _updated_serverless(variant, update)


def _updated_serverless(variant: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    name = variant["VariantName"]
    if "DesiredServerlessConfig" not in variant:
        raise VariantRequestError(
            f'ServerlessUpdateConfig can only be specified for a serverless variant; "{name}" '
            "is not serverless."
        )
    config = copy.deepcopy(dict(variant["DesiredServerlessConfig"]))
    for key in ("MaxConcurrency", "ProvisionedConcurrency"):
        if update.get(key) is not None:
            config[key] = int(update[key])
    provisioned = config.get("ProvisionedConcurrency")
    if provisioned is not None and provisioned > config.get("MaxConcurrency", provisioned):
        raise VariantRequestError(
            f"ProvisionedConcurrency ({provisioned}) must not exceed MaxConcurrency "
            f'({config["MaxConcurrency"]}) for variant "{name}".'
        )
    return config


def data_capture_summary(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """DescribeEndpoint's DataCaptureConfigSummary for an endpoint config's DataCaptureConfig."""
    if not config:
        return None
    enabled = bool(config.get("EnableCapture", True))
    summary: dict[str, Any] = {
        "EnableCapture": enabled,
        "CaptureStatus": "Started" if enabled else "Stopped",
        "CurrentSamplingPercentage": int(config.get("InitialSamplingPercentage", 0)),
        "DestinationS3Uri": config.get("DestinationS3Uri", ""),
    }
    if config.get("KmsKeyId"):
        summary["KmsKeyId"] = config["KmsKeyId"]
    return summary
