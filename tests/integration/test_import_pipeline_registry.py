"""`reconciler import` of Pipeline and ModelPackageGroup through the CLI against the sandbox: resources made by
hand with boto3 (as a person would with the AWS CLI) are written as documents that plan clean once adopted,
printed without --into, refused (one line, exit 1) when missing, owned by a stack, or not expressible, and
listed page by page for --all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
import yaml

from reconciler.kinds.model_package_group import list_model_package_groups
from reconciler.kinds.pipeline.importer import list_pipelines
from tests.integration.conftest import REPO, Cli

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def definition(group: str = "churn-hand", extra_argument: str = "train.py") -> dict[str, Any]:
    """A training pipeline that registers into `group`, with the nulls the SDK emits."""
    return {
        "Version": "2020-12-01",
        "Metadata": {},
        "MlflowConfig": None,
        "Parameters": [{"Name": "TrainInstanceType", "Type": "String", "DefaultValue": "ml.m5.xlarge"}],
        "PipelineExperimentConfig": None,
        "Steps": [
            {"Name": "Train", "Type": "Training", "Arguments": {
                "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File",
                                           "ContainerArguments": [extra_argument]},
                "OutputDataConfig": {"S3OutputPath": "s3://ml-artifacts/churn/models"},
                "ResourceConfig": {"InstanceType": {"Get": "Parameters.TrainInstanceType"}, "InstanceCount": 1,
                                   "VolumeSizeInGB": 30},
                "RoleArn": ROLE,
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600}}},
            {"Name": "Register", "Type": "RegisterModel", "DependsOn": ["Train"], "Arguments": {
                "ModelPackageGroupName": group,
                "ModelApprovalStatus": "PendingManualApproval",
                "InferenceSpecification": {
                    "Containers": [{"Image": IMAGE,
                                    "ModelDataUrl": {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}}],
                    "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}}},
        ],
    }


POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "ShareWithProd",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
        "Action": ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"],
        "Resource": "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-hand/*",
    }],
}


def sagemaker() -> Any:
    return boto3.client("sagemaker")


def make_group(name: str = "churn-hand", policy: dict[str, Any] | None = POLICY, tags: bool = True) -> str:
    sm = sagemaker()
    arn = sm.create_model_package_group(
        ModelPackageGroupName=name, ModelPackageGroupDescription="Churn classifiers, registered by hand",
        **({"Tags": [{"Key": "team", "Value": "ml"}]} if tags else {}))["ModelPackageGroupArn"]
    if policy is not None:
        sm.put_model_package_group_policy(ModelPackageGroupName=name, ResourcePolicy=json.dumps(policy))
    return str(arn)


def make_pipeline(name: str = "churn-hand-train", *, display: str | None = "Churn-training",
                  parallelism: int | None = 3, body: dict[str, Any] | None = None) -> str:
    extra: dict[str, Any] = {}
    if display is not None:
        extra["PipelineDisplayName"] = display
    if parallelism is not None:
        extra["ParallelismConfiguration"] = {"MaxParallelExecutionSteps": parallelism}
    answer = sagemaker().create_pipeline(
        PipelineName=name, RoleArn=ROLE, PipelineDescription="Train and register the churn model",
        PipelineDefinition=json.dumps(body or definition(), indent=2), Tags=[{"Key": "team", "Value": "ml"}],
        **extra)
    return str(answer["PipelineArn"])


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def only_file(root: Path, prefix: str) -> Path:
    found = sorted(root.glob(f"{prefix}-*.yaml"))
    assert len(found) == 1, sorted(p.name for p in root.iterdir())
    return found[0]


def one_line_error(result: Any, *words: str) -> None:
    assert result.code == 1, result.text
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: "), result.err
    for word in words:
        assert word in lines[0], lines[0]


# --- Pipeline -------------------------------------------------------------------------------------------------


def test_a_hand_made_pipeline_is_adopted_and_then_plans_clean(cli: Cli, tmp_path: Path) -> None:
    arn = make_pipeline()
    root = tmp_path / "imported"
    result = cli("import", "Pipeline", "churn-hand-train", "--into", root, "--adopt")
    assert result.code == 0, result.text
    assert "Adopted" in result.out
    path = root / "pipeline-churn-hand-train.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# Imported from {arn}\n")
    [doc] = documents(path)
    assert doc["kind"] == "Pipeline" and doc["name"] == "churn-hand-train"
    assert doc["tags"] == {"team": "ml"}
    spec = doc["spec"]
    assert spec["roleArn"] == ROLE
    assert spec["pipelineDisplayName"] == "Churn-training"
    assert spec["pipelineDescription"] == "Train and register the churn model"
    assert spec["parallelismConfiguration"] == {"maxParallelExecutionSteps": 3}
    wanted = {k: v for k, v in definition().items() if v not in (None, {})}  # the SDK's nulls left out
    assert spec["pipelineDefinition"] == wanted
    assert set(spec) == {"roleArn", "pipelineDisplayName", "pipelineDescription", "parallelismConfiguration",
                         "pipelineDefinition"}  # no ARN, status, times or version fields
    tags = {t["Key"]: t["Value"] for t in sagemaker().list_tags(ResourceArn=arn)["Tags"]}
    assert tags["reconciler:stack"] == "imported" and tags["reconciler:address"] == "Pipeline/churn-hand-train"
    assert tags["team"] == "ml"
    plan = cli("plan", root, "--detailed-exitcode")
    assert plan.code == 0, plan.text
    assert sagemaker().describe_pipeline(PipelineName="churn-hand-train")["PipelineDefinition"] == \
        json.dumps(definition(), indent=2)  # adopting changed nothing but tags: no new pipeline version


def test_a_pipeline_with_the_default_display_name_and_no_parallelism_writes_neither(cli: Cli, tmp_path: Path) -> None:
    make_pipeline("plain-train", display=None, parallelism=None)
    root = tmp_path / "imported"
    result = cli("import", "Pipeline", "plain-train", "--into", root, "--adopt")
    assert result.code == 0, result.text
    [doc] = documents(root / "pipeline-plain-train.yaml")
    assert set(doc["spec"]) == {"roleArn", "pipelineDescription", "pipelineDefinition"}
    assert cli("plan", root, "--detailed-exitcode").code == 0


def test_a_pipeline_registering_into_a_group_of_the_stack_references_it(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "stack"
    root.mkdir()
    shutil.copy(REPO / "specs" / "stack.yaml", root / "stack.yaml")
    (root / "group.yaml").write_text("apiVersion: reconciler/v1\nkind: ModelPackageGroup\nname: churn-reg\nspec:\n"
                                     "  modelPackageGroupDescription: Churn classifiers\n", encoding="utf-8")
    applied = cli("apply", root, "--auto-approve")
    assert applied.code == 0, applied.text
    make_pipeline("churn-reg-train", body=definition(group="churn-reg"))
    result = cli("import", "Pipeline", "churn-reg-train", "--into", root, "--adopt")
    assert result.code == 0, result.text
    [doc] = documents(root / "pipeline-churn-reg-train.yaml")
    register = doc["spec"]["pipelineDefinition"]["Steps"][1]
    assert register["Arguments"]["ModelPackageGroupName"] == "${ModelPackageGroup.churn-reg.name}"
    plan = cli("plan", root, "--detailed-exitcode")
    assert plan.code == 0, plan.text


def test_a_pipeline_is_printed_without_into_with_its_notes(cli: Cli) -> None:
    arn = make_pipeline()
    result = cli("import", "Pipeline", "churn-hand-train")
    assert result.code == 0, result.text
    assert result.out.startswith(f"# Imported from {arn}\n# ")
    assert "definitionPython" in result.out.split("apiVersion:")[0]  # the note, a comment above the document
    [doc] = list(yaml.safe_load_all(result.out))
    assert doc["kind"] == "Pipeline"
    assert doc["spec"]["pipelineDefinition"]["Steps"][0]["Name"] == "Train"


def test_importing_a_missing_pipeline_is_a_one_line_error(cli: Cli) -> None:
    one_line_error(cli("import", "Pipeline", "no-such-pipeline"), "no-such-pipeline", "not found")


def test_importing_a_pipeline_a_stack_owns_is_a_one_line_error(cli: Cli, tmp_path: Path) -> None:
    make_pipeline()
    assert cli("import", "Pipeline", "churn-hand-train", "--into", tmp_path / "first", "--adopt").code == 0
    result = cli("import", "Pipeline", "churn-hand-train", "--into", tmp_path / "second")
    one_line_error(result, "churn-hand-train", "already managed by stack 'first'")
    assert not (tmp_path / "second" / "pipeline-churn-hand-train.yaml").exists()


def test_a_shell_variable_in_a_step_is_written_escaped_and_plans_clean(cli: Cli, tmp_path: Path) -> None:
    make_pipeline("shell-train", body=definition(extra_argument="--out=${HOME}/model"))
    root = tmp_path / "shell"
    result = cli("import", "Pipeline", "shell-train", "--into", root, "--adopt")
    assert result.code == 0, result.text
    assert "--out=$${HOME}/model" in (root / "pipeline-shell-train.yaml").read_text(encoding="utf-8")
    assert cli("plan", root, "--detailed-exitcode").code == 0


# --- ModelPackageGroup ------------------------------------------------------------------------------------------


def test_a_hand_made_group_with_a_policy_is_adopted_and_then_plans_clean(cli: Cli, tmp_path: Path) -> None:
    arn = make_group()
    root = tmp_path / "registry"
    result = cli("import", "ModelPackageGroup", "churn-hand", "--into", root, "--adopt")
    assert result.code == 0, result.text
    path = root / "modelpackagegroup-churn-hand.yaml"
    assert path.read_text(encoding="utf-8").startswith(f"# Imported from {arn}\n")
    [doc] = documents(path)
    assert doc["kind"] == "ModelPackageGroup" and doc["name"] == "churn-hand"
    assert doc["tags"] == {"team": "ml"}
    assert doc["spec"] == {"modelPackageGroupDescription": "Churn classifiers, registered by hand",
                           "resourcePolicy": POLICY}  # parsed; no deleteVersions, status or times
    tags = {t["Key"]: t["Value"] for t in sagemaker().list_tags(ResourceArn=arn)["Tags"]}
    assert tags["reconciler:address"] == "ModelPackageGroup/churn-hand"
    assert "reconciler:delete-versions" not in tags
    plan = cli("plan", root, "--detailed-exitcode")
    assert plan.code == 0, plan.text


def test_a_group_without_a_policy_or_tags_writes_only_its_description(cli: Cli, tmp_path: Path) -> None:
    make_group("bare-group", policy=None, tags=False)
    root = tmp_path / "registry"
    result = cli("import", "ModelPackageGroup", "bare-group", "--into", root, "--adopt")
    assert result.code == 0, result.text
    [doc] = documents(root / "modelpackagegroup-bare-group.yaml")
    assert "tags" not in doc
    assert doc["spec"] == {"modelPackageGroupDescription": "Churn classifiers, registered by hand"}
    assert cli("plan", root, "--detailed-exitcode").code == 0


def test_a_group_holding_versions_notes_them(cli: Cli) -> None:
    make_group(policy=None)
    sagemaker().create_model_package(
        ModelPackageGroupName="churn-hand", ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={"Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://ml-artifacts/m.tar.gz"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})
    result = cli("import", "ModelPackageGroup", "churn-hand")
    assert result.code == 0, result.text
    header = result.out.split("apiVersion:")[0]
    assert "holds 1 model package version(s)" in header and "deleteVersions: true" in header
    [doc] = list(yaml.safe_load_all(result.out))
    assert "deleteVersions" not in doc["spec"]


def test_importing_a_missing_group_is_a_one_line_error(cli: Cli) -> None:
    one_line_error(cli("import", "ModelPackageGroup", "no-such-group"), "no-such-group", "not found")


def test_importing_a_group_a_stack_owns_is_a_one_line_error(registry_cli: Cli, tmp_path: Path) -> None:
    applied = registry_cli("apply", registry_cli.root, "--auto-approve")
    assert applied.code == 0, applied.text
    result = registry_cli("import", "ModelPackageGroup", "churn", "--into", tmp_path / "elsewhere")
    one_line_error(result, "'churn'", "already managed by stack")
    one_line_error(registry_cli("import", "Pipeline", "churn-train"), "'churn-train'", "already managed by stack")


def test_a_policy_variable_is_written_escaped_and_plans_clean(cli: Cli, tmp_path: Path) -> None:
    policy = json.loads(json.dumps(POLICY).replace("churn-hand/*", "churn-hand/${aws:username}"))
    make_group(policy=policy)
    root = tmp_path / "group"
    result = cli("import", "ModelPackageGroup", "churn-hand", "--into", root, "--adopt")
    assert result.code == 0, result.text
    assert "churn-hand/$${aws:username}" in (root / "modelpackagegroup-churn-hand.yaml").read_text(encoding="utf-8")
    assert cli("plan", root, "--detailed-exitcode").code == 0


# --- import --all and the listers --------------------------------------------------------------------------------


def test_import_all_writes_the_group_and_the_pipeline_that_references_it(cli: Cli, tmp_path: Path) -> None:
    make_group()
    make_pipeline()
    make_group("other-group", policy=None)
    root = tmp_path / "all"
    result = cli("import", "--all", "--filter", "churn-hand*", "--into", root)
    assert result.code == 0, result.text
    group = documents(only_file(root, "modelpackagegroup"))
    pipeline = documents(only_file(root, "pipeline"))
    assert [d["name"] for d in group] == ["churn-hand"]
    register = pipeline[0]["spec"]["pipelineDefinition"]["Steps"][1]
    assert register["Arguments"]["ModelPackageGroupName"] == "${ModelPackageGroup.churn-hand.name}"
    validated = cli("validate", root)
    assert validated.code == 0, validated.text


@pytest.mark.parametrize("count", [13])
def test_the_listers_read_every_page(cli: Cli, count: int) -> None:
    for i in range(count):
        make_group(f"group-{i:02d}", policy=None, tags=False)
        make_pipeline(f"pipeline-{i:02d}", display=None, parallelism=None)
    clients = SimpleNamespace(sagemaker=sagemaker())
    assert sorted(list_model_package_groups(clients)) == [f"group-{i:02d}" for i in range(count)]
    assert sorted(list_pipelines(clients)) == [f"pipeline-{i:02d}" for i in range(count)]
