"""Handler for Inference Recommender jobs (`inference-recommendations-job/<name>-<hash>`), the AWS resource
behind a `RecommendationJob` document: immutable and content-addressed.

A job is created once (CreateInferenceRecommendationsJob with its ownership tags) and runs on its own;
it is never updated: a changed spec is a new name, so a new job. What a job found stays with it, so the
document's earlier jobs are history: every job of the document that is not running any more is kept by
the current one (`uses`), and garbage collection never reaches it. The only deletion is of a running job
whose document changed: it is stopped (StopInferenceRecommendationsJob) and kept, as STOPPED, with the
rest of the history. SageMaker has no API that deletes a recommendation job: when a document leaves a
stack that prunes, its jobs are released instead (a running one stopped first, then its ownership tags
removed), so the stack forgets them and SageMaker keeps them.

While a job runs, SageMaker deploys models, endpoint configs and endpoints named after it (the job name
truncated to 40 characters) to benchmark them. They carry none of the stack's tags and no document names
them, so the planner never discovers, probes, compares or collects them.

The plan notes each job's status (and its failure reason); the recommendations themselves are
`reconciler recommendations`, and a note says when an endpoint serving the benchmarked model runs an
instance type other than the cheapest one recommended within the job's latency limit. Missing jobs:
`find` returns None (SageMaker answers ResourceNotFound).
"""

from __future__ import annotations

from typing import Any

from reconciler.addressing import Address
from reconciler.aws.calls import call
from reconciler.aws.errors import is_client_error
from reconciler.aws.shapes import InputMembers
from reconciler.changes import Action, Step
from reconciler.diff.policy import FieldPolicy
from reconciler.frozen import thaw
from reconciler.handlers.base import Assessment, ExecContext, PlanContext, Planned
from reconciler.handlers.immutable import ImmutableSageMakerHandler
from reconciler.handlers.inference_recommendations import (
    COMPLETED,
    RUNNING,
    benchmarked,
    cheapest_within,
    latency_limit,
    recommendations,
    serving,
)
from reconciler.handlers.sagemaker_common import describe_into, find_by_name, run_simple
from reconciler.resources import Desired, Live

OPERATION = "CreateInferenceRecommendationsJob"
STOP = "StopInferenceRecommendationsJob"
MODEL_TYPE = "model"
DURATIONS = "a Default job takes up to about 45 minutes, an Advanced one (a load test) about 2 hours"


