"""The sandbox's WSGI application: moto's server behind a small control API.

``SandboxApp`` wraps moto's ``DomainDispatcherApplication``. Requests under
``/_sandbox/`` are plain JSON control calls handled here; everything else is an AWS
request: it is counted and may draw an injected fault (``faults``), waits
``latency_ms`` (outside any lock, so concurrent callers overlap like they would
against AWS), then, unless the fault answers it first (throttling, 503), runs
through moto under ``RUNTIME.lock`` after ``RUNTIME.tick()`` has applied every
status transition that is due (and every running pipeline execution has been brought
to the current time); a ``drop`` fault then closes the connection instead of sending
moto's response. moto's own ``/moto-api/`` routes are neither counted nor faulted.

moto's server picks the service of a request from its SigV4 signing name (or host) and
has no EventBridge Schemas; a request signed for ``schemas`` is served by
``schemas_api.SchemasApp`` instead, the same way (counted, faulted, under the lock).
EventBridge deliveries queued meanwhile (``event_delivery``: SageMaker's events, a
rule's targets) run once the lock is free, before the request is served (what fell due
is delivered first) and after it (what it caused), before the response is sent.

Control routes (all JSON):

- ``POST /_sandbox/reset``: forget all moto and sandbox state.
- ``GET /_sandbox/clock``; ``POST /_sandbox/clock {"time_scale": N}`` and/or
  ``{"advance_seconds": S}`` (jump sandbox time forward).
- ``POST /_sandbox/endpoints/<name>/fail-next-update {"reason": "..."}``.
- ``POST /_sandbox/endpoints/<name>/fail-next-rollback {"reason": "..."}``.
- ``POST /_sandbox/endpoints/<name>/scale {"variant": "...", "desired_instance_count": N}``.
- ``POST /_sandbox/endpoints/<name>/provisioned-concurrency {"variant": "...", "value": N}``.
- ``POST /_sandbox/monitoring-schedules/<name>/next-execution {"status": "Completed" |
  "CompletedWithViolations" | "Failed", "failureReason": "...", "startNow": true}``: how the
  next execution of that monitoring schedule ends (``failureReason`` only with Failed), and
  whether it starts at the current sandbox time rather than at the next due time.
- ``POST /_sandbox/pipelines/<name>/fail-next-execution {"step": "...", "reason": "..."}``: the next
  execution of that pipeline fails at that step with that FailureReason.
- ``POST /_sandbox/pipelines/<name>/next-condition {"step": "...", "outcome": true | false}``: that
  Condition step of the next execution takes that outcome.
- ``POST /_sandbox/model-packages/approve {"group": "...", "version": N}`` or ``{"arn": "..."}``, with
  ``"status"`` (Approved by default, Rejected, PendingManualApproval) and ``"description"``: set a
  model package version's approval as a reviewer would.
- ``POST /_sandbox/recommendation-jobs/<name>/fail {"reason": "..."}``: that Inference Recommender job
  fails now (PENDING or IN_PROGRESS), or, not created yet, fails when it is;
  ``POST /_sandbox/recommendation-jobs/fail-next {"reason": "..."}``: the next job created fails.
- ``GET /_sandbox/calls`` (counts, and whether a response is held); ``POST /_sandbox/calls
  {"hold_after_mutating": N}`` holds the response to the N-th mutating call from now (its effect
  happens; the connection is dropped once released), ``{"release": true}`` releases it.
- ``GET /_sandbox/faults`` (settings and counters); ``POST /_sandbox/faults {"rate": R, "seed": S}``
  (a ``"seed"`` key, even null, restarts the generator) and/or ``{"next": ["drop", ...]}``
  (replaces the queue of forced faults).
- ``GET /_sandbox/calls``: ``{"mutating": N, "total": M}``.
- ``GET /_sandbox/events/deliveries``: ``{"deliveries": [...], "events": [...]}``, every EventBridge
  delivery (time, rule, bus, target, kind, input, outcome) and every event put on a bus, oldest first,
  once what is due has been evaluated and delivered.

Errors answer ``{"error": "..."}`` with 400 (bad body; for the pipeline and model-package
routes also an unknown pipeline, step, group or version), 404 (unknown endpoint, variant,
monitoring schedule or route) or 405 (wrong method).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from reconciler.sandbox import event_delivery, faults, recommender, sagemaker_patches, schemas_api
from reconciler.sandbox.clock import validate_time_scale
from reconciler.sandbox.control import (
    APPROVAL_STATUSES,
    DEFAULT_FAILURE_REASON,
    DEFAULT_MONITORING_FAILURE,
    DEFAULT_PIPELINE_FAILURE,
    DEFAULT_RECOMMENDATION_FAILURE,
    DEFAULT_ROLLBACK_FAILURE,
    MONITORING_END_STATUSES,
)
from reconciler.sandbox.runtime import RUNTIME

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/_sandbox/"
MOTO_API_PREFIX = "/moto-api"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler without the per-request access log line."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        del code, size


class ControlError(Exception):
    """A control request that cannot be served; carries the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class SandboxApp:
    """WSGI middleware: control routes, call counting, injected faults and latency, lazy status
    transitions, then moto."""

    def __init__(
        self,
        aws_app: WsgiApp,
        region: str,
        latency_ms: float = 0.0,
        fault_injector: faults.FaultInjector | None = None,
    ) -> None:
        self._aws_app = aws_app
        self._schemas = schemas_api.SchemasApp(region)
        self._region = region
        self._latency_s = max(0.0, float(latency_ms)) / 1000.0
        self.faults = fault_injector if fault_injector is not None else faults.FaultInjector()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            answer = self._control(environ, start_response)
            event_delivery.flush()
            return answer
        if path.startswith(MOTO_API_PREFIX):
            return self._moto(environ, start_response)
        request = faults.describe_request(environ)
        fault = self.faults.decide(request)
        if self._latency_s:
            time.sleep(self._latency_s)
        if fault in (faults.THROTTLE, faults.SERVER_ERROR):
            logger.debug("sandbox: injected %s for %s", fault, request.operation)
            status, headers, body = faults.error_response(fault, request)
            headers.append(("Content-Length", str(len(body))))
            start_response(f"{status} {HTTP_STATUS_CODES.get(status, '')}".rstrip(), headers)
            return [body]
        if fault == faults.DROP:
            _consume(self._moto(environ, _discard_response))
            logger.debug("sandbox: dropped the response to %s", request.operation)
            faults.drop_connection(environ)
        if fault == faults.HOLD:
            _consume(self._moto(environ, _discard_response))
            logger.debug("sandbox: holding the response to %s", request.operation)
            self.faults.hold()
            faults.drop_connection(environ)
        return self._moto(environ, start_response)

    def _moto(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with RUNTIME.lock:
            RUNTIME.tick()
            sagemaker_patches.advance_pipelines()
        event_delivery.flush()
        app = self._schemas if schemas_api.is_schemas_request(environ) else self._aws_app
        with RUNTIME.lock:
            RUNTIME.tick()
            answer = app(environ, start_response)
        event_delivery.flush()
        return answer

    def _control(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            status, payload = 200, self._route(request)
        except ControlError as error:
            status, payload = error.status, {"error": str(error)}
        response = Response(json.dumps(payload, default=str), status=status, mimetype="application/json")
        return response(environ, start_response)

    def _route(self, request: Request) -> dict[str, Any]:
        parts = request.path[len(CONTROL_PREFIX) :].strip("/").split("/")
        if parts == ["reset"]:
            _require_method(request, "POST")
            sagemaker_patches.reset_all()
            self.faults.reset()
            return {"reset": True}
        if parts == ["clock"]:
            return self._clock(request)
        if parts == ["faults"]:
            return self._faults(request)
        if parts == ["calls"]:
            _require_method(request, "GET", "POST")
            if request.method == "POST":
                body = _json_body(request)
                if "hold_after_mutating" in body:
                    value = body["hold_after_mutating"]
                    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                        raise ControlError(400, '"hold_after_mutating" must be a positive integer or null')
                    self.faults.hold_after(value)
                if body.get("release"):
                    self.faults.release()
            return dict(self.faults.calls())
        if len(parts) == 3 and parts[0] == "endpoints":
            _require_method(request, "POST")
            return self._endpoint_action(parts[1], parts[2], _json_body(request))
        if len(parts) == 3 and parts[0] == "monitoring-schedules" and parts[2] == "next-execution":
            _require_method(request, "POST")
            return self._next_execution(parts[1], _json_body(request))
        if len(parts) == 3 and parts[0] == "pipelines" and parts[2] in ("fail-next-execution", "next-condition"):
            _require_method(request, "POST")
            return self._pipeline_action(parts[1], parts[2], _json_body(request))
        if parts[:1] == ["recommendation-jobs"] and (parts[1:] == ["fail-next"] or parts[2:] == ["fail"]):
            _require_method(request, "POST")
            return self._fail_recommendation_job(parts[1] if len(parts) == 3 else None, _json_body(request))
        if parts == ["model-packages", "approve"]:
            _require_method(request, "POST")
            return self._approve(_json_body(request))
        if parts == ["events", "deliveries"]:
            _require_method(request, "GET")
            with RUNTIME.lock:
                RUNTIME.tick()
                sagemaker_patches.advance_pipelines()
            event_delivery.flush()
            return {"deliveries": event_delivery.deliveries(), "events": event_delivery.events()}
        raise ControlError(404, f"no such sandbox route: {request.path}")

    def _clock(self, request: Request) -> dict[str, Any]:
        _require_method(request, "GET", "POST")
        if request.method == "POST":
            body = _json_body(request)
            if "time_scale" not in body and "advance_seconds" not in body:
                raise ControlError(400, 'give "time_scale" and/or "advance_seconds"')
            try:
                scale = validate_time_scale(body["time_scale"]) if "time_scale" in body else None
                if "advance_seconds" in body:
                    RUNTIME.clock.advance(body["advance_seconds"])
            except ValueError as error:
                raise ControlError(400, str(error)) from None
            if scale is not None:
                RUNTIME.clock.set_time_scale(scale)
                logger.info("sandbox: time scale set to %s", scale)
        return dict(RUNTIME.clock.snapshot())

    def _faults(self, request: Request) -> dict[str, Any]:
        _require_method(request, "GET", "POST")
        if request.method == "POST":
            body = _json_body(request)
            if not {"rate", "seed", "next"} & body.keys():
                raise ControlError(400, 'give "rate", "seed" and/or "next"')
            try:
                rate = faults.validate_fault_rate(body["rate"]) if "rate" in body else None
                seed = faults.validate_fault_seed(body.get("seed"))
                kinds = faults.validate_kinds(body.get("next", []))
            except ValueError as error:
                raise ControlError(400, str(error)) from None
            self.faults.configure(rate, seed, reseed="seed" in body)
            if "next" in body:
                self.faults.set_next(kinds)
            logger.info("sandbox: fault rate %s (seed %s)", self.faults.rate, self.faults.seed)
        return self.faults.snapshot()

    def _endpoint_action(self, endpoint: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            if action == "fail-next-update":
                reason = str(body.get("reason") or DEFAULT_FAILURE_REASON)
                return sagemaker_patches.arm_update_failure(self._region, endpoint, reason)
            if action == "fail-next-rollback":
                reason = str(body.get("reason") or DEFAULT_ROLLBACK_FAILURE)
                return sagemaker_patches.arm_rollback_failure(self._region, endpoint, reason)
            if action == "scale":
                variant, count = _variant_arguments(body, "desired_instance_count")
                return sagemaker_patches.scale_variant(self._region, endpoint, variant, count)
            if action == "provisioned-concurrency":
                variant, value = _variant_arguments(body, "value")
                return sagemaker_patches.set_provisioned_concurrency(self._region, endpoint, variant, value)
        except LookupError as error:
            raise ControlError(404, error.args[0] if error.args else "not found") from None
        except ValueError as error:
            raise ControlError(400, str(error)) from None
        raise ControlError(404, f"no such endpoint action: {action}")


    def _next_execution(self, schedule: str, body: dict[str, Any]) -> dict[str, Any]:
        status = body.get("status")
        if status not in MONITORING_END_STATUSES:
            raise ControlError(400, f'"status" must be one of {", ".join(MONITORING_END_STATUSES)}, not {status!r}')
        reason = body.get("failureReason")
        if reason is not None and (not isinstance(reason, str) or not reason or status != "Failed"):
            raise ControlError(400, '"failureReason" must be a non-empty string, and goes only with "Failed"')
        if status == "Failed" and reason is None:
            reason = DEFAULT_MONITORING_FAILURE
        start_now = body.get("startNow", False)
        if not isinstance(start_now, bool):
            raise ControlError(400, '"startNow" must be true or false')
        try:
            return sagemaker_patches.arm_monitoring_execution(self._region, schedule, status, reason, start_now)
        except LookupError as error:
            raise ControlError(404, error.args[0] if error.args else "not found") from None
        except ValueError as error:
            raise ControlError(400, str(error)) from None

    def _pipeline_action(self, pipeline: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        step = body.get("step")
        if not isinstance(step, str) or not step:
            raise ControlError(400, '"step" must be a non-empty string (a step name of the pipeline)')
        try:
            if action == "fail-next-execution":
                reason = body.get("reason", DEFAULT_PIPELINE_FAILURE)
                if not isinstance(reason, str) or not reason:
                    raise ControlError(400, '"reason" must be a non-empty string')
                return sagemaker_patches.arm_pipeline_failure(self._region, pipeline, step, reason)
            outcome = body.get("outcome")
            if not isinstance(outcome, bool):
                raise ControlError(400, '"outcome" must be true (IfSteps run) or false (ElseSteps run)')
            return sagemaker_patches.choose_pipeline_condition(self._region, pipeline, step, outcome)
        except ValueError as error:
            raise ControlError(400, str(error)) from None

    def _fail_recommendation_job(self, job: str | None, body: dict[str, Any]) -> dict[str, Any]:
        reason = body.get("reason", DEFAULT_RECOMMENDATION_FAILURE)
        if not isinstance(reason, str) or not reason:
            raise ControlError(400, '"reason" must be a non-empty string')
        try:
            return recommender.fail_job(self._region, job, reason)
        except ValueError as error:
            raise ControlError(400, str(error)) from None

    def _approve(self, body: dict[str, Any]) -> dict[str, Any]:
        status = body.get("status", "Approved")
        if status not in APPROVAL_STATUSES:
            raise ControlError(400, f'"status" must be one of {", ".join(APPROVAL_STATUSES)}, not {status!r}')
        description = body.get("description")
        if description is not None and not isinstance(description, str):
            raise ControlError(400, '"description" must be a string')
        arn, group, version = body.get("arn"), body.get("group"), body.get("version")
        if arn is not None:
            if not isinstance(arn, str) or not arn or group is not None or version is not None:
                raise ControlError(400, 'give "arn" (a model package ARN) alone, or "group" and "version"')
        elif not isinstance(group, str) or not group or isinstance(version, bool) or not isinstance(version, int):
            raise ControlError(400, 'give "group" (a model package group name) and "version" (an integer), or "arn"')
        try:
            return sagemaker_patches.set_model_package_approval(self._region, group, version, arn, status, description)
        except ValueError as error:
            raise ControlError(400, str(error)) from None


def _discard_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
    """A WSGI ``start_response`` for a response that will never be sent."""
    del status, headers, exc_info
    return lambda data: None


def _consume(body: Iterable[bytes]) -> None:
    """Run a WSGI response to its end (the body and the ``close()`` hooks), sending nothing."""
    try:
        for _ in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def _require_method(request: Request, *methods: str) -> None:
    if request.method not in methods:
        raise ControlError(405, f"{request.path} accepts {' or '.join(methods)}, not {request.method}")


def _json_body(request: Request) -> dict[str, Any]:
    raw = request.get_data(as_text=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise ControlError(400, f"request body is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise ControlError(400, "request body must be a JSON object")
    return body


def _variant_arguments(body: dict[str, Any], number: str) -> tuple[str, int]:
    variant = body.get("variant")
    count = body.get(number)
    if not isinstance(variant, str) or not variant:
        raise ControlError(400, '"variant" must be a non-empty string')
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ControlError(400, f'"{number}" must be an integer >= 0')
    return variant, count
