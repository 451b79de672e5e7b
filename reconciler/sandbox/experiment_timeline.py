"""The timeline of an inference experiment and what it does to its endpoint.

Each step is a one-phase ``lifecycle.Operation`` on the sandbox clock, registered
under the experiment's ARN, so steps fall due lazily like endpoint operations:
Creating -> Created (until the schedule starts) -> Starting (the endpoint deploys
the experiment's config) -> Running (until the schedule ends) -> Stopping (the
endpoint deploys the final config) -> Completed or Cancelled. If the endpoint is
gone or its update did not take, the experiment ends Cancelled with a StatusReason.

Endpoint configs made here are service-created: ``<endpoint>-ie-<8 hex>``
(AWS's naming is unconfirmed), with the source variant as production variant, the
shadow variant in ShadowProductionVariants (InitialVariantWeight =
SamplingPercentage / 100) and the DataStorageConfig as data capture. They deploy
as ordinary blue/green updates (``endpoint_update.deploy_for_service``).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend

from reconciler.sandbox import endpoint_state as state
from reconciler.sandbox.endpoint_update import deploy_for_service
from reconciler.sandbox.experiment_model import Experiment, seconds_until
from reconciler.sandbox.lifecycle import Operation, OperationKind, TimedPhase
from reconciler.sandbox.runtime import RUNTIME

STOP_SECONDS = 30.0
"""StopInferenceExperiment when the endpoint does not change."""
SCHEDULE_END_REASON = "The inference experiment reached the end of its schedule."


def stop_endpoint(
    backend: SageMakerModelBackend,
    experiment: Experiment,
    promote: bool,
    keep_shadow: bool,
    desired: Sequence[Mapping[str, Any]],
    final_state: str,
    reason: str | None,
    now: datetime,
) -> None:
    """Stopping: deploy the config the variant actions leave (none if nothing changes), then ``final_state``."""
    endpoint = backend.endpoints.get(experiment.endpoint_name)
    shadow = experiment.shadow["ShadowModelVariantName"]
    experiment.status, experiment.last_modified = "Stopping", now
    experiment.variant_status = {
        experiment.source: "Deleting" if promote else "InService",
        shadow: "Updating" if promote else ("InService" if keep_shadow else "Deleting"),
    }
    finals = {
        experiment.source: "Deleted" if promote else "InService",
        shadow: "InService" if promote or keep_shadow else "Deleted",
    }
    if endpoint is None or endpoint.endpoint_status != "InService":
        finish(experiment, "Cancelled", f'Endpoint "{experiment.endpoint_name}" is not InService.', now)
        return
    overrides = {v["VariantName"]: v for v in desired}
    chosen = experiment.variant(shadow if promote else experiment.source)
    infra = overrides.get(chosen["VariantName"], overrides.get(experiment.source, chosen))["InfrastructureConfig"]
    production = _config_variant(experiment.source, chosen["ModelName"], infra)
    shadows = [_shadow_variant(experiment, overrides)] if keep_shadow else []
    if not promote and keep_shadow and not overrides:
        after(experiment, "Stopping", now, STOP_SECONDS, _stopped(backend, experiment, final_state, reason, finals))
        return
    config_name = _create_config(backend, experiment, endpoint, production, shadows)
    deploy_for_service(backend, endpoint, config_name, now)
    seconds = (state.runtime_of(endpoint).operation.ends_at - now).total_seconds()  # type: ignore[union-attr]
    after(experiment, "Stopping", now, seconds, _stopped(backend, experiment, final_state, reason, finals, config_name))


# --- steps --------------------------------------------------------------------------------------------


def after(experiment: Experiment, status: str, at: datetime, seconds: float, then: Callable[[datetime], None]) -> None:
    """Show ``status`` from ``at`` for ``seconds``, then run ``then`` (replacing any step already scheduled)."""
    experiment.status = status
    operation = Operation(OperationKind.EXPERIMENT, (TimedPhase(status, status, max(0.0, seconds)),), at, then)
    experiment.operation = operation
    RUNTIME.start_operation(experiment.arn, operation)


def created_step(backend: SageMakerModelBackend, experiment: Experiment) -> Callable[[datetime], None]:
    def created(at: datetime) -> None:
        experiment.last_modified = at
        after(experiment, "Created", at, seconds_until(experiment.start_time, at), starts_step(backend, experiment))

    return created


def starts_step(backend: SageMakerModelBackend, experiment: Experiment) -> Callable[[datetime], None]:
    return lambda at: begin(backend, experiment, at)


def begin(backend: SageMakerModelBackend, experiment: Experiment, at: datetime, status: str = "Starting") -> None:
    """Starting: deploy the experiment's endpoint config; Running once it serves and the schedule has started.
    With ``status`` Updating: a running experiment whose variants' infrastructure or sampling changed
    deploys its new config the same way and runs on."""
    experiment.last_modified = at
    endpoint = backend.endpoints.get(experiment.endpoint_name)
    if endpoint is None or endpoint.endpoint_status != "InService":
        finish(experiment, "Cancelled", f'Endpoint "{experiment.endpoint_name}" is not InService.', at)
        return
    production = _config_variant(
        experiment.source,
        experiment.variant(experiment.source)["ModelName"],
        experiment.variant(experiment.source)["InfrastructureConfig"],
    )
    config_name = _create_config(backend, experiment, endpoint, production, [_shadow_variant(experiment, {})])
    deploy_for_service(backend, endpoint, config_name, at)
    ready = max(state.runtime_of(endpoint).operation.ends_at, experiment.start_time)  # type: ignore[union-attr]
    after(experiment, status, at, (ready - at).total_seconds(), _running(backend, experiment, config_name))


def _running(backend: SageMakerModelBackend, experiment: Experiment, config_name: str) -> Callable[[datetime], None]:
    def running(at: datetime) -> None:
        problem = _serving(backend, experiment, config_name, at)
        if problem:
            finish(experiment, "Cancelled", problem, at)
            return
        experiment.variant_status = dict.fromkeys(experiment.variant_status, "InService")
        experiment.last_modified = at
        after(experiment, "Running", at, seconds_until(experiment.end_time, at), schedule_ends(backend, experiment))

    return running


def schedule_ends(backend: SageMakerModelBackend, experiment: Experiment) -> Callable[[datetime], None]:
    def ends(at: datetime) -> None:
        stop_endpoint(backend, experiment, False, False, [], "Completed", SCHEDULE_END_REASON, at)

    return ends


def _stopped(
    backend: SageMakerModelBackend,
    experiment: Experiment,
    final_state: str,
    reason: str | None,
    finals: dict[str, str],
    config_name: str | None = None,
) -> Callable[[datetime], None]:
    def stopped(at: datetime) -> None:
        problem = _serving(backend, experiment, config_name, at) if config_name else None
        experiment.variant_status = finals
        finish(experiment, "Cancelled" if problem else final_state, problem or reason, at)

    return stopped


def finish(experiment: Experiment, status: str, reason: str | None, at: datetime) -> None:
    RUNTIME.cancel_operation(experiment.arn)
    experiment.operation = None
    experiment.status, experiment.status_reason = status, reason
    experiment.completed = experiment.last_modified = at


def _serving(backend: SageMakerModelBackend, experiment: Experiment, config_name: str, at: datetime) -> str | None:
    """Why the endpoint does not serve ``config_name`` at ``at`` (after finishing what was due); None if it does."""
    endpoint = backend.endpoints.get(experiment.endpoint_name)
    if endpoint is None:
        return f'Endpoint "{experiment.endpoint_name}" was deleted.'
    operation = state.runtime_of(endpoint).operation
    for _ in range(4):  # the deployment (and a rollback it handed over to) may be due at the same instant
        if operation is None or operation.ends_at > at:
            break
        operation.advance(at)
        operation = state.runtime_of(endpoint).operation
    if endpoint.endpoint_config_name == config_name and endpoint.endpoint_status == "InService":
        return None
    failure = endpoint.failure_reason or f"status {endpoint.endpoint_status}"
    return f'The update of endpoint "{experiment.endpoint_name}" for the experiment failed: {failure}'


# --- endpoint configs --------------------------------------------------------------------------------------


def _config_variant(name: str, model: str, infra: Mapping[str, Any]) -> dict[str, Any]:
    real_time = infra["RealTimeInferenceConfig"]
    return {
        "VariantName": name,
        "ModelName": model,
        "InstanceType": real_time["InstanceType"],
        "InitialInstanceCount": int(real_time["InstanceCount"]),
        "InitialVariantWeight": 1.0,
    }


def _shadow_variant(experiment: Experiment, overrides: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    name = experiment.shadow["ShadowModelVariantName"]
    chosen = overrides.get(name, experiment.variant(name))
    variant = _config_variant(name, experiment.variant(name)["ModelName"], chosen["InfrastructureConfig"])
    variant["InitialVariantWeight"] = int(experiment.shadow["SamplingPercentage"]) / 100
    return variant


def _create_config(
    backend: SageMakerModelBackend,
    experiment: Experiment,
    endpoint: FakeEndpoint,
    production: dict[str, Any],
    shadows: list[dict[str, Any]],
) -> str:
    live = state.runtime_of(endpoint).config
    name = f"{endpoint.endpoint_name[:50]}-ie-{uuid.uuid4().hex[:8]}"
    request: dict[str, Any] = {"EndpointConfigName": name, "ProductionVariants": [production]}
    if shadows:
        request["ShadowProductionVariants"] = shadows
    capture = _capture(experiment.data_storage_config) or live.get("DataCaptureConfig")
    for key, value in (("DataCaptureConfig", capture), ("KmsKeyId", live.get("KmsKeyId"))):
        if value:
            request[key] = copy.deepcopy(value)
    backend.create_endpoint_config(
        endpoint_config_name=name,
        production_variants=request["ProductionVariants"],
        data_capture_config=request.get("DataCaptureConfig"),
        async_inference_config=None,
        tags=[],
        kms_key_id=request.get("KmsKeyId"),
        request=request,
    )
    return name


def _capture(storage: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not storage:
        return None
    capture: dict[str, Any] = {
        "EnableCapture": True,
        "InitialSamplingPercentage": 100,
        "DestinationS3Uri": storage["Destination"],
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    }
    if storage.get("KmsKey"):
        capture["KmsKeyId"] = storage["KmsKey"]
    if storage.get("ContentType"):
        capture["CaptureContentTypeHeader"] = copy.deepcopy(storage["ContentType"])
    return capture


# --- validation and helpers ------------------------------------------------------------------------------
