"""Contract tests for EventBridge in the sandbox (over HTTP, boto3): delivery to every kind of target without a
500, SageMaker pipeline targets, Input/InputPath/InputTransformer, the events SageMaker emits (model package
approval, pipeline executions, endpoints), the deliveries route, the tagging API's rules and reset.

Every test names its own rules, queues and pipelines (``unique``), and reads only the deliveries of its own
rules. Tests that watch a pipeline run the clock at wall speed (``frozen``) and jump it (``advance_to``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.client import BaseClient

from reconciler.sandbox import Sandbox, control
from reconciler.sandbox.sagemaker_events import (
    ENDPOINT_DEPLOYMENT_STATE_CHANGE,
    ENDPOINT_STATE_CHANGE,
    MODEL_PACKAGE_STATE_CHANGE,
    PIPELINE_EXECUTION_STATUS_CHANGE,
)
from tests.sandbox.test_guardrails import advance_to, frozen
from tests.sandbox.test_pipelines import DONE, IMAGE, REGISTER, definition, make_pipeline, start
from tests.sandbox.test_registry import SPEC, make_group, package_arn
from tests.sandbox.test_sagemaker import (
    ACCOUNT,
    REGION,
    _client,
    make_config,
    make_endpoint,
    make_model,
    sandbox,
    sm,
    tagging,
    unique,
    variant,
    wait_status,
)

__all__ = ["sandbox", "sm", "tagging"]  # fixtures used by name below

EVENTS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/EventBridgeStartPipeline"
APPROVED_PATTERN = {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
                    "detail": {"ModelApprovalStatus": ["Approved"]}}
MAX_RECEIVES = 10


@pytest.fixture(scope="module")
def events(sandbox: Sandbox) -> BaseClient:
    return _client(sandbox, "events")


@pytest.fixture(scope="module")
def sqs(sandbox: Sandbox) -> BaseClient:
    return _client(sandbox, "sqs")


# --- helpers ----------------------------------------------------------------------------------------------------


def make_queue(sqs: BaseClient) -> tuple[str, str]:
    """A new queue: (URL, ARN)."""
    url = sqs.create_queue(QueueName=unique("queue"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def messages(sqs: BaseClient, url: str) -> list[str]:
    """Every message body waiting in the queue (received and deleted)."""
    found: list[str] = []
    for _ in range(MAX_RECEIVES):
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        batch = answer.get("Messages", [])
        if not batch:
            return found
        for message in batch:
            found.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def received(sqs: BaseClient, url: str) -> list[dict[str, Any]]:
    return [json.loads(body) for body in messages(sqs, url)]


def make_rule(events: BaseClient, pattern: dict[str, Any], targets: list[dict[str, Any]], **extra: Any) -> str:
    name = extra.pop("Name", None) or unique("rule")
    events.put_rule(Name=name, EventPattern=json.dumps(pattern), **extra)
    answer = events.put_targets(Rule=name, EventBusName=extra.get("EventBusName", "default"), Targets=targets)
    assert answer["FailedEntryCount"] == 0, answer
    return name


def deliveries(sb: Sandbox, rule: str) -> list[dict[str, Any]]:
    return [d for d in control.event_deliveries(sb.url)["deliveries"] if d["rule"] == rule]


def put(events: BaseClient, source: str, detail: dict[str, Any], **extra: Any) -> str:
    answer = events.put_events(Entries=[{"Source": source, "DetailType": "Test", "Detail": json.dumps(detail),
                                         **extra}])
    assert answer["FailedEntryCount"] == 0, answer
    return str(answer["Entries"][0]["EventId"])


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def parameters(sm: BaseClient, execution: str) -> dict[str, str]:
    listed = sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=execution, MaxResults=50)
    return {p["Name"]: p["Value"] for p in listed["PipelineParameters"]}


def deploy_definition() -> dict[str, Any]:
    """A pipeline an approval starts: its parameters take values from the event."""
    return {
        "Version": "2020-12-01",
        "Parameters": [
            {"Name": "ModelPackageArn", "Type": "String", "DefaultValue": "none"},
            {"Name": "ModelVersion", "Type": "Integer", "DefaultValue": 0},
            {"Name": "Stage", "Type": "String", "DefaultValue": "dev"},
        ],
        "Steps": [{"Name": "Deploy", "Type": "Lambda", "Arguments": {}}],
    }


def pipeline_target(sm: BaseClient, pipeline: str, values: dict[str, str], **extra: Any) -> dict[str, Any]:
    arn = sm.describe_pipeline(PipelineName=pipeline)["PipelineArn"]
    return {"Id": unique("pipeline-target"), "Arn": arn, "RoleArn": EVENTS_ROLE,
            "SageMakerPipelineParameters": {"PipelineParameterList": [
                {"Name": k, "Value": v} for k, v in values.items()]}, **extra}


def executions(sm: BaseClient, pipeline: str) -> list[str]:
    listed = sm.list_pipeline_executions(PipelineName=pipeline, MaxResults=100)["PipelineExecutionSummaries"]
    return [e["PipelineExecutionArn"] for e in listed]


# --- delivery ---------------------------------------------------------------------------------------------------


def test_a_pipeline_target_starts_an_execution_with_jsonpath_parameters(
    sandbox: Sandbox, events: BaseClient, sm: BaseClient
) -> None:
    source = unique("ml.app")
    pipeline = make_pipeline(sm, deploy_definition())
    target = pipeline_target(sm, pipeline, {"ModelPackageArn": "$.detail.arn", "ModelVersion": "$.detail.version",
                                            "Stage": "prod"})
    rule = make_rule(events, {"source": [source]}, [target])
    event_id = put(events, source, {"arn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3",
                                    "version": 3})
    [execution] = executions(sm, pipeline)
    assert parameters(sm, execution) == {"ModelPackageArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/"
                                         "churn/3", "ModelVersion": "3", "Stage": "prod"}
    [delivery] = deliveries(sandbox, rule)
    assert delivery["outcome"] == f"started {execution}"
    assert (delivery["kind"], delivery["target_id"], delivery["target_arn"], delivery["bus"], delivery["event_id"]) == (
        "sagemaker-pipeline", target["Id"], target["Arn"], "default", event_id)
    assert delivery["rule_arn"] == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"
    assert delivery["input"]["detail"] == {"arn": parameters(sm, execution)["ModelPackageArn"], "version": 3}
    assert delivery["error"] is None


def test_a_pipeline_target_that_cannot_start_is_a_recorded_failure(
    sandbox: Sandbox, events: BaseClient, sm: BaseClient
) -> None:
    source = unique("ml.app")
    pipeline = make_pipeline(sm, deploy_definition())
    unmatched = pipeline_target(sm, pipeline, {"ModelVersion": "$.detail.missing"})
    no_role = {k: v for k, v in pipeline_target(sm, pipeline, {"Stage": "prod"}).items() if k != "RoleArn"}
    undeclared = pipeline_target(sm, pipeline, {"Unknown": "x"})
    gone = {**pipeline_target(sm, pipeline, {}), "Arn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/nope"}
    rule = make_rule(events, {"source": [source]}, [unmatched, no_role, undeclared, gone])
    put(events, source, {"version": 1})
    assert executions(sm, pipeline) == []
    outcomes = {d["target_id"]: d["outcome"] for d in deliveries(sandbox, rule)}
    assert "JSONPath $.detail.missing matches nothing" in outcomes[unmatched["Id"]]
    assert "needs a RoleArn" in outcomes[no_role["Id"]]
    assert outcomes[undeclared["Id"]].startswith("failed: ValidationException: ")
    assert outcomes[gone["Id"]].startswith("failed: ResourceNotFound: ")
    assert all(d["error"] for d in deliveries(sandbox, rule))


def test_lambda_sns_and_step_functions_targets_are_recorded_not_a_500(
    sandbox: Sandbox, events: BaseClient, sqs: BaseClient
) -> None:
    source = unique("ml.app")
    url, queue = make_queue(sqs)
    others = {
        "lambda": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:notify",
        "sns": f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts",
        "states": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:deploy",
    }
    targets = [{"Id": kind, "Arn": arn} for kind, arn in others.items()] + [{"Id": "queue", "Arn": queue}]
    rule = make_rule(events, {"source": [source]}, targets)
    event_id = put(events, source, {"n": 1})
    [body] = received(sqs, url)
    assert (body["id"], body["source"], body["detail-type"], body["detail"]) == (event_id, source, "Test", {"n": 1})
    assert (body["account"], body["region"], body["version"], body["resources"]) == (ACCOUNT, REGION, "0", [])
    found = {d["target_id"]: d for d in deliveries(sandbox, rule)}
    assert found["queue"]["outcome"] == "delivered"
    for kind, arn in others.items():
        assert (found[kind]["kind"], found[kind]["target_arn"]) == (kind, arn)
        assert found[kind]["outcome"].startswith("recorded (not delivered")
        assert found[kind]["input"]["id"] == event_id


def test_input_input_path_and_input_transformer(sandbox: Sandbox, events: BaseClient, sqs: BaseClient) -> None:
    source = unique("ml.app")
    queues = {name: make_queue(sqs) for name in ("input", "path", "json", "text", "whole")}
    transformer = {"InputPathsMap": {"endpoint": "$.detail.endpoint", "count": "$.detail.count",
                                     "missing": "$.detail.nothing"}}
    targets = [
        {"Id": "input", "Arn": queues["input"][1], "Input": json.dumps({"static": True})},
        {"Id": "path", "Arn": queues["path"][1], "InputPath": "$.detail"},
        {"Id": "json", "Arn": queues["json"][1], "InputTransformer": {
            **transformer,
            "InputTemplate": '{"name": "<endpoint>", "count": <count>, "label": "<endpoint> x<count>", '
                             '"gone": <missing>, "rule": "<aws.events.rule-name>"}'}},
        {"Id": "text", "Arn": queues["text"][1], "InputTransformer": {
            **transformer, "InputTemplate": '"<endpoint> has <count> instances"'}},
        {"Id": "whole", "Arn": queues["whole"][1]},
    ]
    rule = make_rule(events, {"source": [source], "detail": {"count": [{"numeric": [">", 1]}]}}, targets)
    put(events, source, {"endpoint": "churn", "count": 3})
    put(events, source, {"endpoint": "churn", "count": 1})  # the pattern does not match it
    assert received(sqs, queues["input"][0]) == [{"static": True}]
    assert received(sqs, queues["path"][0]) == [{"endpoint": "churn", "count": 3}]
    assert received(sqs, queues["json"][0]) == [
        {"name": "churn", "count": 3, "label": "churn x3", "gone": None, "rule": rule}]
    assert messages(sqs, queues["text"][0]) == ['"churn has 3 instances"']
    [whole] = received(sqs, queues["whole"][0])
    assert whole["detail"] == {"endpoint": "churn", "count": 3}
    inputs = {d["target_id"]: d["input"] for d in deliveries(sandbox, rule)}
    assert inputs["text"] == "churn has 3 instances"
    assert inputs["path"] == {"endpoint": "churn", "count": 3}
    # a disabled rule delivers nothing
    events.disable_rule(Name=rule)
    put(events, source, {"endpoint": "churn", "count": 5})
    assert messages(sqs, queues["whole"][0]) == []
    assert len(deliveries(sandbox, rule)) == len(targets)


def test_put_events_time_and_test_event_pattern(sandbox: Sandbox, events: BaseClient, sqs: BaseClient) -> None:
    source = unique("ml.app")
    url, queue = make_queue(sqs)
    make_rule(events, {"source": [source]}, [{"Id": "q", "Arn": queue}])
    put(events, source, {}, Time=datetime(2030, 5, 4, 3, 2, 1, tzinfo=timezone.utc))
    [body] = received(sqs, url)
    assert body["time"] == "2030-05-04T03:02:01Z"
    clock = datetime.fromisoformat(control.get_clock(sandbox.url)["now"])
    put(events, source, {})
    [body] = received(sqs, url)
    assert abs((datetime.fromisoformat(body["time"].replace("Z", "+00:00")) - clock).total_seconds()) < 3600
    event = {"id": "1", "source": source, "detail-type": "Test", "account": ACCOUNT, "region": REGION,
             "time": "2030-01-01T00:00:00Z", "resources": [], "detail": {"n": 2}}
    assert events.test_event_pattern(EventPattern=json.dumps({"detail": {"n": [2]}}), Event=json.dumps(event))[
        "Result"] is True
    assert events.test_event_pattern(EventPattern=json.dumps({"detail": {"n": [3]}}), Event=json.dumps(event))[
        "Result"] is False


# --- what SageMaker emits ---------------------------------------------------------------------------------------


def test_approving_a_model_package_delivers_a_state_change(
    sandbox: Sandbox, events: BaseClient, sqs: BaseClient, sm: BaseClient
) -> None:
    group = make_group(sm)
    url, queue = make_queue(sqs)
    pattern = {**APPROVED_PATTERN, "detail": {**APPROVED_PATTERN["detail"], "ModelPackageGroupName": [group]}}
    rule = make_rule(events, pattern, [{"Id": "approved", "Arn": queue}])
    first = sm.create_model_package(ModelPackageGroupName=group, InferenceSpecification=SPEC)["ModelPackageArn"]
    second = sm.create_model_package(ModelPackageGroupName=group, InferenceSpecification=SPEC)["ModelPackageArn"]
    assert messages(sqs, url) == []  # created PendingManualApproval: the pattern wants Approved
    sm.update_model_package(ModelPackageArn=first, ModelApprovalStatus="Approved", ApprovalDescription="AUC 0.91")
    [event] = received(sqs, url)
    described = sm.describe_model_package(ModelPackageName=first)
    assert (event["source"], event["detail-type"], event["account"], event["region"]) == (
        "aws.sagemaker", MODEL_PACKAGE_STATE_CHANGE, ACCOUNT, REGION)
    assert event["resources"] == [first]
    detail = event["detail"]
    assert (detail["ModelPackageGroupName"], detail["ModelPackageVersion"], detail["ModelPackageArn"]) == (
        group, 1, package_arn(group, 1))
    assert (detail["ModelPackageStatus"], detail["ModelApprovalStatus"], detail["ApprovalDescription"]) == (
        "Completed", "Approved", "AUC 0.91")
    assert detail["CreationTime"] == iso(described["CreationTime"])
    assert detail["LastModifiedTime"] == iso(described["LastModifiedTime"]) == event["time"]
    assert detail["InferenceSpecification"]["Containers"][0]["Image"] == IMAGE
    # the same status again is no change; the control route approves like a reviewer
    sm.update_model_package(ModelPackageArn=first, ModelApprovalStatus="Approved")
    assert messages(sqs, url) == []
    control.approve_model_package(sandbox.url, group, 2)
    [event] = received(sqs, url)
    assert (event["detail"]["ModelPackageArn"], event["detail"]["ModelApprovalStatus"]) == (second, "Approved")
    control.approve_model_package(sandbox.url, arn=second, status="Rejected")
    assert messages(sqs, url) == []
    found = deliveries(sandbox, rule)
    assert [d["input"]["detail"]["ModelPackageVersion"] for d in found] == [1, 2]
    assert all(d["outcome"] == "delivered" and d["kind"] == "sqs" for d in found)
    emitted = [e for e in control.event_deliveries(sandbox.url)["events"]
               if e["detail_type"] == MODEL_PACKAGE_STATE_CHANGE and e["detail"].get("ModelPackageGroupName") == group]
    assert [(e["detail"]["ModelPackageVersion"], e["detail"]["ModelApprovalStatus"]) for e in emitted] == [
        (1, "PendingManualApproval"), (2, "PendingManualApproval"), (1, "Approved"), (2, "Approved"),
        (2, "Rejected")]
    assert all(e["bus"] == "default" and e["source"] == "aws.sagemaker" for e in emitted)


def test_a_pipeline_execution_emits_its_status_changes(
    sandbox: Sandbox, events: BaseClient, sqs: BaseClient, sm: BaseClient
) -> None:
    url, queue = make_queue(sqs)
    with frozen(sandbox):
        pipeline = make_pipeline(sm, definition(make_group(sm)))
        pipeline_arn = sm.describe_pipeline(PipelineName=pipeline)["PipelineArn"]
        make_rule(events, {"source": ["aws.sagemaker"], "detail-type": [PIPELINE_EXECUTION_STATUS_CHANGE],
                           "detail": {"pipelineArn": [pipeline_arn]}}, [{"Id": "status", "Arn": queue}])
        execution, started = start(sm, pipeline, PipelineExecutionDisplayName="nightly",
                                   PipelineExecutionDescription="the nightly run")
        [first] = received(sqs, url)
        assert first["resources"] == [pipeline_arn, execution]
        assert first["detail"] == {
            "pipelineExecutionDisplayName": "nightly", "currentPipelineExecutionStatus": "Executing",
            "executionStartTime": iso(started), "pipelineExecutionDescription": "the nightly run",
            "pipelineArn": pipeline_arn, "pipelineExecutionArn": execution}
        advance_to(sandbox, started, DONE - 1)
        assert messages(sqs, url) == []
        advance_to(sandbox, started, DONE + 5)
        [last] = received(sqs, url)  # the pipelines are brought to the current time before every request
        assert (last["detail"]["currentPipelineExecutionStatus"], last["detail"]["previousPipelineExecutionStatus"]) \
            == ("Succeeded", "Executing")
        assert last["detail"]["executionEndTime"] == last["time"]
        assert (datetime.fromisoformat(last["time"].replace("Z", "+00:00")) - started).total_seconds() == \
            pytest.approx(DONE, abs=1)
        stopped, stopped_start = start(sm, pipeline)
        sm.stop_pipeline_execution(PipelineExecutionArn=stopped)
        advance_to(sandbox, stopped_start, 60)
        statuses = [(m["detail"].get("previousPipelineExecutionStatus"), m["detail"]["currentPipelineExecutionStatus"])
                    for m in received(sqs, url)]
    assert statuses == [(None, "Executing"), ("Executing", "Stopping"), ("Stopping", "Stopped")]


def test_a_registered_version_approved_starts_the_deploy_pipeline(
    sandbox: Sandbox, events: BaseClient, sqs: BaseClient, sm: BaseClient
) -> None:
    """The registry loop end to end: a RegisterModel step makes a version (an event), a reviewer approves it
    (another), and the rule on approvals starts the deploy pipeline with the version's ARN and number."""
    group = make_group(sm)
    url, queue = make_queue(sqs)
    make_rule(events, {"source": ["aws.sagemaker"], "detail-type": [MODEL_PACKAGE_STATE_CHANGE],
                       "detail": {"ModelPackageGroupName": [group]}}, [{"Id": "all", "Arn": queue}])
    deploy = make_pipeline(sm, deploy_definition())
    pattern = {**APPROVED_PATTERN, "detail": {**APPROVED_PATTERN["detail"], "ModelPackageGroupName": [group]}}
    rule = make_rule(events, pattern, [pipeline_target(sm, deploy, {
        "ModelPackageArn": "$.detail.ModelPackageArn", "ModelVersion": "$.detail.ModelPackageVersion"})])
    with frozen(sandbox):
        train = make_pipeline(sm, definition(group))
        _, started = start(sm, train)
        advance_to(sandbox, started, REGISTER[1] + 1)
        [registered] = received(sqs, url)
    assert (registered["detail"]["ModelPackageVersion"], registered["detail"]["ModelApprovalStatus"]) == (
        1, "PendingManualApproval")
    assert registered["time"] == iso(started + timedelta(seconds=REGISTER[1]))  # when the step ended
    assert executions(sm, deploy) == []
    control.approve_model_package(sandbox.url, group, 1)
    [execution] = executions(sm, deploy)
    assert parameters(sm, execution) == {"ModelPackageArn": package_arn(group, 1), "ModelVersion": "1",
                                         "Stage": "dev"}
    assert [d["outcome"] for d in deliveries(sandbox, rule)] == [f"started {execution}"]


