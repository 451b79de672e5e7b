"""Pipelines and the model registry through the CLI against the sandbox: the example's churn group and
training pipeline (specs/registry.yaml), its lifecycle and notes, and a Model on latestApproved that follows
approvals with a rollout while a saved plan keeps the version it pinned."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import pytest
import yaml

from reconciler.sandbox import control
from tests.integration.conftest import REPO, Cli
from tests.integration.test_cli_lifecycle import converged, edit
from tests.integration.test_guardrails import apply_ok

REGISTRY = "registry.yaml"
PIPELINE = "churn-train"

SERVING = """\
apiVersion: reconciler/v1
kind: Model
name: churn-registry
spec:
  modelPackage: {group: "${ModelPackageGroup.churn.name}", version: latestApproved}
  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
---
apiVersion: reconciler/v1
kind: Endpoint
name: churn-registry
spec:
  productionVariants:
    - {variantName: main, modelName: "${Model.churn-registry.name}", instanceType: ml.m5.large,
       initialInstanceCount: 2}
  deploymentConfig:
    blueGreenUpdatePolicy:
      trafficRoutingConfiguration:
        type: CANARY
        canarySize: {type: CAPACITY_PERCENT, value: 50}
        waitIntervalInSeconds: 300
      maximumExecutionTimeoutInSeconds: 3600
