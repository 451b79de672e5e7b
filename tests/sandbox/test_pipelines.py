"""Contract tests for SageMaker Pipelines in the sandbox (over HTTP, boto3): definitions, versions, executions.

Tests that watch an execution run the clock at wall speed (``frozen``) and jump it with
``advance_to``, so every step is seen at an exact second of sandbox time. Responses are validated
against botocore's output shapes (``call``). ``definition()`` is the processing -> training ->
evaluation -> condition -> register pipeline the registry tests use too.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from reconciler.sandbox import Sandbox, control
from reconciler.sandbox.control import SandboxControlError
from reconciler.sandbox.pipeline_model import MAX_DEFINITION_CHARS, STARTING_SECONDS, STEP_FAILURE, STOP_SECONDS
from tests.sandbox.test_experiments import expect_error
from tests.sandbox.test_guardrails import advance_to, frozen
from tests.sandbox.test_monitoring import call
from tests.sandbox.test_sagemaker import ACCOUNT, REGION, ROLE, sandbox, sm, tagging, unique

__all__ = ["sandbox", "sm", "tagging"]  # fixtures used by name below

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
# sandbox seconds after the start of an execution of definition(): when each step starts and ends
PREPROCESS, TRAIN, EVALUATE, CHECK, REGISTER = (0, 300), (300, 900), (900, 1200), (1200, 1220), (1220, 1280)
DONE = REGISTER[1]


# --- helpers ------------------------------------------------------------------------------------------


def processing(name: str, inputs: list[dict[str, Any]], output: str, **extra: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "Type": "Processing",
        "Arguments": {
            "ProcessingResources": {"ClusterConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                                                      "VolumeSizeInGB": 30}},
            "AppSpecification": {"ImageUri": IMAGE},
            "RoleArn": ROLE,
            "ProcessingInputs": inputs,
            "ProcessingOutputConfig": {"Outputs": [
                {"OutputName": output, "S3Output": {"S3Uri": f"s3://bucket/{name}/{output}",
                                                    "LocalPath": f"/opt/ml/processing/{output}",
                                                    "S3UploadMode": "EndOfJob"}},
            ]},
        },
        **extra,
    }


def s3_input(name: str, uri: Any) -> dict[str, Any]:
    return {"InputName": name, "S3Input": {"S3Uri": uri, "LocalPath": f"/opt/ml/processing/{name}",
                                           "S3DataType": "S3Prefix", "S3InputMode": "File"}}


def definition(group: str = "churn", conditions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Preprocess -> Train -> Evaluate -> CheckAccuracy -> Register (into ``group``) | AccuracyTooLow."""
    model = {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}
    default_conditions = [{
        "Type": "GreaterThanOrEqualTo",
        "LeftValue": {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"},
                                      "Path": "metrics.accuracy.value"}},
        "RightValue": {"Get": "Parameters.MinAccuracy"},
    }]
    return {
        "Version": "2020-12-01",
        "Parameters": [
            {"Name": "InputData", "Type": "String", "DefaultValue": "s3://bucket/raw/"},
            {"Name": "MinAccuracy", "Type": "Float", "DefaultValue": 0.8},
            {"Name": "Epochs", "Type": "Integer", "DefaultValue": 10},
            {"Name": "Approval", "Type": "String", "DefaultValue": "PendingManualApproval"},
        ],
        "Steps": [
            processing("Preprocess", [s3_input("raw", {"Get": "Parameters.InputData"})], "train"),
            {
                "Name": "Train",
                "Type": "Training",
                "Arguments": {
                    "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
                    "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": {"Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"},
                    }}}],
                    "OutputDataConfig": {"S3OutputPath": "s3://bucket/models"},
                    "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
                    "RoleArn": ROLE,
                    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
                },
            },
            processing(
                "Evaluate",
                [s3_input("model", model),
                 s3_input("test", {"Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"})],
                "evaluation",
                PropertyFiles=[{"PropertyFileName": "EvaluationReport", "OutputName": "evaluation",
                                "FilePath": "evaluation.json"}],
            ),
            {
                "Name": "CheckAccuracy",
                "Type": "Condition",
                "Arguments": {
                    "Conditions": conditions if conditions is not None else default_conditions,
                    "IfSteps": [{
                        "Name": "Register",
                        "Type": "RegisterModel",
                        "Arguments": {
                            "ModelPackageGroupName": group,
                            "ModelApprovalStatus": {"Get": "Parameters.Approval"},
                            "InferenceSpecification": {
                                "Containers": [{"Image": IMAGE, "ModelDataUrl": model}],
                                "SupportedContentTypes": ["text/csv"],
                                "SupportedResponseMIMETypes": ["text/csv"],
                            },
                        },
                    }],
                    "ElseSteps": [{"Name": "AccuracyTooLow", "Type": "Fail",
                                   "Arguments": {"ErrorMessage": {"Std:Join": {
                                       "On": " ", "Values": ["accuracy below", {"Get": "Parameters.MinAccuracy"}]}}}}],
                },
            },
        ],
    }


