"""Scenarios for the scaling-policy handler (`scaling-policy/endpoint/<ep>/variant/<v>/<name>`): recorded SageMaker
and Application Auto Scaling responses in, change and steps out.

Policies are children of a scalable target: found with DescribeScalingPolicies for each target discovered from
the endpoint's variants, put after their target, deleted before it.
"""

from __future__ import annotations

import copy
from pathlib import Path

from reconciler.changes import Action
from reconciler.drift import drift_report
from reconciler.frozen import thaw
from reconciler.handlers.scaling_policy import ScalingPolicyHandler
from reconciler.plan.model import Plan
from reconciler.resources import Desired, Live
from tests.handlers import answers
from tests.handlers.answers import MODEL_DOC, absent, children, desired_of, endpoint_doc, of_type, one, record_applied
from tests.handlers.recorded import Recorded, arn, operations, plan, write
from tests.unit.planner_support import ACCOUNT, REGION

HANDLER = ScalingPolicyHandler()
SCALING = "{minCapacity: 2, maxCapacity: 6, targetInvocationsPerInstance: 1000, scaleInCooldown: 300}"
STEP = ("{minCapacity: 1, maxCapacity: 4, policies: [{policyName: step-out, policyType: StepScaling, "
        "stepScalingPolicyConfiguration: {adjustmentType: ChangeInCapacity, cooldown: 120, "
        "stepAdjustments: [{metricIntervalLowerBound: 0, metricIntervalUpperBound: 10, scalingAdjustment: 1}, "
        "{metricIntervalLowerBound: 10, scalingAdjustment: 2}]}}]}")
RID = "endpoint/churn/variant/a"
POLICY = f"scaling-policy/{RID}/invocations-per-instance"
KEY = {"ServiceNamespace": "sagemaker", "ResourceId": RID,
       "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"}
ENDPOINT_ARN = arn("endpoint", "churn")


def applied(d: Desired, stack: str) -> Live:
    """What Application Auto Scaling holds right after the handler's PutScalingPolicy made `d` (owned through
    its endpoint: the endpoint's stack and address tags)."""
    owner = {"reconciler:stack": stack, "reconciler:address": d.spec}
    return Live(d.address, f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:{d.address.name}", owner,
                copy.deepcopy(thaw(d.request)))


def _stack(tmp_path: Path, autoscaling: str = SCALING, **endpoint: object) -> Path:
    return write(tmp_path, MODEL_DOC, endpoint_doc(autoscaling=autoscaling, **endpoint))  # type: ignore[arg-type]


def _applied(tmp_path: Path, autoscaling: str = SCALING) -> tuple[list[Desired], Recorded]:
    ds = desired_of(_stack(tmp_path / "applied", autoscaling))
    recorded = Recorded()
    record_applied(recorded, ds)
    return ds, recorded


def _change(p: Plan, address: str = POLICY) -> object:
    [change] = [c for c in p.changes if c.address == address]
    return change


