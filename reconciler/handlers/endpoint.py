"""Handler for SageMaker endpoints (`endpoint/<name>`): the one mutable serving resource.

The comparable state of an endpoint is the config it serves, each production variant's
weight and instance count as DescribeEndpoint reports them, and its tags. The update path
is the cheapest safe one: only weights/counts differ -> UpdateEndpointWeightsAndCapacities
(no redeploy); anything else -> UpdateEndpoint onto the new content-addressed config. After
UpdateEndpoint, an endpoint back InService on its old config means SageMaker rolled the
update back: the step fails with the FailureReason. Missing endpoints: `find` returns None.
"""

from __future__ import annotations

from typing import Any

from reconciler import tags as tagmod
from reconciler.addressing import Address
from reconciler.apply.waits import WaitTimeout
from reconciler.errors import ApplyError
from reconciler.frozen import thaw
from reconciler.handlers import endpoint_config as cfgmod
from reconciler.handlers.base import Desired, ExecContext, Handler, Live, PlanContext, ResourcePlan
from reconciler.handlers.sagemaker_common import (
    call,
    describe_into,
    find_by_name,
    run_simple,
    with_consistency_retry,
)
from reconciler.plan.model import Action, Change, Step

TRANSITIONAL = {"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"}
CREATE_TIMEOUT = 3600.0  # AWS's EndpointInService waiter: 30 s x 120
UPDATE_TIMEOUT = 3600.0  # waiting for an endpoint to settle before changing it
PROVISIONING_ALLOWANCE = 3600
ROLLBACK_ALLOWANCE = 1800
WEIGHTS_TIMEOUT = 1800.0
DELETE_TIMEOUT = 1800.0  # AWS's EndpointDeleted waiter: 30 s x 60
ROLLBACK_FAILED_HELP = (
    "The endpoint is in UpdateRollbackFailed: both the deployment and its automatic rollback failed, and it may "
    "serve a mix of old and new instances. Check the endpoint's events and CloudWatch metrics, fix the cause "
    "(model, image, capacity or alarm), then apply again: a fresh UpdateEndpoint onto a known-good config is the "
    "way out of this state."
)


