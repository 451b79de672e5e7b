"""Engine wire-contract tests: the exact AWS requests the engine makes, with botocore's Stubber.

Stubber checks each request's parameters against what we expect and validates every
canned response against the service model, so these tests pin the wire contract of the
planner (read-only) and the applier without any server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from reconciler.apply.applier import apply_plan
from reconciler.aws.clients import AwsTarget, ClientFactory, ReadClients, ReadOnlyClient, WriteClients
from reconciler.aws.waits import WaitPolicy
from reconciler.errors import ApplyError, PlanError, StalePlanError
from reconciler.hooks import RecordingHooks
from reconciler.kinds import load_stack
from reconciler.plan import planner
from reconciler.plan.model import Plan, Step
from tests.unit.planner_support import ACCOUNT, REGION, write_stack

FAST = WaitPolicy(initial=0.0, maximum=0.0)


class Stubs:
    def __init__(self) -> None:
        session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name=REGION)
        self.clients = {s: session.client(s) for s in ("sagemaker", "resourcegroupstaggingapi", "sts",
                                                             "application-autoscaling")}
        self.stubs = {s: Stubber(c) for s, c in self.clients.items()}
        factory = ClientFactory(AwsTarget(REGION))
        for service, client in self.clients.items():
            factory._clients[(service, False)] = client
            factory._clients[(service, True)] = ReadOnlyClient(client)
        self.writer = WriteClients(factory)
        self.reader = ReadClients(factory)

    def __getattr__(self, service: str) -> Stubber:
        names = {"sm": "sagemaker", "tagging": "resourcegroupstaggingapi", "aas": "application-autoscaling"}
        return self.stubs[names.get(service, service)]

    def not_found(self, operation: str, what: str) -> None:
        from reconciler.aws.calls import snake

        self.sm.add_client_error(snake(operation), "ValidationException", f"Could not find {what}.")

    def activate(self) -> None:
        for s in self.stubs.values():
            s.activate()

    def verify(self) -> None:
        for s in self.stubs.values():
            s.assert_no_pending_responses()


@pytest.fixture()
def stubs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubs]:
    monkeypatch.setattr(planner, "MAX_READ_CONCURRENCY", 1)  # Stubber answers in order
    s = Stubs()
    yield s


def _arn(type_: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{type_}/{name}"


def test_plan_of_a_new_stack_reads_and_never_writes(stubs: Stubs, tmp_path: Path) -> None:
    stack = load_stack(write_stack(tmp_path / "s"))
    stubs.sts.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::1:user/x", "UserId": "x"})
    stubs.tagging.add_response(
        "get_resources", {"ResourceTagMappingList": []},
        {"TagFilters": [{"Key": "reconciler:stack", "Values": ["demo"]}],
         "ResourceTypeFilters": ["cloudwatch:alarm", "events:event-bus", "events:rule",
                                 "sagemaker:data-quality-job-definition", "sagemaker:endpoint",
                                 "sagemaker:endpoint-config", "sagemaker:inference-experiment",
                                 "sagemaker:inference-recommendations-job", "sagemaker:model",
                                 "sagemaker:model-bias-job-definition",
                                 "sagemaker:model-explainability-job-definition",
                                 "sagemaker:model-package-group", "sagemaker:model-quality-job-definition",
                                 "sagemaker:monitoring-schedule", "sagemaker:pipeline", "schemas:registry"],
         "ResourcesPerPage": 100})
    stubs.not_found("describe_model", "model")
    stubs.not_found("describe_endpoint_config", "endpoint configuration")
    stubs.not_found("describe_endpoint", "endpoint")
    stubs.activate()
    plan, snapshot = planner.make_plan(stack, stubs.writer)
    stubs.verify()
    assert [s.operation for s in plan.steps] == ["CreateModel", "CreateEndpointConfig", "CreateEndpoint"]
    assert snapshot.clients.read_only


def test_same_name_resource_not_owned_is_a_plan_error(stubs: Stubs, tmp_path: Path) -> None:
    stack = load_stack(write_stack(tmp_path / "s"))
    stubs.sts.add_response("get_caller_identity", {"Account": ACCOUNT})
    stubs.tagging.add_response("get_resources", {"ResourceTagMappingList": []}, None)
    stubs.not_found("describe_model", "model")
    stubs.not_found("describe_endpoint_config", "endpoint configuration")
    stubs.sm.add_response("describe_endpoint", {
        "EndpointName": "churn", "EndpointArn": _arn("endpoint", "churn"), "EndpointStatus": "InService",
        "EndpointConfigName": "hand-made", "CreationTime": "2026-01-01T00:00:00Z",
        "LastModifiedTime": "2026-01-01T00:00:00Z"}, {"EndpointName": "churn"})
    stubs.sm.add_response("list_tags", {"Tags": [{"Key": "owner", "Value": "someone"}]},
                          {"ResourceArn": _arn("endpoint", "churn"), "MaxResults": 100})
    stubs.aas.add_response("describe_scalable_targets", {"ScalableTargets": []},
                           {"ServiceNamespace": "sagemaker", "ResourceIds": ["endpoint/churn/variant/a"]})
    stubs.activate()
    with pytest.raises(PlanError) as err:
        planner.make_plan(stack, stubs.writer)
    assert "endpoint/churn already exists and is not managed by reconciler" in str(err.value)
    assert "reconciler import Endpoint churn --into " in str(err.value) and str(err.value).endswith(" --adopt")


def test_account_guard_refuses_other_accounts(stubs: Stubs, tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    text = (root / "stack.yaml").read_text().replace("prune:", "accountId: '999999999999', prune:")
    (root / "stack.yaml").write_text(text)
    stubs.sts.add_response("get_caller_identity", {"Account": ACCOUNT})
    stubs.activate()
    with pytest.raises(PlanError, match="pinned to account 999999999999"):
        planner.make_plan(load_stack(root), stubs.writer)
    stubs.verify()


def _endpoint(status: str, config: str, failure: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "EndpointName": "churn", "EndpointArn": _arn("endpoint", "churn"), "EndpointStatus": status,
        "EndpointConfigName": config, "CreationTime": "2026-01-01T00:00:00Z",
        "LastModifiedTime": "2026-01-01T00:00:00Z",
        "ProductionVariants": [{"VariantName": "a", "CurrentWeight": 1.0, "DesiredWeight": 1.0,
                                "CurrentInstanceCount": 1, "DesiredInstanceCount": 1}],
    }
    if failure:
        out["FailureReason"] = failure
    return out


def _update_plan(fingerprint: str) -> Plan:
    step = Step("UpdateEndpoint", "endpoint/churn",
                {"EndpointName": "churn", "EndpointConfigName": "churn-new", "RetainAllVariantProperties": False},
                tags={"reconciler:hash": "h2"}, tag_arn=_arn("endpoint", "churn"))
    return Plan("demo", REGION, ACCOUNT, steps=(step,), fingerprints={"endpoint/churn": fingerprint})


def _live_endpoint_fingerprint() -> str:
    from reconciler.addressing import Address
    from reconciler.handlers.registry import handler_for
    from reconciler.resources import Live

    live = Live(Address("endpoint", "churn"), _arn("endpoint", "churn"), {"reconciler:stack": "demo"},
                _endpoint("InService", "churn-old"))
    return handler_for("endpoint").fingerprint(live)


def _expect_fresh_read(stubs: Stubs) -> None:
    stubs.sm.add_response("describe_endpoint", _endpoint("InService", "churn-old"), {"EndpointName": "churn"})
    stubs.sm.add_response("list_tags", {"Tags": [{"Key": "reconciler:stack", "Value": "demo"}]},
                          {"ResourceArn": _arn("endpoint", "churn"), "MaxResults": 100})
    stubs.aas.add_response("describe_scalable_targets", {"ScalableTargets": []},
                           {"ServiceNamespace": "sagemaker", "ResourceIds": ["endpoint/churn/variant/a"]})


def test_update_rolled_back_by_sagemaker_fails_with_the_reason(stubs: Stubs) -> None:
    _expect_fresh_read(stubs)
    stubs.sm.add_response("describe_endpoint", _endpoint("InService", "churn-old"), {"EndpointName": "churn"})
    stubs.sm.add_response("update_endpoint", {"EndpointArn": _arn("endpoint", "churn")},
                          {"EndpointName": "churn", "EndpointConfigName": "churn-new",
                           "RetainAllVariantProperties": False})
    stubs.sm.add_response("describe_endpoint", _endpoint("Updating", "churn-old"), {"EndpointName": "churn"})
    stubs.sm.add_response("describe_endpoint", _endpoint("InService", "churn-old", "Alarm churn-5xx fired"),
                          {"EndpointName": "churn"})
    stubs.activate()
    with pytest.raises(ApplyError) as err:
        apply_plan(_update_plan(_live_endpoint_fingerprint()), stubs.writer, ACCOUNT, RecordingHooks(), FAST)
    message = str(err.value)
    assert "rolled the update back" in message and "churn-old" in message and "Alarm churn-5xx fired" in message
    stubs.verify()  # no AddTags: the applied-state tag is not written for a rolled-back update


def test_successful_update_records_the_applied_hash(stubs: Stubs) -> None:
    _expect_fresh_read(stubs)
    stubs.sm.add_response("describe_endpoint", _endpoint("InService", "churn-old"), {"EndpointName": "churn"})
    stubs.sm.add_response("update_endpoint", {"EndpointArn": _arn("endpoint", "churn")}, None)
    stubs.sm.add_response("describe_endpoint", _endpoint("InService", "churn-new"), {"EndpointName": "churn"})
    stubs.sm.add_response("add_tags", {"Tags": [{"Key": "reconciler:hash", "Value": "h2"}]},
                          {"ResourceArn": _arn("endpoint", "churn"),
                           "Tags": [{"Key": "reconciler:hash", "Value": "h2"}]})
    stubs.activate()
    hooks = RecordingHooks()
    result = apply_plan(_update_plan(_live_endpoint_fingerprint()), stubs.writer, ACCOUNT, hooks, FAST)
    assert result.steps_done == 1
    stubs.verify()


def test_stale_plan_is_refused_before_any_write(stubs: Stubs) -> None:
    _expect_fresh_read(stubs)
    stubs.activate()
    with pytest.raises(StalePlanError, match="stale plan: endpoint/churn has changed"):
        apply_plan(_update_plan("not-what-is-live"), stubs.writer, ACCOUNT, RecordingHooks(), FAST)
    stubs.verify()


def test_read_only_clients_refuse_writes(stubs: Stubs) -> None:
    from reconciler.aws.clients import ReadOnlyViolation

    with pytest.raises(ReadOnlyViolation):
        stubs.reader.sagemaker.create_model(ModelName="x")
    with pytest.raises(ValueError, match="writable"):
        apply_plan(_update_plan("x"), stubs.reader, ACCOUNT)


def test_unknown_step_in_a_plan_file_is_refused_before_anything_runs(stubs: Stubs) -> None:
    plan = Plan("demo", REGION, ACCOUNT, steps=(Step("DeleteEverything", "endpoint/churn", {}),))
    stubs.activate()
    with pytest.raises(ApplyError, match="unknown step 'DeleteEverything'"):
        apply_plan(plan, stubs.writer, ACCOUNT, RecordingHooks(), FAST)
    stubs.verify()
