"""Semantic checks of a RecommendationJob document beyond its JSON Schema, at `file:line:col`, before any
API call: Inference Recommender's limits (aws-facts section 10).

- the model: exactly one of `modelPackageVersionArn`, `modelName` or `modelPackage`;
- `jobDurationInSeconds` at most 18,000;
- an Advanced job (a load test) needs `trafficPattern` and `endpointConfigurations`; a Default job (an
  instance recommendation) takes neither, nor `resourceLimit`;
- 1 to 10 endpoint configurations, each an `instanceType` or a `serverlessConfig`;
- traffic: phases of 120 to 3,600 seconds with 1 to 3 initial users, stairs of 1 to 3 users per step, and
  the `trafficType` that matches them (PHASES, the default, or STAIRS);
- stopping conditions: exactly one model latency threshold, at percentile P95 or P99 (P95 in a load test).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from reconciler.diagnostics import Diagnostics
from reconciler.kinds.recommendation_job.schema import MODEL_PACKAGE_KEY
from reconciler.spec.documents import SpecDoc

DEFAULT, ADVANCED = "Default", "Advanced"
MAX_JOB_SECONDS = 18_000
ENDPOINT_CONFIGURATIONS = (1, 10)
PHASE_SECONDS = (120, 3600)
USERS = (1, 3)
PERCENTILES = ("P95", "P99")
LOAD_TEST_PERCENTILE = "P95"
LOAD_TEST_ONLY = ("trafficPattern", "endpointConfigurations", "resourceLimit")
MODEL_KEYS = ("modelPackageVersionArn", "modelName", MODEL_PACKAGE_KEY)

INPUT = ("spec", "inputConfig")


def _did_you_mean(word: Any, options: tuple[str, ...]) -> str:
    text = str(word)
    match = difflib.get_close_matches(text, options, n=1, cutoff=0.5) or \
        [o for o in options if o.lower() == text.lower()]
    return f" (did you mean '{match[0]}'?)" if match else ""


def _within(value: Any, bounds: tuple[int, int]) -> bool:
    return not isinstance(value, int) or bounds[0] <= value <= bounds[1]


def check(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    """Every Inference Recommender limit a RecommendationJob document breaks beyond its schema."""
    spec = doc.spec
    given = spec.get("inputConfig") or {}
    job_type = spec.get("jobType")
    _check_model(doc, diags, given)
    duration = given.get("jobDurationInSeconds")
    if isinstance(duration, int) and duration > MAX_JOB_SECONDS:
        diags.error(f"jobDurationInSeconds is {duration}; Inference Recommender runs a job at most "
                    f"{MAX_JOB_SECONDS} seconds (5 hours)", doc.doc.pos((*INPUT, "jobDurationInSeconds")))
    if job_type == ADVANCED:
        for key in ("trafficPattern", "endpointConfigurations"):
            if key not in given:
                diags.error(f"an Advanced job (a load test) needs inputConfig.{key}", doc.doc.key_pos(INPUT))
    elif job_type == DEFAULT:
        for key in LOAD_TEST_ONLY:
            if key in given:
                diags.error(f"a Default job (an instance recommendation) does not take inputConfig.{key}: only a "
                            "load test does (did you mean jobType: Advanced?)", doc.doc.key_pos((*INPUT, key)))
    _check_endpoint_configurations(doc, diags, given.get("endpointConfigurations"))
    _check_traffic(doc, diags, given.get("trafficPattern"))
    _check_stopping(doc, diags, spec.get("stoppingConditions"), job_type)


def _check_model(doc: SpecDoc, diags: Diagnostics, given: Mapping[str, Any]) -> None:
    named = [key for key in MODEL_KEYS if key in given]
    if not named:
        diags.error("inputConfig names no model: set modelPackageVersionArn, modelName or modelPackage "
                    "({group, version})", doc.doc.key_pos(INPUT))
    elif len(named) > 1:
        diags.error(f"inputConfig names the model {len(named)} ways ({', '.join(named)}); set exactly one of "
                    "modelPackageVersionArn, modelName or modelPackage", doc.doc.pos((*INPUT, named[1])))


def _check_endpoint_configurations(doc: SpecDoc, diags: Diagnostics, configurations: Any) -> None:
    if not isinstance(configurations, list):
        return
    path = (*INPUT, "endpointConfigurations")
    low, high = ENDPOINT_CONFIGURATIONS
    if not low <= len(configurations) <= high:
        diags.error(f"endpointConfigurations has {len(configurations)} entries; a job benchmarks {low} to {high}",
                    doc.doc.pos(path))
    for i, configuration in enumerate(configurations):
        if not isinstance(configuration, Mapping):
            continue
        both = "instanceType" in configuration and "serverlessConfig" in configuration
        neither = "instanceType" not in configuration and "serverlessConfig" not in configuration
        if both or neither:
            what = "both instanceType and serverlessConfig" if both else "neither instanceType nor serverlessConfig"
            diags.error(f"endpointConfigurations[{i}] has {what}: each configuration is one instance type or one "
                        "serverless configuration", doc.doc.pos((*path, i)))


def _check_traffic(doc: SpecDoc, diags: Diagnostics, traffic: Any) -> None:
    if not isinstance(traffic, Mapping):
        return
    path = (*INPUT, "trafficPattern")
    kind = traffic.get("trafficType", "PHASES")
    phases, stairs = traffic.get("phases"), traffic.get("stairs")
    if kind == "PHASES" and phases is None:
        hint = " (did you mean trafficType: STAIRS?)" if stairs is not None else ""
        diags.error(f"trafficType PHASES (the default) needs phases{hint}", doc.doc.key_pos(path))
    if kind == "STAIRS" and stairs is None:
        hint = " (did you mean trafficType: PHASES?)" if phases is not None else ""
        diags.error(f"trafficType STAIRS needs stairs{hint}", doc.doc.key_pos(path))
    for i, phase in enumerate(phases if isinstance(phases, list) else []):
        if not isinstance(phase, Mapping):
            continue
        seconds, users = phase.get("durationInSeconds"), phase.get("initialNumberOfUsers")
        if not _within(seconds, PHASE_SECONDS):
            diags.error(f"phases[{i}] lasts {seconds} seconds; a load test phase lasts {PHASE_SECONDS[0]} to "
                        f"{PHASE_SECONDS[1]}", doc.doc.pos((*path, "phases", i, "durationInSeconds")))
        if not _within(users, USERS):
            diags.error(f"phases[{i}] starts with {users} users; a phase starts with {USERS[0]} to {USERS[1]}",
                        doc.doc.pos((*path, "phases", i, "initialNumberOfUsers")))
    if isinstance(stairs, Mapping) and not _within(stairs.get("usersPerStep"), USERS):
        diags.error(f"stairs add {stairs.get('usersPerStep')} users per step; a step adds {USERS[0]} to {USERS[1]}",
                    doc.doc.pos((*path, "stairs", "usersPerStep")))


def _check_stopping(doc: SpecDoc, diags: Diagnostics, stopping: Any, job_type: Any) -> None:
    if not isinstance(stopping, Mapping) or "modelLatencyThresholds" not in stopping:
        return
    path = ("spec", "stoppingConditions", "modelLatencyThresholds")
    thresholds = stopping.get("modelLatencyThresholds") or []
    if len(thresholds) != 1:
        diags.error(f"modelLatencyThresholds has {len(thresholds)} entries; a job takes exactly one latency "
                    "threshold", doc.doc.pos(path))
    allowed = (LOAD_TEST_PERCENTILE,) if job_type == ADVANCED else PERCENTILES
    for i, threshold in enumerate(thresholds):
        if not isinstance(threshold, Mapping) or "percentile" not in threshold:
            continue
        percentile = threshold["percentile"]
        if percentile in allowed:
            continue
        where = doc.doc.pos((*path, i, "percentile"))
        if job_type == ADVANCED and percentile in PERCENTILES:
            diags.error(f"percentile {percentile}: a load test (Advanced) measures its latency threshold at "
                        f"{LOAD_TEST_PERCENTILE} (did you mean '{LOAD_TEST_PERCENTILE}'?)", where)
        else:
            diags.error(f"percentile {percentile!r} is not one Inference Recommender takes: use "
                        f"{' or '.join(allowed)}{_did_you_mean(percentile, allowed)}", where)
