"""SageMaker endpoint behaviour of the sandbox, replacing moto's endpoint methods.

Each public function here becomes a method of moto's ``SageMakerModelBackend``
(``sagemaker_patches.install`` wires them in), so ``backend`` is moto's backend for
one account and region. Endpoints stay moto ``FakeEndpoint`` objects in
``backend.endpoints`` (so ListEndpoints and the tagging API keep working); the
sandbox adds an ``EndpointRuntime`` to each and runs every status change as a
timed ``lifecycle.Operation`` on the sandbox clock:

- CreateEndpoint: Creating, then InService; duplicates are rejected.
- UpdateEndpoint: Updating with a PendingDeploymentSummary, then the new config
  (or, when a failure was armed, InService on the old config with FailureReason).
- UpdateEndpointWeightsAndCapacities: Updating, then Current* = Desired*.
- DeleteEndpoint: Deleting, then removed from moto.

The module also holds the control actions that act on endpoints from outside
(``arm_update_failure``, ``scale_variant``). Errors are moto's
``ValidationException`` with AWS's wording.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, SageMakerModelBackend

from reconciler.sandbox import variants as v
from reconciler.sandbox.lifecycle import (
    Operation,
    OperationKind,
    PhaseProgress,
    TimedPhase,
    create_phases,
    delete_phases,
    update_phases,
    weights_phases,
)
from reconciler.sandbox.runtime import RUNTIME, EndpointRuntime, PendingUpdate

logger = logging.getLogger(__name__)

RUNTIME_ATTRIBUTE = "sandbox_runtime"
IN_PROGRESS_STATUSES = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"})

ConfigRenderer = Callable[[FakeEndpointConfig], dict[str, Any]]
_config_renderer: list[ConfigRenderer] = []


def use_config_renderer(renderer: ConfigRenderer) -> None:
    """Tell this module how an endpoint config is described (set by ``sagemaker_patches``)."""
    _config_renderer[:] = [renderer]


def runtime_of(endpoint: FakeEndpoint) -> EndpointRuntime:
    """The sandbox extras of ``endpoint`` (made on first use for endpoints moto created)."""
    runtime = getattr(endpoint, RUNTIME_ATTRIBUTE, None)
    if runtime is None:
        runtime = EndpointRuntime(config={"ProductionVariants": []})
        setattr(endpoint, RUNTIME_ATTRIBUTE, runtime)
    return runtime


def endpoint_arn(backend: SageMakerModelBackend, name: str) -> str:
    return FakeEndpoint.arn_formatter(name, backend.account_id, backend.region_name)


def config_arn(backend: SageMakerModelBackend, name: str) -> str:
    return FakeEndpointConfig.arn_formatter(name, backend.account_id, backend.region_name)


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
            arn = endpoint_arn(backend, endpoint_name)
            raise ValidationError(f'Cannot create already existing endpoint "{arn}".')
        config = _snapshot_config(backend, endpoint_config_name)
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
        setattr(endpoint, RUNTIME_ATTRIBUTE, runtime)
        backend.endpoints[endpoint_name] = endpoint
        _start(endpoint, OperationKind.CREATE, create_phases(), now, _finish_create(endpoint))
        _mark_variants(endpoint, create_phases()[0], now)
        return endpoint


def _finish_create(endpoint: FakeEndpoint) -> Callable[[datetime], None]:
    def finish(at: datetime) -> None:
        endpoint.production_variants = v.settle(endpoint.production_variants)
        _settle(endpoint, at)

    return finish


# --- DescribeEndpoint -------------------------------------------------------------------------


def describe_endpoint(backend: SageMakerModelBackend, endpoint_name: str) -> dict[str, Any]:
    """DescribeEndpoint as AWS shapes it (missing endpoint: moto's ValidationException)."""
    with RUNTIME.lock:
        RUNTIME.tick()
        endpoint = _require_endpoint(backend, endpoint_name)
        return render_endpoint(endpoint, RUNTIME.now())


def render_endpoint(endpoint: FakeEndpoint, now: datetime) -> dict[str, Any]:
    runtime = runtime_of(endpoint)
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
        "PendingDeploymentSummary": _pending_summary(endpoint, now),
        "ExplainerConfig": copy.deepcopy(config.get("ExplainerConfig")),
        "ShadowProductionVariants": copy.deepcopy(runtime.shadow_variants),
        "MetricsConfig": copy.deepcopy(config.get("MetricsConfig")),
    }
    return {key: value for key, value in response.items() if value not in (None, [], {})}


def _pending_summary(endpoint: FakeEndpoint, now: datetime) -> dict[str, Any] | None:
    runtime = runtime_of(endpoint)
    pending, operation = runtime.pending, runtime.operation
    if pending is None or operation is None or operation.kind is not OperationKind.UPDATE:
        return None
    progress = operation.progress(now)
    phase = progress.phase if progress else operation.phases[-1]
    since = progress.started if progress else pending.started
    summary: dict[str, Any] = {
        "EndpointConfigName": pending.config_name,
        "StartTime": pending.started,
        "ProductionVariants": _pending_list(
            pending, "ProductionVariants", endpoint.production_variants, phase, since
        ),
    }
    shadows = _pending_list(pending, "ShadowProductionVariants", runtime.shadow_variants, phase, since)
    if shadows:
        summary["ShadowProductionVariants"] = shadows
    return summary


