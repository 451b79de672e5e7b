"""Scenarios for the four Model Monitor job-definition handlers (`<type>-job-definition/<name>-<hash>`, the job a
MonitoringSchedule document runs): recorded SageMaker responses in, change and steps out."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from reconciler.changes import Action
from reconciler.errors import PlanError
from reconciler.frozen import thaw
from reconciler.handlers.job_definition import MONITORING_TYPES, JobDefinitionHandler
from reconciler.handlers.registry import handler_for
from reconciler.kinds import load_stack
from reconciler.plan.model import Plan
from reconciler.resources import Desired, Live
from tests.handlers.answers import MODEL_DOC, desired_of
from tests.handlers.monitoring_answers import (
    EVERY_6_HOURS,
    HOURLY,
    MONITORING_RESOURCE_TYPES,
    TYPES,
    absent_monitoring,
    captured_endpoint_doc,
    definition_of,
    job_definition,
    monitoring_doc,
    outside_endpoint,
    reads,
    record_applied_monitoring,
    schedule_name,
    schedule_of,
)
from tests.handlers.recorded import Recorded, arn, operations, plan, tagged, write


def _handler(monitoring_type: str) -> JobDefinitionHandler:
    handler = handler_for(MONITORING_TYPES[monitoring_type].address_type)
    assert isinstance(handler, JobDefinitionHandler)
    return handler


def _stack(root: Path, *docs: str) -> Path:
    """Model/churn, Endpoint/churn capturing data, and `docs`."""
    return write(root, MODEL_DOC, captured_endpoint_doc(), *docs)


def _applied(tmp_path: Path, *docs: str) -> tuple[list[Desired], Recorded]:
    ds = desired_of(_stack(tmp_path / "applied", *docs))
    recorded = Recorded()
    record_applied_monitoring(recorded, ds)
    return ds, recorded


def _change(p: Plan, address: object) -> object:
    [change] = [c for c in p.changes if c.address == str(address)]
    return change


def _tags(params: object) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in thaw(params)["Tags"]}


@pytest.mark.parametrize("monitoring_type", TYPES)
def test_a_new_document_creates_its_job_definition_with_ownership_tags_then_its_schedule(
        tmp_path: Path, monitoring_type: str) -> None:
    m = MONITORING_TYPES[monitoring_type]
    name = schedule_name(monitoring_type)
    root = _stack(tmp_path / "s", monitoring_doc(monitoring_type))
    ds = desired_of(root)
    definition, schedule = definition_of(ds), schedule_of(ds)
    recorded = Recorded()
    record_applied_monitoring(recorded, [d for d in ds if d.address.type not in MONITORING_RESOURCE_TYPES])
    absent_monitoring(recorded, definition, schedule)
    p, _ = plan(root, recorded)
    assert operations(p) == [f"Create{monitoring_type}JobDefinition", "CreateMonitoringSchedule"]
    create, create_schedule = p.steps
    # content-addressed: the document's name and a hash of the normalized request
    assert definition.address.type == m.address_type
    assert definition.address.name.startswith(f"{name}-") and len(definition.address.name) == len(name) + 9
    params = thaw(create.params)
    assert params["JobDefinitionName"] == definition.address.name
    assert {k: v for k, v in params.items() if k != "Tags"} == thaw(definition.request)
    assert params[m.member("JobInput")]["EndpointInput"]["EndpointName"] == "churn"
    assert _tags(create.params) == {"reconciler:stack": "demo", "reconciler:address": f"MonitoringSchedule/{name}",
                                    "reconciler:hash": definition.state_hash}
    assert {k: v for k, v in thaw(create_schedule.params).items() if k != "Tags"} == {
        "MonitoringScheduleName": name,
        "MonitoringScheduleConfig": {"MonitoringJobDefinitionName": definition.address.name,
                                     "MonitoringType": monitoring_type,
                                     "ScheduleConfig": {"ScheduleExpression": HOURLY}}}
    assert _tags(create_schedule.params) == {"reconciler:stack": "demo",
                                             "reconciler:address": f"MonitoringSchedule/{name}",
                                             "reconciler:hash": schedule.state_hash}
    assert [(c.address, c.action, c.reason) for c in p.changes] == [
        (str(definition.address), Action.create, f"new {m.noun}"),
        (f"monitoring-schedule/{name}", Action.create, "new monitoring schedule")]
    # both go with the rollout of the endpoint they read, after it
    assert [(s.phase, s.group) for s in p.steps] == [("group", "endpoint/churn")] * 2
    assert p.warnings == () and p.notes == ()


def test_a_whole_new_stack_creates_the_endpoint_before_its_definitions_and_the_definitions_before_the_schedules(
        tmp_path: Path) -> None:
    root = _stack(tmp_path / "s", monitoring_doc("DataQuality"), monitoring_doc("ModelQuality", schedule=EVERY_6_HOURS))
    ds = desired_of(root)
    recorded = Recorded()
    tagged(recorded, [])
    absent_monitoring(recorded, *ds)
    p, _ = plan(root, recorded)
    ops = operations(p)
    assert ops[:3] == ["CreateModel", "CreateEndpointConfig", "CreateEndpoint"]
    assert sorted(ops[3:5]) == ["CreateDataQualityJobDefinition", "CreateModelQualityJobDefinition"]
    assert ops[5:] == ["CreateMonitoringSchedule", "CreateMonitoringSchedule"]


@pytest.mark.parametrize("monitoring_type", TYPES)
def test_an_applied_definition_plans_nothing_and_is_not_described(tmp_path: Path, monitoring_type: str) -> None:
    _, recorded = _applied(tmp_path, monitoring_doc(monitoring_type))
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()
    assert p.warnings == () and p.notes == ()
    describe = MONITORING_TYPES[monitoring_type].describe_operation
    assert not [c for c in recorded.calls if c[1] == describe]  # immutable: its name is its content
    assert [c[2] for c in recorded.calls if c[1] == "DescribeMonitoringSchedule"] == [
        {"MonitoringScheduleName": schedule_name(monitoring_type)}]


@pytest.mark.parametrize("monitoring_type", TYPES)
def test_the_field_policy_makes_a_described_definition_equal_its_spec(tmp_path: Path, monitoring_type: str) -> None:
    m = MONITORING_TYPES[monitoring_type]
    handler = _handler(monitoring_type)
    # no stoppingCondition in the spec (a daily schedule allows SageMaker's default hour)
    d = definition_of(desired_of(_stack(tmp_path / "s", monitoring_doc(monitoring_type, runtime=None,
                                                                         schedule=None))))
    assert "StoppingCondition" not in d.request
    described = job_definition(d)
    # SageMaker fills in what the request left out, and reports ARN and creation time
    assert described["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    endpoint_input = described[m.member("JobInput")]["EndpointInput"]
    assert (endpoint_input["S3InputMode"], endpoint_input["S3DataDistributionType"]) == ("File", "FullyReplicated")
    assert [o["S3Output"]["S3UploadMode"] for o in described[m.member("JobOutputConfig")]["MonitoringOutputs"]] == [
        "EndOfJob"]
    assert {"JobDefinitionArn", "CreationTime"} <= set(described)
    live = Live(d.address, described["JobDefinitionArn"], d.tags("demo"), described)
    assert handler.comparable(live) == thaw(d.comparable)
    assert handler.comparable(Live(d.address, described["JobDefinitionArn"], {}, None)) is None
    # and a runtime SageMaker did not default is a difference
    other = copy.deepcopy(described)
    other["StoppingCondition"] = {"MaxRuntimeInSeconds": 1800}
    compared = handler.comparable(Live(d.address, "", d.tags("demo"), other))
    assert compared is not None and compared["stoppingCondition"] == {"maxRuntimeInSeconds": 1800}
    assert compared != thaw(d.comparable)


@pytest.mark.parametrize("monitoring_type", TYPES)
def test_writing_sagemakers_default_runtime_in_the_spec_keeps_the_definition(tmp_path: Path,
                                                                              monitoring_type: str) -> None:
    implicit = definition_of(desired_of(_stack(tmp_path / "a", monitoring_doc(monitoring_type, runtime=None,
                                                                                schedule=None))))
    explicit = definition_of(desired_of(_stack(tmp_path / "b", monitoring_doc(monitoring_type, runtime=3600,
                                                                                schedule=None))))
    shorter = definition_of(desired_of(_stack(tmp_path / "c", monitoring_doc(monitoring_type, runtime=1800,
                                                                               schedule=None))))
    assert implicit.address == explicit.address  # the hash is over the normalized request
    assert shorter.address != implicit.address


@pytest.mark.parametrize("monitoring_type", TYPES)
def test_a_changed_definition_is_a_new_one_the_schedule_moves_to_before_the_old_one_goes(
        tmp_path: Path, monitoring_type: str) -> None:
    m = MONITORING_TYPES[monitoring_type]
    name = schedule_name(monitoring_type)
    old_ds, recorded = _applied(tmp_path, monitoring_doc(monitoring_type, runtime=1800))
    old = definition_of(old_ds)
    root = _stack(tmp_path / "s", monitoring_doc(monitoring_type, runtime=1200))
    ds = desired_of(root)
    new, schedule = definition_of(ds), schedule_of(ds)
    assert new.address != old.address and new.address.type == old.address.type
    absent_monitoring(recorded, new)
    p, _ = plan(root, recorded)
    assert operations(p) == [m.create_operation, "UpdateMonitoringSchedule", m.delete_operation]
    create, update, delete = p.steps
    assert thaw(create.params)["JobDefinitionName"] == new.address.name
    assert _tags(create.params)["reconciler:hash"] == new.state_hash
    assert thaw(update.params) == {
        "MonitoringScheduleName": name,
        "MonitoringScheduleConfig": {"MonitoringJobDefinitionName": new.address.name,
                                     "MonitoringType": monitoring_type,
                                     "ScheduleConfig": {"ScheduleExpression": HOURLY}}}
    assert (thaw(update.tags), update.tag_arn) == ({"reconciler:hash": schedule.state_hash},
                                                   arn("monitoring-schedule", name))
    assert (delete.address, thaw(delete.params)) == (str(old.address), {"JobDefinitionName": old.address.name})
    # the old definition goes only after every group has moved off it
    assert [s.phase for s in p.steps] == ["group", "group", "delete"]
    replace = _change(p, new.address)
    assert (replace.action, replace.replaces, replace.reason) == (Action.replace, str(old.address),
                                                                  "stoppingCondition changed")
    assert (replace.before["stoppingCondition"], replace.after["stoppingCondition"]) == (
        {"maxRuntimeInSeconds": 1800}, {"maxRuntimeInSeconds": 1200})
    moved = _change(p, f"monitoring-schedule/{name}")
    assert (moved.action, moved.reason) == (Action.update, f"runs {new.address.name} (was {old.address.name})")
    assert len(p.changes) == 2  # the superseded definition is shown in its successor's replace


@pytest.mark.parametrize(("change", "reason"), [
    ({"instance": "ml.m5.2xlarge"}, "jobResources changed"),
    ({"instance": "ml.m5.2xlarge", "runtime": 1200}, "jobResources, stoppingCondition changed"),
    # a list-valued member (monitoringOutputs), and only it
    ({"output": "s3://b/monitoring/reports-v2"}, "dataQualityJobOutputConfig changed"),
])
def test_a_replace_reason_names_only_the_fields_that_changed(tmp_path: Path, change: dict[str, object],
                                                             reason: str) -> None:
    _, recorded = _applied(tmp_path, monitoring_doc("DataQuality"))
    root = _stack(tmp_path / "s", monitoring_doc("DataQuality", **change))  # type: ignore[arg-type]
    new = definition_of(desired_of(root))
    absent_monitoring(recorded, new)
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateDataQualityJobDefinition", "UpdateMonitoringSchedule",
                             "DeleteDataQualityJobDefinition"]
    assert _change(p, new.address).reason == reason


@pytest.mark.parametrize("monitoring_type", TYPES)
def test_an_endpoint_read_from_outside_the_stack_must_exist(tmp_path: Path, monitoring_type: str) -> None:
    root = write(tmp_path / "s", monitoring_doc(monitoring_type, endpoint="legacy"))
    ds = desired_of(root)
    assert reads(definition_of(ds)) == "legacy"
    recorded = Recorded()
    tagged(recorded, [])
    absent_monitoring(recorded, *ds)
    outside_endpoint(recorded, "legacy", capture=None)
    with pytest.raises(PlanError) as err:
        plan(root, recorded)
    [message] = err.value.messages
    assert f"MonitoringSchedule/{schedule_name(monitoring_type)}: endpoint 'legacy' is neither an Endpoint " \
           "document of this stack nor an endpoint in account 123456789012 (us-east-1)" in message
    path = ("spec", "jobDefinition", f"{monitoring_type[0].lower()}{monitoring_type[1:]}JobInput", "endpointInput",
            "endpointName")
    doc = next(d for d in load_stack(root).docs if d.kind == "MonitoringSchedule")
    assert message.startswith(f"{doc.doc.pos(path)}: ")  # at endpointName, not at the document's name
    assert ("sagemaker", "DescribeEndpoint", {"EndpointName": "legacy"}) in recorded.calls


@pytest.mark.parametrize("monitoring_type", TYPES)
def test_an_endpoint_outside_the_stack_without_data_capture_is_a_warning(tmp_path: Path,
                                                                         monitoring_type: str) -> None:
    root = write(tmp_path / "s", monitoring_doc(monitoring_type, endpoint="legacy"))
    ds = desired_of(root)
    definition = definition_of(ds)
    recorded = Recorded()
    tagged(recorded, [])
    absent_monitoring(recorded, *ds)
    outside_endpoint(recorded, "legacy", capture=False)
    p, _ = plan(root, recorded)
    assert operations(p) == [f"Create{monitoring_type}JobDefinition", "CreateMonitoringSchedule"]
    assert p.warnings == (f"{definition.address}: endpoint 'legacy' (outside this stack) does not capture data, so "
                          "its monitoring jobs have nothing to read",)
    # an endpoint outside the stack is no rollout group of this plan
    assert {s.group for s in p.steps} == {None}
    outside_endpoint(recorded, "legacy", capture=True)
    assert plan(root, recorded)[0].warnings == ()


def test_an_applied_definition_on_an_outside_endpoint_is_checked_on_every_plan(tmp_path: Path) -> None:
    root = write(tmp_path / "s", monitoring_doc("DataQuality", endpoint="legacy"))
    ds = desired_of(root)
    recorded = Recorded()
    record_applied_monitoring(recorded, ds)
    outside_endpoint(recorded, "legacy", capture=True)
    assert plan(root, recorded)[0].is_empty
    outside_endpoint(recorded, "legacy", capture=None)  # deleted since: a live fact (a warning), not a spec error
    p, _ = plan(root, recorded)
    assert p.is_empty and any("endpoint 'legacy' (outside this stack) no longer exists, so its monitoring executions "
                              "fail" in w for w in p.warnings)


@pytest.mark.parametrize("monitoring_type", TYPES)
def test_a_tag_change_of_a_definition_is_add_tags_without_a_new_name(tmp_path: Path, monitoring_type: str) -> None:
    old_ds, recorded = _applied(tmp_path, monitoring_doc(monitoring_type, tags="{team: ml}"))
    root = _stack(tmp_path / "s", monitoring_doc(monitoring_type, tags="{team: ml-platform}"))
    new = definition_of(desired_of(root))
    assert new.address == definition_of(old_ds).address  # tags are not content
    p, _ = plan(root, recorded)
    [step] = [s for s in p.steps if s.address == str(new.address)]
    assert (step.operation, thaw(step.params)) == ("AddTags", {
        "ResourceArn": arn(new.address.type, new.address.name),
        "Tags": [{"Key": "reconciler:hash", "Value": new.state_hash}, {"Key": "team", "Value": "ml-platform"}]})
    assert _change(p, new.address).reason == "tags change"


def test_what_a_definition_uses_and_where_it_goes(tmp_path: Path) -> None:
    from reconciler.addressing import Address

    d = definition_of(desired_of(_stack(tmp_path / "s", monitoring_doc("ModelBias"))))
    handler = _handler("ModelBias")
    assert handler.uses(None, d, None) == {Address("endpoint", "churn")}
    assert handler.group(d.address, d, None) == Address("endpoint", "churn")
    live = Live(d.address, arn(d.address.type, d.address.name), {}, job_definition(d))
    assert handler.uses(None, None, live) == {Address("endpoint", "churn")}
    assert handler.name_from_arn(arn("model-bias-job-definition", d.address.name)) == d.address.name
    assert handler.name_from_arn(arn("model-quality-job-definition", d.address.name)) is None
