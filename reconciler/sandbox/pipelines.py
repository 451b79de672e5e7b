"""Amazon SageMaker Pipelines in the sandbox: the API and the control actions (moto runs no pipeline).

Create/Describe/Update/DeletePipeline, StartPipelineExecution, Describe/List/StopPipelineExecution,
ListPipelineExecutionSteps, DescribePipelineDefinitionForExecution and
ListPipelineParametersForExecution, with the records, checks and clock of ``pipeline_model``.
Every function takes ``RUNTIME.lock``, applies the due endpoint transitions (``RUNTIME.tick``) and
brings every execution to the current sandbox time (``now_of``: steps start, end and register
model package versions in ``registry_model``). moto's ``FakePipeline`` is kept in step (name,
role, description, display name, parallelism, tags, creation, modification and last-run times),
so ListPipelines, the tag operations and the tagging API's GetResources see the pipeline.

Errors use the codes botocore's model gives each operation: ResourceNotFound for a missing
pipeline or execution, ConflictException for DeletePipeline while an execution runs and for
stopping an execution that has ended, ValidationException for the rest (a bad definition, a
parameter the definition does not declare, a duplicate name). Wording is AWS-like but
unconfirmed, except "Unable to parse pipeline definition." and the duplicate-name message.

Choices where AWS's behaviour is unconfirmed:

- PipelineExecutionDisplayName defaults to ``execution-<start time in epoch ms>``.
- A parameter value that is not of its declared type (Integer, Float, Boolean) is a
  ValidationException; a declared parameter without a DefaultValue may be left out.
- StopPipelineExecution of an execution already Stopping succeeds again (so does a retry with the
  same ClientRequestToken after it stopped); of one that has ended, ConflictException.
- Retries with the same ClientRequestToken (CreatePipeline, StartPipelineExecution,
  DeletePipeline) answer as the first call did.
- List calls page by an offset token, 10 a page unless MaxResults says otherwise; steps are
  listed newest first (by StartTime) unless SortOrder is Ascending.

Every execution status change emits SageMaker's ``SageMaker Model Building Pipeline Execution Status
Change`` event, and every version a RegisterModel step makes a ``SageMaker Model Package State Change``
(``sagemaker_events``), when the lazy clock evaluation reaches it; the events of one evaluation are
emitted in the order of their times.

``pipeline_api`` holds the moto response handlers.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar

from moto.s3.models import s3_backends
from moto.sagemaker.exceptions import ConflictException, ResourceNotFound, ValidationError
from moto.sagemaker.models import FakePipeline, SageMakerModelBackend

from reconciler.sandbox import pipeline_model as pm
from reconciler.sandbox import registry_model as rm
from reconciler.sandbox import sagemaker_events
from reconciler.sandbox.experiment_model import timestamp
from reconciler.sandbox.runtime import RUNTIME

DEFAULT_PAGE = 10
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$")
DISPLAY_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}$")
T = TypeVar("T")


# --- the clock ------------------------------------------------------------------------------------


Announcement = tuple[datetime, Callable[[], None]]


def now_of(backend: SageMakerModelBackend) -> datetime:
    """Apply what is due (endpoints, then pipeline executions) and return the sandbox time; call under the lock.

    The time is cut to milliseconds, the precision the API's timestamps have. The status changes and the
    registered versions this brings are announced (``sagemaker_events``) once every execution is at ``now``."""
    RUNTIME.tick()
    now = RUNTIME.now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    store = pm.store_of(backend)
    if not store.active:
        return now
    before = [(execution, execution.status) for execution in store.active.values()]
    announcements: list[Announcement] = []
    pm.advance_all(backend, now, _registrar(backend, announcements))
    for execution, status in before:
        if execution.status != status:
            announcements.append((execution.ended or now, _execution_announcement(backend, execution, status, now)))
    for _, announce in sorted(announcements, key=lambda item: item[0]):
        announce()
    return now


def _execution_announcement(
    backend: SageMakerModelBackend, execution: pm.Execution, previous: str | None, now: datetime
) -> Callable[[], None]:
    at = execution.ended or now
    return lambda: sagemaker_events.pipeline_execution_changed(
        backend.account_id, backend.region_name, execution, previous, at
    )


def _registrar(backend: SageMakerModelBackend, announcements: list[Announcement]) -> pm.Registrar:
    def register(arguments: dict[str, Any], at: datetime) -> str:
        try:
            package = rm.register_from_step(backend, arguments, at)
        except ValidationError as error:
            raise pm.StepFailure(error.message) from None
        announcements.append((at, lambda: sagemaker_events.model_package_changed(
            backend.account_id, backend.region_name, package, at)))
        return package.arn

    return register


# --- lookups --------------------------------------------------------------------------------------


def _arn(backend: SageMakerModelBackend, name: str) -> str:
    return f"arn:{backend.partition}:sagemaker:{backend.region_name}:{backend.account_id}:pipeline/{name}"


def _name_of(value: str) -> str:
    """A PipelineName member (a name or a pipeline ARN) as a name."""
    if value.startswith("arn:") and ":pipeline/" in value:
        return value.split(":pipeline/", 1)[1].split("/", 1)[0]
    return value


def _pipeline(backend: SageMakerModelBackend, name: str) -> tuple[pm.Pipeline, FakePipeline]:
    name = _name_of(name)
    record = pm.store_of(backend).pipelines.get(name)
    fake = backend.pipelines.get(name)
    if record is None or fake is None:
        raise ResourceNotFound(f"Pipeline '{_arn(backend, name)}' does not exist.")
    return record, fake


def _execution(backend: SageMakerModelBackend, arn: str) -> tuple[pm.Pipeline, pm.Execution]:
    name = _name_of(arn) if ":pipeline/" in arn else ""
    record = pm.store_of(backend).pipelines.get(name)
    execution = record.executions.get(arn) if record is not None else None
    if record is None or execution is None:
        raise ResourceNotFound(f"Pipeline execution '{arn}' does not exist.")
    return record, execution


# --- request checks -------------------------------------------------------------------------------


def _check_name(value: Any) -> str:
    name = str(value or "")
    if not NAME_PATTERN.match(name):
        raise ValidationError(
            f"1 validation error detected: Value '{name}' at 'pipelineName' failed to satisfy constraint: Member "
            "must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}"
        )
    return name


def _check_parallelism(config: Any) -> dict[str, Any] | None:
    if config is None:
        return None
    steps = config.get("MaxParallelExecutionSteps") if isinstance(config, dict) else None
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValidationError(
            f"1 validation error detected: Value '{steps}' at 'parallelismConfiguration.maxParallelExecutionSteps' "
            "failed to satisfy constraint: Member must have value greater than or equal to 1"
        )
    return {"MaxParallelExecutionSteps": steps}


def _definition_text(backend: SageMakerModelBackend, request: Mapping[str, Any], operation: str) -> str | None:
    """The definition the request gives (inline, or the S3 object's text); None when it gives none."""
    inline, location = request.get("PipelineDefinition"), request.get("PipelineDefinitionS3Location")
    if inline is not None and location is not None:
        raise ValidationError(
            f"Both PipelineDefinition and PipelineDefinitionS3Location are present in the {operation} request; "
            "give only one."
        )
    if location is None:
        return None if inline is None else str(inline)
    bucket, key = location.get("Bucket"), location.get("ObjectKey")
    s3 = s3_backends[backend.account_id][backend.partition]
    try:
        found = s3.get_object(bucket, key, version_id=location.get("VersionId"))
    except Exception:  # moto raises its own S3 errors (NoSuchBucket, NoSuchKey, ...)
        found = None
    if found is None:
        raise ValidationError(f"Unable to download the pipeline definition from s3://{bucket}/{key}.")
    text = found.value.decode("utf-8", errors="replace")
    return text


def _epoch_ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=timezone.utc).timestamp() * 1000)


