"""UpdateEndpoint in the sandbox: guardrail deployments, alarm-driven rollback, PendingDeploymentSummary.

``update_endpoint`` becomes a method of moto's ``SageMakerModelBackend`` (see
``sagemaker_patches``). It validates the request against the live endpoint
(status, config, live-state rules of ``guardrails``, Application Auto Scaling
targets, alarms, the DeploymentConfig via ``deployment_plan``), then runs the
plan's phases on the sandbox clock with EndpointStatus Updating and the old
EndpointConfigName, describing progress in PendingDeploymentSummary.

While a traffic shift or bake lasts, the deployment rolls back when an alarm of
AutoRollbackConfiguration is in ALARM, when a failure was armed with the
``fail-next-update`` control (at the first shift, i.e. when provisioning ends),
or when MaximumExecutionTimeoutInSeconds passes. The rollback is itself timed
(``deployment_plan.rollback_phases``; status stays Updating, as RollingBack is
only for weight/capacity changes) and ends InService on the old config with the
FailureReason, or in UpdateRollbackFailed when a rollback failure was armed with
``fail-next-rollback``. Either way LastDeploymentConfig is the config in effect.

SageMaker's EventBridge events are emitted on the way (``sagemaker_events``): an
Endpoint State Change when the update starts and when it ends (InService, or
UpdateRollbackFailed), and a Deployment State Change when it (or its rollback)
starts, at each of its phases and when it ends.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend

from reconciler.sandbox import autoscaling, guardrails, sagemaker_events
from reconciler.sandbox import deployment_plan as plans
from reconciler.sandbox import endpoint_state as state
from reconciler.sandbox import variants as v
from reconciler.sandbox.lifecycle import OperationKind, TimedPhase
from reconciler.sandbox.runtime import RUNTIME, EndpointRuntime, PendingUpdate

logger = logging.getLogger(__name__)

UPDATABLE_STATUSES = frozenset({"InService", "UpdateRollbackFailed"})
"""UpdateEndpoint is how an endpoint leaves UpdateRollbackFailed, so it is allowed there too."""


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
        endpoint = state.require_endpoint(backend, endpoint_name, quote='"')
        state.require_status(endpoint, "update", UPDATABLE_STATUSES)
        config = state.snapshot_config(backend, endpoint_config_name, quote='"')
        runtime = state.runtime_of(endpoint)
        _check_live_state(backend, endpoint, runtime.config, config)
        effective = copy.deepcopy(runtime.last_deployment_config if retain_deployment_config else deployment_config)
        missing = guardrails.missing_alarms(backend.account_id, backend.region_name, guardrails.alarm_names(effective))
        if missing:
            raise ValidationError(guardrails.missing_alarms_message(missing))
        retain = bool(retain_all_variant_properties)
        excluded = frozenset(p["VariantPropertyType"] for p in exclude_retained_variant_properties or [])
        config_variants = config.get("ProductionVariants", [])
        targets = v.target_variants(config_variants, endpoint.production_variants, retain, excluded)
        live_names = [p["VariantName"] for p in runtime.config.get("ProductionVariants", [])]
        try:
            plan = plans.plan_update(effective, plans.fleet_of(config_variants, targets, live_names))
        except plans.DeploymentConfigError as error:
            raise ValidationError(str(error)) from None
        now = RUNTIME.now()
        _begin(backend, endpoint, endpoint_config_name, config, plan, effective or None, retain, excluded, now)
        return str(endpoint.arn)


def deploy_for_service(
    backend: SageMakerModelBackend, endpoint: FakeEndpoint, config_name: str, started: datetime
) -> PendingUpdate:
    """An update SageMaker itself starts (e.g. for an inference experiment) at ``started``: no request checks.

    It deploys blue/green all at once, without guardrails, keeping the live
    endpoint's DeploymentConfig as LastDeploymentConfig; a failure armed with
    ``fail-next-update`` applies to it as to any update.
    """
    config = state.snapshot_config(backend, config_name)
    runtime = state.runtime_of(endpoint)
    variants = config.get("ProductionVariants", [])
    targets = v.target_variants(variants, endpoint.production_variants, False)
    plan = plans.plan_update(None, plans.fleet_of(variants, targets, ()))
    return _begin(
        backend, endpoint, config_name, config, plan, runtime.last_deployment_config, False, frozenset(), started
    )


def _begin(
    backend: SageMakerModelBackend,
    endpoint: FakeEndpoint,
    config_name: str,
    config: dict[str, Any],
    plan: plans.DeploymentPlan,
    deployment_config: dict[str, Any] | None,
    retain: bool,
    excluded: frozenset[str],
    started: datetime,
) -> PendingUpdate:
    runtime = state.runtime_of(endpoint)
    pending = PendingUpdate(
        config_name=config_name,
        config=config,
        started=started,
        retain_all_variant_properties=retain,
        excluded_properties=excluded,
        deployment_config=copy.deepcopy(deployment_config),
        failure_reason=runtime.armed_failure,
        plan=plan,
    )
    runtime.pending = pending
    runtime.armed_failure = None
    endpoint.failure_reason = None
    endpoint.last_modified_time = started
    deadline = started + timedelta(seconds=plan.timeout_seconds) if plan.timeout_seconds else None
    operation = state.start_operation(
        endpoint,
        OperationKind.UPDATE,
        plan.phases,
        started,
        _finish_update(endpoint, pending),
        watch=_watch(backend, pending),
        deadline=deadline,
        timeout=_timeout(plan.timeout_seconds),
        on_abort=_roll_back(endpoint, pending),
    )
    sagemaker_events.endpoint_changed(endpoint, started, deployment=True)
    sagemaker_events.announce_phases(endpoint, operation)
    return pending


def _check_live_state(
    backend: SageMakerModelBackend, endpoint: FakeEndpoint, live: dict[str, Any], new: dict[str, Any]
) -> None:
    problem = guardrails.live_state_error(endpoint.endpoint_name, str(endpoint.arn), live, new)
    if problem:
        raise ValidationError(problem)
    registered = autoscaling.registered_variants(backend.account_id, backend.region_name, endpoint.endpoint_name)
    blocked = autoscaling.blocked_variants(
        registered, live.get("ProductionVariants", []), new.get("ProductionVariants", [])
    )
    if blocked:
        raise ValidationError(autoscaling.blocked_update_message(endpoint.endpoint_name, blocked))


def _watch(backend: SageMakerModelBackend, pending: PendingUpdate) -> Callable[[TimedPhase], str | None]:
    names = guardrails.alarm_names(pending.deployment_config)

    def watch(phase: TimedPhase) -> str | None:
        if pending.failure_reason:
            return pending.failure_reason
        firing = guardrails.firing_alarms(backend.account_id, backend.region_name, names) if names else []
        return guardrails.alarm_reason(firing, phase.label) if firing else None

    return watch


def _timeout(seconds: float | None) -> Callable[[TimedPhase], str] | None:
    if not seconds:
        return None
    return lambda phase: guardrails.timeout_reason(seconds, phase.label)


def _finish_update(endpoint: FakeEndpoint, pending: PendingUpdate) -> Callable[[datetime], None]:
    def finish(at: datetime) -> None:
        runtime = state.runtime_of(endpoint)
        if runtime.pending is not pending:
            state.settle(endpoint, at)
            return
        runtime.pending = None
        runtime.last_deployment_config = pending.deployment_config
        _deploy(endpoint, runtime, pending)
        endpoint.failure_reason = None
        state.settle(endpoint, at)
        sagemaker_events.endpoint_changed(endpoint, at, deployment=True)

    return finish


def _deploy(endpoint: FakeEndpoint, runtime: EndpointRuntime, pending: PendingUpdate) -> None:
    config = pending.config
    endpoint.production_variants = _targets(pending, "ProductionVariants", endpoint.production_variants)
    runtime.shadow_variants = _targets(pending, "ShadowProductionVariants", runtime.shadow_variants)
    runtime.config = config
    endpoint.endpoint_config_name = pending.config_name


# --- rollback ---------------------------------------------------------------------------------------


def _roll_back(endpoint: FakeEndpoint, pending: PendingUpdate) -> Callable[[datetime, int, str], None]:
    def roll_back(at: datetime, phase_index: int, reason: str) -> None:
        logger.info("sandbox: rolling back the update of %s: %s", endpoint.endpoint_name, reason)
        pending.rollback_reason = reason
        phases = plans.rollback_phases(pending.plan, phase_index)
        operation = state.start_operation(
            endpoint, OperationKind.ROLLBACK, phases, at, _finish_rollback(endpoint, pending)
        )
        sagemaker_events.endpoint_changed(endpoint, at, state=False, deployment=True)
        sagemaker_events.announce_phases(endpoint, operation)

    return roll_back


def _finish_rollback(endpoint: FakeEndpoint, pending: PendingUpdate) -> Callable[[datetime], None]:
    def finish(at: datetime) -> None:
        runtime = state.runtime_of(endpoint)
        if runtime.pending is pending:
            runtime.pending = None
            runtime.last_deployment_config = pending.deployment_config
        reason = pending.rollback_reason or "The deployment was rolled back."
        failure, runtime.armed_rollback_failure = runtime.armed_rollback_failure, None
        if failure:
            endpoint.failure_reason = guardrails.rollback_failed_reason(reason, failure)
            state.settle(endpoint, at, "UpdateRollbackFailed")
        else:
            endpoint.failure_reason = reason
            state.settle(endpoint, at)
        sagemaker_events.endpoint_changed(endpoint, at, deployment=True)

    return finish


# --- PendingDeploymentSummary -----------------------------------------------------------------------


def pending_summary(endpoint: FakeEndpoint, now: datetime) -> dict[str, Any] | None:
    """DescribeEndpoint's PendingDeploymentSummary while an update deploys or rolls back."""
    runtime = state.runtime_of(endpoint)
    pending, operation = runtime.pending, runtime.operation
    if pending is None or operation is None or operation.kind not in (OperationKind.UPDATE, OperationKind.ROLLBACK):
        return None
    progress = operation.progress(now)
    phase = progress.phase if progress else operation.phases[-1]
    since = progress.started if progress else operation.started
    summary: dict[str, Any] = {
        "EndpointConfigName": pending.config_name,
        "StartTime": pending.started,
        "ProductionVariants": _pending_list(pending, "ProductionVariants", endpoint.production_variants, phase, since),
    }
    shadows = _pending_list(pending, "ShadowProductionVariants", runtime.shadow_variants, phase, since)
    if shadows:
        summary["ShadowProductionVariants"] = shadows
    return summary


