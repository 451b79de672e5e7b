"""`reconciler import` of Model Monitor schedules and shadow tests through the CLI against the sandbox: made by
hand with boto3 (as with the AWS CLI), imported into a stack directory and adopted, after which the stack's plan
has nothing to do."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from tests.integration.conftest import Cli, clock_scale

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
MONITOR_IMAGE = "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer"

STACK = f"""\
apiVersion: reconciler/v1
kind: Stack
name: imports
spec:
  region: us-east-1
---
apiVersion: reconciler/v1
kind: Model
name: shop-xgb
spec:
  executionRoleArn: {ROLE}
  primaryContainer:
    image: {IMAGE}
    modelDataUrl: s3://ml-artifacts/shop/xgb/model.tar.gz
---
apiVersion: reconciler/v1
kind: Endpoint
name: shop
spec:
  productionVariants:
    - variantName: main
      modelName: ${{Model.shop-xgb.name}}
      instanceType: ml.m5.large
      initialInstanceCount: 1
  dataCaptureConfig:
    enableCapture: true
    initialSamplingPercentage: 50
    destinationS3Uri: s3://ml-artifacts/shop/capture
    captureOptions: [{{captureMode: Input}}, {{captureMode: Output}}]
"""


def _sm() -> Any:
    return boto3.client("sagemaker")


def _stack(cli: Cli, tmp_path: Path) -> Path:
    """A stack directory with the shop endpoint (capturing data) applied."""
    root = tmp_path / "stack"
    root.mkdir()
    (root / "stack.yaml").write_text(STACK)
    applied = cli("apply", root, "--auto-approve")
    assert applied.code == 0, applied.text
    return root


def _converged(cli: Cli, root: Path) -> None:
    plan = cli("plan", root, "--detailed-exitcode")
    assert plan.code == 0, plan.text
    assert "No changes" in plan.out, plan.out


def _documents(root: Path, name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((root / name).read_text()) if d]


def _tags(arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in _sm().list_tags(ResourceArn=arn)["Tags"]}


# --- MonitoringSchedule ------------------------------------------------------------------------------------------


def _data_quality_definition(name: str, endpoint: str = "shop", **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "JobDefinitionName": name,
        "DataQualityAppSpecification": {"ImageUri": MONITOR_IMAGE},
        "DataQualityBaselineConfig": {
            "ConstraintsResource": {"S3Uri": "s3://ml-artifacts/shop/baseline/constraints.json"},
            "StatisticsResource": {"S3Uri": "s3://ml-artifacts/shop/baseline/statistics.json"}},
        "DataQualityJobInput": {"EndpointInput": {"EndpointName": endpoint,
                                                  "LocalPath": "/opt/ml/processing/input"}},
        "DataQualityJobOutputConfig": {"MonitoringOutputs": [{"S3Output": {
            "S3Uri": "s3://ml-artifacts/shop/monitoring", "LocalPath": "/opt/ml/processing/output"}}]},
        "JobResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                                           "VolumeSizeInGB": 20}},
        "RoleArn": ROLE,
        **extra,
    }
    _sm().create_data_quality_job_definition(**request)
    return request


def _schedule(name: str, definition: str, monitoring_type: str = "DataQuality",
              expression: str | None = "cron(0 * ? * * *)", tags: dict[str, str] | None = None) -> str:
    config: dict[str, Any] = {"MonitoringJobDefinitionName": definition, "MonitoringType": monitoring_type}
    if expression is not None:
        config["ScheduleConfig"] = {"ScheduleExpression": expression}
    response = _sm().create_monitoring_schedule(
        MonitoringScheduleName=name, MonitoringScheduleConfig=config,
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])
    return str(response["MonitoringScheduleArn"])


def test_a_hand_made_schedule_is_imported_adopted_and_then_planned_as_it_is(cli: Cli, tmp_path: Path) -> None:
    root = _stack(cli, tmp_path)
    _data_quality_definition("shop-dq-by-hand", StoppingCondition={"MaxRuntimeInSeconds": 1800},
                             Tags=[{"Key": "owner", "Value": "data-team"}])
    arn = _schedule("shop-dq", "shop-dq-by-hand", tags={"owner": "data-team"})

    imported = cli("import", "MonitoringSchedule", "shop-dq", "--into", root, "--adopt")
    assert imported.code == 0, imported.text
    assert "Adopted: 2 resource(s)" in imported.out, imported.out
    [doc] = _documents(root, "monitoringschedule-shop-dq.yaml")
    assert doc["kind"] == "MonitoringSchedule" and doc["name"] == "shop-dq"
    assert doc["tags"] == {"owner": "data-team"}
    spec = doc["spec"]
    assert spec["monitoringType"] == "DataQuality"
    assert spec["scheduleConfig"] == {"scheduleExpression": "cron(0 * ? * * *)"}
    assert "status" not in spec
    job = spec["jobDefinition"]
    assert job["dataQualityJobInput"] == {"endpointInput": {"endpointName": "${Endpoint.shop.name}",
                                                            "localPath": "/opt/ml/processing/input"}}
    assert job["stoppingCondition"] == {"maxRuntimeInSeconds": 1800}
    assert job["roleArn"] == ROLE
    assert job["jobResources"] == {"clusterConfig": {"instanceCount": 1, "instanceType": "ml.m5.xlarge",
                                                     "volumeSizeInGB": 20}}
    # SageMaker's defaults are left out
    assert "s3UploadMode" not in json.dumps(job) and "s3InputMode" not in json.dumps(job)

    _converged(cli, root)
    assert cli("drift", root).code == 0
    described = _sm().describe_monitoring_schedule(MonitoringScheduleName="shop-dq")
    assert described["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"] == "shop-dq-by-hand"
    assert _tags(arn)["reconciler:address"] == "MonitoringSchedule/shop-dq"
    definition = _sm().describe_data_quality_job_definition(JobDefinitionName="shop-dq-by-hand")
    assert _tags(definition["JobDefinitionArn"])["reconciler:stack"] == "imports"


def test_an_adopted_definition_is_replaced_only_when_the_document_changes_it(cli: Cli, tmp_path: Path) -> None:
    root = _stack(cli, tmp_path)
    _data_quality_definition("shop-dq-by-hand")
    _schedule("shop-dq", "shop-dq-by-hand")
    assert cli("import", "MonitoringSchedule", "shop-dq", "--into", root, "--adopt").code == 0
    path = root / "monitoringschedule-shop-dq.yaml"
    text = path.read_text()
    assert "stoppingCondition" not in text  # SageMaker's default (3600 s) is not written
    path.write_text(text.replace("  scheduleConfig:", "    stoppingCondition: {maxRuntimeInSeconds: 1200}\n"
                                 "  scheduleConfig:"))
    plan = json.loads(cli("plan", root, "--format", "json").out)
    steps = [(s["operation"], s["address"]) for s in plan["steps"]]
    assert [op for op, _ in steps] == ["CreateDataQualityJobDefinition", "UpdateMonitoringSchedule",
                                       "DeleteDataQualityJobDefinition"], steps
    assert steps[0][1].startswith("data-quality-job-definition/shop-dq-")
    assert steps[2][1] == "data-quality-job-definition/shop-dq-by-hand"


def test_a_schedule_changed_by_hand_after_adoption_is_accepted_back_into_git(cli: Cli, tmp_path: Path) -> None:
    root = _stack(cli, tmp_path)
    _data_quality_definition("shop-dq-by-hand")
    _schedule("shop-dq", "shop-dq-by-hand")
    assert cli("import", "MonitoringSchedule", "shop-dq", "--into", root, "--adopt").code == 0
    same = cli("drift", root, "--accept", "MonitoringSchedule/shop-dq")
    assert same.code == 0 and "nothing to accept" in same.out, same.text
    _sm().update_monitoring_schedule(MonitoringScheduleName="shop-dq", MonitoringScheduleConfig={
        "ScheduleConfig": {"ScheduleExpression": "cron(0 0/6 ? * * *)"},
        "MonitoringJobDefinitionName": "shop-dq-by-hand", "MonitoringType": "DataQuality"})
    accepted = cli("drift", root, "--accept", "MonitoringSchedule/shop-dq")
    assert accepted.code == 2, accepted.text
    assert '~ spec.scheduleConfig.scheduleExpression: "cron(0 * ? * * *)" -> "cron(0 0/6 ? * * *)"' in accepted.out, \
        accepted.out


def test_a_stopped_schedule_without_schedule_config_on_an_endpoint_outside_the_stack(cli: Cli, tmp_path: Path
                                                                                     ) -> None:
    _stack(cli, tmp_path)  # the endpoint exists, but the new directory's stack does not define it
    _sm().create_model_quality_job_definition(
        JobDefinitionName="shop-mq-by-hand",
        ModelQualityAppSpecification={"ImageUri": MONITOR_IMAGE, "ProblemType": "BinaryClassification"},
        ModelQualityJobInput={"EndpointInput": {"EndpointName": "shop", "LocalPath": "/opt/ml/processing/input",
                                                "ProbabilityAttribute": "0", "ProbabilityThresholdAttribute": 0.5},
                              "GroundTruthS3Input": {"S3Uri": "s3://ml-artifacts/shop/ground-truth"}},
        ModelQualityJobOutputConfig={"MonitoringOutputs": [{"S3Output": {
            "S3Uri": "s3://ml-artifacts/shop/mq", "LocalPath": "/opt/ml/processing/output"}}]},
        JobResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 20}},
        RoleArn=ROLE, StoppingCondition={"MaxRuntimeInSeconds": 1800})
    _schedule("shop-mq", "shop-mq-by-hand", "ModelQuality", expression=None)
    _sm().stop_monitoring_schedule(MonitoringScheduleName="shop-mq")
    into = tmp_path / "new"

    imported = cli("import", "MonitoringSchedule", "shop-mq", "--into", into, "--adopt")
    assert imported.code == 0, imported.text
    assert "note: MonitoringSchedule/shop-mq: endpointName shop is not an Endpoint document" in imported.out
    [doc] = _documents(into, "monitoringschedule-shop-mq.yaml")
    spec = doc["spec"]
    assert spec["status"] == "Stopped" and "scheduleConfig" not in spec
    assert spec["jobDefinition"]["modelQualityJobInput"]["endpointInput"]["endpointName"] == "shop"
    assert spec["jobDefinition"]["modelQualityJobInput"]["endpointInput"]["probabilityThresholdAttribute"] == 0.5
    _converged(cli, into)


def test_import_without_into_prints_the_yaml(cli: Cli, tmp_path: Path) -> None:
    _stack(cli, tmp_path)
    _data_quality_definition("shop-dq-by-hand")
    arn = _schedule("shop-dq", "shop-dq-by-hand")
    printed = cli("import", "MonitoringSchedule", "shop-dq")
    assert printed.code == 0, printed.text
    assert printed.out.startswith(f"# Imported from {arn}\n"), printed.out
    [doc] = [d for d in yaml.safe_load_all(printed.out) if d]
    assert doc["kind"] == "MonitoringSchedule"
    assert doc["spec"]["jobDefinition"]["dataQualityJobInput"]["endpointInput"]["endpointName"] == "shop"
    assert "reconciler:" not in printed.out.replace("# ", "")


def test_a_missing_or_owned_schedule_is_a_one_line_error(cli: Cli, tmp_path: Path) -> None:
    missing = cli("import", "MonitoringSchedule", "nowhere")
    assert missing.code == 1
    assert missing.err.strip().count("\n") == 0 and "'nowhere' was not found" in missing.err, missing.err
    root = _stack(cli, tmp_path)
    _data_quality_definition("shop-dq-by-hand")
    _schedule("shop-dq", "shop-dq-by-hand")
    assert cli("import", "MonitoringSchedule", "shop-dq", "--into", root, "--adopt").code == 0
    owned = cli("import", "MonitoringSchedule", "shop-dq")
    assert owned.code == 1
    assert owned.err.strip().count("\n") == 0 and "already managed by stack 'imports'" in owned.err, owned.err
    _schedule("shop-dq-too", "shop-dq-by-hand")  # another schedule on the definition adopted with shop-dq
    shared = cli("import", "MonitoringSchedule", "shop-dq-too", "--into", root, "--adopt")
    assert shared.code == 1
    assert "'shop-dq-too' runs a definition a stack owns: data quality job definition 'shop-dq-by-hand' is " \
        "already managed by stack 'imports'" in shared.err, shared.err
    assert not (root / "monitoringschedule-shop-dq-too.yaml").exists()


def test_a_schedule_with_an_inline_job_is_refused(cli: Cli, tmp_path: Path) -> None:
    _stack(cli, tmp_path)
    _sm().create_monitoring_schedule(MonitoringScheduleName="inline", MonitoringScheduleConfig={
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
        "MonitoringJobDefinition": {
            "MonitoringInputs": [{"EndpointInput": {"EndpointName": "shop", "LocalPath": "/opt/ml/processing/input"}}],
            "MonitoringOutputConfig": {"MonitoringOutputs": [{"S3Output": {
                "S3Uri": "s3://ml-artifacts/shop/inline", "LocalPath": "/opt/ml/processing/output"}}]},
            "MonitoringResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                                                      "VolumeSizeInGB": 20}},
            "MonitoringAppSpecification": {"ImageUri": MONITOR_IMAGE},
            "RoleArn": ROLE}})
    refused = cli("import", "MonitoringSchedule", "inline")
    assert refused.code == 1
    assert "defines its job inline" in refused.err and refused.err.strip().count("\n") == 0, refused.err


def test_import_all_finds_schedules(cli: Cli, tmp_path: Path) -> None:
    root = _stack(cli, tmp_path)
    for i in range(3):
        _data_quality_definition(f"shop-dq-{i}-by-hand")
        _schedule(f"shop-dq-{i}", f"shop-dq-{i}-by-hand")
    result = cli("import", "--all", "--filter", "shop-dq-*", "--into", root)
    assert result.code == 0, result.text
    written = sorted(p.name for p in root.glob("monitoringschedule-*.yaml"))
    assert written == ["monitoringschedule-shop-dq-0.yaml", "monitoringschedule-shop-dq-1.yaml",
                       "monitoringschedule-shop-dq-2.yaml"]


# --- ShadowTest --------------------------------------------------------------------------------------------------


@pytest.fixture()
def slow_clock(cli: Cli) -> Iterator[None]:
    """Sandbox time at 600x wall time: a shadow test's default 7 days last long enough to import it."""
    with clock_scale(cli.sandbox, 600):
        yield


