"""Deployment plans: the timed phases of an UpdateEndpoint under its DeploymentConfig (pure).

``plan_update`` turns a ``DeploymentConfig`` (as UpdateEndpoint or a retained
CreateEndpoint config carries it) and the new fleet into ``lifecycle.TimedPhase``
steps on the sandbox clock, validating the request as SageMaker does:

- blue/green (also the default without a policy): provision the whole new fleet
  (``PROVISION_SECONDS``), then shift traffic (``TRAFFIC_SHIFT_SECONDS`` per shift)
  ALL_AT_ONCE, as a CANARY (CanarySize of the new fleet, bake WaitIntervalInSeconds,
  then the rest) or LINEAR (LinearStepSize steps with a WaitIntervalInSeconds bake
  after each but the last); ALL_AT_ONCE bakes WaitIntervalInSeconds after its one
  shift; every blue/green plan ends with the TerminationWaitInSeconds final bake.
- rolling: MaximumBatchSize batches of the variant's instances, each provisioned,
  shifted to and baked for WaitIntervalInSeconds; the old batch is terminated
  after its replacement's bake.

Traffic shifts and bakes are ``monitored`` (alarms are watched while they last).
``rollback_phases`` is what undoing the plan takes from a given phase: one shift
back for blue/green (the old fleet still runs), and for rolling a relaunch of the
old instances already terminated, RollbackMaximumBatchSize at a time.

Choices where AWS's behaviour is unconfirmed: CANARY/LINEAR/rolling need the
same variant names as the live endpoint; rolling is rejected (not silently
replaced) for serverless or multi-variant endpoints; serverless fleets deploy
canary/linear all at once (with their bakes); Inf1 fleets fall back to ALL_AT_ONCE
without bakes, as the guardrail exclusions say. Canary and linear sizes are of each
variant's instance count (as AWS documents them), rounded down, at least one
instance; the traffic share shifted is the smallest of the variants'.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.lifecycle import UPDATE_PROVISION_SECONDS, UPDATE_TRAFFIC_SHIFT_SECONDS, TimedPhase

PROVISION_SECONDS = UPDATE_PROVISION_SECONDS
"""Launching the new fleet (blue/green) or one batch (rolling): 240 s."""
TRAFFIC_SHIFT_SECONDS = UPDATE_TRAFFIC_SHIFT_SECONDS
"""One traffic shift (canary, linear step, the rest, a rolling batch, or back on rollback): 30 s."""
UPDATING = "Updating"
_WAIT_RANGE = (0, 3600)
_TIMEOUT_RANGE = (600, 28800)


class DeploymentConfigError(ValueError):
    """A DeploymentConfig SageMaker would reject for this endpoint; the message is AWS-like."""


@dataclass(frozen=True)
class Fleet:
    """What a plan needs to know about the variants being deployed (after property retention)."""

    instance_count: int
    variant_names: tuple[str, ...]
    live_variant_names: tuple[str, ...]
    serverless: bool
    instance_types: tuple[str, ...]
    variant_counts: tuple[int, ...] = ()
    """Instances of each variant with any (canary and linear sizes are of each variant's count)."""

    @property
    def counts(self) -> tuple[int, ...]:
        return self.variant_counts or ((self.instance_count,) if self.instance_count else ())


@dataclass(frozen=True)
class DeploymentPlan:
    """The phases of an update, its timeout, and what a rollback from each phase must undo."""

    phases: tuple[TimedPhase, ...]
    timeout_seconds: float | None
    replaced_before: tuple[int, ...]
    """Old instances already terminated when each phase runs (rolling only; else 0)."""
    rollback_batch: int | None
    """Instances relaunched per rollback batch (rolling); None for one batch."""


def fleet_of(config_variants: Sequence[Mapping[str, Any]], targets: Sequence[Mapping[str, Any]],
             live_variant_names: Sequence[str]) -> Fleet:
    """The Fleet of an update to ``config_variants`` whose final variants are ``targets``."""
    return Fleet(
        instance_count=sum(int(t.get("DesiredInstanceCount") or 0) for t in targets),
        variant_names=tuple(v["VariantName"] for v in config_variants),
        live_variant_names=tuple(live_variant_names),
        serverless=any(v.get("ServerlessConfig") for v in config_variants),
        instance_types=tuple(str(v.get("InstanceType", "")) for v in config_variants),
        variant_counts=tuple(c for c in (int(t.get("DesiredInstanceCount") or 0) for t in targets) if c),
    )


def plan_update(deployment_config: Mapping[str, Any] | None, fleet: Fleet) -> DeploymentPlan:
    """The phases of an UpdateEndpoint; raises DeploymentConfigError for a config SageMaker rejects."""
    config = deployment_config or {}
    blue_green, rolling = config.get("BlueGreenUpdatePolicy"), config.get("RollingUpdatePolicy")
    if blue_green and rolling:
        raise DeploymentConfigError(
            "Only one update policy can be specified in DeploymentConfig: BlueGreenUpdatePolicy or "
            "RollingUpdatePolicy."
        )
    if rolling:
        return _rolling(rolling, fleet)
    return _blue_green(blue_green or {"TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE"}}, fleet)


