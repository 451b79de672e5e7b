"""Handler for SageMaker inference experiments of type ShadowMode (`inference-experiment/<name>`),
the AWS resource behind a `ShadowTest` document.

An experiment is created and started; while it is active it is updated in place
(UpdateInferenceExperiment) and it holds its endpoint (changes to the endpoint wait until
it ends, and the endpoint's serving config is the experiment's, not drift). A finished
experiment (Completed or Cancelled) whose spec changes is replaced. Removing the document
stops the experiment (production variant retained, shadow removed) and deletes its
metadata. Promotion is the `reconciler promote` command, not a plan step. Missing
experiments: `find` returns None (SageMaker answers ResourceNotFound).
"""

from __future__ import annotations

from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.aws.calls import call
from reconciler.aws.waits import WaitTimeout, wait_with_progress
from reconciler.changes import Action, Step
from reconciler.diff.policy import FieldPolicy, iso_utc
from reconciler.errors import ApplyError
from reconciler.frozen import thaw
from reconciler.handlers.base import Assessment, ExecContext, Handler, PlanContext, Planned
from reconciler.handlers.sagemaker_common import describe_into, find_by_name, list_tags, read, run_simple
from reconciler.hashing import content_hash
from reconciler.resources import Desired, Live

ACTIVE = {"Creating", "Created", "Updating", "Starting", "Running", "Stopping"}
FINISHED = {"Completed", "Cancelled"}
UPDATABLE = ("Description", "ModelVariants", "DataStorageConfig", "ShadowModeConfig")
WAIT_TIMEOUT = 1800.0
ENDPOINT_TYPE = "endpoint"


def schedule_of(request: dict[str, Any]) -> dict[str, str]:
    """The experiment's schedule, timestamps as `YYYY-MM-DDTHH:MM:SSZ` (compared apart from its settings)."""
    schedule = request.get("Schedule") or {}
    return {k: iso_utc(v) for k, v in schedule.items() if v is not None}


def _body(comparable: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comparable.items() if k != "tags"}


def _models(comparable: dict[str, Any] | None) -> dict[str, Any]:
    """Variant name -> model of a comparable view (what a running experiment cannot change)."""
    variants = (comparable or {}).get("modelVariants") or []
    return {v.get("variantName"): v.get("modelName") for v in variants}


def shadow_variants(data: dict[str, Any]) -> tuple[str | None, list[str]]:
    """(production variant name, shadow variant names) of an experiment."""
    shadow = data.get("ShadowModeConfig") or {}
    return shadow.get("SourceModelVariantName"), [v.get("ShadowModelVariantName")
                                                  for v in shadow.get("ShadowModelVariants") or []]


def endpoint_name(data: dict[str, Any]) -> str | None:
    return (data.get("EndpointMetadata") or {}).get("EndpointName")


