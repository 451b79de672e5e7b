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


def test_a_change_held_by_a_shadow_test_is_pending_not_swallowed(shadow_cli: Cli) -> None:
    apply_ok(shadow_cli)
    edit(shadow_cli.root / "autoscaled.yaml", "instanceType: ml.c5.xlarge", "instanceType: ml.c5.2xlarge")
    plan = shadow_cli("plan", shadow_cli.root, "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "held until inference-experiment/fraud-challenger ends" in plan.out
    assert "UpdateEndpoint" not in plan.out
    drift = shadow_cli("drift", shadow_cli.root)
    assert drift.code == 2 and "[pending] endpoint/fraud" in drift.out and "held until" in drift.out
    applied = shadow_cli("apply", shadow_cli.root, "--auto-approve")
    assert applied.code == 0, applied.text
    assert "UpdateEndpoint" not in applied.out
    assert shadow_cli("plan", shadow_cli.root, "--detailed-exitcode").code == 2  # still held, still shown


def _hand_made(cli: Cli) -> None:
    """The example endpoint built by hand, as a team had it before adopting reconciler."""
    plan = json.loads(cli("plan", cli.root, "--format", "json").out)
    sm = boto3.client("sagemaker")
    names = {s["params"]["ModelName"]: "hand-" + s["params"]["ModelName"].rsplit("-", 1)[0]
             for s in plan["steps"] if s["operation"] == "CreateModel"}
    for step in plan["steps"]:
        params = {k: v for k, v in step["params"].items() if k != "Tags"}
        if step["operation"] == "CreateModel":
            sm.create_model(**{**params, "ModelName": names[params["ModelName"]]})
        elif step["operation"] == "CreateEndpointConfig":
            for variant in params["ProductionVariants"]:
                variant["ModelName"] = names[variant["ModelName"]]
            sm.create_endpoint_config(**{**params, "EndpointConfigName": "hand-churn-config"})
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="hand-churn-config")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="churn", WaiterConfig={"Delay": 0.1})


def test_adopting_a_hand_made_endpoint_with_the_same_content_needs_no_redeploy(cli: Cli) -> None:
    _hand_made(cli)
    refused = cli("plan", cli.root)
    assert refused.code == 1 and "endpoint/churn already exists and is not managed by reconciler" in refused.err
    sm = boto3.client("sagemaker")
    arn = sm.describe_endpoint(EndpointName="churn")["EndpointArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "reconciler:stack", "Value": "churn-prod"},
                                       {"Key": "reconciler:address", "Value": "Endpoint/churn"}])
    plan = json.loads(cli("plan", cli.root, "--format", "json").out)
    operations = [s["operation"] for s in plan["steps"]]
    assert "UpdateEndpoint" not in operations and "CreateEndpointConfig" not in operations
    assert "CreateModel" not in operations, operations
    adopted = {s["address"] for s in plan["steps"] if s["operation"] == "AddTags"}
    assert {"endpoint-config/hand-churn-config", "model/hand-churn-xgb", "model/hand-churn-xgb-challenger",
            "endpoint/churn"} <= adopted
    assert "endpoint-config/hand-churn-config is adopted: its content is what Endpoint/churn wants" in \
        " ".join(plan["notes"])
    apply_ok(cli)
    assert sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"] == "hand-churn-config"
    # a real change later deploys a config of reconciler's own and collects the hand-made one
    edit(cli.root / "endpoint.yaml", "instanceType: ml.m5.large\n      initialInstanceCount: 2",
         "instanceType: ml.c5.xlarge\n      initialInstanceCount: 2")
    apply_ok(cli)
    configs = {c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]}
    assert "hand-churn-config" not in configs


