"""Contract tests for Model Monitor in the sandbox (over HTTP, boto3): job definitions, schedules, executions.

Tests that watch statuses run the clock at wall speed (``frozen``) and jump it with
``control.advance_clock``, so every transition is seen at an exact second of
sandbox time. Responses are validated against botocore's output shapes.
"""

from __future__ import annotations

import itertools
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from reconciler.sandbox import Sandbox, control
from reconciler.sandbox.control import DEFAULT_MONITORING_FAILURE, SandboxControlError
from reconciler.sandbox.monitoring_model import (
    EXECUTION_PENDING_SECONDS,
    EXECUTION_RUN_SECONDS,
    MAX_EXECUTIONS,
    SCHEDULE_PENDING_SECONDS,
)
from tests.sandbox.test_experiments import expect_error, sandbox_now
from tests.sandbox.test_guardrails import frozen
from tests.sandbox.test_sagemaker import (
    ACCOUNT,
    REGION,
    ROLE,
    assert_valid,
    make_config,
    make_endpoint,
    make_model,
    sandbox,
    sm,
    tagging,
    unique,
    variant,
    wait_status,
)

__all__ = ["sandbox", "sm", "tagging"]  # fixtures used by name below

TYPES = ("DataQuality", "ModelQuality", "ModelBias", "ModelExplainability")
RESOURCES = {
    "DataQuality": "data-quality-job-definition",
    "ModelQuality": "model-quality-job-definition",
    "ModelBias": "model-bias-job-definition",
    "ModelExplainability": "model-explainability-job-definition",
}
HOURLY = "cron(0 * ? * * *)"
EXECUTION_SECONDS = EXECUTION_PENDING_SECONDS + EXECUTION_RUN_SECONDS
OUTPUT = {
    "MonitoringOutputs": [{"S3Output": {"S3Uri": "s3://bucket/reports", "LocalPath": "/opt/ml/processing/output"}}]
}
RESOURCES_CONFIG = {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 20}}


# --- helpers ------------------------------------------------------------------------------------------


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def call(client: BaseClient, operation: str, **kwargs: Any) -> dict[str, Any]:
    """Call ``operation`` and validate the answer against its output shape (when it has one)."""
    answer: dict[str, Any] = getattr(client, snake(operation))(**kwargs)
    if client.meta.service_model.operation_model(operation).output_shape is not None:
        assert_valid(client, operation, answer)
    return answer


def endpoint_input(endpoint: str) -> dict[str, Any]:
    return {"EndpointInput": {"EndpointName": endpoint, "LocalPath": "/opt/ml/processing/input"}}


def definition_request(monitoring_type: str, endpoint: str, **extra: Any) -> dict[str, Any]:
    """A minimal Create<Type>JobDefinition request reading ``endpoint``."""
    app: dict[str, Any] = {"ImageUri": "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer"}
    job_input = endpoint_input(endpoint)
    if monitoring_type == "ModelQuality":
        app["ProblemType"] = "BinaryClassification"
    if monitoring_type in ("ModelBias", "ModelExplainability"):
        app["ConfigUri"] = "s3://bucket/analysis_config.json"
    if monitoring_type in ("ModelQuality", "ModelBias"):
        job_input["GroundTruthS3Input"] = {"S3Uri": "s3://bucket/ground-truth"}
    request = {
        f"{monitoring_type}AppSpecification": app,
        f"{monitoring_type}JobInput": job_input,
        f"{monitoring_type}JobOutputConfig": OUTPUT,
        "JobResources": RESOURCES_CONFIG,
        "RoleArn": ROLE,
    }
    return {**request, **extra}


def make_definition(sm: BaseClient, monitoring_type: str, endpoint: str, **extra: Any) -> str:
    name = extra.pop("JobDefinitionName", None) or unique("jobdef")
    answer = call(
        sm, f"Create{monitoring_type}JobDefinition", JobDefinitionName=name,
        **definition_request(monitoring_type, endpoint, **extra),
    )
    assert answer["JobDefinitionArn"] == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{RESOURCES[monitoring_type]}/{name}"
    return name


def capture(enabled: bool = True, **extra: Any) -> dict[str, Any]:
    return {
        "EnableCapture": enabled,
        "InitialSamplingPercentage": 50,
        "DestinationS3Uri": "s3://bucket/capture",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        **extra,
    }


def monitored_endpoint(sm: BaseClient) -> str:
    """An InService endpoint with data capture on."""
    return make_endpoint(sm, make_config(sm, [variant(make_model(sm))], DataCaptureConfig=capture()))


def referenced(
    definition: str, monitoring_type: str = "DataQuality", expression: str | None = HOURLY
) -> dict[str, Any]:
    config: dict[str, Any] = {"MonitoringJobDefinitionName": definition, "MonitoringType": monitoring_type}
    if expression is not None:
        config["ScheduleConfig"] = {"ScheduleExpression": expression}
    return config


def inline(endpoint: str, expression: str = HOURLY, **extra: Any) -> dict[str, Any]:
    return {
        "ScheduleConfig": {"ScheduleExpression": expression},
        "MonitoringJobDefinition": {
            "MonitoringInputs": [endpoint_input(endpoint)],
            "MonitoringOutputConfig": OUTPUT,
            "MonitoringResources": RESOURCES_CONFIG,
            "MonitoringAppSpecification": {"ImageUri": "analyzer:latest"},
            "RoleArn": ROLE,
            **extra,
        },
    }


def make_schedule(sm: BaseClient, config: dict[str, Any], **extra: Any) -> str:
    name = extra.pop("MonitoringScheduleName", None) or unique("schedule")
    answer = call(sm, "CreateMonitoringSchedule", MonitoringScheduleName=name, MonitoringScheduleConfig=config, **extra)
    assert answer["MonitoringScheduleArn"] == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:monitoring-schedule/{name}"
    return name


def describe(sm: BaseClient, name: str) -> dict[str, Any]:
    return call(sm, "DescribeMonitoringSchedule", MonitoringScheduleName=name)