def make_pipeline(sm: BaseClient, document: dict[str, Any] | None = None, **extra: Any) -> str:
    name = extra.pop("PipelineName", None) or unique("pipeline")
    text = extra.pop("PipelineDefinition", None) or json.dumps(document if document is not None else definition())
    answer = call(sm, "CreatePipeline", PipelineName=name, PipelineDefinition=text, RoleArn=ROLE, **extra)
    assert answer["PipelineArn"] == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{name}"
    return name


def start(sm: BaseClient, pipeline: str, **extra: Any) -> tuple[str, datetime]:
    """Start an execution; its ARN and start time."""
    arn = call(sm, "StartPipelineExecution", PipelineName=pipeline, **extra)["PipelineExecutionArn"]
    return arn, execution(sm, arn)["CreationTime"]


def execution(sm: BaseClient, arn: str) -> dict[str, Any]:
    return call(sm, "DescribePipelineExecution", PipelineExecutionArn=arn)


def status(sm: BaseClient, arn: str) -> str:
    return str(execution(sm, arn)["PipelineExecutionStatus"])


def steps(sm: BaseClient, arn: str) -> dict[str, dict[str, Any]]:
    """The execution's steps that started, by name."""
    answer = call(sm, "ListPipelineExecutionSteps", PipelineExecutionArn=arn, MaxResults=100)
    return {step["StepName"]: step for step in answer["PipelineExecutionSteps"]}


def statuses(sm: BaseClient, arn: str) -> dict[str, str]:
    return {name: step["StepStatus"] for name, step in steps(sm, arn).items()}


def seconds(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()


# --- definitions and versions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "Unable to parse pipeline definition. Invalid JSON"),
        ("[1, 2]", "Expecting start of Json Object"),
        (json.dumps({"Steps": []}), "Missing required member 'Version'"),
        (json.dumps({"Version": "2020-12-01"}), "Missing required member 'Steps'"),
        (json.dumps({"Version": "2020-12-01", "Steps": {"Name": "A"}}), "Expecting start of Json Array at 'Steps'"),
        (json.dumps({"Version": "2020-12-01", "Steps": [{"Type": "Processing"}]}), "Missing required member 'Name'"),
        (json.dumps({"Version": "2020-12-01", "Steps": [{"Name": "A"}]}), "Missing required member 'Type' of step"),
        (json.dumps({"Version": "2020-12-01", "Steps": [{"Name": "A", "Type": "Fail"}, {"Name": "A", "Type": "Fail"}]}),
         "Step name 'A' is used more than once"),
        (json.dumps({"Version": "2020-12-01", "Steps": [{"Name": "C", "Type": "Condition", "Arguments": {
            "Conditions": [], "IfSteps": [{"Name": "C", "Type": "Fail"}]}}]}), "Step name 'C' is used more than once"),
        (json.dumps({"Version": "2020-12-01", "Steps": [{"Name": "A", "Type": "Fail", "DependsOn": ["B"]},
                                                        {"Name": "B", "Type": "Fail", "DependsOn": ["A"]}]}),
         "dependencies form a cycle: A -> B -> A"),
        (json.dumps({"Version": "2020-12-01", "Parameters": [{"Name": "P", "Type": "Date"}], "Steps": []}),
         "Type 'Date' of parameter 'P'"),
        ("{" + " " * MAX_DEFINITION_CHARS + "}", "Member must have length less than or equal to 1048576"),
    ],
)
def test_bad_definitions_are_rejected(sm: BaseClient, text: str, fragment: str) -> None:
    name = unique("badpipe")
    expect_error(lambda: sm.create_pipeline(PipelineName=name, PipelineDefinition=text, RoleArn=ROLE),
                 "ValidationException", fragment)
    expect_error(lambda: sm.describe_pipeline(PipelineName=name), "ResourceNotFound", "does not exist")
    good = make_pipeline(sm)
    expect_error(lambda: sm.update_pipeline(PipelineName=good, PipelineDefinition=text), "ValidationException",
                 fragment)
    assert call(sm, "DescribePipeline", PipelineName=good)["PipelineDefinition"] == json.dumps(definition())


