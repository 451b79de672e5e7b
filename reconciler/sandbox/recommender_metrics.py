"""Synthetic Inference Recommender figures: what a benchmark of one endpoint configuration measures.

Nothing here is measured and no figure is AWS's: the sandbox computes every number from a small
table of instance classes and from hashes of the job's input, so the same input always gives the
same numbers and different inputs give plausibly different ones.

- ``instance_profile(instance_type)``: vCPUs, memory, price per hour and serving speed of an
  instance type, from its class (the family's leading letters: ``c`` compute, ``m`` general,
  ``r`` memory, ``t`` burstable, ``g``/``p``/``dl`` GPU, ``inf``/``trn`` AWS accelerators), its
  generation (each one after the fifth is 6% faster) and its suffix letters (``g`` Graviton:
  cheaper and a little slower; ``d`` local NVMe, ``n`` network, ``e`` bigger accelerators:
  dearer). vCPUs: 1 for ``medium`` (2 for ``t``), 2 for ``large``, 4 for ``xlarge``, 4N for
  ``Nxlarge``; price = vCPUs x the class's price per vCPU-hour (about SageMaker's us-east-1
  on-demand prices for ``m5``, ``c5``, ``r5``, ``g4dn``, ``inf1``).
- ``model_factor(identity)``: a factor in [0.7, 1.3) from a hash of the model (its package
  ARN or model name): a bigger factor is a heavier model (slower, fewer invocations).
- ``environment_factor(parameters)``: a factor in [0.9, 1.1) from a hash of a test's
  environment parameters (a categorical range's values make different, repeatable figures).
- ``instance_capacity`` / ``serverless_capacity``: what one endpoint configuration serves for
  one model: invocations per minute at saturation, latency of one request, cost per hour.
- ``at_capacity``: a Default (instance recommendation) benchmark, read at saturation.
- ``load_test``: an Advanced benchmark: the traffic pattern is played minute by minute (each
  user sends ``USER_INVOCATIONS_PER_MINUTE`` requests a minute; PHASES start at their
  InitialNumberOfUsers and add SpawnRate users a minute, STAIRS add UsersPerStep users each
  step), served invocations are capped by the capacity and latency grows with utilisation. The
  test stops when the pattern ends, when the time allowed runs out, or at a stopping
  condition: served invocations reaching ``MaxInvocations``, the threshold's percentile
  latency (P95 = 1.3 x, P99 = 1.6 x the mean) exceeding ``ValueInMilliseconds``, or
  invocations flat at capacity for ``FLAT_SECONDS`` (``FlatInvocations`` Stop, the default).
- ``recommendation_metrics``: the ``RecommendationMetrics`` shape of a measurement (a serverless
  variant has ``ModelSetupTime`` and no ``CostPerHour``, CPU or memory utilisation: it is billed by use;
  an instance has no ``ModelSetupTime``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

USER_INVOCATIONS_PER_MINUTE = 60
"""Requests one simulated user sends a minute."""
FLAT_SECONDS = 180.0
"""Invocations at capacity this long count as flat (FlatInvocations Stop ends the test)."""
SLICE_SECONDS = 60.0
"""The load test's resolution: one measurement a minute."""
MIN_MEASURED_SECONDS = 60.0
"""A benchmark with less traffic time than this measured nothing."""
PERCENTILE_FACTORS = {"P95": 1.3, "P99": 1.6}
LATENCY_AT_CAPACITY = 1.6
"""Latency at saturation, as a multiple of one request's latency on an idle endpoint."""
SERVERLESS_PRICE_PER_GB_SECOND = 0.00002
SERVERLESS_BUSY_SHARE = 0.9
"""Share of MaxConcurrency busy at a serverless endpoint's maximum invocations."""
MODEL_BASE_GIB = 1.2
"""Memory a model of factor 1 takes."""
CONTAINER_BASE_GIB = 0.8
"""Memory the serving container takes besides the model."""


@dataclass(frozen=True)
class InstanceClass:
    """What instances of one class cost and serve per vCPU (for a model of factor 1)."""

    price_per_vcpu_hour: float
    memory_per_vcpu_gib: float
    invocations_per_vcpu_minute: float
    latency_ms: float
    cpu_at_capacity: float
    accelerated: bool


