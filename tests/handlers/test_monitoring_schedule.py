"""Scenarios for the monitoring-schedule handler (`monitoring-schedule/<name>`, a MonitoringSchedule document):
recorded SageMaker responses in, change, steps, warnings and notes out (and drift labels)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reconciler.addressing import Address
from reconciler.changes import Action
from reconciler.drift import drift_report
from reconciler.errors import StalePlanError
from reconciler.frozen import thaw
from reconciler.handlers.monitoring_schedule import MonitoringScheduleHandler, definition_address
from reconciler.plan.model import Plan
from reconciler.resources import Desired
from tests.handlers.answers import MODEL_DOC, desired_of
from tests.handlers.monitoring_answers import (
    EVERY_6_HOURS,
    HOURLY,
    MONITORING_RESOURCE_TYPES,
    SCHEDULED_AT,
    TYPES,
    absent_monitoring,
    captured_endpoint_doc,
    definition_of,
    execution,
    monitoring_doc,
    monitoring_schedule,
    record_applied_monitoring,
    record_schedule,
    schedule_name,
    schedule_of,
)
from tests.handlers.recorded import Recorded, arn, operations, plan, write

HANDLER = MonitoringScheduleHandler()
NAME = "churn-data-quality"
ADDRESS = f"monitoring-schedule/{NAME}"
ARN = arn("monitoring-schedule", NAME)
PENDING_WARNING = (f"{ADDRESS} is Pending; apply waits for it to settle and refuses the plan if the outcome differs "
                   "from what was planned")


def _stack(root: Path, *docs: str) -> Path:
    """Model/churn, Endpoint/churn capturing data, and `docs` (by default the hourly data-quality schedule)."""
    return write(root, MODEL_DOC, captured_endpoint_doc(), *(docs or (monitoring_doc(),)))


def _applied(tmp_path: Path, *docs: str) -> tuple[list[Desired], Recorded]:
    ds = desired_of(_stack(tmp_path / "applied", *docs))
    recorded = Recorded()
    record_applied_monitoring(recorded, ds)
    return ds, recorded


def _change(p: Plan, address: str = ADDRESS) -> object:
    [change] = [c for c in p.changes if c.address == address]
    return change


def _plan_with_drift(root: Path, recorded: Recorded) -> tuple[Plan, object]:
    p, snap = plan(root, recorded)
    return p, drift_report(p, snap)


# --- schedule and status -----------------------------------------------------------------------


@pytest.mark.parametrize("monitoring_type", TYPES)
def test_a_cron_change_is_one_update_of_the_whole_config_with_the_new_hash(tmp_path: Path,
                                                                          monitoring_type: str) -> None:
    name = schedule_name(monitoring_type)
    old_ds, recorded = _applied(tmp_path, monitoring_doc(monitoring_type))
    root = _stack(tmp_path / "s", monitoring_doc(monitoring_type, schedule=EVERY_6_HOURS))
    ds = desired_of(root)
    schedule, definition = schedule_of(ds), definition_of(ds)
    assert definition.address == definition_of(old_ds).address  # the job is the same
    p, report = _plan_with_drift(root, recorded)
    assert operations(p) == ["UpdateMonitoringSchedule"]
    [step] = p.steps
    assert thaw(step.params) == {
        "MonitoringScheduleName": name,
        "MonitoringScheduleConfig": {"MonitoringJobDefinitionName": definition.address.name,
                                     "MonitoringType": monitoring_type,
                                     "ScheduleConfig": {"ScheduleExpression": EVERY_6_HOURS}}}
    assert schedule.state_hash != schedule_of(old_ds).state_hash
    assert (thaw(step.tags), step.tag_arn) == ({"reconciler:hash": schedule.state_hash},
                                               arn("monitoring-schedule", name))
    change = _change(p, f"monitoring-schedule/{name}")
    assert (change.action, change.reason) == (Action.update, f"schedule {HOURLY} -> {EVERY_6_HOURS}")
    assert [c["scheduleConfig"]["scheduleExpression"] for c in (change.before, change.after)] == [HOURLY,
                                                                                                 EVERY_6_HOURS]
    [entry] = report.entries
    assert entry.labels == ("pending",)  # git changed, nobody touched it outside


def test_status_stopped_in_the_spec_stops_a_scheduled_schedule(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    root = _stack(tmp_path / "s", monitoring_doc(status="Stopped"))
    schedule = schedule_of(desired_of(root))
    p, report = _plan_with_drift(root, recorded)
    assert operations(p) == ["StopMonitoringSchedule"]
    [step] = p.steps
    assert thaw(step.params) == {"MonitoringScheduleName": NAME}
    assert (thaw(step.tags), step.tag_arn) == ({"reconciler:hash": schedule.state_hash}, ARN)
    change = _change(p)
    assert (change.action, change.reason) == (Action.update, "status Scheduled -> Stopped")
    assert (change.before["status"], change.after["status"]) == ("Scheduled", "Stopped")
    assert [e.labels for e in report.entries] == [("pending",)]


def test_an_applied_stopped_schedule_plans_nothing(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, monitoring_doc(status="Stopped"))
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()


def test_a_schedule_stopped_outside_git_is_started_again_and_is_drift(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    record_schedule(recorded, schedule_of(ds), status="Stopped")
    p, report = _plan_with_drift(tmp_path / "applied", recorded)
    assert operations(p) == ["StartMonitoringSchedule"]
    [step] = p.steps
    assert thaw(step.params) == {"MonitoringScheduleName": NAME}
    assert thaw(step.tags) == {"reconciler:hash": schedule_of(ds).state_hash}
    assert _change(p).reason == "status Stopped -> Scheduled (stopped outside git)"
    [entry] = report.entries
    assert (entry.address, entry.labels, entry.action) == (ADDRESS, ("drift",), "update")
    assert entry.reason.startswith("live changed outside git since it was applied")


def test_a_schedule_git_stopped_and_then_wants_scheduled_again_is_not_said_to_be_changed_outside_git(
        tmp_path: Path) -> None:
    stopped = desired_of(_stack(tmp_path / "stopped", monitoring_doc(status="Stopped")))
    recorded = Recorded()
    record_applied_monitoring(recorded, stopped)
    record_schedule(recorded, schedule_of(stopped), status="Stopped")
    p, report = _plan_with_drift(_stack(tmp_path / "s", monitoring_doc()), recorded)
    assert operations(p) == ["StartMonitoringSchedule"]
    assert _change(p).reason == "status Stopped -> Scheduled"
    [entry] = report.entries
    assert entry.labels == ("pending",)


def test_a_new_stopped_schedule_is_created_then_stopped(tmp_path: Path) -> None:
    root = _stack(tmp_path / "s", monitoring_doc(status="Stopped"))
    ds = desired_of(root)
    recorded = Recorded()
    record_applied_monitoring(recorded, [d for d in ds if d.address.type not in MONITORING_RESOURCE_TYPES])
    absent_monitoring(recorded, definition_of(ds), schedule_of(ds))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateDataQualityJobDefinition", "CreateMonitoringSchedule", "StopMonitoringSchedule"]
    assert thaw(p.steps[2].params) == {"MonitoringScheduleName": NAME}
    assert {t["Key"]: t["Value"] for t in p.steps[1].params["Tags"]}["reconciler:hash"] == \
        schedule_of(ds).state_hash


# --- transitions and failure ---------------------------------------------------------------------


def test_a_pending_schedule_is_compared_with_the_status_it_settles_to_with_a_warning(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    record_schedule(recorded, schedule_of(ds), status="Pending")
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()  # no StartMonitoringSchedule for a Pending schedule
    assert p.warnings == (PENDING_WARNING,)


def test_a_pending_schedule_whose_cron_changed_is_only_updated(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    record_schedule(recorded, schedule_of(ds), status="Pending")
    p, _ = plan(_stack(tmp_path / "s", monitoring_doc(schedule=EVERY_6_HOURS)), recorded)
    assert operations(p) == ["UpdateMonitoringSchedule"]
    assert _change(p).reason == f"schedule {HOURLY} -> {EVERY_6_HOURS}"
    assert _change(p).before["status"] == "Scheduled"  # counted as what it settles to (with the warning)
    assert p.warnings == (PENDING_WARNING,)


def _list_tags(recorded: Recorded, d: Desired) -> None:
    """The ListTags the applier's re-read (find) makes for schedule `d`, answered with its applied tags."""
    recorded.add("sagemaker", "ListTags", {"ResourceArn": arn("monitoring-schedule", d.address.name),
                                           "MaxResults": 100},
                 {"Tags": [{"Key": k, "Value": v} for k, v in d.tags("demo").items()]})