"""


def _plan(cli: Cli) -> dict[str, object]:
    result = cli("plan", cli.root, "--format", "json")
    assert result.code == 0, result.text
    return json.loads(result.out)


def run_pipeline(name: str = PIPELINE) -> tuple[str, str]:
    """Start an execution and wait (bounded) until it ends: its ARN and status."""
    sm = boto3.client("sagemaker")
    arn = sm.start_pipeline_execution(PipelineName=name)["PipelineExecutionArn"]
    for _ in range(400):
        status = sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
        if status != "Executing":
            return arn, status
        time.sleep(0.02)
    raise AssertionError(f"{arn} still Executing")


def newest_version(group: str = "churn") -> int:
    summaries = boto3.client("sagemaker").list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
    return max(s["ModelPackageVersion"] for s in summaries)


def serving_package(endpoint: str = "churn-registry") -> str:
    sm = boto3.client("sagemaker")
    config = sm.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
    model = sm.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"][0]["ModelName"]
    return str(sm.describe_model(ModelName=model)["PrimaryContainer"]["ModelPackageName"])


def test_the_pipeline_applies_and_plans_clean(registry_cli: Cli) -> None:
    plan = _plan(registry_cli)
    steps = [(s["operation"], s["address"]) for s in plan["steps"]]
    assert steps.index(("CreateModelPackageGroup", "model-package-group/churn")) < \
        steps.index(("CreatePipeline", f"pipeline/{PIPELINE}"))
    [change] = [c for c in plan["changes"] if c["address"] == f"pipeline/{PIPELINE}"]
    assert "+ step Register (RegisterModel)" in change["details"]
    apply_ok(registry_cli)
    definition = json.loads(boto3.client("sagemaker").describe_pipeline(PipelineName=PIPELINE)["PipelineDefinition"])
    [register] = definition["Steps"][3]["Arguments"]["IfSteps"]
    assert register["Arguments"]["ModelPackageGroupName"] == "churn"  # the reference, resolved


def test_one_changed_instance_type_is_one_update_with_a_one_line_step_diff(registry_cli: Cli) -> None:
    apply_ok(registry_cli)
    edit(registry_cli.root / REGISTRY, "ClusterConfig: {InstanceType: ml.m5.xlarge, InstanceCount: 1, "
                                       "VolumeSizeInGB: 30}\n          AppSpecification:\n            ImageUri: "
                                       "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn",
         "ClusterConfig: {InstanceType: ml.m5.2xlarge, InstanceCount: 1, VolumeSizeInGB: 30}\n          "
         "AppSpecification:\n            ImageUri: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn")
    result = registry_cli("plan", registry_cli.root)
    assert result.code == 0, result.text
    assert '      ~ step Preprocess: Arguments.ProcessingResources.ClusterConfig.InstanceType "ml.m5.xlarge" -> ' \
           '"ml.m5.2xlarge"\n' in result.out
    assert "   1. UpdatePipeline  pipeline/churn-train" in result.out and "   2." not in result.out
    assert result.out.count("~ step ") == 1
    apply_ok(registry_cli)


def _to_definition_file(root: Path, indent: int, reverse: bool) -> None:
    docs = list(yaml.safe_load_all((root / REGISTRY).read_text()))
    spec = docs[1]["spec"]
    definition = spec.pop("pipelineDefinition") if "pipelineDefinition" in spec else \
        json.loads((root / spec["definitionFile"]).read_text())

    def reordered(value: object) -> object:
        if isinstance(value, dict):
            keys = list(reversed(list(value))) if reverse else list(value)
            return {k: reordered(value[k]) for k in keys}
        if isinstance(value, list):
            return [reordered(v) for v in value]
        return value

    (root / "pipelines").mkdir(exist_ok=True)
    (root / "pipelines" / "train.json").write_text(json.dumps(reordered(definition), indent=indent))
    docs[1]["spec"]["definitionFile"] = "pipelines/train.json"
    (root / REGISTRY).write_text(yaml.safe_dump_all(docs, sort_keys=False))


def test_a_definition_moved_to_a_file_reordered_and_reformatted_plans_clean(registry_cli: Cli) -> None:
    apply_ok(registry_cli)
    _to_definition_file(registry_cli.root, indent=4, reverse=True)
    converged(registry_cli)
    _to_definition_file(registry_cli.root, indent=0, reverse=False)
    converged(registry_cli)


def test_a_depends_on_naming_a_missing_step_fails_validate_at_its_line(registry_cli: Cli) -> None:
    path = registry_cli.root / REGISTRY
    edit(path, "      - Name: Evaluate\n", "      - Name: Evaluate\n        DependsOn: [Trian]\n")
    line = path.read_text().splitlines().index("        DependsOn: [Trian]") + 1
    for command in ("validate", "plan"):
        result = registry_cli(command, registry_cli.root)
        assert result.code == 1 and "Traceback" not in result.text
        assert f"registry.yaml:{line}:21: step Evaluate: DependsOn names 'Trian', which is not a step of this " \
               "pipeline (did you mean 'Train'?)" in result.err, result.text


def test_start_on_change_starts_an_execution_and_prints_it(registry_cli: Cli) -> None:
    edit(registry_cli.root / REGISTRY, "  parallelismConfiguration: {maxParallelExecutionSteps: 2}\n",
         "  parallelismConfiguration: {maxParallelExecutionSteps: 2}\n"
         "  startOnChange: {parameters: {TrainInstanceType: ml.m5.2xlarge}}\n")
    result = registry_cli("apply", registry_cli.root, "--auto-approve")
    assert result.code == 0, result.text
    assert "StartPipelineExecution" in result.out
    assert f"started arn:aws:sagemaker:us-east-1:123456789012:pipeline/{PIPELINE}/execution/" in result.out
    [execution] = boto3.client("sagemaker").list_pipeline_executions(
        PipelineName=PIPELINE)["PipelineExecutionSummaries"]
    parameters = boto3.client("sagemaker").list_pipeline_parameters_for_execution(
        PipelineExecutionArn=execution["PipelineExecutionArn"])["PipelineParameters"]
    assert {"Name": "TrainInstanceType", "Value": "ml.m5.2xlarge"} in parameters
    converged(registry_cli)  # no execution is started by a plan without changes


def test_the_last_execution_is_a_note_naming_a_failed_step(registry_cli: Cli) -> None:
    apply_ok(registry_cli)
    control.fail_next_pipeline_execution(registry_cli.sandbox.url, PIPELINE, "Train",
                                         "AlgorithmError: training diverged")
    _, status = run_pipeline()
    assert status == "Failed"
    result = registry_cli("plan", registry_cli.root, "--detailed-exitcode")
    assert result.code == 0, result.text
    assert f"pipeline/{PIPELINE}: last execution Failed (started " in result.out
    assert "step Train failed: AlgorithmError: training diverged" in result.out
    drift = registry_cli("drift", registry_cli.root)
    assert drift.code == 0, drift.text  # a failed execution is not drift


def test_removing_a_group_that_holds_versions_is_a_plan_error(registry_cli: Cli) -> None:
    apply_ok(registry_cli)
    run_pipeline()
    (registry_cli.root / REGISTRY).unlink()
    result = registry_cli("plan", registry_cli.root)
    assert result.code == 1 and "Traceback" not in result.text
    assert "model-package-group/churn still holds 1 model package version(s)" in result.err, result.text
    assert boto3.client("sagemaker").describe_pipeline(PipelineName=PIPELINE)  # nothing was deleted


def test_with_delete_versions_the_group_goes_with_its_versions(registry_cli: Cli) -> None:
    edit(registry_cli.root / REGISTRY, "  modelPackageGroupDescription:", "  deleteVersions: true\n"
                                                                         "  modelPackageGroupDescription:")
    apply_ok(registry_cli)
    run_pipeline()
    run_pipeline()
    (registry_cli.root / REGISTRY).unlink()
    plan = _plan(registry_cli)
    assert [s["operation"] for s in plan["steps"]] == ["DeletePipeline", "DeleteModelPackage", "DeleteModelPackage",
                                                        "DeleteModelPackageGroup"]
    apply_ok(registry_cli)
    assert boto3.client("sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"] == []


def test_latest_approved_follows_a_new_approval_with_a_rollout_and_a_saved_plan_stays_pinned(
        registry_cli: Cli, tmp_path: Path) -> None:
    url = registry_cli.sandbox.url
    apply_ok(registry_cli)
    (registry_cli.root / "serving.yaml").write_text(SERVING)
    run_pipeline()
    waiting = registry_cli("plan", registry_cli.root)
    assert waiting.code == 1
    assert "serving.yaml:5:17: Model/churn-registry: model package group 'churn' has no approved version to " \
           "deploy (latestApproved)" in waiting.err, waiting.text
    control.approve_model_package(url, "churn", 1)
    apply_ok(registry_cli)
    assert serving_package().endswith("model-package/churn/1")

    run_pipeline()
    control.approve_model_package(url, "churn", newest_version())
    saved = tmp_path / "v2.json"
    result = registry_cli("plan", registry_cli.root, "--out", saved)
    assert result.code == 0, result.text
    assert "Note: Model/churn-registry: modelPackage churn latestApproved -> version 2 (approved " in result.out
    assert "UpdateEndpoint        endpoint/churn-registry" in result.out and "blue/green canary of 50%" in result.out

    run_pipeline()  # version 3 is approved before the saved plan is applied
    boto3.client("sagemaker").update_model_package(
        ModelPackageArn=f"arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/{newest_version()}",
        ModelApprovalStatus="Approved")
    applied = registry_cli("apply", saved, "--auto-approve")
    assert applied.code == 0, applied.text
    assert serving_package().endswith("model-package/churn/2")  # what was reviewed, not what is newest
    follow = registry_cli("plan", registry_cli.root)
    assert "latestApproved -> version 3" in follow.out
    apply_ok(registry_cli)
    assert serving_package().endswith("model-package/churn/3")


@pytest.mark.parametrize(("change", "expected"), [
    (("  modelPackageGroupDescription: Churn classifiers trained by the churn-train pipeline",
      "  modelPackageGroupDescription: Churn models"),
     "modelPackageGroupDescription of a model package group cannot change"),
])
def test_what_sagemaker_cannot_change_is_a_plan_error(registry_cli: Cli, change: tuple[str, str],
                                                      expected: str) -> None:
    apply_ok(registry_cli)
    edit(registry_cli.root / REGISTRY, *change)
    result = registry_cli("plan", registry_cli.root)
    assert result.code == 1 and expected in result.err and "Traceback" not in result.text


def test_the_specs_registry_file_is_the_documented_example() -> None:
    text = (REPO / "specs" / REGISTRY).read_text()
    assert "kind: ModelPackageGroup" in text and "kind: Pipeline" in text


def test_deleting_a_pipeline_stops_its_running_execution_first(registry_cli: Cli) -> None:
    url = registry_cli.sandbox.url
    apply_ok(registry_cli)
    before = control.get_clock(url)["time_scale"]
    control.set_time_scale(url, 60)  # the execution now runs for about 20 s
    try:
        sm = boto3.client("sagemaker")
        arn = sm.start_pipeline_execution(PipelineName=PIPELINE)["PipelineExecutionArn"]
        docs = (registry_cli.root / REGISTRY).read_text().split("\n---\n")
        (registry_cli.root / REGISTRY).write_text(docs[0] + "\n")  # the group stays, the pipeline goes
        result = registry_cli("apply", registry_cli.root, "--auto-approve")
        assert result.code == 0, result.text
        assert f"stopping {arn}" in result.out  # and waited for: SageMaker refuses to delete while it runs
        assert not [p for p in sm.list_pipelines()["PipelineSummaries"] if p["PipelineName"] == PIPELINE]
    finally:
        control.set_time_scale(url, before)