def _pending_list(
    pending: PendingUpdate,
    key: str,
    live: Sequence[Mapping[str, Any]],
    phase: TimedPhase,
    since: datetime,
) -> list[dict[str, Any]]:
    config_variants = pending.config.get(key, [])
    targets = _targets(pending, config_variants, live)
    return v.pending_variants(config_variants, targets, phase.variant_status, phase.status_message, since)


def _targets(
    pending: PendingUpdate, config_variants: Sequence[Mapping[str, Any]], live: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    return v.target_variants(
        config_variants, live, pending.retain_all_variant_properties, pending.excluded_properties
    )


# --- UpdateEndpoint ---------------------------------------------------------------------------


def update_endpoint(
    backend: SageMakerModelBackend,
    endpoint_name: str,
    endpoint_config_name: str,
    retain_all_variant_properties: bool | None = False,
    exclude_retained_variant_properties: list[dict[str, str]] | None = None,
    deployment_config: dict[str, Any] | None = None,
    retain_deployment_config: bool | None = False,
) -> str:
    """UpdateEndpoint: Updating for the deployment's phases, then the new config (or a rollback)."""
    with RUNTIME.lock:
        RUNTIME.tick()
        endpoint = _require_endpoint(backend, endpoint_name, quote='"')
        _require_in_service(endpoint, "update")
        config = _snapshot_config(backend, endpoint_config_name, quote='"')
        runtime = runtime_of(endpoint)
        now = RUNTIME.now()
        runtime.pending = PendingUpdate(
            config_name=endpoint_config_name,
            config=config,
            started=now,
            retain_all_variant_properties=bool(retain_all_variant_properties),
            excluded_properties=frozenset(
                p["VariantPropertyType"] for p in exclude_retained_variant_properties or []
            ),
            deployment_config=copy.deepcopy(deployment_config) or None,
            retain_deployment_config=bool(retain_deployment_config),
            failure_reason=runtime.armed_failure,
        )
        runtime.armed_failure = None
        endpoint.last_modified_time = now
        _start(
            endpoint, OperationKind.UPDATE, update_phases(deployment_config), now, _finish_update(endpoint)
        )
        return str(endpoint.arn)


def _finish_update(endpoint: FakeEndpoint) -> Callable[[datetime], None]:
    def finish(at: datetime) -> None:
        runtime = runtime_of(endpoint)
        pending = runtime.pending
        runtime.pending = None
        if pending is None:
            _settle(endpoint, at)
            return
        if not pending.retain_deployment_config:
            runtime.last_deployment_config = pending.deployment_config
        if pending.failure_reason:
            logger.info(
                "sandbox: update of %s rolled back: %s", endpoint.endpoint_name, pending.failure_reason
            )
            endpoint.failure_reason = pending.failure_reason
        else:
            _deploy(endpoint, runtime, pending)
            endpoint.failure_reason = None
        _settle(endpoint, at)

    return finish


def _deploy(endpoint: FakeEndpoint, runtime: EndpointRuntime, pending: PendingUpdate) -> None:
    config = pending.config
    endpoint.production_variants = _targets(
        pending, config.get("ProductionVariants", []), endpoint.production_variants
    )
    runtime.shadow_variants = _targets(
        pending, config.get("ShadowProductionVariants", []), runtime.shadow_variants
    )
    runtime.config = config
    endpoint.endpoint_config_name = pending.config_name


# --- UpdateEndpointWeightsAndCapacities -------------------------------------------------------


def update_endpoint_weights_and_capacities(
    backend: SageMakerModelBackend, endpoint_name: str, desired_weights_and_capacities: list[dict[str, Any]]
) -> str:
    """UpdateEndpointWeightsAndCapacities: in place, keeping what the request leaves out."""
    with RUNTIME.lock:
        RUNTIME.tick()
        endpoint = _require_endpoint(backend, endpoint_name, quote='"')
        _require_in_service(endpoint, "update")
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
        _start(endpoint, OperationKind.WEIGHTS, phases, now, _finish_weights(endpoint))
        return str(endpoint.arn)


def _finish_weights(endpoint: FakeEndpoint) -> Callable[[datetime], None]:
    def finish(at: datetime) -> None:
        endpoint.production_variants = v.settle(endpoint.production_variants)
        _settle(endpoint, at)

    return finish


# --- DeleteEndpoint ---------------------------------------------------------------------------


def delete_endpoint(backend: SageMakerModelBackend, endpoint_name: str) -> None:
    """DeleteEndpoint: Deleting for a while, then gone (a repeat while Deleting is a no-op)."""
    with RUNTIME.lock:
        RUNTIME.tick()
        endpoint = _require_endpoint(backend, endpoint_name)
        if endpoint.endpoint_status == "Deleting":
            return
        runtime = runtime_of(endpoint)
        runtime.pending = None
        now = RUNTIME.now()
        endpoint.last_modified_time = now
        _start(endpoint, OperationKind.DELETE, delete_phases(), now, _finish_delete(backend, endpoint))


def _finish_delete(backend: SageMakerModelBackend, endpoint: FakeEndpoint) -> Callable[[datetime], None]:
    def finish(at: datetime) -> None:
        del at
        if backend.endpoints.get(endpoint.endpoint_name) is endpoint:
            del backend.endpoints[endpoint.endpoint_name]
        runtime_of(endpoint).operation = None

    return finish


# --- ListEndpoints ----------------------------------------------------------------------------


def ticking(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a moto method so pending transitions are applied (under the lock) before it reads."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with RUNTIME.lock:
            RUNTIME.tick()
            return method(*args, **kwargs)

    wrapper.__name__ = getattr(method, "__name__", "wrapper")
    wrapper.__doc__ = getattr(method, "__doc__", None)
    return wrapper


# --- control actions --------------------------------------------------------------------------


def arm_update_failure(backend: SageMakerModelBackend, endpoint_name: str, reason: str) -> dict[str, Any]:
    """Make the next UpdateEndpoint of ``endpoint_name`` roll back with ``reason``."""
    with RUNTIME.lock:
        RUNTIME.tick()
        endpoint = _find_endpoint(backend, endpoint_name)
        runtime_of(endpoint).armed_failure = reason
        return {"endpoint": endpoint_name, "armed": True, "reason": reason}


def scale_variant(
    backend: SageMakerModelBackend, endpoint_name: str, variant_name: str, count: int
) -> dict[str, Any]:
    """Set a variant's desired and current instance count, as Application Auto Scaling would."""
    with RUNTIME.lock:
        RUNTIME.tick()
        endpoint = _find_endpoint(backend, endpoint_name)
        for variant in endpoint.production_variants:
            if variant["VariantName"] == variant_name:
                variant["DesiredInstanceCount"] = variant["CurrentInstanceCount"] = count
                endpoint.last_modified_time = RUNTIME.now()
                return {"endpoint": endpoint_name, "variant": copy.deepcopy(variant)}
        raise LookupError(f'endpoint "{endpoint_name}" has no variant "{variant_name}"')


# --- helpers ----------------------------------------------------------------------------------


def _find_endpoint(backend: SageMakerModelBackend, endpoint_name: str) -> FakeEndpoint:
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        raise LookupError(f'endpoint "{endpoint_name}" not found')
    return endpoint


def _require_endpoint(backend: SageMakerModelBackend, endpoint_name: str, quote: str = "'") -> FakeEndpoint:
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        arn = endpoint_arn(backend, endpoint_name)
        raise ValidationError(f"Could not find endpoint {quote}{arn}{quote}.")
    return endpoint


def _require_in_service(endpoint: FakeEndpoint, verb: str) -> None:
    status = endpoint.endpoint_status
    if status == "InService":
        return
    if status in IN_PROGRESS_STATUSES:
        raise ValidationError(f'Cannot {verb} in-progress endpoint "{endpoint.arn}".')
    raise ValidationError(f'Cannot {verb} endpoint "{endpoint.arn}" because it is in status {status}.')


def _snapshot_config(backend: SageMakerModelBackend, name: str, quote: str = "'") -> dict[str, Any]:
    config = backend.endpoint_configs.get(name)
    if config is None:
        arn = config_arn(backend, name)
        raise ValidationError(f"Could not find endpoint configuration {quote}{arn}{quote}.")
    return copy.deepcopy(_config_renderer[0](config))


def _start(
    endpoint: FakeEndpoint,
    kind: OperationKind,
    phases: tuple[TimedPhase, ...],
    now: datetime,
    on_complete: Callable[[datetime], None],
) -> None:
    def on_phase(progress: PhaseProgress) -> None:
        endpoint.endpoint_status = progress.phase.endpoint_status

    operation = Operation(kind, phases, now, on_complete, on_phase)
    runtime_of(endpoint).operation = operation
    endpoint.endpoint_status = phases[0].endpoint_status
    RUNTIME.start_operation(str(endpoint.arn), operation)


def _mark_variants(endpoint: FakeEndpoint, phase: TimedPhase, now: datetime) -> None:
    entry = v.variant_status(phase.variant_status or "Creating", phase.status_message, now)
    names = [variant["VariantName"] for variant in endpoint.production_variants]
    endpoint.production_variants = v.with_status(endpoint.production_variants, names, entry)


def _settle(endpoint: FakeEndpoint, at: datetime) -> None:
    endpoint.endpoint_status = "InService"
    endpoint.last_modified_time = at
    runtime_of(endpoint).operation = None
