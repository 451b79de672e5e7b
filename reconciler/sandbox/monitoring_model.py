"""Model Monitor's records, request checks and clock: job definitions, schedules and their executions.

moto 5.2.1 has no monitoring schedules, and its job definitions take a duplicate name
(AWS: ResourceInUse) and differ by family; the sandbox keeps its own records on moto's
SageMaker backend (``store_of``), so moto's reset forgets them.

- ``JobDefinition``: one of the four families (``FAMILIES``: DataQuality,
  ModelQuality, ModelBias, ModelExplainability), the create request as given.
  Describe adds AWS's defaults: ``StoppingCondition`` ``{"MaxRuntimeInSeconds": 3600}``
  and the input's ``S3InputMode`` File / ``S3DataDistributionType`` FullyReplicated
  (seen on live DataQuality definitions by a third party; assumed for the others).
- ``Schedule``: Pending for ``SCHEDULE_PENDING_SECONDS`` after a create or an
  update, then Scheduled (or, after an update of a stopped schedule, Stopped
  again); Stopped/Scheduled by Stop/Start. A sandbox schedule never becomes Failed.
- ``Execution``: made at each due time of a Scheduled schedule (``Cadence``), at
  once when a ``NOW`` schedule becomes Scheduled, or at once when the control
  route asked for it (``Armed.start_now``). ScheduledTime = CreationTime = the due
  time (AWS's 0-20 minute lag is not modelled); Pending for
  ``EXECUTION_PENDING_SECONDS``, InProgress for ``EXECUTION_RUN_SECONDS`` (capped
  by MaxRuntimeInSeconds), then Completed unless the control route armed another
  end (CompletedWithViolations, or Failed with a FailureReason). An execution
  whose endpoint is gone (deleted, Deleting, or made after the due time) goes
  Pending -> Failed with ``ENDPOINT_GONE``. One execution at a time: a due time while the last
  execution is still going is skipped (AWS's behaviour is unconfirmed).

Everything is evaluated lazily (``advance``) against the sandbox clock by whoever
reads monitoring state, under ``RUNTIME.lock``; each schedule keeps its last
``MAX_EXECUTIONS`` executions, and executions of deleted schedules stay listable
(AWS keeps the history) up to ``HISTORY_LIMIT``. A clock jump makes at most
``MAX_EXECUTIONS`` executions per schedule.

Request checks follow AWS's documented rules (name pattern, exactly one input,
supported schedule expressions, NOW needs the analysis window, MaxRuntimeInSeconds
within the schedule's frequency); the wording of their messages is unconfirmed.
"""

from __future__ import annotations

import copy
import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend

STORE_ATTRIBUTE = "sandbox_model_monitor"
SCHEDULE_PENDING_SECONDS = 30.0
"""Create/UpdateMonitoringSchedule: Pending -> Scheduled (AWS: under about a minute)."""
EXECUTION_PENDING_SECONDS = 60.0
"""An execution: Pending (its processing job starting) -> InProgress."""
EXECUTION_RUN_SECONDS = 240.0
"""An execution: InProgress -> its end, unless MaxRuntimeInSeconds is shorter."""
DEFAULT_MAX_RUNTIME = 3600
MAX_EXECUTIONS = 100
"""Executions kept per schedule (the latest)."""
HISTORY_LIMIT = 1000
"""Executions of deleted schedules kept for ListMonitoringExecutions."""

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
END_STATUSES = ("Completed", "CompletedWithViolations", "Failed")
ENDPOINT_GONE = (
    'The endpoint "{endpoint}" this monitoring job reads no longer exists (it was deleted), so there is no captured '
    "data to analyze."
)


@dataclass(frozen=True)
class Family:
    """One family of job definitions: its MonitoringType, ARN resource type and request members."""

    monitoring_type: str
    resource: str
    label: str

    def member(self, suffix: str) -> str:
        """``BaselineConfig`` -> ``DataQualityBaselineConfig``."""
        return f"{self.monitoring_type}{suffix}"

    @property
    def resource_type(self) -> str:
        """The tagging API's resource type, e.g. ``sagemaker:data-quality-job-definition``."""
        return f"sagemaker:{self.resource}"


