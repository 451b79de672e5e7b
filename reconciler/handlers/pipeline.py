"""Handler for SageMaker pipelines (`pipeline/<name>`), the AWS resource behind a Pipeline document:
named after the document and changed in place (UpdatePipeline, never a replace).

The definition is compared in canonical form (see `pipeline_definition`: key order, whitespace and
the nulls the SDK emits do not matter), so an unchanged pipeline plans clean whatever SageMaker
returns, and a change is shown step by step (`Change.details`). `startOnChange` starts an
execution after each create or update and prints its ARN. The last execution (status, start,
the failed step and its reason) is a plan note. Deleting a pipeline stops its running executions
first (SageMaker refuses to delete one that runs). Missing pipelines: `find` returns None
(SageMaker answers ResourceNotFound).
"""

from __future__ import annotations

from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.aws.calls import call
from reconciler.aws.errors import is_conflict, is_not_found
from reconciler.aws.waits import WaitTimeout, wait_with_progress
from reconciler.changes import Action, Step
from reconciler.diff.policy import FieldPolicy, iso_utc
from reconciler.errors import ApplyError
from reconciler.frozen import thaw
from reconciler.handlers.base import Assessment, ExecContext, Handler, PlanContext, Planned
from reconciler.handlers.pipeline_definition import canonical, diff_lines, field_lines
from reconciler.handlers.sagemaker_common import describe_into, find_by_name
from reconciler.resources import Desired, Live

GROUP_TYPE = "model-package-group"
RUNNING = frozenset({"Executing", "Stopping"})
STOP_TIMEOUT = 1800.0
SETTINGS = ("RoleArn", "PipelineDisplayName", "PipelineDescription", "ParallelismConfiguration")
POLICY = FieldPolicy(members=frozenset(SETTINGS))


def pipeline_view(request: Any, name: str, tags: dict[str, str]) -> dict[str, Any]:
    """The comparable form of a create request or describe output: the canonical definition, the settings in
    spec form (a display name equal to the name is SageMaker's default, left out), user tags."""
    data = thaw(request) or {}
    settings = POLICY.normalize(data)
    if settings.get("PipelineDisplayName") == name:
        settings.pop("PipelineDisplayName")
    view: dict[str, Any] = {k[0].lower() + k[1:]: v for k, v in settings.items()}
    if "ParallelismConfiguration" in settings:
        view["parallelismConfiguration"] = {"maxParallelExecutionSteps": int(
            settings["ParallelismConfiguration"].get("MaxParallelExecutionSteps", 0))}
    try:
        view["pipelineDefinition"] = canonical(data.get("PipelineDefinition") or {})
    except ValueError:
        view["pipelineDefinition"] = {"unreadable": str(data.get("PipelineDefinition"))[:200]}
    return {**view, "tags": dict(tags)}