def test_after_a_promotion_git_that_matches_is_adopted_and_the_tests_configs_are_collected(shadow_cli: Cli) -> None:
    cli = shadow_cli
    apply_ok(cli)
    sm = boto3.client("sagemaker")
    during = sm.describe_endpoint(EndpointName="fraud")["EndpointConfigName"]  # the shadow test's config
    promoted = cli("promote", "ShadowTest/fraud-challenger", cli.root, "--auto-approve")
    assert promoted.code == 0, promoted.text
    serving = sm.describe_endpoint(EndpointName="fraud")["EndpointConfigName"]
    assert "adopts it without a redeploy" in promoted.out and serving in promoted.out
    # git now says what the promotion did: the challenger model serves, with the test's data capture
    (cli.root / "shadow-test.yaml").write_text((cli.root / "shadow-test.yaml").read_text().split("---")[0])
    edit(cli.root / "autoscaled.yaml", "modelName: ${Model.fraud-xgb.name}",
         "modelName: ${Model.fraud-xgb-challenger.name}")
    edit(cli.root / "autoscaled.yaml", "      instanceType: ml.c5.xlarge\n      initialInstanceCount: 2",
         "      instanceType: ml.c5.xlarge\n      initialInstanceCount: 1")
    text = (cli.root / "autoscaled.yaml").read_text()
    (cli.root / "autoscaled.yaml").write_text(text + "  dataCaptureConfig:\n    enableCapture: true\n"
                                              "    initialSamplingPercentage: 100\n"
                                              "    destinationS3Uri: s3://ml-artifacts/fraud/shadow-test\n"
                                              "    captureOptions: [{captureMode: Input}, {captureMode: Output}]\n")
    plan = cli("plan", cli.root)
    assert plan.code == 0, plan.text
    assert "UpdateEndpoint " not in plan.out and "CreateEndpointConfig" not in plan.out, plan.out
    assert f"endpoint-config/{during}" in plan.out, plan.out  # the test's config is collected
    apply_ok(cli)
    assert sm.describe_endpoint(EndpointName="fraud")["EndpointConfigName"] == serving
    configs = {c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]}
    assert during not in configs


def test_an_alarm_deleted_outside_git_is_drift_like_any_other_resource(cli: Cli) -> None:
    apply_ok(cli)
    boto3.client("cloudwatch").delete_alarms(AlarmNames=["churn-5xx"])
    drift = json.loads(cli("drift", cli.root, "--format", "json").out)
    [entry] = [e for e in drift["entries"] if e["address"] == "alarm/churn-5xx"]
    assert entry["labels"] == ["drift"] and "deleted outside git" in entry["reason"]


def test_orphans_kept_by_prune_false_are_pending_in_drift(cli: Cli) -> None:
    apply_ok(cli)
    stack = cli.root / "stack.yaml"
    stack.write_text(stack.read_text().replace("prune: true", "prune: false"))
    (cli.root / "alarms.yaml").unlink()
    text = (cli.root / "endpoint.yaml").read_text()
    (cli.root / "endpoint.yaml").write_text(text.partition("    autoRollbackConfiguration:")[0])
    drift = cli("drift", cli.root)
    assert drift.code == 2, drift.text
    assert "[pending] alarm/churn-5xx  (Alarm/churn-5xx)" in drift.out and "prune: false" in drift.out


def test_drift_counts_resources_once(cli: Cli) -> None:
    apply_ok(cli)
    sm = boto3.client("sagemaker")
    sm.update_endpoint_weights_and_capacities(EndpointName="churn", DesiredWeightsAndCapacities=[
        {"VariantName": "champion", "DesiredWeight": 0.5}])  # drift
    edit(cli.root / "endpoint.yaml", "initialVariantWeight: 0.2", "initialVariantWeight: 0.3")  # and pending
    report = json.loads(cli("drift", cli.root, "--format", "json").out)
    assert [e["labels"] for e in report["entries"]] == [["drift", "pending"]]
    assert (report["differ"], report["drift"], report["pending"]) == (1, 1, 0)
    assert "Drift: 1 resource differs from git: 1 drifted, 0 pending" in cli("drift", cli.root).out


def test_a_file_argument_is_refused_naming_the_directory(cli: Cli) -> None:
    apply_ok(cli)
    for command in (("apply", "--auto-approve"), ("plan",), ("validate",), ("drift",)):
        result = cli(command[0], cli.root / "stack.yaml", *command[1:])
        assert result.code == 1, result.text
        assert "stack.yaml is a file: give the stack directory" in result.err
    assert len(boto3.client("sagemaker").list_endpoints()["Endpoints"]) == 1  # nothing was deleted