CLASSES: dict[str, InstanceClass] = {
    "c": InstanceClass(0.051, 2.0, 260.0, 18.0, 92.0, False),
    "m": InstanceClass(0.0575, 4.0, 225.0, 21.0, 90.0, False),
    "r": InstanceClass(0.0755, 8.0, 215.0, 22.0, 88.0, False),
    "t": InstanceClass(0.0465, 2.0, 140.0, 30.0, 97.0, False),
    "g": InstanceClass(0.184, 4.0, 900.0, 8.0, 38.0, True),
    "p": InstanceClass(0.45, 7.6, 1400.0, 6.0, 30.0, True),
    "dl": InstanceClass(0.45, 4.0, 1000.0, 8.0, 35.0, True),
    "inf": InstanceClass(0.074, 2.0, 1000.0, 7.0, 34.0, True),
    "trn": InstanceClass(0.17, 4.0, 1100.0, 7.0, 32.0, True),
}
DEFAULT_CLASS = "m"
_FAMILY = re.compile(r"^([a-z]+)(\d*)([a-z]*)")


@dataclass(frozen=True)
class InstanceProfile:
    """An instance type as the synthetic benchmark sees it."""

    instance_type: str
    vcpus: int
    memory_gib: float
    cost_per_hour: float
    invocations_per_minute: float
    latency_ms: float
    cpu_at_capacity: float
    accelerated: bool


@dataclass(frozen=True)
class Capacity:
    """What one endpoint configuration serves for one model."""

    max_invocations: int
    latency_ms: float
    cost_per_hour: float
    cpu_at_capacity: float | None
    memory_utilization: float | None
    setup_time: int | None
    hourly: bool = True
    """Billed by the hour (instances); a serverless variant is billed by use and reports no CostPerHour."""


@dataclass(frozen=True)
class Measurement:
    """What a benchmark measured: the most invocations a minute served, and the latency then."""

    max_invocations: int
    model_latency: int
    cpu_utilization: float | None
    memory_utilization: float | None
    traffic_seconds: float
    stopped_by: str | None


def _fraction(*parts: Any) -> float:
    """A number in [0, 1) from a hash of ``parts`` (JSON, keys sorted)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 2**32


def model_factor(identity: str) -> float:
    """How heavy the model ``identity`` names is: [0.7, 1.3), the same every time."""
    return 0.7 + 0.6 * _fraction("model", identity)


def environment_factor(parameters: Sequence[Mapping[str, str]]) -> float:
    """How a test's environment parameters change throughput: [0.9, 1.1) (1.0 without parameters)."""
    if not parameters:
        return 1.0
    pairs = sorted((str(p["Key"]), str(p["Value"])) for p in parameters)
    return 0.9 + 0.2 * _fraction("environment", pairs)


def _vcpus(size: str, letters: str) -> int:
    if size == "medium":
        return 2 if letters == "t" else 1
    if size == "large":
        return 2
    multiple = size.removesuffix("xlarge")
    return 4 * int(multiple) if multiple.isdigit() else 4


def instance_profile(instance_type: str) -> InstanceProfile:
    """The synthetic profile of ``instance_type`` (``ml.<family>.<size>``)."""
    parts = instance_type.split(".")
    family = parts[1] if len(parts) > 1 else instance_type
    size = parts[2] if len(parts) > 2 else "xlarge"
    match = _FAMILY.match(family)
    letters, generation, suffix = (match.group(1), match.group(2), match.group(3)) if match else ("", "", "")
    kind = CLASSES.get(letters) or CLASSES[DEFAULT_CLASS]
    vcpus = _vcpus(size, letters)
    speed = 1.0 + 0.06 * ((int(generation) if generation else 5) - 5)
    price = kind.price_per_vcpu_hour
    throughput = kind.invocations_per_vcpu_minute
    if not kind.accelerated and "g" in suffix:
        price, throughput = price * 0.8, throughput * 0.9
    if "d" in suffix:
        price *= 1.12
    if "n" in suffix:
        price *= 1.15
    if kind.accelerated and "e" in suffix:
        price, throughput = price * 1.3, throughput * 1.2
    return InstanceProfile(
        instance_type=instance_type,
        vcpus=vcpus,
        memory_gib=vcpus * kind.memory_per_vcpu_gib,
        cost_per_hour=round(vcpus * price, 4),
        invocations_per_minute=vcpus * throughput * speed,
        latency_ms=kind.latency_ms / speed,
        cpu_at_capacity=kind.cpu_at_capacity,
        accelerated=kind.accelerated,
    )


