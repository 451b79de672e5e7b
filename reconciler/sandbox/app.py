"""The sandbox's WSGI application: moto's server behind a small control API.

``SandboxApp`` wraps moto's ``DomainDispatcherApplication``. Requests under
``/_sandbox/`` are plain JSON control calls handled here; everything else is an AWS
request: it waits ``latency_ms`` (outside any lock, so concurrent callers overlap
like they would against AWS), then runs through moto under ``RUNTIME.lock`` after
``RUNTIME.tick()`` has applied every status transition that is due.

Control routes (all JSON):

- ``POST /_sandbox/reset``: forget all moto and sandbox state.
- ``GET /_sandbox/clock``; ``POST /_sandbox/clock {"time_scale": N}`` and/or
  ``{"advance_seconds": S}`` (jump sandbox time forward).
- ``POST /_sandbox/endpoints/<name>/fail-next-update {"reason": "..."}``.
- ``POST /_sandbox/endpoints/<name>/fail-next-rollback {"reason": "..."}``.
- ``POST /_sandbox/endpoints/<name>/scale {"variant": "...", "desired_instance_count": N}``.
- ``POST /_sandbox/endpoints/<name>/provisioned-concurrency {"variant": "...", "value": N}``.

Errors answer ``{"error": "..."}`` with 400 (bad body), 404 (unknown endpoint,
variant or route) or 405 (wrong method).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from reconciler.sandbox import sagemaker_patches
from reconciler.sandbox.clock import validate_time_scale
from reconciler.sandbox.control import DEFAULT_FAILURE_REASON, DEFAULT_ROLLBACK_FAILURE
from reconciler.sandbox.runtime import RUNTIME

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/_sandbox/"

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
    """WSGI middleware: control routes, injected latency, lazy status transitions, then moto."""

    def __init__(self, aws_app: WsgiApp, region: str, latency_ms: float = 0.0) -> None:
        self._aws_app = aws_app
        self._region = region
        self._latency_s = max(0.0, float(latency_ms)) / 1000.0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self._control(environ, start_response)
        if self._latency_s:
            time.sleep(self._latency_s)
        with RUNTIME.lock:
            RUNTIME.tick()
            return self._aws_app(environ, start_response)

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
            return {"reset": True}
        if parts == ["clock"]:
            return self._clock(request)
        if len(parts) == 3 and parts[0] == "endpoints":
            _require_method(request, "POST")
            return self._endpoint_action(parts[1], parts[2], _json_body(request))
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
