"""Amazon SageMaker Model Monitor in the sandbox: the API (moto has no monitoring schedules).

Job definitions of the four families (Create/Describe/List/Delete
{DataQuality,ModelQuality,ModelBias,ModelExplainability}JobDefinition; no update,
as on AWS) and monitoring schedules (Create/Describe/List/Update/Delete/Start/Stop
MonitoringSchedule, ListMonitoringExecutions). Every function takes
``RUNTIME.lock``, applies the due endpoint transitions (``RUNTIME.tick``) and then
brings every schedule to the current sandbox time (``monitoring_model.advance_all``).

Errors use AWS's codes: ResourceInUse for a duplicate name, ResourceNotFound for a
missing definition or schedule, ValidationException for the rest; their wording is
AWS-like but unconfirmed, except "Monitoring schedule in status Pending" (AWS's
answer to DeleteMonitoringSchedule while Pending, also used here for Update, Start
and Stop while Pending).

AWS checks that the endpoint a schedule reads (its definition's, or an inline
definition's, EndpointInput.EndpointName) exists in the account at create and
update; so does the sandbox (an endpoint being deleted counts as gone). Choices
where AWS's behaviour is unconfirmed:

- MonitoringJobDefinitionName without MonitoringType means DataQuality.
- Deleting a job definition a schedule still uses is a ValidationException naming
  the schedule.
- Updating a Stopped schedule leaves it Stopped after its Pending period; Start and
  Stop of a schedule already in that state succeed and change nothing.
- Deleting an endpoint that schedules read is allowed; their later executions fail.
- A ``NOW`` schedule runs once each time its config is set (create or update), when
  it next becomes Scheduled.
- ``cron(0 H/N ? * * *)`` means what the cron hours field means: hours H, H+N, ...
  up to 23 each day (so ``17/12`` is 17:00 only). Without a ScheduleConfig (AWS
  picks a daily time) the sandbox runs daily at the hour the config was set.
- Due times while a schedule is Pending (after an update) or Stopped are skipped.
- Executions carry no ProcessingJobArn; none of an endpoint's data capture is
  checked.
- List calls page by an offset token, 10 a page unless MaxResults says otherwise
  (AWS documents 10 for schedules and executions; assumed for job definitions).

``monitoring_model`` holds the records, checks and clock; ``monitoring_api`` the moto
response handlers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import SageMakerModelBackend

from reconciler.sandbox import monitoring_model as mm
from reconciler.sandbox.endpoint_state import endpoint_arn
from reconciler.sandbox.experiment_model import timestamp
from reconciler.sandbox.runtime import RUNTIME

DEFAULT_PAGE = 10
PENDING_MESSAGE = "Monitoring schedule in status Pending"
T = TypeVar("T")


def _now(backend: SageMakerModelBackend) -> datetime:
    """Apply what is due (endpoints, then schedules) and return the sandbox time; call under the lock.

    The time is cut to milliseconds, the precision the API's timestamps have, so what a record holds is what
    clients read (and what the control route answers)."""
    RUNTIME.tick()
    now = RUNTIME.now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    mm.advance_all(backend, now)
    return now


def _family(monitoring_type: str) -> mm.Family:
    family = mm.FAMILIES.get(monitoring_type)
    if family is None:
        raise ValidationError(
            f"Value '{monitoring_type}' at 'monitoringType' failed to satisfy constraint: Member must satisfy enum "
            f"value set: [{', '.join(mm.FAMILIES)}]"
        )
    return family


# --- job definitions --------------------------------------------------------------------------------


def create_job_definition(
    backend: SageMakerModelBackend, monitoring_type: str, request: Mapping[str, Any]
) -> mm.JobDefinition:
    """Create<Type>JobDefinition: a new name only (ResourceInUse otherwise), exactly one input."""
    family = _family(monitoring_type)
    with RUNTIME.lock:
        now = _now(backend)
        name = str(request["JobDefinitionName"])
        mm.check_name(name, "jobDefinitionName")
        definitions = mm.store_of(backend).job_definitions[monitoring_type]
        arn = mm.arn_of(backend, family.resource, name)
        if name in definitions:
            raise ResourceInUseException(f'Job definition "{arn}" already exists.')
        mm.check_input(request.get(family.member("JobInput")) or {}, family.member("JobInput"))
        body = {key: value for key, value in request.items() if key not in ("JobDefinitionName", "Tags")}
        definition = mm.JobDefinition(
            family=family,
            name=name,
            arn=arn,
            request=dict(body),
            created=now,
            tags=[{"Key": t["Key"], "Value": t.get("Value", "")} for t in request.get("Tags") or []],
        )
        definitions[name] = definition
        return definition


def _definition(backend: SageMakerModelBackend, family: mm.Family, name: str) -> mm.JobDefinition:
    definition = mm.store_of(backend).job_definitions[family.monitoring_type].get(name)
    if definition is None:
        raise ResourceNotFound(f'Job definition "{mm.arn_of(backend, family.resource, name)}" does not exist.')
    return definition


def describe_job_definition(backend: SageMakerModelBackend, monitoring_type: str, name: str) -> dict[str, Any]:
    """Describe<Type>JobDefinition: the request's members (with AWS's defaults), ARN, name, CreationTime."""
    family = _family(monitoring_type)
    with RUNTIME.lock:
        _now(backend)
        return _definition(backend, family, name).describe()


def delete_job_definition(backend: SageMakerModelBackend, monitoring_type: str, name: str) -> None:
    """Delete<Type>JobDefinition; refused while a schedule uses it (a sandbox choice)."""
    family = _family(monitoring_type)
    with RUNTIME.lock:
        _now(backend)
        definition = _definition(backend, family, name)
        for schedule in mm.store_of(backend).schedules.values():
            if schedule.job_definition_name == name and schedule.monitoring_type == monitoring_type:
                raise ValidationError(
                    f'Job definition "{definition.arn}" is used by monitoring schedule "{schedule.name}"; delete '
                    "or update the schedule first."
                )
        del mm.store_of(backend).job_definitions[monitoring_type][name]


def list_job_definitions(
    backend: SageMakerModelBackend, monitoring_type: str, request: Mapping[str, Any]
) -> dict[str, Any]:
    """List<Type>JobDefinitions: EndpointName, NameContains, CreationTime filters; sorted and paged."""
    _family(monitoring_type)
    with RUNTIME.lock:
        _now(backend)
        found = [
            d
            for d in mm.store_of(backend).job_definitions[monitoring_type].values()
            if _name_matches(d.name, request)
            and (not request.get("EndpointName") or d.endpoint_name == request["EndpointName"])
            and _times_match(request, {"CreationTime": d.created})
        ]
        keys: dict[str, Callable[[mm.JobDefinition], Any]] = {
            "Name": lambda d: d.name,
            "CreationTime": lambda d: d.created,
        }
        page, token = _page(_sorted(found, keys, request), request)
        response: dict[str, Any] = {"JobDefinitionSummaries": [d.summary() for d in page]}
        if token:
            response["NextToken"] = token
        return response


# --- schedules --------------------------------------------------------------------------------------


def _schedule(backend: SageMakerModelBackend, name: str) -> mm.Schedule:
    schedule = mm.store_of(backend).schedules.get(name)
    if schedule is None:
        arn = mm.arn_of(backend, mm.SCHEDULE_RESOURCE, name)
        raise ResourceNotFound(f'Monitoring schedule "{arn}" does not exist.')
    return schedule


def _resolve(backend: SageMakerModelBackend, config: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Check a MonitoringScheduleConfig; the schedule fields it determines."""
    inline = config.get("MonitoringJobDefinition")
    name = config.get("MonitoringJobDefinitionName")
    if inline and name:
        raise ValidationError(
            "MonitoringScheduleConfig can have a MonitoringJobDefinition or a MonitoringJobDefinitionName, not both."
        )
    monitoring_type = str(config.get("MonitoringType") or "DataQuality")
    family = _family(monitoring_type)
    if name:
        definition = mm.store_of(backend).job_definitions[monitoring_type].get(str(name))
        if definition is None:
            arn = mm.arn_of(backend, family.resource, str(name))
            raise ValidationError(f'Could not find {family.label} job definition "{arn}".')
        endpoint, max_runtime = definition.endpoint_name, definition.max_runtime
    elif inline:
        endpoint, max_runtime = mm.inline_endpoint(inline), mm.inline_max_runtime(inline)
    else:
        raise ValidationError(
            "MonitoringScheduleConfig must have a MonitoringJobDefinition or a MonitoringJobDefinitionName."
        )
    cadence = mm.parse_schedule(config.get("ScheduleConfig"), now)
    mm.check_runtime(cadence, monitoring_type, max_runtime)
    if endpoint is not None and mm.endpoint_gone(backend, endpoint, now):
        raise ValidationError(f'Could not find endpoint "{endpoint_arn(backend, endpoint)}".')
    return {
        "config": mm.described_config(config),
        "monitoring_type": monitoring_type,
        "endpoint_name": endpoint,
        "job_definition_name": str(name) if name else None,
        "cadence": cadence,
        "max_runtime": max_runtime,
        "once_due": cadence.once,
    }