def test_endpoints_emit_state_and_deployment_changes(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_model(sm)
    endpoint = make_endpoint(sm, make_config(sm, [variant(model)]), Tags=[{"Key": "team", "Value": "ml"}])
    arn = sm.describe_endpoint(EndpointName=endpoint)["EndpointArn"]
    canary = {"BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {"Type": "CANARY", "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
                                        "WaitIntervalInSeconds": 60},
        "TerminationWaitInSeconds": 0}}
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=make_config(sm, [variant(model, count=2)]),
                       DeploymentConfig=canary)
    wait_status(sm, endpoint, "InService")
    found = [e for e in control.event_deliveries(sandbox.url)["events"] if e["resources"] == [arn]]
    states = [e["detail"] for e in found if e["detail_type"] == ENDPOINT_STATE_CHANGE]
    assert [s["EndpointStatus"] for s in states] == ["CREATING", "IN_SERVICE", "UPDATING", "IN_SERVICE"]
    assert all(e["source"] == "aws.sagemaker" and e["account"] == ACCOUNT for e in found)
    assert states[0]["EndpointName"] == endpoint and states[0]["Tags"] == {"team": "ml"}
    assert isinstance(states[0]["CreationTime"], int)  # epoch milliseconds, as SageMaker's endpoint events
    deployments = [e["detail"] for e in found if e["detail_type"] == ENDPOINT_DEPLOYMENT_STATE_CHANGE]
    pending = [d["PendingDeploymentSummary"] for d in deployments if "PendingDeploymentSummary" in d]
    phases = [p["ProductionVariants"][0]["VariantStatus"][0]["Status"] for p in pending]
    assert phases[0] == "Creating" and "Baking" in phases, phases  # provisioning, then the canary's shift and bake
    assert [d["EndpointStatus"] for d in deployments] == ["UPDATING"] * len(pending) + ["IN_SERVICE"]
    assert "PendingDeploymentSummary" not in deployments[-1]


