"""moto response handlers for Model Monitor: the four job-definition families and monitoring schedules.

``install()`` sets them on moto's ``SageMakerResponse``, which dispatches a request by
its action name (CreateMonitoringSchedule -> ``create_monitoring_schedule``). moto's
own job-definition handlers (which take duplicate names and differ by family) are
replaced, so all four families behave the same. Requests are read with botocore's
input shapes; responses are serialised by moto against botocore's output shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.responses import SageMakerResponse

from reconciler.sandbox import monitoring
from reconciler.sandbox.monitoring_model import FAMILIES
from reconciler.sandbox.shapes import request_of

Handler = Callable[[SageMakerResponse], ActionResult]


def install() -> None:
    """Set the handlers on moto's SageMakerResponse (idempotent)."""
    for name, handler in handlers().items():
        setattr(SageMakerResponse, name, handler)


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


def _job_definition_handlers(monitoring_type: str) -> dict[str, Handler]:
    create_op = f"Create{monitoring_type}JobDefinition"
    describe_op = f"Describe{monitoring_type}JobDefinition"
    list_op = f"List{monitoring_type}JobDefinitions"
    delete_op = f"Delete{monitoring_type}JobDefinition"

    def create(self: SageMakerResponse) -> ActionResult:
        definition = monitoring.create_job_definition(
            self.sagemaker_backend, monitoring_type, request_of(self, create_op)
        )
        return ActionResult({"JobDefinitionArn": definition.arn})

    def describe(self: SageMakerResponse) -> ActionResult:
        name = request_of(self, describe_op)["JobDefinitionName"]
        return ActionResult(monitoring.describe_job_definition(self.sagemaker_backend, monitoring_type, name))

    def list_definitions(self: SageMakerResponse) -> ActionResult:
        request = request_of(self, list_op)
        return ActionResult(monitoring.list_job_definitions(self.sagemaker_backend, monitoring_type, request))

    def delete(self: SageMakerResponse) -> ActionResult:
        name = request_of(self, delete_op)["JobDefinitionName"]
        monitoring.delete_job_definition(self.sagemaker_backend, monitoring_type, name)
        return EmptyResult()

    return {
        _snake(create_op): create,
        _snake(describe_op): describe,
        _snake(list_op): list_definitions,
        _snake(delete_op): delete,
    }


def _schedule_arn(schedule: Any) -> ActionResult:
    return ActionResult({"MonitoringScheduleArn": schedule.arn})


def create_monitoring_schedule(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "CreateMonitoringSchedule")
    return _schedule_arn(monitoring.create_schedule(self.sagemaker_backend, request))


def update_monitoring_schedule(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "UpdateMonitoringSchedule")
    schedule = monitoring.update_schedule(
        self.sagemaker_backend, request["MonitoringScheduleName"], request["MonitoringScheduleConfig"]
    )
    return _schedule_arn(schedule)


def describe_monitoring_schedule(self: SageMakerResponse) -> ActionResult:
    name = request_of(self, "DescribeMonitoringSchedule")["MonitoringScheduleName"]
    return ActionResult(monitoring.describe_schedule(self.sagemaker_backend, name))


def list_monitoring_schedules(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "ListMonitoringSchedules")
    return ActionResult(monitoring.list_schedules(self.sagemaker_backend, request))


def list_monitoring_executions(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "ListMonitoringExecutions")
    return ActionResult(monitoring.list_executions(self.sagemaker_backend, request))


def start_monitoring_schedule(self: SageMakerResponse) -> ActionResult:
    name = request_of(self, "StartMonitoringSchedule")["MonitoringScheduleName"]
    monitoring.start_schedule(self.sagemaker_backend, name)
    return EmptyResult()


def stop_monitoring_schedule(self: SageMakerResponse) -> ActionResult:
    name = request_of(self, "StopMonitoringSchedule")["MonitoringScheduleName"]
    monitoring.stop_schedule(self.sagemaker_backend, name)
    return EmptyResult()


def delete_monitoring_schedule(self: SageMakerResponse) -> ActionResult:
    name = request_of(self, "DeleteMonitoringSchedule")["MonitoringScheduleName"]
    monitoring.delete_schedule(self.sagemaker_backend, name)
    return EmptyResult()


def handlers() -> dict[str, Handler]:
    """Every handler by moto's method name."""
    found: dict[str, Handler] = {
        "create_monitoring_schedule": create_monitoring_schedule,
        "update_monitoring_schedule": update_monitoring_schedule,
        "describe_monitoring_schedule": describe_monitoring_schedule,
        "list_monitoring_schedules": list_monitoring_schedules,
        "list_monitoring_executions": list_monitoring_executions,
        "start_monitoring_schedule": start_monitoring_schedule,
        "stop_monitoring_schedule": stop_monitoring_schedule,
        "delete_monitoring_schedule": delete_monitoring_schedule,
    }
    for monitoring_type in FAMILIES:
        found.update(_job_definition_handlers(monitoring_type))
    return found
