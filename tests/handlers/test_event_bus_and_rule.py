"""Scenarios for the event-bus and event-rule handlers (EventBus and EventRule documents): recorded EventBridge
responses in, change, steps and errors out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.drift import drift_report
from reconciler.errors import ApplyError, PlanError
from reconciler.frozen import thaw
from tests.handlers.answers import desired_of, one
from tests.handlers.events_answers import (
    BUS_POLICY,
    PIPELINE_ARN,
    QUEUE,
    absent_events,
    bus,
    bus_arn,
    bus_doc,
    record_applied_events,
    record_rule,
    rule_arn,
    rule_doc,
)
from tests.handlers.recorded import Recorded, operations, plan, write

RULE = "event-rule/churn-approved"


def _applied(tmp_path: Path, *docs: str) -> Recorded:
    ds = desired_of(write(tmp_path / "applied", *docs))
    recorded = Recorded()
    record_applied_events(recorded, ds)
    return recorded


def _change(p: object, address: str) -> object:
    [change] = [c for c in p.changes if c.address == address]  # type: ignore[attr-defined]
    return change


# --- buses -----------------------------------------------------------------------------------------


def test_a_new_bus_is_created_then_given_its_policy(tmp_path: Path) -> None:
    root = write(tmp_path / "s", bus_doc(BUS_POLICY))
    recorded = Recorded()
    record_applied_events(recorded, [])
    absent_events(recorded, *desired_of(root))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateEventBus", "PutPermission"]
    assert json.loads(p.steps[1].params["Policy"])["Statement"][0]["Principal"] == {
        "AWS": ["arn:aws:iam::210987654321:root"]}


def test_a_policy_eventbridge_rewrote_plans_clean(tmp_path: Path) -> None:
    recorded = _applied(tmp_path, bus_doc(BUS_POLICY))
    p, snap = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()
    assert drift_report(p, snap).in_sync


def test_a_policy_changed_outside_git_is_drift_and_put_back_whole(tmp_path: Path) -> None:
    recorded = _applied(tmp_path, bus_doc(BUS_POLICY))
    d = one(desired_of(tmp_path / "applied"), "event-bus")
    grown = {**BUS_POLICY, "Statement": [*BUS_POLICY["Statement"], {
        "Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents", "Resource": "*"}]}
    recorded.add("events", "DescribeEventBus", {"Name": "ml"}, bus(d, Policy=json.dumps(grown)))
    p, snap = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["PutPermission"]
    assert json.loads(p.steps[0].params["Policy"]) == json.loads(d.extra["policy"])
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("drift",)


def test_a_removed_policy_is_removed_whole(tmp_path: Path) -> None:
    recorded = _applied(tmp_path, bus_doc(BUS_POLICY))
    p, _ = plan(write(tmp_path / "s", bus_doc(extra="  description: ML events\n")), recorded)
    assert operations(p) == ["UpdateEventBus", "RemovePermission"]
    assert thaw(p.steps[1].params) == {"EventBusName": "ml", "RemoveAllPermissions": True}


def test_the_default_bus_is_used_as_it_is_and_never_created_or_deleted(tmp_path: Path) -> None:
    root = write(tmp_path / "s", bus_doc(BUS_POLICY, name="default"))
    [d] = desired_of(root)
    recorded = Recorded()
    record_applied_events(recorded, [])
    recorded.add("events", "DescribeEventBus", {"Name": "default"}, {"Name": "default", "Arn": bus_arn("default")})
    recorded.add("events", "ListTagsForResource", {"ResourceARN": bus_arn("default")}, {"Tags": []})
    p, _ = plan(root, recorded)
    assert operations(p) == ["PutPermission", "TagResource"]  # its policy, then it is the stack's
    applied = Recorded()
    record_applied_events(applied, [d])
    p, _ = plan(write(tmp_path / "gone"), applied)
    assert operations(p) == ["RemovePermission", "UntagResource"]
    assert all(s.operation != "DeleteEventBus" for s in p.steps)


def test_the_default_bus_takes_only_a_policy(tmp_path: Path) -> None:
    from reconciler.errors import SpecError
    from reconciler.kinds import load_stack

    root = write(tmp_path / "s", bus_doc(BUS_POLICY, name="default", extra="  description: mine\n"))
    with pytest.raises(SpecError, match="only its policy can be set here; remove description"):
        load_stack(root)


# --- rules -----------------------------------------------------------------------------------------


def test_a_new_rule_is_put_then_given_its_targets(tmp_path: Path) -> None:
    root = write(tmp_path / "s", rule_doc())
    recorded = Recorded()
    record_applied_events(recorded, [])
    absent_events(recorded, *desired_of(root))
    p, _ = plan(root, recorded)
    assert operations(p) == ["PutRule", "PutTargets"]
    put_rule, put_targets = p.steps
    assert json.loads(put_rule.params["EventPattern"]) == {
        "source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
        "detail": {"ModelApprovalStatus": ["Approved"]}}
    assert {t["Key"] for t in put_rule.params["Tags"]} >= {"reconciler:stack", "reconciler:hash"}
    assert [t["Id"] for t in put_targets.params["Targets"]] == ["queue", "train"]
    [train] = [t for t in put_targets.params["Targets"] if t["Id"] == "train"]
    assert thaw(train["SageMakerPipelineParameters"]) == {"PipelineParameterList": [
        {"Name": "ModelVersion", "Value": "$.detail.ModelPackageVersion"}]}


def test_an_applied_rule_plans_clean_whatever_the_pattern_layout(tmp_path: Path) -> None:
    recorded = _applied(tmp_path, rule_doc())
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()


def test_a_target_change_is_one_put_targets_of_that_target(tmp_path: Path) -> None:
    recorded = _applied(tmp_path, rule_doc())
    p, _ = plan(write(tmp_path / "s", rule_doc().replace("$.detail.ModelPackageVersion", "$.detail.ModelPackageArn")),
                recorded)
    assert operations(p) == ["PutTargets"]
    assert [t["Id"] for t in p.steps[0].params["Targets"]] == ["train"]
    assert _change(p, RULE).reason == "target train changed"


def test_a_removed_target_is_one_remove_targets(tmp_path: Path) -> None:
    recorded = _applied(tmp_path, rule_doc())
    p, _ = plan(write(tmp_path / "s", rule_doc(targets=f'\n    - {{id: queue, arn: "{QUEUE}"}}')), recorded)
    assert operations(p) == ["RemoveTargets"]
    assert thaw(p.steps[0].params) == {"Rule": "churn-approved", "EventBusName": "default", "Ids": ["train"]}


def test_a_rule_change_is_one_put_rule_with_every_member(tmp_path: Path) -> None:
    recorded = _applied(tmp_path, rule_doc())
    d = one(desired_of(tmp_path / "applied"), "event-rule")
    record_rule(recorded, d, RoleArn="arn:aws:iam::123456789012:role/added-by-hand")
    p, snap = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["PutRule"]
    assert "RoleArn" not in p.steps[0].params  # PutRule replaces: what git leaves out is cleared
    assert drift_report(p, snap).entries[0].labels == ("drift",)


def test_targets_are_put_ten_per_request(tmp_path: Path) -> None:
    from reconciler.handlers.event_rule import _chunks

    assert [len(c) for c in _chunks(list(range(23)))] == [10, 10, 3]


def test_a_rule_another_service_manages_is_never_touched(tmp_path: Path) -> None:
    recorded = _applied(tmp_path, rule_doc())
    d = one(desired_of(tmp_path / "applied"), "event-rule")
    record_rule(recorded, d, ManagedBy="sagemaker.amazonaws.com")
    with pytest.raises(PlanError, match=r"is managed by sagemaker\.amazonaws\.com and is never changed here"):
        plan(write(tmp_path / "s", rule_doc(extra="  state: DISABLED\n")), recorded)


def test_deleting_a_rule_removes_its_targets_first(tmp_path: Path) -> None:
    recorded = _applied(tmp_path, rule_doc())
    p, _ = plan(write(tmp_path / "s"), recorded)
    assert operations(p) == ["RemoveTargets", "DeleteRule"]
    assert thaw(p.steps[0].params)["Ids"] == ["queue", "train"]


def test_a_rule_on_a_custom_bus_is_addressed_by_bus(tmp_path: Path) -> None:
    root = write(tmp_path / "s", bus_doc(), rule_doc(extra='  eventBusName: "${EventBus.ml.name}"\n'))
    rule = one(desired_of(root), "event-rule")
    assert str(rule.address) == "event-rule/ml/churn-approved"
    assert rule.request["EventBusName"] == "ml"
    recorded = _applied(tmp_path, bus_doc(), rule_doc(extra='  eventBusName: "${EventBus.ml.name}"\n'))
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()
    assert rule_arn("ml/churn-approved").endswith(":rule/ml/churn-approved")


def test_a_failed_target_entry_fails_the_step_naming_it() -> None:
    from types import SimpleNamespace

    from reconciler.changes import Step
    from reconciler.handlers.event_rule import EventRuleHandler

    class Events:
        def put_targets(self, **_: object) -> dict[str, object]:
            return {"FailedEntryCount": 1, "FailedEntries": [{"TargetId": "train", "ErrorCode": "ValidationException",
                                                              "ErrorMessage": "RoleArn is required"}]}

    ctx = SimpleNamespace(clients=SimpleNamespace(get=lambda service: Events()))
    step = Step("PutTargets", RULE, {"Rule": "churn-approved", "Targets": [{"Id": "train", "Arn": PIPELINE_ARN}]}, "")
    with pytest.raises(ApplyError, match="target train: ValidationException: RoleArn is required"):
        EventRuleHandler().execute(ctx, step)  # type: ignore[arg-type]