def test_a_pending_schedule_that_settles_as_planned_keeps_the_plan_fresh(tmp_path: Path) -> None:
    from reconciler.apply.applier import verify_fresh

    ds, recorded = _applied(tmp_path)
    record_schedule(recorded, schedule_of(ds), status="Pending")
    p, _ = plan(_stack(tmp_path / "s", monitoring_doc(schedule=EVERY_6_HOURS)), recorded)
    _list_tags(recorded, schedule_of(ds))
    record_schedule(recorded, schedule_of(ds), status="Scheduled")  # what the plan assumed
    verify_fresh(p, recorded, ADDRESS)  # type: ignore[arg-type]


def test_a_pending_schedule_that_settles_otherwise_than_planned_makes_the_plan_stale(tmp_path: Path) -> None:
    from reconciler.apply.applier import verify_fresh

    ds, recorded = _applied(tmp_path)
    record_schedule(recorded, schedule_of(ds), status="Pending")
    p, _ = plan(_stack(tmp_path / "s", monitoring_doc(schedule=EVERY_6_HOURS)), recorded)
    assert operations(p) == ["UpdateMonitoringSchedule"]  # no StartMonitoringSchedule: it was taken as Scheduled
    assert PENDING_WARNING in p.warnings
    _list_tags(recorded, schedule_of(ds))
    record_schedule(recorded, schedule_of(ds), status="Stopped")  # it was an update of a stopped schedule
    with pytest.raises(StalePlanError):
        verify_fresh(p, recorded, ADDRESS)  # type: ignore[arg-type]


