"""Application Auto Scaling for SageMaker variants: the links moto's AAS backend lacks.

moto stores scalable targets, policies and scheduled actions but knows nothing of
SageMaker. ``install()`` patches its backend so that, for ``ServiceNamespace``
``sagemaker`` and ``ResourceId`` ``endpoint/<endpoint>/variant/<variant>``:

- RegisterScalableTarget rejects an endpoint or variant that does not exist, a
  dimension that does not fit the variant (DesiredInstanceCount for instance
  variants, DesiredProvisionedConcurrency for serverless ones; moto does not know
  the latter at all), a first registration without both capacities, and
  MinCapacity > MaxCapacity (on an update a capacity left out is the stored one).
  Updating an existing target clamps the variant's desired capacity into
  [min, max] at once, as the scaling activity AWS starts would.
- DeregisterScalableTarget (any namespace) also deletes the target's scaling
  policies and scheduled actions, as AWS does (moto keeps them).

SageMaker's side of the rules lives here too, called by the endpoint patches:
``blocked_variants`` (UpdateEndpoint may not remove, or change the instance type
of, a registered variant), ``deregister_endpoint`` (DeleteEndpoint deregisters
the endpoint's targets, as AWS does when the caller may) and the
``set_provisioned_concurrency`` control action (the autoscaler of serverless
variants). Error messages are AWS-like; their exact AWS wording is unconfirmed
except where a docstring says otherwise.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from moto.applicationautoscaling import models as aas_models
from moto.applicationautoscaling.exceptions import AWSValidationException
from moto.applicationautoscaling.models import (
    ApplicationAutoscalingBackend,
    FakeScalableTarget,
    applicationautoscaling_backends,
)
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.sagemaker.models import FakeEndpoint, sagemaker_backends

from reconciler.sandbox.runtime import RUNTIME

NAMESPACE = "sagemaker"
INSTANCE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
CONCURRENCY_DIMENSION = "sagemaker:variant:DesiredProvisionedConcurrency"
VARIANT_DIMENSIONS = (INSTANCE_DIMENSION, CONCURRENCY_DIMENSION)
_VARIANT_RESOURCE = re.compile(r"^endpoint/(?P<endpoint>[^/]+)/variant/(?P<variant>[^/]+)$")

_installed: list[bool] = []


def install() -> None:
    """Patch moto's Application Auto Scaling backend and responses (idempotent)."""
    if _installed:
        return
    backend = ApplicationAutoscalingBackend
    backend.register_scalable_target = _register(backend.register_scalable_target)  # type: ignore[method-assign]
    backend.deregister_scalable_target = _deregister(  # type: ignore[method-assign]
        backend.deregister_scalable_target
    )
    ApplicationAutoScalingResponse._validate_params = _validate_params(  # type: ignore[method-assign]
        ApplicationAutoScalingResponse._validate_params
    )
    aas_models._target_params_are_valid = _params_are_valid(aas_models._target_params_are_valid)
    _installed.append(True)


def variant_resource_id(endpoint_name: str, variant_name: str) -> str:
    return f"endpoint/{endpoint_name}/variant/{variant_name}"


# --- moto patches -------------------------------------------------------------------------------


def _validate_params(original: Callable[[Any], None]) -> Callable[[Any], None]:
    @functools.wraps(original)
    def validate(self: ApplicationAutoScalingResponse) -> None:
        if self._get_param("ScalableDimension") == CONCURRENCY_DIMENSION:
            return  # moto's enum list lacks it; the backend checks the rest
        original(self)

    return validate


def _params_are_valid(original: Callable[[str, str, str], bool]) -> Callable[[str, str, str], bool]:
    @functools.wraps(original)
    def valid(namespace: str, resource_id: str, dimension: str) -> bool:
        if dimension == CONCURRENCY_DIMENSION and namespace == NAMESPACE and _VARIANT_RESOURCE.match(resource_id):
            return True
        return original(namespace, resource_id, dimension)

    return valid


