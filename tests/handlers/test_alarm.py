"""Scenarios for the alarm handler (`alarm/<name>`): recorded CloudWatch responses in, change and steps out."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from reconciler.changes import Action
from reconciler.drift import drift_report
from reconciler.errors import PlanError
from reconciler.frozen import thaw
from reconciler.handlers.alarm import AlarmHandler
from reconciler.plan.model import Plan
from reconciler.resources import Desired, Live
from tests.handlers import answers
from tests.handlers.answers import (
    MODEL_DOC,
    absent,
    alarm_arn,
    alarm_doc,
    desired_of,
    endpoint_doc,
    guard,
    one,
    record_applied,
)
from tests.handlers.recorded import Recorded, operations, plan, tagged, write

HANDLER = AlarmHandler()
NAME = "churn-5xx"
ARN = alarm_arn(NAME)
QUERY = {"AlarmNames": [NAME], "AlarmTypes": ["MetricAlarm"]}


def applied(d: Desired, stack: str) -> Live:
    """What CloudWatch holds right after the handler's own PutMetricAlarm made `d` (its state still OK)."""
    arn = alarm_arn(d.address.name)
    return Live(d.address, arn, d.tags(stack), {**copy.deepcopy(thaw(d.request)), "AlarmArn": arn, "StateValue": "OK"})


def _applied(tmp_path: Path, *docs: str) -> tuple[list[Desired], Recorded]:
    ds = desired_of(write(tmp_path / "applied", *(docs or (alarm_doc(),))))
    recorded = Recorded()
    record_applied(recorded, ds)
    return ds, recorded


def _describes(recorded: Recorded, entry: dict) -> None:
    recorded.add("cloudwatch", "DescribeAlarms", QUERY, {"MetricAlarms": [entry], "CompositeAlarms": []})


def _change(p: Plan) -> object:
    [change] = [c for c in p.changes if c.address == f"alarm/{NAME}"]
    return change


def test_a_new_alarm_is_one_put_with_its_ownership_tags(tmp_path: Path) -> None:
    root = write(tmp_path / "s", alarm_doc(tags="{team: ml}"))
    d = one(desired_of(root), "alarm")
    recorded = Recorded()
    tagged(recorded, [])
    absent(recorded, d)
    p, _ = plan(root, recorded)
    assert operations(p) == ["PutMetricAlarm"]
    params = thaw(p.steps[0].params)
    assert {k: v for k, v in params.items() if k != "Tags"} == {
        "AlarmName": NAME, "Namespace": "AWS/SageMaker", "MetricName": "Invocation5XXErrors",
        "Dimensions": [{"Name": "VariantName", "Value": "a"}, {"Name": "EndpointName", "Value": "churn"}],
        "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 5,
        "ComparisonOperator": "GreaterThanThreshold"}
    assert {t["Key"]: t["Value"] for t in params["Tags"]} == {
        "team": "ml", "reconciler:stack": "demo", "reconciler:address": f"Alarm/{NAME}",
        "reconciler:hash": d.state_hash}
    change = _change(p)
    assert (change.action, change.reason, change.before) == (Action.create, "new alarm", None)
    assert ("cloudwatch", "DescribeAlarms", QUERY) in recorded.calls  # probed by name


