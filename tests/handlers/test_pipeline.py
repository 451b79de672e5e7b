"""Scenarios for the pipeline handler (`pipeline/<name>`, a Pipeline document): recorded SageMaker responses in,
change, steps, details (the definition step by step) and notes (the last execution) out."""

from __future__ import annotations

import copy
from pathlib import Path

from reconciler.changes import Action
from reconciler.drift import drift_report
from reconciler.frozen import thaw
from reconciler.handlers.pipeline_definition import text
from reconciler.plan.model import Plan
from tests.handlers.answers import desired_of, one
from tests.handlers.recorded import Recorded, arn, operations, plan, write
from tests.handlers.registry_answers import (
    DEFINITION,
    PIPELINE,
    absent_registry,
    changed_instance,
    execution_arn,
    group_doc,
    pipeline,
    pipeline_doc,
    record_applied_registry,
    record_executions,
)

ADDRESS = f"pipeline/{PIPELINE}"


def _applied(tmp_path: Path, *docs: str) -> Recorded:
    ds = desired_of(write(tmp_path / "applied", group_doc(), *(docs or (pipeline_doc(),))))
    recorded = Recorded()
    record_applied_registry(recorded, ds)
    return recorded


def _change(p: Plan) -> object:
    [change] = [c for c in p.changes if c.address == ADDRESS]
    return change


def test_a_new_pipeline_is_created_after_its_group_and_shown_step_by_step(tmp_path: Path) -> None:
    root = write(tmp_path / "s", group_doc(), pipeline_doc(extra="  startOnChange: {parameters: "
                                                                   "{TrainInstanceType: ml.m5.2xlarge}}"))
    ds = desired_of(root)
    recorded = Recorded()
    record_applied_registry(recorded, [])
    absent_registry(recorded, *ds)
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateModelPackageGroup", "CreatePipeline", "StartPipelineExecution"]
    create, start = p.steps[1], p.steps[2]
    assert create.params["PipelineDefinition"] == text({**DEFINITION, "Steps": [
        *DEFINITION["Steps"][:2], {**DEFINITION["Steps"][2], "Arguments": {
            **DEFINITION["Steps"][2]["Arguments"], "ModelPackageGroupName": "churn"}}]})
    assert {t["Key"]: t["Value"] for t in create.params["Tags"]}["reconciler:stack"] == "demo"
    assert thaw(start.params) == {"PipelineName": PIPELINE, "PipelineParameters": [
        {"Name": "TrainInstanceType", "Value": "ml.m5.2xlarge"}]}
    change = _change(p)
    assert change.action == Action.create
    assert [line for line in change.details if "step" in line] == [
        "+ step Preprocess (Processing)", "+ step Train (Training)", "+ step Register (RegisterModel)"]


def test_an_applied_pipeline_plans_clean_however_sagemaker_lays_out_the_definition(tmp_path: Path) -> None:
    recorded = _applied(tmp_path)
    p, snap = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()
    assert p.notes == (f"{ADDRESS}: last execution Succeeded (started 2026-11-01T10:09:30Z)",)
    assert drift_report(p, snap).entries == ()


def test_one_changed_instance_type_is_one_update_with_a_one_line_step_diff(tmp_path: Path) -> None:
    recorded = _applied(tmp_path)
    root = write(tmp_path / "s", group_doc(), pipeline_doc(changed_instance(DEFINITION)))
    p, snap = plan(root, recorded)
    assert operations(p) == ["UpdatePipeline"]
    [step] = p.steps
    assert step.params["PipelineName"] == PIPELINE and step.tag_arn == arn("pipeline", PIPELINE)
    change = _change(p)
    assert change.action == Action.update
    assert change.reason == "pipelineDefinition changes (step Train): updated in place, a new pipeline version"
    assert change.details == ('~ step Train: Arguments.ResourceConfig.InstanceType "ml.m5.xlarge" -> '
                              '"ml.m5.2xlarge"',)
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("pending",)


def test_a_definition_changed_outside_git_is_drift_and_put_back(tmp_path: Path) -> None:
    recorded = _applied(tmp_path)
    ds = desired_of(tmp_path / "applied")
    outside = copy.deepcopy(DEFINITION)
    outside["Steps"] = outside["Steps"][:2]
    live = pipeline(one(ds, "pipeline"), PipelineDefinition=text(outside))
    recorded.add("sagemaker", "DescribePipeline", {"PipelineName": PIPELINE}, live)
    p, snap = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["UpdatePipeline"]
    assert "+ step Register (RegisterModel)" in _change(p).details
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("drift",)


def test_a_settings_change_is_shown_as_a_field(tmp_path: Path) -> None:
    recorded = _applied(tmp_path)
    root = write(tmp_path / "s", group_doc(), pipeline_doc(extra="  parallelismConfiguration: "
                                                                 "{maxParallelExecutionSteps: 2}"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["UpdatePipeline"]
    assert _change(p).details == ("+ parallelismConfiguration.maxParallelExecutionSteps: 2",)


def test_the_last_failed_execution_names_its_step_and_reason(tmp_path: Path) -> None:
    recorded = _applied(tmp_path)
    record_executions(recorded, status="Failed", steps=[
        {"StepName": "Register", "StepStatus": "NotStarted"},
        {"StepName": "Train", "StepStatus": "Failed", "FailureReason": "ClientError: ResourceLimitExceeded"},
        {"StepName": "Preprocess", "StepStatus": "Succeeded"}])
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty
    assert p.notes == (f"{ADDRESS}: last execution Failed (started 2026-11-01T10:09:30Z): step Train failed: "
                       "ClientError: ResourceLimitExceeded",)


def test_a_pipeline_never_run_has_no_note(tmp_path: Path) -> None:
    recorded = _applied(tmp_path)
    record_executions(recorded, status=None)
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty and p.notes == ()


def test_a_removed_document_deletes_the_pipeline_before_its_group(tmp_path: Path) -> None:
    recorded = _applied(tmp_path)
    p, _ = plan(write(tmp_path / "s", group_doc()), recorded)
    assert operations(p) == ["DeletePipeline"]
    assert thaw(p.steps[0].params) == {"PipelineName": PIPELINE}
    assert "running executions are stopped first" in p.steps[0].description


def test_an_execution_arn_is_the_pipelines(tmp_path: Path) -> None:
    assert execution_arn().startswith(arn("pipeline", PIPELINE) + "/execution/")
