"""Handler for SageMaker inference experiments of type ShadowMode (`inference-experiment/<name>`),
the AWS resource behind a `ShadowTest` document.

An experiment is created and started; while it is active it is updated in place
(UpdateInferenceExperiment) and it owns its endpoint's serving config (the endpoint
handler reports that endpoint as managed by the experiment, not as drift). A finished
experiment (Completed or Cancelled) whose spec changes is replaced. Removing the document
stops the experiment (production variant retained, shadow removed) and deletes its
metadata. Promotion is the `reconciler promote` command, not a plan step. Missing
experiments: `find` returns None (SageMaker answers ResourceNotFound).
"""

from __future__ import annotations

import copy
from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.apply.waits import WaitTimeout
from reconciler.errors import ApplyError
from reconciler.frozen import thaw
from reconciler.handlers.base import Desired, ExecContext, Handler, Live, PlanContext, ResourcePlan
from reconciler.handlers.sagemaker_common import call, describe_into, find_by_name, prune_empty, run_simple
from reconciler.plan.model import Action, Change, Step

ACTIVE = {"Creating", "Created", "Updating", "Starting", "Running", "Stopping"}
FINISHED = {"Completed", "Cancelled"}
REQUEST_MEMBERS = ("Description", "RoleArn", "EndpointName", "ModelVariants", "DataStorageConfig",
                   "ShadowModeConfig", "KmsKey")
UPDATABLE = ("Description", "ModelVariants", "DataStorageConfig", "ShadowModeConfig")
WAIT_TIMEOUT = 1800.0


def normalize_request(request: dict[str, Any]) -> dict[str, Any]:
    """The experiment's settings in comparable API form (without Schedule: see `schedule_of`)."""
    r = copy.deepcopy({k: v for k, v in request.items() if k in REQUEST_MEMBERS})
    if "EndpointMetadata" in request and "EndpointName" not in r:
        r["EndpointName"] = request["EndpointMetadata"].get("EndpointName")
    variants = [{k: v for k, v in mv.items() if k != "Status"} for mv in r.get("ModelVariants") or []]
    if variants:
        r["ModelVariants"] = sorted(variants, key=lambda v: str(v.get("VariantName")))
    shadow = r.get("ShadowModeConfig") or {}
    for sv in shadow.get("ShadowModelVariants") or []:
        if "SamplingPercentage" in sv:
            sv["SamplingPercentage"] = int(sv["SamplingPercentage"])
    return prune_empty(r)


def schedule_of(request: dict[str, Any]) -> dict[str, str]:
    from reconciler.handlers.autoscaling import _iso

    schedule = request.get("Schedule") or {}
    return {k: _iso(v) for k, v in schedule.items() if v is not None}


def to_comparable(request: dict[str, Any], user_tags: dict[str, str]) -> dict[str, Any]:
    from reconciler.spec.shapes import from_api, operation_input

    body = from_api(normalize_request(request), operation_input("sagemaker", "CreateInferenceExperiment"))
    return {**body, "tags": dict(user_tags)}


def _body(comparable: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comparable.items() if k != "tags"}


def shadow_variants(data: dict[str, Any]) -> tuple[str | None, list[str]]:
    """(production variant name, shadow variant names) of an experiment."""
    shadow = data.get("ShadowModeConfig") or {}
    return shadow.get("SourceModelVariantName"), [v.get("ShadowModelVariantName")
                                                  for v in shadow.get("ShadowModelVariants") or []]