FAMILIES: dict[str, Family] = {
    family.monitoring_type: family
    for family in (
        Family("DataQuality", "data-quality-job-definition", "data quality"),
        Family("ModelQuality", "model-quality-job-definition", "model quality"),
        Family("ModelBias", "model-bias-job-definition", "model bias"),
        Family("ModelExplainability", "model-explainability-job-definition", "model explainability"),
    )
}
SCHEDULE_RESOURCE = "monitoring-schedule"
SCHEDULE_RESOURCE_TYPE = f"sagemaker:{SCHEDULE_RESOURCE}"
HALF_HOUR_LIMITED = frozenset({"ModelBias", "ModelQuality"})
"""Hourly schedules of these types may run for at most 1800 s (botocore's documentation)."""


# --- records ----------------------------------------------------------------------------------------


@dataclass
class JobDefinition:
    """A job definition: the create request (without its name and tags) and what AWS adds."""

    family: Family
    name: str
    arn: str
    request: dict[str, Any]
    created: datetime
    tags: list[dict[str, str]] = field(default_factory=list)

    @property
    def job_input(self) -> dict[str, Any]:
        return dict(self.request.get(self.family.member("JobInput")) or {})

    @property
    def endpoint_name(self) -> str | None:
        endpoint_input = self.job_input.get("EndpointInput") or {}
        return endpoint_input.get("EndpointName")

    @property
    def max_runtime(self) -> int | None:
        """The MaxRuntimeInSeconds the request gave (None: AWS's default applies)."""
        return _max_runtime(self.request)

    def describe(self) -> dict[str, Any]:
        response = copy.deepcopy(self.request)
        response.setdefault("StoppingCondition", {"MaxRuntimeInSeconds": DEFAULT_MAX_RUNTIME})
        job_input = response.get(self.family.member("JobInput")) or {}
        for key in ("EndpointInput", "BatchTransformInput"):
            if isinstance(job_input.get(key), dict):
                job_input[key].setdefault("S3InputMode", "File")
                job_input[key].setdefault("S3DataDistributionType", "FullyReplicated")
        return {**response, "JobDefinitionArn": self.arn, "JobDefinitionName": self.name, "CreationTime": self.created}

    def summary(self) -> dict[str, Any]:
        return {
            "MonitoringJobDefinitionName": self.name,
            "MonitoringJobDefinitionArn": self.arn,
            "CreationTime": self.created,
            "EndpointName": self.endpoint_name or "",
        }


@dataclass
class Armed:
    """How the next execution of a schedule ends (set by the control route)."""

    status: str
    failure_reason: str | None = None
    start_now: bool = False


@dataclass
class Execution:
    """One monitoring execution; its status follows from the clock."""

    schedule_name: str
    monitoring_type: str
    scheduled: datetime
    started: datetime
    ended: datetime
    outcome: str
    failure_reason: str | None
    endpoint_name: str | None
    job_definition_name: str | None

    def status(self, now: datetime) -> str:
        if now < self.started:
            return "Pending"
        if now < self.ended:
            return "InProgress"
        return self.outcome

    def last_modified(self, now: datetime) -> datetime:
        return max(moment for moment in (self.scheduled, self.started, self.ended) if moment <= now)

    def summary(self, now: datetime) -> dict[str, Any]:
        status = self.status(now)
        response = {
            "MonitoringScheduleName": self.schedule_name,
            "ScheduledTime": self.scheduled,
            "CreationTime": self.scheduled,
            "LastModifiedTime": self.last_modified(now),
            "MonitoringExecutionStatus": status,
            "EndpointName": self.endpoint_name,
            "FailureReason": self.failure_reason if status == "Failed" else None,
            "MonitoringJobDefinitionName": self.job_definition_name,
            "MonitoringType": self.monitoring_type,
        }
        return {key: value for key, value in response.items() if value is not None}


