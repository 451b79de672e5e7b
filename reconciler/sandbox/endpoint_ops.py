"""SageMaker endpoint behaviour of the sandbox, replacing moto's endpoint methods.

Each public function here becomes a method of moto's ``SageMakerModelBackend``
(``sagemaker_patches.install`` wires them in), so ``backend`` is moto's backend for
one account and region. Endpoints stay moto ``FakeEndpoint`` objects in
``backend.endpoints`` (so ListEndpoints and the tagging API keep working); the
sandbox adds an ``EndpointRuntime`` to each and runs every status change as a
timed ``lifecycle.Operation`` on the sandbox clock:

- CreateEndpoint: Creating, then InService; duplicates are rejected.
- DescribeEndpoint: AWS's shape, with the PendingDeploymentSummary of an update.
- UpdateEndpoint: see ``endpoint_update`` (guardrails and rollback).
- UpdateEndpointWeightsAndCapacities: Updating, then Current* = Desired*.
- DeleteEndpoint: deregisters the variants' scalable targets, Deleting, then
  removed from moto.

The module also holds the ``scale_variant`` control action (the autoscaler of
instance variants). Errors are moto's ``ValidationException`` with AWS's wording.
Each status change emits SageMaker's EventBridge events (``sagemaker_events``): an
Endpoint State Change when Creating, Updating or Deleting starts and when the
endpoint is InService again, and a Deployment State Change when a weights and
capacities update starts.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend

from reconciler.sandbox import autoscaling, sagemaker_events
from reconciler.sandbox import endpoint_state as state
from reconciler.sandbox import variants as v
from reconciler.sandbox.endpoint_update import pending_summary
from reconciler.sandbox.lifecycle import OperationKind, create_phases, delete_phases, weights_phases
from reconciler.sandbox.runtime import RUNTIME, EndpointRuntime

# --- CreateEndpoint ---------------------------------------------------------------------------


def create_endpoint(
    backend: SageMakerModelBackend,
    endpoint_name: str,
    endpoint_config_name: str,
    tags: list[dict[str, str]] | None = None,
    deployment_config: dict[str, Any] | None = None,
) -> FakeEndpoint:
    """CreateEndpoint: rejects duplicates and missing configs; the endpoint starts Creating."""
    with RUNTIME.lock:
        RUNTIME.tick()
        if endpoint_name in backend.endpoints:
            arn = state.endpoint_arn(backend, endpoint_name)
            raise ValidationError(f'Cannot create already existing endpoint "{arn}".')
        config = state.snapshot_config(backend, endpoint_config_name)
        now = RUNTIME.now()
        endpoint = FakeEndpoint(
            account_id=backend.account_id,
            region_name=backend.region_name,
            endpoint_name=endpoint_name,
            endpoint_config_name=endpoint_config_name,
            production_variants=[],
            data_capture_config={},
            tags=list(tags or []),
        )
        endpoint.creation_time = endpoint.last_modified_time = now
        endpoint.production_variants = [v.summary_from_config(p) for p in config["ProductionVariants"]]
        runtime = EndpointRuntime(
            config=config,
            shadow_variants=[v.summary_from_config(p) for p in config.get("ShadowProductionVariants", [])],
            last_deployment_config=copy.deepcopy(deployment_config) or None,
        )
        setattr(endpoint, state.RUNTIME_ATTRIBUTE, runtime)
        backend.endpoints[endpoint_name] = endpoint
        state.start_operation(endpoint, OperationKind.CREATE, create_phases(), now, _finish_create(endpoint))
        state.mark_variants(endpoint, create_phases()[0], now)
        sagemaker_events.endpoint_changed(endpoint, now)
        return endpoint


def _finish_create(endpoint: FakeEndpoint) -> Callable[[datetime], None]:
    def finish(at: datetime) -> None:
        endpoint.production_variants = v.settle(endpoint.production_variants)
        state.settle(endpoint, at)
        sagemaker_events.endpoint_changed(endpoint, at)

    return finish


# --- DescribeEndpoint -------------------------------------------------------------------------


def describe_endpoint(backend: SageMakerModelBackend, endpoint_name: str) -> dict[str, Any]:
    """DescribeEndpoint as AWS shapes it (missing endpoint: moto's ValidationException)."""
    with RUNTIME.lock:
        RUNTIME.tick()
        endpoint = state.require_endpoint(backend, endpoint_name)
        return render_endpoint(endpoint, RUNTIME.now())


def render_endpoint(endpoint: FakeEndpoint, now: datetime) -> dict[str, Any]:
    runtime = state.runtime_of(endpoint)
    config = runtime.config
    response: dict[str, Any] = {
        "EndpointName": endpoint.endpoint_name,
        "EndpointArn": endpoint.arn,
        "EndpointConfigName": endpoint.endpoint_config_name,
        "ProductionVariants": copy.deepcopy(endpoint.production_variants),
        "DataCaptureConfig": v.data_capture_summary(config.get("DataCaptureConfig")),
        "EndpointStatus": endpoint.endpoint_status,
        "FailureReason": endpoint.failure_reason,
        "CreationTime": endpoint.creation_time,
        "LastModifiedTime": endpoint.last_modified_time,
        "LastDeploymentConfig": copy.deepcopy(runtime.last_deployment_config),
        "AsyncInferenceConfig": copy.deepcopy(config.get("AsyncInferenceConfig")),
        "PendingDeploymentSummary": pending_summary(endpoint, now),
        "ExplainerConfig": copy.deepcopy(config.get("ExplainerConfig")),
        "ShadowProductionVariants": copy.deepcopy(runtime.shadow_variants),
        "MetricsConfig": copy.deepcopy(config.get("MetricsConfig")),
    }
    return {key: value for key, value in response.items() if value not in (None, [], {})}


# --- UpdateEndpointWeightsAndCapacities -------------------------------------------------------


def update_endpoint_weights_and_capacities(
    backend: SageMakerModelBackend, endpoint_name: str, desired_weights_and_capacities: list[dict[str, Any]]
) -> str:
    """UpdateEndpointWeightsAndCapacities: in place, keeping what the request leaves out."""
    with RUNTIME.lock:
        RUNTIME.tick()
        endpoint = state.require_endpoint(backend, endpoint_name, quote='"')
        state.require_status(endpoint, "update")
        requests = desired_weights_and_capacities or []
        try:
            updated = v.apply_weights_and_capacities(
                endpoint.production_variants, requests, endpoint.endpoint_config_name
            )
        except v.VariantRequestError as error:
            raise ValidationError(str(error)) from None
        now = RUNTIME.now()
        phases = weights_phases()
        entry = v.variant_status(phases[0].variant_status or "Updating", phases[0].status_message, now)
        endpoint.production_variants = v.with_status(updated, [r["VariantName"] for r in requests], entry)
        endpoint.last_modified_time = now
        state.start_operation(endpoint, OperationKind.WEIGHTS, phases, now, _finish_weights(endpoint))
        sagemaker_events.endpoint_changed(endpoint, now, deployment=True)
        return str(endpoint.arn)


def _finish_weights(endpoint: FakeEndpoint) -> Callable[[datetime], None]:
    def finish(at: datetime) -> None:
        endpoint.production_variants = v.settle(endpoint.production_variants)
        state.settle(endpoint, at)
        sagemaker_events.endpoint_changed(endpoint, at)

    return finish


# --- DeleteEndpoint ---------------------------------------------------------------------------


def delete_endpoint(backend: SageMakerModelBackend, endpoint_name: str) -> None:
    """DeleteEndpoint: deregisters its scalable targets, Deleting for a while, then gone."""
    with RUNTIME.lock:
        RUNTIME.tick()
        endpoint = state.require_endpoint(backend, endpoint_name)
        if endpoint.endpoint_status == "Deleting":
            return  # a repeat while Deleting is a no-op
        state.runtime_of(endpoint).pending = None
        autoscaling.deregister_endpoint(backend.account_id, backend.region_name, endpoint_name)
        now = RUNTIME.now()
        endpoint.last_modified_time = now
        state.start_operation(endpoint, OperationKind.DELETE, delete_phases(), now, _finish_delete(backend, endpoint))
        sagemaker_events.endpoint_changed(endpoint, now)


def _finish_delete(backend: SageMakerModelBackend, endpoint: FakeEndpoint) -> Callable[[datetime], None]:
    def finish(at: datetime) -> None:
        del at
        if backend.endpoints.get(endpoint.endpoint_name) is endpoint:
            del backend.endpoints[endpoint.endpoint_name]
        state.runtime_of(endpoint).operation = None

    return finish


# --- control actions --------------------------------------------------------------------------


def scale_variant(
    backend: SageMakerModelBackend, endpoint_name: str, variant_name: str, count: int
) -> dict[str, Any]:
    """Set a variant's desired and current instance count, as Application Auto Scaling would."""
    with RUNTIME.lock:
        RUNTIME.tick()
        endpoint = state.find_endpoint(backend, endpoint_name)
        for variant in endpoint.production_variants:
            if variant["VariantName"] == variant_name:
                variant["DesiredInstanceCount"] = variant["CurrentInstanceCount"] = count
                endpoint.last_modified_time = RUNTIME.now()
                return {"endpoint": endpoint_name, "variant": copy.deepcopy(variant)}
        raise LookupError(f'endpoint "{endpoint_name}" has no variant "{variant_name}"')
