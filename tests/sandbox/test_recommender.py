"""Contract tests for Inference Recommender in the sandbox (over HTTP, boto3): recommendation jobs.

Jobs are watched on a clock at wall speed (``frozen``) jumped to exact seconds after their
CreationTime (``advance_to``): PENDING, IN_PROGRESS with the transient model, endpoint config and
endpoint of each test, then COMPLETED, STOPPED or FAILED. Every response is validated against
botocore's output shape (``call``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config

from reconciler.sandbox import Sandbox, control
from reconciler.sandbox.control import DEFAULT_RECOMMENDATION_FAILURE, SandboxControlError
from reconciler.sandbox.recommender import (
    DEFAULT_BENCHMARK_SECONDS,
    FAILED_RUN_SECONDS,
    PENDING_SECONDS,
    SETUP_SECONDS,
    STOP_SECONDS,
)
from tests.sandbox.test_experiments import expect_error
from tests.sandbox.test_guardrails import advance_to, frozen
from tests.sandbox.test_monitoring import call
from tests.sandbox.test_registry import SPEC, make_group
from tests.sandbox.test_sagemaker import (
    ACCOUNT,
    REGION,
    ROLE,
    make_config,
    make_endpoint,
    sandbox,
    sm,
    tagging,
    unique,
    variant,
)

__all__ = ["sandbox", "sm", "tagging"]  # fixtures used by name below

OWNED = [{"Key": "reconciler:stack", "Value": "prod"}, {"Key": "reconciler:address", "Value": "Model/churn"}]
DEFAULT_TOTAL = PENDING_SECONDS + SETUP_SECONDS + DEFAULT_BENCHMARK_SECONDS
STEADY = {"TrafficType": "PHASES", "Phases": [{"InitialNumberOfUsers": 1, "SpawnRate": 0, "DurationInSeconds": 120},
                                               {"InitialNumberOfUsers": 1, "SpawnRate": 0, "DurationInSeconds": 240}]}
"""One user all along: 60 invocations a minute, below every capacity, so no stopping condition is reached."""
KEEP_GOING = {"FlatInvocations": "Continue"}


# --- helpers ------------------------------------------------------------------------------------------


def make_source_model(sm: BaseClient) -> str:
    name = unique("irmodel")
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, Tags=OWNED,
                    PrimaryContainer={"Image": "img:1", "Environment": {"A": "1"}})
    return name


def default_request(model: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"JobName": name or unique("ir"), "JobType": "Default", "RoleArn": ROLE,
            "InputConfig": {"ModelName": model}, **extra}


def advanced_request(model: str, configurations: list[dict[str, Any]], pattern: dict[str, Any] | None = None,
                     name: str | None = None, **extra: Any) -> dict[str, Any]:
    config = {"ModelName": model, "TrafficPattern": copy.deepcopy(pattern or STEADY),
              "EndpointConfigurations": configurations, **extra.pop("input", {})}
    return {"JobName": name or unique("ir"), "JobType": "Advanced", "RoleArn": ROLE, "InputConfig": config,
            "StoppingConditions": extra.pop("stopping", KEEP_GOING), **extra}


def create(sm: BaseClient, request: dict[str, Any]) -> datetime:
    """Create the job; its CreationTime."""
    answer = call(sm, "CreateInferenceRecommendationsJob", **request)
    name = request["JobName"]
    assert answer["JobArn"] == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:inference-recommendations-job/{name}"
    created: datetime = describe(sm, name)["CreationTime"]
    return created


def describe(sm: BaseClient, name: str) -> dict[str, Any]:
    return call(sm, "DescribeInferenceRecommendationsJob", JobName=name)


def status(sm: BaseClient, name: str) -> str:
    return str(describe(sm, name)["Status"])


def steps(sm: BaseClient, name: str, **filters: Any) -> list[dict[str, Any]]:
    return list(call(sm, "ListInferenceRecommendationsJobSteps", JobName=name, MaxResults=100, **filters)["Steps"])


def transient(sm: BaseClient, job: str) -> dict[str, set[str]]:
    """Names of the models, endpoint configs and endpoints whose names start with the job's 40-character prefix."""
    prefix = job[:40] + "-"

    def names(operation: str, key: str, member: str) -> set[str]:
        pages = sm.get_paginator(operation).paginate(PaginationConfig={"PageSize": 100})
        return {item[member] for page in pages for item in page[key] if item[member].startswith(prefix)}

    return {
        "models": names("list_models", "Models", "ModelName"),
        "configs": names("list_endpoint_configs", "EndpointConfigs", "EndpointConfigName"),
        "endpoints": names("list_endpoints", "Endpoints", "EndpointName"),
    }