def create_schedule(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> mm.Schedule:
    """CreateMonitoringSchedule: checked, Pending, then Scheduled."""
    with RUNTIME.lock:
        now = _now(backend)
        name = str(request["MonitoringScheduleName"])
        mm.check_name(name, "monitoringScheduleName")
        arn = mm.arn_of(backend, mm.SCHEDULE_RESOURCE, name)
        schedules = mm.store_of(backend).schedules
        if name in schedules:
            raise ResourceInUseException(f'Monitoring schedule "{arn}" already exists.')
        fields = _resolve(backend, request["MonitoringScheduleConfig"], now)
        schedule = mm.Schedule(
            name=name,
            arn=arn,
            created=now,
            last_modified=now,
            pending_until=now + timedelta(seconds=mm.SCHEDULE_PENDING_SECONDS),
            tags=[{"Key": t["Key"], "Value": t.get("Value", "")} for t in request.get("Tags") or []],
            **fields,
        )
        schedules[name] = schedule
        return schedule


def _not_pending(schedule: mm.Schedule) -> None:
    if schedule.status == "Pending":
        raise ValidationError(PENDING_MESSAGE)


def update_schedule(backend: SageMakerModelBackend, name: str, config: Mapping[str, Any]) -> mm.Schedule:
    """UpdateMonitoringSchedule: the whole config is replaced; Pending, then back to Scheduled or Stopped."""
    with RUNTIME.lock:
        now = _now(backend)
        schedule = _schedule(backend, name)
        _not_pending(schedule)
        fields = _resolve(backend, config, now)
        for key, value in fields.items():
            setattr(schedule, key, value)
        schedule.after_pending = "Stopped" if schedule.status == "Stopped" else "Scheduled"
        schedule.status = "Pending"
        schedule.cursor = None
        schedule.pending_until = now + timedelta(seconds=mm.SCHEDULE_PENDING_SECONDS)
        schedule.last_modified = now
        return schedule


def start_schedule(backend: SageMakerModelBackend, name: str) -> mm.Schedule:
    """StartMonitoringSchedule: Stopped -> Scheduled (a Scheduled schedule stays as it is)."""
    with RUNTIME.lock:
        now = _now(backend)
        schedule = _schedule(backend, name)
        _not_pending(schedule)
        if schedule.status != "Scheduled":
            schedule.last_modified = now
            mm.begin_running(backend, schedule, now)
        return schedule


def stop_schedule(backend: SageMakerModelBackend, name: str) -> mm.Schedule:
    """StopMonitoringSchedule: Scheduled -> Stopped; no more executions (those running finish)."""
    with RUNTIME.lock:
        now = _now(backend)
        schedule = _schedule(backend, name)
        _not_pending(schedule)
        if schedule.status != "Stopped":
            schedule.status = "Stopped"
            schedule.cursor = None
            schedule.last_modified = now
        return schedule


def delete_schedule(backend: SageMakerModelBackend, name: str) -> None:
    """DeleteMonitoringSchedule: stopped and deleted; its executions stay listable (as AWS keeps the history)."""
    with RUNTIME.lock:
        _now(backend)
        schedule = _schedule(backend, name)
        _not_pending(schedule)
        store = mm.store_of(backend)
        store.history.extend(schedule.executions)
        del store.schedules[name]


def describe_schedule(backend: SageMakerModelBackend, name: str) -> dict[str, Any]:
    """DescribeMonitoringSchedule, with the latest execution's summary."""
    with RUNTIME.lock:
        now = _now(backend)
        schedule = _schedule(backend, name)
        response: dict[str, Any] = {
            "MonitoringScheduleArn": schedule.arn,
            "MonitoringScheduleName": schedule.name,
            "MonitoringScheduleStatus": schedule.status,
            "MonitoringType": schedule.monitoring_type,
            "CreationTime": schedule.created,
            "LastModifiedTime": schedule.last_modified,
            "MonitoringScheduleConfig": mm.described_config(schedule.config),
        }
        if schedule.endpoint_name:
            response["EndpointName"] = schedule.endpoint_name
        if schedule.executions:
            response["LastMonitoringExecutionSummary"] = schedule.executions[-1].summary(now)
        return response


def _schedule_summary(schedule: mm.Schedule) -> dict[str, Any]:
    response = {
        "MonitoringScheduleName": schedule.name,
        "MonitoringScheduleArn": schedule.arn,
        "CreationTime": schedule.created,
        "LastModifiedTime": schedule.last_modified,
        "MonitoringScheduleStatus": schedule.status,
        "EndpointName": schedule.endpoint_name,
        "MonitoringJobDefinitionName": schedule.job_definition_name,
        "MonitoringType": schedule.monitoring_type,
    }
    return {key: value for key, value in response.items() if value is not None}


def list_schedules(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> dict[str, Any]:
    """ListMonitoringSchedules with its filters, sorting (default CreationTime, Descending) and paging."""
    with RUNTIME.lock:
        _now(backend)
        equals = {
            "EndpointName": lambda s: s.endpoint_name,
            "MonitoringJobDefinitionName": lambda s: s.job_definition_name,
            "MonitoringTypeEquals": lambda s: s.monitoring_type,
            "StatusEquals": lambda s: s.status,
        }
        found = [
            s
            for s in mm.store_of(backend).schedules.values()
            if _name_matches(s.name, request)
            and all(not request.get(key) or read(s) == request[key] for key, read in equals.items())
            and _times_match(request, {"CreationTime": s.created, "LastModifiedTime": s.last_modified})
        ]
        keys: dict[str, Callable[[mm.Schedule], Any]] = {
            "Name": lambda s: s.name,
            "CreationTime": lambda s: s.created,
            "Status": lambda s: s.status,
        }
        page, token = _page(_sorted(found, keys, request), request)
        response: dict[str, Any] = {"MonitoringScheduleSummaries": [_schedule_summary(s) for s in page]}
        if token:
            response["NextToken"] = token
        return response


def list_executions(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> dict[str, Any]:
    """ListMonitoringExecutions with its filters, sorting (default CreationTime, Descending) and paging."""
    with RUNTIME.lock:
        now = _now(backend)
        store = mm.store_of(backend)
        executions = [*store.history, *(e for s in store.schedules.values() for e in s.executions)]
        equals = {
            "MonitoringScheduleName": lambda e: e.schedule_name,
            "EndpointName": lambda e: e.endpoint_name,
            "MonitoringJobDefinitionName": lambda e: e.job_definition_name,
            "MonitoringTypeEquals": lambda e: e.monitoring_type,
            "StatusEquals": lambda e: e.status(now),
        }
        found = [
            e
            for e in executions
            if all(not request.get(key) or read(e) == request[key] for key, read in equals.items())
            and _times_match(
                request,
                {"ScheduledTime": e.scheduled, "CreationTime": e.scheduled, "LastModifiedTime": e.last_modified(now)},
            )
        ]
        keys: dict[str, Callable[[mm.Execution], Any]] = {
            "CreationTime": lambda e: e.scheduled,
            "ScheduledTime": lambda e: e.scheduled,
            "Status": lambda e: e.status(now),
        }
        page, token = _page(_sorted(found, keys, request), request)
        response: dict[str, Any] = {"MonitoringExecutionSummaries": [e.summary(now) for e in page]}
        if token:
            response["NextToken"] = token
        return response


# --- the outside world ------------------------------------------------------------------------------


def arm_next_execution(
    backend: SageMakerModelBackend, name: str, status: str, failure_reason: str | None, start_now: bool
) -> dict[str, Any]:
    """Control action: how the next execution of schedule ``name`` ends, and whether it starts now.

    ``start_now`` on a schedule that is Pending or Stopped starts that execution as soon as the schedule is
    Scheduled. LookupError for an unknown schedule, ValueError for a bad status."""
    if status not in mm.END_STATUSES:
        raise ValueError(f'"status" must be one of {", ".join(mm.END_STATUSES)}, not {status!r}')
    if failure_reason is not None and status != "Failed":
        raise ValueError('"failureReason" goes only with "status": "Failed"')
    with RUNTIME.lock:
        now = _now(backend)
        schedule = mm.store_of(backend).schedules.get(name)
        if schedule is None:
            raise LookupError(f'monitoring schedule "{name}" not found')
        schedule.armed = mm.Armed(status, failure_reason, start_now)
        answer: dict[str, Any] = {
            "schedule": name,
            "scheduleStatus": schedule.status,
            "status": status,
            "startNow": start_now,
        }
        if failure_reason is not None:
            answer["failureReason"] = failure_reason
        if start_now and schedule.status == "Scheduled":
            execution = mm.add_execution(backend, schedule, now)
            answer["scheduledTime"] = execution.scheduled.isoformat(timespec="milliseconds") + "Z"
        return answer


def before_endpoint_delete(backend: SageMakerModelBackend) -> None:
    """Executions that fell due while the endpoint was there read it; called before DeleteEndpoint."""
    with RUNTIME.lock:
        _now(backend)


# --- filters, sorting and pages -----------------------------------------------------------------------


def _name_matches(name: str, request: Mapping[str, Any]) -> bool:
    fragment = request.get("NameContains")
    return not fragment or str(fragment).lower() in name.lower()


def _times_match(request: Mapping[str, Any], values: Mapping[str, datetime]) -> bool:
    for member, value in values.items():
        after, before = request.get(f"{member}After"), request.get(f"{member}Before")
        if after is not None and not value > timestamp(after):
            return False
        if before is not None and not value < timestamp(before):
            return False
    return True


def _sorted(items: Iterable[T], keys: Mapping[str, Callable[[T], Any]], request: Mapping[str, Any]) -> list[T]:
    sort_by = str(request.get("SortBy") or "CreationTime")
    if sort_by not in keys:
        raise ValidationError(
            f"Value '{sort_by}' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(keys)}]"
        )
    order = str(request.get("SortOrder") or "Descending")
    if order not in ("Ascending", "Descending"):
        raise ValidationError(
            f"Value '{order}' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: "
            "[Ascending, Descending]"
        )
    key = keys[sort_by]
    fallback = keys.get("CreationTime")
    return sorted(
        items,
        key=lambda item: (key(item), fallback(item) if fallback else 0),
        reverse=order == "Descending",
    )


def _page(items: list[T], request: Mapping[str, Any]) -> tuple[list[T], str | None]:
    token = request.get("NextToken")
    try:
        offset = int(token) if token else 0
    except ValueError:
        raise ValidationError(f"Invalid pagination token '{token}'.") from None
    size = int(request.get("MaxResults") or DEFAULT_PAGE)
    if not 1 <= size <= 100:
        raise ValidationError(
            f"Value '{size}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100"
        )
    end = offset + size
    return items[offset:end], (str(end) if end < len(items) else None)
