"""The endpoint handler (`endpoint/<name>`): the one mutable serving resource.

The comparable state of an endpoint is the config it serves, each production variant's
weight and instance count as DescribeEndpoint reports them (without the capacity an
autoscaler owns), and its tags. The update path is the cheapest safe one: only
weights/counts differ -> UpdateEndpointWeightsAndCapacities (no redeploy); anything else ->
UpdateEndpoint onto the new content-addressed config with the spec's deploymentConfig.
After UpdateEndpoint, an endpoint back InService on its old config means SageMaker rolled
the update back: the step fails with the FailureReason. A Failed endpoint is replaced.
Missing endpoints: `find` returns None.
"""

from __future__ import annotations

from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.aws.calls import call
from reconciler.aws.errors import is_conflict
from reconciler.aws.waits import WaitTimeout, wait_with_progress
from reconciler.changes import Action, Step
from reconciler.diff.policy import prune_empty
from reconciler.errors import ApplyError
from reconciler.frozen import thaw
from reconciler.handlers import autoscaling as aas
from reconciler.handlers.base import APPLIED_STATE, Assessment, ExecContext, Handler, PlanContext, Planned, View
from reconciler.handlers.endpoint import checks
from reconciler.handlers.endpoint.rollout import (
    CREATE_TIMEOUT,
    DELETE_TIMEOUT,
    ROLLBACK_FAILED_HELP,
    TRANSITIONAL,
    UPDATE_TIMEOUT,
    WEIGHTS_TIMEOUT,
    alarms_in_alarm,
    deployment_timeout,
    describe_rollout,
    describe_rollout_change,
    rollback_alarm_names,
)
from reconciler.handlers.sagemaker_common import describe_into, find_by_name, read, run_simple, with_consistency_retry
from reconciler.handlers.scaling_base import live_scaling_hash
from reconciler.handlers.variants import config_request, initial_values, live_variants, mask_scaled, weight_steps
from reconciler.hashing import content_hash
from reconciler.resources import Desired, Live

TARGET_TYPE = "scalable-target"  # the endpoint's child type: Application Auto Scaling of its variants
CONFIG_TYPE = "endpoint-config"
ALARM_TYPE = "alarm"
ROLLOUT_TAG = "reconciler:rollout"  # hash of the deploymentConfig reconciler last recorded for the endpoint
ROLLOUT_KEY = "deploymentConfig"  # in before/after, only when the rollout policy differs
CAPTURE_KEY = "dataCapture"  # in before/after, only when the capture status differs from the spec's


def rollout_hash(deployment: Any) -> str:
    """The recorded identity of a deployment config (None: SageMaker's default policy)."""
    return content_hash({"deploymentConfig": prune_empty(thaw(deployment)) if deployment else None})


def recorded_rollout(live: Live) -> tuple[str | None, dict[str, Any] | None]:
    """(hash, content) of the rollout policy the endpoint was last given: the `reconciler:rollout` tag, else
    SageMaker's LastDeploymentConfig; (None, None) when neither says."""
    last = (live.data or {}).get("LastDeploymentConfig") or None
    tag = live.tags.get(ROLLOUT_TAG)
    if tag is not None:
        return tag, last
    if last:
        return rollout_hash(last), last
    return None, None


def _spec_form(deployment: dict[str, Any] | None) -> dict[str, Any] | None:
    if not deployment:
        return None
    from reconciler.aws.shapes import from_api, operation_input

    shape = operation_input("sagemaker", "UpdateEndpoint").members["DeploymentConfig"]
    return from_api(prune_empty(thaw(deployment)), shape, drop_unknown=True)  # type: ignore[no-any-return]


def _capture_status(data: dict[str, Any]) -> str | None:
    """Started or Stopped: the endpoint's data capture as DescribeEndpoint reports it; None without capture."""
    return (data.get("DataCaptureConfig") or {}).get("CaptureStatus")


def _capture_wanted(ctx: PlanContext, desired: Desired) -> str | None:
    """The capture status the spec's config means (None when it configures no capture)."""
    config = config_request(ctx, desired.request["EndpointConfigName"], sources=("desired",)) or {}
    capture = config.get("DataCaptureConfig")
    if not capture:
        return None
    return "Started" if capture.get("EnableCapture", True) else "Stopped"


