"""`reconciler import` through the CLI on the sandbox: a stack built by hand (two endpoints, one autoscaled, an
alarm) is imported with --adopt and the next plan is empty; mistakes are one-line errors that change nothing."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from reconciler import tags as tagmod
from tests.integration.conftest import Cli, clock_scale

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
SECRET = "tok-9f8e7d6c5b4a"
SCALING = {"ServiceNamespace": "sagemaker", "ResourceId": "endpoint/fraud/variant/main",
           "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"}


def _by_hand() -> None:
    """What a team made with the AWS CLI before reconciler."""
    sm = boto3.client("sagemaker")
    sm.create_model(ModelName="fraud-v1", ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": IMAGE, "ModelDataUrl": "s3://ml/fraud/model.tar.gz", "Environment": {"API_TOKEN": SECRET}})
    sm.create_model(ModelName="churn-v1", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://ml/churn/model.tar.gz"})
    sm.create_endpoint_config(EndpointConfigName="fraud-config", ProductionVariants=[
        {"VariantName": "main", "ModelName": "fraud-v1", "InstanceType": "ml.c5.xlarge", "InitialInstanceCount": 2}])
    sm.create_endpoint_config(
        EndpointConfigName="churn-config",
        ProductionVariants=[{"VariantName": v, "ModelName": "churn-v1", "InstanceType": "ml.m5.large",
                             "InitialInstanceCount": 1, "InitialVariantWeight": w}
                            for v, w in (("a", 0.7), ("b", 0.3))],
        DataCaptureConfig={"EnableCapture": True, "InitialSamplingPercentage": 10, "DestinationS3Uri": "s3://ml/cap",
                           "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]})
    sm.create_endpoint(EndpointName="fraud", EndpointConfigName="fraud-config", Tags=[{"Key": "team", "Value": "risk"}])
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-config")
    for name in ("fraud", "churn"):
        sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 200})
    aas = boto3.client("application-autoscaling")
    aas.register_scalable_target(**SCALING, MinCapacity=2, MaxCapacity=6)
    aas.put_scaling_policy(**SCALING, PolicyName="fraud-invocations", PolicyType="TargetTrackingScaling",
                           TargetTrackingScalingPolicyConfiguration={
                               "TargetValue": 700.0, "ScaleInCooldown": 300,
                               "PredefinedMetricSpecification": {"PredefinedMetricType":
                                                                 "SageMakerVariantInvocationsPerInstance"}})
    boto3.client("cloudwatch").put_metric_alarm(
        AlarmName="churn-5xx", Namespace="AWS/SageMaker", MetricName="Invocation5XXErrors",
        Dimensions=[{"Name": "EndpointName", "Value": "churn"}, {"Name": "VariantName", "Value": "a"}],
        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=5.0, ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching")


def _tags(arn: str) -> dict[str, str]:
    return tagmod.from_tag_list(boto3.client("sagemaker").list_tags(ResourceArn=arn)["Tags"])


def _configs() -> dict[str, Any]:
    sm = boto3.client("sagemaker")
    return {e["EndpointName"]: sm.describe_endpoint(EndpointName=e["EndpointName"])["EndpointConfigName"]
            for e in sm.list_endpoints()["Endpoints"]}


def test_a_hand_made_stack_is_adopted_and_the_next_plan_is_empty(cli: Cli, tmp_path: Path) -> None:
    _by_hand()
    root = tmp_path / "brownfield"
    for kind, name in (("Endpoint", "fraud"), ("Endpoint", "churn"), ("Alarm", "churn-5xx")):
        result = cli("import", kind, name, "--into", root, "--adopt")
        assert result.code == 0, result.text
        assert "Adopted:" in result.out and SECRET not in result.text
    assert sorted(p.name for p in root.iterdir()) == ["alarm-churn-5xx.yaml", "endpoint-churn.yaml",
                                                      "endpoint-fraud.yaml", "stack.yaml"]
    fraud = (root / "endpoint-fraud.yaml").read_text()
    assert "modelName: ${Model.fraud-v1.name}" in fraud and "minCapacity: 2" in fraud and "maxCapacity: 6" in fraud
    assert "policyName: fraud-invocations" in fraud and "team: risk" in fraud
    assert "deploymentConfig (the rollout policy of updates) is not readable" in fraud
    churn = (root / "endpoint-churn.yaml").read_text()
    assert churn.count("modelName: ${Model.churn-v1.name}") == 2 and "kind: Model\nname: churn-v1" in churn
    plan = cli("plan", root, "--detailed-exitcode")
    assert plan.code == 0 and "No changes" in plan.out, plan.text
    assert cli("drift", root).code == 0
    assert _configs() == {"fraud": "fraud-config", "churn": "churn-config"}  # nothing was redeployed
    endpoint = boto3.client("sagemaker").describe_endpoint(EndpointName="fraud")
    tags = _tags(endpoint["EndpointArn"])
    assert tags[tagmod.STACK] == "brownfield" and tags[tagmod.ADDRESS] == "Endpoint/fraud" and tags["team"] == "risk"

    # Once adopted it is managed like any other: a weight change is a weight-only update, no new config.
    (root / "endpoint-churn.yaml").write_text(churn.replace("initialVariantWeight: 0.7", "initialVariantWeight: 0.5"))
    changed = cli("apply", root, "--auto-approve")
    assert changed.code == 0 and "UpdateEndpointWeightsAndCapacities" in changed.out, changed.text
    assert _configs()["churn"] == "churn-config"
    assert cli("plan", root, "--detailed-exitcode").code == 0


def test_adoption_is_refused_before_any_write_when_the_document_differs(cli: Cli, tmp_path: Path) -> None:
    _by_hand()
    root = tmp_path / "stack"
    first = cli("import", "Endpoint", "fraud", "--into", root)
    assert first.code == 0 and "--adopt" in first.out, first.text
    path = root / "endpoint-fraud.yaml"
    path.write_text(path.read_text().replace("ml.c5.xlarge", "ml.c5.2xlarge"))
    refused = cli("import", "Endpoint", "fraud", "--into", root, "--adopt")
    assert refused.code == 1 and "not adopted, nothing was changed" in refused.err, refused.text
    endpoint = boto3.client("sagemaker").describe_endpoint(EndpointName="fraud")
    assert tagmod.STACK not in _tags(endpoint["EndpointArn"])
    path.write_text(path.read_text().replace("ml.c5.2xlarge", "ml.c5.xlarge"))
    adopted = cli("import", "Endpoint", "fraud", "--into", root, "--adopt")  # the documents as written
    assert adopted.code == 0, adopted.text
    assert cli("plan", root, "--detailed-exitcode").code == 0


def test_import_all_with_a_filter_and_printing_masks_secrets(cli: Cli, tmp_path: Path) -> None:
    _by_hand()
    printed = cli("import", "Model", "fraud-v1")
    assert printed.code == 0 and "API_TOKEN: (sensitive" in printed.out and SECRET not in printed.text
    root = tmp_path / "all"
    result = cli("import", "--all", "--filter", "fraud*", "--into", root, "--adopt")
    assert result.code == 0, result.text
    assert sorted(p.name for p in root.iterdir()) == ["endpoint-fraud.yaml", "stack.yaml"]
    assert SECRET not in result.text and "API_TOKEN holds a secret" in result.err
    assert cli("plan", root, "--detailed-exitcode").code == 0
    again = cli("import", "--all", "--into", tmp_path / "rest")
    assert again.code == 0 and "skipped 2 resource(s) stacks own already (all)" in again.err, again.text
    written = sorted(p.name for p in (tmp_path / "rest").iterdir())
    assert written == ["alarm-churn-5xx.yaml", "endpoint-churn.yaml", "stack.yaml"]


@pytest.mark.parametrize(("args", "message"), [
    (("import", "Endpoint", "nope"), "error: Endpoint 'nope' was not found in this account and region"),
    (("import", "Endpointt", "fraud"), "error: 'Endpointt' is not a kind that can be imported (did you mean "
                                       "'Endpoint'?)"),
    (("import", "Endpoint"), "error: give KIND and NAME (import Endpoint churn), or --all"),
    (("import", "Endpoint", "fraud", "--adopt"), "error: --adopt makes the resources a stack's: give the stack "
                                                 "directory with --into DIR"),
    (("import", "Model", "fraud-v1", "--filter", "f*"), "error: --filter narrows --all"),
])
def test_import_mistakes_are_one_line_errors(cli: Cli, args: tuple[str, ...], message: str) -> None:
    _by_hand()
    result = cli(*args)
    assert result.code == 1 and result.err.startswith(message) and result.err.count("\n") == 1, result.text


def test_a_resource_a_stack_owns_is_not_imported(cli: Cli, tmp_path: Path) -> None:
    assert cli("apply", cli.root, "--auto-approve").code == 0
    result = cli("import", "Endpoint", "churn", "--into", tmp_path / "other")
    assert result.code == 1 and "is already managed by stack 'churn-prod'" in result.err, result.text
    assert not (tmp_path / "other").exists()


def _adopted(cli: Cli, tmp_path: Path) -> Path:
    _by_hand()
    root = tmp_path / "brownfield"
    for kind, name in (("Endpoint", "fraud"), ("Alarm", "churn-5xx")):
        assert cli("import", kind, name, "--into", root, "--adopt").code == 0
    return root


def test_a_change_by_hand_after_adoption_is_drift_and_accept_prints_the_patch(
        cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = _adopted(cli, Path("."))
    boto3.client("application-autoscaling").register_scalable_target(**SCALING, MinCapacity=2, MaxCapacity=9)
    boto3.client("cloudwatch").put_metric_alarm(
        AlarmName="churn-5xx", Namespace="AWS/SageMaker", MetricName="Invocation5XXErrors",
        Dimensions=[{"Name": "EndpointName", "Value": "churn"}, {"Name": "VariantName", "Value": "a"}],
        Statistic="Sum", Period=60, EvaluationPeriods=3, Threshold=10.0, ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching")
    drift = cli("drift", root)
    assert drift.code == 2 and "[drift] scalable-target/endpoint/fraud/variant/main" in drift.out, drift.text
    assert "[drift] alarm/churn-5xx" in drift.out

    accepted = cli("drift", root, "--accept", "Endpoint/fraud", "--accept", "alarm/churn-5xx")
    assert accepted.code == 2, accepted.text
    assert "~ spec.productionVariants[0].autoscaling.maxCapacity: 6 -> 9" in accepted.out
    assert "~ spec.evaluationPeriods: 1 -> 3" in accepted.out and "~ spec.threshold: 5 -> 10" in accepted.out
    patches = [_diff_lines(p) for p in accepted.out.split("Patch (apply with `git apply` in this directory):\n")[1:]]
    assert len(patches) == 2 and cli("drift", root).code == 2  # only printed: nothing was written
    for patch in patches:
        done = subprocess.run(["git", "apply", "-"], input=patch, text=True, capture_output=True, check=False)
        assert done.returncode == 0, done.stderr
    assert "maxCapacity: 9" in (root / "endpoint-fraud.yaml").read_text()
    applied = cli("apply", root, "--auto-approve")  # git matches live now: only the records of the apply change
    assert applied.code == 0 and "RegisterScalableTarget" not in applied.out and "PutMetricAlarm" not in applied.out
    assert cli("plan", root, "--detailed-exitcode").code == 0
    boto3.client("application-autoscaling").register_scalable_target(**SCALING, MinCapacity=2, MaxCapacity=6)
    again = cli("drift", root)  # the accepted state was recorded: going back by hand is drift, not pending
    assert again.code == 2 and "[drift] scalable-target/endpoint/fraud/variant/main" in again.out, again.text


def _diff_lines(text: str) -> str:
    """The unified diff at the start of `text` (up to the first line that is not part of one)."""
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith(("---", "+++", "@@", " ", "+", "-")):
            break
        lines.append(line)
    return "".join(lines)


def test_accept_of_a_document_in_sync_and_of_an_unknown_address(cli: Cli, tmp_path: Path) -> None:
    root = _adopted(cli, tmp_path)
    same = cli("drift", root, "--accept", "Endpoint/fraud")
    assert same.code == 0 and "git matches live; nothing to accept" in same.out, same.text
    unknown = cli("drift", root, "--accept", "Endpoint/frad")
    assert unknown.code == 1 and unknown.err.startswith("error: --accept Endpoint/frad: no document of that address "
                                                        "in the stack (did you mean 'Endpoint/fraud'?)"), unknown.text


def test_an_endpoint_serving_a_running_shadow_test_is_refused(cli: Cli, tmp_path: Path) -> None:
    _by_hand()
    sm = boto3.client("sagemaker")
    sm.create_model(ModelName="churn-v2", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://ml/churn/v2.tar.gz"})
    variant = {"InfrastructureType": "RealTimeInference",
               "RealTimeInferenceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1}}
    sm.create_inference_experiment(
        Name="churn-shadow", Type="ShadowMode", RoleArn=ROLE, EndpointName="churn",
        ModelVariants=[{"ModelName": "churn-v1", "VariantName": "a", "InfrastructureConfig": variant},
                       {"ModelName": "churn-v2", "VariantName": "shadow", "InfrastructureConfig": variant}],
        ShadowModeConfig={"SourceModelVariantName": "a", "ShadowModelVariants": [
            {"ShadowModelVariantName": "shadow", "SamplingPercentage": 20}]})
    for _ in range(400):
        status = sm.describe_inference_experiment(Name="churn-shadow")["Status"]
        if status == "Created":
            sm.start_inference_experiment(Name="churn-shadow")
        if status == "Running" and sm.describe_endpoint(EndpointName="churn").get("ShadowProductionVariants"):
            break
        time.sleep(0.02)
    refused = cli("import", "Endpoint", "churn", "--into", tmp_path / "stack")
    assert refused.code == 1 and "serves shadow test 'churn-shadow'" in refused.err, refused.text
    assert not (tmp_path / "stack").exists()


def test_documents_written_first_are_adopted_later_one_by_one_or_all_at_once(cli: Cli, tmp_path: Path) -> None:
    _by_hand()
    root = tmp_path / "later"
    assert cli("import", "--all", "--into", root).code == 0
    written = sorted(p.name for p in root.iterdir())
    one = cli("import", "Alarm", "churn-5xx", "--into", root, "--adopt")  # the endpoints not adopted yet do not block
    assert one.code == 0 and "Adopted: 1 resource(s)" in one.out, one.text
    rest = cli("import", "--all", "--into", root, "--adopt")
    assert rest.code == 0 and "Adopted:" in rest.out, rest.text
    assert sorted(p.name for p in root.iterdir()) == written  # adopted as written: no file rewritten or added
    assert cli("plan", root, "--detailed-exitcode").code == 0


def test_a_wrong_kind_or_document_address_is_refused_before_any_aws_call(cli: Cli, tmp_path: Path) -> None:
    dead = "http://127.0.0.1:9"  # nothing listens there: any AWS call would fail with a connection error
    kind = cli("import", "Endpoints", "churn", "--endpoint-url", dead)
    assert kind.code == 1 and "'Endpoints' is not a kind that can be imported (did you mean 'Endpoint'?)" in kind.err
    address = cli("drift", cli.root, "--accept", "Endpoint/chrun", "--endpoint-url", dead)
    assert address.code == 1 and "(did you mean 'Endpoint/churn'?)" in address.err, address.text
    formatted = cli("drift", cli.root, "--accept", "Endpoint/churn", "--format", "json", "--endpoint-url", dead)
    assert formatted.code == 1 and "--accept prints a patch" in formatted.err, formatted.text


def test_what_a_running_recommendation_job_deployed_is_not_imported(cli: Cli, tmp_path: Path) -> None:
    sm = boto3.client("sagemaker")
    sm.create_model(ModelName="bench-source", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://ml/bench/model.tar.gz"})
    with clock_scale(cli.sandbox, 30):  # the job's 45 minutes last 90 s of wall time
        sm.create_inference_recommendations_job(
            JobName="bench-job", JobType="Default", RoleArn=ROLE,
            InputConfig={"ModelName": "bench-source",
                         "ContainerConfig": {"SupportedInstanceTypes": ["ml.m5.large"]}})
        deployed: list[str] = []
        for _ in range(300):
            deployed = [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]
                        if e["EndpointName"].startswith("bench-job")]
            if deployed:
                break
            time.sleep(0.02)
        assert deployed, "the job deployed no endpoint"
        refused = cli("import", "Endpoint", deployed[0])
        assert refused.code == 1 and "was deployed by a running Inference Recommender job" in refused.err, refused.text
        listed = cli("import", "--all", "--filter", "bench-*")
        assert listed.code == 0 and "kind: Endpoint" not in listed.out, listed.text