# --- blue/green -----------------------------------------------------------------------------------


def _blue_green(policy: Mapping[str, Any], fleet: Fleet) -> DeploymentPlan:
    routing = policy.get("TrafficRoutingConfiguration") or {}
    kind = routing.get("Type", "ALL_AT_ONCE")
    wait = _ranged(routing.get("WaitIntervalInSeconds", 0), _WAIT_RANGE, "blueGreenUpdatePolicy."
                   "trafficRoutingConfiguration.waitIntervalInSeconds")
    final = _ranged(policy.get("TerminationWaitInSeconds", 0), _WAIT_RANGE,
                    "blueGreenUpdatePolicy.terminationWaitInSeconds")
    timeout = _timeout(policy, "blueGreenUpdatePolicy")
    if kind in ("CANARY", "LINEAR"):
        _require_same_variants(fleet, kind)
    count = fleet.instance_count
    each = f" ({', '.join(str(c) for c in fleet.counts)} per variant)" if len(fleet.counts) > 1 else ""
    phases = [_phase("provision", "provisioning of the new fleet", PROVISION_SECONDS, "Creating",
                     f"Creating {count} instance(s) for the new fleet{each}." if count else "Creating the new fleet.")]
    if any(t.startswith("ml.inf1.") for t in fleet.instance_types):
        phases.append(_shift("traffic shift to the new fleet", "Shifting all traffic to the new fleet.", 1.0))
        return DeploymentPlan(tuple(phases), timeout, (0,) * len(phases), None)
    if kind == "CANARY" and count > 0:
        phases += _canary(routing, fleet.counts, wait)
    elif kind == "LINEAR" and count > 0:
        phases += _linear(routing, fleet.counts, wait)
    else:
        phases.append(_shift("traffic shift to the new fleet", "Shifting all traffic to the new fleet.", 1.0))
        phases += _bake("baking period", wait, "WaitIntervalInSeconds", 1.0)
    phases += _bake("final bake", final, "TerminationWaitInSeconds", 1.0)
    return DeploymentPlan(tuple(phases), timeout, (0,) * len(phases), None)


def _canary(routing: Mapping[str, Any], counts: Sequence[int], wait: int) -> list[TimedPhase]:
    size = routing.get("CanarySize")
    if not size:
        raise DeploymentConfigError("CanarySize must be specified for traffic routing type CANARY.")
    canaries = [_instances(size, count, "CanarySize", (1, 50)) for count in counts]
    share = min(1.0, *(canary / count for canary, count in zip(canaries, counts, strict=True)))
    instances = f"{canaries[0]} instance(s)" if len(canaries) == 1 else \
        f"{', '.join(str(c) for c in canaries)} instance(s) per variant"
    phases = [_shift("canary traffic shift",
                     f"Shifting {_percent(share)}% of traffic ({instances}) to the canary on the new fleet.",
                     share)]
    phases += _bake("canary bake", wait, "WaitIntervalInSeconds", share)
    if share < 1.0:
        phases.append(_shift("traffic shift of the remaining capacity",
                             "Shifting the remaining traffic to the new fleet.", 1.0))
    return phases