def instance_capacity(instance_type: str, count: int, model: float, environment: float = 1.0) -> Capacity:
    """``count`` instances of ``instance_type`` serving a model of factor ``model``."""
    profile = instance_profile(instance_type)
    memory = (MODEL_BASE_GIB * model + CONTAINER_BASE_GIB) / profile.memory_gib * 100.0
    return Capacity(
        max_invocations=max(1, round(profile.invocations_per_minute * count * environment / model)),
        latency_ms=profile.latency_ms * model / environment,
        cost_per_hour=round(profile.cost_per_hour * count, 4),
        cpu_at_capacity=profile.cpu_at_capacity,
        memory_utilization=min(99.0, memory),
        setup_time=None,
    )


def serverless_capacity(serverless: Mapping[str, Any], model: float, environment: float = 1.0) -> Capacity:
    """A serverless variant (``MemorySizeInMB``, ``MaxConcurrency``) serving a model of factor ``model``."""
    memory_mb = int(serverless["MemorySizeInMB"])
    concurrency = int(serverless["MaxConcurrency"])
    latency = 25.0 * model * math.sqrt(6144 / memory_mb) / environment
    busy = concurrency * SERVERLESS_BUSY_SHARE
    return Capacity(
        max_invocations=max(1, round(busy * 60000.0 / latency)),
        latency_ms=latency,
        cost_per_hour=round(busy * 3600.0 * memory_mb / 1024 * SERVERLESS_PRICE_PER_GB_SECOND, 4),
        cpu_at_capacity=None,
        memory_utilization=None,
        setup_time=round(4 + MODEL_BASE_GIB * model * 3 + 4096 / memory_mb),
        hourly=False,
    )


def _latency(capacity: Capacity, utilisation: float) -> float:
    """Mean latency at ``utilisation`` (demand / capacity): flat at first, LATENCY_AT_CAPACITY x at 1, then queueing."""
    if utilisation <= 1.0:
        return capacity.latency_ms * (1.0 + (LATENCY_AT_CAPACITY - 1.0) * utilisation**2)
    return capacity.latency_ms * LATENCY_AT_CAPACITY * utilisation


def _measurement(capacity: Capacity, served: float, latency: float, seconds: float, why: str | None) -> Measurement:
    share = min(1.0, served / capacity.max_invocations)
    cpu = None if capacity.cpu_at_capacity is None else round(capacity.cpu_at_capacity * share, 2)
    memory = None if capacity.memory_utilization is None else round(capacity.memory_utilization + 5.0 * share, 2)
    return Measurement(
        max_invocations=max(1, round(served)),
        model_latency=max(1, round(latency)),
        cpu_utilization=cpu,
        memory_utilization=memory,
        traffic_seconds=seconds,
        stopped_by=why,
    )


def at_capacity(capacity: Capacity, seconds: float) -> Measurement | None:
    """A Default benchmark given ``seconds`` of traffic: the capacity and the latency at saturation."""
    if seconds < MIN_MEASURED_SECONDS:
        return None
    latency = _latency(capacity, 1.0)
    return _measurement(capacity, capacity.max_invocations, latency, seconds, None)


def traffic_seconds(pattern: Mapping[str, Any]) -> float:
    """How long ``pattern`` (a TrafficPattern) lasts."""
    return sum(seconds for seconds, _ in _slices(pattern))


