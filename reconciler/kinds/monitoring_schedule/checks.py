"""Semantic checks of a MonitoringSchedule document, beyond its JSON Schema, at `file:line:col`.

The schedule forms Model Monitor accepts (hourly, daily, every N hours, NOW with its analysis
window of at most 24 hours), the job's maximum runtime within the schedule's frequency, one of
endpoint or batch-transform input, and an endpoint of the stack that captures data.
(Ground truth for model quality and bias, `configUri` for bias and explainability and exactly
one monitoring output are required by the request shapes themselves, so the schema reports them.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reconciler.diagnostics import Diagnostics
from reconciler.handlers.job_definition import MONITORING_TYPES, MonitoringType
from reconciler.spec.documents import SpecDoc
from reconciler.spec.references import REFERENCE

NOW = "NOW"
HOURLY = "cron(0 * ? * * *)"
DAILY = re.compile(r"cron\(0 (\d{1,2}) \? \* \* \*\)")
EVERY_N_HOURS = re.compile(r"cron\(0 (\d{1,2})/(\d{1,2}) \? \* \* \*\)")
FORMS = ("hourly cron(0 * ? * * *), daily cron(0 H ? * * *) with H 0-23, every N hours cron(0 H/N ? * * *) with "
         "N 1-24, or NOW")
DAY = 86400
MAX_WINDOW = DAY  # an analysis window spans at most 24 hours
# ISO 8601 durations as Model Monitor takes them: an offset back from the run, e.g. -PT5H, -P1D, -PT30M
DURATION = re.compile(r"(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


def frequency(expression: str) -> int | None:
    """Seconds between runs of a supported schedule expression (NOW: None); raises ValueError otherwise."""
    if expression == NOW:
        return None
    if expression == HOURLY:
        return 3600
    daily = DAILY.fullmatch(expression)
    if daily and 0 <= int(daily.group(1)) <= 23:
        return DAY
    every = EVERY_N_HOURS.fullmatch(expression)
    if every and 0 <= int(every.group(1)) <= 23 and 1 <= int(every.group(2)) <= 24:
        return int(every.group(2)) * 3600
    raise ValueError(expression)


def offset_seconds(text: str) -> int | None:
    """An analysis-window offset in seconds (negative: before the run); None when it is not one."""
    match = DURATION.fullmatch(text)
    if not match or not any(match.groups()[1:]):
        return None
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups()[1:])
    total = days * DAY + hours * 3600 + minutes * 60 + seconds
    return -total if match.group(1) else total


def check(doc: SpecDoc, diags: Diagnostics, docs: Mapping[str, SpecDoc]) -> None:
    """Every Model Monitor rule a MonitoringSchedule document breaks beyond its schema."""
    spec = doc.spec
    monitoring = MONITORING_TYPES.get(str(spec.get("monitoringType")))
    if monitoring is None:  # the schema said so
        return
    seconds = _check_schedule(doc, diags)
    job = spec.get("jobDefinition") or {}
    _check_runtime(doc, diags, monitoring, job, seconds)
    _check_input(doc, diags, monitoring, job, docs)


def _check_schedule(doc: SpecDoc, diags: Diagnostics) -> int | None:
    """The schedule's frequency in seconds (daily when there is no schedule; None for NOW or a bad form)."""
    config = doc.spec.get("scheduleConfig") or {}
    pos = doc.doc.pos
    expression = config.get("scheduleExpression")
    if expression is None:
        return DAY  # SageMaker picks a time of day
    path = ("spec", "scheduleConfig", "scheduleExpression")
    try:
        seconds = frequency(str(expression))
    except ValueError:
        diags.error(f"scheduleConfig.scheduleExpression {expression!r} is not a schedule Model Monitor runs: use "
                    f"{FORMS}", pos(path))
        return None
    window: dict[str, int] = {}
    for key in ("dataAnalysisStartTime", "dataAnalysisEndTime"):
        if key not in config:
            continue
        value = offset_seconds(str(config[key]))
        if value is None or value > 0:
            diags.error(f"scheduleConfig.{key} {config[key]!r} is not an offset back from the run in ISO 8601 "
                        "(e.g. -PT5H, -PT1H, -P1D)", pos(("spec", "scheduleConfig", key)))
        else:
            window[key] = value
    if expression == NOW:
        missing = [k for k in ("dataAnalysisStartTime", "dataAnalysisEndTime") if k not in config]
        if missing:
            diags.error(f"scheduleExpression NOW needs {' and '.join(missing)}: the window of captured data the "
                        "one run analyses (e.g. -PT5H to -PT1H)", pos(path))
    if len(window) == 2:
        start, end = window["dataAnalysisStartTime"], window["dataAnalysisEndTime"]
        where = pos(("spec", "scheduleConfig", "dataAnalysisStartTime"))
        if start >= end:
            diags.error(f"scheduleConfig.dataAnalysisStartTime {config['dataAnalysisStartTime']} must be before "
                        f"dataAnalysisEndTime {config['dataAnalysisEndTime']}", where)
        elif end - start > MAX_WINDOW:
            diags.error(f"the analysis window {config['dataAnalysisStartTime']} to {config['dataAnalysisEndTime']} "
                        f"spans {(end - start) / 3600:g} hours; Model Monitor analyses at most 24", where)
    return seconds