def test_an_update_whose_apply_was_killed_while_pending_is_pending_not_drift(tmp_path: Path) -> None:
    """Apply ran UpdateMonitoringSchedule and was killed while waiting for it to settle, before it recorded the
    hash: live is what git wants, only its record is old (as for an endpoint, see test_endpoint)."""
    old_ds, recorded = _applied(tmp_path)
    root = _stack(tmp_path / "s", monitoring_doc(schedule=EVERY_6_HOURS))
    new = schedule_of(desired_of(root))
    record_schedule(recorded, schedule_of(old_ds), status="Pending",
                    config=thaw(new.request)["MonitoringScheduleConfig"])
    p, report = _plan_with_drift(root, recorded)
    assert operations(p) == ["AddTags"]  # only the record is missing
    [entry] = report.entries
    assert entry.labels == ("pending",)
    assert entry.reason.startswith("live already matches git")


def test_the_same_killed_apply_once_settled_is_pending_not_drift(tmp_path: Path) -> None:
    """The settled counterpart of the Pending case above."""
    old_ds, recorded = _applied(tmp_path)
    root = _stack(tmp_path / "s", monitoring_doc(schedule=EVERY_6_HOURS))
    new = schedule_of(desired_of(root))
    record_schedule(recorded, schedule_of(old_ds), config=thaw(new.request)["MonitoringScheduleConfig"])
    p, report = _plan_with_drift(root, recorded)
    assert operations(p) == ["AddTags"]
    assert thaw(p.steps[0].params) == {"ResourceArn": ARN, "Tags": [{"Key": "reconciler:hash",
                                                                      "Value": new.state_hash}]}
    [entry] = report.entries
    assert entry.labels == ("pending",) and entry.reason.startswith("live already matches git")


