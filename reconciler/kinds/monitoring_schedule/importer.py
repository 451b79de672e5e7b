"""`reconciler import MonitoringSchedule NAME`: a live Model Monitor schedule and the job definition it runs,
written as one MonitoringSchedule document.

The document is what a person writes: `monitoringType`, `jobDefinition` (the definition's create request
as written, SageMaker's defaults left out, the endpoint it reads as a reference when it is a document of
the stack), `scheduleConfig` when the schedule has one, and `status: Stopped` for a stopped schedule. It
owns the schedule and the definition: the definition keeps its hand-made name through adoption (its
content is what the document wants: see `kinds._owned_with_same_content`) until the document changes it.
"""

from __future__ import annotations

from typing import Any

from reconciler.aws.shapes import from_api, operation_input
from reconciler.handlers.job_definition import MONITORING_TYPES, MonitoringType, endpoint_read
from reconciler.handlers.monitoring_schedule import FAILED, STOPPED
from reconciler.imported import ImportContext, ImportedDoc, ImportRefused, unowned, user_tags, written_spec
from reconciler.kinds.monitoring_schedule.expand import DEFINITIONS, SCHEDULE
from reconciler.resources import Live
from reconciler.spec.naming import SUFFIX_ROOM

KIND_NAME = "MonitoringSchedule"
DEFAULT_TYPE = "DataQuality"  # a schedule naming a definition without MonitoringType runs data quality


def import_monitoring_schedule(ctx: ImportContext, name: str) -> list[ImportedDoc]:
    """The MonitoringSchedule document of live schedule `name` and the job definition it runs. Refused
    (ImportRefused, one line) when the schedule is missing or owned by a stack, when its job definition is
    missing, owned by a stack or defined inline in the schedule, or when its name leaves no room for the
    `-<hash>` of the document's later job definitions."""
    live = unowned(SCHEDULE.find(ctx.clients, name), KIND_NAME, name)
    data = live.data or {}
    doc_name = ctx.doc_name(name)
    if len(doc_name) > SUFFIX_ROOM:
        raise ImportRefused(f"{KIND_NAME} {name!r}: a MonitoringSchedule document is named after its schedule and "
                            f"names its job definitions <name>-<hash>, so its name has at most {SUFFIX_ROOM} "
                            f"characters; this one has {len(doc_name)}")
    config = data.get("MonitoringScheduleConfig") or {}
    if config.get("MonitoringJobDefinition"):
        raise ImportRefused(f"{KIND_NAME} {name!r} defines its job inline (MonitoringScheduleConfig."
                            "MonitoringJobDefinition); a MonitoringSchedule document runs a job definition of its "
                            "own: create one (Create<Type>JobDefinition), point the schedule at it, then import it")
    monitoring = MONITORING_TYPES.get(str(config.get("MonitoringType") or DEFAULT_TYPE))
    definition_name = config.get("MonitoringJobDefinitionName")
    if monitoring is None or not definition_name:
        raise ImportRefused(f"{KIND_NAME} {name!r} runs no job definition reconciler knows "
                            f"(MonitoringType {config.get('MonitoringType')!r})")
    definition = _definition(ctx, name, monitoring, str(definition_name))
    tags = user_tags(live)
    spec: dict[str, Any] = {"monitoringType": monitoring.name,
                            "jobDefinition": job_definition_spec(ctx, monitoring, definition)}
    schedule = schedule_config_spec(config)
    if schedule:
        spec["scheduleConfig"] = schedule
    status = data.get("MonitoringScheduleStatus")
    if status == STOPPED:
        spec["status"] = STOPPED
    notes = _notes(ctx, name, monitoring, definition, data, tags)
    return [ImportedDoc(KIND_NAME, doc_name, spec, tags, [live.address, definition.address], notes, live.arn)]


def _definition(ctx: ImportContext, schedule: str, monitoring: MonitoringType, name: str) -> Live:
    """The live job definition the schedule runs, with its describe output; refused when it is missing or owned
    by a stack."""
    handler = DEFINITIONS[monitoring.name]
    found = handler.find(ctx.clients, name)
    if found is None:
        raise ImportRefused(f"{KIND_NAME} {schedule!r} runs {monitoring.noun} {name!r}, which was not found in this "
                            "account and region; point the schedule at an existing definition, then import it")
    try:
        return unowned(found, monitoring.noun, name)
    except ImportRefused as exc:
        raise ImportRefused(f"{KIND_NAME} {schedule!r} runs a definition a stack owns: {exc}") from None


def job_definition_spec(ctx: ImportContext, monitoring: MonitoringType, definition: Live) -> dict[str, Any]:
    """The document's `jobDefinition`: the live definition's create request as written (SageMaker's defaults left
    out, `${` as `$${`), the endpoint it reads as `${Endpoint.x.name}` when that endpoint is a document of the
    stack (its name otherwise), ARNs of the stack's documents as references. {} when the definition was not
    described."""
    handler = DEFINITIONS[monitoring.name]
    request = handler.request_of(definition) or {}
    job: dict[str, Any] = ctx.arn_references(written_spec(handler.policy, request, "sagemaker",
                                                          monitoring.create_operation))
    endpoint = endpoint_read(monitoring, request)
    reference = ctx.reference("Endpoint", endpoint) if endpoint else None
    if reference is not None:
        job[monitoring.spec_member("JobInput")]["endpointInput"]["endpointName"] = reference
    return job


def schedule_config_spec(config: dict[str, Any]) -> dict[str, Any]:
    """The document's `scheduleConfig` from a live `MonitoringScheduleConfig` (API form); {} when the schedule has
    none (SageMaker then runs it daily at a time it picks)."""
    schedule = config.get("ScheduleConfig")
    if not schedule:
        return {}
    wrapped = from_api({"MonitoringScheduleConfig": {"ScheduleConfig": schedule}},
                       operation_input("sagemaker", "CreateMonitoringSchedule"), drop_unknown=True)
    return dict(wrapped["monitoringScheduleConfig"]["scheduleConfig"])


def _notes(ctx: ImportContext, name: str, monitoring: MonitoringType, definition: Live, data: dict[str, Any],
           tags: dict[str, str]) -> list[str]:
    """What the document cannot say, or what adopting it does beyond tags."""
    notes = [f"jobDefinition is {monitoring.noun} {definition.address.name}, which keeps its name once adopted, as "
             f"long as jobDefinition is unchanged (a change creates {name}-<hash>, points the schedule "
             "at it and deletes the old one)"]
    endpoint = endpoint_read(monitoring, definition.data)
    if endpoint and ctx.reference("Endpoint", endpoint) is None:
        notes.append(f"endpointName {endpoint} is not an Endpoint document of this stack: it is written as a name "
                     "(the endpoint must exist, and capture data)")
    definition_tags = user_tags(definition)
    if definition_tags != tags:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(definition_tags.items())) or "none"
        notes.append(f"the job definition's tags ({shown}) are not the schedule's: adopting gives it the document's "
                     "tags (the schedule's)")
    if data.get("MonitoringScheduleStatus") == FAILED:
        reason = data.get("FailureReason") or "no reason given"
        notes.append(f"the schedule is Failed ({reason}): a plan deletes and creates it again, so it cannot be "
                     "adopted as it is")
    return notes


def list_monitoring_schedules(clients: Any) -> list[str]:
    """Every monitoring schedule of the account and region (empty when there is none)."""
    pages = clients.sagemaker.get_paginator("list_monitoring_schedules").paginate()
    return [s["MonitoringScheduleName"] for page in pages for s in page.get("MonitoringScheduleSummaries", [])]
