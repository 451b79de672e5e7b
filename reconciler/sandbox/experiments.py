"""Inference experiments (shadow tests) in the sandbox: moto has none.

An experiment lives on moto's SageMaker backend (``experiments_of``) and moves on
the sandbox clock like an endpoint: Creating (``CREATE_SECONDS``) -> Created ->
Starting when its schedule starts (or on StartInferenceExperiment) -> Running once
the endpoint serves the experiment -> Stopping (StopInferenceExperiment, or the
schedule's end) -> Completed or Cancelled. Anything that goes wrong on the way
(the endpoint is gone or its update rolled back) ends in Cancelled with a
StatusReason, as AWS documents.

What it does to the endpoint: starting deploys a service-created endpoint config
(``<endpoint>-ie-<8 hex>``; AWS's naming is unconfirmed) with the source model
variant as production variant and the shadow model variant in
ShadowProductionVariants (InitialVariantWeight = SamplingPercentage / 100), the
DataStorageConfig as its data capture. Stopping deploys another one: the shadow
variant Promote'd replaces the production variant's model (under the production
variant's name, with the shadow's or DesiredModelVariants' infrastructure),
Remove'd disappears, Retain'ed stays. Both are ordinary blue/green updates
(``endpoint_update.deploy_for_service``). Validation messages are AWS-like; their
exact wording is unconfirmed.

This module is the API (create, start, update, stop, delete, and the Describe and
List views); ``experiment_model`` holds the record and request checks,
``experiment_timeline`` the steps and endpoint configs, ``experiment_api`` the
moto response handlers.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from moto.sagemaker.exceptions import ConflictException, ResourceInUseException, ValidationError
from moto.sagemaker.models import SageMakerModelBackend

from reconciler.sandbox import endpoint_state as state
from reconciler.sandbox.experiment_model import (
    ACTIVE,
    Experiment,
    check_endpoint,
    check_variants,
    experiment_arn,
    experiments_of,
    find,
    schedule_window,
    seconds_until,
    timestamp,
)
from reconciler.sandbox.experiment_timeline import (
    after,
    begin,
    created_step,
    finish,
    schedule_ends,
    starts_step,
    stop_endpoint,
)
from reconciler.sandbox.runtime import RUNTIME

CREATE_SECONDS = 60.0
"""CreateInferenceExperiment: Creating -> Created."""


def create(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> Experiment:
    """CreateInferenceExperiment: validated, Creating, then Created (and Starting at its start time)."""
    with RUNTIME.lock:
        RUNTIME.tick()
        name = str(request["Name"])
        if name in experiments_of(backend):
            raise ResourceInUseException(f'Inference experiment "{experiment_arn(backend, name)}" already exists.')
        if request.get("Type") != "ShadowMode":
            raise ValidationError(
                f"Value '{request.get('Type')}' at 'type' failed to satisfy constraint: Member must satisfy enum "
                "value set: [ShadowMode]"
            )
        endpoint = state.require_endpoint(backend, str(request["EndpointName"]))
        check_endpoint(backend, endpoint)
        check_variants(backend, request["ModelVariants"], request["ShadowModeConfig"])
        now = RUNTIME.now()
        start, end = schedule_window(request.get("Schedule"), now)
        experiment = Experiment(
            name=name,
            arn=experiment_arn(backend, name),
            endpoint_name=endpoint.endpoint_name,
            role_arn=str(request["RoleArn"]),
            model_variants=copy.deepcopy(list(request["ModelVariants"])),
            shadow_mode_config=copy.deepcopy(dict(request["ShadowModeConfig"])),
            start_time=start,
            end_time=end,
            created=now,
            description=request.get("Description"),
            data_storage_config=copy.deepcopy(request.get("DataStorageConfig")),
            kms_key=request.get("KmsKey"),
            tags=copy.deepcopy(list(request.get("Tags") or [])),
            last_modified=now,
        )
        experiment.variant_status = {
            experiment.source: "InService",
            experiment.shadow["ShadowModelVariantName"]: "Creating",
        }
        experiments_of(backend)[name] = experiment
        after(experiment, "Creating", now, CREATE_SECONDS, created_step(backend, experiment))
        return experiment


def start(backend: SageMakerModelBackend, name: str) -> Experiment:
    """StartInferenceExperiment: a Created experiment starts now."""
    with RUNTIME.lock:
        RUNTIME.tick()
        experiment = find(backend, name)
        if experiment.status != "Created":
            raise ConflictException(f'Cannot start inference experiment "{name}" in status {experiment.status}.')
        begin(backend, experiment, RUNTIME.now())
        return experiment


def update(backend: SageMakerModelBackend, name: str, request: Mapping[str, Any]) -> Experiment:
    """UpdateInferenceExperiment: anything while Created; only the end time and description while Running."""
    with RUNTIME.lock:
        RUNTIME.tick()
        experiment = find(backend, name)
        now = RUNTIME.now()
        if experiment.status == "Created":
            variants = request.get("ModelVariants", experiment.model_variants)
            shadow_config = request.get("ShadowModeConfig", experiment.shadow_mode_config)
            check_variants(backend, variants, shadow_config)
            schedule = {
                "StartTime": experiment.start_time,
                "EndTime": experiment.end_time,
                **request.get("Schedule", {}),
            }
            experiment.start_time, experiment.end_time = schedule_window(schedule, now)
            experiment.model_variants = copy.deepcopy(list(variants))
            experiment.shadow_mode_config = copy.deepcopy(dict(shadow_config))
            after(
                experiment, "Created", now, seconds_until(experiment.start_time, now), starts_step(backend, experiment)
            )
        elif experiment.status == "Running":
            new_start = request.get("Schedule", {}).get("StartTime")
            if new_start is not None and timestamp(new_start) != experiment.start_time:
                raise ValidationError(
                    f'The start of running inference experiment "{name}" cannot change; only its end can.'
                )
            redeploy = _running_changes(experiment, request)
            _, experiment.end_time = schedule_window(
                {"StartTime": experiment.start_time, **request.get("Schedule", {})}, now
            )
            if redeploy:
                begin(backend, experiment, now, status="Updating")
            else:
                after(
                    experiment, "Running", now, seconds_until(experiment.end_time, now),
                    schedule_ends(backend, experiment),
                )
        else:
            raise ConflictException(f'Cannot update inference experiment "{name}" in status {experiment.status}.')
        if "Description" in request:
            experiment.description = request["Description"]
        if "DataStorageConfig" in request:
            experiment.data_storage_config = copy.deepcopy(request["DataStorageConfig"])
        experiment.last_modified = now
        return experiment


def _running_changes(experiment: Experiment, request: Mapping[str, Any]) -> bool:
    """Apply UpdateInferenceExperiment's ModelVariants (infrastructure) and ShadowModeConfig (sampling) to a
    running experiment; whether its endpoint must deploy a new config. The variants and their models stay
    (changing a running experiment's model is refused here; AWS's exact rule is unconfirmed)."""
    changed = False
    if "ModelVariants" in request:
        current = {v["VariantName"]: v for v in experiment.model_variants}
        for variant in request["ModelVariants"]:
            known = current.get(variant["VariantName"])
            if known is None or known["ModelName"] != variant["ModelName"]:
                raise ValidationError(
                    f'The variants and models of running inference experiment "{experiment.name}" cannot change; '
                    "only their infrastructure can."
                )
            if variant.get("InfrastructureConfig") != known.get("InfrastructureConfig"):
                known["InfrastructureConfig"] = copy.deepcopy(variant["InfrastructureConfig"])
                changed = True
    if "ShadowModeConfig" in request:
        wanted = request["ShadowModeConfig"]
        have = experiment.shadow_mode_config
        names = (wanted.get("SourceModelVariantName"),
                 [v.get("ShadowModelVariantName") for v in wanted.get("ShadowModelVariants", [])])
        if names != (have.get("SourceModelVariantName"),
                     [v.get("ShadowModelVariantName") for v in have.get("ShadowModelVariants", [])]):
            raise ValidationError(
                f'The source and shadow variants of running inference experiment "{experiment.name}" cannot change.'
            )
        if wanted != have:
            experiment.shadow_mode_config = copy.deepcopy(dict(wanted))
            changed = True
    return changed


def delete(backend: SageMakerModelBackend, name: str) -> Experiment:
    """DeleteInferenceExperiment: only the metadata, and not while it runs or changes state."""
    with RUNTIME.lock:
        RUNTIME.tick()
        experiment = find(backend, name)
        if experiment.status in ACTIVE - {"Created"}:
            raise ConflictException(
                f'Cannot delete inference experiment "{name}" in status {experiment.status}; stop it first.'
            )
        RUNTIME.cancel_operation(experiment.arn)
        experiment.operation = None
        del experiments_of(backend)[name]
        return experiment


# --- Stop ---------------------------------------------------------------------------------------------


def stop(
    backend: SageMakerModelBackend,
    name: str,
    actions: Mapping[str, str],
    desired_variants: Sequence[Mapping[str, Any]] | None = None,
    desired_state: str | None = None,
    reason: str | None = None,
) -> Experiment:
    """StopInferenceExperiment: Stopping while the endpoint gets its final config, then Completed/Cancelled."""
    with RUNTIME.lock:
        RUNTIME.tick()
        experiment = find(backend, name)
        if experiment.status not in ("Created", "Running"):
            raise ConflictException(f'Cannot stop inference experiment "{name}" in status {experiment.status}.')
        final_state = desired_state or "Completed"
        if final_state not in ("Completed", "Cancelled"):
            raise ValidationError(
                f"Value '{final_state}' at 'desiredState' failed to satisfy constraint: Member must satisfy enum "
                "value set: [Completed, Cancelled]"
            )
        promote, keep_shadow = _check_actions(experiment, actions)
        now = RUNTIME.now()
        if experiment.status == "Created":
            experiment.variant_status[experiment.shadow["ShadowModelVariantName"]] = "Deleted"
            finish(experiment, final_state, reason, now)
            return experiment
        stop_endpoint(backend, experiment, promote, keep_shadow, desired_variants or [], final_state, reason, now)
        return experiment


def _check_actions(experiment: Experiment, actions: Mapping[str, str]) -> tuple[bool, bool]:
    shadow = experiment.shadow["ShadowModelVariantName"]
    for variant_name, action in actions.items():
        if variant_name not in (experiment.source, shadow):
            raise ValidationError(f'Variant "{variant_name}" is not part of inference experiment "{experiment.name}".')
        if action not in ("Promote", "Remove", "Retain"):
            raise ValidationError(
                f"Value '{action}' at 'modelVariantActions.{variant_name}' failed to satisfy constraint: Member must "
                "satisfy enum value set: [Retain, Remove, Promote]"
            )
    if actions.get(experiment.source) == "Promote":
        raise ValidationError(f'Only the shadow variant "{shadow}" can be promoted.')
    promote = actions.get(shadow) == "Promote"
    if actions.get(experiment.source) == "Remove" and not promote:
        raise ValidationError(
            f'The production variant "{experiment.source}" can only be removed when the shadow variant "{shadow}" '
            "is promoted."
        )
    return promote, actions.get(shadow, "Retain") == "Retain"


# --- Describe and List --------------------------------------------------------------------------------


def describe(backend: SageMakerModelBackend, name: str) -> dict[str, Any]:
    """DescribeInferenceExperiment (missing: ResourceNotFound)."""
    with RUNTIME.lock:
        RUNTIME.tick()
        return render(backend, find(backend, name))


def render(backend: SageMakerModelBackend, experiment: Experiment) -> dict[str, Any]:
    endpoint = backend.endpoints.get(experiment.endpoint_name)
    metadata: dict[str, Any] = {"EndpointName": experiment.endpoint_name}
    if endpoint is not None:
        metadata["EndpointConfigName"] = endpoint.endpoint_config_name
        metadata["EndpointStatus"] = endpoint.endpoint_status
        if endpoint.failure_reason:
            metadata["FailureReason"] = endpoint.failure_reason
    variants = [
        {
            "ModelName": variant["ModelName"],
            "VariantName": variant["VariantName"],
            "InfrastructureConfig": copy.deepcopy(variant["InfrastructureConfig"]),
            "Status": experiment.variant_status.get(variant["VariantName"], "InService"),
        }
        for variant in experiment.model_variants
    ]
    response = {
        **summary(experiment),
        "Arn": experiment.arn,
        "EndpointMetadata": metadata,
        "ModelVariants": variants,
        "DataStorageConfig": copy.deepcopy(experiment.data_storage_config),
        "ShadowModeConfig": copy.deepcopy(experiment.shadow_mode_config),
        "KmsKey": experiment.kms_key,
    }
    return {key: value for key, value in response.items() if value is not None}


def summary(experiment: Experiment) -> dict[str, Any]:
    """The InferenceExperimentSummary of ``experiment``."""
    response = {
        "Name": experiment.name,
        "Type": "ShadowMode",
        "Schedule": {"StartTime": experiment.start_time, "EndTime": experiment.end_time},
        "Status": experiment.status,
        "StatusReason": experiment.status_reason,
        "Description": experiment.description,
        "CreationTime": experiment.created,
        "CompletionTime": experiment.completed,
        "LastModifiedTime": experiment.last_modified,
        "RoleArn": experiment.role_arn,
    }
    return {key: value for key, value in response.items() if value is not None}


_SORT_KEYS = {"Name": "name", "CreationTime": "created", "Status": "status"}
_TIME_FILTERS = (
    ("CreationTimeAfter", "created", 1),
    ("CreationTimeBefore", "created", -1),
    ("LastModifiedTimeAfter", "last_modified", 1),
    ("LastModifiedTimeBefore", "last_modified", -1),
)


def list_experiments(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> dict[str, Any]:
    """ListInferenceExperiments with its filters, sorting (default CreationTime, Descending) and paging."""
    with RUNTIME.lock:
        RUNTIME.tick()
        found = [e for e in experiments_of(backend).values() if _matches(e, request)]
        key = _SORT_KEYS.get(str(request.get("SortBy", "CreationTime")), "created")
        found.sort(key=lambda e: getattr(e, key), reverse=request.get("SortOrder", "Descending") == "Descending")
        offset = int(request.get("NextToken") or 0)
        size = int(request.get("MaxResults") or 100)
        page = found[offset : offset + size]
        response: dict[str, Any] = {"InferenceExperiments": [summary(e) for e in page]}
        if offset + size < len(found):
            response["NextToken"] = str(offset + size)
        return response


def _matches(experiment: Experiment, request: Mapping[str, Any]) -> bool:
    if request.get("NameContains") and str(request["NameContains"]).lower() not in experiment.name.lower():
        return False
    if request.get("StatusEquals") and request["StatusEquals"] != experiment.status:
        return False
    if request.get("Type") and request["Type"] != "ShadowMode":
        return False
    for field_name, attribute, sign in _TIME_FILTERS:
        if request.get(field_name) is not None:
            moment, value = timestamp(request[field_name]), getattr(experiment, attribute)
            if (value - moment).total_seconds() * sign <= 0:
                return False
    return True
