"""Handler for SageMaker Model Monitor schedules (`monitoring-schedule/<name>`), the AWS resource behind
a MonitoringSchedule document: named after the document and updated in place.

A schedule points at a job definition (by name and monitoring type) and has a `ScheduleConfig`
and a status the spec chooses (Scheduled or Stopped). A changed definition is a new definition
(content-addressed), then `UpdateMonitoringSchedule` pointing at it, a wait until the schedule
leaves Pending, then the old definition is collected; a schedule-only change is one update; the
status is `StartMonitoringSchedule` / `StopMonitoringSchedule`, and a schedule stopped outside git
is drift. Nothing is updated, started, stopped or deleted while the schedule is Pending or while
its last execution is Pending, InProgress or Stopping: apply waits, with progress. A Failed
schedule is replaced. The last execution (and a failure's reason) is a plan note, never a change.
Missing schedules: `find` returns None (SageMaker answers ResourceNotFound).
"""

from __future__ import annotations

from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.aws.calls import call
from reconciler.aws.errors import is_conflict, is_not_found
from reconciler.aws.shapes import from_api, operation_input
from reconciler.aws.waits import WaitTimeout, wait_with_progress
from reconciler.changes import Action, Step
from reconciler.diff.policy import iso_utc, prune_empty
from reconciler.errors import ApplyError
from reconciler.frozen import thaw
from reconciler.handlers.base import Assessment, ExecContext, Handler, PlanContext, Planned, View
from reconciler.handlers.job_definition import ENDPOINT_TYPE, JOB_DEFINITION_TYPES, MONITORING_TYPES
from reconciler.handlers.sagemaker_common import describe_into, find_by_name, read, run_simple
from reconciler.resources import Desired, Live

SCHEDULED, STOPPED, PENDING, FAILED = "Scheduled", "Stopped", "Pending", "Failed"
RUNNING_EXECUTION = frozenset({"Pending", "InProgress", "Stopping"})
ATTENTION = frozenset({"CompletedWithViolations", "Failed"})  # execution outcomes a note keeps in view
RECENT_EXECUTIONS = 24  # how far back a note looks for one: a day of hourly runs (one ListMonitoringExecutions)
SETTLE_TIMEOUT = 600.0  # Pending lasts under a minute (the SDK waits up to 3)
EXECUTION_TIMEOUT = 3 * 3600.0  # a monitoring job runs at most its MaxRuntimeInSeconds (an hour, typically)
CONFIG_KEYS = ("monitoringType", "jobDefinitionName", "scheduleConfig")


def schedule_view(config: Any, status: str | None, tags: dict[str, str]) -> dict[str, Any]:
    """The comparable form of a schedule: its `MonitoringScheduleConfig` (API form) flattened into spec
    form, its status and user tags."""
    spec = from_api({"MonitoringScheduleConfig": thaw(config or {})}, operation_input(
        "sagemaker", "CreateMonitoringSchedule"), drop_unknown=True).get("monitoringScheduleConfig", {})
    view = {"monitoringType": spec.get("monitoringType"),
            "jobDefinitionName": spec.get("monitoringJobDefinitionName"),
            "scheduleConfig": spec.get("scheduleConfig"), "status": status}
    return {**prune_empty(view), "tags": dict(tags)}


def definition_address(config: Any) -> Address | None:
    """The job definition a `MonitoringScheduleConfig` (API form) points at."""
    config = config or {}
    name, kind = config.get("MonitoringJobDefinitionName"), MONITORING_TYPES.get(config.get("MonitoringType") or "")
    return Address(kind.address_type, str(name)) if name and kind else None


def execution_summary(summary: dict[str, Any]) -> str:
    """`CompletedWithViolations (scheduled 2026-12-01T10:00:00Z)`, with a failure's reason."""
    text = f"{summary.get('MonitoringExecutionStatus')} (scheduled {iso_utc(summary.get('ScheduledTime'))})"
    if summary.get("FailureReason"):
        text += f": {summary['FailureReason']}"
    return text