def test_subdirectories_are_not_part_of_the_stack(cli: Cli) -> None:
    backup = cli.root / "old"
    backup.mkdir()
    (backup / "endpoint.yaml").write_text((cli.root / "endpoint.yaml").read_text().replace("name: churn",
                                                                                        "name: churn-old"))
    result = cli("validate", cli.root)
    assert result.code == 0 and "churn-old" not in result.text


def _interrupted(cli: Cli) -> dict[str, object]:
    """An apply that got as far as starting the rollout, then was killed (Ctrl-C, a lost CI runner)."""
    from reconciler.sandbox import control

    edit(cli.root / "endpoint.yaml", "instanceType: ml.m5.large\n      initialInstanceCount: 2",
         "instanceType: ml.c5.xlarge\n      initialInstanceCount: 2")
    plan = json.loads(cli("plan", cli.root, "--format", "json").out)
    sm = boto3.client("sagemaker")
    create = next(s for s in plan["steps"] if s["operation"] == "CreateEndpointConfig")
    sm.create_endpoint_config(**create["params"])
    update = next(s for s in plan["steps"] if s["operation"] == "UpdateEndpoint")
    control.set_time_scale(cli.sandbox.url, 300)  # the canary takes a few seconds
    sm.update_endpoint(**update["params"])
    return update


def test_an_interrupted_update_is_followed_not_deployed_twice(cli: Cli) -> None:
    from reconciler.sandbox import control

    apply_ok(cli)
    update = _interrupted(cli)
    saved = cli.root.parent / "plan.json"
    try:
        planned = cli("plan", cli.root, "--out", saved)  # made while the rollout is in flight
        assert "endpoint/churn is Updating; apply waits for it to settle" in planned.out
        again = cli("apply", saved)
    finally:
        control.set_time_scale(cli.sandbox.url, 6000)
    assert again.code == 0, again.text
    target = update["params"]["EndpointConfigName"]  # type: ignore[index]
    marker = f"already serves {target}: an earlier or concurrent apply deployed it"
    assert marker in again.out  # it followed the rollout in flight, then did not start a second one
    assert "Baking" not in again.out.split(marker, 1)[1]
    converged(cli)


def test_a_saved_plan_overtaken_by_an_interrupted_apply_is_refused_as_stale(cli: Cli) -> None:
    from reconciler.sandbox import control

    apply_ok(cli)
    edit(cli.root / "endpoint.yaml", "instanceType: ml.m5.large\n      initialInstanceCount: 2",
         "instanceType: ml.c5.xlarge\n      initialInstanceCount: 2")
    saved = cli.root.parent / "plan.json"
    assert cli("plan", cli.root, "--out", saved).code == 0
    edit(cli.root / "endpoint.yaml", "instanceType: ml.c5.xlarge\n      initialInstanceCount: 2",
         "instanceType: ml.m5.large\n      initialInstanceCount: 2")
    _interrupted(cli)  # the same change, started by another apply and cut off
    try:
        refused = cli("apply", saved)
    finally:
        control.set_time_scale(cli.sandbox.url, 6000)
    assert refused.code == 1 and "stale plan" in refused.err and "apply stopped there" in refused.err


def test_a_fresh_apply_waits_for_an_update_in_flight_before_planning(cli: Cli) -> None:
    from reconciler.sandbox import control

    apply_ok(cli)
    edit(cli.root / "endpoint.yaml", "instanceType: ml.m5.large\n      initialInstanceCount: 2",
         "instanceType: ml.c5.xlarge\n      initialInstanceCount: 2")
    plan = json.loads(cli("plan", cli.root, "--format", "json").out)
    sm = boto3.client("sagemaker")
    create = next(s for s in plan["steps"] if s["operation"] == "CreateEndpointConfig")
    sm.create_endpoint_config(**{k: v for k, v in create["params"].items()})
    update = next(s for s in plan["steps"] if s["operation"] == "UpdateEndpoint")
    control.set_time_scale(cli.sandbox.url, 600)
    sm.update_endpoint(**update["params"])  # another apply's rollout, in flight
    try:
        result = cli("apply", cli.root, "--auto-approve")
    finally:
        control.set_time_scale(cli.sandbox.url, 6000)
    assert result.code == 0, result.text
    assert "Updating: waiting for it to settle before planning" in result.out
    assert "UpdateEndpoint" not in result.out.split("waiting for it to settle before planning", 1)[1]
    converged(cli)


