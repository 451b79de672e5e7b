"""Rollout safety through the CLI against the sandbox: what issue-level defects of apply correctness
looked like from a user's seat, each with the behaviour it must have now."""

from __future__ import annotations

import json

import boto3

from tests.integration.conftest import Cli
from tests.integration.test_cli_lifecycle import converged, edit
from tests.integration.test_guardrails import apply_ok


def test_a_guardrail_edit_alone_is_a_change_shown_as_its_own_line(cli: Cli) -> None:
    apply_ok(cli)
    edit(cli.root / "endpoint.yaml", "waitIntervalInSeconds: 600", "waitIntervalInSeconds: 300")
    plan = cli("plan", cli.root, "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "rollout policy changes, takes effect at the next update" in plan.out
    assert "bake 600 s -> 300 s" in plan.out
    assert "waitIntervalInSeconds: 600 -> 300" in plan.out  # the field diff
    assert "UpdateEndpoint " not in plan.out  # no redeploy for it
    drift = json.loads(cli("drift", cli.root, "--format", "json").out)
    assert [(e["address"], e["labels"]) for e in drift["entries"]] == [("endpoint/churn", ["pending"])]
    applied = cli("apply", cli.root, "--auto-approve")
    assert applied.code == 0, applied.text
    converged(cli)


def test_removing_the_rollback_alarm_is_a_change(cli: Cli) -> None:
    apply_ok(cli)
    text = (cli.root / "endpoint.yaml").read_text()
    head, _, _ = text.partition("    autoRollbackConfiguration:")
    (cli.root / "endpoint.yaml").write_text(head)
    plan = cli("plan", cli.root, "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "rollout policy changes" in plan.out and "rolls back if churn-5xx alarms -> " in plan.out


def test_the_recorded_rollout_rides_with_the_update_that_uses_it(cli: Cli) -> None:
    apply_ok(cli)
    edit(cli.root / "endpoint.yaml", "waitIntervalInSeconds: 600", "waitIntervalInSeconds: 120")
    edit(cli.root / "endpoint.yaml", "instanceType: ml.m5.large\n      initialInstanceCount: 2",
         "instanceType: ml.c5.xlarge\n      initialInstanceCount: 2")
    plan = json.loads(cli("plan", cli.root, "--format", "json").out)
    update = next(s for s in plan["steps"] if s["operation"] == "UpdateEndpoint")
    assert update["params"]["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"][
        "WaitIntervalInSeconds"] == 120
    assert "reconciler:rollout" in update["tags"]
    assert not [s for s in plan["steps"] if s["operation"] == "AddTags"]
    apply_ok(cli)
    last = boto3.client("sagemaker").describe_endpoint(EndpointName="churn")["LastDeploymentConfig"]
    assert last["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["WaitIntervalInSeconds"] == 120


def _autoscaling(endpoint: str = "fraud") -> dict[str, object]:
    aas = boto3.client("application-autoscaling")
    rid = f"endpoint/{endpoint}/variant/main"
    targets = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[rid])["ScalableTargets"]
    policies = aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=rid)["ScalingPolicies"]
    actions = aas.describe_scheduled_actions(ServiceNamespace="sagemaker", ResourceId=rid)["ScheduledActions"]
    return {"targets": [(t["MinCapacity"], t["MaxCapacity"]) for t in targets],
            "policies": sorted(p["PolicyName"] for p in policies),
            "actions": sorted(a["ScheduledActionName"] for a in actions)}


def test_a_rolled_back_update_restores_the_autoscaling_removed_for_it(full_cli: Cli) -> None:
    from reconciler.sandbox import control

    apply_ok(full_cli)
    before = _autoscaling()
    assert before == {"targets": [(2, 8)], "policies": ["invocations-per-instance"], "actions": ["business-hours"]}
    served = boto3.client("sagemaker").describe_endpoint(EndpointName="fraud")["EndpointConfigName"]
    control.fail_next_update(full_cli.sandbox.url, "fraud", reason="Health check failed for variant main")
    edit(full_cli.root / "autoscaled.yaml", "instanceType: ml.c5.xlarge", "instanceType: ml.c5.2xlarge")
    failed = full_cli("apply", full_cli.root, "--auto-approve")
    assert failed.code == 1
    assert "Health check failed" in failed.err
    assert "Restored what the failed change had removed" in failed.err
    assert "RegisterScalableTarget scalable-target/endpoint/fraud/variant/main" in failed.err
    assert boto3.client("sagemaker").describe_endpoint(EndpointName="fraud")["EndpointConfigName"] == served
    assert _autoscaling() == before  # production keeps its autoscaling
    drift = json.loads(full_cli("drift", full_cli.root, "--format", "json").out)
    labels = {e["address"]: e["labels"] for e in drift["entries"]}
    assert labels.get("endpoint/fraud") == ["pending"]
    assert not [a for a, lab in labels.items() if "drift" in lab], labels
    apply_ok(full_cli)  # once the cause is gone, the same change goes through
    assert _autoscaling() == before


def test_independent_endpoints_roll_out_concurrently_and_a_failure_stops_only_its_own(full_cli: Cli) -> None:
    from reconciler.sandbox import control

    apply_ok(full_cli)
    control.fail_next_update(full_cli.sandbox.url, "fraud", reason="Health check failed for variant main")
    edit(full_cli.root / "autoscaled.yaml", "instanceType: ml.c5.xlarge", "instanceType: ml.c5.2xlarge")
    edit(full_cli.root / "endpoint.yaml", "instanceType: ml.m5.large\n      initialInstanceCount: 2",
         "instanceType: ml.c5.xlarge\n      initialInstanceCount: 2")
    churn_before = boto3.client("sagemaker").describe_endpoint(EndpointName="churn")["EndpointConfigName"]
    failed = full_cli("apply", full_cli.root, "--auto-approve")
    assert failed.code == 1, failed.text
    assert "Finished meanwhile: endpoint/churn" in failed.err
    churn_after = boto3.client("sagemaker").describe_endpoint(EndpointName="churn")["EndpointConfigName"]
    assert churn_after != churn_before  # the independent rollout went through
    assert "DeleteEndpointConfig endpoint-config/fraud-" in failed.err  # not run: fraud still serves it
    plan = full_cli("plan", full_cli.root)
    assert "endpoint/fraud" in plan.out and "endpoint/churn " not in plan.out