def status(sm: BaseClient, name: str) -> str:
    return str(describe(sm, name)["MonitoringScheduleStatus"])


def executions(sm: BaseClient, name: str, **filters: Any) -> list[dict[str, Any]]:
    """Every execution of schedule ``name``, oldest first (following NextToken)."""
    found: list[dict[str, Any]] = []
    token: dict[str, str] = {}
    while True:
        answer = call(
            sm, "ListMonitoringExecutions", MonitoringScheduleName=name, SortOrder="Ascending", MaxResults=100,
            **token, **filters,
        )
        found += answer["MonitoringExecutionSummaries"]
        if "NextToken" not in answer:
            return found
        token = {"NextToken": answer["NextToken"]}


def scheduled(sb: Sandbox, sm: BaseClient, config: dict[str, Any], **extra: Any) -> str:
    """A schedule past its Pending period (call inside ``frozen``)."""
    name = make_schedule(sm, config, **extra)
    control.advance_clock(sb.url, SCHEDULE_PENDING_SECONDS + 1)
    assert status(sm, name) == "Scheduled"
    return name


def next_hour(sb: Sandbox, after: float = 0.0) -> datetime:
    """The first full hour at least ``after`` seconds from now (sandbox time)."""
    moment = sandbox_now(sb) + timedelta(seconds=after)
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def advance_past(sb: Sandbox, moment: datetime, seconds: float = 1.0) -> None:
    """Jump the clock to ``seconds`` after ``moment``."""
    ahead = (moment - sandbox_now(sb)).total_seconds() + seconds
    assert ahead >= 0
    control.advance_clock(sb.url, ahead)


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