def _linear(routing: Mapping[str, Any], counts: Sequence[int], wait: int) -> list[TimedPhase]:
    size = routing.get("LinearStepSize")
    if not size:
        raise DeploymentConfigError("LinearStepSize must be specified for traffic routing type LINEAR.")
    # every variant steps at once; the one that needs the most steps sets their number
    sized = [(_instances(size, count, "LinearStepSize", (10, 50)), count) for count in counts]
    step, count = max(sized, key=lambda pair: math.ceil(pair[1] / pair[0]))
    steps = math.ceil(count / step)
    phases: list[TimedPhase] = []
    for index in range(1, steps + 1):
        share = min(1.0, index * step / count)
        label = f"linear step {index} of {steps}"
        phases.append(_shift(f"{label} traffic shift",
                             f"Shifting traffic to the new fleet: step {index} of {steps} ({_percent(share)}% of "
                             "traffic).", share))
        if index < steps:
            phases += _bake(f"{label} bake", wait, "WaitIntervalInSeconds", share)
    return phases


# --- rolling ----------------------------------------------------------------------------------------


def _rolling(policy: Mapping[str, Any], fleet: Fleet) -> DeploymentPlan:
    if fleet.serverless:
        raise DeploymentConfigError("RollingUpdatePolicy is not supported for endpoints with serverless variants.")
    if len(fleet.variant_names) != 1:
        raise DeploymentConfigError(
            "RollingUpdatePolicy is only supported for endpoints with a single production variant."
        )
    _require_same_variants(fleet, "RollingUpdatePolicy")
    wait = _ranged(policy.get("WaitIntervalInSeconds", 0), _WAIT_RANGE, "rollingUpdatePolicy.waitIntervalInSeconds")
    timeout = _timeout(policy, "rollingUpdatePolicy")
    count = fleet.instance_count
    if count < 1:
        raise DeploymentConfigError("RollingUpdatePolicy needs a variant with at least one instance.")
    batch = _instances(policy.get("MaximumBatchSize") or {}, count, "MaximumBatchSize", (5, 50))
    rollback = policy.get("RollbackMaximumBatchSize")
    rollback_batch = _instances(rollback, count, "RollbackMaximumBatchSize", (5, 100)) if rollback else None
    batches = math.ceil(count / batch)
    phases: list[TimedPhase] = []
    replaced: list[int] = []
    for index in range(1, batches + 1):
        size = min(batch, count - (index - 1) * batch)
        done_before = (index - 1) * batch
        share = min(1.0, (done_before + size) / count)
        label = f"rolling batch {index} of {batches}"
        batch_phases = [
            _phase("provision", f"{label} provisioning", PROVISION_SECONDS, "Creating",
                   f"Creating {size} instance(s) for batch {index} of {batches}.", done_before / count,
                   done_before / count),
            _shift(f"{label} traffic shift",
                   f"Shifting traffic to batch {index} of {batches} ({_percent(share)}% of the capacity on the new "
                   "configuration).", share, share),
            *_bake(f"{label} bake", wait, "WaitIntervalInSeconds", share, share),
        ]
        phases += batch_phases
        replaced += [done_before] * len(batch_phases)
    return DeploymentPlan(tuple(phases), timeout, tuple(replaced), rollback_batch)


# --- rollback ---------------------------------------------------------------------------------------