def _register(original: Callable[..., FakeScalableTarget]) -> Callable[..., FakeScalableTarget]:
    @functools.wraps(original)
    def register(
        backend: ApplicationAutoscalingBackend,
        namespace: str,
        r_id: str,
        dimension: str,
        min_capacity: int | None,
        max_capacity: int | None,
        role_arn: str,
        suspended_state: str,
    ) -> FakeScalableTarget:
        with RUNTIME.lock:
            RUNTIME.tick()
            if namespace != NAMESPACE or dimension not in VARIANT_DIMENSIONS:
                return original(backend, namespace, r_id, dimension, min_capacity, max_capacity, role_arn,
                                suspended_state)
            endpoint, variant = _variant_for(backend, r_id, dimension)
            existing = backend.targets.get(dimension, {}).get(r_id)
            low, high = _capacities(existing, min_capacity, max_capacity)
            target = original(backend, namespace, r_id, dimension, low, high, role_arn, suspended_state)
            if existing is not None:
                _clamp(endpoint, variant, dimension, low, high)
            return target

    return register


def _deregister(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def deregister(backend: ApplicationAutoscalingBackend, namespace: str, r_id: str, dimension: str) -> None:
        with RUNTIME.lock:
            original(backend, namespace, r_id, dimension)
            _drop_policies_and_actions(backend, namespace, r_id, dimension)

    return deregister


def _drop_policies_and_actions(
    backend: ApplicationAutoscalingBackend, namespace: str, r_id: str, dimension: str
) -> None:
    for policy in list(backend.policies.values()):
        if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (namespace, r_id, dimension):
            backend.delete_scaling_policy(policy.policy_name, namespace, r_id, dimension)
    backend.scheduled_actions = [
        action
        for action in backend.scheduled_actions
        if (action.service_namespace, action.resource_id, action.scalable_dimension) != (namespace, r_id, dimension)
    ]


def _variant_for(
    backend: ApplicationAutoscalingBackend, resource_id: str, dimension: str
) -> tuple[FakeEndpoint, dict[str, Any]]:
    match = _VARIANT_RESOURCE.match(resource_id or "")
    if match is None:
        raise AWSValidationException("Unsupported service namespace, resource type or scalable dimension")
    endpoint_name, variant_name = match.group("endpoint"), match.group("variant")
    sagemaker = sagemaker_backends[backend.account_id][backend.region_name]
    endpoint = sagemaker.endpoints.get(endpoint_name)
    if endpoint is None:
        arn = FakeEndpoint.arn_formatter(endpoint_name, backend.account_id, backend.region_name)
        raise AWSValidationException(f"Could not find endpoint \"{arn}\" for resource ID {resource_id}.")
    variant = next((v for v in endpoint.production_variants if v["VariantName"] == variant_name), None)
    if variant is None:
        raise AWSValidationException(
            f'Could not find variant "{variant_name}" in endpoint "{endpoint_name}" for resource ID {resource_id}.'
        )
    serverless = "DesiredServerlessConfig" in variant
    if serverless != (dimension == CONCURRENCY_DIMENSION):
        kind = "a serverless" if serverless else "an instance-based"
        raise AWSValidationException(
            f'Scalable dimension {dimension} is not supported for variant "{variant_name}", which is {kind} '
            "variant."
        )
    return endpoint, variant


def _capacities(
    existing: FakeScalableTarget | None, min_capacity: int | None, max_capacity: int | None
) -> tuple[int, int]:
    low = min_capacity if min_capacity is not None else getattr(existing, "min_capacity", None)
    high = max_capacity if max_capacity is not None else getattr(existing, "max_capacity", None)
    if low is None or high is None:
        raise AWSValidationException("MinCapacity and MaxCapacity are required to register a new scalable target.")
    if low > high:
        raise AWSValidationException(
            f"Minimum capacity ({low}) cannot be greater than maximum capacity ({high})."
        )
    return int(low), int(high)


def _clamp(endpoint: FakeEndpoint, variant: dict[str, Any], dimension: str, low: int, high: int) -> None:
    if dimension == INSTANCE_DIMENSION:
        count = variant.get("DesiredInstanceCount")
        if count is not None and not low <= count <= high:
            variant["DesiredInstanceCount"] = variant["CurrentInstanceCount"] = min(max(count, low), high)
            endpoint.last_modified_time = RUNTIME.now()
        return
    current = int(variant["DesiredServerlessConfig"].get("ProvisionedConcurrency", 0))
    if not low <= current <= high:
        _set_concurrency(endpoint, variant, min(max(current, low), high))


def _set_concurrency(endpoint: FakeEndpoint, variant: dict[str, Any], value: int) -> None:
    for key in ("DesiredServerlessConfig", "CurrentServerlessConfig"):
        config = copy.deepcopy(variant.get(key) or {})
        if value > 0:
            config["ProvisionedConcurrency"] = value
        else:
            config.pop("ProvisionedConcurrency", None)
        variant[key] = config
    endpoint.last_modified_time = RUNTIME.now()


# --- SageMaker's side ----------------------------------------------------------------------------


def registered_variants(account_id: str, region: str, endpoint_name: str) -> dict[str, list[str]]:
    """Variant name -> scalable dimensions registered for it on ``endpoint_name``."""
    backend = applicationautoscaling_backends[account_id][region]
    found: dict[str, list[str]] = {}
    for dimension in VARIANT_DIMENSIONS:
        for resource_id, target in backend.targets.get(dimension, {}).items():
            match = _VARIANT_RESOURCE.match(resource_id)
            if target.service_namespace == NAMESPACE and match and match.group("endpoint") == endpoint_name:
                found.setdefault(match.group("variant"), []).append(dimension)
    return found


def blocked_variants(
    registered: Mapping[str, Sequence[str]],
    live_config_variants: Sequence[Mapping[str, Any]],
    new_config_variants: Sequence[Mapping[str, Any]],
) -> list[str]:
    """Registered variants an UpdateEndpoint would remove or move to another instance type.

    Changing only the model (or anything else) of a registered variant is allowed.
    """
    live = {v["VariantName"]: v for v in live_config_variants}
    new = {v["VariantName"]: v for v in new_config_variants}
    blocked = []
    for name in sorted(registered):
        if name not in new or (name in live and _capacity_kind(live[name]) != _capacity_kind(new[name])):
            blocked.append(name)
    return blocked


def _capacity_kind(variant: Mapping[str, Any]) -> str:
    return "serverless" if variant.get("ServerlessConfig") else str(variant.get("InstanceType"))


def blocked_update_message(endpoint_name: str, variants: Sequence[str]) -> str:
    names = ", ".join(variants)
    return (
        f'The update of endpoint "{endpoint_name}" would remove or change the instance type of variant(s) [{names}], '
        "which are registered as scalable targets with Application Auto Scaling. Delete their scaling policies "
        "and deregister them (DeregisterScalableTarget) before you update the endpoint, then register them again."
    )


def deregister_endpoint(account_id: str, region: str, endpoint_name: str) -> None:
    """Deregister every scalable target of ``endpoint_name``'s variants (with their policies and actions)."""
    backend = applicationautoscaling_backends[account_id][region]
    for variant, dimensions in registered_variants(account_id, region, endpoint_name).items():
        for dimension in dimensions:
            backend.deregister_scalable_target(NAMESPACE, variant_resource_id(endpoint_name, variant), dimension)


def set_provisioned_concurrency(
    account_id: str, region: str, endpoint_name: str, variant_name: str, value: int
) -> dict[str, Any]:
    """Set a serverless variant's provisioned concurrency (desired and current), as the autoscaler would.

    Raises LookupError for an unknown endpoint or variant, ValueError for a variant
    that is not serverless or a value above its MaxConcurrency.
    """
    with RUNTIME.lock:
        RUNTIME.tick()
        endpoint = sagemaker_backends[account_id][region].endpoints.get(endpoint_name)
        if endpoint is None:
            raise LookupError(f'endpoint "{endpoint_name}" not found')
        variant = next((v for v in endpoint.production_variants if v["VariantName"] == variant_name), None)
        if variant is None:
            raise LookupError(f'endpoint "{endpoint_name}" has no variant "{variant_name}"')
        config = variant.get("DesiredServerlessConfig")
        if config is None:
            raise ValueError(f'variant "{variant_name}" is not serverless')
        if value > int(config.get("MaxConcurrency", value)):
            raise ValueError(f"provisioned concurrency {value} exceeds MaxConcurrency {config['MaxConcurrency']}")
        _set_concurrency(endpoint, variant, value)
        return {"endpoint": endpoint_name, "variant": copy.deepcopy(variant)}