def test_definition_kept_exactly_and_update_makes_a_version(sandbox: Sandbox, sm: BaseClient) -> None:
    text = json.dumps(definition(), indent=3)  # whitespace and key order are the caller's
    with frozen(sandbox):
        name = make_pipeline(sm, PipelineDefinition=text, PipelineDisplayName="Churn-training",
                             PipelineDescription="first", ParallelismConfiguration={"MaxParallelExecutionSteps": 2})
        first = call(sm, "DescribePipeline", PipelineName=name)
        assert first["PipelineDefinition"] == text
        assert first["PipelineStatus"] == "Active"
        assert (first["PipelineName"], first["PipelineDisplayName"], first["PipelineDescription"]) == (
            name, "Churn-training", "first")
        assert first["RoleArn"] == ROLE
        assert first["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 2}
        assert first["LastModifiedTime"] == first["CreationTime"]
        assert "LastRunTime" not in first
        control.advance_clock(sandbox.url, 60)
        changed = definition(group="other")
        role = f"arn:aws:iam::{ACCOUNT}:role/Other"
        answer = call(sm, "UpdatePipeline", PipelineName=name, PipelineDefinition=json.dumps(changed), RoleArn=role,
                      PipelineDescription="second", ParallelismConfiguration={"MaxParallelExecutionSteps": 5})
        assert answer["PipelineVersionId"] == 2
        second = call(sm, "DescribePipeline", PipelineName=name)
        assert json.loads(second["PipelineDefinition"]) == changed
        assert seconds(second["LastModifiedTime"], first["LastModifiedTime"]) >= 60
        assert second["CreationTime"] == first["CreationTime"]
        assert (second["RoleArn"], second["PipelineDescription"]) == (role, "second")
        assert second["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 5}
        assert second["PipelineDisplayName"] == "Churn-training"  # not given: kept
        # an update without a definition is a new version too, with the same definition
        control.advance_clock(sandbox.url, 1)
        assert call(sm, "UpdatePipeline", PipelineName=name, PipelineDisplayName="renamed")["PipelineVersionId"] == 3
        third = call(sm, "DescribePipeline", PipelineName=name)
        assert third["PipelineDefinition"] == second["PipelineDefinition"]
        assert third["LastModifiedTime"] > second["LastModifiedTime"]
        assert call(sm, "DescribePipeline", PipelineName=name, PipelineVersionId=1)["PipelineDefinition"] == text
    arn = first["PipelineArn"]
    assert call(sm, "DescribePipeline", PipelineName=arn)["PipelineName"] == name  # by ARN too
    listed = {p["PipelineName"]: p for p in call(sm, "ListPipelines", MaxResults=100)["PipelineSummaries"]}
    assert listed[name]["PipelineDisplayName"] == "renamed"


def test_pipeline_errors(sm: BaseClient) -> None:
    name = make_pipeline(sm)
    expect_error(lambda: make_pipeline(sm, PipelineName=name), "ValidationException",
                 f"Pipeline with name ({name}) already exists")
    expect_error(lambda: sm.create_pipeline(PipelineName="bad_name", PipelineDefinition="{}", RoleArn=ROLE),
                 "ValidationException", "failed to satisfy constraint")
    expect_error(lambda: sm.create_pipeline(PipelineName=unique("p"), RoleArn=ROLE), "ValidationException",
                 "PipelineDefinition")
    for operation in (lambda: sm.describe_pipeline(PipelineName="nope"),
                      lambda: sm.update_pipeline(PipelineName="nope", PipelineDescription="x"),
                      lambda: sm.delete_pipeline(PipelineName="nope"),
                      lambda: sm.start_pipeline_execution(PipelineName="nope"),
                      lambda: sm.list_pipeline_executions(PipelineName="nope")):
        expect_error(operation, "ResourceNotFound", "does not exist")
    missing = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{name}/execution/nope"
    expect_error(lambda: sm.describe_pipeline_execution(PipelineExecutionArn=missing), "ResourceNotFound", missing)
    expect_error(lambda: sm.describe_pipeline(PipelineName=name, PipelineVersionId=9), "ResourceNotFound",
                 "version 9")


def test_definition_from_s3(sandbox: Sandbox, sm: BaseClient) -> None:
    from tests.sandbox.test_sagemaker import _client

    s3 = _client(sandbox, "s3")
    bucket = unique("definitions")
    text = json.dumps(definition(), indent=1)
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="pipeline.json", Body=text.encode())
    name = unique("s3pipe")
    sm.create_pipeline(PipelineName=name, RoleArn=ROLE,
                       PipelineDefinitionS3Location={"Bucket": bucket, "ObjectKey": "pipeline.json"})
    assert call(sm, "DescribePipeline", PipelineName=name)["PipelineDefinition"] == text  # JSON, not a repr
    expect_error(lambda: sm.create_pipeline(PipelineName=unique("s3pipe"), RoleArn=ROLE,
                                            PipelineDefinitionS3Location={"Bucket": bucket, "ObjectKey": "none"}),
                 "ValidationException", "Unable to download")


# --- executions -----------------------------------------------------------------------------------------


def test_execution_runs_every_step_on_the_clock(sandbox: Sandbox, sm: BaseClient) -> None:
    with frozen(sandbox):
        name = make_pipeline(sm, ParallelismConfiguration={"MaxParallelExecutionSteps": 2})
        arn, started = start(sm, name)
        assert arn.startswith(f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{name}/execution/")
        described = execution(sm, arn)
        assert described["PipelineExecutionStatus"] == "Executing"
        assert described["PipelineExecutionDisplayName"].startswith("execution-")
        assert described["PipelineVersionId"] == 1
        assert "FailureReason" not in described
        assert call(sm, "DescribePipeline", PipelineName=name)["LastRunTime"] == started
        assert statuses(sm, arn) == {"Preprocess": "Starting"}
        advance_to(sandbox, started, STARTING_SECONDS + 1)
        assert statuses(sm, arn) == {"Preprocess": "Executing"}
        advance_to(sandbox, started, TRAIN[0] + 1)
        assert statuses(sm, arn) == {"Preprocess": "Succeeded", "Train": "Starting"}
        advance_to(sandbox, started, EVALUATE[0] + 20)
        assert statuses(sm, arn) == {"Preprocess": "Succeeded", "Train": "Succeeded", "Evaluate": "Executing"}
        assert status(sm, arn) == "Executing"
        advance_to(sandbox, started, CHECK[1] + 1)
        assert statuses(sm, arn)["Register"] == "Starting"
        advance_to(sandbox, started, DONE + 1)
        found = steps(sm, arn)
    assert {n: s["StepStatus"] for n, s in found.items()} == dict.fromkeys(
        ["Preprocess", "Train", "Evaluate", "CheckAccuracy", "Register"], "Succeeded")  # not AccuracyTooLow
    for step, (begin, end) in {"Preprocess": PREPROCESS, "Train": TRAIN, "Evaluate": EVALUATE, "CheckAccuracy": CHECK,
                               "Register": REGISTER}.items():
        assert seconds(found[step]["StartTime"], started) == begin, step
        assert seconds(found[step]["EndTime"], started) == end, step
        assert "FailureReason" not in found[step]
    metadata = {n: s["Metadata"] for n, s in found.items()}
    job = arn.rsplit("/", 1)[1]
    assert metadata["Preprocess"] == {"ProcessingJob": {
        "Arn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:processing-job/pipelines-{job}-preprocess"}}
    assert metadata["Train"] == {"TrainingJob": {
        "Arn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/pipelines-{job}-train"}}
    assert metadata["CheckAccuracy"] == {"Condition": {"Outcome": "True"}}  # a runtime value: IfSteps run
    registered = metadata["Register"]["RegisterModel"]["Arn"]
    assert registered.startswith(f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/churn/")
    described = execution(sm, arn)
    assert described["PipelineExecutionStatus"] == "Succeeded"
    assert seconds(described["LastModifiedTime"], started) == DONE
    order = [s["StepName"] for s in call(sm, "ListPipelineExecutionSteps", PipelineExecutionArn=arn)[
        "PipelineExecutionSteps"]]
    assert order == ["Register", "CheckAccuracy", "Evaluate", "Train", "Preprocess"]  # newest first
    ascending = call(sm, "ListPipelineExecutionSteps", PipelineExecutionArn=arn, SortOrder="Ascending", MaxResults=2)
    assert [s["StepName"] for s in ascending["PipelineExecutionSteps"]] == ["Preprocess", "Train"]
    rest = call(sm, "ListPipelineExecutionSteps", PipelineExecutionArn=arn, SortOrder="Ascending",
                NextToken=ascending["NextToken"], MaxResults=2)
    assert [s["StepName"] for s in rest["PipelineExecutionSteps"]] == ["Evaluate", "CheckAccuracy"]
    text = call(sm, "DescribePipelineDefinitionForExecution", PipelineExecutionArn=arn)["PipelineDefinition"]
    assert json.loads(text) == definition()


def test_parallelism_limits_the_steps_running_at_once(sandbox: Sandbox, sm: BaseClient) -> None:
    document = {"Version": "2020-12-01", "Steps": [
        processing(name, [s3_input("raw", "s3://bucket/raw")], "out") for name in ("A", "B", "C")]}
    with frozen(sandbox):
        name = make_pipeline(sm, document, ParallelismConfiguration={"MaxParallelExecutionSteps": 2})
        arn, started = start(sm, name)
        assert set(statuses(sm, arn)) == {"A", "B"}
        advance_to(sandbox, started, 301)
        assert statuses(sm, arn) == {"A": "Succeeded", "B": "Succeeded", "C": "Starting"}
        # the execution's own ParallelismConfiguration wins over the pipeline's
        one, started_one = start(sm, name, ParallelismConfiguration={"MaxParallelExecutionSteps": 1})
        assert execution(sm, one)["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 1}
        advance_to(sandbox, started_one, 601)
        assert statuses(sm, one) == {"A": "Succeeded", "B": "Succeeded", "C": "Starting"}
        advance_to(sandbox, started_one, 901)
    assert status(sm, one) == "Succeeded"
    assert status(sm, arn) == "Succeeded"


def test_parameters_are_checked_and_listed(sandbox: Sandbox, sm: BaseClient) -> None:
    name = make_pipeline(sm)
    expect_error(lambda: sm.start_pipeline_execution(
        PipelineName=name, PipelineParameters=[{"Name": "Unknown", "Value": "1"}]),
        "ValidationException", "'Unknown' is not defined in the pipeline definition")
    expect_error(lambda: sm.start_pipeline_execution(
        PipelineName=name, PipelineParameters=[{"Name": "Epochs", "Value": "many"}]),
        "ValidationException", "not a valid Integer")
    expect_error(lambda: sm.start_pipeline_execution(PipelineName=name, PipelineExecutionDisplayName="bad name"),
                 "ValidationException", "pipelineExecutionDisplayName")
    assert call(sm, "ListPipelineExecutions", PipelineName=name)["PipelineExecutionSummaries"] == []
    arn, _ = start(sm, name, PipelineExecutionDisplayName="nightly-1", PipelineExecutionDescription="nightly",
                   PipelineParameters=[{"Name": "Epochs", "Value": "20"}, {"Name": "InputData", "Value": "s3://b/x"}])
    described = execution(sm, arn)
    assert (described["PipelineExecutionDisplayName"], described["PipelineExecutionDescription"]) == (
        "nightly-1", "nightly")
    listed = call(sm, "ListPipelineParametersForExecution", PipelineExecutionArn=arn, MaxResults=10)
    assert {p["Name"]: p["Value"] for p in listed["PipelineParameters"]} == {
        "InputData": "s3://b/x", "MinAccuracy": "0.8", "Epochs": "20", "Approval": "PendingManualApproval"}


def test_a_failure_armed_at_a_step(sandbox: Sandbox, sm: BaseClient) -> None:
    with frozen(sandbox):
        name = make_pipeline(sm)
        assert control.fail_next_pipeline_execution(sandbox.url, name, "Train", "GPU on fire") == {
            "pipeline": name, "step": "Train", "reason": "GPU on fire"}
        arn, started = start(sm, name)
        advance_to(sandbox, started, TRAIN[1] - 1)
        assert statuses(sm, arn) == {"Preprocess": "Succeeded", "Train": "Executing"}
        advance_to(sandbox, started, TRAIN[1] + 1)
        found = steps(sm, arn)
        assert {n: s["StepStatus"] for n, s in found.items()} == {"Preprocess": "Succeeded", "Train": "Failed"}
        assert found["Train"]["FailureReason"] == "GPU on fire"
        described = execution(sm, arn)
        assert described["PipelineExecutionStatus"] == "Failed"
        assert described["FailureReason"] == STEP_FAILURE
        summary = call(sm, "ListPipelineExecutions", PipelineName=name)["PipelineExecutionSummaries"][0]
        assert summary["PipelineExecutionFailureReason"] == STEP_FAILURE
        advance_to(sandbox, started, DONE + 100)
        assert set(steps(sm, arn)) == {"Preprocess", "Train"}  # later steps never ran
        # only the next execution fails
        again, again_started = start(sm, name)
        advance_to(sandbox, again_started, DONE + 1)
    assert status(sm, again) == "Succeeded"


def test_failure_route_errors(sandbox: Sandbox, sm: BaseClient) -> None:
    name = make_pipeline(sm)
    with pytest.raises(SandboxControlError) as raised:
        control.fail_next_pipeline_execution(sandbox.url, "no-such-pipeline", "Train")
    assert raised.value.status == 400 and 'pipeline "no-such-pipeline" not found' in raised.value.message
    with pytest.raises(SandboxControlError) as raised:
        control.fail_next_pipeline_execution(sandbox.url, name, "Deploy")
    assert raised.value.status == 400
    assert 'no step "Deploy"' in raised.value.message and "Preprocess, Train" in raised.value.message
    with pytest.raises(SandboxControlError) as raised:
        control.next_condition_outcome(sandbox.url, name, "Train", False)
    assert raised.value.status == 400 and "no Condition step" in raised.value.message
    with pytest.raises(SandboxControlError) as raised:
        control._call(sandbox.url, "POST", f"pipelines/{name}/fail-next-execution", {"step": ""})
    assert raised.value.status == 400


def test_condition_outcomes(sandbox: Sandbox, sm: BaseClient) -> None:
    # chosen by the control route: ElseSteps run, the Fail step fails the execution with its message
    with frozen(sandbox):
        name = make_pipeline(sm)
        control.next_condition_outcome(sandbox.url, name, "CheckAccuracy", False)
        arn, started = start(sm, name)
        advance_to(sandbox, started, CHECK[1] + 30)
        found = steps(sm, arn)
    assert found["CheckAccuracy"]["Metadata"] == {"Condition": {"Outcome": "False"}}
    assert "Register" not in found
    assert found["AccuracyTooLow"]["StepStatus"] == "Failed"
    assert found["AccuracyTooLow"]["FailureReason"] == "accuracy below 0.8"
    assert found["AccuracyTooLow"]["Metadata"] == {"Fail": {"ErrorMessage": "accuracy below 0.8"}}
    assert status(sm, arn) == "Failed"
    # computed from parameters when every operand is known
    conditions = [{"Type": "LessThan", "LeftValue": {"Get": "Parameters.Epochs"}, "RightValue": 5}]
    with frozen(sandbox):
        name = make_pipeline(sm, definition(conditions=conditions))
        low, low_started = start(sm, name, PipelineParameters=[{"Name": "Epochs", "Value": "3"}])
        high, _ = start(sm, name)  # Epochs 10
        advance_to(sandbox, low_started, DONE + 1)
    assert steps(sm, low)["CheckAccuracy"]["Metadata"] == {"Condition": {"Outcome": "True"}}
    assert status(sm, low) == "Succeeded"
    assert steps(sm, high)["CheckAccuracy"]["Metadata"] == {"Condition": {"Outcome": "False"}}
    assert status(sm, high) == "Failed"


def test_stop_an_execution(sandbox: Sandbox, sm: BaseClient) -> None:
    with frozen(sandbox):
        name = make_pipeline(sm)
        arn, started = start(sm, name)
        advance_to(sandbox, started, TRAIN[0] + 60)
        assert call(sm, "StopPipelineExecution", PipelineExecutionArn=arn)["PipelineExecutionArn"] == arn
        assert status(sm, arn) == "Stopping"
        assert statuses(sm, arn) == {"Preprocess": "Succeeded", "Train": "Stopping"}
        assert sm.stop_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionArn"] == arn  # again: fine
        advance_to(sandbox, started, TRAIN[0] + 60 + STOP_SECONDS + 1)
        assert status(sm, arn) == "Stopped"
        found = steps(sm, arn)
        assert found["Train"]["StepStatus"] == "Stopped"
        assert seconds(found["Train"]["EndTime"], started) == pytest.approx(TRAIN[0] + 60 + STOP_SECONDS, abs=1)
        advance_to(sandbox, started, DONE + 1)
        assert set(steps(sm, arn)) == {"Preprocess", "Train"}
    expect_error(lambda: sm.stop_pipeline_execution(PipelineExecutionArn=arn), "ConflictException", "Stopped")


def test_delete_refused_while_an_execution_runs(sandbox: Sandbox, sm: BaseClient) -> None:
    with frozen(sandbox):
        name = make_pipeline(sm)
        arn, started = start(sm, name)
        expect_error(lambda: sm.delete_pipeline(PipelineName=name), "ConflictException", "StopPipelineExecution")
        sm.stop_pipeline_execution(PipelineExecutionArn=arn)
        expect_error(lambda: sm.delete_pipeline(PipelineName=name), "ConflictException", arn)  # Stopping still runs
        advance_to(sandbox, started, STOP_SECONDS + 1)
        assert status(sm, arn) == "Stopped"
    answer = call(sm, "DeletePipeline", PipelineName=name)
    assert answer["PipelineArn"].endswith(f":pipeline/{name}")
    expect_error(lambda: sm.describe_pipeline(PipelineName=name), "ResourceNotFound", "does not exist")
    expect_error(lambda: sm.describe_pipeline_execution(PipelineExecutionArn=arn), "ResourceNotFound", arn)
    assert name not in {p["PipelineName"] for p in sm.list_pipelines(MaxResults=100)["PipelineSummaries"]}
    make_pipeline(sm, PipelineName=name)  # the name is free again
    assert sm.list_pipeline_executions(PipelineName=name)["PipelineExecutionSummaries"] == []


def test_list_executions_sorts_and_pages(sandbox: Sandbox, sm: BaseClient) -> None:
    name = make_pipeline(sm)
    arns = []
    with frozen(sandbox):
        for _ in range(3):
            arns.append(start(sm, name)[0])
            control.advance_clock(sandbox.url, 1)
    newest = call(sm, "ListPipelineExecutions", PipelineName=name)["PipelineExecutionSummaries"]
    assert [e["PipelineExecutionArn"] for e in newest] == arns[::-1]
    oldest = call(sm, "ListPipelineExecutions", PipelineName=name, SortBy="CreationTime", SortOrder="Ascending")
    assert [e["PipelineExecutionArn"] for e in oldest["PipelineExecutionSummaries"]] == arns
    first = call(sm, "ListPipelineExecutions", PipelineName=name, SortBy="CreationTime", SortOrder="Descending",
                 MaxResults=1)
    assert [e["PipelineExecutionArn"] for e in first["PipelineExecutionSummaries"]] == [arns[2]]
    second = call(sm, "ListPipelineExecutions", PipelineName=name, MaxResults=2, NextToken=first["NextToken"])
    assert [e["PipelineExecutionArn"] for e in second["PipelineExecutionSummaries"]] == [arns[1], arns[0]]
    assert "NextToken" not in second
    after = newest[1]["StartTime"]
    created_after = call(sm, "ListPipelineExecutions", PipelineName=name, CreatedAfter=after)
    assert [e["PipelineExecutionArn"] for e in created_after["PipelineExecutionSummaries"]] == [arns[2]]
    expect_error(lambda: sm.list_pipeline_executions(PipelineName=name, SortBy="Status"), "ValidationException",
                 "sortBy")


def test_a_retried_start_or_create_answers_again(sm: BaseClient) -> None:
    name = unique("idem")
    text = json.dumps(definition())
    first = sm.create_pipeline(PipelineName=name, PipelineDefinition=text, RoleArn=ROLE, ClientRequestToken="t" * 32)
    again = sm.create_pipeline(PipelineName=name, PipelineDefinition=text, RoleArn=ROLE, ClientRequestToken="t" * 32)
    assert first["PipelineArn"] == again["PipelineArn"]
    token = "s" * 32 + name
    started = sm.start_pipeline_execution(PipelineName=name, ClientRequestToken=token)["PipelineExecutionArn"]
    assert sm.start_pipeline_execution(PipelineName=name, ClientRequestToken=token)["PipelineExecutionArn"] == started
    assert len(sm.list_pipeline_executions(PipelineName=name)["PipelineExecutionSummaries"]) == 1


def test_pipeline_tags_and_get_resources(sm: BaseClient, tagging: BaseClient) -> None:
    name = make_pipeline(sm, Tags=[{"Key": "team", "Value": "ml"}, {"Key": "env", "Value": "dev"}])
    arn = call(sm, "DescribePipeline", PipelineName=name)["PipelineArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    assert sorted((t["Key"], t["Value"]) for t in sm.list_tags(ResourceArn=arn)["Tags"]) == [
        ("env", "prod"), ("team", "ml")]
    sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]
    found = tagging.get_resources(ResourceTypeFilters=["sagemaker:pipeline"],
                                  TagFilters=[{"Key": "env", "Values": ["prod"]}])["ResourceTagMappingList"]
    assert {"ResourceARN": arn, "Tags": [{"Key": "env", "Value": "prod"}]} in found
    sm.delete_pipeline(PipelineName=name)
    expect_error(lambda: sm.list_tags(ResourceArn=arn), "ValidationException", "Could not find")


def test_reset_forgets_pipelines(sandbox: Sandbox, sm: BaseClient) -> None:
    name = make_pipeline(sm)
    arn, _ = start(sm, name)
    control.fail_next_pipeline_execution(sandbox.url, name, "Train")
    control.reset(sandbox.url)
    expect_error(lambda: sm.describe_pipeline(PipelineName=name), "ResourceNotFound", "does not exist")
    expect_error(lambda: sm.describe_pipeline_execution(PipelineExecutionArn=arn), "ResourceNotFound", arn)
    assert sm.list_pipelines()["PipelineSummaries"] == []
    make_pipeline(sm, PipelineName=name)
    with pytest.raises(ClientError):
        sm.describe_pipeline_execution(PipelineExecutionArn=arn)