def test_an_applied_alarm_plans_nothing_whatever_its_state(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    entry = answers.alarm(one(ds, "alarm"), state="ALARM")
    entry["Dimensions"].reverse()  # CloudWatch's order, not the spec's
    _describes(recorded, entry)
    p, snap = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()
    assert drift_report(p, snap).in_sync


def test_cloudwatch_defaults_never_show_as_a_change(tmp_path: Path) -> None:
    d = one(desired_of(write(tmp_path / "s", alarm_doc())), "alarm")
    described = answers.alarm(d)
    # the spec sets neither: CloudWatch reports actions enabled and missing data as `missing`
    assert "ActionsEnabled" not in d.request and "TreatMissingData" not in d.request
    assert (described["ActionsEnabled"], described["TreatMissingData"], described["Threshold"]) == (True, "missing",
                                                                                                     5.0)
    live = Live(d.address, ARN, d.tags("demo"), described)
    assert HANDLER.comparable(live) == thaw(d.comparable)
    assert HANDLER.comparable(applied(d, "demo")) == thaw(d.comparable)
    assert HANDLER.comparable(Live(d.address, ARN, {}, None)) is None
    # the same defaults written out in the spec compare equal too
    explicit = one(desired_of(write(tmp_path / "e", alarm_doc(extra="  actionsEnabled: true\n"
                                                                    "  treatMissingData: missing\n"))), "alarm")
    assert HANDLER.comparable(Live(d.address, ARN, explicit.tags("demo"), answers.alarm(explicit))) == \
        thaw(explicit.comparable) == thaw(d.comparable)


def test_actions_disabled_in_the_spec_is_a_change(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    p, _ = plan(write(tmp_path / "s", alarm_doc(extra="  actionsEnabled: false\n")), recorded)
    assert operations(p) == ["PutMetricAlarm"]
    assert p.steps[0].params["ActionsEnabled"] is False
    assert (_change(p).before.get("actionsEnabled"), _change(p).after["actionsEnabled"]) == (None, False)


def test_a_definition_change_is_one_put_recording_the_hash(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    root = write(tmp_path / "s", alarm_doc(threshold=10))
    d = one(desired_of(root), "alarm")
    p, snap = plan(root, recorded)
    assert operations(p) == ["PutMetricAlarm"]  # PutMetricAlarm replaces the whole alarm; no tag call needed
    [step] = p.steps
    assert thaw(step.params) == thaw(d.request)
    assert "Tags" not in step.params  # ignored by CloudWatch on update
    assert (thaw(step.tags), step.tag_arn) == ({"reconciler:hash": d.state_hash}, ARN)
    change = _change(p)
    assert (change.action, change.reason) == (Action.update, "alarm definition changes")
    assert (change.before["threshold"], change.after["threshold"]) == (5.0, 10)
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("pending",)


def test_an_alarm_changed_outside_git_is_drift(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    _describes(recorded, answers.alarm(one(ds, "alarm"), EvaluationPeriods=3))
    p, snap = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["PutMetricAlarm"]
    assert p.steps[0].params["EvaluationPeriods"] == 1
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("drift",)


def test_a_tag_change_is_tag_resource_and_untag_resource(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, alarm_doc(tags="{team: ml, owner: alice}"))
    root = write(tmp_path / "s", alarm_doc(tags="{team: ml-platform}"))
    d = one(desired_of(root), "alarm")
    p, _ = plan(root, recorded)
    assert operations(p) == ["TagResource", "UntagResource"]
    assert thaw(p.steps[0].params) == {"ResourceARN": ARN, "Tags": [{"Key": "reconciler:hash", "Value": d.state_hash},
                                                                     {"Key": "team", "Value": "ml-platform"}]}
    assert thaw(p.steps[1].params) == {"ResourceARN": ARN, "TagKeys": ["owner"]}
    change = _change(p)
    assert (change.action, change.reason) == (Action.update, "tags change")


def test_a_definition_and_tag_change_records_the_hash_once(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, alarm_doc(tags="{team: ml}"))
    root = write(tmp_path / "s", alarm_doc(threshold=10, tags="{team: ml-platform}"))
    d = one(desired_of(root), "alarm")
    p, _ = plan(root, recorded)
    assert operations(p) == ["PutMetricAlarm", "TagResource"]
    assert thaw(p.steps[0].tags) == {"reconciler:hash": d.state_hash}
    assert thaw(p.steps[1].params["Tags"]) == [{"Key": "team", "Value": "ml-platform"}]


def test_an_alarm_is_put_before_the_endpoint_whose_rollout_it_guards(tmp_path: Path) -> None:
    root = write(tmp_path / "s", MODEL_DOC, endpoint_doc(extra=guard()), alarm_doc())
    ds = desired_of(root)
    recorded = Recorded()
    record_applied(recorded, [one(ds, "model")])
    absent(recorded, one(ds, "endpoint-config"), one(ds, "endpoint"), one(ds, "alarm"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateEndpointConfig", "PutMetricAlarm", "CreateEndpoint"]
    # a change of both: the alarm is updated before the UpdateEndpoint that watches it
    _, recorded = _applied(tmp_path, MODEL_DOC, endpoint_doc(extra=guard()), alarm_doc())
    root = write(tmp_path / "s2", MODEL_DOC, endpoint_doc(extra=guard(), instance="ml.c5.xlarge"), alarm_doc(10))
    absent(recorded, one(desired_of(root), "endpoint-config"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateEndpointConfig", "PutMetricAlarm", "UpdateEndpoint", "DeleteEndpointConfig"]


def test_an_alarm_is_deleted_after_the_endpoint_it_guarded(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, MODEL_DOC, endpoint_doc(extra=guard()), alarm_doc())
    p, _ = plan(write(tmp_path / "s", MODEL_DOC), recorded)
    assert operations(p) == ["DeleteEndpoint", "DeleteEndpointConfig", "DeleteAlarms"]
    assert thaw(p.steps[2].params) == {"AlarmNames": [NAME]}
    assert _change(p).reason == f"Alarm/{NAME} is no longer in the specs (prune: true)"


def test_an_alarm_of_the_same_name_not_managed_by_reconciler_is_never_touched(tmp_path: Path) -> None:
    root = write(tmp_path / "s", alarm_doc())
    d = one(desired_of(root), "alarm")
    recorded = Recorded()
    tagged(recorded, [])
    _describes(recorded, answers.alarm(d))
    recorded.add("cloudwatch", "ListTagsForResource", {"ResourceARN": ARN}, {"Tags": [{"Key": "team", "Value": "x"}]})
    with pytest.raises(PlanError) as err:
        plan(root, recorded)
    assert f"alarm/{NAME} already exists and is not managed by reconciler; it is never modified or deleted" in str(
        err.value)


def test_address_of_the_alarm() -> None:
    assert HANDLER.name_from_arn(ARN) == NAME
    assert HANDLER.name_from_arn("arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn") is None
    assert HANDLER.arn("us-east-1", "123456789012", NAME) == ARN
