"""Seeded fault injection: the sandbox as an unreliable AWS (``Sandbox(fault_rate=..., fault_seed=...)``).

With rate R every AWS request independently draws, from a ``random.Random`` seeded
with the fault seed (so a seed and a request sequence give the same faults every
time), one of:

- ``throttle`` (probability R * 10/17): HTTP 400 with the service's throttling
  error before the operation runs: ``ThrottlingException`` for JSON services (with
  ``x-amzn-query-error: Throttling;Sender`` for a query-compatible one such as
  CloudWatch), ``Throttling`` in an XML ``ErrorResponse`` for query services (STS,
  IAM). Both are in botocore's throttling codes, so every retry mode retries them
  (and adaptive mode slows its send rate down);
- ``server_error`` (R * 5/17): HTTP 503 ``ServiceUnavailable`` before the
  operation runs (botocore retries 5xx as transient);
- ``drop`` (R * 2/17): the operation runs and its effect is kept, then the
  connection is closed without a response, so botocore sees a connection error
  (``ConnectionClosedError``) and sends the same request again.

Control requests (``/_sandbox/``) never fault and are not counted. Faults can also
be queued (``next``, replacing any queued before) to hit the next requests exactly,
in order, before the random draw resumes; a queued ``none`` lets one request
through. A queued fault does not consume a draw, so the seeded sequence continues
where it was.

Every AWS request the sandbox receives is counted (``total``), and so is every one
whose operation is not a read (``mutating``: the name does not start with
Describe, List, Get, Search, BatchGet or BatchDescribe), whether or not a fault hit
it: a retried call counts once per attempt. The operation name comes from the
``X-Amz-Target`` header (JSON protocols) or the ``Action`` parameter (query
protocol); a REST request without either counts as mutating unless it is a GET,
HEAD or OPTIONS.

This module has no moto import. Each ``Sandbox`` has one ``FaultInjector``
(``Sandbox.faults``) that its ``app.SandboxApp`` consults: fault settings and
counters are per server, unlike moto's state and the clock.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import socket
import threading
import urllib.parse
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

THROTTLE = "throttle"
SERVER_ERROR = "server_error"
DROP = "drop"
NONE = "none"
KINDS = (THROTTLE, SERVER_ERROR, DROP, NONE)

THROTTLE_SHARE = 10 / 17
SERVER_ERROR_SHARE = 5 / 17
DROP_SHARE = 2 / 17

READ_PREFIXES = ("Describe", "List", "Get", "Search", "BatchGet", "BatchDescribe")
"""As ``reconciler.aws.clients.READ_PREFIXES``, kept here so the sandbox does not import the engine."""

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REST_XML_SERVICES = frozenset({"s3", "route53", "cloudfront"})

THROTTLE_MESSAGE = "Rate exceeded"
SERVER_ERROR_MESSAGE = "The request has failed due to a temporary failure of the server."
SEED_RANGE = 2**32

ERRORS = {
    # kind: HTTP status, JSON code, query (XML) code, fault type, message
    THROTTLE: (400, "ThrottlingException", "Throttling", "Sender", THROTTLE_MESSAGE),
    SERVER_ERROR: (503, "ServiceUnavailable", "ServiceUnavailable", "Receiver", SERVER_ERROR_MESSAGE),
}


HOLD = "hold"  # not a fault kind one can queue: the response to a chosen call, held for a test


class DroppedConnection(ConnectionAbortedError):
    """Raised by the WSGI app to drop a response: werkzeug treats a ``ConnectionError`` as a
    client that went away and writes nothing."""


def validate_fault_rate(rate: Any) -> float:
    """A fault rate is a number in [0, 1]."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= float(rate) <= 1.0:
        raise ValueError(f"fault rate must be a number between 0 and 1, not {rate!r}")
    return float(rate)