def test_a_running_shadow_test_changes_its_sampling_in_place(shadow_cli: Cli) -> None:
    apply_ok(shadow_cli)
    edit(shadow_cli.root / "shadow-test.yaml", "samplingPercentage: 20", "samplingPercentage: 40")
    plan = shadow_cli("plan", shadow_cli.root)
    assert "UpdateInferenceExperiment" in plan.out, plan.out
    apply_ok(shadow_cli)
    described = boto3.client("sagemaker").describe_inference_experiment(Name="fraud-challenger")
    assert described["Status"] == "Running"
    assert described["ShadowModeConfig"]["ShadowModelVariants"][0]["SamplingPercentage"] == 40
    assert shadow_cli("plan", shadow_cli.root, "--detailed-exitcode").code == 0


def test_a_shadow_test_removed_from_git_leaves_no_redeploy_behind(shadow_cli: Cli) -> None:
    """Stopping keeps the production variant on a config the test made; its content is git's, so the
    endpoint stays on it (adopted) instead of being redeployed to an equal config."""
    edit(shadow_cli.root / "shadow-test.yaml", "  dataStorageConfig:\n    destination: s3://ml-artifacts/fraud/shadow-test\n",
         "")  # (the test's data capture would stay on the config it leaves: a real difference from git)
    apply_ok(shadow_cli)
    (shadow_cli.root / "shadow-test.yaml").write_text(
        (shadow_cli.root / "shadow-test.yaml").read_text().split("---")[0])
    stopped = shadow_cli("apply", shadow_cli.root, "--auto-approve")
    assert stopped.code == 0, stopped.text
    serving = boto3.client("sagemaker").describe_endpoint(EndpointName="fraud")["EndpointConfigName"]
    plan = shadow_cli("plan", shadow_cli.root)
    assert "UpdateEndpoint " not in plan.out and "CreateEndpointConfig" not in plan.out, plan.out
    assert f"endpoint-config/{serving}" not in plan.out, plan.out  # kept: the endpoint stays on it
    apply_ok(shadow_cli)
    assert boto3.client("sagemaker").describe_endpoint(EndpointName="fraud")["EndpointConfigName"] == serving
    assert shadow_cli("drift", shadow_cli.root).code == 0


def test_a_model_adopted_by_name_stays_adopted_once_the_endpoint_serves_another_config(cli: Cli) -> None:
    """After adoption the hand-made models are the stack's: a later plan keeps their names even when the
    config that led to their adoption is no longer served (a shadow test took the endpoint over)."""
    _hand_made(cli)
    sm = boto3.client("sagemaker")
    arn = sm.describe_endpoint(EndpointName="churn")["EndpointArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "reconciler:stack", "Value": "churn-prod"},
                                       {"Key": "reconciler:address", "Value": "Endpoint/churn"}])
    apply_ok(cli)
    (cli.root / "shadow.yaml").write_text("""\
apiVersion: reconciler/v1
kind: ShadowTest
name: churn-shadow
spec:
  endpointName: ${Endpoint.churn.name}
  roleArn: arn:aws:iam::123456789012:role/SageMakerExecution
  modelVariants:
    - modelName: ${Model.churn-xgb.name}
      variantName: champion
      infrastructureConfig:
        infrastructureType: RealTimeInference
        realTimeInferenceConfig: {instanceType: ml.m5.large, instanceCount: 2}
    - modelName: ${Model.churn-xgb-challenger.name}
      variantName: challenger
      infrastructureConfig:
        infrastructureType: RealTimeInference
        realTimeInferenceConfig: {instanceType: ml.m5.large, instanceCount: 1}
  shadowModeConfig:
    sourceModelVariantName: champion
    shadowModelVariants:
      - {shadowModelVariantName: challenger, samplingPercentage: 10}
""")
    applied = cli("apply", cli.root, "--auto-approve")
    assert applied.code == 0, applied.text
    assert "model/hand-churn-xgb" in applied.out or "hand-churn-xgb" in applied.out
    plan = cli("plan", cli.root, "--detailed-exitcode")
    assert "CreateModel" not in plan.out, plan.out
    assert plan.code == 0, plan.text