def recommended(sm: BaseClient, name: str) -> list[dict[str, Any]]:
    return list(describe(sm, name)["InferenceRecommendations"])


def run_to_end(sb: Sandbox, sm: BaseClient, request: dict[str, Any], seconds: float) -> dict[str, Any]:
    """Create the job and jump past ``seconds`` after its creation; its description."""
    with frozen(sb):
        created = create(sm, request)
        advance_to(sb, created, seconds + 1)
        return describe(sm, request["JobName"])


def unvalidated(sb: Sandbox) -> BaseClient:
    """A client that sends what it is given (botocore checks minimums only, and only when validating)."""
    return boto3.client("sagemaker", endpoint_url=sb.url, region_name=REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing",
                        config=Config(retries={"max_attempts": 1}, parameter_validation=False))


def at(phase: float, users: int = 1, rate: int = 0) -> dict[str, int]:
    return {"InitialNumberOfUsers": users, "SpawnRate": rate, "DurationInSeconds": int(phase)}


# --- validation ---------------------------------------------------------------------------------------


Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    def edit(request: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = request
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is None:
            target.pop(last)
        else:
            target[int(last) if last.isdigit() else last] = value

    return edit


def _package(arn: str) -> Edit:
    def edit(request: dict[str, Any]) -> None:
        request["InputConfig"].pop("ModelName")
        request["InputConfig"]["ModelPackageVersionArn"] = arn

    return edit


INVALID: list[tuple[str, Edit, str]] = [
    ("name pattern", _set("JobName", "bad_name"), "at 'jobName' failed to satisfy constraint: Member must satisfy "
     "regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}"),
    ("name length", _set("JobName", "j" * 65), "at 'jobName' failed to satisfy constraint: Member must have length "
     "less than or equal to 64"),
    ("job type", _set("JobType", "Custom"), "at 'jobType' failed to satisfy constraint: Member must satisfy enum "
     "value set: [Default, Advanced]"),
    ("role", _set("RoleArn", "arn:aws:iam::123456789012:user/someone"), "at 'roleArn' failed to satisfy constraint"),
    ("both inputs", _set("InputConfig.ModelPackageVersionArn",
                         f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/g/1"),
     "exactly one of ModelPackageVersionArn and ModelName"),
    ("no input", _set("InputConfig.ModelName", None), "exactly one of ModelPackageVersionArn and ModelName"),
    ("missing model", _set("InputConfig.ModelName", "no-such-model"), "Could not find model"),
    ("missing package", _package(f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/nothing/1"), "does not exist"),
    ("no traffic pattern", _set("InputConfig.TrafficPattern", None), "TrafficPattern in InputConfig is required"),
    ("no endpoint configurations", _set("InputConfig.EndpointConfigurations", None),
     "EndpointConfigurations in InputConfig is required"),
    ("11 endpoint configurations", _set("InputConfig.EndpointConfigurations",
                                        [{"InstanceType": "ml.m5.xlarge"}] * 11),
     "at 'inputConfig.endpointConfigurations' failed to satisfy constraint: Member must have length less than or "
     "equal to 10"),
    ("phase too short", _set("InputConfig.TrafficPattern.Phases.0.DurationInSeconds", 119),
     "at 'inputConfig.trafficPattern.phases.1.member.durationInSeconds' failed to satisfy constraint: Member must "
     "have value greater than or equal to 120"),
    ("phase too long", _set("InputConfig.TrafficPattern.Phases.1.DurationInSeconds", 3601),
     "at 'inputConfig.trafficPattern.phases.2.member.durationInSeconds' failed to satisfy constraint: Member must "
     "have value less than or equal to 3600"),
    ("four users", _set("InputConfig.TrafficPattern.Phases.0.InitialNumberOfUsers", 4),
     "phases.1.member.initialNumberOfUsers' failed to satisfy constraint: Member must have value less than or "
     "equal to 3"),
    ("stairs of four users", _set("InputConfig.TrafficPattern", {
        "TrafficType": "STAIRS", "Stairs": {"DurationInSeconds": 120, "NumberOfSteps": 3, "UsersPerStep": 4}}),
     "at 'inputConfig.trafficPattern.stairs.usersPerStep' failed to satisfy constraint"),
    ("job too long", _set("InputConfig.JobDurationInSeconds", 18001),
     "at 'inputConfig.jobDurationInSeconds' failed to satisfy constraint: Member must have value less than or "
     "equal to 18000"),
    ("phase longer than the job", _set("InputConfig.JobDurationInSeconds", 200),
     "Phase 2 of the TrafficPattern lasts 240 seconds, longer than JobDurationInSeconds (200)"),
    ("two latency thresholds", _set("StoppingConditions", {"ModelLatencyThresholds": [
        {"Percentile": "P95", "ValueInMilliseconds": 100}, {"Percentile": "P95", "ValueInMilliseconds": 200}]}),
     "at 'stoppingConditions.modelLatencyThresholds' failed to satisfy constraint: Member must have length less "
     "than or equal to 1"),
    ("P99 in a custom load test", _set("StoppingConditions", {"ModelLatencyThresholds": [
        {"Percentile": "P99", "ValueInMilliseconds": 100}]}), "must be P95 for an Advanced job"),
    ("flat invocations", _set("StoppingConditions", {"FlatInvocations": "Pause"}),
     "at 'stoppingConditions.flatInvocations' failed to satisfy constraint"),
    ("instance type", _set("InputConfig.EndpointConfigurations", [{"InstanceType": "ml.m5.huge"}]),
     "at 'inputConfig.endpointConfigurations.1.member.instanceType' failed to satisfy constraint: Member must "
     "satisfy enum value set"),
    ("instance type and serverless", _set("InputConfig.EndpointConfigurations", [{
        "InstanceType": "ml.m5.xlarge", "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}]),
     "exactly one of InstanceType and ServerlessConfig"),
    ("serverless memory", _set("InputConfig.EndpointConfigurations", [
        {"ServerlessConfig": {"MemorySizeInMB": 1500, "MaxConcurrency": 5}}]), "MemorySizeInMB must be one of"),
    ("six parameter ranges", _set("InputConfig.EndpointConfigurations", [{
        "InstanceType": "ml.m5.xlarge", "EnvironmentParameterRanges": {"CategoricalParameterRanges": [
            {"Name": f"P{i}", "Value": ["1"]} for i in range(6)]}}]),
     "categoricalParameterRanges' failed to satisfy constraint: Member must have length less than or equal to 5"),
    ("missing endpoint", _set("InputConfig.Endpoints", [{"EndpointName": "no-such-endpoint"}]),
     "Could not find endpoint"),
    ("long description", _set("JobDescription", "d" * 129),
     "at 'jobDescription' failed to satisfy constraint: Member must have length less than or equal to 128"),
]


@pytest.mark.parametrize(("edit", "fragment"), [(e, f) for _, e, f in INVALID], ids=[i for i, _, _ in INVALID])
def test_create_is_checked_as_aws_checks_it(sm: BaseClient, edit: Edit, fragment: str) -> None:
    request = advanced_request(make_source_model(sm), [{"InstanceType": "ml.m5.xlarge"}])
    edit(request)
    expect_error(lambda: sm.create_inference_recommendations_job(**request), "ValidationException", fragment)


def test_the_server_checks_what_a_client_does_not(sandbox: Sandbox, sm: BaseClient) -> None:
    raw = unvalidated(sandbox)
    request = advanced_request(make_source_model(sm), [{"InstanceType": "ml.m5.xlarge"}])
    request["InputConfig"]["TrafficPattern"]["Phases"][0]["InitialNumberOfUsers"] = 0
    expect_error(lambda: raw.create_inference_recommendations_job(**request), "ValidationException",
                 "initialNumberOfUsers' failed to satisfy constraint: Member must have value greater than or equal "
                 "to 1")
    request = default_request(make_source_model(sm), StoppingConditions={"ModelLatencyThresholds": []})
    expect_error(lambda: raw.create_inference_recommendations_job(**request), "ValidationException",
                 "Member must have length greater than or equal to 1")


def test_a_default_job_may_use_p99_and_names_are_unique(sm: BaseClient) -> None:
    request = default_request(make_source_model(sm), StoppingConditions={
        "ModelLatencyThresholds": [{"Percentile": "P99", "ValueInMilliseconds": 100}]})
    create(sm, request)
    expect_error(lambda: sm.create_inference_recommendations_job(**request), "ResourceInUse", "already exists")
    for operation in (sm.describe_inference_recommendations_job, sm.stop_inference_recommendations_job,
                      sm.list_inference_recommendations_job_steps):
        expect_error(lambda op=operation: op(JobName=unique("missing")), "ResourceNotFound",  # type: ignore[misc]
                     "Could not find requested job with name")


# --- the status machine ---------------------------------------------------------------------------------


def test_a_default_job_is_pending_then_in_progress_then_completed_in_45_minutes(sandbox: Sandbox,
                                                                               sm: BaseClient) -> None:
    name = unique("ir")
    with frozen(sandbox):
        created = create(sm, default_request(make_source_model(sm), name, JobDescription="instance recommendation"))
        described = describe(sm, name)
        assert (described["Status"], described["JobType"], described["JobDescription"]) == (
            "PENDING", "Default", "instance recommendation")
        assert "CompletionTime" not in described and "InferenceRecommendations" not in described
        assert {s["Status"] for s in steps(sm, name)} == {"PENDING"}
        advance_to(sandbox, created, PENDING_SECONDS - 1)
        assert status(sm, name) == "PENDING"
        advance_to(sandbox, created, PENDING_SECONDS + 1)
        described = describe(sm, name)
        assert described["Status"] == "IN_PROGRESS"
        assert described["LastModifiedTime"] == created + timedelta(seconds=PENDING_SECONDS)
        assert {s["Status"] for s in steps(sm, name)} == {"IN_PROGRESS"}
        advance_to(sandbox, created, DEFAULT_TOTAL - 1)
        assert status(sm, name) == "IN_PROGRESS"
        advance_to(sandbox, created, DEFAULT_TOTAL + 1)
        described = describe(sm, name)
    assert DEFAULT_TOTAL == 45 * 60
    assert described["Status"] == "COMPLETED"
    assert described["CompletionTime"] == described["LastModifiedTime"] == created + timedelta(seconds=DEFAULT_TOTAL)
    assert len(described["InferenceRecommendations"]) == 5
    listed = steps(sm, name)
    assert {s["Status"] for s in listed} == {"COMPLETED"} and all("Metrics" in s["InferenceBenchmark"] for s in listed)
    assert {s["InferenceBenchmark"]["EndpointConfiguration"]["InstanceType"] for s in listed} == {
        r["EndpointConfiguration"]["InstanceType"] for r in described["InferenceRecommendations"]}


def test_transient_resources_exist_while_the_job_runs_and_not_after(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_source_model(sm)
    name = (unique("a-long-recommendation-job-name") + "-" + "x" * 64)[:64]
    request = default_request(model, name, Tags=OWNED)
    request["InputConfig"]["ContainerConfig"] = {"SupportedInstanceTypes": ["ml.c5.xlarge", "ml.m5.large"]}
    with frozen(sandbox):
        created = create(sm, request)
        assert transient(sm, name) == {"models": set(), "configs": set(), "endpoints": set()}
        advance_to(sandbox, created, PENDING_SECONDS + 1)
        during = transient(sm, name)
        names = during["endpoints"]
        assert len(names) == 2 and during == {"models": names, "configs": names, "endpoints": names}
        for endpoint in names:
            assert endpoint.startswith(name[:40] + "-") and len(endpoint) <= 63
            described = call(sm, "DescribeEndpoint", EndpointName=endpoint)
            assert described["EndpointStatus"] == "Creating"
            assert sm.list_tags(ResourceArn=described["EndpointArn"])["Tags"] == []
            config = call(sm, "DescribeEndpointConfig", EndpointConfigName=endpoint)
            assert sm.list_tags(ResourceArn=config["EndpointConfigArn"])["Tags"] == []
            [production] = config["ProductionVariants"]
            assert (production["ModelName"], production["InitialInstanceCount"]) == (endpoint, 1)
            described_model = sm.describe_model(ModelName=endpoint)
            assert sm.list_tags(ResourceArn=described_model["ModelArn"])["Tags"] == []
            assert described_model["ExecutionRoleArn"] == ROLE
            assert described_model["PrimaryContainer"]["Image"] == "img:1"
        types = {call(sm, "DescribeEndpointConfig", EndpointConfigName=e)["ProductionVariants"][0]["InstanceType"]
                 for e in names}
        assert types == {"ml.c5.xlarge", "ml.m5.large"}
        advance_to(sandbox, created, PENDING_SECONDS + SETUP_SECONDS + 1)
        assert {call(sm, "DescribeEndpoint", EndpointName=e)["EndpointStatus"] for e in names} == {"InService"}
        advance_to(sandbox, created, DEFAULT_TOTAL + 1)
        assert transient(sm, name) == {"models": set(), "configs": set(), "endpoints": set()}
    assert {r["EndpointConfiguration"]["EndpointName"] for r in recommended(sm, name)} == names
    expect_error(lambda: sm.describe_endpoint(EndpointName=sorted(names)[0]), "ValidationException",
                 "Could not find endpoint")
    assert sm.list_tags(ResourceArn=sm.describe_model(ModelName=model)["ModelArn"])["Tags"] == OWNED


def test_an_advanced_job_lasts_its_traffic_and_runs_max_parallel_tests_at_once(sandbox: Sandbox,
                                                                              sm: BaseClient) -> None:
    model = make_source_model(sm)
    configurations = [{"InstanceType": "ml.c5.xlarge"}, {"InstanceType": "ml.g4dn.xlarge"}]
    traffic = 120 + 240
    batch = SETUP_SECONDS + traffic
    together = run_to_end(sandbox, sm, advanced_request(model, configurations), PENDING_SECONDS + batch)
    assert together["Status"] == "COMPLETED"
    assert together["CompletionTime"] - together["CreationTime"] == timedelta(seconds=PENDING_SECONDS + batch)
    name = unique("ir")
    with frozen(sandbox):
        created = create(sm, advanced_request(model, configurations, name=name,
                                              input={"ResourceLimit": {"MaxParallelOfTests": 1}}))
        advance_to(sandbox, created, PENDING_SECONDS + 1)
        first = transient(sm, name)["endpoints"]
        assert len(first) == 1
        assert [s["Status"] for s in steps(sm, name)] == ["IN_PROGRESS", "PENDING"]
        advance_to(sandbox, created, PENDING_SECONDS + batch + 1)
        second = transient(sm, name)["endpoints"]
        assert len(second) == 1 and second != first
        assert [s["Status"] for s in steps(sm, name)] == ["COMPLETED", "IN_PROGRESS"]
        assert [s["Status"] for s in steps(sm, name, Status="COMPLETED")] == ["COMPLETED"]
        advance_to(sandbox, created, PENDING_SECONDS + 2 * batch - 1)
        assert status(sm, name) == "IN_PROGRESS"
        advance_to(sandbox, created, PENDING_SECONDS + 2 * batch + 1)
        described = describe(sm, name)
    assert described["Status"] == "COMPLETED"
    assert described["CompletionTime"] == created + timedelta(seconds=PENDING_SECONDS + 2 * batch)
    assert transient(sm, name)["endpoints"] == set()
    benchmarks = {r["EndpointConfiguration"]["InstanceType"]: r for r in described["InferenceRecommendations"]}
    assert set(benchmarks) == {"ml.c5.xlarge", "ml.g4dn.xlarge"}
    for recommendation in benchmarks.values():
        assert recommendation["Metrics"]["MaxInvocations"] == 60  # one user, a request a second
        span = recommendation["InvocationEndTime"] - recommendation["InvocationStartTime"]
        assert span == timedelta(seconds=traffic)


def test_stopping_conditions_and_job_duration_end_load_tests_early(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_source_model(sm)
    configurations = [{"InstanceType": "ml.m5.xlarge"}]
    capped = advanced_request(model, configurations, stopping={"MaxInvocations": 60, "FlatInvocations": "Continue"})
    ended = run_to_end(sandbox, sm, capped, PENDING_SECONDS + SETUP_SECONDS + 60)
    assert ended["Status"] == "COMPLETED"
    assert ended["CompletionTime"] - ended["CreationTime"] == timedelta(seconds=PENDING_SECONDS + SETUP_SECONDS + 60)
    latency = advanced_request(model, configurations, pattern={"Phases": [at(600, 3, 60)]},
                               stopping={"ModelLatencyThresholds": [{"Percentile": "P95", "ValueInMilliseconds": 1}]})
    ended = run_to_end(sandbox, sm, latency, PENDING_SECONDS + SETUP_SECONDS + 60)
    assert ended["Status"] == "COMPLETED"  # the first minute is over the threshold already
    assert ended["CompletionTime"] - ended["CreationTime"] == timedelta(seconds=PENDING_SECONDS + SETUP_SECONDS + 60)
    flat = advanced_request(model, configurations, pattern={"Phases": [at(3600, 3, 100)]}, stopping={})
    ended = run_to_end(sandbox, sm, flat, PENDING_SECONDS + SETUP_SECONDS + 3600)
    traffic = ended["InferenceRecommendations"][0]
    assert traffic["InvocationEndTime"] - traffic["InvocationStartTime"] < timedelta(seconds=3600)
    bounded = advanced_request(model, configurations, pattern={"Phases": [at(900), at(900)]},
                               input={"JobDurationInSeconds": 1000})
    ended = run_to_end(sandbox, sm, bounded, 1000)
    assert ended["Status"] == "COMPLETED"
    assert ended["CompletionTime"] - ended["CreationTime"] == timedelta(seconds=1000)
    short = advanced_request(model, configurations, pattern={"Phases": [at(120)]}, input={"JobDurationInSeconds": 200})
    ended = run_to_end(sandbox, sm, short, 200)
    assert ended["Status"] == "FAILED" and "JobDurationInSeconds (200 s)" in ended["FailureReason"]
    assert "InferenceRecommendations" not in ended


def test_stop_goes_stopping_then_stopped_and_removes_the_endpoints(sandbox: Sandbox, sm: BaseClient) -> None:
    name = unique("ir")
    with frozen(sandbox):
        created = create(sm, default_request(make_source_model(sm), name))
        advance_to(sandbox, created, PENDING_SECONDS + SETUP_SECONDS + 600)
        assert len(transient(sm, name)["endpoints"]) == 5
        call(sm, "StopInferenceRecommendationsJob", JobName=name)
        assert status(sm, name) == "STOPPING"
        call(sm, "StopInferenceRecommendationsJob", JobName=name)  # again while Stopping: nothing more
        assert {s["Status"] for s in steps(sm, name)} == {"STOPPING"}
        assert len(transient(sm, name)["endpoints"]) == 5
        control.advance_clock(sandbox.url, STOP_SECONDS + 1)
        described = describe(sm, name)
    assert described["Status"] == "STOPPED" and "CompletionTime" in described
    assert "InferenceRecommendations" not in described
    assert {s["Status"] for s in steps(sm, name)} == {"STOPPED"}
    assert transient(sm, name)["endpoints"] == set()
    expect_error(lambda: sm.stop_inference_recommendations_job(JobName=name), "ValidationException",
                 "because it is in status STOPPED")


def test_the_control_route_fails_the_next_job_a_named_one_or_a_running_one(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_source_model(sm)
    armed = control.fail_recommendation_job(sandbox.url, reason="No capacity for ml.g4dn.xlarge")
    assert armed["armed"] is True
    name = unique("ir")
    with frozen(sandbox):
        created = create(sm, default_request(model, name))
        advance_to(sandbox, created, PENDING_SECONDS + 1)
        assert status(sm, name) == "IN_PROGRESS" and len(transient(sm, name)["endpoints"]) == 5
        advance_to(sandbox, created, PENDING_SECONDS + FAILED_RUN_SECONDS + 1)
        described = describe(sm, name)
    assert (described["Status"], described["FailureReason"]) == ("FAILED", "No capacity for ml.g4dn.xlarge")
    assert described["CompletionTime"] == created + timedelta(seconds=PENDING_SECONDS + FAILED_RUN_SECONDS)
    assert transient(sm, name)["endpoints"] == set()
    assert {(s["Status"], s["InferenceBenchmark"]["FailureReason"]) for s in steps(sm, name)} == {
        ("FAILED", "No capacity for ml.g4dn.xlarge")}
    assert run_to_end(sandbox, sm, default_request(model), DEFAULT_TOTAL)["Status"] == "COMPLETED"  # once only

    later = unique("ir")
    control.fail_recommendation_job(sandbox.url, later)
    ended = run_to_end(sandbox, sm, default_request(model, later), PENDING_SECONDS + FAILED_RUN_SECONDS)
    assert (ended["Status"], ended["FailureReason"]) == ("FAILED", DEFAULT_RECOMMENDATION_FAILURE)

    running = unique("ir")
    with frozen(sandbox):
        created = create(sm, default_request(model, running))
        advance_to(sandbox, created, PENDING_SECONDS + 100)
        answer = control.fail_recommendation_job(sandbox.url, running, "Model container crashed")
        assert (answer["armed"], answer["status"]) == (False, "FAILED")
        described = describe(sm, running)
    assert (described["Status"], described["FailureReason"]) == ("FAILED", "Model container crashed")
    assert transient(sm, running)["endpoints"] == set()
    with pytest.raises(SandboxControlError) as refused:
        control.fail_recommendation_job(sandbox.url, running)
    assert refused.value.status == 400 and "is FAILED" in refused.value.message
    with pytest.raises(SandboxControlError) as refused:
        control.fail_recommendation_job(sandbox.url, reason="")
    assert refused.value.status == 400


# --- results ------------------------------------------------------------------------------------------


def test_the_same_input_gives_the_same_results(sandbox: Sandbox, sm: BaseClient) -> None:
    model, other = make_source_model(sm), make_source_model(sm)

    def figures(described: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        results = described["InferenceRecommendations"]
        return [(r["EndpointConfiguration"]["InstanceType"], r["Metrics"]) for r in results]

    first = figures(run_to_end(sandbox, sm, default_request(model), DEFAULT_TOTAL))
    again = figures(run_to_end(sandbox, sm, default_request(model), DEFAULT_TOTAL))
    different = figures(run_to_end(sandbox, sm, default_request(other), DEFAULT_TOTAL))
    assert first == again
    assert first != different and {t for t, _ in first} == {t for t, _ in different}
    costs = [metrics["CostPerInference"] for _, metrics in first]
    assert costs == sorted(costs)
    for instance_type, metrics in first:
        assert set(metrics) == {"CostPerHour", "CostPerInference", "MaxInvocations", "ModelLatency",
                                "CpuUtilization", "MemoryUtilization"}
        assert metrics["CostPerInference"] == pytest.approx(metrics["CostPerHour"] / (metrics["MaxInvocations"] * 60),
                                                            rel=1e-5)
        assert instance_type in {"ml.c5.xlarge", "ml.c6i.xlarge", "ml.m5.xlarge", "ml.r5.xlarge", "ml.g4dn.xlarge"}
    prices = dict((t, m["CostPerHour"]) for t, m in first)
    assert prices["ml.m5.xlarge"] == 0.23 and prices["ml.c5.xlarge"] == 0.204


def test_advanced_results_cover_each_configuration_and_parameter_combination(sandbox: Sandbox,
                                                                            sm: BaseClient) -> None:
    model = make_source_model(sm)
    configurations = [
        {"InstanceType": "ml.c5.xlarge", "EnvironmentParameterRanges": {"CategoricalParameterRanges": [
            {"Name": "OMP_NUM_THREADS", "Value": ["1", "2"]}, {"Name": "BATCH", "Value": ["4"]}]}},
        {"ServerlessConfig": {"MemorySizeInMB": 4096, "MaxConcurrency": 10}},
    ]
    pattern = {"TrafficType": "STAIRS", "Stairs": {"DurationInSeconds": 120, "NumberOfSteps": 2, "UsersPerStep": 2}}
    request = advanced_request(model, configurations, pattern)
    described = run_to_end(sandbox, sm, request, PENDING_SECONDS + SETUP_SECONDS + 240)
    assert described["Status"] == "COMPLETED"
    results = described["InferenceRecommendations"]
    assert len(results) == 3
    environments = sorted(
        tuple((p["Key"], p["Value"]) for p in r["ModelConfiguration"].get("EnvironmentParameters", [])) for r in results
    )
    assert environments == [(), (("OMP_NUM_THREADS", "1"), ("BATCH", "4")), (("OMP_NUM_THREADS", "2"), ("BATCH", "4"))]
    [serverless] = [r for r in results if "ServerlessConfig" in r["EndpointConfiguration"]]
    assert serverless["EndpointConfiguration"]["ServerlessConfig"] == {"MemorySizeInMB": 4096, "MaxConcurrency": 10}
    assert set(serverless["Metrics"]) == {"CostPerInference", "MaxInvocations", "ModelLatency", "ModelSetupTime"}
    assert all(r["Metrics"]["MaxInvocations"] == 240 for r in results)  # four users at the last step
    assert len({r["RecommendationId"] for r in results}) == 3
    assert "EndpointPerformances" not in described


def test_a_model_package_job_tests_its_supported_types_and_an_existing_endpoint(sandbox: Sandbox,
                                                                               sm: BaseClient) -> None:
    group = make_group(sm)
    specification = {**SPEC, "SupportedRealtimeInferenceInstanceTypes": ["ml.m5.large", "ml.c6i.2xlarge"]}
    package = call(sm, "CreateModelPackage", ModelPackageGroupName=group,
                   InferenceSpecification=specification)["ModelPackageArn"]
    unversioned = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{group.lower()}"
    request = default_request("unused")
    request["InputConfig"] = {"ModelPackageVersionArn": unversioned}
    expect_error(lambda: sm.create_inference_recommendations_job(**request), "ValidationException", "does not exist")
    endpoint = make_endpoint(sm, make_config(sm, [variant(make_source_model(sm), count=2)]))
    name = unique("ir")
    request = default_request("unused", name)
    request["InputConfig"] = {"ModelPackageVersionArn": package, "Endpoints": [{"EndpointName": endpoint}]}
    with frozen(sandbox):
        created = create(sm, request)
        advance_to(sandbox, created, PENDING_SECONDS + 1)
        [one, _] = sorted(transient(sm, name)["models"])
        assert sm.describe_model(ModelName=one)["Containers"][0]["ModelPackageName"] == package
        advance_to(sandbox, created, DEFAULT_TOTAL + 1)
        described = describe(sm, name)
    assert {r["EndpointConfiguration"]["InstanceType"] for r in described["InferenceRecommendations"]} == {
        "ml.m5.large", "ml.c6i.2xlarge"}
    [performance] = described["EndpointPerformances"]
    assert performance["EndpointInfo"] == {"EndpointName": endpoint}
    assert set(performance["Metrics"]) == {"MaxInvocations", "ModelLatency"}
    assert described["InputConfig"]["ModelPackageVersionArn"] == package
    listed = call(sm, "ListInferenceRecommendationsJobs", ModelPackageVersionArnEquals=package)
    assert [j["JobName"] for j in listed["InferenceRecommendationsJobs"]] == [name]


# --- lists and tags -----------------------------------------------------------------------------------


def test_list_filters_sorts_and_pages(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_source_model(sm)
    marker = unique("irlist")
    names = [f"{marker}-{letter}" for letter in ("b", "a", "c")]

    def listed(**filters: Any) -> list[str]:
        answer = call(sm, "ListInferenceRecommendationsJobs", NameContains=marker, **filters)
        return [job["JobName"] for job in answer["InferenceRecommendationsJobs"]]

    with frozen(sandbox):
        for name in names:
            create(sm, default_request(model, name))
            control.advance_clock(sandbox.url, 1)
        call(sm, "StopInferenceRecommendationsJob", JobName=names[2])
        check_lists(sm, model, marker, names, listed)


def check_lists(sm: BaseClient, model: str, marker: str, names: list[str], listed: Callable[..., list[str]]) -> None:
    assert listed() == names[::-1]  # CreationTime, Descending
    assert listed(SortBy="Name", SortOrder="Ascending") == sorted(names)
    assert listed(StatusEquals="STOPPING") == [names[2]]
    assert listed(ModelNameEquals=model, SortBy="CreationTime", SortOrder="Ascending") == names
    assert listed(ModelNameEquals="another-model") == []
    first = call(sm, "ListInferenceRecommendationsJobs", NameContains=marker, MaxResults=2)
    assert len(first["InferenceRecommendationsJobs"]) == 2 and "NextToken" in first
    rest = call(sm, "ListInferenceRecommendationsJobs", NameContains=marker, MaxResults=2, NextToken=first["NextToken"])
    assert len(rest["InferenceRecommendationsJobs"]) == 1 and "NextToken" not in rest
    pages = sm.get_paginator("list_inference_recommendations_jobs").paginate(
        NameContains=marker, PaginationConfig={"PageSize": 1})
    assert [job["JobName"] for page in pages for job in page["InferenceRecommendationsJobs"]] == names[::-1]
    summary = call(sm, "ListInferenceRecommendationsJobs", NameContains=names[0])["InferenceRecommendationsJobs"][0]
    assert (summary["JobDescription"], summary["ModelName"], summary["Status"]) == ("", model, "PENDING")
    expect_error(lambda: sm.list_inference_recommendations_jobs(StatusEquals="Running"), "ValidationException",
                 "at 'statusEquals' failed to satisfy constraint")
    assert len(steps(sm, names[0])) == 5
    page = call(sm, "ListInferenceRecommendationsJobSteps", JobName=names[0], MaxResults=2)
    assert len(page["Steps"]) == 2 and page["NextToken"]
    assert steps(sm, names[0], StepType="BENCHMARK", Status="COMPLETED") == []


def test_tags_on_the_job_arn_and_get_resources(sm: BaseClient, tagging: BaseClient) -> None:
    name = unique("ir")
    request = default_request(make_source_model(sm), name, Tags=[{"Key": "team", "Value": "ml"}])
    create(sm, request)
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:inference-recommendations-job/{name}"
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "mlops"}, {"Key": "cost", "Value": "42"}])
    assert sorted((t["Key"], t["Value"]) for t in sm.list_tags(ResourceArn=arn)["Tags"]) == [
        ("cost", "42"), ("team", "mlops")]
    sm.delete_tags(ResourceArn=arn, TagKeys=["cost"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "mlops"}]
    found = tagging.get_resources(ResourceTypeFilters=["sagemaker:inference-recommendations-job"],
                                  TagFilters=[{"Key": "team", "Values": ["mlops"]}])["ResourceTagMappingList"]
    assert arn in {r["ResourceARN"] for r in found}
    everything = tagging.get_resources(ResourceTypeFilters=["sagemaker"])["ResourceTagMappingList"]
    assert arn in {r["ResourceARN"] for r in everything}
    models = tagging.get_resources(ResourceTypeFilters=["sagemaker:model"])["ResourceTagMappingList"]
    assert arn not in {r["ResourceARN"] for r in models}
    expect_error(lambda: sm.list_tags(ResourceArn=arn + "-nope"), "ValidationException", "Could not find resource")


def test_reset_forgets_jobs(sandbox: Sandbox, sm: BaseClient) -> None:
    name = unique("ir")
    create(sm, default_request(make_source_model(sm), name))
    control.reset(sandbox.url)
    expect_error(lambda: sm.describe_inference_recommendations_job(JobName=name), "ResourceNotFound")