def _serverless_entry(config: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if config:
        if "MaxConcurrency" in config:
            out["maxConcurrency"] = int(config["MaxConcurrency"])
        if "ProvisionedConcurrency" in config:
            out["provisionedConcurrency"] = int(config["ProvisionedConcurrency"])
    return out


def live_variants(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Weights and instance counts (or serverless concurrency) per production variant, as DescribeEndpoint
    reports them (desired values while a change is in flight)."""
    out: dict[str, dict[str, Any]] = {}
    for v in data.get("ProductionVariants") or []:
        weight = v.get("DesiredWeight", v.get("CurrentWeight", 1.0))
        entry: dict[str, Any] = {"weight": float(weight)}
        serverless = v.get("DesiredServerlessConfig") or v.get("CurrentServerlessConfig")
        if serverless:
            entry.update(_serverless_entry(serverless))
        else:
            count = v.get("DesiredInstanceCount", v.get("CurrentInstanceCount"))
            if count is not None:
                entry["instanceCount"] = int(count)
        out[v["VariantName"]] = entry
    return out


SCALED_FIELDS = ("instanceCount", "provisionedConcurrency")  # what an autoscaler moves


def mask_scaled(variants: dict[str, dict[str, Any]], scaled: set[str]) -> dict[str, dict[str, Any]]:
    """Variants without the capacity an autoscaler owns (never drift, never pending)."""
    return {name: {k: v for k, v in entry.items() if not (name in scaled and k in SCALED_FIELDS)}
            for name, entry in variants.items()}


def autoscaled_live(live: Live) -> set[str]:
    """Variants of a live endpoint registered as scalable targets."""
    return {str(t.address.name).rsplit("/", 1)[-1] for t in live.related.get("scalable-target", [])}


def describe_rollout(deployment: dict[str, Any] | None) -> str:
    """One line for people: how an UpdateEndpoint with this DeploymentConfig rolls out."""
    if not deployment:
        return "blue/green, all at once (SageMaker's default)"
    parts: list[str] = []
    blue_green = deployment.get("BlueGreenUpdatePolicy")
    rolling = deployment.get("RollingUpdatePolicy")
    if blue_green:
        routing = blue_green.get("TrafficRoutingConfiguration") or {}
        kind = routing.get("Type", "ALL_AT_ONCE")
        wait = routing.get("WaitIntervalInSeconds", 0)
        if kind == "CANARY":
            parts.append(f"blue/green canary of {_size(routing.get('CanarySize'))}, bake {wait} s, then the rest")
        elif kind == "LINEAR":
            parts.append(f"blue/green linear in steps of {_size(routing.get('LinearStepSize'))}, bake {wait} s each")
        else:
            parts.append(f"blue/green all at once, bake {wait} s")
        if blue_green.get("TerminationWaitInSeconds"):
            parts.append(f"final bake {blue_green['TerminationWaitInSeconds']} s")
    if rolling:
        parts.append(f"rolling in batches of {_size(rolling.get('MaximumBatchSize'))}, bake "
                     f"{rolling.get('WaitIntervalInSeconds', 0)} s each")
    alarms = [a.get("AlarmName") for a in (deployment.get("AutoRollbackConfiguration") or {}).get("Alarms") or []]
    if alarms:
        parts.append("rolls back if " + ", ".join(str(a) for a in alarms) + " alarms")
    return "; ".join(parts) or "blue/green, all at once"


def _size(size: dict[str, Any] | None) -> str:
    if not size:
        return "?"
    return f"{size.get('Value')}%" if size.get("Type") == "CAPACITY_PERCENT" else f"{size.get('Value')} instance(s)"


def deployment_timeout(params: dict[str, Any]) -> float:
    """How long to follow an UpdateEndpoint: derived from its DeploymentConfig, never a fixed waiter limit.

    The policy's own waits (or its MaximumExecutionTimeoutInSeconds, when larger) plus an hour
    for provisioning the new fleet and half an hour for a rollback.
    """
    deployment = params.get("DeploymentConfig") or {}
    policy = deployment.get("BlueGreenUpdatePolicy") or deployment.get("RollingUpdatePolicy") or {}
    routing = policy.get("TrafficRoutingConfiguration") or {}
    waits = int(routing.get("WaitIntervalInSeconds") or policy.get("WaitIntervalInSeconds") or 0)
    size = routing.get("LinearStepSize") or policy.get("MaximumBatchSize") or {}
    steps = 1
    if size.get("Type") == "CAPACITY_PERCENT" and size.get("Value"):
        steps = -(-100 // int(size["Value"]))
    elif size.get("Value"):
        steps = 10  # instance-count steps: the fleet size is not known here; assume a generous count
    own = waits * steps + int(policy.get("TerminationWaitInSeconds") or 0)
    limit = int(policy.get("MaximumExecutionTimeoutInSeconds") or 0)
    return float(max(own, limit) + PROVISIONING_ALLOWANCE + ROLLBACK_ALLOWANCE)


def weight_steps(address: str, name: str, start: dict[str, Any], target: dict[str, Any],
                 tag_arn: str | None = None) -> list[Step]:
    """UpdateEndpointWeightsAndCapacities calls taking variants from `start` to `target`.

    One call can change the weights of several variants but the capacity of only one, so
    each further capacity change gets its own call. Serverless concurrency changes go in
    ServerlessUpdateConfig.
    """
    weights: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    for variant in sorted(target):
        want, have = target[variant], start.get(variant, {})
        if want.get("weight") != have.get("weight"):
            weights.append({"VariantName": variant, "DesiredWeight": want["weight"]})
        if "instanceCount" in want and want.get("instanceCount") != have.get("instanceCount"):
            counts.append({"VariantName": variant, "DesiredInstanceCount": want["instanceCount"]})
        serverless = {}
        if "maxConcurrency" in want and want["maxConcurrency"] != have.get("maxConcurrency"):
            serverless["MaxConcurrency"] = want["maxConcurrency"]
        if "provisionedConcurrency" in want and want["provisionedConcurrency"] != have.get("provisionedConcurrency"):
            serverless["ProvisionedConcurrency"] = want["provisionedConcurrency"]
        if serverless:
            counts.append({"VariantName": variant, "ServerlessUpdateConfig": serverless})
    calls: list[list[dict[str, Any]]] = []
    first = {e["VariantName"]: dict(e) for e in weights}
    rest: list[dict[str, Any]] = []
    if counts:
        first.setdefault(counts[0]["VariantName"], {"VariantName": counts[0]["VariantName"]}).update(counts[0])
        rest = counts[1:]
    if first:
        calls.append([first[k] for k in sorted(first)])
    calls.extend([[c] for c in rest])
    return [
        Step("UpdateEndpointWeightsAndCapacities", address, {"EndpointName": name, "DesiredWeightsAndCapacities": c},
             "change variant weights/capacity in place", tag_arn=tag_arn)
        for c in calls
    ]


class EndpointHandler(Handler):
    type = "endpoint"
    service = "sagemaker"
    arn_type = "endpoint"
    tagging_type = "sagemaker:endpoint"
    operations = frozenset({"CreateEndpoint", "UpdateEndpoint", "UpdateEndpointWeightsAndCapacities", "DeleteEndpoint",
                            "AddTags", "DeleteTags"})
    immutable = False
    create_order = 30
    delete_order = 10
    describe_on_plan = True

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
        """The endpoint with its tags and its variants' scalable targets; None when it does not exist."""
        live = find_by_name(clients.sagemaker, self.type, "DescribeEndpoint", "EndpointName", "EndpointArn", name)
        if live is not None:
            from reconciler.handlers.registry import handler_for

            targets = handler_for("scalable-target").discover(clients, [live], {})
            if targets:
                live.related["scalable-target"] = targets
        return live

    def group(self, address: Address, desired: Desired | None, live: Live | None) -> str | None:
        """An endpoint's steps form its own group."""
        return address.name

    # --- planning ----------------------------------------------------------------------
    def _config_start(self, ctx: PlanContext, config_name: str) -> dict[str, Any]:
        """The variant values an endpoint gets when it starts serving `config_name`."""
        address = Address("endpoint-config", config_name)
        live_cfg = ctx.live.get(address)
        if live_cfg is not None:
            described = ctx.describe(live_cfg)
            request = ctx.handler("endpoint-config").request_of(described)  # type: ignore[attr-defined]
            if request is not None:
                return cfgmod.initial_values(request)
        desired_cfg = ctx.desired.get(address)
        if desired_cfg is not None:
            return cfgmod.initial_values(thaw(desired_cfg.request))
        return {}

    @staticmethod
    def experiment_of(ctx: PlanContext, name: str) -> str | None:
        """The active inference experiment that holds this endpoint, if any."""
        from reconciler.handlers.inference_experiment import ACTIVE

        for address, live in ctx.live.items():
            data = live.data or {}
            if address.type == "inference-experiment" and data.get("Status") in ACTIVE and \
                    (data.get("EndpointMetadata") or {}).get("EndpointName") == name:
                return str(address)
        return None

    @staticmethod
    def _check_guarded_variants(ctx: PlanContext, desired: Desired, live: set[str], target: set[str]) -> None:
        """Blue/green and rolling deployments need the new config to keep the live variant names."""
        if live != target:
            where = f"{desired.position}: " if desired.position else ""
            ctx.errors.append(
                f"{where}{desired.spec}: a guarded deployment (deploymentConfig) needs the same variant names as the "
                f"live endpoint (live: {', '.join(sorted(live))}; spec: {', '.join(sorted(target))}); rename the "
                "variants back, or apply the rename in a separate change without deploymentConfig")

    @staticmethod
    def _check_alarms(ctx: PlanContext, desired: Desired) -> None:
        """Every rollback alarm must be in the stack or already in the account."""
        deployment = thaw(desired.extra.get("deploymentConfig")) or {}
        names = [a.get("AlarmName") for a in (deployment.get("AutoRollbackConfiguration") or {}).get("Alarms") or []]
        outside = sorted({n for n in names if n and Address("alarm", n) not in ctx.desired})
        if not outside:
            return
        found = ctx.clients.get("cloudwatch").describe_alarms(AlarmNames=outside,
                                                              AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        found_names = {a["AlarmName"] for a in found.get("MetricAlarms", []) + found.get("CompositeAlarms", [])}
        for name in outside:
            if name not in found_names:
                where = f"{desired.position}: " if desired.position else ""
                ctx.errors.append(f"{where}{desired.spec}: rollback alarm '{name}' is neither an Alarm document of "
                                  "this stack nor an alarm in the account; define it as an Alarm or fix its name")

    @staticmethod
    def _left_alone(ctx: PlanContext, live: Live) -> set[str]:
        """Variants scaled by a target reconciler does not manage (set up outside git): never fought."""
        out: set[str] = set()
        for target in live.related.get("scalable-target", []):
            handler = ctx.handler(target.address.type)
            if target.address not in ctx.desired and not handler.is_managed(target, ctx):
                out.add(target.address.name.rsplit("/", 1)[-1])
        return out

    def _live_config_request(self, ctx: PlanContext, live: Live) -> dict[str, Any] | None:
        name = (live.data or {}).get("EndpointConfigName")
        lv = ctx.live.get(Address("endpoint-config", str(name))) if name else None
        if lv is None:
            return None
        return ctx.handler("endpoint-config").request_of(ctx.describe(lv))  # type: ignore[attr-defined]

    def _check_live_limits(self, ctx: PlanContext, desired: Desired, live: Live) -> None:
        """Limits that depend on live state: SageMaker rejects these UpdateEndpoint calls."""
        old = self._live_config_request(ctx, live)
        if old is None:
            return
        new = thaw(ctx.desired[Address("endpoint-config", desired.request["EndpointConfigName"])].request) \
            if Address("endpoint-config", desired.request["EndpointConfigName"]) in ctx.desired else None
        if new is None:
            return
        where = f"{desired.position}: " if desired.position else ""
        if old.get("AsyncInferenceConfig") and not new.get("AsyncInferenceConfig"):
            ctx.errors.append(f"{where}{desired.spec}: asyncInferenceConfig cannot be removed from an existing "
                              "asynchronous endpoint (SageMaker rejects the UpdateEndpoint); an async endpoint "
                              "stays async: create a new endpoint for real-time inference")
        old_serverless = any("ServerlessConfig" in v for v in old.get("ProductionVariants", []))
        new_serverless = any("ServerlessConfig" in v for v in new.get("ProductionVariants", []))
        if not old_serverless and new_serverless:
            ctx.errors.append(f"{where}{desired.spec}: a real-time (instance-based) endpoint cannot become "
                              "serverless with UpdateEndpoint; create a new endpoint for the serverless variant")

    def plan(self, ctx: PlanContext, desired: Desired | None, live: Live | None) -> ResourcePlan:
        """Create, replace (Failed), update via weights or a new config, retag, or delete."""
        if desired is None:
            assert live is not None
            return ResourcePlan(
                Change(str(live.address), live.spec, Action.delete, "", self.comparable(live), None),
                [Step("DeleteEndpoint", str(live.address), {"EndpointName": live.address.name}, "delete endpoint")],
            )
        address = str(desired.address)
        name = desired.address.name
        arn = self.arn(ctx.region, ctx.account, name)
        self._check_alarms(ctx, desired)
        config_name = desired.request["EndpointConfigName"]
        scaled_desired = set(thaw(desired.extra.get("autoscaled", {})))
        target = thaw(desired.comparable["variants"])  # autoscaled capacity already masked
        status = (live.data or {}).get("EndpointStatus") if live else None
        hash_tag = {tagmod.HASH: desired.state_hash}
        if live is None or status == "Failed":
            steps: list[Step] = []
            action, reason = Action.create, "new endpoint"
            if live is not None:
                action = Action.replace
                reason = f"endpoint is Failed ({(live.data or {}).get('FailureReason', 'no reason given')}); " \
                         "SageMaker allows only DeleteEndpoint in that state"
                steps.append(Step("DeleteEndpoint", address, {"EndpointName": name}, "delete failed endpoint"))
            params = {"EndpointName": name, "EndpointConfigName": config_name,
                      "Tags": tagmod.to_tag_list(desired.tags(ctx.stack))}
            steps.append(Step("CreateEndpoint", address, params, "create endpoint and wait until InService"))
            start = mask_scaled(self._config_start(ctx, config_name), scaled_desired)
            steps.extend(weight_steps(address, name, start, target, arn))
            before = self.comparable(live) if live else None
            return ResourcePlan(Change(address, desired.spec, action, reason, before, desired.comparable), steps)

        experiment = self.experiment_of(ctx, name)
        if experiment is not None:
            ctx.notes.append(f"{address} is managed by {experiment} while that shadow test is active: its serving "
                             "config and variants are the experiment's, not drift; reconciler changes them again once "
                             "the test is promoted or stopped")
            return ResourcePlan()
        if status in TRANSITIONAL:
            ctx.warnings.append(f"{address} is {status}; apply waits for it to settle and refuses the plan if the "
                                "outcome differs from what was planned")
        if status == "UpdateRollbackFailed":
            ctx.warnings.append(f"{address} is UpdateRollbackFailed. {ROLLBACK_FAILED_HELP}")
        scaled = scaled_desired | self._left_alone(ctx, live)
        assert live.data is not None
        live_all = live_variants(live.data)
        before = self.comparable(live)
        assert before is not None
        before["variants"] = mask_scaled(live_all, scaled)
        after = thaw(desired.comparable)
        target = mask_scaled(target, scaled)
        state_steps: list[Step] = []
        if before["endpointConfigName"] != config_name:
            self._check_live_limits(ctx, desired, live)
            params: dict[str, Any] = {"EndpointName": name, "EndpointConfigName": config_name}
            start = mask_scaled(self._config_start(ctx, config_name), set())
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
                self._check_guarded_variants(ctx, desired, set(live_all), set(target))
            state_steps.append(Step("UpdateEndpoint", address, params,
                                    f"deploy the new config: {describe_rollout(deployment)}", tag_arn=arn))
            state_steps.extend(weight_steps(address, name, mask_scaled(expected, scaled), target, arn))
            reason = (f"serves endpoint config {config_name} (was {before['endpointConfigName']}); rollout: "
                      f"{describe_rollout(deployment)}")
            if retained:
                reason += f"; keeps the autoscaled capacity of {', '.join(sorted(retained))}"
        elif before["variants"] != target:
            state_steps.extend(weight_steps(address, name, before["variants"], target, arn))
            reason = "only variant weights/capacity change: updated in place, no redeploy"
        else:
            reason = ""
        if state_steps:
            last = state_steps[-1]
            state_steps[-1] = Step(last.operation, last.address, last.params, last.description, hash_tag, arn)
        tag_steps = list(self.tag_steps(ctx, desired, live))
        if state_steps:
            tag_steps = self._without_hash(tag_steps)
        if not state_steps and not tag_steps:
            return ResourcePlan()
        if not reason:
            reason = "tags change" if before["tags"] != after["tags"] else \
                "records the applied state in its ownership tags"
        elif before["tags"] != after["tags"]:
            reason += "; tags change"
        after["variants"] = target
        return ResourcePlan(Change(address, desired.spec, Action.update, reason, before, after),
                            state_steps + tag_steps)

    @staticmethod
    def _without_hash(steps: list[Step]) -> list[Step]:
        out: list[Step] = []
        for s in steps:
            if s.operation == "AddTags":
                tags = [t for t in s.params["Tags"] if t["Key"] != tagmod.HASH]
                if not tags:
                    continue
                s = Step(s.operation, s.address, {**thaw(s.params), "Tags": thaw(tags)}, s.description)
            out.append(s)
        return out

    # --- applying ----------------------------------------------------------------------
    def _read(self, ctx: ExecContext, name: str) -> dict[str, Any] | None:
        try:
            data = call(ctx.clients.sagemaker, "DescribeEndpoint", {"EndpointName": name})
        except Exception as exc:
            from reconciler.aws.errors import is_not_found

            if is_not_found(exc):
                return None
            raise
        data.pop("ResponseMetadata", None)
        return data

    def wait(self, ctx: ExecContext, step: Step, done: Any, timeout: float, what: str,
              quiet_when_done: bool = False, phases: list[str] | None = None) -> dict[str, Any] | None:
        name = step.params["EndpointName"]
        last: list[str] = [""]

        def on_poll(data: dict[str, Any] | None, elapsed: float) -> None:
            if quiet_when_done and done(data):
                return
            status = "deleted" if data is None else str(data.get("EndpointStatus"))
            message = status
            pending = (data or {}).get("PendingDeploymentSummary") or {}
            for v in pending.get("ProductionVariants") or []:
                for vs in v.get("VariantStatus") or []:
                    detail = vs.get("StatusMessage") or ""
                    phase = f"variant {v.get('VariantName')}: {vs.get('Status')}" + (f" ({detail})" if detail else "")
                    message += f"; {phase}"
                    rolling_back = vs.get("Status") == "Deleting" or detail.lower().startswith("rolling back")
                    if phases is not None and not rolling_back and (not phases or phases[-1] != phase):
                        phases.append(phase)
            if message != last[0]:
                last[0] = message
                ctx.hooks.step_progress(step, f"{message} ({int(elapsed)} s)")

        try:
            return ctx.wait.poll(lambda: self._read(ctx, name), done, timeout, on_poll)
        except WaitTimeout as exc:
            raise ApplyError(f"{step.address}: timed out waiting for {what}: {exc}") from None

    def _settle(self, ctx: ExecContext, step: Step) -> None:
        """Wait until the endpoint accepts changes (not Creating/Updating/...)."""
        data = self.wait(ctx, step, lambda d: d is None or d.get("EndpointStatus") not in TRANSITIONAL,
                          UPDATE_TIMEOUT, "the endpoint to settle before changing it", quiet_when_done=True)
        if data is not None and data.get("EndpointStatus") == "Failed" and step.operation != "DeleteEndpoint":
            raise ApplyError(f"{step.address} is Failed: {data.get('FailureReason', 'no reason given')}")

    def execute(self, ctx: ExecContext, step: Step) -> None:
        """Run one endpoint step and follow it until the endpoint has settled."""
        sm = ctx.clients.sagemaker
        op = step.operation
        name = step.params.get("EndpointName")
        if op == "CreateEndpoint":
            with_consistency_retry(lambda: call(sm, op, step.params_plain()))
            data = self.wait(ctx, step, lambda d: d is not None and d.get("EndpointStatus") != "Creating",
                              CREATE_TIMEOUT, "the endpoint to be created")
            if data is None or data.get("EndpointStatus") != "InService":
                reason = (data or {}).get("FailureReason", "no reason given")
                raise ApplyError(f"{step.address} failed to create: {reason}")
            return
        if op == "UpdateEndpoint":
            self._settle(ctx, step)
            call(sm, op, step.params_plain())
            phases: list[str] = []
            data = self.wait(ctx, step, lambda d: d is None or d.get("EndpointStatus") not in TRANSITIONAL,
                              deployment_timeout(step.params_plain()), "the deployment to finish", phases=phases)
            self._check_update(ctx, step, data, phases)
            return
        if op == "UpdateEndpointWeightsAndCapacities":
            self._settle(ctx, step)
            call(sm, op, step.params_plain())
            data = self.wait(ctx, step, lambda d: d is None or d.get("EndpointStatus") not in TRANSITIONAL,
                              WEIGHTS_TIMEOUT, "the weights/capacity change")
            if data is None or data.get("EndpointStatus") != "InService":
                status = (data or {}).get("EndpointStatus", "gone")
                raise ApplyError(f"{step.address}: weights/capacity change ended {status}: "
                                 f"{(data or {}).get('FailureReason', 'no reason given')}")
            return
        if op == "DeleteEndpoint":
            self._settle(ctx, step)
            run_simple(sm, step)
            self.wait(ctx, step, lambda d: d is None, DELETE_TIMEOUT, "the endpoint to be deleted")
            return
        if name is not None:
            self._settle(ctx, step)
        run_simple(sm, step)

    def _check_update(self, ctx: ExecContext, step: Step, data: dict[str, Any] | None, phases: list[str]) -> None:
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
            alarms = self._alarms_in_alarm(ctx, step)
            reason = str(data.get("FailureReason") or "none given").rstrip(". ")
            raise ApplyError(
                f"{step.address}: SageMaker rolled the update back{during}; the endpoint still serves "
                f"{data.get('EndpointConfigName')} instead of {target}.{alarms} FailureReason: {reason}. The "
                "serving config and its models were kept; fix the cause and apply again."
            )

    @staticmethod
    def _alarms_in_alarm(ctx: ExecContext, step: Step) -> str:
        """A sentence naming the deployment's rollback alarms in ALARM now ("" when none are)."""
        from botocore.exceptions import BotoCoreError, ClientError

        from reconciler.aws.errors import describe_error

        deployment = step.params_plain().get("DeploymentConfig") or {}
        names = [a["AlarmName"] for a in (deployment.get("AutoRollbackConfiguration") or {}).get("Alarms") or []]
        if not names:
            return ""
        try:
            found = ctx.clients.get("cloudwatch").describe_alarms(AlarmNames=names, StateValue="ALARM")
        except (BotoCoreError, ClientError) as exc:
            return f" (The rollback alarms' states could not be read: {describe_error(exc)}.)"
        firing = sorted(a["AlarmName"] for a in found.get("MetricAlarms", []) + found.get("CompositeAlarms", []))
        return f" Alarm(s) in ALARM: {', '.join(firing)}." if firing else ""