@dataclass
class Schedule:
    """A monitoring schedule: its config as DescribeMonitoringSchedule shows it, its status and executions.

    ``cursor`` is set while the schedule is Scheduled: due times after it have not
    made their execution yet. ``once_due`` is a NOW schedule's one run, made when it
    next becomes Scheduled.
    """

    name: str
    arn: str
    config: dict[str, Any]
    monitoring_type: str
    endpoint_name: str | None
    job_definition_name: str | None
    cadence: Cadence
    max_runtime: int | None
    created: datetime
    last_modified: datetime
    pending_until: datetime | None
    status: str = "Pending"
    after_pending: str = "Scheduled"
    cursor: datetime | None = None
    once_due: bool = False
    armed: Armed | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    executions: deque[Execution] = field(default_factory=lambda: deque(maxlen=MAX_EXECUTIONS))

    def run_seconds(self) -> float:
        limit = self.max_runtime if self.max_runtime is not None else DEFAULT_MAX_RUNTIME
        return min(EXECUTION_RUN_SECONDS, float(limit))


@dataclass
class MonitoringStore:
    """Everything Model Monitor holds for one account and region."""

    job_definitions: dict[str, dict[str, JobDefinition]] = field(
        default_factory=lambda: {monitoring_type: {} for monitoring_type in FAMILIES}
    )
    schedules: dict[str, Schedule] = field(default_factory=dict)
    history: deque[Execution] = field(default_factory=lambda: deque(maxlen=HISTORY_LIMIT))


def store_of(backend: SageMakerModelBackend) -> MonitoringStore:
    store = getattr(backend, STORE_ATTRIBUTE, None)
    if store is None:
        store = MonitoringStore()
        setattr(backend, STORE_ATTRIBUTE, store)
    return store


def arn_of(backend: SageMakerModelBackend, resource: str, name: str) -> str:
    return f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:{resource}/{name}"


def find_by_arn(backend: SageMakerModelBackend, arn: str) -> JobDefinition | Schedule | None:
    """The job definition or schedule behind ``arn`` (for the tag operations)."""
    store = store_of(backend)
    resource, _, name = arn.rpartition(":")[2].partition("/")
    if resource == SCHEDULE_RESOURCE:
        schedule = store.schedules.get(name)
        return schedule if schedule is not None and schedule.arn == arn else None
    for family in FAMILIES.values():
        if family.resource == resource:
            definition = store.job_definitions[family.monitoring_type].get(name)
            return definition if definition is not None and definition.arn == arn else None
    return None


def tagged(backend: SageMakerModelBackend) -> Iterator[tuple[str, str, list[dict[str, str]]]]:
    """``(resource type, ARN, tags)`` of every job definition and schedule that has tags."""
    store = store_of(backend)
    for monitoring_type, definitions in store.job_definitions.items():
        for definition in definitions.values():
            if definition.tags:
                yield FAMILIES[monitoring_type].resource_type, definition.arn, list(definition.tags)
    for schedule in store.schedules.values():
        if schedule.tags:
            yield SCHEDULE_RESOURCE_TYPE, schedule.arn, list(schedule.tags)


# --- request checks ---------------------------------------------------------------------------------


def check_name(value: str, member: str) -> None:
    if not NAME_PATTERN.match(value):
        raise ValidationError(
            f"Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression "
            "pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
        )


def check_input(inputs: Mapping[str, Any], where: str) -> None:
    """Exactly one of EndpointInput and BatchTransformInput (AWS: they are mutually exclusive)."""
    given = [key for key in ("EndpointInput", "BatchTransformInput") if inputs.get(key)]
    if len(given) != 1:
        raise ValidationError(f"{where} must have exactly one of EndpointInput and BatchTransformInput.")


def _max_runtime(definition: Mapping[str, Any]) -> int | None:
    condition = definition.get("StoppingCondition") or {}
    value = condition.get("MaxRuntimeInSeconds")
    return int(value) if value is not None else None