def _parse(text: str) -> pm.Definition:
    try:
        return pm.parse_definition(text)
    except pm.DefinitionError as error:
        raise ValidationError(str(error)) from None


# --- pipelines ------------------------------------------------------------------------------------


def create_pipeline(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> str:
    """CreatePipeline: a checked definition, version 1; a retry with the same ClientRequestToken answers again."""
    with RUNTIME.lock:
        now = now_of(backend)
        name = _check_name(request.get("PipelineName"))
        token = request.get("ClientRequestToken")
        store = pm.store_of(backend)
        existing = store.pipelines.get(name)
        if existing is not None and name in backend.pipelines:
            if token and existing.create_token == token:
                return existing.arn
            raise ValidationError(
                "Pipeline names must be unique within an AWS account and region. Pipeline with name "
                f"({name}) already exists."
            )
        text = _definition_text(backend, request, "CreatePipeline")
        if text is None:
            raise ValidationError("Either PipelineDefinition or PipelineDefinitionS3Location must be given.")
        definition = _parse(text)
        parallelism = _check_parallelism(request.get("ParallelismConfiguration"))
        fake = FakePipeline(
            pipeline_name=name,
            pipeline_display_name=request.get("PipelineDisplayName") or name,
            pipeline_definition=text,
            pipeline_description=request.get("PipelineDescription"),
            role_arn=request.get("RoleArn"),
            tags=[{"Key": t["Key"], "Value": t.get("Value", "")} for t in request.get("Tags") or []],
            account_id=backend.account_id,
            region_name=backend.region_name,
            parallelism_configuration=parallelism,  # type: ignore[arg-type]
        )
        fake.creation_time = fake.last_modified_time = now
        record = pm.Pipeline(name=name, arn=fake.arn, create_token=token)
        record.add_version(definition, now)
        store.pipelines[name] = record
        backend.pipelines[name] = fake
        return record.arn


def update_pipeline(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> tuple[str, int]:
    """UpdatePipeline: what the request gives replaces what was; always a new version (its id is returned)."""
    with RUNTIME.lock:
        now = now_of(backend)
        record, fake = _pipeline(backend, str(request.get("PipelineName")))
        text = _definition_text(backend, request, "UpdatePipeline")
        definition = _parse(text) if text is not None else record.version().definition  # type: ignore[union-attr]
        parallelism = _check_parallelism(request.get("ParallelismConfiguration"))
        if request.get("PipelineDisplayName"):
            fake.pipeline_display_name = request["PipelineDisplayName"]
        if request.get("PipelineDescription") is not None:
            fake.pipeline_description = request["PipelineDescription"]
        if request.get("RoleArn"):
            fake.role_arn = request["RoleArn"]
        if parallelism is not None:
            fake.parallelism_configuration = parallelism
        fake.pipeline_definition = definition.text
        fake.last_modified_time = now
        version = record.add_version(definition, now)
        return record.arn, version.number


def describe_pipeline(backend: SageMakerModelBackend, name: str, version_id: int | None = None) -> dict[str, Any]:
    """DescribePipeline: the latest version's definition exactly as given (or version ``version_id``'s)."""
    with RUNTIME.lock:
        now_of(backend)
        record, fake = _pipeline(backend, name)
        version = record.version(int(version_id) if version_id is not None else None)
        if version is None:
            raise ResourceNotFound(f"Pipeline version {version_id} of pipeline '{record.arn}' does not exist.")
        response: dict[str, Any] = {
            "PipelineArn": record.arn,
            "PipelineName": record.name,
            "PipelineDisplayName": fake.pipeline_display_name,
            "PipelineDefinition": version.definition.text,
            "PipelineDescription": fake.pipeline_description,
            "RoleArn": fake.role_arn,
            "PipelineStatus": "Active",
            "CreationTime": fake.creation_time,
            "LastModifiedTime": fake.last_modified_time,
            "LastRunTime": fake.last_execution_time,
            "CreatedBy": copy.deepcopy(fake.created_by),
            "LastModifiedBy": copy.deepcopy(fake.last_modified_by),
            "ParallelismConfiguration": copy.deepcopy(fake.parallelism_configuration),
        }
        return {key: value for key, value in response.items() if value is not None}


def delete_pipeline(backend: SageMakerModelBackend, name: str, token: str | None) -> str:
    """DeletePipeline: refused while an execution runs (stop them first); its executions go with it."""
    with RUNTIME.lock:
        now_of(backend)
        store = pm.store_of(backend)
        name = _name_of(name)
        if token and store.deleted_tokens.get(token) == _arn(backend, name) and name not in store.pipelines:
            return store.deleted_tokens[token]
        record, _ = _pipeline(backend, name)
        running = record.running()
        if running:
            raise ConflictException(
                f"Pipeline '{record.arn}' has {len(running)} running execution(s) ({running[0].arn}); stop them with "
                "StopPipelineExecution before deleting it."
            )
        del store.pipelines[record.name]
        backend.pipelines.pop(record.name, None)
        if token:
            store.deleted_tokens[token] = record.arn
        return record.arn


# --- executions -----------------------------------------------------------------------------------


def _parameters(definition: pm.Definition, given: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The execution's parameter values: the request's (checked against the definition), else the defaults."""
    values: dict[str, Any] = {}
    for name, declared in definition.parameters.items():
        if declared.get("DefaultValue") is not None:
            values[name] = declared["DefaultValue"]
    seen: set[str] = set()
    for parameter in given:
        name, value = str(parameter.get("Name")), str(parameter.get("Value", ""))
        declared = definition.parameters.get(name)
        if declared is None:
            known = ", ".join(definition.parameters) or "none"
            raise ValidationError(
                f"Pipeline parameter '{name}' is not defined in the pipeline definition (defined: {known})."
            )
        if name in seen:
            raise ValidationError(f"Pipeline parameter '{name}' is given more than once.")
        seen.add(name)
        try:
            values[name] = pm.typed_parameter(name, declared, value)
        except ValueError as error:
            raise ValidationError(str(error)) from None
    return values


def _selected(
    record: pm.Pipeline, definition: pm.Definition, config: Mapping[str, Any] | None
) -> set[str]:
    """The steps a selective execution does not run (empty for a full one)."""
    if not config:
        return set()
    source = str(config.get("SourcePipelineExecutionArn") or "")
    if source and source not in record.executions:
        raise ValidationError(f"Source pipeline execution '{source}' is not an execution of '{record.arn}'.")
    names = [str(s.get("StepName")) for s in config.get("SelectedSteps") or []]
    unknown = [n for n in names if n not in definition.steps]
    if not names or unknown:
        raise ValidationError(f"SelectedSteps must name steps of the pipeline; unknown: {', '.join(unknown) or '-'}.")
    return set(definition.steps) - set(names)


def start_execution(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> str:
    """StartPipelineExecution: the latest version (or PipelineVersionId's) starts now; parameters checked."""
    with RUNTIME.lock:
        now = now_of(backend)
        record, fake = _pipeline(backend, str(request.get("PipelineName")))
        token = request.get("ClientRequestToken")
        if token:
            for execution in record.executions.values():
                if execution.token == token:
                    return execution.arn
        version_id = request.get("PipelineVersionId")
        version = record.version(int(version_id) if version_id is not None else None)
        if version is None:
            raise ResourceNotFound(f"Pipeline version {version_id} of pipeline '{record.arn}' does not exist.")
        display = request.get("PipelineExecutionDisplayName")
        if display is not None and not DISPLAY_NAME_PATTERN.match(str(display)):
            raise ValidationError(
                f"1 validation error detected: Value '{display}' at 'pipelineExecutionDisplayName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}"
            )
        parameters = _parameters(version.definition, request.get("PipelineParameters") or [])
        config = _check_parallelism(request.get("ParallelismConfiguration"))
        effective = config or fake.parallelism_configuration or {}
        reused = _selected(record, version.definition, request.get("SelectiveExecutionConfig"))
        execution_id = pm.new_execution_id()
        execution = pm.Execution(
            pipeline_name=record.name,
            pipeline_arn=record.arn,
            execution_id=execution_id,
            arn=f"{record.arn}/execution/{execution_id}",
            version=version.number,
            definition=version.definition,
            parameters=parameters,
            created=now,
            display_name=str(display) if display else f"execution-{_epoch_ms(now)}",
            description=request.get("PipelineExecutionDescription"),
            parallelism=int(effective.get("MaxParallelExecutionSteps") or pm.DEFAULT_PARALLELISM),
            parallelism_config=config,
            selective=copy.deepcopy(request.get("SelectiveExecutionConfig")),
            armed=record.armed or pm.Armed(),
            token=token,
        )
        execution.reused = reused
        record.armed = None
        record.add_execution(execution)
        pm.store_of(backend).active[execution.arn] = execution
        fake.last_execution_time = now
        version.last_execution_arn = execution.arn
        sagemaker_events.pipeline_execution_changed(backend.account_id, backend.region_name, execution, None, now)
        return execution.arn


def describe_execution(backend: SageMakerModelBackend, arn: str) -> dict[str, Any]:
    """DescribePipelineExecution, status and FailureReason from the clock."""
    with RUNTIME.lock:
        now = now_of(backend)
        record, execution = _execution(backend, arn)
        response: dict[str, Any] = {
            "PipelineArn": record.arn,
            "PipelineExecutionArn": execution.arn,
            "PipelineExecutionDisplayName": execution.display_name,
            "PipelineExecutionStatus": execution.status,
            "PipelineExecutionDescription": execution.description,
            "FailureReason": execution.failure_reason if execution.status == "Failed" else None,
            "CreationTime": execution.created,
            "LastModifiedTime": execution.last_modified(now),
            "ParallelismConfiguration": copy.deepcopy(execution.parallelism_config),
            "SelectiveExecutionConfig": copy.deepcopy(execution.selective),
            "PipelineVersionId": execution.version,
        }
        return {key: value for key, value in response.items() if value is not None}


def list_executions(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> dict[str, Any]:
    """ListPipelineExecutions: CreatedAfter/Before; SortBy CreationTime (default) or PipelineExecutionArn,
    SortOrder Descending by default; paged."""
    with RUNTIME.lock:
        now_of(backend)
        record, _ = _pipeline(backend, str(request.get("PipelineName")))
        found = [e for e in record.executions.values() if times_match(request, {"Created": e.created})]
        keys: dict[str, Callable[[pm.Execution], Any]] = {
            "CreationTime": lambda e: e.created,
            "PipelineExecutionArn": lambda e: e.arn,
        }
        ordered = sorted_by(found, keys, request, "CreationTime", "Descending", lambda e: e.created)
        page, token = page_of(ordered, request)
        response: dict[str, Any] = {"PipelineExecutionSummaries": [e.summary() for e in page]}
        if token:
            response["NextToken"] = token
        return response


def list_steps(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> dict[str, Any]:
    """ListPipelineExecutionSteps: the steps that started, newest first unless SortOrder is Ascending; paged."""
    with RUNTIME.lock:
        now = now_of(backend)
        _, execution = _execution(backend, str(request.get("PipelineExecutionArn") or ""))
        order = str(request.get("SortOrder") or "Descending")
        _check_order(order)
        runs = list(execution.runs.values())
        position = {name: index for index, name in enumerate(execution.definition.steps)}
        runs.sort(key=lambda r: (r.started, position.get(r.spec.name, 0)), reverse=order == "Descending")
        page, token = page_of(runs, request)
        response: dict[str, Any] = {"PipelineExecutionSteps": [run.summary(now) for run in page]}
        if token:
            response["NextToken"] = token
        return response


def stop_execution(backend: SageMakerModelBackend, arn: str, token: str | None) -> str:
    """StopPipelineExecution: Executing -> Stopping -> Stopped (ConflictException once it has ended)."""
    with RUNTIME.lock:
        now = now_of(backend)
        _, execution = _execution(backend, arn)
        if execution.status == "Executing":
            pm.request_stop(execution, now)
            execution.stop_token = token
            sagemaker_events.pipeline_execution_changed(
                backend.account_id, backend.region_name, execution, "Executing", now
            )
        elif execution.status != "Stopping" and not (token and token == execution.stop_token):
            raise ConflictException(
                f"Pipeline execution '{arn}' is {execution.status}; only an Executing execution can be stopped."
            )
        return execution.arn


def definition_for_execution(backend: SageMakerModelBackend, arn: str) -> dict[str, Any]:
    """DescribePipelineDefinitionForExecution: the definition the execution runs, exactly as given."""
    with RUNTIME.lock:
        now_of(backend)
        _, execution = _execution(backend, arn)
        return {"PipelineDefinition": execution.definition.text, "CreationTime": execution.created}


def parameters_for_execution(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> dict[str, Any]:
    """ListPipelineParametersForExecution: every parameter's value in the execution, as strings; paged."""
    with RUNTIME.lock:
        now_of(backend)
        _, execution = _execution(backend, str(request.get("PipelineExecutionArn") or ""))
        values = [{"Name": k, "Value": pm.text_of(v)} for k, v in execution.parameters.items()]
        page, token = page_of(values, request)
        response: dict[str, Any] = {"PipelineParameters": page}
        if token:
            response["NextToken"] = token
        return response


# --- the outside world ----------------------------------------------------------------------------


def _control_pipeline(backend: SageMakerModelBackend, name: str) -> pm.Pipeline:
    record = pm.store_of(backend).pipelines.get(name)
    if record is None or name not in backend.pipelines:
        raise ValueError(f'pipeline "{name}" not found')
    return record


def _control_step(record: pm.Pipeline, step: str, kind: str | None = None) -> pm.StepSpec:
    version = record.version()
    assert version is not None
    steps = version.definition.steps
    spec = steps.get(step)
    candidates = [s.name for s in steps.values() if kind is None or s.type == kind]
    if spec is None or (kind is not None and spec.type != kind):
        what = f"{kind} step" if kind else "step"
        raise ValueError(
            f'pipeline "{record.name}" has no {what} "{step}" in its latest version '
            f"(its {what}s: {', '.join(candidates) or 'none'})"
        )
    return spec


def arm_failure(backend: SageMakerModelBackend, name: str, step: str, reason: str) -> dict[str, Any]:
    """Control action: the next execution of pipeline ``name`` fails at ``step`` with FailureReason ``reason``.

    ValueError (the route answers 400) for an unknown pipeline or a step its latest version lacks."""
    with RUNTIME.lock:
        now_of(backend)
        record = _control_pipeline(backend, name)
        _control_step(record, step)
        armed = record.armed or pm.Armed()
        armed.fail_step, armed.fail_reason = step, reason
        record.armed = armed
        return {"pipeline": name, "step": step, "reason": reason}


def choose_condition(backend: SageMakerModelBackend, name: str, step: str, outcome: bool) -> dict[str, Any]:
    """Control action: Condition step ``step`` of the next execution of pipeline ``name`` evaluates to
    ``outcome`` (True: its IfSteps run; False: its ElseSteps). ValueError for an unknown pipeline or step."""
    with RUNTIME.lock:
        now_of(backend)
        record = _control_pipeline(backend, name)
        _control_step(record, step, "Condition")
        armed = record.armed or pm.Armed()
        armed.outcomes[step] = outcome
        record.armed = armed
        return {"pipeline": name, "step": step, "outcome": outcome}


# --- filters, sorting and pages (shared with ``registry``) -------------------------------------------


def times_match(request: Mapping[str, Any], values: Mapping[str, datetime]) -> bool:
    """``<member>After`` / ``<member>Before`` filters of ``request`` (strictly after / before)."""
    for member, value in values.items():
        after, before = request.get(f"{member}After"), request.get(f"{member}Before")
        if after is not None and not value > timestamp(after):
            return False
        if before is not None and not value < timestamp(before):
            return False
    return True


def _check_order(order: str) -> None:
    if order not in ("Ascending", "Descending"):
        raise ValidationError(
            f"1 validation error detected: Value '{order}' at 'sortOrder' failed to satisfy constraint: Member must "
            "satisfy enum value set: [Ascending, Descending]"
        )


def sorted_by(
    items: Iterable[T],
    keys: Mapping[str, Callable[[T], Any]],
    request: Mapping[str, Any],
    default_key: str,
    default_order: str,
    tie: Callable[[T], Any],
) -> list[T]:
    """``items`` sorted by the request's SortBy (one of ``keys``) and SortOrder, ties broken by ``tie``."""
    sort_by = str(request.get("SortBy") or default_key)
    if sort_by not in keys:
        raise ValidationError(
            f"1 validation error detected: Value '{sort_by}' at 'sortBy' failed to satisfy constraint: Member must "
            f"satisfy enum value set: [{', '.join(keys)}]"
        )
    order = str(request.get("SortOrder") or default_order)
    _check_order(order)
    key = keys[sort_by]
    return sorted(items, key=lambda item: (key(item), tie(item)), reverse=order == "Descending")


def page_of(items: list[T], request: Mapping[str, Any]) -> tuple[list[T], str | None]:
    """One page of ``items`` after the request's NextToken (an offset), MaxResults long (1-100, default 10)."""
    token = request.get("NextToken")
    try:
        offset = int(token) if token else 0
    except ValueError:
        raise ValidationError(f"Invalid pagination token '{token}'.") from None
    size = int(request.get("MaxResults") or DEFAULT_PAGE)
    if not 1 <= size <= 100:
        raise ValidationError(
            f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint: Member must "
            "have value between 1 and 100"
        )
    end = offset + size
    return items[offset:end], (str(end) if end < len(items) else None)
