"""Client helpers for the sandbox's control API (``/_sandbox/`` routes), urllib only.

Tests and the demo use these to act as the world outside the reconciler: reset the
sandbox, compress time, make the next endpoint update (or its rollback) fail, or
scale a variant (instances or serverless provisioned concurrency) as Application
Auto Scaling would, decide how the next Model Monitor execution of a schedule ends
(and start it now), make the next execution of a pipeline fail at a step or choose
its Condition steps' outcomes, approve (or reject) a model package version as a
reviewer would, make an Inference Recommender job fail, see what EventBridge
delivered (and the events put on its buses), or make AWS unreliable (seeded faults)
and watch the calls made.
Every helper returns the JSON answer as a dict and raises ``SandboxControlError``
(with the HTTP status) when the sandbox refuses.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_FAILURE_REASON = "Endpoint update failed and was rolled back (failure injected by the sandbox)."
DEFAULT_ROLLBACK_FAILURE = (
    "The automatic rollback failed (failure injected by the sandbox); the endpoint may be serving a mix of "
    "instances with the old and the new endpoint configuration."
)

DEFAULT_MONITORING_FAILURE = "Monitoring job failed (failure injected by the sandbox)."
MONITORING_END_STATUSES = ("Completed", "CompletedWithViolations", "Failed")
DEFAULT_PIPELINE_FAILURE = "Step failed (failure injected by the sandbox)."
APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
DEFAULT_RECOMMENDATION_FAILURE = "Inference recommendations job failed (failure injected by the sandbox)."


class SandboxControlError(RuntimeError):
    """The sandbox answered a control call with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"sandbox control call failed ({status}): {message}")
        self.status = status
        self.message = message


def reset(url: str) -> dict[str, Any]:
    """Forget every AWS resource and all sandbox state (time scale back to the start value)."""
    return _call(url, "POST", "reset", {})


def get_clock(url: str) -> dict[str, Any]:
    """``{"time_scale": float, "now": ISO-8601 UTC, "elapsed_seconds": float}``."""
    return _call(url, "GET", "clock", None)


def set_time_scale(url: str, time_scale: float) -> dict[str, Any]:
    """Make sandbox time run ``time_scale`` times faster than wall time from now on."""
    return _call(url, "POST", "clock", {"time_scale": time_scale})


def advance_clock(url: str, seconds: float) -> dict[str, Any]:
    """Jump sandbox time ``seconds`` forward; whatever falls due happens on the next AWS request."""
    return _call(url, "POST", "clock", {"advance_seconds": seconds})


def fail_next_update(url: str, endpoint_name: str, reason: str = DEFAULT_FAILURE_REASON) -> dict[str, Any]:
    """Make the next UpdateEndpoint of ``endpoint_name`` roll back with FailureReason ``reason``.

    The rollback starts where a guardrail would first catch it: when the new
    fleet is provisioned and traffic starts to shift. An update an inference
    experiment starts counts too.
    """
    return _call(url, "POST", f"endpoints/{_segment(endpoint_name)}/fail-next-update", {"reason": reason})


def fail_next_rollback(
    url: str, endpoint_name: str, reason: str = DEFAULT_ROLLBACK_FAILURE
) -> dict[str, Any]:
    """Make the next rollback of ``endpoint_name`` end in UpdateRollbackFailed (``reason`` joins FailureReason)."""
    return _call(url, "POST", f"endpoints/{_segment(endpoint_name)}/fail-next-rollback", {"reason": reason})


def scale_variant(
    url: str, endpoint_name: str, variant_name: str, desired_instance_count: int
) -> dict[str, Any]:
    """Set a variant's Desired/CurrentInstanceCount, as the autoscaler would."""
    body = {"variant": variant_name, "desired_instance_count": desired_instance_count}
    return _call(url, "POST", f"endpoints/{_segment(endpoint_name)}/scale", body)


def set_provisioned_concurrency(url: str, endpoint_name: str, variant_name: str, value: int) -> dict[str, Any]:
    """Set a serverless variant's Desired/Current ProvisionedConcurrency, as the autoscaler would (0 removes it)."""
    body = {"variant": variant_name, "value": value}
    return _call(url, "POST", f"endpoints/{_segment(endpoint_name)}/provisioned-concurrency", body)


def next_monitoring_execution(
    url: str,
    schedule_name: str,
    status: str,
    failure_reason: str | None = None,
    start_now: bool = False,
) -> dict[str, Any]:
    """Decide how the next execution of monitoring schedule ``schedule_name`` ends.

    ``status`` is ``"Completed"``, ``"CompletedWithViolations"`` or ``"Failed"`` (``failure_reason`` then
    becomes its FailureReason; the sandbox's default otherwise). ``start_now`` makes that execution start at the
    current sandbox time instead of at the schedule's next due time (a Pending or Stopped schedule: as soon as it
    is Scheduled). The answer names the schedule, its status and, when the execution started, its
    ``scheduledTime``.
    """
    body: dict[str, Any] = {"status": status, "startNow": start_now}
    if failure_reason is not None:
        body["failureReason"] = failure_reason
    return _call(url, "POST", f"monitoring-schedules/{_segment(schedule_name)}/next-execution", body)


def fail_next_pipeline_execution(
    url: str, pipeline: str, step: str, reason: str = DEFAULT_PIPELINE_FAILURE
) -> dict[str, Any]:
    """Make the next execution of ``pipeline`` fail at ``step`` (a step of its latest version) with FailureReason
    ``reason``: the step runs its usual time and ends Failed, the steps after it do not run, and the execution
    ends Failed."""
    body = {"step": step, "reason": reason}
    return _call(url, "POST", f"pipelines/{_segment(pipeline)}/fail-next-execution", body)


