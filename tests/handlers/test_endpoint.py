"""Scenarios for the endpoint handler (`endpoint/<name>`): recorded SageMaker responses in, change and steps out."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from reconciler.addressing import Address
from reconciler.changes import Action
from reconciler.drift import drift_report
from reconciler.errors import PlanError
from reconciler.frozen import thaw
from reconciler.handlers.endpoint import EndpointHandler
from reconciler.handlers.endpoint.handler import ROLLOUT_TAG, rollout_hash
from reconciler.plan.model import Plan
from reconciler.resources import Desired, Live
from tests.handlers import answers
from tests.handlers.answers import (
    MODEL_DOC,
    absent,
    alarm_doc,
    desired_of,
    endpoint_doc,
    guard,
    one,
    record_applied,
    shadow_doc,
)
from tests.handlers.recorded import Recorded, arn, operations, plan, tagged, write

HANDLER = EndpointHandler()
ENDPOINT_ARN = arn("endpoint", "churn")


def applied(d: Desired, stack: str) -> Live:
    """What SageMaker holds right after the handler's own CreateEndpoint made `d`: InService on its config,
    each variant at the spec's weight and count, the rollout policy it was given recorded (`reconciler:rollout`,
    and as SageMaker's LastDeploymentConfig when there is one), and, when autoscaled, the `reconciler:scaling`
    tag the last autoscaling step wrote."""
    deployment = thaw(d.extra.get("deploymentConfig")) or None
    tags = {**d.tags(stack), ROLLOUT_TAG: rollout_hash(deployment)}
    if d.extra.get("autoscaled"):
        tags["reconciler:scaling"] = str(d.extra.get("scaling_hash"))
    variants = thaw(d.comparable["variants"])
    data = {
        "EndpointName": d.address.name,
        "EndpointArn": arn("endpoint", d.address.name),
        "EndpointConfigName": d.request["EndpointConfigName"],
        "EndpointStatus": "InService",
        "ProductionVariants": [
            {"VariantName": v, "CurrentWeight": t["weight"], "DesiredWeight": t["weight"],
             "CurrentInstanceCount": t.get("instanceCount"), "DesiredInstanceCount": t.get("instanceCount")}
            for v, t in variants.items()
        ],
    }
    if deployment:
        data["LastDeploymentConfig"] = deployment
    return Live(d.address, data["EndpointArn"], tags, copy.deepcopy(data))


def _stack(tmp_path: Path, *more: str, **endpoint: object) -> Path:
    return write(tmp_path, MODEL_DOC, endpoint_doc(**endpoint), *more)  # type: ignore[arg-type]


def _applied(tmp_path: Path, *more: str, **endpoint: object) -> tuple[list[Desired], Recorded]:
    """A stack applied as in `_stack(tmp_path / "applied", ...)`, recorded."""
    ds = desired_of(_stack(tmp_path / "applied", *more, **endpoint))
    recorded = Recorded()
    record_applied(recorded, ds)
    return ds, recorded


def _endpoint_change(p: Plan) -> object:
    [change] = [c for c in p.changes if c.address == "endpoint/churn"]
    return change


def test_a_new_endpoint_is_created_on_its_config_with_its_ownership_tags(tmp_path: Path) -> None:
    root = _stack(tmp_path / "s")
    ds = desired_of(root)
    d = one(ds, "endpoint")
    recorded = Recorded()
    record_applied(recorded, [one(ds, "model")])
    absent(recorded, one(ds, "endpoint-config"), d)
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateEndpointConfig", "CreateEndpoint"]  # the config's initial values are the spec's
    create = p.steps[1]
    assert create.params["EndpointName"] == "churn"
    assert create.params["EndpointConfigName"] == one(ds, "endpoint-config").address.name
    assert {t["Key"]: t["Value"] for t in create.params["Tags"]} == {
        "reconciler:stack": "demo", "reconciler:address": "Endpoint/churn", "reconciler:hash": d.state_hash,
        "reconciler:rollout": rollout_hash(None)}  # SageMaker's default rollout, recorded
    assert "DeploymentConfig" not in create.params
    change = _endpoint_change(p)
    assert (change.action, change.reason, change.before) == (Action.create, "new endpoint", None)
    assert p.fingerprints["endpoint/churn"] == "absent"
    assert ("sagemaker", "DescribeEndpoint", {"EndpointName": "churn"}) in recorded.calls  # probed for collisions


def test_an_applied_endpoint_plans_nothing_in_four_reads(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()
    assert sorted(op for _, op, _ in recorded.calls) == ["DescribeEndpoint", "DescribeScalableTargets",
                                                         "GetCallerIdentity", "GetResources"]


def test_the_field_policy_makes_a_described_endpoint_equal_its_spec(tmp_path: Path) -> None:
    ds = desired_of(_stack(tmp_path / "s"))
    d = one(ds, "endpoint")
    described = answers.endpoint(d, one(ds, "endpoint-config"))
    live = Live(d.address, ENDPOINT_ARN, {**d.tags("demo"), "aws:cloudformation:stack-name": "x"}, described)
    assert HANDLER.comparable(live) == thaw(d.comparable)
    assert HANDLER.comparable(applied(d, "demo")) == thaw(d.comparable)
    assert thaw(d.comparable)["variants"] == {"a": {"weight": 0.5, "instanceCount": 2},
                                              "b": {"weight": 0.5, "instanceCount": 1}}
    assert HANDLER.comparable(Live(d.address, ENDPOINT_ARN, {}, None)) is None


def test_a_weight_only_change_is_one_update_of_weights_without_redeploy(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    root = _stack(tmp_path / "s", weights=(0.8, 0.2))
    d = one(desired_of(root), "endpoint")
    assert d.request["EndpointConfigName"] == one(ds, "endpoint-config").address.name  # same config
    p, snap = plan(root, recorded)
    assert operations(p) == ["UpdateEndpointWeightsAndCapacities"]
    [step] = p.steps
    assert thaw(step.params) == {"EndpointName": "churn", "DesiredWeightsAndCapacities": [
        {"VariantName": "a", "DesiredWeight": 0.8}, {"VariantName": "b", "DesiredWeight": 0.2}]}
    assert (thaw(step.tags), step.tag_arn) == ({"reconciler:hash": d.state_hash}, ENDPOINT_ARN)
    change = _endpoint_change(p)
    assert change.action is Action.update
    assert change.reason == "only variant weights/capacity change: updated in place, no redeploy"
    assert thaw(change.before)["variants"]["a"] == {"weight": 0.5, "instanceCount": 2}
    assert thaw(change.after)["variants"]["a"] == {"weight": 0.8, "instanceCount": 2}
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("pending",)


def test_count_changes_of_two_variants_are_one_call_each(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    p, _ = plan(_stack(tmp_path / "s", weights=(0.7, 0.3), counts=(4, 3)), recorded)
    assert operations(p) == ["UpdateEndpointWeightsAndCapacities"] * 2
    assert thaw(p.steps[0].params["DesiredWeightsAndCapacities"]) == [
        {"VariantName": "a", "DesiredWeight": 0.7, "DesiredInstanceCount": 4},
        {"VariantName": "b", "DesiredWeight": 0.3}]
    assert thaw(p.steps[1].params["DesiredWeightsAndCapacities"]) == [{"VariantName": "b", "DesiredInstanceCount": 3}]
    assert p.steps[0].tags is None and p.steps[1].tags is not None  # the hash is recorded by the last call


def test_a_weight_changed_outside_git_is_drift(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    described = answers.endpoint(one(ds, "endpoint"), one(ds, "endpoint-config"))
    described["ProductionVariants"][0]["DesiredWeight"] = 0.1
    recorded.add("sagemaker", "DescribeEndpoint", {"EndpointName": "churn"}, described)
    p, snap = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["UpdateEndpointWeightsAndCapacities"]
    assert thaw(p.steps[0].params["DesiredWeightsAndCapacities"]) == [{"VariantName": "a", "DesiredWeight": 0.5}]
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("drift",)


def test_an_instance_type_change_deploys_a_new_config_and_collects_the_old(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    old_config = one(ds, "endpoint-config").address.name
    root = _stack(tmp_path / "s", instance="ml.c5.xlarge")
    new = desired_of(root)
    new_config = one(new, "endpoint-config").address.name
    absent(recorded, one(new, "endpoint-config"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig"]
    update = p.steps[1]
    assert thaw(update.params) == {"EndpointName": "churn", "EndpointConfigName": new_config,
                                   "RetainAllVariantProperties": False}
    assert (thaw(update.tags), update.tag_arn) == ({"reconciler:hash": one(new, "endpoint").state_hash,
                                                    "reconciler:rollout": rollout_hash(None)}, ENDPOINT_ARN)
    change = _endpoint_change(p)
    assert change.action is Action.update
    assert change.reason == (f"serves endpoint config {new_config} (was {old_config}); rollout: blue/green, all at "
                             "once (SageMaker's default)")
    assert (change.before["endpointConfigName"], change.after["endpointConfigName"]) == (old_config, new_config)


def test_a_failed_endpoint_is_replaced(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    recorded.add("sagemaker", "DescribeEndpoint", {"EndpointName": "churn"},
                 answers.endpoint(one(ds, "endpoint"), one(ds, "endpoint-config"), status="Failed",
                                  FailureReason="The primary container for production variant a did not pass the "
                                                "ping health check."))
    p, _ = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["DeleteEndpoint", "CreateEndpoint"]
    assert p.steps[0].params == {"EndpointName": "churn"}
    assert p.steps[1].params["EndpointConfigName"] == one(ds, "endpoint-config").address.name
    change = _endpoint_change(p)
    assert change.action is Action.replace
    assert change.reason.startswith("endpoint is Failed (The primary container for production variant a did not "
                                    "pass the ping health check.); SageMaker allows only DeleteEndpoint")


def test_a_protected_failed_endpoint_is_not_replaced(tmp_path: Path) -> None:
    protected = endpoint_doc().replace("name: churn\n", "name: churn\nprotect: true\n", 1)
    root = write(tmp_path / "s", MODEL_DOC, protected)
    ds = desired_of(root)
    recorded = Recorded()
    record_applied(recorded, ds)
    recorded.add("sagemaker", "DescribeEndpoint", {"EndpointName": "churn"},
                 answers.endpoint(one(ds, "endpoint"), one(ds, "endpoint-config"), status="Failed"))
    with pytest.raises(PlanError, match="endpoint/churn is protected: plan refuses to replace it"):
        plan(root, recorded)


def _held(tmp_path: Path) -> tuple[list[Desired], Recorded]:
    ds, recorded = _applied(tmp_path, shadow_doc())
    # while the test runs the endpoint serves the experiment's config, with the shadow variant
    recorded.add("sagemaker", "DescribeEndpoint", {"EndpointName": "churn"},
                 answers.endpoint(one(ds, "endpoint"), one(ds, "endpoint-config"),
                                  EndpointConfigName="sagemaker-shadow-config",
                                  ShadowProductionVariants=[answers.endpoint_variant("shadow", 1.0, 1)]))
    return ds, recorded


def test_an_endpoint_held_by_an_active_shadow_test_is_left_alone_with_a_note(tmp_path: Path) -> None:
    _, recorded = _held(tmp_path)
    p, snap = plan(_stack(tmp_path / "s", shadow_doc()), recorded)
    assert p.is_empty, p.dumps()  # the experiment's config is not a change
    assert any(n.startswith("endpoint/churn is managed by inference-experiment/churn-shadow while that shadow test "
                            "is active") for n in p.notes)
    assert drift_report(p, snap).in_sync and drift_report(p, snap).notes


def test_a_change_to_a_held_endpoint_is_pending_until_the_test_ends(tmp_path: Path) -> None:
    _, recorded = _held(tmp_path)
    p, snap = plan(_stack(tmp_path / "s", shadow_doc(), weights=(0.8, 0.2)), recorded)
    [change] = [c for c in p.changes if c.address == "endpoint/churn"]
    assert change.action is Action.update
    assert change.reason.startswith("held until inference-experiment/churn-shadow ends")
    assert [s for s in p.steps if s.address == "endpoint/churn"] == []  # nothing runs while it is held
    [entry] = [e for e in drift_report(p, snap).entries if e.address == "endpoint/churn"]
    assert entry.labels == ("pending",) and "held until" in entry.reason


def test_a_deployment_config_rides_on_update_endpoint(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, alarm_doc(), extra=guard())
    root = _stack(tmp_path / "s", alarm_doc(), extra=guard(), instance="ml.c5.xlarge")
    absent(recorded, one(desired_of(root), "endpoint-config"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig"]
    assert thaw(p.steps[1].params["DeploymentConfig"]) == {
        "BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {
            "Type": "CANARY", "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 20}, "WaitIntervalInSeconds": 600},
            "MaximumExecutionTimeoutInSeconds": 3600},
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "churn-5xx"}]}}
    assert p.steps[1].params["RetainAllVariantProperties"] is False
    assert _endpoint_change(p).reason.endswith("rollout: blue/green canary of 20%, bake 600 s, then the rest; rolls "
                                               "back if churn-5xx alarms")


def test_a_new_guarded_endpoint_is_created_with_its_rollout_policy(tmp_path: Path) -> None:
    root = _stack(tmp_path / "s", alarm_doc(), extra=guard())
    ds = desired_of(root)
    recorded = Recorded()
    record_applied(recorded, [one(ds, "model"), one(ds, "alarm")])
    absent(recorded, one(ds, "endpoint-config"), one(ds, "endpoint"))
    p, _ = plan(root, recorded)
    create = next(s for s in p.steps if s.operation == "CreateEndpoint")
    deployment = thaw(one(ds, "endpoint").extra["deploymentConfig"])
    assert thaw(create.params["DeploymentConfig"]) == deployment  # stored: later reported as LastDeploymentConfig
    assert {t["Key"]: t["Value"] for t in create.params["Tags"]}["reconciler:rollout"] == rollout_hash(deployment)


def test_a_rollout_policy_edit_alone_is_recorded_without_a_redeploy(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, alarm_doc(), extra=guard())
    shorter = guard().replace("waitIntervalInSeconds: 600", "waitIntervalInSeconds: 300")
    root = _stack(tmp_path / "s", alarm_doc(), extra=shorter)
    p, _ = plan(root, recorded)
    assert operations(p) == ["AddTags"]
    wanted = thaw(one(desired_of(root), "endpoint").extra["deploymentConfig"])
    assert thaw(p.steps[0].params) == {"ResourceArn": ENDPOINT_ARN,
                                       "Tags": [{"Key": "reconciler:rollout", "Value": rollout_hash(wanted)}]}
    change = _endpoint_change(p)
    assert change.reason == ("rollout policy changes, takes effect at the next update: blue/green canary of 20%: "
                             "bake 600 s -> 300 s")
    waits = [c["deploymentConfig"]["blueGreenUpdatePolicy"]["trafficRoutingConfiguration"]["waitIntervalInSeconds"]
             for c in (change.before, change.after)]
    assert waits == [600, 300]


def test_a_weight_only_change_of_a_guarded_endpoint_needs_no_deployment(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, alarm_doc(), extra=guard())
    p, _ = plan(_stack(tmp_path / "s", alarm_doc(), extra=guard(), weights=(0.6, 0.4)), recorded)
    assert operations(p) == ["UpdateEndpointWeightsAndCapacities"]
    assert "DeploymentConfig" not in p.steps[0].params


def test_a_rollback_alarm_outside_the_stack_must_exist_in_the_account(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, extra=guard("ops-5xx"))
    query = {"AlarmNames": ["ops-5xx"], "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]}
    recorded.add("cloudwatch", "DescribeAlarms", query, {"MetricAlarms": [], "CompositeAlarms": [{
        "AlarmName": "ops-5xx", "AlarmArn": answers.alarm_arn("ops-5xx"), "AlarmRule": "ALARM(a) OR ALARM(b)",
        "ActionsEnabled": True, "StateValue": "OK", "StateUpdatedTimestamp": answers.UPDATED}]})
    assert plan(tmp_path / "applied", recorded)[0].is_empty
    recorded.add("cloudwatch", "DescribeAlarms", query, {"MetricAlarms": [], "CompositeAlarms": []})
    with pytest.raises(PlanError) as err:
        plan(tmp_path / "applied", recorded)
    assert "rollback alarm 'ops-5xx' is neither an Alarm document of this stack nor an alarm in the account" in str(
        err.value)


def test_a_guarded_update_must_keep_the_live_variant_names(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, alarm_doc(), extra=guard())
    renamed = endpoint_doc(extra=guard(), instance="ml.c5.xlarge").replace("variantName: b", "variantName: c")
    root = write(tmp_path / "s", MODEL_DOC, renamed, alarm_doc())
    absent(recorded, one(desired_of(root), "endpoint-config"))
    with pytest.raises(PlanError, match=r"same variant names as the live endpoint \(live: a, b; spec: a, c\)"):
        plan(root, recorded)


def test_async_inference_cannot_be_removed_from_a_live_endpoint(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path, extra="  asyncInferenceConfig: {outputConfig: {s3OutputPath: 's3://b/out'}}\n")
    root = _stack(tmp_path / "s")
    absent(recorded, one(desired_of(root), "endpoint-config"))
    with pytest.raises(PlanError, match="asyncInferenceConfig cannot be removed"):
        plan(root, recorded)
    described = ("sagemaker", "DescribeEndpointConfig", {"EndpointConfigName": one(ds, "endpoint-config").address.name})
    assert described in recorded.calls  # the live config says what the endpoint is


def test_an_endpoint_deleted_outside_git_is_recreated_and_its_weights_set_in_place(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    config = one(ds, "endpoint-config")
    tagged(recorded, [(answers.resource_arn(d), d.tags("demo")) for d in ds if d.address.type != "endpoint"])
    absent(recorded, one(ds, "endpoint"))
    root = _stack(tmp_path / "s", weights=(0.8, 0.2))  # same config name: its live initial weights are 0.5/0.5
    p, snap = plan(root, recorded)
    assert operations(p) == ["CreateEndpoint", "UpdateEndpointWeightsAndCapacities"]
    assert p.steps[0].params["EndpointConfigName"] == config.address.name
    assert thaw(p.steps[1].params["DesiredWeightsAndCapacities"]) == [
        {"VariantName": "a", "DesiredWeight": 0.8}, {"VariantName": "b", "DesiredWeight": 0.2}]
    assert p.steps[1].tag_arn == ENDPOINT_ARN
    [entry] = [e for e in drift_report(p, snap).entries if e.address == "endpoint/churn"]
    assert entry.labels == ("drift",) and "was deleted outside git" in entry.reason


def test_an_endpoint_in_transition_is_planned_with_a_warning(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    recorded.add("sagemaker", "DescribeEndpoint", {"EndpointName": "churn"},
                 answers.endpoint(one(ds, "endpoint"), one(ds, "endpoint-config"), status="SystemUpdating"))
    p, snap = plan(_stack(tmp_path / "s", weights=(0.8, 0.2)), recorded)
    assert operations(p) == ["UpdateEndpointWeightsAndCapacities"]
    assert p.warnings == ("endpoint/churn is SystemUpdating; apply waits for it to settle and refuses the plan if the "
                          "outcome differs from what was planned",)
    assert p.warnings[0] in drift_report(p, snap).notes  # a scheduled drift job says a change is in flight


def test_a_tag_change_is_one_add_tags_with_the_new_hash(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, tags="{team: ml}")
    root = _stack(tmp_path / "s", tags="{team: ml-platform}")
    d = one(desired_of(root), "endpoint")
    p, _ = plan(root, recorded)
    [step] = [s for s in p.steps if s.address == "endpoint/churn"]
    assert step.operation == "AddTags" and step.params["ResourceArn"] == ENDPOINT_ARN
    assert thaw(step.params["Tags"]) == [{"Key": "reconciler:hash", "Value": d.state_hash},
                                         {"Key": "team", "Value": "ml-platform"}]
    assert _endpoint_change(p).reason == "tags change"


def test_an_endpoint_whose_document_goes_is_deleted_before_its_config(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    p, _ = plan(write(tmp_path / "s", MODEL_DOC), recorded)
    assert operations(p) == ["DeleteEndpoint", "DeleteEndpointConfig"]
    assert p.steps[0].params == {"EndpointName": "churn"}
    change = _endpoint_change(p)
    assert (change.action, change.after) == (Action.delete, None)
    assert thaw(change.before)["endpointConfigName"] == one(ds, "endpoint-config").address.name


def test_address_of_the_endpoint() -> None:
    assert HANDLER.name_from_arn(ENDPOINT_ARN) == "churn"
    assert HANDLER.name_from_arn(arn("endpoint-config", "churn-1234abcd")) is None
    assert HANDLER.arn("us-east-1", "123456789012", "churn") == ENDPOINT_ARN
    assert Address.parse("endpoint/churn") == Address("endpoint", "churn")


def test_an_update_finished_after_its_apply_was_killed_is_pending_not_drift(tmp_path: Path) -> None:
    """The endpoint reached what git wants, but the apply died before recording it: no one changed it
    outside git, so a scheduled drift job must not say so."""
    old, recorded = _applied(tmp_path)
    root = _stack(tmp_path / "s", instance="ml.c5.xlarge")
    new = desired_of(root)
    record_applied(recorded, [d for d in new if d.address.type == "endpoint-config"])
    old_tags = answers.applied_tags(one(old, "endpoint"))
    recorded.add("sagemaker", "ListTags", {"ResourceArn": ENDPOINT_ARN, "MaxResults": 100},
                 {"Tags": [{"Key": k, "Value": v} for k, v in old_tags.items()]})
    tagged(recorded, [(answers.resource_arn(d), answers.applied_tags(d)) for d in [*old, one(new, "endpoint-config")]
                      if d.address.type != "endpoint"] + [(ENDPOINT_ARN, old_tags)], "demo")
    recorded.add("sagemaker", "DescribeEndpoint", {"EndpointName": "churn"},
                 answers.endpoint(one(new, "endpoint"), one(new, "endpoint-config")))
    p, snap = plan(root, recorded)
    [entry] = [e for e in drift_report(p, snap).entries if e.address == "endpoint/churn"]
    assert entry.labels == ("pending",)
    assert "already matches git" in entry.reason


def test_a_rollout_whose_rollback_alarm_is_in_alarm_already_is_warned_about(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path, extra=guard("ops-5xx"))
    query = {"AlarmNames": ["ops-5xx"], "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]}
    recorded.add("cloudwatch", "DescribeAlarms", query, {"MetricAlarms": [], "CompositeAlarms": [{
        "AlarmName": "ops-5xx", "AlarmArn": answers.alarm_arn("ops-5xx"), "AlarmRule": "ALARM(a) OR ALARM(b)",
        "ActionsEnabled": True, "StateValue": "ALARM", "StateUpdatedTimestamp": answers.UPDATED}]})
    assert not plan(tmp_path / "applied", recorded)[0].warnings  # nothing rolls out: nothing to warn about
    root = _stack(tmp_path / "s", instance="ml.c5.xlarge", extra=guard("ops-5xx"))
    absent(recorded, one(desired_of(root), "endpoint-config"))
    p, _ = plan(root, recorded)
    assert "endpoint/churn: rollback alarm(s) ops-5xx are in ALARM now: the rollout rolls back at its first " \
           "check unless they clear first" in p.warnings
