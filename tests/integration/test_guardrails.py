"""Rollout guardrails end to end through the CLI against the sandbox over HTTP: canary, linear and
rolling deployments with alarm rollback, UpdateRollbackFailed, shadow tests and promotion."""

from __future__ import annotations

import json
import textwrap

import boto3

from reconciler.sandbox import control
from tests.integration.conftest import Cli
from tests.integration.test_cli_lifecycle import converged, edit

BIGGER = ("instanceType: ml.m5.large\n      initialInstanceCount: 2",
          "instanceType: ml.c5.xlarge\n      initialInstanceCount: 2")


def alarm(state: str, name: str = "churn-5xx") -> None:
    boto3.client("cloudwatch").set_alarm_state(AlarmName=name, StateValue=state, StateReason="integration test")


def serving(name: str = "churn") -> str:
    return boto3.client("sagemaker").describe_endpoint(EndpointName=name)["EndpointConfigName"]


def apply_ok(cli: Cli) -> None:
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    converged(cli)


def test_canary_rolled_back_by_its_alarm_then_succeeds_once_it_clears(cli: Cli) -> None:
    apply_ok(cli)
    old = serving()
    alarm("ALARM")
    edit(cli.root / "endpoint.yaml", *BIGGER)
    plan = cli("plan", cli.root)
    assert "blue/green canary of 25%, bake 600 s, then the rest; final bake 300 s; rolls back if churn-5xx" in plan.out
    failed = cli("apply", cli.root, "--auto-approve")
    assert failed.code == 1
    assert "rolled the update back" in failed.err and "Alarm(s) in ALARM: churn-5xx" in failed.err
    assert "during the canary" in failed.err  # the phase it happened in
    assert "Traceback" not in failed.text
    assert serving() == old
    boto3.client("sagemaker").describe_endpoint_config(EndpointConfigName=old)  # kept
    drift = json.loads(cli("drift", cli.root, "--format", "json").out)
    assert [e["labels"] for e in drift["entries"] if e["address"] == "endpoint/churn"] == [["pending"]]
    alarm("OK")
    control.set_time_scale(cli.sandbox.url, 600)  # a 10-minute bake in a second: slow enough to see each phase
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    assert "Baking for 600 seconds (WaitIntervalInSeconds)" in result.out  # the phases were shown
    assert "ActivatingTraffic" in result.out and "TerminationWaitInSeconds" in result.out
    assert serving() != old
    converged(cli)


def test_linear_rollout_rolls_back_and_then_completes(cli: Cli) -> None:
    apply_ok(cli)
    edit(cli.root / "endpoint.yaml", "type: CANARY\n        canarySize: {type: CAPACITY_PERCENT, value: 25}",
         "type: LINEAR\n        linearStepSize: {type: CAPACITY_PERCENT, value: 50}")
    edit(cli.root / "endpoint.yaml", *BIGGER)
    plan = cli("plan", cli.root)
    assert "blue/green linear in steps of 50%, bake 600 s each" in plan.out
    alarm("ALARM")
    failed = cli("apply", cli.root, "--auto-approve")
    assert failed.code == 1 and "churn-5xx" in failed.err
    alarm("OK")
    apply_ok(cli)


ROLLING = """\
apiVersion: reconciler/v1
kind: Endpoint
name: ranker
spec:
  productionVariants:
    - {variantName: main, modelName: "${Model.churn-xgb.name}", instanceType: TYPE, initialInstanceCount: 4}
  deploymentConfig:
    rollingUpdatePolicy:
      maximumBatchSize: {type: CAPACITY_PERCENT, value: 50}
      waitIntervalInSeconds: 300
      maximumExecutionTimeoutInSeconds: 3600
    autoRollbackConfiguration:
      alarms: [{alarmName: "${Alarm.churn-5xx.name}"}]
"""


def test_rolling_rollout_rolls_back_and_then_completes(cli: Cli) -> None:
    (cli.root / "ranker.yaml").write_text(ROLLING.replace("TYPE", "ml.m5.large"))
    apply_ok(cli)
    old = serving("ranker")
    (cli.root / "ranker.yaml").write_text(ROLLING.replace("TYPE", "ml.m5.xlarge"))
    assert "rolling in batches of 50%, bake 300 s each" in cli("plan", cli.root).out
    alarm("ALARM")
    failed = cli("apply", cli.root, "--auto-approve")
    assert failed.code == 1 and "churn-5xx" in failed.err and "rolling" in failed.err.lower()
    assert serving("ranker") == old
    alarm("OK")
    apply_ok(cli)
    assert serving("ranker") != old


