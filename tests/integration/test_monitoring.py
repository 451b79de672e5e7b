"""Model Monitor through the CLI against the sandbox: the example's data-quality and model-quality
schedules on the churn endpoint, their lifecycle, drift and notes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest

from reconciler.sandbox import control
from tests.integration.conftest import Cli, clock_scale
from tests.integration.test_cli_lifecycle import converged, edit
from tests.integration.test_guardrails import apply_ok

MONITORING = "monitoring.yaml"


def _steps(cli: Cli) -> list[tuple[str, str]]:
    plan = json.loads(cli("plan", cli.root, "--format", "json").out)
    return [(s["operation"], s["address"]) for s in plan["steps"]]


def _schedule(name: str) -> dict[str, object]:
    return boto3.client("sagemaker").describe_monitoring_schedule(MonitoringScheduleName=name)


@pytest.fixture()
def slow_clock(monitor_cli: Cli) -> Iterator[None]:
    """Sandbox time at 60x wall time for one test, so a running execution lasts seconds."""
    with clock_scale(monitor_cli.sandbox, 60):
        yield


def test_apply_creates_definitions_and_schedules_after_the_endpoint_and_converges(monitor_cli: Cli) -> None:
    steps = _steps(monitor_cli)
    operations = [op for op, _ in steps]
    assert operations.index("CreateEndpoint") < operations.index("CreateDataQualityJobDefinition") \
        < operations.index("CreateMonitoringSchedule")
    assert "CreateModelQualityJobDefinition" in operations
    apply_ok(monitor_cli)
    described = _schedule("churn-data-quality")
    assert described["MonitoringScheduleStatus"] == "Scheduled"
    assert described["EndpointName"] == "churn"
    assert monitor_cli("drift", monitor_cli.root).code == 0


def test_a_job_definition_change_is_a_new_definition_an_update_then_the_old_one_deleted(monitor_cli: Cli) -> None:
    apply_ok(monitor_cli)
    old = _schedule("churn-data-quality")["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"]
    edit(monitor_cli.root / MONITORING, "stoppingCondition: {maxRuntimeInSeconds: 1800}\n  scheduleConfig:\n"
         "    scheduleExpression: cron(0 * ? * * *)", "stoppingCondition: {maxRuntimeInSeconds: 1200}\n"
         "  scheduleConfig:\n    scheduleExpression: cron(0 * ? * * *)")
    steps = _steps(monitor_cli)
    assert [op for op, _ in steps] == ["CreateDataQualityJobDefinition", "UpdateMonitoringSchedule",
                                       "DeleteDataQualityJobDefinition"]
    assert steps[2][1] == f"data-quality-job-definition/{old}"
    plan = monitor_cli("plan", monitor_cli.root)
    assert "(stoppingCondition changed)" in plan.out, plan.out
    apply_ok(monitor_cli)
    new = _schedule("churn-data-quality")["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"]
    assert new != old
    names = [d["MonitoringJobDefinitionName"] for d in
             boto3.client("sagemaker").list_data_quality_job_definitions()["JobDefinitionSummaries"]]
    assert names == [new]


def test_a_schedule_change_is_one_update(monitor_cli: Cli) -> None:
    apply_ok(monitor_cli)
    edit(monitor_cli.root / MONITORING, "cron(0 0/6 ? * * *)", "cron(0 0/12 ? * * *)")
    assert _steps(monitor_cli) == [("UpdateMonitoringSchedule", "monitoring-schedule/churn-model-quality")]
    apply_ok(monitor_cli)
    expression = _schedule("churn-model-quality")["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"]
    assert expression == "cron(0 0/12 ? * * *)"


def test_a_schedule_stopped_outside_git_is_drift_and_apply_starts_it(monitor_cli: Cli) -> None:
    apply_ok(monitor_cli)
    boto3.client("sagemaker").stop_monitoring_schedule(MonitoringScheduleName="churn-data-quality")
    drift = monitor_cli("drift", monitor_cli.root)
    assert drift.code == 2
    assert "[drift] monitoring-schedule/churn-data-quality" in drift.out
    assert 'status: "Stopped" -> "Scheduled"' in drift.out
    assert _steps(monitor_cli) == [("StartMonitoringSchedule", "monitoring-schedule/churn-data-quality")]
    apply_ok(monitor_cli)
    assert _schedule("churn-data-quality")["MonitoringScheduleStatus"] == "Scheduled"


def test_status_stopped_in_git_stops_it(monitor_cli: Cli) -> None:
    apply_ok(monitor_cli)
    edit(monitor_cli.root / MONITORING, "    scheduleExpression: cron(0 * ? * * *)     # hourly",
         "    scheduleExpression: cron(0 * ? * * *)\n  status: Stopped")
    assert _steps(monitor_cli) == [("StopMonitoringSchedule", "monitoring-schedule/churn-data-quality")]
    apply_ok(monitor_cli)
    assert _schedule("churn-data-quality")["MonitoringScheduleStatus"] == "Stopped"


def test_a_violation_is_a_note_in_drift_not_drift(monitor_cli: Cli, slow_clock: None) -> None:
    apply_ok(monitor_cli)
    control.next_monitoring_execution(monitor_cli.sandbox.url, "churn-data-quality", "CompletedWithViolations",
                                      start_now=True)
    control.advance_clock(monitor_cli.sandbox.url, 600)  # the execution runs and ends
    drift = monitor_cli("drift", monitor_cli.root)
    assert drift.code == 0, drift.text
    assert "Note: monitoring-schedule/churn-data-quality: last execution " in drift.out
    assert "CompletedWithViolations (scheduled " in drift.out  # the last run, or the latest needing attention
    assert "Note: endpoint/churn: data capture Started, sampling 20%" in drift.out


def test_a_failed_execution_shows_its_reason_as_a_note(monitor_cli: Cli, slow_clock: None) -> None:
    apply_ok(monitor_cli)
    control.next_monitoring_execution(monitor_cli.sandbox.url, "churn-model-quality", "Failed",
                                      "Ground truth labels were not found.", start_now=True)
    control.advance_clock(monitor_cli.sandbox.url, 600)
    plan = monitor_cli("plan", monitor_cli.root, "--detailed-exitcode")
    assert plan.code == 0, plan.text
    assert "Failed (scheduled " in plan.out and "): Ground truth labels were not found." in plan.out


def test_capture_stopped_outside_git_is_drift_of_the_endpoint(monitor_cli: Cli) -> None:
    apply_ok(monitor_cli)
    sm = boto3.client("sagemaker")
    serving = sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"]
    config = sm.describe_endpoint_config(EndpointConfigName=serving)
    sm.create_endpoint_config(EndpointConfigName="churn-no-capture", ProductionVariants=config["ProductionVariants"],
                              DataCaptureConfig={**config["DataCaptureConfig"], "EnableCapture": False})
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-no-capture")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="churn", WaiterConfig={"Delay": 0.1})
    drift = monitor_cli("drift", monitor_cli.root)
    assert drift.code == 2
    assert "[drift] endpoint/churn" in drift.out and 'dataCapture: "Stopped" -> "Started"' in drift.out
    assert "data capture is Stopped (the spec's: Started)" in drift.out
    apply_ok(monitor_cli)
    assert sm.describe_endpoint(EndpointName="churn")["DataCaptureConfig"]["CaptureStatus"] == "Started"


def test_removing_the_endpoint_deletes_its_schedules_then_definitions_then_the_endpoint(monitor_cli: Cli) -> None:
    edit(monitor_cli.root / "endpoint.yaml", "protect: true", "protect: false")
    apply_ok(monitor_cli)
    (monitor_cli.root / "endpoint.yaml").unlink()
    (monitor_cli.root / MONITORING).unlink()
    operations = [op for op, _ in _steps(monitor_cli)]
    deletes = [op for op in operations if op.startswith("Delete")]
    assert deletes[:2] == ["DeleteMonitoringSchedule", "DeleteMonitoringSchedule"]
    assert set(deletes[2:4]) == {"DeleteDataQualityJobDefinition", "DeleteModelQualityJobDefinition"}
    assert deletes.index("DeleteEndpoint") == 4
    apply_ok(monitor_cli)
    sm = boto3.client("sagemaker")
    assert sm.list_monitoring_schedules()["MonitoringScheduleSummaries"] == []
    assert sm.list_endpoints()["Endpoints"] == []


def test_apply_waits_for_a_running_execution_before_changing_its_schedule(monitor_cli: Cli, slow_clock: None) -> None:
    apply_ok(monitor_cli)
    edit(monitor_cli.root / MONITORING, "cron(0 0/6 ? * * *)", "cron(0 0/12 ? * * *)")
    control.next_monitoring_execution(monitor_cli.sandbox.url, "churn-model-quality", "Completed", start_now=True)
    control.advance_clock(monitor_cli.sandbox.url, 90)  # past its Pending minute: InProgress now
    assert _schedule("churn-model-quality")["LastMonitoringExecutionSummary"]["MonitoringExecutionStatus"] \
        == "InProgress"
    applied = monitor_cli("apply", monitor_cli.root, "--auto-approve")
    assert applied.code == 0, applied.text
    assert "last execution InProgress" in applied.out, applied.out
    summary = _schedule("churn-model-quality")["LastMonitoringExecutionSummary"]
    assert summary["MonitoringExecutionStatus"] == "Completed"
    converged(monitor_cli)