def test_a_failed_schedule_is_deleted_and_created_again(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    schedule = schedule_of(ds)
    record_schedule(recorded, schedule, status="Failed",
                    FailureReason="The role arn:aws:iam::123456789012:role/SageMakerExecution cannot be assumed")
    p, _ = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["DeleteMonitoringSchedule", "CreateMonitoringSchedule"]
    delete, create = p.steps
    assert thaw(delete.params) == {"MonitoringScheduleName": NAME}
    params = thaw(create.params)
    assert {k: v for k, v in params.items() if k != "Tags"} == thaw(schedule.request)
    assert {t["Key"]: t["Value"] for t in params["Tags"]}["reconciler:hash"] == schedule.state_hash
    change = _change(p)
    assert (change.action, change.replaces) == (Action.replace, None)
    assert change.reason == ("the schedule is Failed (The role arn:aws:iam::123456789012:role/SageMakerExecution "
                             "cannot be assumed)")
    assert len(p.changes) == 1  # its definition is fine


def test_a_failed_stopped_schedule_is_created_again_and_stopped(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path, monitoring_doc(status="Stopped"))
    record_schedule(recorded, schedule_of(ds), status="Failed")
    p, _ = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["DeleteMonitoringSchedule", "CreateMonitoringSchedule", "StopMonitoringSchedule"]
    assert _change(p).reason == "the schedule is Failed (no reason given)"


# --- the last execution ------------------------------------------------------------------------


def test_a_last_execution_with_violations_is_a_note_never_a_change(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    record_schedule(recorded, schedule_of(ds), last=execution(schedule_of(ds), "CompletedWithViolations"))
    p, report = _plan_with_drift(tmp_path / "applied", recorded)
    note = f"{ADDRESS}: last execution CompletedWithViolations (scheduled 2026-11-01T11:00:00Z)"
    assert p.is_empty, p.dumps()
    assert p.notes == (note,)
    assert report.entries == () and report.notes == (note,)


def test_a_failed_last_execution_is_a_note_with_its_reason(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    reason = "AlgorithmError: no captured data in s3://b/capture for the analysis window"
    record_schedule(recorded, schedule_of(ds), last=execution(schedule_of(ds), "Failed", failure=reason))
    note = f"{ADDRESS}: last execution Failed (scheduled 2026-11-01T11:00:00Z): {reason}"
    p, report = _plan_with_drift(tmp_path / "applied", recorded)
    assert p.is_empty and p.notes == (note,)
    assert report.entries == () and report.notes == (note,)
    # beside a real change too: the note is still no change of its own
    p, report = _plan_with_drift(_stack(tmp_path / "s", monitoring_doc(schedule=EVERY_6_HOURS)), recorded)
    assert operations(p) == ["UpdateMonitoringSchedule"] and [c.address for c in p.changes] == [ADDRESS]
    assert _change(p).reason == f"schedule {HOURLY} -> {EVERY_6_HOURS}"  # the execution is not a reason
    assert p.notes == (note,) and note in report.notes


def test_a_violation_before_the_last_clean_run_stays_in_the_note(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    d = schedule_of(ds)
    clean = execution(d, "Completed", scheduled=SCHEDULED_AT + dt.timedelta(hours=1))
    older = execution(d, "Failed", failure="old", scheduled=SCHEDULED_AT - dt.timedelta(hours=1))
    history = [clean, execution(d, "CompletedWithViolations"), older]
    record_schedule(recorded, d, last=clean, history=history)
    p, report = _plan_with_drift(tmp_path / "applied", recorded)
    assert p.notes == (f"{ADDRESS}: last execution Completed (scheduled 2026-11-01T12:00:00Z); the latest that needs "
                       "attention: CompletedWithViolations (scheduled 2026-11-01T11:00:00Z)",)
    assert report.entries == ()


def test_a_running_execution_is_a_note_and_the_schedule_is_still_planned(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    record_schedule(recorded, schedule_of(ds), last=execution(schedule_of(ds), "InProgress"))
    p, _ = plan(_stack(tmp_path / "s", monitoring_doc(status="Stopped")), recorded)
    assert operations(p) == ["StopMonitoringSchedule"]  # apply waits for the execution to end first
    assert p.notes == (f"{ADDRESS}: last execution InProgress (scheduled 2026-11-01T11:00:00Z)",)


# --- removal ---------------------------------------------------------------------------------------


def test_removing_the_document_deletes_the_schedule_before_its_definition(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    definition = definition_of(ds)
    p, _ = plan(write(tmp_path / "s", MODEL_DOC, captured_endpoint_doc()), recorded)
    assert operations(p) == ["DeleteMonitoringSchedule", "DeleteDataQualityJobDefinition"]
    delete_schedule, delete_definition = p.steps
    assert thaw(delete_schedule.params) == {"MonitoringScheduleName": NAME}
    assert thaw(delete_definition.params) == {"JobDefinitionName": definition.address.name}
    assert ADDRESS in delete_definition.needs  # it waits for the schedule that runs it
    assert [(c.address, c.action, c.reason) for c in p.changes] == [
        (ADDRESS, Action.delete, f"MonitoringSchedule/{NAME} is no longer in the specs (prune: true)"),
        (str(definition.address), Action.delete, f"MonitoringSchedule/{NAME} is no longer in the specs (prune: true)")]


def test_removing_the_endpoint_too_deletes_schedules_then_definitions_then_the_endpoint(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path, monitoring_doc("DataQuality"),
                            monitoring_doc("ModelQuality", schedule=EVERY_6_HOURS))
    p, _ = plan(write(tmp_path / "s", MODEL_DOC), recorded)
    ops = operations(p)
    assert ops[:2] == ["DeleteMonitoringSchedule", "DeleteMonitoringSchedule"]
    assert sorted(ops[2:4]) == ["DeleteDataQualityJobDefinition", "DeleteModelQualityJobDefinition"]
    assert ops[4:] == ["DeleteEndpoint", "DeleteEndpointConfig"]
    assert {s.address for s in p.steps[:2]} == {ADDRESS, "monitoring-schedule/churn-model-quality"}
    assert {s.address for s in p.steps[2:4]} == {str(d.address) for d in ds
                                                 if d.address.type.endswith("-job-definition")}
    assert {s.phase for s in p.steps} == {"delete"}  # one sequence, in this order


def test_a_schedule_deleted_outside_git_is_recreated_and_is_drift(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    schedule = schedule_of(ds)
    record_applied_monitoring(recorded, [d for d in ds if d is not schedule])
    absent_monitoring(recorded, schedule)
    p, report = _plan_with_drift(tmp_path / "applied", recorded)
    assert operations(p) == ["CreateMonitoringSchedule"]
    [entry] = report.entries
    assert entry.labels == ("drift",)
    assert entry.reason == f"{ADDRESS} was deleted outside git; apply recreates it"


# --- tags ------------------------------------------------------------------------------------------


def test_a_tag_only_change_is_add_tags_only(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path, monitoring_doc(tags="{team: ml}"))
    root = _stack(tmp_path / "s", monitoring_doc(tags="{team: ml-platform}"))
    new = desired_of(root)
    schedule, definition = schedule_of(new), definition_of(new)
    assert definition.address == definition_of(ds).address
    p, _ = plan(root, recorded)
    assert operations(p) == ["AddTags", "AddTags"]
    by_address = {s.address: thaw(s.params) for s in p.steps}
    assert by_address[ADDRESS] == {"ResourceArn": ARN, "Tags": [
        {"Key": "reconciler:hash", "Value": schedule.state_hash}, {"Key": "team", "Value": "ml-platform"}]}
    assert by_address[str(definition.address)]["Tags"] == [
        {"Key": "reconciler:hash", "Value": definition.state_hash}, {"Key": "team", "Value": "ml-platform"}]
    assert {c.reason for c in p.changes} == {"tags change"}


def test_a_removed_user_tag_is_delete_tags_only(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, monitoring_doc(tags="{team: ml}"))
    root = _stack(tmp_path / "s", monitoring_doc())
    p, _ = plan(root, recorded)
    schedule_steps = [s for s in p.steps if s.address == ADDRESS]
    assert [s.operation for s in schedule_steps] == ["AddTags", "DeleteTags"]  # the new hash, then the old tag
    assert thaw(schedule_steps[1].params) == {"ResourceArn": ARN, "TagKeys": ["team"]}
    assert "UpdateMonitoringSchedule" not in operations(p)


# --- relations -------------------------------------------------------------------------------------


def test_what_a_schedule_uses_and_where_it_goes(tmp_path: Path) -> None:
    ds = desired_of(_stack(tmp_path / "s"))
    schedule, definition = schedule_of(ds), definition_of(ds)
    assert HANDLER.uses(None, schedule, None) == {definition.address}  # type: ignore[arg-type]
    assert HANDLER.group(schedule.address, schedule, None) == Address("endpoint", "churn")
    config = monitoring_schedule(schedule)["MonitoringScheduleConfig"]
    assert definition_address(config) == definition.address
    assert definition_address({"MonitoringJobDefinitionName": "x", "MonitoringType": "Nope"}) is None
    assert HANDLER.name_from_arn(ARN) == NAME
    assert HANDLER.name_from_arn(arn("data-quality-job-definition", NAME)) is None