def described_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The MonitoringScheduleConfig as Describe shows it: MonitoringType filled in (DataQuality for an inline
    definition, as AWS does, and when a referenced one gives none), an inline definition's StoppingCondition
    defaulted."""
    described = copy.deepcopy(dict(config))
    described.setdefault("MonitoringType", "DataQuality")
    inline = described.get("MonitoringJobDefinition")
    if isinstance(inline, dict):
        inline.setdefault("StoppingCondition", {"MaxRuntimeInSeconds": DEFAULT_MAX_RUNTIME})
    return described


def inline_endpoint(definition: Mapping[str, Any]) -> str | None:
    inputs = definition.get("MonitoringInputs") or []
    if len(inputs) != 1:
        raise ValidationError("MonitoringJobDefinition.MonitoringInputs must have exactly one member.")
    check_input(inputs[0], "MonitoringJobDefinition.MonitoringInputs[0]")
    endpoint_input = inputs[0].get("EndpointInput") or {}
    return endpoint_input.get("EndpointName")


def inline_max_runtime(definition: Mapping[str, Any]) -> int | None:
    return _max_runtime(definition)


# --- schedule expressions ---------------------------------------------------------------------------

_CRON = re.compile(r"^cron\(0 (\*|\d{1,2}(?:/\d{1,2})?) \? \* \* \*\)$")
_OFFSET = re.compile(r"^(-?)P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
MAX_ANALYSIS_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Cadence:
    """When a schedule runs: at minute 0 of ``hours`` every day (UTC), or once (``NOW``)."""

    hours: tuple[int, ...]
    once: bool = False

    @property
    def period_seconds(self) -> int | None:
        """The shortest time between two runs (None for NOW)."""
        if self.once or not self.hours:
            return None
        gaps = [b - a for a, b in zip(self.hours, self.hours[1:], strict=False)]
        gaps.append(24 - self.hours[-1] + self.hours[0])
        return min(gaps) * 3600

    def due_times(self, after: datetime, until: datetime, limit: int) -> list[datetime]:
        """The last ``limit`` run times ``t`` with ``after < t <= until``."""
        if self.once or not self.hours or until <= after:
            return []
        days_needed = -(-limit // len(self.hours)) + 1
        first_day = max(after.date(), until.date() - timedelta(days=days_needed))
        found: deque[datetime] = deque(maxlen=limit)
        day = first_day
        while day <= until.date():
            for hour in self.hours:
                moment = datetime(day.year, day.month, day.day, hour)
                if after < moment <= until:
                    found.append(moment)
            day += timedelta(days=1)
        return list(found)


def parse_schedule(schedule_config: Mapping[str, Any] | None, now: datetime) -> Cadence:
    """The cadence of a ScheduleConfig; without one AWS picks a daily time (the sandbox: the current hour)."""
    if not schedule_config:
        return Cadence((now.hour,))
    expression = str(schedule_config.get("ScheduleExpression", ""))
    start = schedule_config.get("DataAnalysisStartTime")
    end = schedule_config.get("DataAnalysisEndTime")
    if expression == "NOW":
        if start is None or end is None:
            raise ValidationError(
                "DataAnalysisStartTime and DataAnalysisEndTime are required when the ScheduleExpression is NOW."
            )
        cadence = Cadence((), once=True)
    else:
        cadence = Cadence(_cron_hours(expression))
    if start is not None and end is not None:
        window = parse_offset(str(end), "DataAnalysisEndTime") - parse_offset(str(start), "DataAnalysisStartTime")
        if window <= timedelta(0):
            raise ValidationError("DataAnalysisStartTime must be earlier than DataAnalysisEndTime.")
        if window > MAX_ANALYSIS_WINDOW:
            raise ValidationError("DataAnalysisStartTime must not precede DataAnalysisEndTime by more than 24 hours.")
    else:
        for value, member in ((start, "DataAnalysisStartTime"), (end, "DataAnalysisEndTime")):
            if value is not None:
                parse_offset(str(value), member)
    return cadence


def _cron_hours(expression: str) -> tuple[int, ...]:
    match = _CRON.match(expression)
    if match is None:
        raise _bad_expression(expression)
    hours = match.group(1)
    if hours == "*":
        return tuple(range(24))
    first, _, step = hours.partition("/")
    start, every = int(first), int(step) if step else 0
    if not 0 <= start <= 23 or (step and not 1 <= every <= 24):
        raise _bad_expression(expression)
    return tuple(range(start, 24, every)) if every else (start,)


def _bad_expression(expression: str) -> ValidationError:
    return ValidationError(
        f"Invalid ScheduleExpression '{expression}'. Supported: cron(0 * ? * * *) (hourly), cron(0 H ? * * *) "
        "(daily at hour H, 0-23), cron(0 H/N ? * * *) (every N hours from hour H, N 1-24) and NOW."
    )


def parse_offset(value: str, member: str) -> timedelta:
    """An ISO 8601 duration offset such as ``-PT5H``."""
    match = _OFFSET.match(value)
    if match is None or not any(match.group(i) for i in range(2, 6)):
        raise ValidationError(f"Value '{value}' at '{member}' is not an ISO 8601 duration such as -PT1H.")
    days, hours, minutes, seconds = (int(match.group(i) or 0) for i in range(2, 6))
    delta = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    return -delta if match.group(1) else delta


def check_runtime(cadence: Cadence, monitoring_type: str, max_runtime: int | None) -> None:
    """MaxRuntimeInSeconds must not exceed the schedule's frequency (1800 s for hourly ModelBias/ModelQuality).

    Only a MaxRuntimeInSeconds the request gave is checked; AWS's default is not."""
    period = cadence.period_seconds
    if max_runtime is None or period is None:
        return
    limit = 1800 if period == 3600 and monitoring_type in HALF_HOUR_LIMITED else period
    if max_runtime > limit:
        raise ValidationError(
            f"MaxRuntimeInSeconds {max_runtime} exceeds the {limit} seconds a {monitoring_type} monitoring job can "
            "run on this schedule: it cannot exceed the frequency of the schedule."
        )


