"""The MonitoringSchedule kind on its own: schedule forms and offsets, runtime limits per monitoring type,
the one-branch-per-type schema, and the expansion into a job definition and a schedule."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reconciler.addressing import Address
from reconciler.errors import SpecError
from reconciler.frozen import thaw
from reconciler.kinds import expand, load_stack
from reconciler.kinds.monitoring_schedule.checks import frequency, offset_seconds
from tests.unit.planner_support import ACCOUNT, REGION

STACK = "apiVersion: reconciler/v1\nkind: Stack\nname: s\nspec: {region: us-east-1}\n"


@pytest.mark.parametrize(("expression", "seconds"), [
    ("cron(0 * ? * * *)", 3600),
    ("cron(0 0 ? * * *)", 86400),
    ("cron(0 23 ? * * *)", 86400),
    ("cron(0 0/6 ? * * *)", 6 * 3600),
    ("cron(0 17/12 ? * * *)", 12 * 3600),
    ("cron(0 5/24 ? * * *)", 24 * 3600),
    ("NOW", None),
])
def test_the_schedule_forms_model_monitor_runs(expression: str, seconds: int | None) -> None:
    assert frequency(expression) == seconds


@pytest.mark.parametrize("expression", [
    "cron(30 * ? * * *)",  # only on the hour
    "cron(0 24 ? * * *)",
    "cron(0 0/25 ? * * *)",
    "cron(0 0/0 ? * * *)",
    "cron(0 */2 ? * * *)",
    "cron(0 * * * ? *)",
    "rate(1 hour)",
    "now",
])
def test_other_schedule_forms_are_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        frequency(expression)


@pytest.mark.parametrize(("text", "seconds"), [
    ("-PT5H", -5 * 3600), ("-PT1H", -3600), ("-P1D", -86400), ("-PT30M", -1800), ("-PT0H", 0),
    ("-P1DT2H", -(86400 + 7200)), ("PT1H", 3600), ("-5H", None), ("-PT", None), ("P", None), ("", None),
])
def test_analysis_window_offsets(text: str, seconds: int | None) -> None:
    assert offset_seconds(text) == seconds


def monitor(monitoring_type: str, runtime: int, schedule: str = "cron(0 * ? * * *)") -> str:
    lower = monitoring_type[0].lower() + monitoring_type[1:]
    truth = ", groundTruthS3Input: {s3Uri: s3://b/gt}" if monitoring_type in ("ModelQuality", "ModelBias") else ""
    config = ", configUri: s3://b/analysis.json" if monitoring_type in ("ModelBias", "ModelExplainability") else ""
    return textwrap.dedent(f"""\
        apiVersion: reconciler/v1
        kind: MonitoringSchedule
        name: mon
        spec:
          monitoringType: {monitoring_type}
          jobDefinition:
            {lower}AppSpecification: {{imageUri: 1.dkr.ecr.us-east-1.amazonaws.com/m{config}}}
            {lower}JobInput: {{endpointInput: {{endpointName: outside, localPath: /in}}{truth}}}
            {lower}JobOutputConfig: {{monitoringOutputs: [{{s3Output: {{s3Uri: s3://b/o, localPath: /o}}}}]}}
            jobResources: {{clusterConfig: {{instanceCount: 1, instanceType: ml.m5.xlarge, volumeSizeInGB: 20}}}}
            roleArn: arn:aws:iam::123456789012:role/r
            stoppingCondition: {{maxRuntimeInSeconds: {runtime}}}
          scheduleConfig: {{scheduleExpression: "{schedule}"}}
        """)


def errors(tmp_path: Path, text: str) -> list[str]:
    root = tmp_path / "specs"
    root.mkdir(exist_ok=True)
    (root / "stack.yaml").write_text(STACK)
    (root / "m.yaml").write_text(text)
    try:
        load_stack(root)
    except SpecError as exc:
        return [d.message for d in exc.diagnostics.errors]
    return []


@pytest.mark.parametrize(("monitoring_type", "hourly"), [
    ("DataQuality", 3600), ("ModelQuality", 1800), ("ModelBias", 1800), ("ModelExplainability", 3600)])
def test_the_runtime_fits_the_frequency_by_monitoring_type(tmp_path: Path, monitoring_type: str, hourly: int) -> None:
    assert errors(tmp_path, monitor(monitoring_type, hourly)) == []
    [message] = errors(tmp_path, monitor(monitoring_type, hourly + 1))
    assert message.startswith(f"stoppingCondition.maxRuntimeInSeconds {hourly + 1} exceeds what an hourly schedule "
                              f"allows: at most {hourly} s")
    assert errors(tmp_path, monitor(monitoring_type, 7200, "cron(0 0/2 ? * * *)")) == []
    [message] = errors(tmp_path, monitor(monitoring_type, 7201, "cron(0 0/2 ? * * *)"))
    assert "a schedule every 2 hours allows: at most 7200 s" in message


def test_each_type_has_its_own_branch_and_another_types_member_gets_a_suggestion(tmp_path: Path) -> None:
    text = monitor("ModelExplainability", 1800).replace("modelExplainabilityJobInput", "modelBiasJobInput")
    assert errors(tmp_path, text) == [  # one problem, one line (not also "missing modelExplainabilityJobInput")
        "unknown field 'modelBiasJobInput' in spec.jobDefinition (did you mean 'modelExplainabilityJobInput'?)",
    ]
    # the wrong monitoringType for a whole definition: one line at monitoringType, not one per member
    wrong = monitor("ModelExplainability", 1800).replace("monitoringType: ModelExplainability",
                                                         "monitoringType: ModelBias")
    assert errors(tmp_path, wrong) == [
        "monitoringType is 'ModelBias', but jobDefinition has the members of ModelExplainability "
        "(modelExplainabilityAppSpecification, modelExplainabilityJobInput, modelExplainabilityJobOutputConfig): set "
        "monitoringType: ModelExplainability, or write jobDefinition for ModelBias"]
    assert errors(tmp_path, monitor("DataQuality", 60).replace("DataQuality\n", "DataQualty\n", 1)) == [
        "spec.monitoringType: 'DataQualty' is not a valid value (did you mean 'DataQuality'?): one of DataQuality, "
        "ModelQuality, ModelBias, ModelExplainability"]


def test_a_document_expands_into_its_job_definition_and_a_schedule_pointing_at_it(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    root.mkdir()
    (root / "stack.yaml").write_text(STACK)
    (root / "m.yaml").write_text(monitor("ModelBias", 1800) + "  status: Stopped\n")
    definition, schedule = expand(load_stack(root), REGION, ACCOUNT)
    assert definition.address.type == "model-bias-job-definition"
    assert definition.address.name.startswith("mon-") and len(definition.address.name) == len("mon-") + 8
    assert definition.request["JobDefinitionName"] == definition.address.name
    assert definition.request["ModelBiasAppSpecification"]["ConfigUri"] == "s3://b/analysis.json"
    assert schedule.address == Address("monitoring-schedule", "mon")
    assert thaw(schedule.request) == {"MonitoringScheduleName": "mon", "MonitoringScheduleConfig": {
        "MonitoringJobDefinitionName": definition.address.name, "MonitoringType": "ModelBias",
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"}}}
    assert schedule.comparable["status"] == "Stopped" and schedule.extra["endpoint"] == "outside"
    # the definition's name is its content: the same content in another order is the same name
    (root / "m.yaml").write_text(monitor("ModelBias", 1800).replace(
        "    roleArn: arn:aws:iam::123456789012:role/r\n", "").replace(
        "  jobDefinition:\n", "  jobDefinition:\n    roleArn: arn:aws:iam::123456789012:role/r\n"))
    again, _ = expand(load_stack(root), REGION, ACCOUNT)
    assert again.address == definition.address