class InferenceExperimentHandler(Handler):
    type = "inference-experiment"
    service = "sagemaker"
    arn_type = "inference-experiment"
    tagging_type = "sagemaker:inference-experiment"
    immutable = False
    describe_on_plan = True
    create_order = 60  # last: after its endpoint and that endpoint's autoscaling (post stage)
    delete_order = 5  # before that endpoint
    operations = frozenset({"CreateInferenceExperiment", "StartInferenceExperiment", "UpdateInferenceExperiment",
                            "StopInferenceExperiment", "DeleteInferenceExperiment", "AddTags", "DeleteTags"})

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
        return to_comparable(live.data, tagmod.user_tags(live.tags))

    def group(self, address: Address, desired: Desired | None, live: Live | None) -> str | None:
        """A shadow test starts right after its endpoint (and that endpoint's autoscaling)."""
        if desired is not None:
            return str(desired.request.get("EndpointName"))
        return ((live.data or {}).get("EndpointMetadata") or {}).get("EndpointName") if live else None

    def status(self, live: Live | None) -> str | None:
        return (live.data or {}).get("Status") if live else None

    def note(self, live: Live) -> str:
        data = live.data or {}
        production, shadows = shadow_variants(data)
        sampling = [f"{v.get('ShadowModelVariantName')} {v.get('SamplingPercentage')}%"
                    for v in (data.get("ShadowModeConfig") or {}).get("ShadowModelVariants") or []]
        endpoint = (data.get("EndpointMetadata") or {}).get("EndpointName")
        status = data.get("Status")
        text = f"{live.address} is {status}: endpoint/{endpoint} mirrors {', '.join(sampling) or 'no'} traffic of " \
               f"variant {production} to shadow {', '.join(str(s) for s in shadows)}"
        if status in FINISHED and data.get("CompletionTime"):
            text += f" (ended {data['CompletionTime']})"
        if status == "Running":
            text += f"; promote with: reconciler promote ShadowTest/{live.address.name}"
        return text

    def plan(self, ctx: PlanContext, desired: Desired | None, live: Live | None) -> ResourcePlan:
        """Create+start, update while active, replace once finished, or stop+delete when not desired."""
        if desired is None:
            assert live is not None
            steps: list[Step] = []
            if self.status(live) in ACTIVE:
                steps.append(self._stop_step(live, "removed from the specs"))
            steps.append(Step("DeleteInferenceExperiment", str(live.address), {"Name": live.address.name},
                              "delete the experiment's metadata"))
            return ResourcePlan(Change(str(live.address), live.spec, Action.delete, "", self.comparable(live), None),
                                steps)
        address = str(desired.address)
        create = [Step("CreateInferenceExperiment", address,
                       {**thaw(desired.request), "Tags": tagmod.to_tag_list(desired.tags(ctx.stack))},
                       "create the shadow test"),
                  Step("StartInferenceExperiment", address, {"Name": desired.address.name}, "start the shadow test")]
        if live is None:
            return ResourcePlan(Change(address, desired.spec, Action.create, "new shadow test", None,
                                       desired.comparable), post=create)
        ctx.notes.append(self.note(live))
        before = self.comparable(live)
        assert before is not None
        after = thaw(desired.comparable)
        want_schedule = schedule_of(thaw(desired.request))
        have_schedule = schedule_of(live.data or {})
        schedule_changed = bool(want_schedule) and {k: have_schedule.get(k) for k in want_schedule} != want_schedule
        body_changed = _body(before) != _body(after)
        status = self.status(live)
        if not body_changed and not schedule_changed:
            steps = self.tag_steps(ctx, desired, live)
            if not steps:
                return ResourcePlan()
            return ResourcePlan(Change(address, desired.spec, Action.update, "tags change", before, after), steps)
        if status in FINISHED:
            steps = [Step("DeleteInferenceExperiment", address, {"Name": desired.address.name},
                          "delete the finished experiment's metadata"), *create]
            return ResourcePlan(Change(address, desired.spec, Action.replace,
                                       f"the experiment is {status}; its spec changed, so it runs again", before,
                                       after), post=steps)
        params: dict[str, Any] = {"Name": desired.address.name}
        request = thaw(desired.request)
        for key in UPDATABLE:
            if key in request:
                params[key] = request[key]
        if schedule_changed:
            schedule = dict(want_schedule)
            if status == "Running":
                schedule.pop("StartTime", None)  # only the end of a running experiment can move
            if schedule:
                params["Schedule"] = schedule
        steps = [Step("UpdateInferenceExperiment", address, params, "update the shadow test",
                      {tagmod.HASH: desired.state_hash}, self.arn(ctx.region, ctx.account, desired.address.name))]
        steps.extend(s for s in self.tag_steps(ctx, desired, live) if not self._only_hash(s))
        return ResourcePlan(Change(address, desired.spec, Action.update, f"settings change while {status}", before,
                                   after), steps)

    @staticmethod
    def _only_hash(step: Step) -> bool:
        return step.operation == "AddTags" and all(t["Key"] == tagmod.HASH for t in step.params["Tags"])

    def _stop_step(self, live: Live, reason: str) -> Step:
        production, shadows = shadow_variants(live.data or {})
        actions = {str(production): "Retain", **{str(s): "Remove" for s in shadows}}
        return Step("StopInferenceExperiment", str(live.address),
                    {"Name": live.address.name, "ModelVariantActions": actions, "DesiredState": "Cancelled",
                     "Reason": reason}, "stop the shadow test (production retained, shadow removed)")

    # --- applying ----------------------------------------------------------------------
    def _wait_status(self, ctx: ExecContext, step: Step, done: set[str]) -> dict[str, Any]:
        name = step.params["Name"]
        last = [""]

        def read() -> dict[str, Any] | None:
            live = self.find(ctx.clients, name)
            return live.data if live else None

        def on_poll(data: dict[str, Any] | None, elapsed: float) -> None:
            status = (data or {}).get("Status", "gone")
            if status != last[0]:
                last[0] = status
                ctx.hooks.step_progress(step, f"{status} ({int(elapsed)} s)")

        try:
            data = ctx.wait.poll(read, lambda d: d is None or d.get("Status") in done, WAIT_TIMEOUT, on_poll)
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
            call(sm, op, step.params_plain())
            self._wait_status(ctx, step, FINISHED)
        else:
            run_simple(sm, step)


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
