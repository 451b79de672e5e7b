"""Contract tests for inference experiments (shadow tests) in the sandbox (over HTTP, boto3).

The clock runs at wall speed and ``control.advance_clock`` jumps it, so every
status of an experiment (and of the endpoint it changes) is observed exactly.
Every response is validated against botocore's output shape.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from reconciler.sandbox import Sandbox, control
from reconciler.sandbox.lifecycle import UPDATE_SECONDS
from tests.sandbox.test_guardrails import frozen
from tests.sandbox.test_sagemaker import (
    ROLE,
    assert_valid,
    expect_validation,
    make_config,
    make_endpoint,
    make_model,
    sandbox,
    sm,
    unique,
    variant,
    variants_by_name,
)

__all__ = ["sandbox", "sm"]  # fixtures used by name below

CREATE_SECONDS = 60


def infra(count: int = 1, instance_type: str = "ml.m5.large") -> dict[str, Any]:
    return {
        "InfrastructureType": "RealTimeInference",
        "RealTimeInferenceConfig": {"InstanceType": instance_type, "InstanceCount": count},
    }


def setup(sm: BaseClient) -> tuple[str, str, str]:
    """An InService endpoint with production variant "prod" (model A) and a model B to shadow it."""
    production, candidate = make_model(sm), make_model(sm)
    endpoint = make_endpoint(sm, make_config(sm, [variant(production, "prod", 2)]))
    return endpoint, production, candidate


def create(sm: BaseClient, endpoint: str, production: str, candidate: str, **extra: Any) -> str:
    name = extra.pop("Name", None) or unique("experiment")
    answer = sm.create_inference_experiment(
        Name=name,
        Type="ShadowMode",
        RoleArn=ROLE,
        EndpointName=endpoint,
        ModelVariants=[
            {"ModelName": production, "VariantName": "prod", "InfrastructureConfig": infra(2)},
            {"ModelName": candidate, "VariantName": "shadow", "InfrastructureConfig": infra(1, "ml.c5.xlarge")},
        ],
        ShadowModeConfig={
            "SourceModelVariantName": "prod",
            "ShadowModelVariants": [{"ShadowModelVariantName": "shadow", "SamplingPercentage": 30}],
        },
        **extra,
    )
    assert_valid(sm, "CreateInferenceExperiment", answer)
    assert answer["InferenceExperimentArn"].endswith(f":inference-experiment/{name}")
    return name


def described(sm: BaseClient, name: str) -> dict[str, Any]:
    answer = sm.describe_inference_experiment(Name=name)
    assert_valid(sm, "DescribeInferenceExperiment", answer)
    return answer


def statuses(answer: dict[str, Any]) -> tuple[str, dict[str, str]]:
    return answer["Status"], {v["VariantName"]: v["Status"] for v in answer["ModelVariants"]}


def sandbox_now(sb: Sandbox) -> datetime:
    return datetime.fromisoformat(control.get_clock(sb.url)["now"])


def expect_error(call: Any, code: str, fragment: str = "") -> None:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    assert error["Code"] == code, error
    assert fragment in error["Message"], error["Message"]


# --- the lifecycle and the endpoint ----------------------------------------------------------------------


def test_experiment_runs_a_shadow_and_promotes_it(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint, production, candidate = setup(sm)
    with frozen(sandbox):
        name = create(sm, endpoint, production, candidate, Description="B against A", Tags=[{"Key": "t", "Value": "1"}])
        first = described(sm, name)
        assert statuses(first) == ("Creating", {"prod": "InService", "shadow": "Creating"})
        assert first["EndpointMetadata"]["EndpointStatus"] == "InService"
        assert first["Schedule"]["EndTime"] - first["Schedule"]["StartTime"] == timedelta(days=7)
        control.advance_clock(sandbox.url, CREATE_SECONDS + 1)
        starting = described(sm, name)
        assert starting["Status"] == "Starting"
        assert starting["EndpointMetadata"]["EndpointStatus"] == "Updating"
        pending = sm.describe_endpoint(EndpointName=endpoint)["PendingDeploymentSummary"]
        service_config = pending["EndpointConfigName"]
        assert service_config.startswith(f"{endpoint}-ie-")
        control.advance_clock(sandbox.url, UPDATE_SECONDS)
        running = described(sm, name)
        assert statuses(running) == ("Running", {"prod": "InService", "shadow": "InService"})
        assert running["EndpointMetadata"]["EndpointConfigName"] == service_config
        live = sm.describe_endpoint(EndpointName=endpoint)
        assert live["EndpointConfigName"] == service_config
        assert [(v["VariantName"], v["DesiredWeight"]) for v in live["ShadowProductionVariants"]] == [("shadow", 0.3)]
        config = sm.describe_endpoint_config(EndpointConfigName=service_config)
        assert [v["ModelName"] for v in config["ProductionVariants"]] == [production]
        assert [(v["ModelName"], v["InstanceType"]) for v in config["ShadowProductionVariants"]] == [
            (candidate, "ml.c5.xlarge")
        ]
        assert sm.list_tags(ResourceArn=running["Arn"])["Tags"] == [{"Key": "t", "Value": "1"}]
        answer = sm.stop_inference_experiment(
            Name=name,
            ModelVariantActions={"prod": "Remove", "shadow": "Promote"},
            DesiredModelVariants=[{"ModelName": candidate, "VariantName": "shadow", "InfrastructureConfig": infra(3)}],
            Reason="B is better",
        )
        assert_valid(sm, "StopInferenceExperiment", answer)
        assert statuses(described(sm, name)) == ("Stopping", {"prod": "Deleting", "shadow": "Updating"})
        control.advance_clock(sandbox.url, UPDATE_SECONDS + 1)
        done = described(sm, name)
        live = sm.describe_endpoint(EndpointName=endpoint)
    assert statuses(done) == ("Completed", {"prod": "Deleted", "shadow": "InService"})
    assert done["StatusReason"] == "B is better" and done["CompletionTime"] >= done["CreationTime"]
    assert "ShadowProductionVariants" not in live
    assert variants_by_name(live)["prod"]["DesiredInstanceCount"] == 3
    final = sm.describe_endpoint_config(EndpointConfigName=live["EndpointConfigName"])["ProductionVariants"]
    assert [(v["VariantName"], v["ModelName"], v["InitialInstanceCount"]) for v in final] == [("prod", candidate, 3)]


def test_stop_can_remove_or_retain_the_shadow(sandbox: Sandbox, sm: BaseClient) -> None:
    removed, retained = setup(sm), setup(sm)
    with frozen(sandbox):
        names = [create(sm, *removed), create(sm, *retained)]
        control.advance_clock(sandbox.url, CREATE_SECONDS + UPDATE_SECONDS + 1)
        assert [described(sm, n)["Status"] for n in names] == ["Running", "Running"]
        sm.stop_inference_experiment(Name=names[0], ModelVariantActions={"shadow": "Remove"})
        sm.stop_inference_experiment(
            Name=names[1], ModelVariantActions={"prod": "Retain", "shadow": "Retain"}, DesiredState="Cancelled"
        )
        control.advance_clock(sandbox.url, 31)  # retaining everything changes nothing on the endpoint
        assert statuses(described(sm, names[1])) == ("Cancelled", {"prod": "InService", "shadow": "InService"})
        assert statuses(described(sm, names[0])) == ("Stopping", {"prod": "InService", "shadow": "Deleting"})
        control.advance_clock(sandbox.url, UPDATE_SECONDS)
        assert statuses(described(sm, names[0])) == ("Completed", {"prod": "InService", "shadow": "Deleted"})
        without, with_shadow = (sm.describe_endpoint(EndpointName=e[0]) for e in (removed, retained))
    assert "ShadowProductionVariants" not in without
    assert [
        v["ModelName"]
        for v in sm.describe_endpoint_config(EndpointConfigName=without["EndpointConfigName"])["ProductionVariants"]
    ] == [removed[1]]
    assert [v["VariantName"] for v in with_shadow["ShadowProductionVariants"]] == ["shadow"]


def test_schedule_starts_and_ends_the_experiment(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint, production, candidate = setup(sm)
    with frozen(sandbox):
        begin = sandbox_now(sandbox) + timedelta(hours=1)
        end = begin + timedelta(hours=1)
        name = create(sm, endpoint, production, candidate, Schedule={"StartTime": begin, "EndTime": end})
        control.advance_clock(sandbox.url, CREATE_SECONDS + 1)
        assert described(sm, name)["Status"] == "Created"
        sm.update_inference_experiment(Name=name, Schedule={"StartTime": begin, "EndTime": end + timedelta(hours=1)})
        end += timedelta(hours=1)
        answer = sm.start_inference_experiment(Name=name)
        assert_valid(sm, "StartInferenceExperiment", answer)
        control.advance_clock(sandbox.url, UPDATE_SECONDS + 60)
        assert described(sm, name)["Status"] == "Starting"  # deployed, waiting for the schedule
        control.advance_clock(sandbox.url, (begin - sandbox_now(sandbox)).total_seconds() + 1)
        assert described(sm, name)["Status"] == "Running"
        expect_validation(
            lambda: sm.update_inference_experiment(Name=name, Schedule={"StartTime": begin + timedelta(minutes=5)}),
            "cannot change; only its end can",
        )
        control.advance_clock(sandbox.url, (end - sandbox_now(sandbox)).total_seconds() + 1)
        assert described(sm, name)["Status"] == "Stopping"
        control.advance_clock(sandbox.url, UPDATE_SECONDS)
        done = described(sm, name)
    assert done["Status"] == "Completed"
    assert done["StatusReason"] == "The inference experiment reached the end of its schedule."
    assert "ShadowProductionVariants" not in sm.describe_endpoint(EndpointName=endpoint)


def test_a_running_experiment_changes_sampling_and_infrastructure_but_not_its_models(
    sandbox: Sandbox, sm: BaseClient
) -> None:
    endpoint, production, candidate = setup(sm)
    with frozen(sandbox):
        name = create(sm, endpoint, production, candidate)
        control.advance_clock(sandbox.url, CREATE_SECONDS + 1)
        control.advance_clock(sandbox.url, UPDATE_SECONDS)
        assert described(sm, name)["Status"] == "Running"
        sm.update_inference_experiment(
            Name=name,
            ShadowModeConfig={
                "SourceModelVariantName": "prod",
                "ShadowModelVariants": [{"ShadowModelVariantName": "shadow", "SamplingPercentage": 60}],
            },
        )
        assert described(sm, name)["Status"] == "Updating"
        control.advance_clock(sandbox.url, UPDATE_SECONDS)
        assert described(sm, name)["Status"] == "Running"
        live = sm.describe_endpoint(EndpointName=endpoint)
        assert [(v["VariantName"], v["DesiredWeight"]) for v in live["ShadowProductionVariants"]] == [("shadow", 0.6)]
        expect_validation(
            lambda: sm.update_inference_experiment(
                Name=name,
                ModelVariants=[{"ModelName": production, "VariantName": "shadow", "InfrastructureConfig": infra()}],
            ),
            "only their infrastructure can",
        )


def test_a_failed_endpoint_update_cancels_the_experiment(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint, production, candidate = setup(sm)
    original = sm.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
    control.fail_next_update(sandbox.url, endpoint, reason="Shadow container failed the ping health check")
    with frozen(sandbox):
        name = create(sm, endpoint, production, candidate)
        control.advance_clock(sandbox.url, CREATE_SECONDS + UPDATE_SECONDS + 1)
        done = described(sm, name)
    assert done["Status"] == "Cancelled"
    assert "Shadow container failed the ping health check" in done["StatusReason"]
    assert done["EndpointMetadata"]["EndpointConfigName"] == original


# --- list, delete and errors --------------------------------------------------------------------------


def test_list_filters_sorts_and_pages(sandbox: Sandbox, sm: BaseClient) -> None:
    marker = unique("listing")
    names = []
    setups = [setup(sm) for _ in range(3)]
    with frozen(sandbox):
        for endpoint, production, candidate in setups:
            names.append(create(sm, endpoint, production, candidate, Name=f"{marker}-{len(names)}", Description="x"))
            control.advance_clock(sandbox.url, 1)
        first = sm.list_inference_experiments(
            NameContains=marker, SortBy="Name", SortOrder="Ascending", MaxResults=2
        )
        assert_valid(sm, "ListInferenceExperiments", first)
        rest = sm.list_inference_experiments(
            NameContains=marker, SortBy="Name", SortOrder="Ascending", MaxResults=2, NextToken=first["NextToken"]
        )
        listed = [e["Name"] for e in first["InferenceExperiments"] + rest["InferenceExperiments"]]
        newest = sm.list_inference_experiments(StatusEquals="Creating")["InferenceExperiments"]
    assert listed == sorted(names) and "NextToken" not in rest
    assert [e["Name"] for e in newest if e["Name"] in names] == names[::-1]  # CreationTime, Descending
    assert {e["Description"] for e in newest if e["Name"] in names} == {"x"}


def test_missing_duplicate_and_busy_experiments(sandbox: Sandbox, sm: BaseClient) -> None:
    expect_error(lambda: sm.describe_inference_experiment(Name="no-such-experiment"), "ResourceNotFound")
    expect_error(
        lambda: sm.stop_inference_experiment(Name="no-such", ModelVariantActions={"a": "Remove"}), "ResourceNotFound"
    )
    endpoint, production, candidate = setup(sm)
    with frozen(sandbox):
        name = create(sm, endpoint, production, candidate)
        expect_error(
            lambda: sm.create_inference_experiment(
                Name=name,
                Type="ShadowMode",
                RoleArn=ROLE,
                EndpointName=endpoint,
                ModelVariants=[{"ModelName": production, "VariantName": "prod", "InfrastructureConfig": infra()}],
                ShadowModeConfig={
                    "SourceModelVariantName": "prod",
                    "ShadowModelVariants": [{"ShadowModelVariantName": "shadow", "SamplingPercentage": 30}],
                },
            ),
            "ResourceInUse",
            "already exists",
        )
        expect_error(
            lambda: create(sm, endpoint, production, candidate), "ResourceInUse", "active inference experiment"
        )
        expect_error(lambda: sm.start_inference_experiment(Name=name), "ConflictException", "in status Creating")
        control.advance_clock(sandbox.url, CREATE_SECONDS + UPDATE_SECONDS + 1)
        expect_error(lambda: sm.delete_inference_experiment(Name=name), "ConflictException", "stop it first")
        expect_validation(
            lambda: sm.stop_inference_experiment(Name=name, ModelVariantActions={"prod": "Promote"}),
            'Only the shadow variant "shadow" can be promoted',
        )
        expect_validation(
            lambda: sm.stop_inference_experiment(Name=name, ModelVariantActions={"prod": "Remove"}),
            "can only be removed when the shadow variant",
        )
        sm.stop_inference_experiment(Name=name, ModelVariantActions={"shadow": "Retain"})
        expect_error(
            lambda: sm.stop_inference_experiment(Name=name, ModelVariantActions={"shadow": "Remove"}),
            "ConflictException",
        )
        control.advance_clock(sandbox.url, 31)
        answer = sm.delete_inference_experiment(Name=name)
    assert_valid(sm, "DeleteInferenceExperiment", answer)
    expect_error(lambda: sm.describe_inference_experiment(Name=name), "ResourceNotFound")


def test_requests_sagemaker_rejects(sm: BaseClient) -> None:
    endpoint, production, candidate = setup(sm)
    expect_validation(lambda: create(sm, "no-such-endpoint", production, candidate), "Could not find endpoint")
    expect_validation(lambda: create(sm, endpoint, production, "no-such-model"), "Could not find model")
    expect_validation(
        lambda: create(
            sm,
            endpoint,
            production,
            candidate,
            Schedule={"StartTime": datetime(2030, 1, 1), "EndTime": datetime(2030, 3, 1)},
        ),
        "at most 30 days",
    )
    serverless = {
        "VariantName": "prod",
        "ModelName": production,
        "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
    }
    on_serverless = make_endpoint(sm, make_config(sm, [serverless]))
    expect_validation(lambda: create(sm, on_serverless, production, candidate), "not supported for serverless")
    with pytest.raises(ClientError) as raised:
        sm.create_inference_experiment(
            Name=unique("experiment"),
            Type="ShadowMode",
            RoleArn=ROLE,
            EndpointName=endpoint,
            ModelVariants=[{"ModelName": production, "VariantName": "prod", "InfrastructureConfig": infra()}],
            ShadowModeConfig={
                "SourceModelVariantName": "prod",
                "ShadowModelVariants": [{"ShadowModelVariantName": "missing", "SamplingPercentage": 30}],
            },
        )
    assert 'ShadowModelVariantName "missing"' in raised.value.response["Error"]["Message"]