# --- the clock --------------------------------------------------------------------------------------


def endpoint_gone(backend: SageMakerModelBackend, endpoint_name: str | None, moment: datetime) -> bool:
    """Whether the endpoint an execution due at ``moment`` reads was gone then."""
    if endpoint_name is None:
        return False
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None or endpoint.endpoint_status == "Deleting":
        return True
    created = getattr(endpoint, "creation_time", None)
    return isinstance(created, datetime) and created > moment


def add_execution(backend: SageMakerModelBackend, schedule: Schedule, due: datetime) -> Execution:
    """The execution due at ``due``; it takes the armed end, unless its endpoint is gone (the armed end then waits
    for the next one)."""
    started = due + timedelta(seconds=EXECUTION_PENDING_SECONDS)
    if endpoint_gone(backend, schedule.endpoint_name, due):
        outcome, reason, ended = "Failed", ENDPOINT_GONE.format(endpoint=schedule.endpoint_name), started
    else:
        armed, schedule.armed = schedule.armed, None
        outcome = armed.status if armed else "Completed"
        reason = armed.failure_reason if armed else None
        ended = started + timedelta(seconds=schedule.run_seconds())
    execution = Execution(
        schedule_name=schedule.name,
        monitoring_type=schedule.monitoring_type,
        scheduled=due,
        started=started,
        ended=ended,
        outcome=outcome,
        failure_reason=reason,
        endpoint_name=schedule.endpoint_name,
        job_definition_name=schedule.job_definition_name,
    )
    schedule.executions.append(execution)
    return execution


def begin_running(backend: SageMakerModelBackend, schedule: Schedule, at: datetime) -> None:
    """The schedule is Scheduled from ``at``: a NOW schedule's run, or an execution asked to start now, starts."""
    schedule.status = "Scheduled"
    schedule.cursor = at
    start_now = schedule.armed is not None and schedule.armed.start_now
    if schedule.once_due or start_now:
        schedule.once_due = False
        add_execution(backend, schedule, at)


def advance(backend: SageMakerModelBackend, schedule: Schedule, now: datetime) -> None:
    """Bring ``schedule`` to ``now``: end its Pending period, make the executions that fell due."""
    if schedule.status == "Pending" and schedule.pending_until is not None and schedule.pending_until <= now:
        at = schedule.pending_until
        schedule.pending_until = None
        schedule.last_modified = at
        if schedule.after_pending == "Scheduled":
            begin_running(backend, schedule, at)
        else:
            schedule.status = schedule.after_pending
    if schedule.status == "Scheduled" and schedule.cursor is not None:
        for due in schedule.cadence.due_times(schedule.cursor, now, MAX_EXECUTIONS):
            if schedule.executions and schedule.executions[-1].ended > due:
                continue  # one execution at a time: a run still going skips this due time (unconfirmed on AWS)
            add_execution(backend, schedule, due)
        schedule.cursor = max(schedule.cursor, now)


def advance_all(backend: SageMakerModelBackend, now: datetime) -> None:
    for schedule in store_of(backend).schedules.values():
        advance(backend, schedule, now)
