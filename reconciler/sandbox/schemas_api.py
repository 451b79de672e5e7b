"""The EventBridge Schemas API over HTTP: routing, request parsing and response shapes (a REST-JSON service).

moto's server picks a service from the request's SigV4 credential scope (the signing name) or
its host, and has no ``schemas`` backend (it answers HTTP 500), so ``app.SandboxApp`` sends every
request signed for ``schemas`` (or sent to a ``schemas.<region>...`` host) here instead
(``is_schemas_request``), under ``RUNTIME.lock`` like any AWS request.

Every operation's route is botocore's (its HTTP method and ``requestUri``); a request is parsed with
moto's REST-JSON parser against botocore's input shape (path labels, query string, JSON body), checked
against that shape (required members, string lengths, enums: BadRequestException, as AWS answers),
served by ``schemas_model``, and its answer serialised by moto's REST-JSON serialiser against botocore's
output shape, with the operation's status code (201 for the creates, 204 without a body for the deletes
and tag calls). Errors carry ``{"Code", "Message"}`` and the ``x-amzn-ErrorType`` header, with the status
botocore's error shape gives. The account is the one moto would use for the request's access key; the
region is the credential scope's. Operations the sandbox does not serve (SearchSchemas, ExportSchema, code
bindings, GetDiscoveredSchema) answer BadRequestException saying so.
"""

from __future__ import annotations

import functools
import json
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from moto.core.model import OperationModel, ServiceModel, Shape, StructureShape
from moto.core.parse import RestJSONParser
from moto.core.serialize import RestJSONSerializer
from moto.core.utils import get_service_model
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request

from reconciler.sandbox import schemas_model as model
from reconciler.sandbox.runtime import RUNTIME

SERVICE = "schemas"
GREEDY_LABELS = frozenset({"resource-arn"})
"""Path labels that may hold a "/" (an ARN), when a client does not percent-encode it."""


@dataclass(frozen=True)
class Route:
    operation: OperationModel
    method: str
    pattern: re.Pattern[str]
    labels: dict[str, str]
    """regex group name -> the label's name in botocore's requestUri"""


@functools.lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    return get_service_model(SERVICE)


@functools.lru_cache(maxsize=1)
def routes() -> tuple[Route, ...]:
    """One route per operation, literal segments first so ``/schemas/search`` beats ``/schemas/name/{x}``."""
    found = []
    for name in service_model().operation_names:
        operation = service_model().operation_model(name)
        uri = str(operation.http["requestUri"]).split("?", 1)[0]
        labels: dict[str, str] = {}
        parts = []
        for segment in re.split(r"(\{[^}]+\})", uri):
            if segment.startswith("{"):
                label = segment.strip("{}+")
                group = f"l{len(labels)}"
                labels[group] = label
                parts.append(f"(?P<{group}>.+)" if label in GREEDY_LABELS else f"(?P<{group}>[^/]+)")
            else:
                parts.append(re.escape(segment))
        found.append(Route(operation, str(operation.http["method"]), re.compile("^" + "".join(parts) + "/?$"), labels))
    return tuple(sorted(found, key=lambda r: len(r.labels)))


def is_schemas_request(environ: Mapping[str, Any]) -> bool:
    """Whether a WSGI request is for EventBridge Schemas (its signing name, or its host)."""
    if _credential_scope(environ).get("service") == SERVICE:
        return True
    return str(environ.get("HTTP_HOST", "")).startswith(f"{SERVICE}.")


def _credential_scope(environ: Mapping[str, Any]) -> dict[str, str]:
    # AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/schemas/aws4_request, SignedHeaders=..., Signature=...
    _, found, rest = str(environ.get("HTTP_AUTHORIZATION", "")).partition("Credential=")
    scope = rest.split(",", 1)[0].split("/") if found else []
    if len(scope) < 5:
        return {}
    return {"access_key": scope[0], "region": scope[2], "service": scope[3]}


