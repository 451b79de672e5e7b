"""What AWS answers about applied Model Monitor resources, for the per-handler scenario tests of the job
definitions (`<type>-job-definition/<name>-<hash>`) and the schedules (`monitoring-schedule/<name>`).

Builders of MonitoringSchedule documents (one per monitoring type) and of an Endpoint that captures
data; the Describe*JobDefinition and DescribeMonitoringSchedule answers SageMaker gives right after
reconciler applied a `Desired` (server-filled fields included, in the form botocore returns, so
`Recorded.add` validates them against the output shapes); `record_applied_monitoring`, which records a
whole stack with its monitoring resources (composing `answers.record_applied`, whose tag query knows
only the older types); and `absent_monitoring` for the probes of names that do not exist.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from typing import Any

from reconciler.frozen import thaw
from reconciler.handlers.job_definition import MONITORING_TYPES, by_address_type, endpoint_read
from reconciler.resources import Desired
from tests.handlers import answers
from tests.handlers.answers import CREATED, UPDATED, endpoint_doc
from tests.handlers.recorded import Recorded, arn, tagged

MONITOR_IMAGE = "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer"
MONITOR_ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
HOURLY = "cron(0 * ? * * *)"
EVERY_6_HOURS = "cron(0 0/6 ? * * *)"
ENDPOINT_REF = "${Endpoint.churn.name}"
TYPES = tuple(MONITORING_TYPES)  # DataQuality, ModelQuality, ModelBias, ModelExplainability
SCHEDULE_TYPE = "monitoring-schedule"
DEFINITION_TYPES = tuple(t.address_type for t in MONITORING_TYPES.values())
MONITORING_RESOURCE_TYPES = (*DEFINITION_TYPES, SCHEDULE_TYPE)
SCHEDULED_AT = dt.datetime(2026, 11, 1, 11, 0, tzinfo=dt.timezone.utc)  # the hour the last execution ran for

CAPTURE = """\
  dataCaptureConfig:
    enableCapture: true
    initialSamplingPercentage: 20
    destinationS3Uri: s3://b/capture
    captureOptions: [{captureMode: Input}, {captureMode: Output}]
