"""Rollouts of an endpoint update: how a DeploymentConfig reads to people, how long to follow it,
and what a rolled-back or failed update is reported as.
"""

from __future__ import annotations

from typing import Any

from reconciler.changes import Step

TRANSITIONAL = {"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"}
CREATE_TIMEOUT = 3600.0  # AWS's EndpointInService waiter: 30 s x 120
UPDATE_TIMEOUT = 3600.0  # waiting for an endpoint to settle before changing it
PROVISIONING_ALLOWANCE = 3600
ROLLBACK_ALLOWANCE = 1800
WEIGHTS_TIMEOUT = 1800.0
DELETE_TIMEOUT = 1800.0  # AWS's EndpointDeleted waiter: 30 s x 60
ROLLBACK_FAILED_HELP = (
    "The endpoint is in UpdateRollbackFailed: both the deployment and its automatic rollback failed, and it may "
    "serve a mix of old and new instances. Check the endpoint's events and CloudWatch metrics, fix the cause "
    "(model, image, capacity or alarm), then apply again: a fresh UpdateEndpoint onto a known-good config is the "
    "way out of this state."
)


def describe_rollout(deployment: dict[str, Any] | None) -> str:
    """One line for people: how an UpdateEndpoint with this DeploymentConfig rolls out."""
    if not deployment:
        return "blue/green, all at once (SageMaker's default)"
    parts: list[str] = []
    blue_green = deployment.get("BlueGreenUpdatePolicy")
    rolling = deployment.get("RollingUpdatePolicy")
    if blue_green:
        routing = blue_green.get("TrafficRoutingConfiguration") or {}
        kind = routing.get("Type", "ALL_AT_ONCE")
        wait = routing.get("WaitIntervalInSeconds", 0)
        if kind == "CANARY":
            parts.append(f"blue/green canary of {_size(routing.get('CanarySize'))}, bake {wait} s, then the rest")
        elif kind == "LINEAR":
            parts.append(f"blue/green linear in steps of {_size(routing.get('LinearStepSize'))}, bake {wait} s each")
        else:
            parts.append(f"blue/green all at once, bake {wait} s")
        if blue_green.get("TerminationWaitInSeconds"):
            parts.append(f"final bake {blue_green['TerminationWaitInSeconds']} s")
    if rolling:
        parts.append(f"rolling in batches of {_size(rolling.get('MaximumBatchSize'))}, bake "
                     f"{rolling.get('WaitIntervalInSeconds', 0)} s each")
    alarms = [a.get("AlarmName") for a in (deployment.get("AutoRollbackConfiguration") or {}).get("Alarms") or []]
    if alarms:
        parts.append("rolls back if " + ", ".join(str(a) for a in alarms) + " alarms")
    return "; ".join(parts) or "blue/green, all at once"


def _size(size: dict[str, Any] | None) -> str:
    if not size:
        return "?"
    return f"{size.get('Value')}%" if size.get("Type") == "CAPACITY_PERCENT" else f"{size.get('Value')} instance(s)"


def deployment_timeout(params: dict[str, Any]) -> float:
    """How long to follow an UpdateEndpoint: derived from its DeploymentConfig, never a fixed waiter limit.

    The policy's own waits (or its MaximumExecutionTimeoutInSeconds, when larger) plus an hour
    for provisioning the new fleet and half an hour for a rollback.
    """
    deployment = params.get("DeploymentConfig") or {}
    policy = deployment.get("BlueGreenUpdatePolicy") or deployment.get("RollingUpdatePolicy") or {}
    routing = policy.get("TrafficRoutingConfiguration") or {}
    waits = int(routing.get("WaitIntervalInSeconds") or policy.get("WaitIntervalInSeconds") or 0)
    size = routing.get("LinearStepSize") or policy.get("MaximumBatchSize") or {}
    steps = 1
    if size.get("Type") == "CAPACITY_PERCENT" and size.get("Value"):
        steps = -(-100 // int(size["Value"]))
    elif size.get("Value"):
        steps = 10  # instance-count steps: the fleet size is not known here; assume a generous count
    own = waits * steps + int(policy.get("TerminationWaitInSeconds") or 0)
    limit = int(policy.get("MaximumExecutionTimeoutInSeconds") or 0)
    return float(max(own, limit) + PROVISIONING_ALLOWANCE + ROLLBACK_ALLOWANCE)




def rollback_alarm_names(params: dict[str, Any]) -> list[str]:
    """The rollback alarms of an UpdateEndpoint request."""
    deployment = params.get("DeploymentConfig") or {}
    return [a["AlarmName"] for a in (deployment.get("AutoRollbackConfiguration") or {}).get("Alarms") or []]


def alarms_in_alarm(cloudwatch: Any, step: Step) -> str:
    """A sentence naming the deployment's rollback alarms in ALARM now ("" when none are)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from reconciler.aws.errors import describe_error

    names = rollback_alarm_names(step.params_plain())
    if not names:
        return ""
    try:
        found = cloudwatch.describe_alarms(AlarmNames=names, StateValue="ALARM")
    except (BotoCoreError, ClientError) as exc:
        return f" (The rollback alarms' states could not be read: {describe_error(exc)}.)"
    firing = sorted(a["AlarmName"] for a in found.get("MetricAlarms", []) + found.get("CompositeAlarms", []))
    return f" Alarm(s) in ALARM: {', '.join(firing)}." if firing else ""


def describe_rollout_change(old: dict[str, Any] | None, new: dict[str, Any] | None, recorded: bool = True) -> str:
    """A rollout policy change in words: only the parts that differ (`bake 600 s -> 300 s`), after the
    parts they share; the whole policies when their shapes differ."""
    if old is None and recorded:
        return f"recorded, not reported by SageMaker -> {describe_rollout(new)}"
    if old is None:
        return f"not recorded -> {describe_rollout(new)}"
    before, after = _parts(describe_rollout(old)), _parts(describe_rollout(new))
    if len(before) != len(after) or before[0] != after[0]:
        return f"{describe_rollout(old)} -> {describe_rollout(new)}"
    changed = [_word_change(a, b) for a, b in zip(before, after, strict=True) if a != b]
    return f"{before[0]}: {'; '.join(changed)}"


def _parts(text: str) -> list[str]:
    return [part for chunk in text.split("; ") for part in chunk.split(", ")]


def _word_change(old: str, new: str) -> str:
    a, b = old.split(" "), new.split(" ")
    common = 0
    while common < min(len(a), len(b)) - 1 and a[common] == b[common]:
        common += 1
    head = " ".join(a[:common])
    return f"{head} {' '.join(a[common:])} -> {' '.join(b[common:])}".strip()