def _account(environ: Mapping[str, Any], access_key: str | None) -> str:
    """The account moto would serve the request in (MOTO_ACCOUNT_ID, the header, then the access key)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import get_account_id_from

    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return str(environ["HTTP_X_MOTO_ACCOUNT_ID"])
    return get_account_id_from(access_key) if access_key else DEFAULT_ACCOUNT_ID


def _raw_path(environ: Mapping[str, Any]) -> str:
    """The request path as sent (labels still percent-encoded), so an encoded "/" in an ARN stays in its label."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path = urllib.parse.urlsplit(str(raw)).path
        return path or "/"
    return urllib.parse.quote(str(environ.get("PATH_INFO", "/")))


def _match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in routes():
        if route.method != method:
            continue
        found = route.pattern.match(path)
        if found:
            return route, {route.labels[g]: urllib.parse.unquote(v) for g, v in found.groupdict().items()}
    return None


class SchemasApp:
    """A WSGI application serving the Schemas API from ``schemas_model`` (``default_region`` when unsigned)."""

    def __init__(self, default_region: str) -> None:
        self._default_region = default_region

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        status, headers, body = self.respond(environ)
        headers.append(("Content-Length", str(len(body))))
        start_response(f"{status} {HTTP_STATUS_CODES.get(status, '')}".rstrip(), headers)
        return [body]

    def respond(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        request = Request(environ)
        matched = _match(request.method, _raw_path(environ))
        if matched is None:
            return _error(model.bad_request(f"No Schemas operation is {request.method} {request.path}."))
        route, labels = matched
        operation = model.OPERATIONS.get(route.operation.name)
        if operation is None:
            return _error(model.bad_request(f"The sandbox does not emulate the Schemas {route.operation.name} API."))
        scope = _credential_scope(environ)
        region = scope.get("region") or self._default_region
        try:
            parsed = RestJSONParser(route.operation).parse({
                "body": request.get_data(),
                "headers": request.headers,
                "method": request.method,
                "url_params": labels,
                "url_path": request.path,
                "values": request.args,
            })
        except Exception as error:  # moto's parser raises its own errors on malformed input
            return _error(model.bad_request(f"The request could not be parsed: {error}"))
        request_data = _plain(parsed)
        with RUNTIME.lock:
            try:
                check_input(route.operation.input_shape, request_data)
                store = model.store_of(_account(environ, scope.get("access_key")), region)
                result = operation(store, request_data, _now())
            except model.NotModified:
                return model.NOT_MODIFIED, [], b""
            except model.SchemasError as error:
                return _error(error)
        serialized = RestJSONSerializer(route.operation).serialize(result)
        status = int(serialized["status_code"])
        body = b"" if status == 204 else str(serialized["body"]).encode()
        headers = [(k, v) for k, v in serialized["headers"].items() if body or k.lower() != "content-type"]
        return status, headers, body


def _now() -> Any:
    now = RUNTIME.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _error(error: model.SchemasError) -> tuple[int, list[tuple[str, str]], bytes]:
    shape = service_model().shape_for(error.code)
    status = int(shape.metadata.get("error", {}).get("httpStatusCode", 400))
    body = json.dumps({"Code": error.code, "Message": error.message}).encode()
    return status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.code)], body


def check_input(shape: StructureShape | None, request: Mapping[str, Any]) -> None:
    """Required members, string lengths and enum values of botocore's input shape, as AWS checks them."""
    if shape is None:
        return
    for name in shape.required_members:
        if request.get(name) in (None, ""):
            raise model.bad_request(f"{name} is required.")
    for name, member in shape.members.items():
        if name in request:
            _check_value(name, member, request[name])


def _check_value(name: str, shape: Shape, value: Any) -> None:
    if shape.type_name == "string" and isinstance(value, str):
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            raise model.bad_request(
                f"{name} must be between {low or 0} and {high if high is not None else 'any number of'} characters "
                f"long (it has {len(value)})."
            )
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            raise model.bad_request(f"{name} must be one of {', '.join(enum)}, not '{value}'.")
