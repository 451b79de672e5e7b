"""Expansion of a MonitoringSchedule document: its content-addressed job definition of the chosen
type (`<type>-job-definition/<name>-<hash>`) and the schedule (`monitoring-schedule/<name>`)
pointing at it."""

from __future__ import annotations

from typing import Any

from reconciler.addressing import Address
from reconciler.aws.shapes import operation_input, to_api
from reconciler.handlers.data_quality_job_definition import DataQualityJobDefinitionHandler
from reconciler.handlers.job_definition import MONITORING_TYPES, JobDefinitionHandler, endpoint_read
from reconciler.handlers.model_bias_job_definition import ModelBiasJobDefinitionHandler
from reconciler.handlers.model_explainability_job_definition import ModelExplainabilityJobDefinitionHandler
from reconciler.handlers.model_quality_job_definition import ModelQualityJobDefinitionHandler
from reconciler.handlers.monitoring_schedule import MonitoringScheduleHandler, schedule_view
from reconciler.hashing import content_hash
from reconciler.kinds.base import ExpandContext, desired
from reconciler.resources import Desired
from reconciler.spec.documents import SpecDoc
from reconciler.spec.references import substitute

SCHEDULE = MonitoringScheduleHandler()
DEFINITIONS: dict[str, JobDefinitionHandler] = {
    h.monitoring.name: h for h in (DataQualityJobDefinitionHandler(), ModelQualityJobDefinitionHandler(),
                                   ModelBiasJobDefinitionHandler(), ModelExplainabilityJobDefinitionHandler())
}


def definition_key(doc: SpecDoc) -> str:
    """The adoption key of the document's job definition."""
    return f"{doc.address}#job-definition"


def expand(ctx: ExpandContext, doc: SpecDoc) -> list[Desired]:
    spec = substitute(doc.spec, ctx.resolve)
    monitoring = MONITORING_TYPES[spec["monitoringType"]]
    handler = DEFINITIONS[monitoring.name]
    job = to_api(spec["jobDefinition"], operation_input("sagemaker", monitoring.create_operation))
    name = ctx.content_name(definition_key(doc), doc.aws_name, handler.normalized(job))
    tags = ctx.user_tags(doc)
    endpoint_path = ("spec", "jobDefinition", monitoring.spec_member("JobInput"), "endpointInput", "endpointName")
    definition = desired(doc, Address(handler.type, name), {"JobDefinitionName": name, **job},
                         handler.comparable_of(job, tags), tags, state_hash=content_hash({"name": name, "tags": tags}),
                         adopt_key=definition_key(doc), extra={"positions": {"endpointName": str(doc.doc.pos(
                             endpoint_path))}})
    config: dict[str, Any] = {"MonitoringJobDefinitionName": name, "MonitoringType": monitoring.name}
    if "scheduleConfig" in spec:
        wrapped = to_api({"monitoringScheduleConfig": {"scheduleConfig": spec["scheduleConfig"]}},
                         operation_input("sagemaker", "CreateMonitoringSchedule"))
        config["ScheduleConfig"] = wrapped["MonitoringScheduleConfig"]["ScheduleConfig"]
    status = spec.get("status", "Scheduled")
    request = {"MonitoringScheduleName": doc.aws_name, "MonitoringScheduleConfig": config}
    schedule = desired(doc, Address(SCHEDULE.type, doc.aws_name), request, schedule_view(config, status, tags), tags,
                       extra={"status": status, "endpoint": endpoint_read(monitoring, job)})
    ctx.define(doc, doc.aws_name, ctx.arn(SCHEDULE.arn_type, doc.aws_name))
    return [definition, schedule]
