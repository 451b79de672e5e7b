"""EventBridge through the CLI against the sandbox: the example's bus with its policy and the approval rule
(specs/events.yaml, on the registry of specs/registry.yaml), target changes, drift of a policy changed
outside git, removal, and the approval-to-deploy loop: approving a version delivers SageMaker's event to the
rule's targets."""

from __future__ import annotations

import json
import shutil
import time

import boto3
import pytest

from reconciler.sandbox import control
from tests.integration.conftest import REPO, Cli
from tests.integration.test_cli_lifecycle import converged, edit
from tests.integration.test_guardrails import apply_ok
from tests.integration.test_registry import run_pipeline

EVENTS = "events.yaml"
RULE = "event-rule/churn-approved"


@pytest.fixture()
def events_cli(registry_cli: Cli) -> Cli:
    """The A/B churn endpoint, the registry and pipeline, and the events: the approval rule and a bus."""
    shutil.copy(REPO / "specs" / EVENTS, registry_cli.root / EVENTS)
    return registry_cli


def _steps(cli: Cli) -> list[tuple[str, str]]:
    result = cli("plan", cli.root, "--format", "json")
    assert result.code == 0, result.text
    return [(s["operation"], s["address"]) for s in json.loads(result.out)["steps"]]


def test_buses_and_rules_apply_and_plan_clean(events_cli: Cli) -> None:
    steps = _steps(events_cli)
    assert ("CreateEventBus", "event-bus/ml-platform") in steps and ("PutPermission", "event-bus/ml-platform") in steps
    assert steps.index(("CreatePipeline", "pipeline/churn-train")) < steps.index(("PutRule", RULE))
    apply_ok(events_cli)
    drift = events_cli("drift", events_cli.root)
    assert drift.code == 0, drift.text
    targets = boto3.client("events").list_targets_by_rule(Rule="churn-approved")["Targets"]
    assert [t["Id"] for t in targets] == ["release"]
    pattern = json.loads(boto3.client("events").describe_rule(Name="churn-approved")["EventPattern"])
    assert pattern["detail"]["ModelPackageGroupName"] == ["churn"]  # the reference, resolved


def test_a_target_change_is_one_put_targets_and_a_removed_target_one_remove_targets(events_cli: Cli) -> None:
    apply_ok(events_cli)
    path = events_cli.root / EVENTS
    edit(path, "      roleArn: arn:aws:iam::123456789012:role/events-start-churn-release\n",
         "      roleArn: arn:aws:iam::123456789012:role/events-start-churn-release-v2\n"
         "    - {id: audit, arn: 'arn:aws:sqs:us-east-1:123456789012:approvals-audit'}\n")
    assert _steps(events_cli) == [("PutTargets", RULE)]
    apply_ok(events_cli)
    edit(path, "    - {id: audit, arn: 'arn:aws:sqs:us-east-1:123456789012:approvals-audit'}\n", "")
    assert _steps(events_cli) == [("RemoveTargets", RULE)]
    apply_ok(events_cli)


def test_a_bus_policy_changed_outside_git_is_drift_and_apply_puts_it_back(events_cli: Cli) -> None:
    apply_ok(events_cli)
    boto3.client("events").put_permission(EventBusName="ml-platform", Action="events:PutEvents",
                                          Principal="999999999999", StatementId="ByHand")
    drift = events_cli("drift", events_cli.root)
    assert drift.code == 2 and "[drift] event-bus/ml-platform" in drift.out, drift.text
    assert _steps(events_cli) == [("PutPermission", "event-bus/ml-platform")]
    apply_ok(events_cli)
    policy = json.loads(boto3.client("events").describe_event_bus(Name="ml-platform")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["OrganizationPutEvents"]


def test_removing_the_documents_deletes_the_rule_after_its_targets_and_the_bus(events_cli: Cli) -> None:
    apply_ok(events_cli)
    (events_cli.root / EVENTS).unlink()
    assert _steps(events_cli) == [("RemoveTargets", RULE), ("DeleteRule", RULE),
                                  ("DeleteEventBus", "event-bus/ml-platform")]
    apply_ok(events_cli)


def _sqs_queue(name: str) -> tuple[str, str]:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _received(url: str) -> list[dict[str, object]]:
    sqs = boto3.client("sqs")
    for _ in range(50):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages")
        if messages:
            return [json.loads(m["Body"]) for m in messages]
        time.sleep(0.02)
    return []


def test_approving_a_version_delivers_sagemakers_event_to_the_rules_targets(events_cli: Cli) -> None:
    url, arn = _sqs_queue("approvals")
    edit(events_cli.root / EVENTS, "  targets:\n", f"  targets:\n    - {{id: queue, arn: '{arn}'}}\n")
    apply_ok(events_cli)
    run_pipeline()
    assert _received(url) == []  # registered, pending approval: the pattern wants Approved
    boto3.client("sagemaker").update_model_package(
        ModelPackageArn="arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1",
        ModelApprovalStatus="Approved")
    [event] = _received(url)
    assert event["source"] == "aws.sagemaker" and event["detail-type"] == "SageMaker Model Package State Change"
    assert event["detail"]["ModelApprovalStatus"] == "Approved"  # type: ignore[index]
    assert event["detail"]["ModelPackageVersion"] == 1  # type: ignore[index]
    deliveries = control.event_deliveries(events_cli.sandbox.url)["deliveries"]
    release = [d for d in deliveries if d["target_id"] == "release"]
    assert release and release[-1]["target_arn"] == "arn:aws:codepipeline:us-east-1:123456789012:churn-release"


def test_a_pipeline_target_starts_an_execution_with_values_from_the_event(events_cli: Cli) -> None:
    edit(events_cli.root / EVENTS, "  targets:\n", "  targets:\n"
         "    - id: retrain\n"
         "      arn: ${Pipeline.churn-train.arn}\n"
         "      roleArn: arn:aws:iam::123456789012:role/events-start-pipeline\n"
         "      sageMakerPipelineParameters:\n"
         "        pipelineParameterList: [{name: InputData, value: $.detail.ModelPackageArn}]\n")
    apply_ok(events_cli)
    converged(events_cli)
    run_pipeline()
    sm = boto3.client("sagemaker")
    sm.update_model_package(ModelPackageArn="arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1",
                            ModelApprovalStatus="Approved")
    executions = sm.list_pipeline_executions(PipelineName="churn-train")["PipelineExecutionSummaries"]
    assert len(executions) == 2  # the one run by hand, and the one the approval started
    newest = executions[0]["PipelineExecutionArn"]
    parameters = sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=newest)["PipelineParameters"]
    assert {"Name": "InputData", "Value": "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1"} \
        in parameters