def _pending_list(
    pending: PendingUpdate, key: str, live: Sequence[Mapping[str, Any]], phase: TimedPhase, since: datetime
) -> list[dict[str, Any]]:
    config_variants = pending.config.get(key, [])
    return v.pending_variants(
        config_variants,
        _targets(pending, key, live),
        phase.variant_status,
        phase.status_message,
        since,
        traffic=phase.new_traffic,
        capacity=phase.new_capacity,
    )


def _targets(pending: PendingUpdate, key: str, live: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return v.target_variants(
        pending.config.get(key, []), live, pending.retain_all_variant_properties, pending.excluded_properties
    )


# --- control actions ----------------------------------------------------------------------------------


def arm_update_failure(backend: SageMakerModelBackend, endpoint_name: str, reason: str) -> dict[str, Any]:
    """Make the next UpdateEndpoint of ``endpoint_name`` roll back with ``reason`` when provisioning ends."""
    with RUNTIME.lock:
        RUNTIME.tick()
        endpoint = state.find_endpoint(backend, endpoint_name)
        state.runtime_of(endpoint).armed_failure = reason
        return {"endpoint": endpoint_name, "armed": True, "reason": reason}


def arm_rollback_failure(backend: SageMakerModelBackend, endpoint_name: str, reason: str) -> dict[str, Any]:
    """Make the next rollback of ``endpoint_name`` end in UpdateRollbackFailed, ``reason`` added to FailureReason."""
    with RUNTIME.lock:
        RUNTIME.tick()
        endpoint = state.find_endpoint(backend, endpoint_name)
        state.runtime_of(endpoint).armed_rollback_failure = reason
        return {"endpoint": endpoint_name, "armed": True, "reason": reason}
