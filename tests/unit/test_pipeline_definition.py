"""Pipeline definitions on their own: canonical form, the step-by-step diff, and the checks of a Pipeline
document at the line of each problem (inline, and in a definitionFile at the file's own line)."""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.errors import SpecError
from reconciler.handlers.pipeline_definition import canonical, diff_lines, text
from reconciler.kinds import expand, load_stack
from tests.unit.planner_support import ACCOUNT, REGION

STACK = "apiVersion: reconciler/v1\nkind: Stack\nname: s\nspec: {region: us-east-1}\n"
ROLE = "arn:aws:iam::123456789012:role/r"

DEFINITION: dict[str, Any] = {
    "Version": "2020-12-01",
    "Parameters": [{"Name": "InstanceType", "Type": "String", "DefaultValue": "ml.m5.xlarge"},
                   {"Name": "MinAccuracy", "Type": "Float", "DefaultValue": 0.8}],
    "Steps": [
        {"Name": "Prep", "Type": "Processing", "Arguments": {"ProcessingResources": {"ClusterConfig": {
            "InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}}}},
        {"Name": "Train", "Type": "Training", "Arguments": {
            "ResourceConfig": {"InstanceType": {"Get": "Parameters.InstanceType"}, "InstanceCount": 1},
            "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3Uri": {
                "Get": "Steps.Prep.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"}}}}]}},
        {"Name": "Check", "Type": "Condition", "Arguments": {
            "Conditions": [{"Type": "GreaterThanOrEqualTo", "LeftValue": {"Std:JsonGet": {
                "PropertyFile": {"Get": "Steps.Prep.PropertyFiles.Report"}, "Path": "accuracy"}},
                "RightValue": {"Get": "Parameters.MinAccuracy"}}],
            "IfSteps": [{"Name": "Register", "Type": "RegisterModel", "Arguments": {"ModelPackageGroupName": "churn",
                         "InferenceSpecification": {"Containers": [{"Image": "x", "ModelDataUrl": {
                             "Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}}]}}}],
            "ElseSteps": [{"Name": "TooLow", "Type": "Fail", "Arguments": {"ErrorMessage": "low"}}]}},
    ],
}


def test_the_canonical_form_ignores_key_order_whitespace_and_the_nulls_the_sdk_emits() -> None:
    shuffled = json.loads(json.dumps(DEFINITION), object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    with_nulls = {**copy.deepcopy(DEFINITION), "MlflowConfig": None, "PipelineExperimentConfig": None}
    assert canonical(json.dumps(shuffled, indent=4)) == canonical(DEFINITION) == canonical(with_nulls)
    assert text(with_nulls) == text(DEFINITION) == json.dumps(canonical(DEFINITION), sort_keys=True,
                                                                separators=(",", ":"))
    assert diff_lines(DEFINITION, json.dumps(shuffled)) == []


def test_a_change_is_shown_step_by_step() -> None:
    changed = copy.deepcopy(DEFINITION)
    changed["Steps"][0]["Arguments"]["ProcessingResources"]["ClusterConfig"]["InstanceType"] = "ml.m5.2xlarge"
    changed["Steps"].append({"Name": "Evaluate", "Type": "Processing", "Arguments": {}})
    changed["Steps"][2]["Arguments"]["ElseSteps"] = []
    changed["Parameters"][1]["DefaultValue"] = 0.9
    assert diff_lines(DEFINITION, changed) == [
        "~ parameter MinAccuracy: DefaultValue 0.8 -> 0.9",
        "+ step Evaluate (Processing)",
        "~ step Prep: Arguments.ProcessingResources.ClusterConfig.InstanceType \"ml.m5.xlarge\" -> \"ml.m5.2xlarge\"",
        "~ step Check: Arguments.ElseSteps [\"TooLow\"] -> (none)",
        "- step TooLow (Fail)",
    ]


def _stack(tmp_path: Path, definition: Any = None, spec: str = "", files: dict[str, str] | None = None) -> Path:
    root = tmp_path / "specs"
    root.mkdir(parents=True, exist_ok=True)
    (root / "stack.yaml").write_text(STACK)
    for name, body in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(body)
    body = {"apiVersion": "reconciler/v1", "kind": "Pipeline", "name": "train", "spec": {"roleArn": ROLE}}
    if definition is not None:
        body["spec"]["pipelineDefinition"] = definition
    text_ = yaml.safe_dump(body, sort_keys=False) + textwrap.indent(textwrap.dedent(spec), "  ")
    (root / "p.yaml").write_text(text_)
    return root


def errors(root: Path) -> list[str]:
    try:
        load_stack(root)
    except SpecError as exc:
        return [str(d).split("specs/", 1)[-1] for d in exc.diagnostics.errors]
    return []


def test_a_valid_definition_passes_and_expands_to_canonical_json(tmp_path: Path) -> None:
    root = _stack(tmp_path, DEFINITION)
    assert errors(root) == []
    [pipeline] = expand(load_stack(root), REGION, ACCOUNT)
    assert pipeline.request["PipelineDefinition"] == text(DEFINITION)
    assert pipeline.extra["groups"] == ("churn",)


def _broken(change: Any) -> dict[str, Any]:
    definition = copy.deepcopy(DEFINITION)
    change(definition)
    return definition


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d.pop("Version"), "the pipeline definition needs a Version"),
    (lambda d: d["Steps"][1].update(DependsOn=["Prepp"]),
     "step Train: DependsOn names 'Prepp', which is not a step of this pipeline (did you mean 'Prep'?)"),
    (lambda d: d["Steps"][1]["Arguments"]["ResourceConfig"].update(InstanceCount={"Get": "Parameters.Count"}),
     "step Train: Get: Parameters.Count names a parameter the definition does not declare"),
    (lambda d: d["Steps"][1]["Arguments"]["InputDataConfig"][0]["DataSource"]["S3DataSource"].update(
        S3Uri={"Get": "Steps.Prepare.ProcessingOutputConfig"}),
     "step Train: Get: Steps.Prepare.ProcessingOutputConfig names a step this pipeline does not have"),
    (lambda d: d["Steps"][0].update(Name="Train"), "duplicate step name 'Train'"),
    (lambda d: d["Steps"][0].update(Name="prep step"), "step name 'prep step' is not valid"),
    (lambda d: d["Steps"][0].update(Type="Processsing"), "step Prep: Type 'Processsing' is not a SageMaker pipeline "
                                                         "step type"),
    (lambda d: d["Steps"][2]["Arguments"].update(IfSteps=["Register"]), "Condition step Check: IfSteps must be a "
                                                                        "list of steps"),
    (lambda d: d["Steps"][0].update(DependsOn=["Train"]), "the steps depend on each other in a cycle: "),
    (lambda d: d["Parameters"][0].update(Type="Str"), "parameter InstanceType: Type 'Str' is not one of String"),
])
def test_definition_problems_are_reported_at_their_line(tmp_path: Path, change: Any, expected: str) -> None:
    found = errors(_stack(tmp_path, _broken(change)))
    assert any(expected in e for e in found), found
    assert all(e.startswith("p.yaml:") for e in found)


def test_a_missing_step_reference_points_at_the_get(tmp_path: Path) -> None:
    definition = _broken(lambda d: d["Steps"][1].update(DependsOn=["Missing"]))
    [found] = errors(_stack(tmp_path, definition))
    text_ = (tmp_path / "specs" / "p.yaml").read_text().splitlines()
    line = int(found.split(":")[1])
    assert "Missing" in text_[line - 1]


def test_a_definition_file_is_checked_at_its_own_lines_and_references_work_inside_it(tmp_path: Path) -> None:
    definition = _broken(lambda d: d["Steps"][1].update(DependsOn=["Nope"]))
    definition["Steps"][2]["Arguments"]["IfSteps"][0]["Arguments"]["ModelPackageGroupName"] = \
        "${ModelPackageGroup.churn.name}"
    body = json.dumps(definition, indent=2)
    group = "---\napiVersion: reconciler/v1\nkind: ModelPackageGroup\nname: churn\nspec: {}\n"
    root = _stack(tmp_path, spec="definitionFile: pipelines/train.json\n", files={"pipelines/train.json": body,
                                                                                    "group.yaml": group})
    [found] = errors(root)
    assert found.startswith(f"{root / 'pipelines' / 'train.json'}:".split("specs/", 1)[-1]) or \
        "pipelines/train.json:" in found, found
    line = int(found.split("train.json:")[1].split(":")[0])
    assert "Nope" in body.splitlines()[line - 1]
    # fixed, the reference inside the file is resolved and orders the group first
    (root / "pipelines" / "train.json").write_text(body.replace('"Nope"', '"Prep"'))
    stack = load_stack(root)
    assert stack.order == ["ModelPackageGroup/churn", "Pipeline/train"]
    _group, pipeline = expand(stack, REGION, ACCOUNT)
    assert pipeline.extra["groups"] == ("churn",) and '"ModelPackageGroupName":"churn"' in \
        pipeline.request["PipelineDefinition"]


def test_exactly_one_way_to_give_the_definition(tmp_path: Path) -> None:
    assert any("a Pipeline needs its definition" in e for e in errors(_stack(tmp_path)))
    both = _stack(tmp_path / "b", DEFINITION, spec="definitionFile: x.json\n")
    assert any("has its definition 2 ways (pipelineDefinition, definitionFile)" in e for e in errors(both))
    missing = _stack(tmp_path / "m", spec="definitionFile: nope.json\n")
    assert any("definitionFile nope.json: no such file" in e for e in errors(missing))


def test_a_definition_file_that_is_not_json_is_one_error_at_its_line(tmp_path: Path) -> None:
    body = '{"Version": "2020-12-01",\n "Steps": [\n'
    root = _stack(tmp_path, spec="definitionFile: train.json\n", files={"train.json": body})
    [found] = errors(root)
    assert found.endswith("train.json:3:1: invalid JSON: Expecting value"), found


def test_start_on_change_takes_declared_parameters(tmp_path: Path) -> None:
    root = _stack(tmp_path, DEFINITION, spec="startOnChange: {parameters: {InstanceTyp: ml.m5.large}}\n")
    assert any("startOnChange.parameters.InstanceTyp: the definition declares no parameter 'InstanceTyp' (did you "
               "mean 'InstanceType'?)" in e for e in errors(root))


def test_a_definition_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    big = copy.deepcopy(DEFINITION)
    big["Steps"][0]["Arguments"]["Environment"] = {f"K{i}": "v" * 1000 for i in range(1100)}
    assert any("characters as JSON; SageMaker takes at most 1,048,576" in e for e in errors(_stack(tmp_path, big)))
