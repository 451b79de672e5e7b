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
