"""The MonitoringSchedule and ShadowTest importers over recorded SageMaker answers: what a document makes, read
back, is that document (every monitoring type), and what cannot be managed is refused in one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.imported import ImportContext, ImportRefused
from reconciler.kinds.monitoring_schedule.importer import import_monitoring_schedule, list_monitoring_schedules
from reconciler.kinds.shadow_test import import_shadow_test, list_shadow_tests, schedule_spec
from reconciler.resources import Desired
from tests.handlers.answers import MODEL_DOC, desired_of, experiment, one, shadow_doc
from tests.handlers.monitoring_answers import (
    TYPES,
    captured_endpoint_doc,
    definition_of,
    monitoring_doc,
    monitoring_schedule,
    record_definition,
    record_schedule,
    schedule_name,
    schedule_of,
)
from tests.handlers.recorded import Recorded, arn, write
from tests.unit.planner_support import ACCOUNT, REGION

OWNED = {"reconciler:stack": "other", "reconciler:address": "MonitoringSchedule/x"}


def _tags(recorded: Recorded, resource_arn: str, tags: dict[str, str] | None = None) -> None:
    recorded.add("sagemaker", "ListTags", {"ResourceArn": resource_arn, "MaxResults": 100},
                 {"Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]})


def _context(recorded: Recorded, **names: str) -> ImportContext:
    """An import context whose stack has Endpoint/churn and Model/churn (AWS names as given, default churn)."""
    known = {("Endpoint", names.get("endpoint", "churn")): "churn", ("Model", names.get("model", "churn")): "churn"}
    return ImportContext(recorded, REGION, ACCOUNT, names=known)


def _spec_of(text: str) -> dict[str, Any]:
    return dict(yaml.safe_load(text)["spec"])


# --- MonitoringSchedule ------------------------------------------------------------------------------------------


def _monitoring(tmp_path: Path, text: str, *, schedule_tags: dict[str, str] | None = None,
                definition_tags: dict[str, str] | None = None, **answer: Any) -> tuple[Recorded, Desired, Desired]:
    """The schedule and definition `text` makes, recorded as SageMaker describes them (defaults filled in)."""
    ds = desired_of(write(tmp_path, MODEL_DOC, captured_endpoint_doc(), text))
    schedule, definition = schedule_of(ds), definition_of(ds)
    recorded = Recorded()
    record_schedule(recorded, schedule, **answer)
    record_definition(recorded, definition)
    _tags(recorded, arn("monitoring-schedule", schedule.address.name), schedule_tags)
    _tags(recorded, arn(definition.address.type, definition.address.name), definition_tags)
    return recorded, schedule, definition


@pytest.mark.parametrize("monitoring_type", TYPES)
def test_each_monitoring_type_reads_back_as_the_document_that_made_it(tmp_path: Path, monitoring_type: str) -> None:
    text = monitoring_doc(monitoring_type, runtime=1200)
    recorded, schedule, definition = _monitoring(tmp_path, text, schedule_tags={"team": "ml"},
                                                 definition_tags={"team": "ml"})
    [doc] = import_monitoring_schedule(_context(recorded), schedule_name(monitoring_type))
    assert doc.spec == _spec_of(text)
    assert doc.tags == {"team": "ml"}
    assert doc.owned == [schedule.address, definition.address]
    assert doc.source == arn("monitoring-schedule", schedule.address.name)
    assert not any("tags" in n for n in doc.notes)


def test_server_defaults_are_left_out_and_a_stopped_schedule_says_so(tmp_path: Path) -> None:
    text = monitoring_doc("ModelQuality", runtime=None, schedule=None, status="Stopped")
    recorded, _, _ = _monitoring(tmp_path, text)
    [doc] = import_monitoring_schedule(_context(recorded), "churn-model-quality")
    assert doc.spec == _spec_of(text)
    assert "stoppingCondition" not in doc.spec["jobDefinition"] and "scheduleConfig" not in doc.spec
    assert doc.spec["status"] == "Stopped"


def test_an_endpoint_outside_the_stack_is_named_with_a_note(tmp_path: Path) -> None:
    recorded, _, _ = _monitoring(tmp_path, monitoring_doc())
    [doc] = import_monitoring_schedule(_context(recorded, endpoint="another"), "churn-data-quality")
    assert doc.spec["jobDefinition"]["dataQualityJobInput"]["endpointInput"]["endpointName"] == "churn"
    assert any(n.startswith("endpointName churn is not an Endpoint document of this stack") for n in doc.notes)


def test_a_definition_tagged_otherwise_and_a_failed_schedule_are_notes(tmp_path: Path) -> None:
    recorded, _, _ = _monitoring(tmp_path, monitoring_doc(), definition_tags={"team": "x"}, status="Failed",
                                 FailureReason="Role cannot be assumed")
    [doc] = import_monitoring_schedule(_context(recorded), "churn-data-quality")
    notes = " | ".join(doc.notes)
    assert "the job definition's tags (team=x) are not the schedule's" in notes
    assert "the schedule is Failed (Role cannot be assumed)" in notes
    assert "status" not in doc.spec


def test_a_schedule_owned_by_a_stack_is_refused(tmp_path: Path) -> None:
    recorded, _, _ = _monitoring(tmp_path, monitoring_doc(), schedule_tags=OWNED)
    with pytest.raises(ImportRefused, match="already managed by stack 'other'"):
        import_monitoring_schedule(_context(recorded), "churn-data-quality")


def test_a_definition_owned_by_a_stack_is_refused(tmp_path: Path) -> None:
    recorded, _, definition = _monitoring(tmp_path, monitoring_doc(), definition_tags=OWNED)
    with pytest.raises(ImportRefused, match=f"runs a definition a stack owns: .*{definition.address.name}"):
        import_monitoring_schedule(_context(recorded), "churn-data-quality")


def test_a_missing_schedule_or_definition_is_refused(tmp_path: Path) -> None:
    recorded, _, definition = _monitoring(tmp_path, monitoring_doc())
    recorded.error("sagemaker", "DescribeMonitoringSchedule", {"MonitoringScheduleName": "nowhere"},
                   "ResourceNotFound", "Monitoring schedule does not exist.")
    with pytest.raises(ImportRefused, match="'nowhere' was not found"):
        import_monitoring_schedule(_context(recorded), "nowhere")
    recorded.error("sagemaker", "DescribeDataQualityJobDefinition", {"JobDefinitionName": definition.address.name},
                   "ResourceNotFound", "Job definition does not exist.")
    with pytest.raises(ImportRefused, match=f"runs data quality job definition '{definition.address.name}', which "
                                            "was not found"):
        import_monitoring_schedule(_context(recorded), "churn-data-quality")


def test_a_name_without_room_for_the_hash_is_refused(tmp_path: Path) -> None:
    name = "m" * 60  # a valid schedule name, but no document can be named so
    recorded, schedule, _ = _monitoring(tmp_path, monitoring_doc())
    recorded.add("sagemaker", "DescribeMonitoringSchedule", {"MonitoringScheduleName": name}, monitoring_schedule(
        schedule, MonitoringScheduleName=name, MonitoringScheduleArn=arn("monitoring-schedule", name)))
    _tags(recorded, arn("monitoring-schedule", name))
    with pytest.raises(ImportRefused, match="at most 54 characters; this one has 60"):
        import_monitoring_schedule(_context(recorded), name)


def test_the_schedules_are_listed_across_pages() -> None:
    recorded = Recorded()
    summary = {"CreationTime": dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
               "LastModifiedTime": dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
               "MonitoringScheduleStatus": "Scheduled"}
    recorded.add("sagemaker", "ListMonitoringSchedules", {}, {"MonitoringScheduleSummaries": [
        {**summary, "MonitoringScheduleName": "a", "MonitoringScheduleArn": arn("monitoring-schedule", "a")},
        {**summary, "MonitoringScheduleName": "b", "MonitoringScheduleArn": arn("monitoring-schedule", "b")}]})
    assert list_monitoring_schedules(recorded) == ["a", "b"]


# --- ShadowTest --------------------------------------------------------------------------------------------------

START = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.timezone.utc)


def _shadow(tmp_path: Path, text: str, tags: dict[str, str] | None = None, **fields: Any) -> tuple[Recorded, Desired]:
    ds = desired_of(write(tmp_path, MODEL_DOC, captured_endpoint_doc(), text))
    d = one(ds, "inference-experiment")
    recorded = Recorded()
    recorded.add("sagemaker", "DescribeInferenceExperiment", {"Name": d.address.name}, experiment(d, **fields))
    _tags(recorded, arn("inference-experiment", d.address.name), tags)
    return recorded, d


def _model_name(tmp_path: Path) -> str:
    ds = desired_of(write(tmp_path / "models", MODEL_DOC))
    return one(ds, "model").address.name


def test_a_shadow_test_reads_back_as_the_document_that_made_it(tmp_path: Path) -> None:
    text = shadow_doc(30, "  description: challenger at 30%\n  dataStorageConfig: {destination: s3://b/shadow}\n")
    recorded, d = _shadow(tmp_path, text, {"team": "ml"})
    [doc] = import_shadow_test(_context(recorded, model=_model_name(tmp_path)), "churn-shadow")
    assert doc.spec == _spec_of(text)
    assert list(doc.spec)[:2] == ["endpointName", "description"]  # in the order a person writes them
    assert doc.tags == {"team": "ml"} and doc.owned == [d.address] and doc.notes == []


def test_models_and_endpoint_outside_the_stack_are_named_with_notes(tmp_path: Path) -> None:
    recorded, _ = _shadow(tmp_path, shadow_doc())
    model = _model_name(tmp_path)
    [doc] = import_shadow_test(_context(recorded, endpoint="x", model="y"), "churn-shadow")
    assert doc.spec["endpointName"] == "churn"
    assert [v["modelName"] for v in doc.spec["modelVariants"]] == [model, model]
    assert len(doc.notes) == 3 and doc.notes[0].startswith("endpointName churn is not an Endpoint document")


@pytest.mark.parametrize("status", ["Completed", "Cancelled", "Stopping"])
def test_an_ended_or_ending_shadow_test_is_refused(tmp_path: Path, status: str) -> None:
    recorded, _ = _shadow(tmp_path, shadow_doc(), status=status)
    with pytest.raises(ImportRefused, match=f"'churn-shadow' is {status}.*nothing left to manage"):
        import_shadow_test(_context(recorded), "churn-shadow")


def test_an_owned_shadow_test_is_refused(tmp_path: Path) -> None:
    recorded, _ = _shadow(tmp_path, shadow_doc(), OWNED)
    with pytest.raises(ImportRefused, match="already managed by stack 'other'"):
        import_shadow_test(_context(recorded), "churn-shadow")


def _described(status: str, start: dt.datetime, end: dt.datetime, created: dt.datetime = START) -> dict[str, Any]:
    return {"Status": status, "CreationTime": created, "Schedule": {"StartTime": start, "EndTime": end}}


def test_the_default_schedule_of_a_running_test_is_left_out() -> None:
    assert schedule_spec(_described("Running", START, START + dt.timedelta(days=7))) == {}


def test_a_chosen_end_is_kept_and_the_start_only_while_it_is_to_come() -> None:
    end = START + dt.timedelta(days=3)
    assert schedule_spec(_described("Running", START, end)) == {"endTime": "2026-11-04T10:00:00Z"}
    later = START + dt.timedelta(days=1)
    assert schedule_spec(_described("Created", later, later + dt.timedelta(days=7))) == {
        "startTime": "2026-11-02T10:00:00Z"}
    assert schedule_spec(_described("Created", later, end)) == {"startTime": "2026-11-02T10:00:00Z",
                                                                "endTime": "2026-11-04T10:00:00Z"}
    assert schedule_spec(_described("Created", START, START + dt.timedelta(days=7))) == {}  # started on creation


def test_a_running_test_with_an_end_notes_its_start(tmp_path: Path) -> None:
    end = START + dt.timedelta(days=3)
    recorded, _ = _shadow(tmp_path, shadow_doc(), Schedule={"StartTime": START, "EndTime": end})
    [doc] = import_shadow_test(_context(recorded, model=_model_name(tmp_path)), "churn-shadow")
    assert doc.spec["schedule"] == {"endTime": "2026-11-04T10:00:00Z"}
    assert doc.notes == ["started 2026-11-01T10:00:00Z (Running): schedule.startTime is left out, only the end of a "
                         "started shadow test can move"]


def test_the_lister_leaves_out_ended_shadow_tests() -> None:
    recorded = Recorded()
    recorded.add("sagemaker", "ListInferenceExperiments", {"Type": "ShadowMode"}, {"InferenceExperiments": [
        {"Name": n, "Type": "ShadowMode", "Status": s, "CreationTime": START, "LastModifiedTime": START}
        for n, s in (("a", "Running"), ("b", "Completed"), ("c", "Created"), ("d", "Stopping"))]})
    assert list_shadow_tests(recorded) == ["a", "c"]