def _slices(pattern: Mapping[str, Any]) -> Iterator[tuple[float, int]]:
    """``(seconds, users)`` of each minute (or the shorter rest of a phase or step) of ``pattern``."""
    if (pattern.get("TrafficType") or "PHASES") == "STAIRS":
        stairs = pattern.get("Stairs") or {}
        seconds, users = int(stairs.get("DurationInSeconds", 0)), int(stairs.get("UsersPerStep", 1))
        for step in range(int(stairs.get("NumberOfSteps", 1))):
            yield from _phase(seconds, users * (step + 1), 0)
        return
    for phase in pattern.get("Phases") or []:
        yield from _phase(int(phase.get("DurationInSeconds", 0)), int(phase.get("InitialNumberOfUsers", 1)),
                          int(phase.get("SpawnRate", 0)))


def _phase(duration: int, users: int, spawn_rate: int) -> Iterator[tuple[float, int]]:
    elapsed = 0.0
    while elapsed < duration:
        step = min(SLICE_SECONDS, duration - elapsed)
        yield step, users + spawn_rate * int(elapsed // SLICE_SECONDS)
        elapsed += step


def load_test(
    capacity: Capacity, pattern: Mapping[str, Any], stopping: Mapping[str, Any], limit_seconds: float
) -> Measurement | None:
    """An Advanced benchmark: ``pattern`` played for at most ``limit_seconds`` until a stopping condition.

    None when the time allowed is under ``MIN_MEASURED_SECONDS`` and no stopping condition ended the test (nothing
    was measured)."""
    max_invocations = stopping.get("MaxInvocations")
    thresholds = stopping.get("ModelLatencyThresholds") or []
    threshold = thresholds[0] if thresholds else None
    factor = PERCENTILE_FACTORS.get(str(threshold.get("Percentile") or "P95"), 1.3) if threshold else 1.0
    flat_stops = (stopping.get("FlatInvocations") or "Stop") == "Stop"
    best: tuple[float, float] | None = None
    elapsed = flat = 0.0
    why: str | None = None
    for seconds, users in _slices(pattern):
        step = min(seconds, limit_seconds - elapsed)
        if step < 1.0:
            break
        demand = float(users * USER_INVOCATIONS_PER_MINUTE)
        served = min(demand, float(capacity.max_invocations))
        latency = _latency(capacity, demand / capacity.max_invocations)
        over = threshold is not None and latency * factor > float(threshold.get("ValueInMilliseconds") or 0)
        elapsed += step
        if over and best is not None:
            why = "ModelLatencyThresholds"
            break
        if best is None or served > best[0]:
            best = (served, latency)
        if over:
            why = "ModelLatencyThresholds"
            break
        if max_invocations is not None and served >= int(max_invocations):
            why = "MaxInvocations"
            break
        flat = flat + step if served >= capacity.max_invocations else 0.0
        if flat_stops and flat >= FLAT_SECONDS:
            why = "FlatInvocations"
            break
    if best is None or (why is None and elapsed < MIN_MEASURED_SECONDS):
        return None
    return _measurement(capacity, best[0], best[1], elapsed, why)


def recommendation_metrics(capacity: Capacity, measurement: Measurement) -> dict[str, Any]:
    """The RecommendationMetrics of ``measurement``: cost per inference = cost per hour / invocations an hour (for
    a serverless variant: the memory-seconds one inference uses, and no CostPerHour, as it is not billed by the
    hour)."""
    invocations = measurement.max_invocations if capacity.hourly else capacity.max_invocations
    metrics: dict[str, Any] = {
        "CostPerHour": capacity.cost_per_hour,
        "CostPerInference": float(f"{capacity.cost_per_hour / (invocations * 60):.6g}"),
        "MaxInvocations": measurement.max_invocations,
        "ModelLatency": measurement.model_latency,
    }
    if not capacity.hourly:
        del metrics["CostPerHour"]
    if measurement.cpu_utilization is not None:
        metrics["CpuUtilization"] = measurement.cpu_utilization
    if measurement.memory_utilization is not None:
        metrics["MemoryUtilization"] = measurement.memory_utilization
    if capacity.setup_time is not None:
        metrics["ModelSetupTime"] = capacity.setup_time
    return metrics