"""


def captured_endpoint_doc(**endpoint: Any) -> str:
    """`answers.endpoint_doc` (Endpoint `churn`) capturing its traffic, as monitoring needs."""
    extra = endpoint.pop("extra", "")
    return endpoint_doc(extra=CAPTURE + extra, **endpoint)


def schedule_name(monitoring_type: str) -> str:
    """The default document name of a type: `churn-data-quality`, `churn-model-bias`, ..."""
    return "churn-" + MONITORING_TYPES[monitoring_type].address_type.removesuffix("-job-definition")


def _app(monitoring_type: str) -> str:
    if monitoring_type == "ModelQuality":
        return f"{{imageUri: {MONITOR_IMAGE}, problemType: BinaryClassification}}"
    if monitoring_type in ("ModelBias", "ModelExplainability"):
        return f"{{imageUri: {MONITOR_IMAGE}, configUri: s3://b/monitoring/analysis_config.json}}"
    return f"{{imageUri: {MONITOR_IMAGE}}}"


def monitoring_doc(monitoring_type: str = "DataQuality", *, name: str | None = None,
                   schedule: str | None = HOURLY, status: str | None = None, runtime: int | None = 1800,
                   endpoint: str = ENDPOINT_REF, tags: str = "", instance: str = "ml.m5.xlarge",
                   output: str = "s3://b/monitoring/reports", extra: str = "") -> str:
    """A MonitoringSchedule of `monitoring_type` reading `endpoint`'s captured data; the document is named
    `schedule_name(type)` unless `name` is given. `schedule` None leaves scheduleConfig out (daily, at a
    time SageMaker picks), `status` None leaves it out (Scheduled), `runtime` None leaves
    stoppingCondition out (SageMaker's default of an hour); `extra` is appended under `spec`."""
    m = MONITORING_TYPES[monitoring_type]
    prefix = m.spec_member("")
    inputs = [f"endpointInput: {{endpointName: \"{endpoint}\", localPath: /opt/ml/processing/input"
              + (", probabilityAttribute: \"0\", probabilityThresholdAttribute: 0.5" if monitoring_type ==
                 "ModelQuality" else "") + "}"]
    if m.needs_ground_truth:
        inputs.append("groundTruthS3Input: {s3Uri: s3://b/monitoring/ground-truth}")
    lines = [
        "apiVersion: reconciler/v1",
        "kind: MonitoringSchedule",
        f"name: {name or schedule_name(monitoring_type)}",
        *([f"tags: {tags}"] if tags else []),
        "spec:",
        f"  monitoringType: {monitoring_type}",
        "  jobDefinition:",
        f"    {prefix}AppSpecification: {_app(monitoring_type)}",
        *([f"    {prefix}BaselineConfig: {{constraintsResource: {{s3Uri: s3://b/baseline/constraints.json}}, "
           "statisticsResource: {s3Uri: s3://b/baseline/statistics.json}}"]
          if monitoring_type == "DataQuality" else []),
        f"    {prefix}JobInput:",
        *(f"      {i}" for i in inputs),
        f"    {prefix}JobOutputConfig:",
        f"      monitoringOutputs: [{{s3Output: {{s3Uri: {output}, localPath: /opt/ml/processing/output}}}}]",
        f"    jobResources: {{clusterConfig: {{instanceCount: 1, instanceType: {instance}, volumeSizeInGB: 20}}}}",
        f"    roleArn: {MONITOR_ROLE}",
        *([f"    stoppingCondition: {{maxRuntimeInSeconds: {runtime}}}"] if runtime is not None else []),
        *([f"  scheduleConfig: {{scheduleExpression: \"{schedule}\"}}"] if schedule is not None else []),
        *([f"  status: {status}"] if status is not None else []),
    ]
    return "\n".join(lines) + "\n" + extra


# --- SageMaker answers --------------------------------------------------------------------------


def is_definition(d: Desired) -> bool:
    return by_address_type(d.address.type) is not None


def job_definition(d: Desired, **fields: Any) -> dict[str, Any]:
    """Describe<Type>JobDefinition of `d` as SageMaker returns it: the create request with the stopping
    condition filled in when the spec gave none (an hour), the input's S3 mode and distribution and each
    output's upload mode defaulted, plus ARN and creation time and `fields`."""
    m = by_address_type(d.address.type)
    assert m is not None, f"{d.address} is no job definition"
    data = copy.deepcopy(thaw(d.request))
    data.setdefault("StoppingCondition", {"MaxRuntimeInSeconds": 3600})
    job_input = data[m.member("JobInput")]
    for source in ("EndpointInput", "BatchTransformInput"):
        if source in job_input:
            job_input[source].setdefault("S3InputMode", "File")
            job_input[source].setdefault("S3DataDistributionType", "FullyReplicated")
            if "ProbabilityThresholdAttribute" in job_input[source]:
                job_input[source]["ProbabilityThresholdAttribute"] = float(
                    job_input[source]["ProbabilityThresholdAttribute"])
    for output in data[m.member("JobOutputConfig")]["MonitoringOutputs"]:
        output["S3Output"].setdefault("S3UploadMode", "EndOfJob")
    return {**data, "JobDefinitionArn": arn(d.address.type, d.address.name), "CreationTime": CREATED, **fields}


def execution(d: Desired, status: str = "Completed", *, scheduled: dt.datetime = SCHEDULED_AT,
              failure: str | None = None) -> dict[str, Any]:
    """A LastMonitoringExecutionSummary of schedule `d`: the run scheduled at `scheduled`, in `status`."""
    config = thaw(d.request)["MonitoringScheduleConfig"]
    summary: dict[str, Any] = {
        "MonitoringScheduleName": d.address.name, "ScheduledTime": scheduled,
        "CreationTime": scheduled + dt.timedelta(minutes=2), "LastModifiedTime": scheduled + dt.timedelta(minutes=20),
        "MonitoringExecutionStatus": status,
        "MonitoringJobDefinitionName": config["MonitoringJobDefinitionName"],
        "MonitoringType": config["MonitoringType"],
    }
    if status not in ("Pending", "Failed"):
        summary["ProcessingJobArn"] = (f"arn:aws:sagemaker:us-east-1:123456789012:processing-job/"
                                       f"model-monitoring-{scheduled:%Y%m%d%H%M}-0a1b2c3d")
    name = _schedule_endpoint(d)
    if name:
        summary["EndpointName"] = name
    if failure is not None:
        summary["FailureReason"] = failure
    return summary


def _schedule_endpoint(d: Desired) -> str | None:
    name = d.extra.get("endpoint")
    return str(name) if name else None


def monitoring_schedule(d: Desired, *, status: str | None = None, last: dict[str, Any] | None = None,
                        config: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """DescribeMonitoringSchedule of `d`: its config (or `config`) as given, in `status` (default the spec's,
    Scheduled or Stopped), the endpoint it monitors, `last` as its LastMonitoringExecutionSummary, plus
    `fields` (a FailureReason)."""
    request = copy.deepcopy(thaw(d.request))
    schedule_config = config if config is not None else request["MonitoringScheduleConfig"]
    data: dict[str, Any] = {
        "MonitoringScheduleArn": arn(SCHEDULE_TYPE, d.address.name), "MonitoringScheduleName": d.address.name,
        "MonitoringScheduleStatus": status or str(d.extra.get("status", "Scheduled")),
        "MonitoringType": schedule_config["MonitoringType"], "CreationTime": CREATED, "LastModifiedTime": UPDATED,
        "MonitoringScheduleConfig": schedule_config,
    }
    name = _schedule_endpoint(d)
    if name:
        data["EndpointName"] = name
    if last is not None:
        data["LastMonitoringExecutionSummary"] = last
    return {**data, **fields}


def record_schedule(recorded: Recorded, d: Desired, *, history: list[dict[str, Any]] | None = None,
                    **answer: Any) -> None:
    """Record (or override) the DescribeMonitoringSchedule answer of `d` (see `monitoring_schedule`) and, when its
    last execution went well, the ListMonitoringExecutions the planner then reads: `history` (newest first;
    default just that last execution)."""
    recorded.add("sagemaker", "DescribeMonitoringSchedule", {"MonitoringScheduleName": d.address.name},
                 monitoring_schedule(d, **answer))
    last = answer.get("last")
    if last is not None:
        recorded.add("sagemaker", "ListMonitoringExecutions", {
            "MonitoringScheduleName": d.address.name, "SortBy": "ScheduledTime", "SortOrder": "Descending",
            "MaxResults": 24}, {"MonitoringExecutionSummaries": history if history is not None else [last]})


def record_definition(recorded: Recorded, d: Desired, **fields: Any) -> None:
    """Record the Describe<Type>JobDefinition answer of `d`: see `job_definition`."""
    m = by_address_type(d.address.type)
    assert m is not None
    recorded.add("sagemaker", m.describe_operation, {"JobDefinitionName": d.address.name}, job_definition(d, **fields))


# --- whole stacks --------------------------------------------------------------------------------


def owned(desired: Iterable[Desired], stack: str = "demo") -> list[tuple[str, dict[str, str]]]:
    """(ARN, tags) of every top-level resource of `desired` as applied, monitoring resources included."""
    out = []
    for d in desired:
        if d.address.type in answers.TOP_LEVEL:
            out.append((answers.resource_arn(d), answers.applied_tags(d, stack)))
        elif d.address.type in MONITORING_RESOURCE_TYPES:
            out.append((arn(d.address.type, d.address.name), d.tags(stack)))
    return out


def record_applied_monitoring(recorded: Recorded, desired: Iterable[Desired], stack: str = "demo", *,
                              extra_owned: Iterable[tuple[str, dict[str, str]]] = ()) -> None:
    """Record `desired` as applied: `answers.record_applied` for the models, configs, endpoints (...), then
    the stack's tag query again with the job definitions and schedules in it (and `extra_owned`), each
    schedule's DescribeMonitoringSchedule (settled in the spec's status, no execution yet) and each
    definition's describe (read when it is superseded or collected)."""
    ds = list(desired)
    answers.record_applied(recorded, ds, stack)
    tagged(recorded, [*owned(ds, stack), *extra_owned], stack)
    for d in ds:
        if d.address.type == SCHEDULE_TYPE:
            record_schedule(recorded, d)
        elif is_definition(d):
            record_definition(recorded, d)


def absent_monitoring(recorded: Recorded, *desired: Desired) -> None:
    """Record that SageMaker has no job definition or schedule of these names (ResourceNotFound); other types
    go to `answers.absent`."""
    for d in desired:
        m = by_address_type(d.address.type)
        if m is not None:
            recorded.error("sagemaker", m.describe_operation, {"JobDefinitionName": d.address.name},
                           "ResourceNotFound", f'Job definition "{arn(d.address.type, d.address.name)}" does not '
                                               "exist.")
        elif d.address.type == SCHEDULE_TYPE:
            recorded.error("sagemaker", "DescribeMonitoringSchedule", {"MonitoringScheduleName": d.address.name},
                           "ResourceNotFound", f'Monitoring schedule "{arn(SCHEDULE_TYPE, d.address.name)}" does '
                                               "not exist.")
        else:
            answers.absent(recorded, d)


def outside_endpoint(recorded: Recorded, name: str, *, capture: bool | None = True) -> None:
    """The DescribeEndpoint a definition reading endpoint `name` (outside the stack) makes: not found when
    `capture` is None, else InService, capturing data when `capture`."""
    if capture is None:
        recorded.error("sagemaker", "DescribeEndpoint", {"EndpointName": name}, "ValidationException",
                       f'Could not find endpoint "{arn("endpoint", name)}".')
        return
    data: dict[str, Any] = {"EndpointName": name, "EndpointArn": arn("endpoint", name),
                            "EndpointConfigName": f"{name}-config", "EndpointStatus": "InService",
                            "CreationTime": CREATED, "LastModifiedTime": UPDATED}
    if capture:
        data["DataCaptureConfig"] = {"EnableCapture": True, "CaptureStatus": "Started",
                                     "CurrentSamplingPercentage": 20, "DestinationS3Uri": "s3://b/capture",
                                     "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:alias/aws/sagemaker"}
    recorded.add("sagemaker", "DescribeEndpoint", {"EndpointName": name}, data)


def definition_of(desired: Iterable[Desired]) -> Desired:
    """The one job definition among `desired`."""
    [d] = [x for x in desired if is_definition(x)]
    return d


def schedule_of(desired: Iterable[Desired], name: str | None = None) -> Desired:
    """The schedule among `desired` (named `name` when there are several)."""
    [d] = [x for x in desired if x.address.type == SCHEDULE_TYPE and (name is None or x.address.name == name)]
    return d


def reads(d: Desired) -> str | None:
    """The endpoint a job definition reads (None for batch input)."""
    m = by_address_type(d.address.type)
    assert m is not None
    return endpoint_read(m, thaw(d.request))