class InferenceExperimentHandler(Handler):
    type = "inference-experiment"
    service = "sagemaker"
    arn_type = "inference-experiment"
    tagging_type = "sagemaker:inference-experiment"
    # last: after its endpoint and that endpoint's autoscaling (post stage); stopped before them
    after = (ENDPOINT_TYPE, "scaling-policy", "scheduled-action")
    immutable = False
    describe_on_plan = True
    noun = "shadow test"
    operations = frozenset({"CreateInferenceExperiment", "StartInferenceExperiment", "UpdateInferenceExperiment",
                            "StopInferenceExperiment", "DeleteInferenceExperiment", "AddTags", "DeleteTags"})
    shape = ("sagemaker", "CreateInferenceExperiment")
    policy = FieldPolicy(
        members=frozenset({"Description", "RoleArn", "EndpointName", "ModelVariants", "DataStorageConfig",
                           "ShadowModeConfig", "KmsKey"}),
        prune=("last",),
        aliases=(("EndpointName", "EndpointMetadata.EndpointName"),),  # DescribeInferenceExperiment's form
        server_only=("ModelVariants[].Status",),
        numbers=(("ShadowModeConfig.ShadowModelVariants[].SamplingPercentage", int),),
        keyed_lists=(("ModelVariants", "VariantName"),),
    )

    def find(self, clients: Any, name: str) -> Live | None:
        """The experiment with its tags; None when it does not exist."""
        return find_by_name(clients.sagemaker, self.type, "DescribeInferenceExperiment", "Name", "Arn", name)

    def describe(self, clients: Any, live: Live) -> Live:
        """`live` with DescribeInferenceExperiment output; `data` None when it is gone."""
        return describe_into(clients.sagemaker, "DescribeInferenceExperiment", "Name", live)

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """The experiment's settings in spec form, with user tags; None when missing."""
        if live.data is None:
            return None
        return self.comparable_of(live.data, tagmod.user_tags(live.tags))

    def uses(self, view: Any, desired: Desired | None, live: Live | None) -> set[Address]:
        """The models its variants run (desired when there is one, else live)."""
        source = thaw(desired.request) if desired is not None else (live.data if live is not None else None) or {}
        variants = source.get("ModelVariants") or ()
        return {Address("model", str(mv["ModelName"])) for mv in variants if mv.get("ModelName")}

    def holds(self, live: Live) -> set[Address]:
        """While active, the experiment holds its endpoint."""
        data = live.data or {}
        name = endpoint_name(data)
        return {Address(ENDPOINT_TYPE, name)} if name and data.get("Status") in ACTIVE else set()

    def group(self, address: Address, desired: Desired | None, live: Live | None) -> Address | None:
        """A shadow test starts right after its endpoint (and that endpoint's autoscaling)."""
        if desired is not None:
            return Address(ENDPOINT_TYPE, str(desired.request.get("EndpointName")))
        name = endpoint_name(live.data or {}) if live else None
        return Address(ENDPOINT_TYPE, name) if name else None

    def transition(self, live: Live) -> str | None:
        """Creating, Updating, Starting or Stopping; None otherwise."""
        status = self.status(live)
        return status if status in {"Creating", "Updating", "Starting", "Stopping"} else None

    def status(self, live: Live | None) -> str | None:
        return (live.data or {}).get("Status") if live else None

    def note(self, live: Live) -> str:
        data = live.data or {}
        production, shadows = shadow_variants(data)
        sampling = [f"{v.get('ShadowModelVariantName')} {v.get('SamplingPercentage')}%"
                    for v in (data.get("ShadowModeConfig") or {}).get("ShadowModelVariants") or []]
        status = data.get("Status")
        text = f"{live.address} is {status}: endpoint/{endpoint_name(data)} mirrors {', '.join(sampling) or 'no'} " \
               f"traffic of variant {production} to shadow {', '.join(str(s) for s in shadows)}"
        if status in FINISHED and data.get("CompletionTime"):
            text += f" (ended {data['CompletionTime']})"
        if status == "Running":
            text += f"; promote with: reconciler promote ShadowTest/{live.address.name}"
        return text

    def assess(self, ctx: PlanContext, desired: Desired, live: Live | None) -> Assessment:
        """Settings and the schedule compared; a finished experiment whose settings change runs again."""
        if live is None:
            return Assessment(None, desired.comparable)
        ctx.notes.append(self.note(live))
        before = self.comparable(live)
        assert before is not None
        after = thaw(desired.comparable)
        want = schedule_of(thaw(desired.request))
        have = schedule_of(live.data or {})
        compare = ({"body": _body(before), "schedule": {k: have.get(k) for k in want}, "tags": before["tags"]},
                   {"body": _body(after), "schedule": want, "tags": after["tags"]})
        finished = self.status(live) in FINISHED
        if finished:
            replace: tuple[str, ...] = ("body", "schedule")
        else:  # only the infrastructure and sampling of an active experiment change in place
            replace = ("body",) if _models(before) != _models(after) else ()
        return Assessment(before, after, compare=compare, replace_paths=replace,
                          pending=self._bookkeeping(ctx, desired, live))

    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """Create and start; delete the finished one and run again; update while active; retag."""
        address = str(desired.address)
        create = [Step("CreateInferenceExperiment", address,
                       {**thaw(desired.request), "Tags": tagmod.to_tag_list(desired.tags(ctx.stack))},
                       "create the shadow test"),
                  Step("StartInferenceExperiment", address, {"Name": desired.address.name}, "start the shadow test")]
        if action is Action.create:
            return Planned("new shadow test", post=create)
        assert live is not None
        status = self.status(live)
        if action is Action.replace:
            steps = [Step("DeleteInferenceExperiment", address, {"Name": desired.address.name},
                          "delete the finished experiment's metadata"), *create]
            if status in ACTIVE:
                stop = self._stop_step(live, "its models changed in git; it starts again with the new ones")
                return Planned(f"the models of the {status} shadow test change: it is stopped (production "
                               "retained) and runs again", post=[stop, *steps])
            return Planned(f"the experiment is {status}; its spec changed, so it runs again", post=steps)
        delta = assessment.delta
        if not (delta.different_at("body") or delta.different_at("schedule")):
            return Planned("tags change", self.tag_steps(ctx, desired, live))
        params: dict[str, Any] = {"Name": desired.address.name}
        request = thaw(desired.request)
        for key in UPDATABLE:
            if key in request:
                params[key] = request[key]
        if delta.different_at("schedule"):
            schedule = schedule_of(request)
            if status == "Running":
                schedule.pop("StartTime", None)  # only the end of a running experiment can move
            if schedule:
                params["Schedule"] = schedule
        steps = [Step("UpdateInferenceExperiment", address, params, "update the shadow test",
                      {tagmod.HASH: desired.state_hash}, self.arn(ctx.region, ctx.account, desired.address.name))]
        steps.extend(self.tag_steps(ctx, desired, live, skip_hash=True))
        return Planned(f"settings change while {status}", steps)

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        steps: list[Step] = []
        if self.status(live) in ACTIVE:
            steps.append(self._stop_step(live, "removed from the specs"))
        steps.append(Step("DeleteInferenceExperiment", str(live.address), {"Name": live.address.name},
                          "delete the experiment's metadata"))
        return steps

    def _stop_step(self, live: Live, reason: str) -> Step:
        production, shadows = shadow_variants(live.data or {})
        actions = {str(production): "Retain", **{str(s): "Remove" for s in shadows}}
        return Step("StopInferenceExperiment", str(live.address),
                    {"Name": live.address.name, "ModelVariantActions": actions, "DesiredState": "Cancelled",
                     "Reason": reason}, "stop the shadow test (production retained, shadow removed)")

    # --- applying ----------------------------------------------------------------------
    def _wait_status(self, ctx: ExecContext, step: Step, done: set[str]) -> dict[str, Any]:
        name = step.params["Name"]

        def read() -> dict[str, Any] | None:
            live = self.find(ctx.clients, name)
            return live.data if live else None

        try:
            data = wait_with_progress(ctx.wait, ctx.hooks, step, read,
                                      lambda d: d is None or d.get("Status") in done, WAIT_TIMEOUT,
                                      lambda d: str((d or {}).get("Status", "gone")))
        except WaitTimeout as exc:
            raise ApplyError(f"{step.address}: timed out waiting for {', '.join(sorted(done))}: {exc}") from None
        if data is None:
            raise ApplyError(f"{step.address} disappeared")
        return data

    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Run one experiment call and wait for the status it leads to."""
        sm = ctx.clients.sagemaker
        op = step.operation
        if op == "CreateInferenceExperiment":
            call(sm, op, step.params_plain())
            self._wait_status(ctx, step, {"Created", "Running", "Starting"} | FINISHED)
        elif op == "StartInferenceExperiment":
            live = self.find(ctx.clients, step.params["Name"])
            status = self.status(live)
            if status == "Created":
                call(sm, op, step.params_plain())
            else:
                ctx.hooks.step_progress(step, f"already {status}: its schedule started it")
            self._wait_status(ctx, step, {"Running"} | FINISHED)
        elif op == "UpdateInferenceExperiment":
            call(sm, op, step.params_plain())
            self._wait_status(ctx, step, {"Created", "Running"} | FINISHED)
        elif op == "StopInferenceExperiment":
            before = self.find(ctx.clients, step.params["Name"])
            serving = ((before.data or {}).get("EndpointMetadata") or {}).get("EndpointConfigName") if before else None
            call(sm, op, step.params_plain())
            data = self._wait_status(ctx, step, FINISHED)
            claim_configs(ctx, step, endpoint_name(data) or "", {serving} if serving else set())
        else:
            run_simple(sm, step)


def claim_configs(ctx: ExecContext, step: Step, endpoint: str, names: set[str]) -> None:
    """Tag the endpoint configs the experiment made the endpoint serve (during the test, and after it
    ended) as owned by the endpoint's document, so they are adopted or collected like any other config
    instead of being left behind. Only for an endpoint of this stack; configs owned by anyone are left."""
    sm = ctx.clients.sagemaker
    data = read(sm, "DescribeEndpoint", {"EndpointName": endpoint}) if endpoint else None
    if data is None:
        return
    names = set(names) | {data.get("EndpointConfigName")}
    names |= {(data.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")}
    endpoint_tags = list_tags(sm, data["EndpointArn"])
    if endpoint_tags.get(tagmod.STACK) != ctx.stack:
        return
    user = tagmod.user_tags(endpoint_tags)
    for name in sorted(n for n in names if n):
        config = read(sm, "DescribeEndpointConfig", {"EndpointConfigName": name})
        if config is None or list_tags(sm, config["EndpointConfigArn"]).get(tagmod.STACK):
            continue
        tags = {**user, **tagmod.ownership(ctx.stack, endpoint_tags.get(tagmod.ADDRESS, ""),
                                           content_hash({"name": name, "tags": user}))}
        call(sm, "AddTags", {"ResourceArn": config["EndpointConfigArn"], "Tags": tagmod.to_tag_list(tags)})
        ctx.hooks.step_progress(step, f"endpoint-config/{name} (made by the shadow test) is now the stack's: "
                                      "collected once nothing serves it")


def promote_params(live: Live, retain_production: bool) -> dict[str, Any]:
    """StopInferenceExperiment parameters that promote the shadow variant."""
    data = live.data or {}
    production, shadows = shadow_variants(data)
    actions = {str(s): "Promote" for s in shadows}
    actions[str(production)] = "Retain" if retain_production else "Remove"
    configs = {mv["VariantName"]: {k: v for k, v in mv.items() if k != "Status"}
               for mv in data.get("ModelVariants", [])}
    keep = [configs[s] for s in shadows if s in configs]
    if retain_production and production in configs:
        keep.insert(0, configs[production])
    return {"Name": live.address.name, "ModelVariantActions": actions, "DesiredModelVariants": keep,
            "DesiredState": "Completed", "Reason": "promoted with reconciler promote"}


HANDLER = InferenceExperimentHandler