def next_condition_outcome(url: str, pipeline: str, step: str, outcome: bool) -> dict[str, Any]:
    """Make Condition step ``step`` of the next execution of ``pipeline`` evaluate to ``outcome`` (True: its
    IfSteps run; False: its ElseSteps), whatever its conditions read."""
    body = {"step": step, "outcome": outcome}
    return _call(url, "POST", f"pipelines/{_segment(pipeline)}/next-condition", body)


def approve_model_package(
    url: str,
    group: str | None = None,
    version: int | None = None,
    *,
    arn: str | None = None,
    status: str = "Approved",
    description: str | None = None,
) -> dict[str, Any]:
    """Set the ModelApprovalStatus of version ``version`` of model package group ``group`` (or of the package
    ``arn``) as a reviewer would: ``status`` Approved by default, or Rejected / PendingManualApproval;
    ``description`` becomes its ApprovalDescription. The answer names the package's ARN, group, version and
    status."""
    body: dict[str, Any] = {"status": status}
    if arn is not None:
        body["arn"] = arn
    else:
        body.update({"group": group, "version": version})
    if description is not None:
        body["description"] = description
    return _call(url, "POST", "model-packages/approve", body)


def fail_recommendation_job(
    url: str, job_name: str | None = None, reason: str = DEFAULT_RECOMMENDATION_FAILURE
) -> dict[str, Any]:
    """Make Inference Recommender job ``job_name`` fail with FailureReason ``reason``: now if it is PENDING or
    IN_PROGRESS (its transient endpoints go at once), or, when no job has that name yet, the job of that name once
    created (it runs a few minutes, then fails). ``job_name=None`` arms the failure for the next job created. A job
    that has ended is refused (400). The answer names the job, whether the failure is ``armed`` for later, and the
    reason."""
    route = "recommendation-jobs/fail-next" if job_name is None else f"recommendation-jobs/{_segment(job_name)}/fail"
    return _call(url, "POST", route, {"reason": reason})


def event_deliveries(url: str) -> dict[str, Any]:
    """Every EventBridge delivery and every event put on a bus, oldest first, once what is due is delivered.

    ``{"deliveries": [...], "events": [...]}``. A delivery: ``time``, ``event_id``, ``source``, ``detail_type``,
    ``bus``, ``rule``, ``rule_arn``, ``target_id``, ``target_arn``, ``kind`` (``sqs``, ``logs``, ``archive``,
    ``event-bus``, ``api-destination``, ``sagemaker-pipeline``, or the target's service, e.g. ``lambda``),
    ``input`` (the event, or what the target's Input/InputPath/InputTransformer made of it), ``outcome``
    (``delivered``, ``started <pipeline execution ARN>``, ``recorded (...)`` or ``failed: ...``) and ``error``
    (None unless it failed). An event: ``time``, ``received_at``, ``event_id``, ``source``, ``detail_type``,
    ``account``, ``region``, ``bus``, ``resources``, ``detail``, ``matched_rules``."""
    return _call(url, "GET", "events/deliveries", None)


def get_faults(url: str) -> dict[str, Any]:
    """Fault settings and counters.

    ``{"rate", "seed", "next", "throttled", "server_errors", "dropped", "mutating", "total"}``.
    """
    return _call(url, "GET", "faults", None)


def set_faults(url: str, rate: float, seed: int | None = None) -> dict[str, Any]:
    """Inject faults into a share ``rate`` (0 to 1) of AWS requests, drawn from a generator restarted from ``seed``.

    ``seed=None`` picks a fresh random seed (the answer shows it); ``rate=0`` turns random faults off.
    """
    return _call(url, "POST", "faults", {"rate": rate, "seed": seed})


def queue_faults(url: str, kinds: Sequence[str]) -> dict[str, Any]:
    """Force the faults of the next AWS requests, in order: ``"throttle"``, ``"server_error"``, ``"drop"``
    or ``"none"`` (let one through), replacing any queued before (``[]`` clears the queue). The seeded draw resumes
    when the queue is empty."""
    return _call(url, "POST", "faults", {"next": list(kinds)})


def get_calls(url: str) -> dict[str, Any]:
    """``{"mutating": N, "total": M}``: AWS requests received (each attempt of a retried call counts)."""
    return _call(url, "GET", "calls", None)


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _call(url: str, method: str, route: str, body: dict[str, Any] | None) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{url.rstrip('/')}/_sandbox/{route}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=DEFAULT_TIMEOUT_S) as response:
            return dict(json.loads(response.read().decode() or "{}"))
    except urllib.error.HTTPError as error:
        raise SandboxControlError(error.code, _error_message(error)) from None


def _error_message(error: urllib.error.HTTPError) -> str:
    raw = error.read().decode(errors="replace")
    try:
        return str(json.loads(raw).get("error", raw))
    except (ValueError, AttributeError):
        return raw or str(error.reason)


def hold_after_mutating(url: str, count: int | None) -> dict[str, Any]:
    """Hold the response to the `count`-th mutating call from now (its effect happens, the caller never
    hears back): a test then kills the caller, as if it died right after that call."""
    return _call(url, "POST", "calls", {"hold_after_mutating": count})


def release_held(url: str) -> dict[str, Any]:
    """Let a held response go (its connection is dropped)."""
    return _call(url, "POST", "calls", {"release": True})