def start_params(name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"PipelineName": name}
    if parameters:
        params["PipelineParameters"] = [{"Name": k, "Value": _text(v)} for k, v in sorted(parameters.items())]
    return params


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class PipelineHandler(Handler):
    type = "pipeline"
    service = "sagemaker"
    arn_type = "pipeline"
    tagging_type = "sagemaker:pipeline"
    immutable = False
    describe_on_plan = True
    noun = "pipeline"
    after = (GROUP_TYPE,)  # the groups its RegisterModel steps write to exist first (and go last)
    operations = frozenset({"CreatePipeline", "UpdatePipeline", "StartPipelineExecution", "DeletePipeline", "AddTags",
                            "DeleteTags"})

    def find(self, clients: Any, name: str) -> Live | None:
        """The pipeline with its tags; None when it does not exist."""
        return find_by_name(clients.sagemaker, self.type, "DescribePipeline", "PipelineName", "PipelineArn", name)

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` with DescribePipeline output; `data` None when it is gone."""
        return describe_into(clients.sagemaker, "DescribePipeline", "PipelineName", live)

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """Canonical definition, settings and user tags; None when missing."""
        if live.data is None:
            return None
        return pipeline_view(live.data, live.address.name, tagmod.user_tags(live.tags))

    def uses(self, view: Any, desired: Desired | None, live: Live | None) -> set[Address]:
        """The model package groups its steps register into (from the desired definition; empty from live)."""
        if desired is None:
            return set()
        return {Address(GROUP_TYPE, str(g)) for g in desired.extra.get("groups") or ()}

    # --- planning ----------------------------------------------------------------------
    def note(self, ctx: PlanContext, live: Live) -> str | None:
        """The last execution: status and start, and for a failed one the step that failed and why."""
        page = call(ctx.clients.sagemaker, "ListPipelineExecutions", {
            "PipelineName": live.address.name, "SortBy": "CreationTime", "SortOrder": "Descending", "MaxResults": 1})
        summaries = page.get("PipelineExecutionSummaries") or []
        if not summaries:
            return None
        last = summaries[0]
        status = last.get("PipelineExecutionStatus")
        text = f"{live.address}: last execution {status} (started {iso_utc(last.get('StartTime'))})"
        if status == "Failed":
            steps = call(ctx.clients.sagemaker, "ListPipelineExecutionSteps",
                         {"PipelineExecutionArn": last["PipelineExecutionArn"]}).get("PipelineExecutionSteps") or []
            failed = next((s for s in steps if s.get("StepStatus") == "Failed"), None)
            if failed is not None:
                text += f": step {failed.get('StepName')} failed: {failed.get('FailureReason') or 'no reason given'}"
            elif last.get("PipelineExecutionFailureReason"):
                text += f": {last['PipelineExecutionFailureReason']}"
        return text

    def assess(self, ctx: PlanContext, desired: Desired, live: Live | None) -> Assessment:
        """Canonical definition and settings compared; the last execution is a note. None before when missing."""
        if live is None:
            return Assessment(None, desired.comparable)
        note = self.note(ctx, live)
        if note:
            ctx.notes.append(note)
        before = self.comparable(live)
        return Assessment(before, thaw(desired.comparable), pending=self._bookkeeping(ctx, desired, live))

    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """CreatePipeline or UpdatePipeline (with the definition step by step in the details), then the execution
        `startOnChange` asks for; tag steps for tags."""
        address, name = str(desired.address), desired.address.name
        request = thaw(desired.request)
        start = desired.extra.get("start")
        after = thaw(desired.comparable)
        if live is None:
            steps = [Step("CreatePipeline", address, {**request, "Tags": tagmod.to_tag_list(desired.tags(ctx.stack))},
                          "create the pipeline")]
            if start is not None:
                steps.append(Step("StartPipelineExecution", address, start_params(name, thaw(start)),
                                  "start an execution (startOnChange)"))
            settings = {k: v for k, v in after.items() if k != "pipelineDefinition"}
            return Planned("new pipeline", steps, details=[*field_lines({}, settings),
                                                            *diff_lines({}, after["pipelineDefinition"])])
        before = assessment.before or {}
        body = [k for k in after if k != "tags" and before.get(k) != after.get(k)]
        steps = []
        details: list[str] = []
        if body:
            arn = self.arn(ctx.region, ctx.account, name)
            steps.append(Step("UpdatePipeline", address, request, "update the pipeline (a new pipeline version)",
                              {tagmod.HASH: desired.state_hash}, arn))
            details = diff_lines(before.get("pipelineDefinition"), after.get("pipelineDefinition"))
            rest = {k: v for k, v in before.items() if k != "pipelineDefinition"}
            wanted = {k: v for k, v in after.items() if k != "pipelineDefinition"}
            details = field_lines(rest, wanted) + details
            if start is not None:
                steps.append(Step("StartPipelineExecution", address, start_params(name, thaw(start)),
                                  "start an execution (startOnChange)"))
        steps.extend(self.tag_steps(ctx, desired, live, skip_hash=bool(body)))
        if not body:
            return Planned(self.tags_reason(assessment), steps)
        touched = sorted({line.split()[2].rstrip(":") for line in details if line[2:].startswith("step ")})
        what = ", ".join(body) + (" change" if len(body) > 1 else " changes")
        if touched:
            what += f" (step{'s' if len(touched) > 1 else ''} {', '.join(touched)})"
        return Planned(f"{what}: updated in place, a new pipeline version", steps, details=details)

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        return [Step("DeletePipeline", str(live.address), {"PipelineName": live.address.name},
                     "delete the pipeline (running executions are stopped first)")]

    # --- applying ----------------------------------------------------------------------
    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Create (a lost response's retry meets its own pipeline), update, start (printing the execution ARN),
        delete (stopping running executions first), retag."""
        sm = ctx.clients.sagemaker
        op = step.operation
        if op == "CreatePipeline":
            try:
                call(sm, op, step.params_plain())
            except Exception as exc:
                if not (is_conflict(exc) or "already exists" in str(exc)) or not self._ours(ctx, step):
                    raise
                ctx.hooks.step_progress(step, "already created by an earlier attempt of this request")
        elif op == "StartPipelineExecution":
            answer = call(sm, op, step.params_plain())
            ctx.hooks.step_progress(step, f"started {answer.get('PipelineExecutionArn')}")
        elif op == "DeletePipeline":
            self._stop_running(ctx, step)
            try:
                call(sm, op, step.params_plain())
            except Exception as exc:
                if not is_not_found(exc):
                    raise
        else:
            call(sm, op, step.params_plain())

    def _stop_running(self, ctx: ExecContext, step: Step) -> None:
        sm = ctx.clients.sagemaker
        name = step.params["PipelineName"]
        try:
            page = call(sm, "ListPipelineExecutions", {"PipelineName": name, "MaxResults": 100})
        except Exception as exc:
            if is_not_found(exc):
                return
            raise
        for execution in page.get("PipelineExecutionSummaries") or []:
            arn = execution["PipelineExecutionArn"]
            status = execution.get("PipelineExecutionStatus")
            if status not in RUNNING:
                continue
            if status == "Executing":  # one already Stopping is only waited for
                call(sm, "StopPipelineExecution", {"PipelineExecutionArn": arn})
            ctx.hooks.step_progress(step, f"stopping {arn}")
            try:
                wait_with_progress(ctx.wait, ctx.hooks, step,
                                   lambda a=arn: call(sm, "DescribePipelineExecution", {"PipelineExecutionArn": a}),
                                   lambda d: d.get("PipelineExecutionStatus") not in RUNNING, STOP_TIMEOUT,
                                   lambda d: str(d.get("PipelineExecutionStatus")))
            except WaitTimeout as exc:
                raise ApplyError(f"{step.address}: timed out stopping {arn}: {exc}") from None

    def _ours(self, ctx: ExecContext, step: Step) -> bool:
        live = self.find(ctx.clients, step.params["PipelineName"])
        wanted = {t["Key"]: t["Value"] for t in step.params.get("Tags") or ()}
        return live is not None and all(live.tags.get(k) == wanted.get(k) for k in (tagmod.STACK, tagmod.HASH))


HANDLER = PipelineHandler
