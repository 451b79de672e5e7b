"""EventBridge delivery in the sandbox: events put on a bus reach every target of every matching rule, never a 500.

moto 5.2.1's PutEvents answers HTTP 500 as soon as a matching rule has a target it cannot deliver
to (a SageMaker pipeline, Lambda, SNS, Step Functions, ...), ignores a rule's ``State``, ignores a
target's ``Input`` and ``InputPath``, and stamps events with the wall clock. ``install()`` replaces
``EventsBackend.put_events`` and ``Rule.send_to_targets`` (moto's replays and archives go through the
latter) so that:

- an event put on a bus (by PutEvents, by SageMaker through ``emit``, by a rule whose target is a
  bus) is recorded (``events()``), time-stamped with the sandbox clock unless PutEvents gives a
  ``Time``, and matched with moto's pattern matcher against the bus's rules whose ``State`` is
  ``ENABLED`` (or ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``);
- each target of a matching rule gets the event, or what its ``Input`` (the JSON text as given),
  ``InputPath`` (JSONPath into the event) or ``InputTransformer`` make of it (``InputPathsMap``
  JSONPaths substituted into ``InputTemplate``: a ``<name>`` inside a JSON string takes the value's
  text, elsewhere its JSON; the predefined ``aws.events.rule-arn``, ``aws.events.rule-name``,
  ``aws.events.event``, ``aws.events.event.json`` and ``aws.events.event.ingestion-time`` too);
- by target kind: an SQS queue gets a message (a FIFO queue needs ``SqsParameters.MessageGroupId``),
  a CloudWatch Logs group a log event, an archive the event, an event bus the event (matched there in
  turn), an API destination an HTTP call only when moto's ``MOTO_EVENTS_INVOKE_HTTP`` is on, as in
  moto; a SageMaker pipeline (``Arn`` the pipeline's ARN) starts an execution through the sandbox's
  Pipelines (``use_pipeline_starter``: ``pipelines.start_execution``) with the target's
  ``SageMakerPipelineParameters``, each value either static or a JSONPath into the event
  (``$.detail.ModelPackageVersion``); the target needs a ``RoleArn``, as on AWS. Every other kind
  (Lambda, SNS, Step Functions, Kinesis, ...) is recorded, not delivered;
- every delivery is recorded (``deliveries()``): time, rule, bus, target id and ARN, kind, the input
  it got and the outcome (``delivered``, ``started <execution ARN>``, ``recorded (...)``,
  ``failed: <error>``). A failed delivery never fails PutEvents.

Deliveries are queued and run by ``flush()``, which ``app.SandboxApp`` calls around every request
once ``RUNTIME.lock`` is free: an event SageMaker emits while the lazy clock is being evaluated (in
the middle of a pipeline's transitions, under the lock) starts no execution from inside that
evaluation. ``flush`` takes the lock for each delivery (and releases it for an API destination's
HTTP call), handles at most ``FLUSH_LIMIT`` items a call (a rule that feeds itself goes on at the
next request; at most ``MAX_QUEUED`` wait), and keeps the latest ``MAX_KEPT`` deliveries and events.
``reset()`` forgets them.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from moto import settings
from moto.events import models as events_models
from moto.events.exceptions import ValidationException
from moto.events.models import EventBus, EventsBackend, Rule, events_backends
from moto.utilities.arns import parse_arn

from reconciler.sandbox.runtime import RUNTIME

logger = logging.getLogger(__name__)

ENABLED_STATES = frozenset({"ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"})
MAX_KEPT = 1000
FLUSH_LIMIT = 200
MAX_QUEUED = 10_000
"""Beyond this many queued items (a rule that feeds itself with fan-out), new ones are dropped with a warning."""
MAX_ENTRIES = 10
HTTP_TIMEOUT_S = 5.0
EPOCH = datetime(1970, 1, 1)
MISSING = object()
_installed: list[bool] = []


@dataclass
class BusEvent:
    """An event to put on a bus when the queue is flushed (SageMaker's events)."""

    account: str
    region: str
    bus: str
    message: dict[str, Any]


@dataclass
class Pending:
    """A matched (rule, target, event) waiting to be delivered."""

    rule: Rule
    target: dict[str, Any]
    event: dict[str, Any]
    ingestion: datetime
    transform: bool = True


_queue: deque[BusEvent | Pending] = deque()
_deliveries: deque[dict[str, Any]] = deque(maxlen=MAX_KEPT)
_events: deque[dict[str, Any]] = deque(maxlen=MAX_KEPT)
_flushing = threading.local()


# --- time -------------------------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    """An EventBridge event time: UTC, to the second, ``Z``."""
    return moment.replace(microsecond=0).isoformat() + "Z"


def _sandbox_unix_time() -> float:
    return (RUNTIME.now() - EPOCH).total_seconds()


def _event_time(value: Any, default: datetime) -> str:
    """PutEvents' ``Time`` (epoch seconds from botocore, or RFC 3339 text) as an event time."""
    if value is None or value == "":
        return iso(default)
    if isinstance(value, datetime):
        moment = value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
        return iso(moment)
    if isinstance(value, (int, float)):
        return iso(EPOCH + timedelta(seconds=float(value)))
    try:
        return iso(EPOCH + timedelta(seconds=float(value)))
    except ValueError:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return iso(parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed)


# --- putting events on buses ------------------------------------------------------------------------------


def put_events(self: EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """PutEvents: moto's checks and entry errors; each good entry is put on its bus (the sandbox's clock)."""
    if len(events) > MAX_ENTRIES:
        raise ValidationException(
            "1 validation error detected: Value '[PutEventsRequestEntry]' at 'entries' failed to satisfy "
            "constraint: Member must have length less than or equal to 10"
        )
    entries: list[dict[str, Any]] = []
    for event in events:
        error = _entry_error(event)
        if error is not None:
            entries.append(error)
            continue
        bus = self.describe_event_bus(self._normalize_event_bus_arn(event.get("EventBusName")))
        now = RUNTIME.now()
        message = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": event["DetailType"],
            "source": event["Source"],
            "account": self.account_id,
            "time": _event_time(event.get("Time"), now),
            "region": self.region_name,
            "resources": list(event.get("Resources") or []),
            "detail": json.loads(event["Detail"]),
        }
        entries.append({"EventId": message["id"]})
        put_on_bus(self, bus, message)
    return entries


def _entry_error(event: Mapping[str, Any]) -> dict[str, str] | None:
    for member, name in (("Source", "Source"), ("DetailType", "DetailType"), ("Detail", "Detail")):
        if not event.get(member):
            return {"ErrorCode": "InvalidArgument",
                    "ErrorMessage": f"Parameter {name} is not valid. Reason: {name} is a required argument."}
    try:
        json.loads(event["Detail"])
    except ValueError:
        return {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    return None


def put_on_bus(backend: EventsBackend, bus: EventBus, message: dict[str, Any]) -> list[str]:
    """Record ``message`` as put on ``bus`` and queue a delivery to every target of every matching rule;
    the names of the rules that matched. Call under ``RUNTIME.lock``."""
    now = RUNTIME.now()
    matched = [rule.name for rule in list(bus.rules.values()) if _queue_targets(rule, message, now, True)]
    _events.append({
        "time": message.get("time"),
        "received_at": iso(now),
        "event_id": message.get("id"),
        "source": message.get("source"),
        "detail_type": message.get("detail-type"),
        "account": backend.account_id,
        "region": backend.region_name,
        "bus": bus.name,
        "resources": list(message.get("resources") or []),
        "detail": copy.deepcopy(message.get("detail")),
        "matched_rules": matched,
    })
    return matched


def send_to_targets(self: Rule, original_event: dict[str, Any], transform_input: bool = True) -> None:
    """Replaces moto's ``Rule.send_to_targets`` (moto's replays call it): queue, never raise."""
    _queue_targets(self, dict(original_event), RUNTIME.now(), transform_input)


def _queue_targets(rule: Rule, message: dict[str, Any], now: datetime, transform: bool) -> bool:
    if rule.state not in ENABLED_STATES:
        return False
    event = {key: value for key, value in message.items() if key != "ingestion-time"}
    if isinstance(event.get("time"), (int, float)):
        event["time"] = _event_time(event["time"], now)
    try:
        matches = rule.event_pattern.matches_event(event)  # type: ignore[arg-type]
    except Exception:  # an exotic pattern moto cannot evaluate: no match, as a broken rule delivers nothing
        logger.warning("sandbox: rule %s: moto could not evaluate its pattern", rule.arn, exc_info=True)
        return False
    if not matches:
        return False
    for target in rule.targets:
        _enqueue(Pending(rule, copy.deepcopy(target), copy.deepcopy(event), now, transform))
    return True


def _enqueue(item: BusEvent | Pending) -> None:
    if len(_queue) >= MAX_QUEUED:
        logger.warning("sandbox: EventBridge delivery queue full (%d items); dropping %s", MAX_QUEUED, item)
        return
    _queue.append(item)


def emit(account: str, region: str, message: dict[str, Any], bus: str = "default") -> None:
    """Queue ``message`` (a whole event) to be put on ``bus`` of ``account`` and ``region`` at the next flush."""
    with RUNTIME.lock:
        _enqueue(BusEvent(account, region, bus, copy.deepcopy(message)))


# --- flushing ---------------------------------------------------------------------------------------------


def flush(limit: int = FLUSH_LIMIT) -> int:
    """Put the queued events on their buses and run the queued deliveries (at most ``limit``); how many ran.

    Call with ``RUNTIME.lock`` free (``app.SandboxApp`` does, around every request)."""
    if getattr(_flushing, "active", False):
        return 0
    _flushing.active = True
    try:
        done = 0
        while done < limit:
            later: Callable[[], None] | None = None
            with RUNTIME.lock:
                if not _queue:
                    return done
                item = _queue.popleft()
                if isinstance(item, BusEvent):
                    backend = events_backends[item.account][item.region]
                    bus = backend.event_buses.get(item.bus)
                    if bus is not None:
                        put_on_bus(backend, bus, item.message)
                else:
                    later = _deliver(item)
            if later is not None:
                later()
            done += 1
        return done
    finally:
        _flushing.active = False


def pending_count() -> int:
    with RUNTIME.lock:
        return len(_queue)


def deliveries() -> list[dict[str, Any]]:
    """Every delivery recorded (the latest ``MAX_KEPT``), oldest first."""
    with RUNTIME.lock:
        return copy.deepcopy(list(_deliveries))


def events() -> list[dict[str, Any]]:
    """Every event put on a bus (the latest ``MAX_KEPT``), oldest first, with the rules it matched."""
    with RUNTIME.lock:
        return copy.deepcopy(list(_events))


def reset() -> None:
    with RUNTIME.lock:
        _queue.clear()
        _deliveries.clear()
        _events.clear()


# --- delivering -------------------------------------------------------------------------------------------


class DeliveryError(Exception):
    """A delivery that cannot be made; the message says why."""


def _deliver(pending: Pending) -> Callable[[], None] | None:
    """Deliver one (rule, target, event) and record it; a callable to run with the lock free, if any."""
    target, rule = pending.target, pending.rule
    arn = str(target.get("Arn") or "")
    record: dict[str, Any] = {
        "time": iso(RUNTIME.now()),
        "event_id": pending.event.get("id"),
        "source": pending.event.get("source"),
        "detail_type": pending.event.get("detail-type"),
        "bus": rule.event_bus_name,
        "rule": rule.name,
        "rule_arn": rule.arn,
        "target_id": target.get("Id"),
        "target_arn": arn,
        "kind": _kind(arn),
        "input": None,
        "outcome": None,
        "error": None,
    }
    try:
        value, text = target_input(target, pending.event, rule, pending.ingestion, pending.transform)
        record["input"] = value
        deliver = DELIVERERS.get(record["kind"], _record_only)
        outcome = deliver(pending, arn, value, text)
    except DeliveryError as error:
        _fail(record, str(error))
        return None
    except Exception as error:  # whatever the target's service raised: the delivery failed, PutEvents did not
        code = getattr(error, "error_type", None) or getattr(error, "code", None) or type(error).__name__
        message = getattr(error, "message", None) or str(error)
        _fail(record, f"{code}: {message}")
        return None
    if callable(outcome):
        call = outcome

        def run_later() -> None:
            try:
                record["outcome"] = call()
            except Exception as error:
                _fail(record, f"{type(error).__name__}: {error}")
            with RUNTIME.lock:
                _deliveries.append(record)

        return run_later
    record["outcome"] = outcome
    _deliveries.append(record)
    return None


def _fail(record: dict[str, Any], message: str) -> None:
    record["outcome"] = f"failed: {message}"
    record["error"] = message
    with RUNTIME.lock:
        _deliveries.append(record)


def _kind(arn: str) -> str:
    try:
        parsed = parse_arn(arn)
    except ValueError:
        return "unknown"
    if parsed.service == "events":
        if parsed.resource_type == "event-bus":
            return "event-bus"
        if parsed.resource_type == "api-destination":
            return "api-destination"
        if not parsed.resource_type:
            return "archive"
    if parsed.service == "sagemaker" and parsed.resource_type == "pipeline":
        return "sagemaker-pipeline"
    return str(parsed.service)


def target_input(
    target: Mapping[str, Any], event: dict[str, Any], rule: Rule, ingestion: datetime, transform: bool = True
) -> tuple[Any, str]:
    """What the target gets: ``(value, text)`` (the value parsed from the text when it is JSON)."""
    if not transform:
        return event, json.dumps(event)
    if target.get("Input") is not None:
        text = str(target["Input"])
        return _parsed(text), text
    if target.get("InputPath"):
        found = _jsonpath(str(target["InputPath"]), event)
        value = None if found is MISSING else found
        return value, json.dumps(value)
    transformer = target.get("InputTransformer")
    if transformer:
        text = transform_template(
            str(transformer.get("InputTemplate") or ""), dict(transformer.get("InputPathsMap") or {}), event, rule,
            ingestion,
        )
        return _parsed(text), text
    return event, json.dumps(event)


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _jsonpath(path: str, event: Any) -> Any:
    from jsonpath_ng.ext import parse

    try:
        found = parse(path).find(event)
    except Exception as error:  # jsonpath_ng raises its own parse errors
        raise DeliveryError(f"invalid JSONPath {path!r}: {error}") from None
    return found[0].value if found else MISSING


def transform_template(
    template: str, paths: Mapping[str, str], event: dict[str, Any], rule: Rule, ingestion: datetime
) -> str:
    """InputTransformer's output text: each ``<name>`` replaced by its value, as text inside a JSON string and as
    JSON elsewhere (a missing value is empty inside a string, ``null`` elsewhere)."""
    values: dict[str, Any] = {name: _jsonpath(str(path), event) for name, path in paths.items()}
    values.setdefault("aws.events.rule-arn", rule.arn)
    values.setdefault("aws.events.rule-name", rule.name)
    values.setdefault("aws.events.event.ingestion-time", iso(ingestion))
    values.setdefault("aws.events.event", event)
    values.setdefault("aws.events.event.json", event)
    out: list[str] = []
    in_string = escaped = False
    index = 0
    while index < len(template):
        char = template[index]
        if char == "<":
            end = template.find(">", index + 1)
            name = template[index + 1 : end] if end > index else ""
            if name in values:
                value = values[name]
                if in_string:
                    if value is MISSING:
                        out.append("")
                    else:
                        out.append(json.dumps(value if isinstance(value, str) else json.dumps(value))[1:-1])
                else:
                    out.append("null" if value is MISSING else json.dumps(value))
                index = end + 1
                continue
        out.append(char)
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        index += 1
    return "".join(out)


Outcome = str | Callable[[], str]
Deliverer = Callable[[Pending, str, Any, str], Outcome]


def _deliver_sqs(pending: Pending, arn: str, value: Any, text: str) -> Outcome:
    from moto.sqs.models import sqs_backends

    del value
    parsed = parse_arn(arn)
    group = (pending.target.get("SqsParameters") or {}).get("MessageGroupId")
    sqs_backends[parsed.account][parsed.region].send_message(
        queue_name=parsed.resource_id, message_body=text, group_id=group
    )
    return "delivered"


def _deliver_logs(pending: Pending, arn: str, value: Any, text: str) -> Outcome:
    from moto.logs.models import logs_backends

    del value
    parsed = parse_arn(arn)
    group = parsed.resource_id.removesuffix(":*")
    backend = logs_backends[parsed.account][parsed.region]
    stream = str(uuid.uuid4())
    backend.create_log_stream(group, stream)
    stamp = int((pending.ingestion - EPOCH).total_seconds() * 1000)
    backend.put_log_events(group, stream, [{"timestamp": stamp, "message": text}])
    return f"delivered to log stream {stream}"


def _deliver_archive(pending: Pending, arn: str, value: Any, text: str) -> Outcome:
    del arn, text
    archive = value.get("archive-arn") if isinstance(value, dict) else None
    if not archive:
        raise DeliveryError("an archive target whose input names no archive-arn")
    pending.rule._send_to_events_archive(parse_arn(str(archive)).resource_id, pending.event)  # type: ignore[arg-type]
    return "archived"


def _deliver_bus(pending: Pending, arn: str, value: Any, text: str) -> Outcome:
    del value, text
    parsed = parse_arn(arn)
    backend = events_backends[parsed.account][parsed.region]
    bus = backend.describe_event_bus(parsed.resource_id)
    matched = put_on_bus(backend, bus, pending.event)
    return f"sent to {bus.arn} (matched {len(matched)} rule(s))"


def _deliver_api_destination(pending: Pending, arn: str, value: Any, text: str) -> Outcome:
    del value
    if not settings.events_invoke_http():
        return "recorded (not delivered: API destinations are called only with MOTO_EVENTS_INVOKE_HTTP=true)"
    parsed = parse_arn(arn)
    destination = events_backends[parsed.account][parsed.region].destinations[parsed.resource_id.split("/")[0]]
    parameters = pending.target.get("HttpParameters") or {}
    query = "&".join(f"{k}={v}" for k, v in (parameters.get("QueryStringParameters") or {}).items())
    url = destination.invocation_endpoint + (f"?{query}" if query else "")
    method, headers = destination.http_method, dict(parameters.get("HeaderParameters") or {})

    def call() -> str:
        import requests

        answer = requests.request(method=method, url=url, headers=headers, data=text, timeout=HTTP_TIMEOUT_S)
        return f"delivered (HTTP {answer.status_code})"

    return call


PipelineStarter = Callable[[str, str, dict[str, Any]], str]
"""Starts a pipeline execution: (account, region, StartPipelineExecution request) -> the execution's ARN."""
_pipeline_starter: list[PipelineStarter] = []


def use_pipeline_starter(starter: PipelineStarter) -> None:
    """How a SageMaker pipeline target starts an execution (the sandbox's Pipelines; set by ``sagemaker_patches``)."""
    _pipeline_starter[:] = [starter]


def _deliver_pipeline(pending: Pending, arn: str, value: Any, text: str) -> Outcome:
    del value, text
    if not _pipeline_starter:
        raise DeliveryError("the sandbox's SageMaker Pipelines are not installed")
    if not pending.target.get("RoleArn"):
        raise DeliveryError(
            "a SageMaker pipeline target needs a RoleArn (a role EventBridge assumes, allowed "
            "sagemaker:StartPipelineExecution)"
        )
    parsed = parse_arn(arn)
    parameters = []
    listed = (pending.target.get("SageMakerPipelineParameters") or {}).get("PipelineParameterList") or []
    for parameter in listed:
        name, given = str(parameter.get("Name")), str(parameter.get("Value", ""))
        parameters.append({"Name": name, "Value": _parameter_value(name, given, pending.event)})
    request: dict[str, Any] = {"PipelineName": parsed.resource_id.split("/", 1)[0]}
    if parameters:
        request["PipelineParameters"] = parameters
    return f"started {_pipeline_starter[0](parsed.account, parsed.region, request)}"


def _parameter_value(name: str, given: str, event: dict[str, Any]) -> str:
    """A pipeline parameter's value: static, or (starting with ``$``) the JSONPath's value in the event."""
    if not given.startswith("$"):
        return given
    found = _jsonpath(given, event)
    if found is MISSING:
        raise DeliveryError(f"pipeline parameter {name}: JSONPath {given} matches nothing in the event")
    if isinstance(found, str):
        return found
    if isinstance(found, bool):
        return "true" if found else "false"
    if isinstance(found, (int, float)):
        return str(found)
    return json.dumps(found)


def _record_only(pending: Pending, arn: str, value: Any, text: str) -> Outcome:
    del pending, value, text
    return f"recorded (not delivered: the sandbox does not run {_kind(arn)} targets)"


DELIVERERS: dict[str, Deliverer] = {
    "sqs": _deliver_sqs,
    "logs": _deliver_logs,
    "archive": _deliver_archive,
    "event-bus": _deliver_bus,
    "api-destination": _deliver_api_destination,
    "sagemaker-pipeline": _deliver_pipeline,
}


def install() -> None:
    """Patch moto's EventBridge (idempotent)."""
    if _installed:
        return
    EventsBackend.put_events = put_events  # type: ignore[method-assign]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
    events_models.unix_time = _sandbox_unix_time  # type: ignore[attr-defined]
    _installed.append(True)