# --- 1. job definitions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("monitoring_type", TYPES)
def test_job_definition_round_trips_with_awss_defaults(sm: BaseClient, monitoring_type: str) -> None:
    endpoint = monitored_endpoint(sm)
    tags = [{"Key": "team", "Value": "ml"}]
    name = make_definition(sm, monitoring_type, endpoint, Tags=tags)
    described = call(sm, f"Describe{monitoring_type}JobDefinition", JobDefinitionName=name)
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{RESOURCES[monitoring_type]}/{name}"
    assert described["JobDefinitionArn"] == arn and described["JobDefinitionName"] == name
    assert isinstance(described["CreationTime"], datetime)
    request = definition_request(monitoring_type, endpoint)
    expected_input = request[f"{monitoring_type}JobInput"]
    expected_input["EndpointInput"].update(S3InputMode="File", S3DataDistributionType="FullyReplicated")
    assert described[f"{monitoring_type}JobInput"] == expected_input
    assert described[f"{monitoring_type}AppSpecification"] == request[f"{monitoring_type}AppSpecification"]
    assert described[f"{monitoring_type}JobOutputConfig"] == OUTPUT
    assert described["JobResources"] == RESOURCES_CONFIG and described["RoleArn"] == ROLE
    assert described["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    assert "Tags" not in described
    assert sm.list_tags(ResourceArn=arn)["Tags"] == tags


@pytest.mark.parametrize("monitoring_type", TYPES)
def test_job_definition_duplicates_and_missing_ones_use_awss_codes(sm: BaseClient, monitoring_type: str) -> None:
    endpoint = monitored_endpoint(sm)
    name = make_definition(sm, monitoring_type, endpoint)
    create = getattr(sm, f"create_{snake(monitoring_type)}_job_definition")
    expect_error(
        lambda: create(JobDefinitionName=name, **definition_request(monitoring_type, endpoint)),
        "ResourceInUse", "already exists",
    )
    describe_definition = getattr(sm, f"describe_{snake(monitoring_type)}_job_definition")
    delete = getattr(sm, f"delete_{snake(monitoring_type)}_job_definition")
    delete(JobDefinitionName=name)
    for operation in (describe_definition, delete):
        expect_error(lambda op=operation: op(JobDefinitionName=name), "ResourceNotFound", RESOURCES[monitoring_type])


def test_job_definition_families_are_separate(sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    name = make_definition(sm, "DataQuality", endpoint)
    expect_error(lambda: sm.describe_model_quality_job_definition(JobDefinitionName=name), "ResourceNotFound")
    make_definition(sm, "ModelQuality", endpoint, JobDefinitionName=name)  # the same name in another family
    listed = sm.list_model_quality_job_definitions(NameContains=name)["JobDefinitionSummaries"]
    assert [d["MonitoringJobDefinitionArn"].split(":")[-1] for d in listed] == [f"model-quality-job-definition/{name}"]


def test_job_definition_checks_its_input_and_name(sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    both = definition_request("DataQuality", endpoint)
    both["DataQualityJobInput"]["BatchTransformInput"] = {
        "DataCapturedDestinationS3Uri": "s3://bucket/capture", "DatasetFormat": {"Csv": {}}, "LocalPath": "/in",
    }
    expect_error(
        lambda: sm.create_data_quality_job_definition(JobDefinitionName=unique("jobdef"), **both),
        "ValidationException", "exactly one of EndpointInput and BatchTransformInput",
    )
    expect_error(
        lambda: sm.create_data_quality_job_definition(
            JobDefinitionName="bad_name", **definition_request("DataQuality", endpoint)
        ),
        "ValidationException", "regular expression pattern",
    )


def test_batch_transform_definition_has_no_endpoint(sm: BaseClient) -> None:
    request = definition_request("DataQuality", "unused")
    request["DataQualityJobInput"] = {
        "BatchTransformInput": {
            "DataCapturedDestinationS3Uri": "s3://bucket/capture", "DatasetFormat": {"Csv": {"Header": True}},
            "LocalPath": "/opt/ml/processing/input",
        }
    }
    name = unique("batchdef")
    call(sm, "CreateDataQualityJobDefinition", JobDefinitionName=name, **request)
    described = call(sm, "DescribeDataQualityJobDefinition", JobDefinitionName=name)
    assert described["DataQualityJobInput"]["BatchTransformInput"]["S3InputMode"] == "File"
    listed = call(sm, "ListDataQualityJobDefinitions", NameContains=name)["JobDefinitionSummaries"]
    assert [d["EndpointName"] for d in listed] == [""]


def test_list_job_definitions_filters_sorts_and_pages(sandbox: Sandbox, sm: BaseClient) -> None:
    first, second = monitored_endpoint(sm), monitored_endpoint(sm)
    tag = unique("listdef")
    names = []
    for index, endpoint in enumerate((first, second, first)):
        names.append(make_definition(sm, "ModelBias", endpoint, JobDefinitionName=f"{tag}-{index}"))
        control.advance_clock(sandbox.url, 2)
    listed = call(sm, "ListModelBiasJobDefinitions", NameContains=tag.upper())["JobDefinitionSummaries"]
    assert [d["MonitoringJobDefinitionName"] for d in listed] == names[::-1]  # CreationTime, Descending
    assert {d["EndpointName"] for d in listed} == {first, second}
    by_endpoint = call(sm, "ListModelBiasJobDefinitions", NameContains=tag, EndpointName=first)
    assert [d["MonitoringJobDefinitionName"] for d in by_endpoint["JobDefinitionSummaries"]] == [names[2], names[0]]
    by_name = call(sm, "ListModelBiasJobDefinitions", NameContains=tag, SortBy="Name", SortOrder="Ascending")
    assert [d["MonitoringJobDefinitionName"] for d in by_name["JobDefinitionSummaries"]] == names
    page = call(sm, "ListModelBiasJobDefinitions", NameContains=tag, MaxResults=2, SortOrder="Ascending")
    assert [d["MonitoringJobDefinitionName"] for d in page["JobDefinitionSummaries"]] == names[:2]
    rest = call(sm, "ListModelBiasJobDefinitions", NameContains=tag, MaxResults=2, SortOrder="Ascending",
                NextToken=page["NextToken"])
    assert [d["MonitoringJobDefinitionName"] for d in rest["JobDefinitionSummaries"]] == names[2:]
    assert "NextToken" not in rest
    # botocore sends request timestamps in whole seconds (to AWS too): "after" the middle one's second
    middle = listed[1]["CreationTime"]
    after = call(sm, "ListModelBiasJobDefinitions", NameContains=tag, CreationTimeAfter=middle + timedelta(seconds=1))
    before = call(sm, "ListModelBiasJobDefinitions", NameContains=tag, CreationTimeBefore=middle)
    assert [d["MonitoringJobDefinitionName"] for d in after["JobDefinitionSummaries"]] == [names[2]]
    assert [d["MonitoringJobDefinitionName"] for d in before["JobDefinitionSummaries"]] == [names[0]]


def test_deleting_a_definition_a_schedule_uses_is_refused(sandbox: Sandbox, sm: BaseClient) -> None:
    definition = make_definition(sm, "ModelExplainability", monitored_endpoint(sm))
    with frozen(sandbox):
        schedule = scheduled(sandbox, sm, referenced(definition, "ModelExplainability"))
        expect_error(
            lambda: sm.delete_model_explainability_job_definition(JobDefinitionName=definition),
            "ValidationException", f'monitoring schedule "{schedule}"',
        )
        sm.delete_monitoring_schedule(MonitoringScheduleName=schedule)
    sm.delete_model_explainability_job_definition(JobDefinitionName=definition)


# --- 2. schedules -----------------------------------------------------------------------------------------


def test_schedule_is_pending_then_scheduled_and_describes_itself(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    definition = make_definition(sm, "DataQuality", endpoint)
    with frozen(sandbox):
        name = make_schedule(sm, referenced(definition), Tags=[{"Key": "stack", "Value": "demo"}])
        first = describe(sm, name)
        assert first["MonitoringScheduleStatus"] == "Pending"
        assert first["MonitoringType"] == "DataQuality" and first["EndpointName"] == endpoint
        assert first["MonitoringScheduleConfig"] == referenced(definition)
        assert first["CreationTime"] == first["LastModifiedTime"]
        assert "LastMonitoringExecutionSummary" not in first and "FailureReason" not in first
        control.advance_clock(sandbox.url, SCHEDULE_PENDING_SECONDS - 5)
        assert status(sm, name) == "Pending"
        control.advance_clock(sandbox.url, 6)
        later = describe(sm, name)
        assert later["MonitoringScheduleStatus"] == "Scheduled"
        assert later["LastModifiedTime"] - later["CreationTime"] == timedelta(seconds=SCHEDULE_PENDING_SECONDS)
    assert sm.list_tags(ResourceArn=first["MonitoringScheduleArn"])["Tags"] == [{"Key": "stack", "Value": "demo"}]


def test_stop_start_and_update_move_the_status(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    definition = make_definition(sm, "ModelQuality", endpoint)
    other = make_definition(sm, "ModelQuality", endpoint)
    with frozen(sandbox):
        name = scheduled(sandbox, sm, referenced(definition, "ModelQuality"))
        sm.stop_monitoring_schedule(MonitoringScheduleName=name)
        assert status(sm, name) == "Stopped"
        sm.stop_monitoring_schedule(MonitoringScheduleName=name)  # already stopped: nothing changes
        sm.start_monitoring_schedule(MonitoringScheduleName=name)
        assert status(sm, name) == "Scheduled"
        new_config = referenced(other, "ModelQuality", "cron(0 6 ? * * *)")
        call(sm, "UpdateMonitoringSchedule", MonitoringScheduleName=name, MonitoringScheduleConfig=new_config)
        updated = describe(sm, name)
        assert updated["MonitoringScheduleStatus"] == "Pending"
        assert updated["MonitoringScheduleConfig"] == new_config  # replaced whole
        control.advance_clock(sandbox.url, SCHEDULE_PENDING_SECONDS + 1)
        assert status(sm, name) == "Scheduled"
        # a stopped schedule goes back to Stopped after an update (a sandbox choice)
        sm.stop_monitoring_schedule(MonitoringScheduleName=name)
        sm.update_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig=referenced(definition,
                                                                                                      "ModelQuality"))
        assert status(sm, name) == "Pending"
        control.advance_clock(sandbox.url, SCHEDULE_PENDING_SECONDS + 1)
        assert status(sm, name) == "Stopped"


def test_pending_schedules_refuse_changes(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    with frozen(sandbox):
        name = make_schedule(sm, inline(endpoint))
        calls = {
            "DeleteMonitoringSchedule": lambda: sm.delete_monitoring_schedule(MonitoringScheduleName=name),
            "StartMonitoringSchedule": lambda: sm.start_monitoring_schedule(MonitoringScheduleName=name),
            "StopMonitoringSchedule": lambda: sm.stop_monitoring_schedule(MonitoringScheduleName=name),
            "UpdateMonitoringSchedule": lambda: sm.update_monitoring_schedule(
                MonitoringScheduleName=name, MonitoringScheduleConfig=inline(endpoint)
            ),
        }
        for attempt in calls.values():
            with pytest.raises(ClientError) as raised:
                attempt()
            error = raised.value.response["Error"]
            assert (error["Code"], error["Message"]) == ("ValidationException", "Monitoring schedule in status Pending")
        control.advance_clock(sandbox.url, SCHEDULE_PENDING_SECONDS + 1)
        sm.delete_monitoring_schedule(MonitoringScheduleName=name)
    expect_error(lambda: sm.describe_monitoring_schedule(MonitoringScheduleName=name), "ResourceNotFound")


def test_duplicate_and_missing_schedules(sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    name = make_schedule(sm, inline(endpoint))
    expect_error(
        lambda: sm.create_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig=inline(endpoint)),
        "ResourceInUse", "already exists",
    )
    missing = unique("nosuchschedule")
    for operation in ("describe", "start", "stop", "delete"):
        method = getattr(sm, f"{operation}_monitoring_schedule")
        expect_error(
            lambda m=method: m(MonitoringScheduleName=missing), "ResourceNotFound", f"monitoring-schedule/{missing}"
        )
    expect_error(
        lambda: sm.update_monitoring_schedule(
            MonitoringScheduleName=missing, MonitoringScheduleConfig=inline(endpoint)
        ),
        "ResourceNotFound",
    )


def test_inline_definition_is_accepted_with_awss_defaults(sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    name = make_schedule(sm, inline(endpoint))
    described = describe(sm, name)
    config = described["MonitoringScheduleConfig"]
    assert config["MonitoringType"] == "DataQuality" and described["MonitoringType"] == "DataQuality"
    assert config["MonitoringJobDefinition"]["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    assert config["MonitoringJobDefinition"]["MonitoringInputs"] == [endpoint_input(endpoint)]
    assert described["EndpointName"] == endpoint
    assert "MonitoringJobDefinitionName" not in config


def test_schedule_config_is_checked(sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    quality = make_definition(sm, "ModelQuality", endpoint)
    bias = make_definition(sm, "ModelBias", endpoint, StoppingCondition={"MaxRuntimeInSeconds": 3600})

    def create(config: dict[str, Any]) -> Any:
        return lambda: sm.create_monitoring_schedule(
            MonitoringScheduleName=unique("bad"), MonitoringScheduleConfig=config
        )

    invalid = "ValidationException"
    expect_error(create(referenced(unique("missing"))), invalid, "Could not find data quality job")
    expect_error(create(referenced(quality, "ModelBias")), invalid, f"model-bias-job-definition/{quality}")
    expect_error(create(referenced(quality)), invalid, f"data-quality-job-definition/{quality}")
    expect_error(create({**inline(endpoint), "MonitoringJobDefinitionName": quality}), invalid, "not both")
    expect_error(create({"ScheduleConfig": {"ScheduleExpression": HOURLY}}), invalid, "must have")
    expect_error(create(inline(unique("no-endpoint"))), invalid, "Could not find endpoint")
    for expression in ("Hourly: cron(0 * ? * * *)", "cron(30 * ? * * *)", "cron(0 24 ? * * *)", "cron(0 0/25 ? * * *)",
                       "rate(1 hour)"):
        expect_error(create(inline(endpoint, expression)), invalid, "Invalid ScheduleExpression")
    expect_error(create(inline(endpoint, "NOW")), invalid, "DataAnalysisStartTime and DataAnalysisEndTime")
    wide = inline(endpoint, "NOW")
    wide["ScheduleConfig"].update(DataAnalysisStartTime="-PT25H", DataAnalysisEndTime="-PT0H")
    expect_error(create(wide), "ValidationException", "more than 24 hours")
    long_run = inline(endpoint, HOURLY, StoppingCondition={"MaxRuntimeInSeconds": 3601})
    expect_error(create(long_run), "ValidationException", "cannot exceed the frequency")
    expect_error(create(referenced(bias, "ModelBias")), "ValidationException", "1800 seconds")
    # the same definition on a daily schedule is fine, and so is the hourly one with 3600 s for DataQuality
    make_schedule(sm, referenced(bias, "ModelBias", "cron(0 3 ? * * *)"))
    make_schedule(sm, inline(endpoint, HOURLY, StoppingCondition={"MaxRuntimeInSeconds": 3600}))


def test_update_checks_the_new_config(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    with frozen(sandbox):
        name = scheduled(sandbox, sm, inline(endpoint))
        expect_error(
            lambda: sm.update_monitoring_schedule(
                MonitoringScheduleName=name, MonitoringScheduleConfig=inline(unique("gone"))
            ),
            "ValidationException", "Could not find endpoint",
        )
        assert status(sm, name) == "Scheduled"
        assert describe(sm, name)["EndpointName"] == endpoint


def test_list_schedules_filters_sorts_and_pages(sandbox: Sandbox, sm: BaseClient) -> None:
    first, second = monitored_endpoint(sm), monitored_endpoint(sm)
    definition = make_definition(sm, "ModelBias", second)
    tag = unique("listsched")
    with frozen(sandbox):
        a = make_schedule(sm, inline(first), MonitoringScheduleName=f"{tag}-a")
        control.advance_clock(sandbox.url, SCHEDULE_PENDING_SECONDS + 1)
        sm.stop_monitoring_schedule(MonitoringScheduleName=a)
        b_config = referenced(definition, "ModelBias", "cron(0 1 ? * * *)")
        b = make_schedule(sm, b_config, MonitoringScheduleName=f"{tag}-b")
        control.advance_clock(sandbox.url, 1)
        c = make_schedule(sm, inline(second), MonitoringScheduleName=f"{tag}-c")

        def names(**filters: Any) -> list[str]:
            answer = call(sm, "ListMonitoringSchedules", NameContains=tag, **filters)
            return [s["MonitoringScheduleName"] for s in answer["MonitoringScheduleSummaries"]]

        assert names() == [c, b, a]
        assert names(EndpointName=second) == [c, b]
        assert names(MonitoringJobDefinitionName=definition) == [b]
        assert names(MonitoringTypeEquals="ModelBias") == [b]
        assert names(MonitoringTypeEquals="DataQuality") == [c, a]
        assert names(StatusEquals="Stopped") == [a]
        assert names(StatusEquals="Pending") == [c, b]
        assert names(SortBy="Name", SortOrder="Ascending") == [a, b, c]
        assert names(SortBy="Status", SortOrder="Ascending") == [b, c, a]  # ties by CreationTime
        created_b = describe(sm, b)["CreationTime"]
        assert names(CreationTimeAfter=created_b + timedelta(seconds=1)) == [c]  # botocore sends whole seconds
        assert names(CreationTimeBefore=created_b) == [a]
        summary = call(sm, "ListMonitoringSchedules", NameContains=tag, MonitoringJobDefinitionName=definition)
        assert summary["MonitoringScheduleSummaries"][0]["MonitoringJobDefinitionName"] == definition
        page = call(sm, "ListMonitoringSchedules", NameContains=tag, MaxResults=2)
        assert len(page["MonitoringScheduleSummaries"]) == 2
        rest = call(sm, "ListMonitoringSchedules", NameContains=tag, MaxResults=2, NextToken=page["NextToken"])
        assert [s["MonitoringScheduleName"] for s in rest["MonitoringScheduleSummaries"]] == [a]


# --- 3. executions -----------------------------------------------------------------------------------------


def test_hourly_schedule_runs_each_hour_on_the_clock(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    definition = make_definition(sm, "DataQuality", endpoint)
    with frozen(sandbox):
        name = scheduled(sandbox, sm, referenced(definition))
        assert executions(sm, name) == []
        due = next_hour(sandbox)
        advance_past(sandbox, due)
        [first] = executions(sm, name)
        assert first["MonitoringExecutionStatus"] == "Pending"
        assert as_utc(first["ScheduledTime"]) == as_utc(first["CreationTime"]) == due
        assert first["EndpointName"] == endpoint and first["MonitoringJobDefinitionName"] == definition
        assert first["MonitoringType"] == "DataQuality"
        control.advance_clock(sandbox.url, EXECUTION_PENDING_SECONDS)
        assert executions(sm, name)[0]["MonitoringExecutionStatus"] == "InProgress"
        control.advance_clock(sandbox.url, EXECUTION_RUN_SECONDS)
        done = describe(sm, name)["LastMonitoringExecutionSummary"]
        assert done["MonitoringExecutionStatus"] == "Completed" and "FailureReason" not in done
        assert as_utc(done["LastModifiedTime"]) == due + timedelta(seconds=EXECUTION_SECONDS)
        advance_past(sandbox, due + timedelta(hours=2))
        found = executions(sm, name)
        assert [as_utc(e["ScheduledTime"]) for e in found] == [due, due + timedelta(hours=1), due + timedelta(hours=2)]
        assert [e["MonitoringExecutionStatus"] for e in found] == ["Completed", "Completed", "Pending"]
        assert as_utc(describe(sm, name)["LastMonitoringExecutionSummary"]["ScheduledTime"]) == found[-1][
            "ScheduledTime"].astimezone(timezone.utc)


def test_max_runtime_caps_the_run(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    with frozen(sandbox):
        name = scheduled(sandbox, sm, inline(endpoint, StoppingCondition={"MaxRuntimeInSeconds": 90}))
        due = next_hour(sandbox)
        advance_past(sandbox, due, EXECUTION_PENDING_SECONDS + 89)
        assert executions(sm, name)[0]["MonitoringExecutionStatus"] == "InProgress"
        control.advance_clock(sandbox.url, 2)
        assert executions(sm, name)[0]["MonitoringExecutionStatus"] == "Completed"


@pytest.mark.parametrize(
    ("expression", "hours"),
    [("cron(0 5 ? * * *)", [5]), ("cron(0 05 ? * * *)", [5]), ("cron(0 1/6 ? * * *)", [1, 7, 13, 19]),
     ("cron(0 0/12 ? * * *)", [0, 12]), ("cron(0 17/12 ? * * *)", [17])],
)
def test_daily_and_every_n_hours_run_at_their_hours(
    sandbox: Sandbox, sm: BaseClient, expression: str, hours: list[int]
) -> None:
    endpoint = monitored_endpoint(sm)
    with frozen(sandbox):
        name = scheduled(sandbox, sm, inline(endpoint, expression))
        control.advance_clock(sandbox.url, 3 * 86400)
        found = [as_utc(e["ScheduledTime"]) for e in executions(sm, name)]
        since = as_utc(describe(sm, name)["LastModifiedTime"])  # Scheduled from then on
        assert found == due_hours(since, sandbox_now(sandbox), hours)
        assert len(found) in (3 * len(hours), 3 * len(hours) + 1)


def due_hours(since: datetime, until: datetime, hours: list[int]) -> list[datetime]:
    """Every full hour in ``hours`` (UTC) after ``since`` and up to ``until``."""
    day = since.replace(hour=0, minute=0, second=0, microsecond=0)
    found = []
    while day <= until:
        found += [day + timedelta(hours=h) for h in hours if since < day + timedelta(hours=h) <= until]
        day += timedelta(days=1)
    return found


def test_without_schedule_config_it_runs_daily_at_a_time_the_sandbox_picks(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    config = inline(endpoint)
    del config["ScheduleConfig"]
    with frozen(sandbox):
        name = scheduled(sandbox, sm, config)
        described = describe(sm, name)
        assert "ScheduleConfig" not in described["MonitoringScheduleConfig"]
        hour = as_utc(described["CreationTime"]).hour  # the sandbox's pick: the hour it was created in
        control.advance_clock(sandbox.url, 2 * 86400)
        found = [as_utc(e["ScheduledTime"]) for e in executions(sm, name)]
        assert found == due_hours(as_utc(described["LastModifiedTime"]), sandbox_now(sandbox), [hour])
        assert len(found) == 2


def test_now_runs_once_right_away(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    config = inline(endpoint, "NOW")
    config["ScheduleConfig"].update(DataAnalysisStartTime="-PT1H", DataAnalysisEndTime="-PT0H")
    with frozen(sandbox):
        name = make_schedule(sm, config)
        created = describe(sm, name)["CreationTime"]
        control.advance_clock(sandbox.url, SCHEDULE_PENDING_SECONDS + 1)
        [run] = executions(sm, name)
        assert run["ScheduledTime"] - created == timedelta(seconds=SCHEDULE_PENDING_SECONDS)
        control.advance_clock(sandbox.url, 2 * 86400)
        [done] = executions(sm, name)
        assert done["MonitoringExecutionStatus"] == "Completed"
        assert status(sm, name) == "Scheduled"
        assert describe(sm, name)["MonitoringScheduleConfig"]["ScheduleConfig"] == config["ScheduleConfig"]


def test_stopped_schedules_make_no_executions(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    with frozen(sandbox):
        name = scheduled(sandbox, sm, inline(endpoint))
        sm.stop_monitoring_schedule(MonitoringScheduleName=name)
        control.advance_clock(sandbox.url, 5 * 3600)
        assert executions(sm, name) == []
        sm.start_monitoring_schedule(MonitoringScheduleName=name)
        assert executions(sm, name) == []  # the next one is at the next full hour
        due = next_hour(sandbox)
        advance_past(sandbox, due)
        assert [as_utc(e["ScheduledTime"]) for e in executions(sm, name)] == [due]


def test_executions_are_bounded_per_schedule(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    with frozen(sandbox):
        name = scheduled(sandbox, sm, inline(endpoint))
        started = time.monotonic()
        control.advance_clock(sandbox.url, 365 * 86400)  # a year of hourly runs at once
        found = executions(sm, name)
        assert len(found) == MAX_EXECUTIONS
        assert time.monotonic() - started < 5
        now = sandbox_now(sandbox)
        assert as_utc(found[-1]["ScheduledTime"]) == now.replace(minute=0, second=0, microsecond=0)
        gaps = {b["ScheduledTime"] - a["ScheduledTime"] for a, b in itertools.pairwise(found)}
        assert gaps == {timedelta(hours=1)}


def test_list_executions_filters_sorts_and_pages(sandbox: Sandbox, sm: BaseClient) -> None:
    first, second = monitored_endpoint(sm), monitored_endpoint(sm)
    definition = make_definition(sm, "ModelQuality", second)
    with frozen(sandbox):
        a = scheduled(sandbox, sm, inline(first))
        b = scheduled(sandbox, sm, referenced(definition, "ModelQuality"))
        due = next_hour(sandbox)
        control.next_monitoring_execution(sandbox.url, b, "Failed", "boom")
        advance_past(sandbox, due + timedelta(hours=2), EXECUTION_PENDING_SECONDS + 1)
        mine = {a, b}

        def listed(**filters: Any) -> list[tuple[str, datetime, str]]:
            answer = call(sm, "ListMonitoringExecutions", MaxResults=100, **filters)
            return [
                (e["MonitoringScheduleName"], as_utc(e["ScheduledTime"]), e["MonitoringExecutionStatus"])
                for e in answer["MonitoringExecutionSummaries"]
                if e["MonitoringScheduleName"] in mine
            ]

        hours = [due, due + timedelta(hours=1), due + timedelta(hours=2)]
        assert [row[1] for row in listed(MonitoringScheduleName=a)] == hours[::-1]  # CreationTime, Descending
        assert [row[0] for row in listed(EndpointName=second)] == [b, b, b]
        assert [row[0] for row in listed(MonitoringJobDefinitionName=definition)] == [b, b, b]
        assert {row[0] for row in listed(MonitoringTypeEquals="ModelQuality")} == {b}
        assert listed(StatusEquals="Failed") == [(b, due, "Failed")]
        assert {row[2] for row in listed(StatusEquals="InProgress")} == {"InProgress"}
        assert len(listed(StatusEquals="InProgress")) == 2
        middle = {"ScheduledTimeAfter": due, "ScheduledTimeBefore": hours[2]}
        assert {row[1] for row in listed(**middle)} == {hours[1]}
        assert {row[1] for row in listed(CreationTimeAfter=hours[1])} == {hours[2]}
        ascending = listed(MonitoringScheduleName=b, SortBy="ScheduledTime", SortOrder="Ascending")
        assert [row[1] for row in ascending] == hours
        by_status = listed(MonitoringScheduleName=b, SortBy="Status", SortOrder="Ascending")
        assert [row[2] for row in by_status] == ["Completed", "Failed", "InProgress"]
        page = call(sm, "ListMonitoringExecutions", MonitoringScheduleName=a, MaxResults=2)
        assert len(page["MonitoringExecutionSummaries"]) == 2
        rest = call(sm, "ListMonitoringExecutions", MonitoringScheduleName=a, MaxResults=2, NextToken=page["NextToken"])
        assert [as_utc(e["ScheduledTime"]) for e in rest["MonitoringExecutionSummaries"]] == [due]
        assert "NextToken" not in rest
        failed = [e for e in executions(sm, b) if e["MonitoringExecutionStatus"] == "Failed"]
        assert [e["FailureReason"] for e in failed] == ["boom"]


def test_deleted_schedules_keep_their_execution_history(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    with frozen(sandbox):
        name = scheduled(sandbox, sm, inline(endpoint))
        due = next_hour(sandbox)
        advance_past(sandbox, due, EXECUTION_SECONDS)
        sm.delete_monitoring_schedule(MonitoringScheduleName=name)
        control.advance_clock(sandbox.url, 3 * 3600)
        assert [as_utc(e["ScheduledTime"]) for e in executions(sm, name)] == [due]


# --- 2/3. the endpoint a schedule reads -----------------------------------------------------------------


def test_deleting_the_endpoint_fails_later_executions(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    definition = make_definition(sm, "DataQuality", endpoint)
    with frozen(sandbox):
        name = scheduled(sandbox, sm, referenced(definition))
        due = next_hour(sandbox)
        advance_past(sandbox, due)  # no monitoring call in between: the execution is made lazily
        sm.delete_endpoint(EndpointName=endpoint)
        advance_past(sandbox, due + timedelta(hours=1), EXECUTION_SECONDS)
        before, after = executions(sm, name)
        assert (before["MonitoringExecutionStatus"], "FailureReason" in before) == ("Completed", False)
        assert after["MonitoringExecutionStatus"] == "Failed"
        assert f'"{endpoint}"' in after["FailureReason"] and "no longer exists" in after["FailureReason"]
        assert status(sm, name) == "Scheduled"
        last = describe(sm, name)["LastMonitoringExecutionSummary"]
        assert last["FailureReason"] == after["FailureReason"]
    expect_error(
        lambda: sm.create_monitoring_schedule(
            MonitoringScheduleName=unique("schedule"), MonitoringScheduleConfig=referenced(definition)
        ),
        "ValidationException", f"endpoint/{endpoint}",
    )


# --- 4. the control route ---------------------------------------------------------------------------------


def test_next_execution_ends_as_told_and_can_start_now(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    with frozen(sandbox):
        name = scheduled(sandbox, sm, inline(endpoint))
        answer = control.next_monitoring_execution(sandbox.url, name, "CompletedWithViolations", start_now=True)
        assert answer["schedule"] == name and answer["status"] == "CompletedWithViolations"
        [run] = executions(sm, name)
        assert run["MonitoringExecutionStatus"] == "Pending"
        assert as_utc(run["ScheduledTime"]) == datetime.fromisoformat(answer["scheduledTime"].replace("Z", "+00:00"))
        control.advance_clock(sandbox.url, EXECUTION_SECONDS)
        assert describe(sm, name)["LastMonitoringExecutionSummary"]["MonitoringExecutionStatus"] == (
            "CompletedWithViolations"
        )
        control.next_monitoring_execution(sandbox.url, name, "Failed")
        due = next_hour(sandbox)
        advance_past(sandbox, due + timedelta(hours=1), EXECUTION_SECONDS)
        _, failed, normal = executions(sm, name)
        assert (failed["MonitoringExecutionStatus"], failed["FailureReason"]) == ("Failed", DEFAULT_MONITORING_FAILURE)
        assert as_utc(failed["ScheduledTime"]) == due
        assert normal["MonitoringExecutionStatus"] == "Completed"


def test_a_due_time_while_a_run_is_still_going_is_skipped(sandbox: Sandbox, sm: BaseClient) -> None:
    """One execution of a schedule at a time: a run started just before the hour takes that hour's slot."""
    endpoint = monitored_endpoint(sm)
    with frozen(sandbox):
        name = scheduled(sandbox, sm, inline(endpoint))
        due = next_hour(sandbox)
        control.advance_clock(sandbox.url, (due - sandbox_now(sandbox)).total_seconds() - 60)
        control.next_monitoring_execution(sandbox.url, name, "Completed", start_now=True)
        advance_past(sandbox, due, EXECUTION_SECONDS)
        [run] = executions(sm, name)
        assert as_utc(run["ScheduledTime"]) < due
        advance_past(sandbox, due + timedelta(hours=1), EXECUTION_SECONDS)
        assert [as_utc(r["ScheduledTime"]) for r in executions(sm, name)][1:] == [due + timedelta(hours=1)]


def test_start_now_on_a_pending_schedule_starts_when_it_is_scheduled(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    with frozen(sandbox):
        name = make_schedule(sm, inline(endpoint))
        created = describe(sm, name)["CreationTime"]
        answer = control.next_monitoring_execution(sandbox.url, name, "Failed", "no baseline", start_now=True)
        assert answer["scheduleStatus"] == "Pending" and "scheduledTime" not in answer
        assert executions(sm, name) == []
        control.advance_clock(sandbox.url, SCHEDULE_PENDING_SECONDS + EXECUTION_SECONDS + 1)
        [run] = executions(sm, name)
        assert run["ScheduledTime"] - created == timedelta(seconds=SCHEDULE_PENDING_SECONDS)
        assert (run["MonitoringExecutionStatus"], run["FailureReason"]) == ("Failed", "no baseline")


def test_control_route_errors(sandbox: Sandbox, sm: BaseClient) -> None:
    name = make_schedule(sm, inline(monitored_endpoint(sm)))
    with pytest.raises(SandboxControlError) as unknown:
        control.next_monitoring_execution(sandbox.url, unique("nosuch"), "Completed")
    assert unknown.value.status == 404
    for bad in ({"status": "Stopped"}, {"status": "Completed", "failureReason": "x"}, {"status": "Failed",
                                                                                       "startNow": "yes"}):
        with pytest.raises(SandboxControlError) as refused:
            control._call(sandbox.url, "POST", f"monitoring-schedules/{name}/next-execution", bad)
        assert refused.value.status == 400, bad
    with pytest.raises(SandboxControlError) as wrong_method:
        control._call(sandbox.url, "GET", f"monitoring-schedules/{name}/next-execution", None)
    assert wrong_method.value.status == 405


# --- tags, the tagging API, faults, reset -------------------------------------------------------------------


def test_tag_operations_and_get_resources_see_definitions_and_schedules(sm: BaseClient, tagging: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    stack = unique("stack")
    tags = [{"Key": "reconciler:stack", "Value": stack}]
    arns = {}
    for monitoring_type in TYPES:
        name = make_definition(sm, monitoring_type, endpoint, Tags=tags)
        arns[f"sagemaker:{RESOURCES[monitoring_type]}"] = (
            f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{RESOURCES[monitoring_type]}/{name}"
        )
    schedule = make_schedule(sm, inline(endpoint), Tags=tags)
    arns["sagemaker:monitoring-schedule"] = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:monitoring-schedule/{schedule}"
    untagged = make_definition(sm, "DataQuality", endpoint)
    mine = [{"Key": "reconciler:stack", "Values": [stack]}]

    def found(**filters: Any) -> set[str]:
        answer = tagging.get_resources(TagFilters=mine, **filters)
        return {r["ResourceARN"] for r in answer["ResourceTagMappingList"]}

    for resource_type, arn in arns.items():
        assert found(ResourceTypeFilters=[resource_type]) == {arn}
    assert found(ResourceTypeFilters=["sagemaker"]) == set(arns.values())
    assert found() == set(arns.values())
    assert found(ResourceTypeFilters=["sagemaker:endpoint"]) == set()
    other = tagging.get_resources(TagFilters=[{"Key": "reconciler:stack", "Values": [unique("other")]}])
    assert other["ResourceTagMappingList"] == []
    schedule_arn = arns["sagemaker:monitoring-schedule"]
    moved = [{"Key": "reconciler:stack", "Value": "moved"}, {"Key": "x", "Value": "1"}]
    sm.add_tags(ResourceArn=schedule_arn, Tags=moved)
    assert sm.list_tags(ResourceArn=schedule_arn)["Tags"] == [
        {"Key": "reconciler:stack", "Value": "moved"}, {"Key": "x", "Value": "1"}
    ]
    sm.delete_tags(ResourceArn=schedule_arn, TagKeys=["x"])
    assert sm.list_tags(ResourceArn=schedule_arn)["Tags"] == [{"Key": "reconciler:stack", "Value": "moved"}]
    assert schedule_arn not in found()
    untagged_arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:data-quality-job-definition/{untagged}"
    assert sm.list_tags(ResourceArn=untagged_arn)["Tags"] == []
    sm.delete_data_quality_job_definition(JobDefinitionName=untagged)
    expect_error(lambda: sm.list_tags(ResourceArn=untagged_arn), "ValidationException", untagged)


def test_faults_apply_to_monitoring_calls(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    before = control.get_calls(sandbox.url)
    name = make_schedule(sm, inline(endpoint))
    sm.describe_monitoring_schedule(MonitoringScheduleName=name)
    sm.list_monitoring_executions(MonitoringScheduleName=name)
    after = control.get_calls(sandbox.url)
    assert (after["mutating"] - before["mutating"], after["total"] - before["total"]) == (1, 3)
    def client(attempts: int) -> BaseClient:
        retries = Config(retries={"mode": "standard", "total_max_attempts": attempts})
        return boto3.client(
            "sagemaker", endpoint_url=sandbox.url, region_name=REGION, aws_access_key_id="testing",
            aws_secret_access_key="testing", config=retries,
        )

    control.queue_faults(sandbox.url, ["throttle"])
    expect_error(lambda: client(1).list_monitoring_schedules(), "ThrottlingException")
    retrying = client(3)
    control.queue_faults(sandbox.url, ["drop"])
    lost = unique("schedule")
    # the retry of a create whose response was lost meets its own result
    expect_error(
        lambda: retrying.create_monitoring_schedule(
            MonitoringScheduleName=lost, MonitoringScheduleConfig=inline(endpoint)
        ),
        "ResourceInUse", "already exists",
    )
    assert retrying.describe_monitoring_schedule(MonitoringScheduleName=lost)["MonitoringScheduleArn"].endswith(lost)


def test_reset_forgets_model_monitor(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = monitored_endpoint(sm)
    definition = make_definition(sm, "DataQuality", endpoint)
    name = make_schedule(sm, referenced(definition))
    control.reset(sandbox.url)
    expect_error(lambda: sm.describe_monitoring_schedule(MonitoringScheduleName=name), "ResourceNotFound")
    expect_error(lambda: sm.describe_data_quality_job_definition(JobDefinitionName=definition), "ResourceNotFound")
    assert sm.list_monitoring_executions(MonitoringScheduleName=name)["MonitoringExecutionSummaries"] == []
    with pytest.raises(SandboxControlError) as gone:
        control.next_monitoring_execution(sandbox.url, name, "Completed")
    assert gone.value.status == 404


# --- 5. DescribeEndpoint's data capture summary --------------------------------------------------------------


def test_describe_endpoint_summarises_data_capture(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_model(sm)
    started = make_config(sm, [variant(model)], DataCaptureConfig=capture(KmsKeyId="alias/capture"))
    endpoint = make_endpoint(sm, started)
    summary = call(sm, "DescribeEndpoint", EndpointName=endpoint)["DataCaptureConfig"]
    assert summary == {
        "EnableCapture": True,
        "CaptureStatus": "Started",
        "CurrentSamplingPercentage": 50,
        "DestinationS3Uri": "s3://bucket/capture",
        "KmsKeyId": "alias/capture",
    }
    stopped = make_config(sm, [variant(model)], DataCaptureConfig=capture(enabled=False))
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=stopped)
    summary = wait_status(sm, endpoint, "InService")["DataCaptureConfig"]
    assert summary == {
        "EnableCapture": False,
        "CaptureStatus": "Stopped",
        "CurrentSamplingPercentage": 50,
        "DestinationS3Uri": "s3://bucket/capture",
    }
    plain = make_endpoint(sm, make_config(sm, [variant(model)]))
    assert "DataCaptureConfig" not in call(sm, "DescribeEndpoint", EndpointName=plain)