class RecommendationJobHandler(ImmutableSageMakerHandler):
    type = "inference-recommendations-job"
    arn_type = "inference-recommendations-job"
    tagging_type = "sagemaker:inference-recommendations-job"
    after = (MODEL_TYPE, "endpoint")  # the model it benchmarks (modelName), an endpoint it tests (endpoints)
    describe_on_plan = True  # its status and results are in its describe output
    noun = "recommendation job"
    operations = frozenset({OPERATION, STOP, "AddTags", "DeleteTags"})
    create_operation = OPERATION
    describe_operation = "DescribeInferenceRecommendationsJob"
    delete_operation = STOP  # never deleted: a running job is stopped (see delete_steps)
    name_param = "JobName"
    arn_key = "JobArn"
    shape = ("sagemaker", OPERATION)
    superseded_reason = "superseded while it runs: stopped, and kept as history"
    policy = FieldPolicy(
        members=InputMembers("sagemaker", OPERATION, omit=("JobName", "Tags")),
        falsy_absent=("JobDescription",),
    )

    # --- reading -----------------------------------------------------------------------
    def find(self, clients: Any, name: str) -> Live | None:
        """The job (its describe output: status, recommendations) with its tags; None when it does not exist."""
        return find_by_name(clients.sagemaker, self.type, self.describe_operation, self.name_param, self.arn_key,
                            name)

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` with DescribeInferenceRecommendationsJob output; `data` None when the job is gone."""
        return describe_into(clients.sagemaker, self.describe_operation, self.name_param, live)

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """The request SageMaker holds (its describe output has no OutputConfig), in spec form, with user tags;
        None when not described or missing."""
        return super().comparable(live)

    def status(self, live: Live | None) -> str | None:
        """The job's status (PENDING, IN_PROGRESS, COMPLETED, FAILED, STOPPING, STOPPED, ...); None unread."""
        return (live.data or {}).get("Status") if live is not None else None

    def history(self, view: Any, spec: str | None, but: Address | None = None) -> list[Live]:
        """The document's other live jobs (all but `but`), newest first."""
        jobs = [lv for a, lv in view.live.items() if a.type == self.type and a != but and lv.spec == spec]
        return sorted(jobs, key=lambda lv: str((lv.data or {}).get("CreationTime") or ""), reverse=True)

    # --- relations ---------------------------------------------------------------------
    def uses(self, view: Any, desired: Desired | None, live: Live | None) -> set[Address]:
        """The model it benchmarks by name (while it is desired or running), and, for the document's current
        job, every earlier job of the document that is not running (history: never collected)."""
        source = thaw(desired.request) if desired is not None else (live.data if live is not None else None)
        used: set[Address] = set()
        target = benchmarked(source)
        if target and target[0] == "model" and (desired is not None or self.status(live) in RUNNING):
            used.add(Address(MODEL_TYPE, target[1]))
        if desired is not None:
            used |= {lv.address for lv in self.history(view, desired.spec, desired.address)
                     if self.status(lv) not in RUNNING}
        return used

    # --- planning ----------------------------------------------------------------------
    def assess(self, ctx: PlanContext, desired: Desired, live: Live | None) -> Assessment:
        """Tags only once the job exists (its content is its name); the job's status and what its results say
        about the endpoints serving its model go to the plan notes. None before when missing."""
        if live is not None:
            ctx.notes.append(self.note(desired, live))
        self._instance_notes(ctx, desired, live)
        return super().assess(ctx, desired, live)

    def note(self, desired: Desired, live: Live) -> str:
        """The status of the document's job, in words."""
        data = live.data or {}
        status = data.get("Status")
        head = f"{desired.spec}: {self.noun} {live.address.name} ({data.get('JobType', '')}) is {status}"
        if status in RUNNING:
            return f"{head}; {DURATIONS}; its results: reconciler recommendations"
        if status == COMPLETED:
            count = len(data.get("InferenceRecommendations") or [])
            return f"{head} with {count} recommendation(s); see them with: reconciler recommendations"
        if status == "FAILED":
            return (f"{head}: {data.get('FailureReason') or 'no reason given'}; a job is not run again as it is: "
                    "change its spec (jobDescription, for one) to start a new one")
        return f"{head}; a job is not run again as it is: change its spec to start a new one"

    def _instance_notes(self, ctx: PlanContext, desired: Desired, live: Live | None) -> None:
        """A note per endpoint variant serving the benchmarked model on an instance type other than the
        cheapest one recommended within the job's latency limit (from the current job when it has completed,
        else from the document's latest completed job)."""
        source = live if self.status(live) == COMPLETED else next(
            (lv for lv in self.history(ctx, desired.spec, desired.address) if self.status(lv) == COMPLETED), None)
        if source is None:
            return
        data = source.data or {}
        limit = latency_limit(data)
        rows = recommendations(data)
        best = cheapest_within(rows, limit)
        if best is None:
            return
        within = f"within its {limit[0]} latency limit of {limit[1]} ms" if limit else "(it sets no latency limit)"
        costs = {r.instance_type: r.cost_per_hour for r in rows if r.instance_type}
        for variant in serving(ctx, thaw(desired.request)):
            if variant.serverless or not variant.instance_type or variant.instance_type == best.instance_type:
                continue
            theirs = costs.get(variant.instance_type)
            against = f" against {_money(theirs)}/h" if theirs is not None else " (not among its recommendations)"
            ctx.notes.append(
                f"{variant.spec} variant {variant.variant} runs {variant.instance_type}; {desired.spec}'s job "
                f"{source.address.name} recommends {best.instance_type} as the cheapest {within}: "
                f"{_money(best.cost_per_hour)}/h{against}")

    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """Create the job (a new name: it supersedes the document's earlier jobs, kept as history); retag."""
        planned = super().plan_steps(ctx, action, desired, live, assessment)
        if action is not Action.update:
            earlier = len(self.history(ctx, desired.spec, desired.address))
            if earlier:
                planned.reason += f" ({earlier} earlier job(s) of {desired.spec} kept as history)"
        return planned

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        """A job is never deleted (SageMaker cannot): a running one is stopped and kept; the jobs of a document
        gone from a pruning stack are also released (their ownership tags removed: SageMaker keeps them)."""
        steps: list[Step] = []
        address = str(live.address)
        if self.status(live) in RUNNING:
            steps.append(Step(STOP, address, {"JobName": live.address.name},
                              f"stop the {self.noun}; SageMaker keeps it (STOPPED) with what it found so far"))
        if not any(d.spec == live.spec for d in ctx.desired.values()):
            keys = sorted(k for k in live.tags if k.startswith("reconciler:"))
            steps.append(Step("DeleteTags", address, {"ResourceArn": live.arn, "TagKeys": keys},
                              f"release the {self.noun}: SageMaker has no delete, so the stack forgets it"))
        return steps

    # --- applying ----------------------------------------------------------------------
    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Create (the job then runs on its own: nothing waits for it), stop a running job (one that has
        finished meanwhile is left as it is), or retag."""
        if step.operation == OPERATION:
            super().execute(ctx, step)
            ctx.hooks.step_progress(step, f"started; {DURATIONS}; its results: reconciler recommendations")
            return
        if step.operation == STOP:
            try:
                call(ctx.clients.sagemaker, STOP, step.params_plain())
            except Exception as exc:
                live = self.find(ctx.clients, step.params["JobName"]) if is_client_error(exc) else None
                if live is None or self.status(live) in RUNNING:
                    raise
                ctx.hooks.step_progress(step, f"already {self.status(live)}: nothing to stop")
                return
            ctx.hooks.step_progress(step, "stopping; the job is kept as history")
            return
        run_simple(ctx.clients.sagemaker, step)


def _money(value: float | None) -> str:
    return "?" if value is None else f"${value:.3f}"


HANDLER = RecommendationJobHandler