def rollback_phases(plan: DeploymentPlan, phase_index: int) -> tuple[TimedPhase, ...]:
    """What undoing ``plan`` takes when it is stopped in phase ``phase_index``."""
    replaced = plan.replaced_before[phase_index] if phase_index < len(plan.replaced_before) else 0
    shift_back = _phase("rollback", "rollback", TRAFFIC_SHIFT_SECONDS, "Deleting",
                        "Rolling back: shifting all traffic back to the old fleet and terminating the new instances.")
    if not replaced:
        return (shift_back,)
    per_batch = plan.rollback_batch or replaced
    batches = math.ceil(replaced / per_batch)
    phases = []
    for index in range(1, batches + 1):
        size = min(per_batch, replaced - (index - 1) * per_batch)
        phases.append(_phase("rollback", "rollback", PROVISION_SECONDS + TRAFFIC_SHIFT_SECONDS, "Creating",
                             f"Rolling back: relaunching {size} instance(s) of the old configuration (batch {index} "
                             f"of {batches})."))
    return (*phases, shift_back)


# --- helpers -----------------------------------------------------------------------------------------


def _phase(name: str, label: str, seconds: float, status: str, message: str, traffic: float = 0.0,
           capacity: float = 0.0, monitored: bool = False) -> TimedPhase:
    return TimedPhase(name, UPDATING, seconds, status, message, monitored=monitored, label=label,
                      new_traffic=traffic, new_capacity=capacity)


def _shift(label: str, message: str, share: float, capacity: float = 1.0) -> TimedPhase:
    return _phase("shift-traffic", label, TRAFFIC_SHIFT_SECONDS, "ActivatingTraffic", message, share, capacity, True)


def _bake(label: str, seconds: int, source: str, share: float, capacity: float = 1.0) -> list[TimedPhase]:
    if seconds <= 0:
        return []
    message = f"Baking for {seconds} seconds ({source})"
    return [_phase("bake", f"{label} ({source})", float(seconds), "Baking", message, share, capacity, True)]


def _instances(size: Mapping[str, Any], count: int, field: str, percent_range: tuple[int, int]) -> int:
    """Instances a CapacitySize stands for, checked against ``percent_range`` of ``count``."""
    kind, value = size.get("Type"), int(size.get("Value") or 0)
    low, high = percent_range
    if kind == "CAPACITY_PERCENT":
        if not low <= value <= high:
            raise DeploymentConfigError(f"{field} of type CAPACITY_PERCENT must be between {low} and {high}, "
                                        f"got {value}.")
        return max(1, count * value // 100)
    if value < 1 or not low * count <= value * 100 <= high * count:
        raise DeploymentConfigError(
            f"{field} of {value} instance(s) must be between {low}% and {high}% of the variant's total instance "
            f"count ({count})."
        )
    return value


def _ranged(value: Any, bounds: tuple[int, int], path: str) -> int:
    number = int(value or 0)
    low, high = bounds
    if number > high:
        raise DeploymentConfigError(f"Value '{number}' at 'deploymentConfig.{path}' failed to satisfy constraint: "
                                    f"Member must have value less than or equal to {high}")
    if number < low:
        raise DeploymentConfigError(f"Value '{number}' at 'deploymentConfig.{path}' failed to satisfy constraint: "
                                    f"Member must have value greater than or equal to {low}")
    return number


def _timeout(policy: Mapping[str, Any], path: str) -> float | None:
    value = policy.get("MaximumExecutionTimeoutInSeconds")
    if value is None:
        return None
    return float(_ranged(value, _TIMEOUT_RANGE, f"{path}.maximumExecutionTimeoutInSeconds"))


def _require_same_variants(fleet: Fleet, what: str) -> None:
    if fleet.live_variant_names and sorted(fleet.variant_names) != sorted(fleet.live_variant_names):
        raise DeploymentConfigError(
            f"{what} deployments need the new endpoint configuration to keep the endpoint's production variant "
            f"names ({', '.join(sorted(fleet.live_variant_names))}); got {', '.join(sorted(fleet.variant_names))}."
        )


def _percent(share: float) -> str:
    return f"{share * 100:g}"