def autoscaled_live(live: Live) -> set[str]:
    """Variants of a live endpoint registered as scalable targets."""
    return {str(t.address.name).rsplit("/", 1)[-1] for t in live.related.get(TARGET_TYPE, [])}


def settled(data: dict[str, Any] | None) -> bool:
    """Gone, or in a status that accepts changes (not Creating/Updating/...)."""
    return data is None or data.get("EndpointStatus") not in TRANSITIONAL


class EndpointHandler(Handler):
    type = "endpoint"
    service = "sagemaker"
    arn_type = "endpoint"
    tagging_type = "sagemaker:endpoint"
    after = (CONFIG_TYPE, ALARM_TYPE)
    reads_children = (TARGET_TYPE,)  # autoscaled capacity is masked
    operations = frozenset({"CreateEndpoint", "UpdateEndpoint", "UpdateEndpointWeightsAndCapacities", "DeleteEndpoint",
                            "AddTags", "DeleteTags"})
    immutable = False
    describe_on_plan = True
    noun = "endpoint"

    # --- reading -----------------------------------------------------------------------
    def describe(self, clients: Any, live: Live) -> Live:
        """`live` with DescribeEndpoint output; `data` None when the endpoint is gone."""
        return describe_into(clients.sagemaker, "DescribeEndpoint", "EndpointName", live)

    def comparable(self, live: Live) -> dict[str, Any] | None:
        """Config served, variant weights/counts (without autoscaled capacity) and user tags; None when missing."""
        if live.data is None:
            return None
        return {
            "endpointConfigName": live.data.get("EndpointConfigName"),
            "variants": mask_scaled(live_variants(live.data), autoscaled_live(live)),
            "tags": tagmod.user_tags(live.tags),
        }

    def find(self, clients: Any, name: str) -> Live | None:
        """The endpoint with its tags; None when it does not exist. (Its scalable targets are attached
        by the planner from the child handler's discovery.)"""
        return find_by_name(clients.sagemaker, self.type, "DescribeEndpoint", "EndpointName", "EndpointArn", name)

    # --- relations ---------------------------------------------------------------------
    def uses(self, view: View, desired: Desired | None, live: Live | None) -> set[Address]:
        """The config it will serve (desired) or serves (live), and a config it is deploying. While a shadow
        test holds it, everything it served stays: the config it serves and every config of its document."""
        used: set[Address] = set()
        held = live is not None and view.holder_of(live.address) is not None
        if desired is not None:
            used.add(Address(CONFIG_TYPE, str(desired.request["EndpointConfigName"])))
        if (desired is None or held) and live is not None and (live.data or {}).get("EndpointConfigName"):
            used.add(Address(CONFIG_TYPE, str(live.data["EndpointConfigName"])))  # type: ignore[index]
        if held and live is not None:
            used |= {a for a, lv in view.live.items() if a.type == CONFIG_TYPE and lv.spec == live.spec}
        # the alarms its rollouts watch: the spec's, or those of the policy SageMaker last used
        rollout = desired.extra.get("deploymentConfig") if desired is not None else \
            ((live.data or {}).get("LastDeploymentConfig") if live is not None else None)
        used |= {Address(ALARM_TYPE, str(name)) for name in rollback_alarm_names({"DeploymentConfig": rollout or {}})}
        pending = ((live.data or {}).get("PendingDeploymentSummary") or {}).get("EndpointConfigName") if live else None
        if pending:
            used.add(Address(CONFIG_TYPE, str(pending)))
        return used

    def transition(self, live: Live) -> str | None:
        """Creating, Updating, SystemUpdating, RollingBack or Deleting; None otherwise."""
        status = (live.data or {}).get("EndpointStatus")
        return str(status) if status in TRANSITIONAL else None

    def group(self, address: Address, desired: Desired | None, live: Live | None) -> Address | None:
        """An endpoint's steps form its own group."""
        return address

    def drift_labels(self, view: View, change: Any) -> tuple[list[str], str]:
        """A change held by a shadow test is pending (git moved; the test owns the endpoint meanwhile)."""
        if view.holder_of(Address.parse(change.address)) is not None and change.action.value == "update":
            return ["pending"], change.reason
        return super().drift_labels(view, change)

    def was_applied(self, view: View, address: Address) -> bool:
        """A missing endpoint had been applied when the config its spec serves exists."""
        desired = view.desired.get(address)
        return desired is not None and Address(CONFIG_TYPE, str(desired.request["EndpointConfigName"])) in view.live

    # --- planning ----------------------------------------------------------------------
    def _left_alone(self, ctx: PlanContext, live: Live) -> set[str]:
        """Variants scaled by a target reconciler does not manage (set up outside git): never fought."""
        out: set[str] = set()
        for target in live.related.get(TARGET_TYPE, []):
            handler = ctx.handler(target.address.type)
            if target.address not in ctx.desired and not handler.is_managed(target, ctx):
                out.add(target.address.name.rsplit("/", 1)[-1])
        return out

    def _scaled(self, ctx: PlanContext, desired: Desired, live: Live | None) -> set[str]:
        scaled = set(thaw(desired.extra.get("autoscaled", {})))
        return scaled | self._left_alone(ctx, live) if live is not None else scaled

    def assess(self, ctx: PlanContext, desired: Desired, live: Live | None) -> Assessment:
        """Failed endpoints are replaced; one held by a shadow test is left alone; otherwise the served
        config, variant weights/counts (autoscaled capacity masked) and tags are compared."""
        alarming = checks.check_alarms(ctx, desired)
        if live is None:
            return Assessment(None, desired.comparable)
        data = live.data or {}
        status = data.get("EndpointStatus")
        if alarming and data.get("EndpointConfigName") != desired.request["EndpointConfigName"]:
            ctx.warnings.append(f"{desired.address}: rollback alarm(s) {', '.join(sorted(alarming))} are in ALARM "
                                "now: the rollout rolls back at its first check unless they clear first")
        if status == "Failed":
            reason = (f"endpoint is Failed ({data.get('FailureReason', 'no reason given')}); SageMaker allows only "
                      "DeleteEndpoint in that state")
            return Assessment(self.comparable(live), desired.comparable, failed=reason)
        holder = ctx.holder_of(desired.address)
        if holder is not None:
            ctx.notes.append(f"{desired.address} is managed by {holder} while that shadow test is active: its serving "
                             "config and variants are the experiment's, not drift; reconciler changes them again once "
                             "the test is promoted or stopped")
            have, _ = recorded_rollout(live)
            changed = live.applied_hash != desired.state_hash or (
                have is not None and have != rollout_hash(thaw(desired.extra.get("deploymentConfig")) or None))
            return Assessment(self.comparable(live), thaw(desired.comparable), held_by=holder,
                              pending=f"held until {holder} ends" if changed else None)
        if status in TRANSITIONAL:
            ctx.warnings.append(f"{desired.address} is {status}; apply waits for it to settle and refuses the plan if "
                                "the outcome differs from what was planned")
        if status == "UpdateRollbackFailed":
            ctx.warnings.append(f"{desired.address} is UpdateRollbackFailed. {ROLLBACK_FAILED_HELP}")
        scaled = self._scaled(ctx, desired, live)
        before = self.comparable(live)
        assert before is not None
        before["variants"] = mask_scaled(live_variants(data), scaled)
        after = thaw(desired.comparable)
        after["variants"] = mask_scaled(thaw(desired.comparable["variants"]), scaled)
        wanted = thaw(desired.extra.get("deploymentConfig")) or None
        have, have_config = recorded_rollout(live)
        if (have != rollout_hash(wanted)) if have is not None else wanted is not None:
            before[ROLLOUT_KEY], after[ROLLOUT_KEY] = _spec_form(have_config), _spec_form(wanted)
        capture_have, capture_want = _capture_status(data), _capture_wanted(ctx, desired)
        if capture_want is not None and capture_have != capture_want:  # capture stopped (or started) outside git
            before[CAPTURE_KEY], after[CAPTURE_KEY] = capture_have or "none", capture_want
        return Assessment(before, after, pending=self._bookkeeping(ctx, desired, live))

    def plan_steps(self, ctx: PlanContext, action: Action, desired: Desired, live: Live | None,
                   assessment: Assessment) -> Planned:
        """Create (or replace a Failed endpoint), or update by the cheapest safe path, then retag."""
        address = str(desired.address)
        name = desired.address.name
        arn = self.arn(ctx.region, ctx.account, name)
        config_name = desired.request["EndpointConfigName"]
        scaled_desired = set(thaw(desired.extra.get("autoscaled", {})))
        if action in (Action.create, Action.replace):
            steps: list[Step] = []
            if action is Action.replace:
                steps.append(Step("DeleteEndpoint", address, {"EndpointName": name}, "delete failed endpoint"))
            wanted = thaw(desired.extra.get("deploymentConfig"))
            tags = {**desired.tags(ctx.stack), ROLLOUT_TAG: rollout_hash(wanted)}
            params: dict[str, Any] = {"EndpointName": name, "EndpointConfigName": config_name}
            if wanted:
                params["DeploymentConfig"] = wanted  # stored: SageMaker reports it as LastDeploymentConfig
            params["Tags"] = tagmod.to_tag_list(tags)
            steps.append(Step("CreateEndpoint", address, params, "create endpoint and wait until InService"))
            start = mask_scaled(self._config_start(ctx, config_name), scaled_desired)
            target = thaw(desired.comparable["variants"])
            steps.extend(weight_steps(address, name, start, target, arn))
            return Planned(assessment.failed or "new endpoint", steps)
        assert live is not None and live.data is not None
        if assessment.held_by:
            return Planned(f"{assessment.pending}: the spec changed since the last apply, and the shadow test owns the "
                           "endpoint's serving config until it is promoted or stopped; apply then rolls this out")
        before, after = assessment.before, assessment.after
        scaled = self._scaled(ctx, desired, live)
        live_all = live_variants(live.data)
        target = after["variants"]
        state_steps: list[Step] = []
        reason = ""
        if before["endpointConfigName"] != config_name:
            checks.check_live_limits(ctx, desired, live)
            checks.check_unmanaged_targets(ctx, desired, self._left_alone(ctx, live))
            state_steps, reason = self._update_steps(ctx, desired, live_all, scaled, target, arn)
            reason = (f"serves endpoint config {config_name} (was {before['endpointConfigName']}); rollout: "
                      f"{reason}")
            retained = scaled & set(live_all) & set(target)
            if retained:
                reason += f"; keeps the autoscaled capacity of {', '.join(sorted(retained))}"
            if CAPTURE_KEY in after:
                reason = f"data capture is {before[CAPTURE_KEY]} (the spec's: {after[CAPTURE_KEY]}); {reason}"
        elif before["variants"] != target:
            state_steps.extend(weight_steps(address, name, before["variants"], target, arn))
            reason = "only variant weights/capacity change: updated in place, no redeploy"
        rollout = {ROLLOUT_TAG: rollout_hash(thaw(desired.extra.get("deploymentConfig")) or None)}
        rollout_changed = ROLLOUT_KEY in after
        if state_steps:
            last = state_steps[-1]
            recorded = {tagmod.HASH: desired.state_hash, **(rollout if rollout_changed or
                                                            last.operation == "UpdateEndpoint" else {})}
            state_steps[-1] = Step(last.operation, last.address, last.params, last.description, recorded, arn)
        also = {**(rollout if rollout_changed and not state_steps else {}), **self._scaling_record(ctx, desired, live)}
        tag_steps = self.tag_steps(ctx, desired, live, skip_hash=bool(state_steps), also=also or None)
        if rollout_changed and not any(s.operation == "UpdateEndpoint" for s in state_steps):
            have, have_config = recorded_rollout(live)
            what = describe_rollout_change(have_config, thaw(desired.extra.get("deploymentConfig")) or None,
                                           recorded=have is not None)
            change = f"rollout policy changes, takes effect at the next update: {what}"
            reason = f"{reason}; {change}" if reason else change
        if not reason:
            reason = self.tags_reason(assessment)
        elif before["tags"] != after["tags"]:
            reason += "; tags change"
        return Planned(reason, state_steps + tag_steps)

    def _bookkeeping(self, ctx: PlanContext, desired: Desired, live: Live) -> str | None:
        """APPLIED_STATE when the ownership tags or the `reconciler:scaling` record need writing, else None."""
        if self.tag_steps(ctx, desired, live, also=self._scaling_record(ctx, desired, live) or None):
            return APPLIED_STATE
        return None

    def _scaling_record(self, ctx: PlanContext, desired: Desired, live: Live) -> dict[str, str]:
        """The `reconciler:scaling` tag to write on an endpoint whose record is missing or older while its live
        autoscaling is what the spec wants (adopted with its autoscaling, or a change by hand accepted into git),
        so a later change by hand is drift; else {}."""
        wanted = desired.extra.get("scaling_hash")
        if live.tags.get(aas.SCALING_TAG) == wanted or not desired.extra.get("autoscaled") or not wanted:
            return {}
        return {aas.SCALING_TAG: str(wanted)} if live_scaling_hash(ctx, desired.address.name) == wanted else {}

    def _update_steps(self, ctx: PlanContext, desired: Desired, live_all: dict[str, Any], scaled: set[str],
                      target: dict[str, Any], arn: str) -> tuple[list[Step], str]:
        """UpdateEndpoint onto the new config (keeping autoscaled capacity), then any weights/counts it leaves."""
        address, name = str(desired.address), desired.address.name
        config_name = desired.request["EndpointConfigName"]
        params: dict[str, Any] = {"EndpointName": name, "EndpointConfigName": config_name}
        start = self._config_start(ctx, config_name)
        retained = scaled & set(live_all) & set(target)
        if retained:
            # Keep what the autoscaler set; take weights from the new config only when the spec moves them.
            params["RetainAllVariantProperties"] = True
            moved = any(target[v].get("weight") != live_all[v].get("weight") for v in set(live_all) & set(target))
            if moved:
                params["ExcludeRetainedVariantProperties"] = [{"VariantPropertyType": "DesiredWeight"}]
            expected = {}
            for v in target:
                if v in live_all:
                    entry = dict(live_all[v])
                    if moved and v in start:
                        entry["weight"] = start[v].get("weight", entry.get("weight"))
                    expected[v] = entry
                else:
                    expected[v] = start.get(v, {})
        else:
            params["RetainAllVariantProperties"] = False
            expected = start
        deployment = thaw(desired.extra.get("deploymentConfig"))
        if deployment:
            params["DeploymentConfig"] = deployment
            checks.check_guarded_variants(ctx, desired, set(live_all), set(target))
        rollout = describe_rollout(deployment)
        steps = [Step("UpdateEndpoint", address, params, f"deploy the new config: {rollout}", tag_arn=arn)]
        steps.extend(weight_steps(address, name, mask_scaled(expected, scaled), target, arn))
        return steps, rollout

    def _config_start(self, ctx: PlanContext, config_name: str) -> dict[str, Any]:
        """The variant values an endpoint gets when it starts serving `config_name`."""
        request = config_request(ctx, config_name, sources=("live", "desired"))
        return initial_values(request) if request is not None else {}

    def delete_steps(self, ctx: PlanContext, live: Live) -> list[Step]:
        return [Step("DeleteEndpoint", str(live.address), {"EndpointName": live.address.name}, "delete endpoint")]

    # --- applying ----------------------------------------------------------------------
    def wait(self, ctx: ExecContext, step: Step, done: Any, timeout: float, what: str,
             quiet_when_done: bool = False, phases: list[str] | None = None) -> dict[str, Any] | None:
        """Follow the endpoint until `done(description)`, printing its status and each variant's phase;
        records the deployment phases seen in `phases` (rollback phases left out)."""
        name = step.params["EndpointName"]

        def status(data: dict[str, Any] | None) -> str:
            message = "deleted" if data is None else str(data.get("EndpointStatus"))
            pending = (data or {}).get("PendingDeploymentSummary") or {}
            for v in pending.get("ProductionVariants") or []:
                for vs in v.get("VariantStatus") or []:
                    detail = vs.get("StatusMessage") or ""
                    phase = f"variant {v.get('VariantName')}: {vs.get('Status')}" + (f" ({detail})" if detail else "")
                    message += f"; {phase}"
                    rolling_back = vs.get("Status") == "Deleting" or detail.lower().startswith("rolling back")
                    if phases is not None and not rolling_back and (not phases or phases[-1] != phase):
                        phases.append(phase)
            return message

        try:
            return wait_with_progress(ctx.wait, ctx.hooks, step,
                                      lambda: read(ctx.clients.sagemaker, "DescribeEndpoint", {"EndpointName": name}),
                                      done, timeout, status, quiet_when_done)
        except WaitTimeout as exc:
            raise ApplyError(f"{step.address}: timed out waiting for {what}: {exc}") from None

    def _settle(self, ctx: ExecContext, step: Step) -> tuple[dict[str, Any] | None, bool]:
        """Wait until the endpoint accepts changes (not Creating/Updating/...): its description, and
        whether there was anything to wait for."""
        name = step.params["EndpointName"]
        data = read(ctx.clients.sagemaker, "DescribeEndpoint", {"EndpointName": name})
        waited = not settled(data)
        if waited:
            data = self.wait(ctx, step, settled, UPDATE_TIMEOUT, "the endpoint to settle before changing it",
                             quiet_when_done=True)
        if data is not None and data.get("EndpointStatus") == "Failed" and step.operation != "DeleteEndpoint":
            raise ApplyError(f"{step.address} is Failed: {data.get('FailureReason', 'no reason given')}")
        return data, waited

    def _ours(self, ctx: ExecContext, step: Step) -> bool:
        """Whether the endpoint that exists is the one this step creates (our stack, the step's hash)."""
        live = self.find(ctx.clients, step.params["EndpointName"])
        wanted = {t["Key"]: t["Value"] for t in step.params.get("Tags") or ()}
        return live is not None and all(live.tags.get(k) == wanted.get(k) for k in (tagmod.STACK, tagmod.HASH))

    def _in_flight(self, ctx: ExecContext, step: Step) -> bool:
        """Whether the endpoint is already updating to this step's config (a retried request of ours)."""
        data = read(ctx.clients.sagemaker, "DescribeEndpoint", {"EndpointName": step.params["EndpointName"]}) or {}
        pending = (data.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
        return data.get("EndpointStatus") in TRANSITIONAL and pending == step.params.get("EndpointConfigName")

    @staticmethod
    def _reached(data: dict[str, Any], step: Step) -> bool:
        """Whether every variant already has the weights and capacities an UpdateEndpointWeightsAndCapacities asks."""
        live = live_variants(data)
        for entry in step.params.get("DesiredWeightsAndCapacities") or ():
            have = live.get(entry["VariantName"])
            if have is None:
                return False
            if "DesiredWeight" in entry and have.get("weight") != float(entry["DesiredWeight"]):
                return False
            if "DesiredInstanceCount" in entry and have.get("instanceCount") != entry["DesiredInstanceCount"]:
                return False
            serverless = entry.get("ServerlessUpdateConfig") or {}
            if "MaxConcurrency" in serverless and have.get("maxConcurrency") != serverless["MaxConcurrency"]:
                return False
            if ("ProvisionedConcurrency" in serverless
                    and have.get("provisionedConcurrency") != serverless["ProvisionedConcurrency"]):
                return False
        return True

    def _call(self, ctx: ExecContext, step: Step, recover: Any) -> None:
        """Make the step's call; a conflict that `recover()` shows to be our own earlier attempt (its response
        was lost and botocore retried it) is followed instead of failing."""
        try:
            with_consistency_retry(lambda: call(ctx.clients.sagemaker, step.operation, step.params_plain()))
        except Exception as exc:
            if not (is_conflict(exc) and recover()):
                raise
            ctx.hooks.step_progress(step, "already under way (an earlier attempt of this request went through)")

    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Run one endpoint step and follow it until the endpoint has settled. A step whose outcome live
        already shows (an earlier or concurrent apply did it) is not run again."""
        sm = ctx.clients.sagemaker
        op = step.operation
        name = step.params.get("EndpointName")
        if op == "CreateEndpoint":
            self._call(ctx, step, lambda: self._ours(ctx, step))
            data = self.wait(ctx, step, lambda d: d is not None and d.get("EndpointStatus") != "Creating",
                             CREATE_TIMEOUT, "the endpoint to be created")
            if data is None or data.get("EndpointStatus") != "InService":
                reason = (data or {}).get("FailureReason", "no reason given")
                raise ApplyError(f"{step.address} failed to create: {reason}")
            return
        if op == "UpdateEndpoint":
            data, waited = self._settle(ctx, step)
            target = step.params["EndpointConfigName"]
            if data is not None and data.get("EndpointConfigName") == target:
                ctx.hooks.step_progress(step, f"already serves {target}: an earlier or concurrent apply deployed it")
                return
            if waited:
                ctx.recheck(step)
            self._call(ctx, step, lambda: self._in_flight(ctx, step))
            phases: list[str] = []
            data = self.wait(ctx, step, settled, deployment_timeout(step.params_plain()), "the deployment to finish",
                             phases=phases)
            self._check_update(ctx, step, data, phases)
            return
        if op == "UpdateEndpointWeightsAndCapacities":
            data, waited = self._settle(ctx, step)
            if data is not None and self._reached(data, step):
                ctx.hooks.step_progress(step, "the variants already have these weights and capacities")
                return
            if waited:
                ctx.recheck(step)
            self._call(ctx, step, lambda: not settled(read(sm, "DescribeEndpoint", {"EndpointName": name})))
            data = self.wait(ctx, step, settled, WEIGHTS_TIMEOUT, "the weights/capacity change")
            if data is None or data.get("EndpointStatus") != "InService":
                status = (data or {}).get("EndpointStatus", "gone")
                raise ApplyError(f"{step.address}: weights/capacity change ended {status}: "
                                 f"{(data or {}).get('FailureReason', 'no reason given')}")
            return
        if op == "DeleteEndpoint":
            data, _ = self._settle(ctx, step)
            if data is not None:
                try:
                    run_simple(sm, step)
                except Exception as exc:
                    gone_or_going = read(sm, "DescribeEndpoint", {"EndpointName": name})
                    if not (is_conflict(exc) and (gone_or_going is None
                                                  or gone_or_going.get("EndpointStatus") == "Deleting")):
                        raise
            self.wait(ctx, step, lambda d: d is None, DELETE_TIMEOUT, "the endpoint to be deleted")
            return
        if name is not None:
            self._settle(ctx, step)
        run_simple(sm, step)

    def _check_update(self, ctx: ExecContext, step: Step, data: dict[str, Any] | None, phases: list[str]) -> None:
        """Fail the step unless the endpoint ended InService on the new config (rolled back, Failed, ...)."""
        target = step.params["EndpointConfigName"]
        if data is None:
            raise ApplyError(f"{step.address} disappeared during the update")
        status = data.get("EndpointStatus")
        if status == "UpdateRollbackFailed":
            raise ApplyError(f"{step.address}: update to {target} failed and so did the rollback. "
                             f"FailureReason: {data.get('FailureReason', 'none given')}. {ROLLBACK_FAILED_HELP}")
        if status == "Failed":
            raise ApplyError(f"{step.address} failed during the update: {data.get('FailureReason', 'none given')}")
        if data.get("EndpointConfigName") != target:
            during = f" (last phase seen: {phases[-1]})" if phases else ""
            alarms = alarms_in_alarm(ctx.clients.get("cloudwatch"), step)
            reason = str(data.get("FailureReason") or "none given").rstrip(". ")
            raise ApplyError(
                f"{step.address}: SageMaker rolled the update back{during}; the endpoint still serves "
                f"{data.get('EndpointConfigName')} instead of {target}.{alarms} FailureReason: {reason}. The "
                "serving config and its models were kept; fix the cause and apply again."
            )