def test_a_new_policy_is_put_after_its_target_and_records_the_scaling_hash(tmp_path: Path) -> None:
    root = _stack(tmp_path / "s")
    ds = desired_of(root)
    recorded = Recorded()
    record_applied(recorded, [one(ds, "model")])
    absent(recorded, one(ds, "endpoint-config"), one(ds, "endpoint"))
    p, _ = plan(root, recorded)
    assert operations(p)[-2:] == ["RegisterScalableTarget", "PutScalingPolicy"]
    put = p.steps[-1]
    assert thaw(put.params) == {**KEY, "PolicyName": "invocations-per-instance", "PolicyType": "TargetTrackingScaling",
                                "TargetTrackingScalingPolicyConfiguration": {
                                    "TargetValue": 1000.0, "ScaleInCooldown": 300,
                                    "PredefinedMetricSpecification": {
                                        "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}}
    assert (thaw(put.tags), put.tag_arn) == ({"reconciler:scaling": one(ds, "endpoint").extra["scaling_hash"]},
                                             ENDPOINT_ARN)
    change = _change(p)
    assert (change.action, change.reason, change.before) == (Action.create, "new scaling policy", None)


def test_an_applied_policy_plans_nothing(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()
    assert ("application-autoscaling", "DescribeScalingPolicies",
            {"ServiceNamespace": "sagemaker", "ResourceId": RID}) in recorded.calls


def test_the_field_policy_makes_a_described_policy_equal_its_spec(tmp_path: Path) -> None:
    d = one(desired_of(_stack(tmp_path / "s")), "scaling-policy")
    described = answers.policy(d)
    # AAS reports its ARN, the alarms it made, the creation time and scale-in as not disabled
    described["TargetTrackingScalingPolicyConfiguration"]["DisableScaleIn"] = False
    assert len(described["Alarms"]) == 2
    live = Live(d.address, described["PolicyARN"], {}, described)
    assert HANDLER.comparable(live) == thaw(d.comparable)
    assert HANDLER.comparable(applied(d, "demo")) == thaw(d.comparable)
    assert HANDLER.comparable(Live(d.address, "", {}, None)) is None


def test_a_described_step_policy_equals_its_spec_with_whole_number_bounds(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path, STEP)
    [d] = of_type(ds, "scaling-policy")
    assert d.address.name == f"{RID}/step-out"
    described = answers.policy(d, Alarms=[])
    for step in described["StepScalingPolicyConfiguration"]["StepAdjustments"]:  # doubles on the wire
        step.update({k: float(v) for k, v in step.items() if k.startswith("MetricInterval")})
    children(recorded, RID, [described])
    assert HANDLER.comparable(Live(d.address, described["PolicyARN"], {}, described)) == thaw(d.comparable)
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()


def test_a_target_value_change_is_one_put(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    root = _stack(tmp_path / "s", SCALING.replace("1000", "750"))
    p, snap = plan(root, recorded)
    assert operations(p) == ["PutScalingPolicy"]
    assert p.steps[0].params["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 750.0
    assert thaw(p.steps[0].tags) == {"reconciler:scaling": one(desired_of(root), "endpoint").extra["scaling_hash"]}
    change = _change(p)
    assert (change.action, change.reason) == (Action.update, "scaling policy changes")
    before = change.before["targetTrackingScalingPolicyConfiguration"]["targetValue"]
    after = change.after["targetTrackingScalingPolicyConfiguration"]["targetValue"]
    assert (before, after) == (1000.0, 750.0)
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("pending",)


def test_a_policy_changed_outside_git_is_drift(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    described = answers.policy(one(ds, "scaling-policy"))
    described["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] = 50.0
    children(recorded, RID, [described])
    p, snap = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["PutScalingPolicy"]
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("drift",)


def test_a_policy_removed_from_the_spec_is_deleted_before_anything_else(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    p, _ = plan(_stack(tmp_path / "s", "{minCapacity: 2, maxCapacity: 6}", weights=(0.6, 0.4)), recorded)
    assert operations(p) == ["DeleteScalingPolicy", "UpdateEndpointWeightsAndCapacities"]
    assert thaw(p.steps[0].params) == {**KEY, "PolicyName": "invocations-per-instance"}
    change = _change(p)
    assert (change.action, change.reason) == (Action.delete, "no longer in its Endpoint's autoscaling spec")


def test_an_instance_type_change_deletes_the_policy_first_and_puts_it_again_last(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    root = _stack(tmp_path / "s", instance="ml.c5.xlarge")
    absent(recorded, one(desired_of(root), "endpoint-config"))
    p, _ = plan(root, recorded)
    ops = operations(p)
    assert ops.index("DeleteScalingPolicy") < ops.index("DeregisterScalableTarget") < ops.index("UpdateEndpoint")
    assert ops.index("UpdateEndpoint") < ops.index("RegisterScalableTarget") < ops.index("PutScalingPolicy")
    delete = p.steps[ops.index("DeleteScalingPolicy")]
    assert thaw(delete.params) == {**KEY, "PolicyName": "invocations-per-instance"}
    put = p.steps[ops.index("PutScalingPolicy")]
    assert thaw(put.params) == thaw(one(ds, "scaling-policy").request)
    # the last autoscaling step records the endpoint's autoscaling hash again
    assert put.tags is not None and put.tags["reconciler:scaling"] == one(ds, "endpoint").extra["scaling_hash"]
    change = _change(p)
    assert (change.action, change.reason) == (
        Action.update, "its scalable target is re-registered around the update of variant a")


def test_a_policy_added_outside_git_to_a_managed_target_is_deleted(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    outside = {**answers.policy(one(ds, "scaling-policy")), "PolicyName": "cpu",
               "PolicyARN": f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:scalingPolicy:0:resource/sagemaker/{RID}:"
                            "policyName/cpu"}
    children(recorded, RID, [answers.policy(one(ds, "scaling-policy")), outside])
    p, _ = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["DeleteScalingPolicy"]
    assert p.steps[0].params["PolicyName"] == "cpu"
    assert _change(p, f"scaling-policy/{RID}/cpu").reason == "no longer in its Endpoint's autoscaling spec"


def test_a_policy_set_up_outside_git_on_an_endpoint_without_autoscaling_is_left_alone(tmp_path: Path) -> None:
    autoscaled = desired_of(_stack(tmp_path / "other"))
    root = write(tmp_path / "s", MODEL_DOC, endpoint_doc())
    ds = desired_of(root)
    recorded = Recorded()
    record_applied(recorded, ds)
    answers.discovery(recorded, {"churn": ["a", "b"]}, [answers.target(one(autoscaled, "scalable-target"))])
    children(recorded, RID, [answers.policy(one(autoscaled, "scaling-policy"))])
    p, _ = plan(root, recorded)
    assert p.steps == ()
    assert f"{POLICY} is not in Endpoint/churn's spec and was not set up by reconciler; it is left alone (and the " \
           "capacity it manages is never reset)" in p.warnings


def test_address_of_a_policy() -> None:
    from reconciler.addressing import Address

    address = Address("scaling-policy", f"{RID}/invocations-per-instance")
    assert HANDLER.parent_of(address) == Address("scalable-target", RID)
    assert HANDLER.group(address, None, None) == Address("endpoint", "churn")