# --- the deliveries route, the tagging API, reset ------------------------------------------------------------------


def test_rules_in_the_tagging_api(events: BaseClient, tagging: BaseClient) -> None:
    marker = unique("marker")
    bus = unique("bus")
    bus_arn = events.create_event_bus(Name=bus, Tags=[{"Key": "marker", "Value": marker}])["EventBusArn"]
    tags = [{"Key": "marker", "Value": marker}, {"Key": "team", "Value": "ml"}]
    on_default = unique("rule")
    events.put_rule(Name=on_default, EventPattern=json.dumps({"source": ["x"]}), Tags=tags)
    on_bus = unique("rule")
    events.put_rule(Name=on_bus, EventBusName=bus, EventPattern=json.dumps({"source": ["y"]}), Tags=tags[:1])
    events.put_rule(Name=unique("untagged"), EventPattern=json.dumps({"source": ["x"]}))
    default_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{on_default}"
    bus_rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{bus}/{on_bus}"

    def found(*types: str) -> dict[str, list[dict[str, str]]]:
        answer = tagging.get_resources(ResourceTypeFilters=list(types), TagFilters=[{"Key": "marker",
                                                                                   "Values": [marker]}])
        return {r["ResourceARN"]: r["Tags"] for r in answer["ResourceTagMappingList"]}

    assert found("events:rule") == {default_arn: tags, bus_rule_arn: tags[:1]}
    assert set(found("events")) == {default_arn, bus_rule_arn, bus_arn}
    assert set(found("events:event-bus")) == {bus_arn}
    events.untag_resource(ResourceARN=default_arn, TagKeys=["marker"])
    assert set(found("events:rule")) == {bus_rule_arn}


