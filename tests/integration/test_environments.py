"""Environments through the CLI on the sandbox: the same documents as `--env staging` and `--env prod` are two
stacks that apply side by side in one account, and each is planned, drifted and destroyed on its own."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import boto3
import pytest

from reconciler import tags as tagmod
from tests.integration.conftest import REPO, Cli

EXAMPLE = REPO / "docs" / "examples" / "environments"


def _stack(tmp_path: Path) -> Path:
    root = tmp_path / "environments"
    shutil.copytree(EXAMPLE, root)
    return root


def test_staging_and_prod_apply_side_by_side(cli: Cli, tmp_path: Path) -> None:
    root = _stack(tmp_path)
    for env in ("staging", "prod"):
        result = cli("apply", root, "--env", env, "--auto-approve")
        assert result.code == 0, result.text
    for env in ("staging", "prod"):
        result = cli("plan", root, "--env", env, "--detailed-exitcode")
        assert result.code == 0 and f'stack "churn-{env}"' in result.out, result.text
    sm = boto3.client("sagemaker")
    endpoints = {e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]}
    assert {"stg-churn", "prod-churn"} <= endpoints
    prod = sm.describe_endpoint(EndpointName="prod-churn")
    tags = tagmod.from_tag_list(sm.list_tags(ResourceArn=prod["EndpointArn"])["Tags"])
    assert tags[tagmod.STACK] == "churn-prod" and tags["environment"] == "prod"
    config = sm.describe_endpoint_config(EndpointConfigName=prod["EndpointConfigName"])
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.m5.xlarge"
    alarm = boto3.client("cloudwatch").describe_alarms(AlarmNames=["stg-churn-5xx"])["MetricAlarms"][0]
    assert {"Name": "EndpointName", "Value": "stg-churn"} in alarm["Dimensions"]
    output = cli("output", root, "--env", "prod", "--format", "json")
    assert output.code == 0 and "prod-churn/invocations" in output.out, output.text

    destroyed = cli("destroy", root, "--env", "staging", "--auto-approve")
    assert destroyed.code == 0, destroyed.text
    assert "prod-" not in destroyed.out
    assert cli("plan", root, "--env", "prod", "--detailed-exitcode").code == 0
    assert cli("drift", root, "--env", "prod").code == 0
    again = cli("plan", root, "--env", "staging", "--detailed-exitcode")
    assert again.code == 2 and "stg-churn" in again.out


def test_environment_mistakes_are_one_line_errors(cli: Cli, tmp_path: Path) -> None:
    root = _stack(tmp_path)
    missing = cli("plan", root)
    assert missing.code == 1 and "choose one with --env NAME" in missing.err and "stack.yaml:15:7" in missing.err
    wrong = cli("plan", root, "--env", "production")
    assert wrong.code == 1 and "no environment named 'production'" in wrong.err, wrong.text
    saved = tmp_path / "prod.json"
    assert cli("plan", root, "--env", "prod", "--out", saved).code == 0
    mixed = cli("apply", saved, "--env", "staging")
    assert mixed.code == 1 and "is a plan of stack 'churn-prod', not of environment 'staging'" in mixed.err
    assert "Traceback" not in missing.text + wrong.text + mixed.text


def test_accepting_a_change_to_one_environment_edits_its_variable(cli: Cli, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = Path("environments")
    shutil.copytree(EXAMPLE, root)
    assert cli("apply", root, "--env", "prod", "--auto-approve").code == 0
    boto3.client("application-autoscaling").register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId="endpoint/prod-churn/variant/main",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount", MinCapacity=2, MaxCapacity=9)
    accepted = cli("drift", root, "--env", "prod", "--accept", "Endpoint/churn")
    assert accepted.code == 2, accepted.text
    assert "${var.max_capacity} is changed in Environment 'prod': only this environment" in accepted.out
    assert "--- a/environments/stack.yaml" in accepted.out and "max_capacity: 9}" in accepted.out
    patch = accepted.out.split("in this directory):\n")[1]
    done = subprocess.run(["git", "apply", "-"], input=patch, text=True, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert cli("plan", root, "--env", "prod", "--detailed-exitcode").code in (0, 2)
    assert "RegisterScalableTarget" not in cli("plan", root, "--env", "prod").out

    boto3.client("cloudwatch").put_metric_alarm(
        AlarmName="prod-churn-5xx", Namespace="AWS/SageMaker", MetricName="Invocation5XXErrors",
        Dimensions=[{"Name": "EndpointName", "Value": "prod-churn"}, {"Name": "VariantName", "Value": "main"}],
        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=50.0, ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching")
    shared = cli("drift", root, "--env", "prod", "--accept", "Alarm/churn-5xx")
    assert shared.code == 2 and "Alarm/churn-5xx is shared by every environment of the stack" in shared.out