class MonitoringScheduleHandler(Handler):
    type = "monitoring-schedule"
    service = "sagemaker"
    arn_type = "monitoring-schedule"
    tagging_type = "sagemaker:monitoring-schedule"
    immutable = False
    describe_on_plan = True
    noun = "monitoring schedule"
    after = (*JOB_DEFINITION_TYPES, ENDPOINT_TYPE)  # after its definition and endpoint; deleted before them
    operations = frozenset({"CreateMonitoringSchedule", "UpdateMonitoringSchedule", "StartMonitoringSchedule",
                            "StopMonitoringSchedule", "DeleteMonitoringSchedule", "AddTags", "DeleteTags"})

    # --- reading -----------------------------------------------------------------------
    def find(self, clients: Any, name: str) -> Live | None:
        """The schedule with its tags; None when it does not exist."""
        return find_by_name(clients.sagemaker, self.type, "DescribeMonitoringSchedule", "MonitoringScheduleName",
                            "MonitoringScheduleArn", name)

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` with DescribeMonitoringSchedule output; `data` None when it is gone."""
        return describe_into(clients.sagemaker, "DescribeMonitoringSchedule", "MonitoringScheduleName", live)

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """Definition, schedule and status in spec form, with user tags; None when missing. A Pending schedule
        (settling from a create or update, under a minute) counts as the Scheduled it becomes: a saved plan is
        refused as stale if it becomes anything else."""
        if live.data is None:
            return None
        status = live.data.get("MonitoringScheduleStatus")
        return schedule_view(live.data.get("MonitoringScheduleConfig"), SCHEDULED if status == PENDING else status,
                             tagmod.user_tags(live.tags))

    def status(self, live: Live | None) -> str | None:
        return (live.data or {}).get("MonitoringScheduleStatus") if live else None

    # --- relations ---------------------------------------------------------------------
    def uses(self, view: View, desired: Desired | None, live: Live | None) -> set[Address]:
        """The job definition it runs (desired when there is one, else live)."""
        if desired is not None:
            config = thaw(desired.request).get("MonitoringScheduleConfig")
        else:
            config = ((live.data if live is not None else None) or {}).get("MonitoringScheduleConfig")
        found = definition_address(config)
        return {found} if found else set()

    def group(self, address: Address, desired: Desired | None, live: Live | None) -> Address | None:
        """A schedule on an endpoint of the stack goes with that endpoint's rollout, after it."""
        name = desired.extra.get("endpoint") if desired is not None else (live.data or {}).get("EndpointName") \
            if live is not None else None
        return Address(ENDPOINT_TYPE, str(name)) if name else None

    def transition(self, live: Live) -> str | None:
        """Pending (after a create or update); None otherwise (a running execution is waited for only by a
        step that changes the schedule)."""
        return PENDING if self.status(live) == PENDING else None

    def was_applied(self, view: View, address: Address) -> bool:
        """A missing schedule had been applied when the job definition it would run exists."""
        desired = view.desired.get(address)
        return desired is not None and bool(self.uses(view, desired, None) & set(view.live))

    # --- planning ----------------------------------------------------------------------
    def note(self, clients: Any, live: Live) -> str | None:
        """The last execution; when it went well, also the latest of the last day's runs that did not (a violation
        an hour ago must not vanish behind the clean run that followed it)."""
        summary = (live.data or {}).get("LastMonitoringExecutionSummary")
        if not summary:
            return None
        text = f"{live.address}: last execution {execution_summary(summary)}"
        if summary.get("MonitoringExecutionStatus") in ATTENTION:
            return text
        page = call(clients.sagemaker, "ListMonitoringExecutions", {
            "MonitoringScheduleName": live.address.name, "SortBy": "ScheduledTime", "SortOrder": "Descending",
            "MaxResults": RECENT_EXECUTIONS})
        worse = next((e for e in page.get("MonitoringExecutionSummaries") or []
                      if e.get("MonitoringExecutionStatus") in ATTENTION), None)
        if worse is not None:
            text += f"; the latest that needs attention: {execution_summary(worse)}"
        return text

    def capture_note(self, ctx: PlanContext, desired: Desired) -> str | None:
        """The data capture of the endpoint the schedule reads (status, sampling), when the plan read it."""
        name = desired.extra.get("endpoint")
        endpoint = ctx.live.get(Address(ENDPOINT_TYPE, str(name))) if name else None
        capture = ((endpoint.data if endpoint is not None else None) or {}).get("DataCaptureConfig")
        if not capture:
            return None
        return (f"endpoint/{name}: data capture {capture.get('CaptureStatus')}, sampling "
                f"{capture.get('CurrentSamplingPercentage')}% to {capture.get('DestinationS3Uri')} (read by its "
                "monitoring schedules)")

    def assess(self, ctx: PlanContext, desired: Desired, live: Live | None) -> Assessment:
        """Definition, schedule and status compared (a Pending one as the Scheduled it settles to, with a
        warning); a Failed schedule is replaced. None before when missing."""
        if live is None:
            return Assessment(None, desired.comparable)
        note = self.note(ctx.clients, live)
        if note:
            ctx.notes.append(note)
        capture = self.capture_note(ctx, desired)
        if capture:
            ctx.notes.append(capture)
        before = self.comparable(live)
        assert before is not None
        after = thaw(desired.comparable)
        status = self.status(live)
        if status == FAILED:
            reason = (live.data or {}).get("FailureReason") or "no reason given"
            return Assessment(before, after, failed=f"the schedule is Failed ({reason})")
        if status == PENDING:
            ctx.warnings.append(f"{desired.address} is Pending; apply waits for it to settle and refuses the plan if "
                                "the outcome differs from what was planned")
        return Assessment(before, after, pending=self._bookkeeping(ctx, desired, live))

    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """Create (then stop, for `status: Stopped`); replace a Failed one; update the definition or schedule,
        start or stop it, retag."""
        address = str(desired.address)
        name = desired.address.name
        arn = self.arn(ctx.region, ctx.account, name)
        request = thaw(desired.request)
        want = desired.extra.get("status", SCHEDULED)
        if action in (Action.create, Action.replace):
            steps = [Step("DeleteMonitoringSchedule", address, {"MonitoringScheduleName": name},
                          "delete the failed schedule")] if action is Action.replace else []
            steps.append(Step("CreateMonitoringSchedule", address,
                              {**request, "Tags": tagmod.to_tag_list(desired.tags(ctx.stack))},
                              "create the schedule"))
            if want == STOPPED:
                steps.append(Step("StopMonitoringSchedule", address, {"MonitoringScheduleName": name},
                                  "stop it (status: Stopped)"))
            reason = assessment.failed if action is Action.replace else "new monitoring schedule"
            return Planned(reason or "", steps)
        assert live is not None
        before, after = assessment.before, assessment.after
        reasons: list[str] = []
        steps = []
        if any(before.get(k) != after.get(k) for k in CONFIG_KEYS):
            what = _config_reason(before, after)
            steps.append(Step("UpdateMonitoringSchedule", address,
                              {"MonitoringScheduleName": name,
                               "MonitoringScheduleConfig": request["MonitoringScheduleConfig"]},
                              f"update the schedule: {what}"))
            reasons.append(what)
        last = ((live.data or {}).get("LastMonitoringExecutionSummary") or {})
        if steps and last.get("MonitoringExecutionStatus") in RUNNING_EXECUTION:
            ctx.warnings.append(f"{address}: its last execution is {last.get('MonitoringExecutionStatus')}; apply "
                                "waits for it to end before changing the schedule")
        if before.get("status") != after.get("status"):
            operation = "StartMonitoringSchedule" if want == SCHEDULED else "StopMonitoringSchedule"
            verb = "start" if want == SCHEDULED else "stop"
            steps.append(Step(operation, address, {"MonitoringScheduleName": name}, f"{verb} the schedule"))
            outside = live.applied_hash == desired.state_hash  # git did not move: live did
            reasons.append(f"status {before.get('status')} -> {want}"
                           + (f" ({str(before.get('status')).lower()} outside git)" if outside else ""))
        if steps:
            last = steps[-1]
            steps[-1] = Step(last.operation, last.address, last.params, last.description,
                             {tagmod.HASH: desired.state_hash}, arn)
        steps.extend(self.tag_steps(ctx, desired, live, skip_hash=bool(steps)))
        return Planned("; ".join(reasons) or self.tags_reason(assessment), steps)

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        return [Step("DeleteMonitoringSchedule", str(live.address), {"MonitoringScheduleName": live.address.name},
                     "delete the schedule (its execution history stays)")]

    # --- applying ----------------------------------------------------------------------
    def _read(self, ctx: ExecContext, name: str) -> dict[str, Any] | None:
        return read(ctx.clients.sagemaker, "DescribeMonitoringSchedule", {"MonitoringScheduleName": name})

    def _wait(self, ctx: ExecContext, step: Step, done: Any, timeout: float, what: str) -> dict[str, Any] | None:
        name = step.params["MonitoringScheduleName"]

        def status(data: dict[str, Any] | None) -> str:
            if data is None:
                return "deleted"
            text = str(data.get("MonitoringScheduleStatus"))
            last = data.get("LastMonitoringExecutionSummary") or {}
            if last.get("MonitoringExecutionStatus") in RUNNING_EXECUTION:
                text = f"waiting: {text}, its last execution is {execution_summary(last)}"
            return text

        try:
            return wait_with_progress(ctx.wait, ctx.hooks, step, lambda: self._read(ctx, name), done, timeout,
                                      status, quiet_when_done=True)
        except WaitTimeout as exc:
            raise ApplyError(f"{step.address}: timed out waiting for {what}: {exc}") from None

    def _ready(self, ctx: ExecContext, step: Step) -> dict[str, Any] | None:
        """Wait until the schedule may be changed: not Pending, its last execution not running. Rechecks the
        plan when it had to wait."""
        data = self._read(ctx, step.params["MonitoringScheduleName"])
        if data is not None and not _changeable(data):
            data = self._wait(ctx, step, lambda d: d is None or _changeable(d), EXECUTION_TIMEOUT,
                              "the schedule to settle and its execution to end (a schedule is never changed "
                              "while it runs)")
            ctx.recheck(step)
        return data

    def _settled(self, ctx: ExecContext, step: Step, status: set[str]) -> None:
        data = self._wait(ctx, step, lambda d: d is None or d.get("MonitoringScheduleStatus") in status | {FAILED},
                          SETTLE_TIMEOUT, f"the schedule to be {' or '.join(sorted(status))}")
        if data is None:
            raise ApplyError(f"{step.address} disappeared")
        if data.get("MonitoringScheduleStatus") == FAILED:
            raise ApplyError(f"{step.address} is Failed: {data.get('FailureReason') or 'no reason given'}")

    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Run one schedule call, waiting before it until the schedule may change and after it until it
        has settled. A create whose response was lost, a start of a Scheduled one, a stop of a Stopped one
        and a delete of a gone one have succeeded already."""
        sm = ctx.clients.sagemaker
        op = step.operation
        if op in ("AddTags", "DeleteTags"):
            run_simple(sm, step)
            return
        if op == "CreateMonitoringSchedule":
            try:
                call(sm, op, step.params_plain())
            except Exception as exc:
                if not (is_conflict(exc) and self._ours(ctx, step)):
                    raise
                ctx.hooks.step_progress(step, "already created by an earlier attempt of this request")
            self._settled(ctx, step, {SCHEDULED, STOPPED})
            return
        data = self._ready(ctx, step)
        if data is None:
            if op == "DeleteMonitoringSchedule":
                return
            raise ApplyError(f"{step.address} disappeared")
        status = data.get("MonitoringScheduleStatus")
        if op == "DeleteMonitoringSchedule":
            try:
                call(sm, op, step.params_plain())
            except Exception as exc:
                if not is_not_found(exc):
                    raise
            self._wait(ctx, step, lambda d: d is None, SETTLE_TIMEOUT, "the schedule to be deleted")
        elif op == "UpdateMonitoringSchedule":
            call(sm, op, step.params_plain())
            self._settled(ctx, step, {SCHEDULED, STOPPED})
        else:
            target = SCHEDULED if op == "StartMonitoringSchedule" else STOPPED
            if status == target:
                ctx.hooks.step_progress(step, f"already {target}")
                return
            call(sm, op, step.params_plain())
            self._settled(ctx, step, {target})

    def _ours(self, ctx: ExecContext, step: Step) -> bool:
        live = self.find(ctx.clients, step.params["MonitoringScheduleName"])
        wanted = {t["Key"]: t["Value"] for t in step.params.get("Tags") or ()}
        return live is not None and all(live.tags.get(k) == wanted.get(k) for k in (tagmod.STACK, tagmod.HASH))


def _changeable(data: dict[str, Any]) -> bool:
    last = data.get("LastMonitoringExecutionSummary") or {}
    return data.get("MonitoringScheduleStatus") != PENDING and \
        last.get("MonitoringExecutionStatus") not in RUNNING_EXECUTION


def _config_reason(before: dict[str, Any], after: dict[str, Any]) -> str:
    parts = []
    if before.get("jobDefinitionName") != after.get("jobDefinitionName") or \
            before.get("monitoringType") != after.get("monitoringType"):
        parts.append(f"runs {after.get('jobDefinitionName')} (was {before.get('jobDefinitionName')})")
    if before.get("scheduleConfig") != after.get("scheduleConfig"):
        old = (before.get("scheduleConfig") or {}).get("scheduleExpression")
        new = (after.get("scheduleConfig") or {}).get("scheduleExpression")
        parts.append(f"schedule {old} -> {new}" if old != new else "analysis window changes")
    return "; ".join(parts)


HANDLER = MonitoringScheduleHandler
