"""Autoscaling and serverless end to end through the CLI against the sandbox over HTTP."""

from __future__ import annotations

import json

import boto3

from reconciler.sandbox import control
from tests.integration.conftest import Cli
from tests.integration.test_cli_lifecycle import converged, edit, steps

FRAUD = "endpoint/fraud/variant/main"
BATCH = "endpoint/churn-batch/variant/main"


def apply_all(cli: Cli) -> None:
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    converged(cli)


def counts(name: str) -> dict[str, int]:
    endpoint = boto3.client("sagemaker").describe_endpoint(EndpointName=name)
    return {v["VariantName"]: v["DesiredInstanceCount"] for v in endpoint["ProductionVariants"]}


def test_autoscaled_endpoint_is_created_with_target_policy_and_schedule(full_cli: Cli) -> None:
    apply_all(full_cli)
    aas = boto3.client("application-autoscaling")
    targets = {t["ResourceId"]: t for t in aas.describe_scalable_targets(ServiceNamespace="sagemaker")
               ["ScalableTargets"]}
    assert (targets[FRAUD]["MinCapacity"], targets[FRAUD]["MaxCapacity"]) == (2, 8)
    assert targets[BATCH]["ScalableDimension"] == "sagemaker:variant:DesiredProvisionedConcurrency"
    policies = aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=FRAUD)["ScalingPolicies"]
    assert [p["PolicyName"] for p in policies] == ["invocations-per-instance"]
    actions = aas.describe_scheduled_actions(ServiceNamespace="sagemaker", ResourceId=FRAUD)["ScheduledActions"]
    assert [a["ScheduledActionName"] for a in actions] == ["business-hours"]
    assert full_cli("drift", full_cli.root).code == 0


def test_the_autoscaler_moving_capacity_is_not_drift(full_cli: Cli) -> None:
    apply_all(full_cli)
    control.scale_variant(full_cli.sandbox.url, "fraud", "main", 7)
    drift = full_cli("drift", full_cli.root)
    assert drift.code == 0, drift.text
    converged(full_cli)


def test_min_max_change_is_one_register_call(full_cli: Cli) -> None:
    apply_all(full_cli)
    edit(full_cli.root / "autoscaled.yaml", "maxCapacity: 8\n", "maxCapacity: 12\n")
    data = json.loads(full_cli("plan", full_cli.root, "--format", "json").out)
    assert [s["operation"] for s in data["steps"]] == ["RegisterScalableTarget"]
    drift = json.loads(full_cli("drift", full_cli.root, "--format", "json").out)
    assert [e["labels"] for e in drift["entries"]] == [["pending"]]
    apply_all(full_cli)
    target = boto3.client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=[FRAUD])["ScalableTargets"][0]
    assert target["MaxCapacity"] == 12


def test_instance_type_change_deregisters_updates_registers_and_keeps_the_count(full_cli: Cli) -> None:
    apply_all(full_cli)
    control.scale_variant(full_cli.sandbox.url, "fraud", "main", 6)  # under load
    edit(full_cli.root / "autoscaled.yaml", "instanceType: ml.c5.xlarge", "instanceType: ml.c5.2xlarge")
    result = full_cli("apply", full_cli.root, "--auto-approve")
    assert result.code == 0, result.text
    assert steps(result.out) == ["DeleteScalingPolicy", "DeleteScheduledAction", "DeregisterScalableTarget",
                                 "CreateEndpointConfig", "UpdateEndpoint", "RegisterScalableTarget", "PutScalingPolicy",
                                 "PutScheduledAction", "DeleteEndpointConfig"]
    assert counts("fraud") == {"main": 6}  # capacity intact
    converged(full_cli)


def test_out_of_band_policy_change_is_drift(full_cli: Cli) -> None:
    apply_all(full_cli)
    boto3.client("application-autoscaling").put_scaling_policy(
        PolicyName="invocations-per-instance", ServiceNamespace="sagemaker", ResourceId=FRAUD,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount", PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 5000.0, "ScaleInCooldown": 300, "ScaleOutCooldown": 60,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}})
    drift = json.loads(full_cli("drift", full_cli.root, "--format", "json").out)
    assert [(e["address"].split("/")[0], e["labels"]) for e in drift["entries"]] == [("scaling-policy", ["drift"])]
    apply_all(full_cli)


def test_serverless_concurrency_change_is_in_place(full_cli: Cli) -> None:
    apply_all(full_cli)
    config = boto3.client("sagemaker").describe_endpoint(EndpointName="churn-batch")["EndpointConfigName"]
    edit(full_cli.root / "serverless.yaml", "maxConcurrency: 20", "maxConcurrency: 40")
    data = json.loads(full_cli("plan", full_cli.root, "--format", "json").out)
    assert [s["operation"] for s in data["steps"]] == ["UpdateEndpointWeightsAndCapacities"]
    assert data["steps"][0]["params"]["DesiredWeightsAndCapacities"] == [
        {"VariantName": "main", "ServerlessUpdateConfig": {"MaxConcurrency": 40}}]
    apply_all(full_cli)
    endpoint = boto3.client("sagemaker").describe_endpoint(EndpointName="churn-batch")
    assert endpoint["EndpointConfigName"] == config
    assert endpoint["ProductionVariants"][0]["CurrentServerlessConfig"]["MaxConcurrency"] == 40


def test_deleting_an_autoscaled_endpoint_deregisters_first(full_cli: Cli) -> None:
    apply_all(full_cli)
    (full_cli.root / "autoscaled.yaml").unlink()
    result = full_cli("apply", full_cli.root, "--auto-approve")
    assert result.code == 0, result.text
    assert steps(result.out)[:4] == ["DeleteScalingPolicy", "DeleteScheduledAction", "DeregisterScalableTarget",
                                     "DeleteEndpoint"]
    converged(full_cli)


def test_invalid_capacity_fails_validate_with_a_position(full_cli: Cli) -> None:
    edit(full_cli.root / "autoscaled.yaml", "minCapacity: 2", "minCapacity: 0")
    edit(full_cli.root / "serverless.yaml", "memorySizeInMB: 2048", "memorySizeInMB: 2500")
    result = full_cli("validate", full_cli.root)
    assert result.code == 1
    assert "autoscaled.yaml:23:22: autoscaling.minCapacity 0 is below 1" in result.err
    assert "serverless.yaml:12:25: serverlessConfig.memorySizeInMB 2500 is not allowed" in result.err