def validate_fault_seed(seed: Any) -> int | None:
    """A fault seed is an integer, or None for a fresh random one."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"fault seed must be an integer or null, not {seed!r}")
    return seed


def validate_kinds(kinds: Any) -> list[str]:
    if not isinstance(kinds, list) or not all(isinstance(kind, str) and kind in KINDS for kind in kinds):
        raise ValueError(f'"next" must be a list of fault kinds ({", ".join(KINDS)}), not {kinds!r}')
    return list(kinds)


@dataclass(frozen=True)
class AwsRequest:
    """What the fault injector needs to know about an AWS request."""

    operation: str | None
    method: str
    json_protocol: bool
    query_compatible: bool
    service: str | None

    @property
    def mutating(self) -> bool:
        if self.operation is None:
            return self.method not in READ_METHODS
        return not self.operation.startswith(READ_PREFIXES)


def describe_request(environ: dict[str, Any]) -> AwsRequest:
    """Read the operation name and protocol off a WSGI request without disturbing moto.

    A form-encoded (query protocol) body is read and put back as a fresh stream, as
    moto's dispatcher does itself.
    """
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    content_type = environ.get("CONTENT_TYPE", "")
    operation = (target.rsplit(".", 1)[-1] or None) if target else None
    if operation is None:
        operation = _query_action(environ, content_type)
    return AwsRequest(
        operation=operation,
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        json_protocol=bool(target) or "json" in content_type,
        query_compatible="HTTP_X_AMZN_QUERY_MODE" in environ,
        service=_credential_service(environ.get("HTTP_AUTHORIZATION", "")),
    )


def _query_action(environ: dict[str, Any], content_type: str) -> str | None:
    actions = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if actions:
        return actions[0]
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    actions = urllib.parse.parse_qs(body.decode("utf-8", errors="replace")).get("Action")
    return actions[0] if actions else None


def _credential_service(authorization: str) -> str | None:
    # AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sagemaker/aws4_request, ...
    _, found, rest = authorization.partition("Credential=")
    if not found:
        return None
    scope = rest.split(",", 1)[0].split("/")
    return scope[3] if len(scope) >= 5 else None


class FaultInjector:
    """Fault settings, the seeded generator, the queue of forced faults and the counters (thread-safe)."""

    def __init__(self, rate: float = 0.0, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._initial = (validate_fault_rate(rate), validate_fault_seed(seed))
        self._rate = 0.0
        self._seed = 0
        self._random = random.Random()
        self._next: deque[str] = deque()
        self._counts = dict.fromkeys(("throttled", "server_errors", "dropped", "mutating", "total"), 0)
        self._hold_after: int | None = None  # hold the response to this mutating call (1-based)
        self._holding = threading.Event()  # set while that response is held
        self._release = threading.Event()
        self.reset()

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def seed(self) -> int:
        """The seed in use (a fresh random one when none was given, so a run can be repeated)."""
        return self._seed

    def configure(self, rate: float | None = None, seed: int | None = None, *, reseed: bool = False) -> None:
        """Change the rate (when given) and, with ``reseed``, restart the generator from ``seed``."""
        with self._lock:
            if rate is not None:
                self._rate = validate_fault_rate(rate)
            if reseed:
                self._reseed(validate_fault_seed(seed))

    def set_next(self, kinds: Iterable[str]) -> None:
        """Force the next requests' faults, in order (``none`` lets one through), replacing any queued ones."""
        checked = validate_kinds(list(kinds))
        with self._lock:
            self._next = deque(checked)

    def reset(self) -> None:
        """Back to the constructor's rate and seed (the generator restarts), no queue, zero counters."""
        with self._lock:
            rate, seed = self._initial
            self._rate = rate
            self._reseed(seed)
            self._initial = (rate, self._seed)
            self._next.clear()
            for key in self._counts:
                self._counts[key] = 0
            self._hold_after = None
        self._release.set()
        self._holding.clear()

    def hold_after(self, mutating: int | None) -> None:
        """Hold the response to the `mutating`-th mutating call from now on (None: hold nothing): its effect
        happens, then the request waits until `release()` and its connection is dropped, so a test can
        kill the client right after any mutating call."""
        with self._lock:
            self._hold_after = None if mutating is None else self._counts["mutating"] + int(mutating)
            self._release.clear()
            self._holding.clear()

    def release(self) -> None:
        self._release.set()

    def holds(self, request: AwsRequest, ordinal: int) -> bool:
        return request.mutating and self._hold_after is not None and ordinal == self._hold_after

    def hold(self, timeout: float = 120.0) -> None:
        """Called by the request being held: wait until released (bounded)."""
        self._holding.set()
        self._release.wait(timeout)

    def _reseed(self, seed: int | None) -> None:
        self._seed = random.SystemRandom().randrange(SEED_RANGE) if seed is None else seed
        self._random = random.Random(self._seed)

    def decide(self, request: AwsRequest) -> str | None:
        """Count ``request`` and pick its fault (None for none; HOLD for a response to hold)."""
        with self._lock:
            self._counts["total"] += 1
            if request.mutating:
                self._counts["mutating"] += 1
                if self.holds(request, self._counts["mutating"]):
                    return HOLD
            kind = self._next.popleft() if self._next else self._draw()
            if kind == NONE:
                return None
            if kind is not None:
                self._counts[{THROTTLE: "throttled", SERVER_ERROR: "server_errors", DROP: "dropped"}[kind]] += 1
            return kind

    def _draw(self) -> str | None:
        if self._rate <= 0.0:
            return None
        draw = self._random.random()
        if draw < self._rate * THROTTLE_SHARE:
            return THROTTLE
        if draw < self._rate * (THROTTLE_SHARE + SERVER_ERROR_SHARE):
            return SERVER_ERROR
        if draw < self._rate:
            return DROP
        return None

    def calls(self) -> dict[str, Any]:
        with self._lock:
            return {"mutating": self._counts["mutating"], "total": self._counts["total"],
                    "held": self._holding.is_set() and not self._release.is_set()}

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"rate": self._rate, "seed": self._seed, "next": list(self._next), **self._counts}


def error_response(kind: str, request: AwsRequest) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of an injected throttling or server error, in the request's protocol."""
    status, code, query_code, fault, message = ERRORS[kind]
    request_id = str(uuid.uuid4())
    if request.json_protocol or (request.operation is None and request.service not in REST_XML_SERVICES):
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", code),
        ]
        if request.query_compatible:
            headers.append(("x-amzn-query-error", f"{query_code};{fault}"))
        return status, headers, json.dumps({"__type": code, "message": message}).encode()
    if request.service == "s3":
        body = (
            f"<Error><Code>{query_code}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
    else:
        body = (
            f"<ErrorResponse><Error><Type>{fault}</Type><Code>{query_code}</Code>"
            f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    return status, headers, f'<?xml version="1.0" encoding="UTF-8"?>\n{body}'.encode()


def drop_connection(environ: dict[str, Any]) -> None:
    """Close the client's connection without a response (after the operation ran).

    werkzeug's dev server puts the socket in ``environ["werkzeug.socket"]``: shutting
    it down sends the client an end of stream at once (without it the handler would
    keep the connection open waiting for a next request). Raising ``DroppedConnection``
    then makes werkzeug write nothing (it treats a ``ConnectionError`` as a client
    that went away).
    """
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # the client may have gone already
            sock.shutdown(socket.SHUT_RDWR)
    raise DroppedConnection("response dropped by the sandbox's fault injection")