def _variant(model: str, variant: str, count: int) -> dict[str, Any]:
    return {"ModelName": model, "VariantName": variant, "InfrastructureConfig": {
        "InfrastructureType": "RealTimeInference",
        "RealTimeInferenceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": count}}}


def _shadow_test(name: str, production_model: str, *, schedule: dict[str, Any] | None = None,
                 tags: dict[str, str] | None = None, storage: bool = False, started: set[str] | None = None) -> str:
    """A shadow test of the shop endpoint made by hand, the production model against a challenger, started
    (waited for until it is in one of `started`, default Running)."""
    sm = _sm()
    sm.create_model(ModelName="shop-challenger", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://ml-artifacts/shop/challenger.tar.gz"})
    request: dict[str, Any] = {
        "Name": name, "Type": "ShadowMode", "RoleArn": ROLE, "EndpointName": "shop",
        "ModelVariants": [_variant(production_model, "main", 1), _variant("shop-challenger", "challenger", 1)],
        "ShadowModeConfig": {"SourceModelVariantName": "main", "ShadowModelVariants": [
            {"ShadowModelVariantName": "challenger", "SamplingPercentage": 30}]},
        "Description": "challenger at 30%",
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }
    if schedule is not None:
        request["Schedule"] = schedule
    if storage:
        request["DataStorageConfig"] = {"Destination": "s3://ml-artifacts/shop/shadow"}
    arn = str(sm.create_inference_experiment(**request)["InferenceExperimentArn"])
    if started is not None:
        _wait_experiment(name, started)
        return arn
    _wait_experiment(name, {"Created", "Running"})
    if sm.describe_inference_experiment(Name=name)["Status"] == "Created":
        sm.start_inference_experiment(Name=name)
    _wait_experiment(name, {"Running"})
    return arn


def _wait_experiment(name: str, statuses: set[str]) -> None:
    import time

    deadline = time.monotonic() + 60
    while _sm().describe_inference_experiment(Name=name)["Status"] not in statuses:
        assert time.monotonic() < deadline, _sm().describe_inference_experiment(Name=name)["Status"]
        time.sleep(0.05)


def _iso(stamp: dt.datetime) -> str:
    return stamp.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _production_model() -> str:
    config = _sm().describe_endpoint(EndpointName="shop")["EndpointConfigName"]
    return str(_sm().describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"][0]["ModelName"])


def test_a_hand_made_shadow_test_is_imported_adopted_and_then_planned_as_it_is(cli: Cli, tmp_path: Path,
                                                                              slow_clock: None) -> None:
    root = _stack(cli, tmp_path)
    arn = _shadow_test("shop-shadow", _production_model(), tags={"owner": "data-team"})

    imported = cli("import", "ShadowTest", "shop-shadow", "--into", root, "--adopt")
    assert imported.code == 0, imported.text
    [doc] = _documents(root, "shadowtest-shop-shadow.yaml")
    assert doc["tags"] == {"owner": "data-team"}
    spec = doc["spec"]
    assert spec["endpointName"] == "${Endpoint.shop.name}"
    assert [v["modelName"] for v in spec["modelVariants"]] == ["${Model.shop-xgb.name}", "shop-challenger"]
    assert spec["shadowModeConfig"] == {"sourceModelVariantName": "main", "shadowModelVariants": [
        {"shadowModelVariantName": "challenger", "samplingPercentage": 30}]}
    assert spec["description"] == "challenger at 30%" and spec["roleArn"] == ROLE
    assert "schedule" not in spec  # SageMaker's default (7 days from the start)
    assert "status" not in json.dumps(spec).lower().replace("statusreason", "")
    assert "note: ShadowTest/shop-shadow: model shop-challenger (variant challenger) is not a Model document" \
        in imported.out, imported.out

    _converged(cli, root)
    assert _tags(arn)["reconciler:address"] == "ShadowTest/shop-shadow"
    assert _sm().describe_inference_experiment(Name="shop-shadow")["Status"] == "Running"


def test_a_shadow_test_changed_by_hand_after_adoption_is_accepted_back_into_git(cli: Cli, tmp_path: Path,
                                                                               slow_clock: None) -> None:
    root = _stack(cli, tmp_path)
    _shadow_test("shop-shadow", _production_model())
    assert cli("import", "ShadowTest", "shop-shadow", "--into", root, "--adopt").code == 0
    same = cli("drift", root, "--accept", "ShadowTest/shop-shadow")
    assert same.code == 0 and "nothing to accept" in same.out, same.text
    _sm().update_inference_experiment(Name="shop-shadow", ShadowModeConfig={
        "SourceModelVariantName": "main",
        "ShadowModelVariants": [{"ShadowModelVariantName": "challenger", "SamplingPercentage": 50}]})
    _wait_experiment("shop-shadow", {"Running"})
    accepted = cli("drift", root, "--accept", "ShadowTest/shop-shadow")
    assert accepted.code == 2, accepted.text
    assert "~ spec.shadowModeConfig.shadowModelVariants[0].samplingPercentage: 30 -> 50" in accepted.out, accepted.out


def test_a_shadow_test_scheduled_to_start_later_keeps_its_schedule(cli: Cli, tmp_path: Path,
                                                                    slow_clock: None) -> None:
    root = _stack(cli, tmp_path)
    now = _sm().describe_endpoint(EndpointName="shop")["LastModifiedTime"]  # sandbox time
    start = (now + dt.timedelta(days=2)).replace(microsecond=0)
    end = start + dt.timedelta(days=3)
    _shadow_test("shop-shadow", _production_model(), schedule={"StartTime": start, "EndTime": end},
                 started={"Created"})
    imported = cli("import", "ShadowTest", "shop-shadow", "--into", root, "--adopt")
    assert imported.code == 0, imported.text
    [doc] = _documents(root, "shadowtest-shop-shadow.yaml")
    assert doc["spec"]["schedule"] == {"startTime": _iso(start), "endTime": _iso(end)}
    _converged(cli, root)
    assert _sm().describe_inference_experiment(Name="shop-shadow")["Status"] == "Created"


def test_a_shadow_test_of_an_endpoint_outside_the_stack_names_it(cli: Cli, tmp_path: Path, slow_clock: None
                                                                 ) -> None:
    _stack(cli, tmp_path)
    model = _production_model()
    _shadow_test("shop-shadow", model, storage=True)
    into = tmp_path / "new"
    imported = cli("import", "ShadowTest", "shop-shadow", "--into", into, "--adopt")
    assert imported.code == 0, imported.text
    assert "note: ShadowTest/shop-shadow: endpointName shop is not an Endpoint document" in imported.out
    [doc] = _documents(into, "shadowtest-shop-shadow.yaml")
    spec = doc["spec"]
    assert spec["endpointName"] == "shop"
    assert [v["modelName"] for v in spec["modelVariants"]] == [model, "shop-challenger"]
    assert spec["dataStorageConfig"] == {"destination": "s3://ml-artifacts/shop/shadow"}
    _converged(cli, into)


def test_a_finished_shadow_test_is_refused(cli: Cli, tmp_path: Path, slow_clock: None) -> None:
    _stack(cli, tmp_path)
    _shadow_test("shop-shadow", _production_model())
    _sm().stop_inference_experiment(Name="shop-shadow", ModelVariantActions={"main": "Retain", "challenger": "Remove"},
                                    DesiredState="Cancelled", Reason="done")
    _wait_experiment("shop-shadow", {"Cancelled", "Completed"})
    refused = cli("import", "ShadowTest", "shop-shadow")
    assert refused.code == 1
    assert "is Cancelled" in refused.err and "nothing left to manage" in refused.err, refused.err
    assert refused.err.strip().count("\n") == 0
    listed = cli("import", "--all", "--filter", "shop-shadow", "--into", tmp_path / "all")
    assert listed.code == 0 and "Nothing to import" in listed.out, listed.text


def test_a_missing_shadow_test_is_a_one_line_error(cli: Cli) -> None:
    missing = cli("import", "ShadowTest", "nowhere")
    assert missing.code == 1
    assert "ShadowTest 'nowhere' was not found" in missing.err and missing.err.strip().count("\n") == 0