def test_update_rollback_failed_fails_with_remediation(cli: Cli) -> None:
    apply_ok(cli)
    control.fail_next_rollback(cli.sandbox.url, "churn")
    alarm("ALARM")
    edit(cli.root / "endpoint.yaml", *BIGGER)
    failed = cli("apply", cli.root, "--auto-approve")
    assert failed.code == 1
    assert "failed and so did the rollback" in failed.err and "UpdateRollbackFailed" in failed.err
    assert "apply again" in failed.err
    alarm("OK")
    plan = cli("plan", cli.root)
    assert "UpdateRollbackFailed" in plan.err + plan.out  # the warning says what to do
    apply_ok(cli)


def test_invalid_guardrails_fail_validate_at_their_line(cli: Cli) -> None:
    edit(cli.root / "endpoint.yaml", "value: 25}", "value: 75}")
    edit(cli.root / "endpoint.yaml", "maximumExecutionTimeoutInSeconds: 3600", "maximumExecutionTimeoutInSeconds: 700")
    result = cli("validate", cli.root)
    assert result.code == 1
    assert "endpoint.yaml:32:53: canarySize 75% is out of range: it must be 0.0001% to 50%" in result.err
    assert "endpoint.yaml:35:41: maximumExecutionTimeoutInSeconds 700 is shorter than the policy's own waits (900 s" \
        in result.err


def test_an_alarm_neither_in_the_stack_nor_the_account_is_a_plan_error(cli: Cli) -> None:
    edit(cli.root / "endpoint.yaml", "- alarmName: ${Alarm.churn-5xx.name}", "- alarmName: no-such-alarm")
    result = cli("plan", cli.root)
    assert result.code == 1
    assert "rollback alarm 'no-such-alarm' is neither an Alarm document of this stack nor an alarm in the account" \
        in result.err


def test_shadow_test_runs_is_reported_and_promotes(shadow_cli: Cli) -> None:
    cli = shadow_cli
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    plan = cli("plan", cli.root, "--detailed-exitcode")
    assert plan.code == 0, plan.text
    assert "endpoint/fraud is managed by inference-experiment/fraud-challenger" in plan.out
    assert "is Running" in plan.out
    drift = cli("drift", cli.root, "--format", "json")
    assert drift.code == 0 and any("managed by" in n for n in json.loads(drift.out)["notes"])
    promoted = cli("promote", "ShadowTest/fraud-challenger", cli.root, "--auto-approve")
    assert promoted.code == 0, promoted.text
    assert "will serve shadow variant challenger" in promoted.out and "Now make git match" in promoted.out
    endpoint = boto3.client("sagemaker").describe_endpoint(EndpointName="fraud")
    config = boto3.client("sagemaker").describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    assert config["ProductionVariants"][0]["ModelName"].startswith("fraud-xgb-challenger-")
    again = cli("promote", "ShadowTest/fraud-challenger", cli.root, "--auto-approve")
    assert again.code == 1 and "only a Running shadow test can be promoted" in again.err


def test_removing_a_running_shadow_test_stops_it(shadow_cli: Cli) -> None:
    cli = shadow_cli
    assert cli("apply", cli.root, "--auto-approve").code == 0
    text = (cli.root / "shadow-test.yaml").read_text()
    (cli.root / "shadow-test.yaml").write_text(textwrap.dedent(text.split("---\n")[0]))  # keep the model only
    result = cli("apply", cli.root, "--auto-approve")
    assert result.code == 0, result.text
    assert "StopInferenceExperiment" in result.out and "DeleteInferenceExperiment" in result.out


def test_promote_can_keep_the_production_variant(shadow_cli: Cli) -> None:
    cli = shadow_cli
    assert cli("apply", cli.root, "--auto-approve").code == 0
    promoted = cli("promote", "ShadowTest/fraud-challenger", cli.root, "--retain-production", "--auto-approve")
    assert promoted.code == 0, promoted.text
    assert "is kept beside it" in promoted.out
    status = boto3.client("sagemaker").describe_inference_experiment(Name="fraud-challenger")["Status"]
    assert status == "Completed"


def test_promote_refuses_bad_targets(cli: Cli) -> None:
    assert cli("promote", "Endpoint/churn", cli.root).code == 1
    missing = cli("promote", "ShadowTest/nope", cli.root)
    assert missing.code == 1 and "no ShadowTest/nope document" in missing.err