def _check_runtime(doc: SpecDoc, diags: Diagnostics, monitoring: MonitoringType, job: dict[str, Any],
                   seconds: int | None) -> None:
    runtime = (job.get("stoppingCondition") or {}).get("maxRuntimeInSeconds")
    if not isinstance(runtime, int) or seconds is None:
        return
    limit = monitoring.hourly_max_runtime if seconds == 3600 else seconds
    if runtime > limit:
        every = "an hourly schedule" if seconds == 3600 else f"a schedule every {seconds // 3600} hours"
        extra = f" ({monitoring.name} jobs get half of each hour)" if limit < seconds else ""
        diags.error(f"stoppingCondition.maxRuntimeInSeconds {runtime} exceeds what {every} allows: at most {limit} "
                    f"s{extra}", doc.doc.pos(("spec", "jobDefinition", "stoppingCondition", "maxRuntimeInSeconds")))


def _check_input(doc: SpecDoc, diags: Diagnostics, monitoring: MonitoringType, job: dict[str, Any],
                 docs: Mapping[str, SpecDoc]) -> None:
    key = monitoring.spec_member("JobInput")
    job_input = job.get(key) or {}
    path = ("spec", "jobDefinition", key)
    endpoint, batch = job_input.get("endpointInput"), job_input.get("batchTransformInput")
    if endpoint and batch:
        diags.error(f"jobDefinition.{key}: give endpointInput or batchTransformInput, not both (a schedule monitors "
                    "one source)", doc.doc.pos((*path, "batchTransformInput")))
    elif not endpoint and not batch:
        diags.error(f"jobDefinition.{key} needs endpointInput (an endpoint's captured data) or batchTransformInput",
                    doc.doc.pos(path))
    if not endpoint:
        return
    name = str(endpoint.get("endpointName", ""))
    match = REFERENCE.fullmatch(name)
    if match and match.group(3) == "arn":
        diags.error(f"endpointInput.endpointName takes the endpoint's name: write ${{{match.group(1)}."
                    f"{match.group(2)}.name}}", doc.doc.pos((*path, "endpointInput", "endpointName")))
        return
    target = docs.get(f"{match.group(1)}/{match.group(2)}") if match else docs.get(f"Endpoint/{name}")
    if target is None or target.kind != "Endpoint":
        return  # outside the stack: it must exist in the account (checked at plan time)
    capture = target.spec.get("dataCaptureConfig") or {}
    if not capture or capture.get("enableCapture") is False:
        diags.error(f"endpoint {target.name} does not capture data, so this {monitoring.noun} would have nothing to "
                    f"read: give {target.address} a dataCaptureConfig (enableCapture: true)",
                    doc.doc.pos((*path, "endpointInput", "endpointName")))
