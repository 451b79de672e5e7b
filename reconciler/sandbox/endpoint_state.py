"""Shared plumbing of the sandbox's endpoint patches: lookups, errors, and starting timed operations.

``endpoint_ops`` (create, describe, weights, delete) and ``endpoint_update``
(UpdateEndpoint and its rollback) build on these. Endpoints stay moto
``FakeEndpoint`` objects; the sandbox's extras hang off each as an
``EndpointRuntime``. Errors are moto's ``ValidationException`` with AWS's wording.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, SageMakerModelBackend

from reconciler.sandbox import variants as v
from reconciler.sandbox.lifecycle import Operation, OperationKind, PhaseProgress, TimedPhase
from reconciler.sandbox.runtime import RUNTIME, EndpointRuntime

RUNTIME_ATTRIBUTE = "sandbox_runtime"
IN_PROGRESS_STATUSES = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"})

ConfigRenderer = Callable[[FakeEndpointConfig], dict[str, Any]]
_config_renderer: list[ConfigRenderer] = []


def use_config_renderer(renderer: ConfigRenderer) -> None:
    """Tell the endpoint patches how an endpoint config is described (set by ``sagemaker_patches``)."""
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


def find_endpoint(backend: SageMakerModelBackend, endpoint_name: str) -> FakeEndpoint:
    """The endpoint for a control action; LookupError when there is none."""
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        raise LookupError(f'endpoint "{endpoint_name}" not found')
    return endpoint


def require_endpoint(backend: SageMakerModelBackend, endpoint_name: str, quote: str = "'") -> FakeEndpoint:
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        arn = endpoint_arn(backend, endpoint_name)
        raise ValidationError(f"Could not find endpoint {quote}{arn}{quote}.")
    return endpoint


def require_status(endpoint: FakeEndpoint, verb: str, allowed: frozenset[str] = frozenset({"InService"})) -> None:
    status = endpoint.endpoint_status
    if status in allowed:
        return
    if status in IN_PROGRESS_STATUSES:
        raise ValidationError(f'Cannot {verb} in-progress endpoint "{endpoint.arn}".')
    raise ValidationError(f'Cannot {verb} endpoint "{endpoint.arn}" because it is in status {status}.')


def snapshot_config(backend: SageMakerModelBackend, name: str, quote: str = "'") -> dict[str, Any]:
    config = backend.endpoint_configs.get(name)
    if config is None:
        arn = config_arn(backend, name)
        raise ValidationError(f"Could not find endpoint configuration {quote}{arn}{quote}.")
    return copy.deepcopy(_config_renderer[0](config))


def start_operation(
    endpoint: FakeEndpoint,
    kind: OperationKind,
    phases: tuple[TimedPhase, ...],
    started: datetime,
    on_complete: Callable[[datetime], None],
    **guards: Any,
) -> Operation:
    """Run ``phases`` on ``endpoint`` from ``started`` (``guards``: Operation's watch/deadline/... hooks)."""

    def on_phase(progress: PhaseProgress) -> None:
        endpoint.endpoint_status = progress.phase.endpoint_status

    operation = Operation(kind, phases, started, on_complete, on_phase, **guards)
    runtime_of(endpoint).operation = operation
    endpoint.endpoint_status = phases[0].endpoint_status
    RUNTIME.start_operation(str(endpoint.arn), operation)
    return operation


def mark_variants(endpoint: FakeEndpoint, phase: TimedPhase, now: datetime) -> None:
    entry = v.variant_status(phase.variant_status or "Creating", phase.status_message, now)
    names = [variant["VariantName"] for variant in endpoint.production_variants]
    endpoint.production_variants = v.with_status(endpoint.production_variants, names, entry)


def settle(endpoint: FakeEndpoint, at: datetime, status: str = "InService") -> None:
    endpoint.endpoint_status = status
    endpoint.last_modified_time = at
    runtime_of(endpoint).operation = None


def ticking(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a moto method so pending transitions are applied (under the lock) before it reads."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with RUNTIME.lock:
            RUNTIME.tick()
            return method(*args, **kwargs)

    wrapper.__name__ = getattr(method, "__name__", "wrapper")
    wrapper.__doc__ = getattr(method, "__doc__", None)
    return wrapper