def test_the_deliveries_route_and_reset(sandbox: Sandbox, events: BaseClient, sqs: BaseClient) -> None:
    source = unique("ml.app")
    _, queue = make_queue(sqs)
    rule = make_rule(events, {"source": [source]}, [{"Id": "q", "Arn": queue}])
    put(events, source, {"n": 1})
    answer = control.event_deliveries(sandbox.url)
    [delivery] = [d for d in answer["deliveries"] if d["rule"] == rule]
    assert set(delivery) == {"time", "event_id", "source", "detail_type", "bus", "rule", "rule_arn", "target_id",
                             "target_arn", "kind", "input", "outcome", "error"}
    [event] = [e for e in answer["events"] if e["source"] == source]
    assert (event["matched_rules"], event["bus"], event["detail"]) == ([rule], "default", {"n": 1})
    control.reset(sandbox.url)
    assert control.event_deliveries(sandbox.url) == {"deliveries": [], "events": []}


def test_a_bus_policy_replaces_the_statements_before_it(events: BaseClient) -> None:
    bus = unique("bus")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    events.put_permission(EventBusName=bus, Action="events:PutEvents", Principal="999999999999", StatementId="ByHand")
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents", "Resource": bus_arn,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
    events.put_permission(EventBusName=bus, Policy=json.dumps(policy))
    described = json.loads(events.describe_event_bus(Name=bus)["Policy"])
    assert [s["Sid"] for s in described["Statement"]] == ["Org"]
    events.put_permission(EventBusName=bus, Action="events:PutEvents", Principal="210987654321", StatementId="More")
    described = json.loads(events.describe_event_bus(Name=bus)["Policy"])
    assert [s["Sid"] for s in described["Statement"]] == ["Org", "More"]  # one statement is added to the policy
