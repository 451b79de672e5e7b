"""Scenarios for the scalable-target handler (`scalable-target/endpoint/<ep>/variant/<v>`): recorded SageMaker and
Application Auto Scaling responses in, change and steps out.

Targets are children of an endpoint: discovered with one DescribeScalableTargets for the live endpoints' variants
(then the policies and scheduled actions of each target found), owned through the endpoint.
"""

from __future__ import annotations

import copy
from pathlib import Path

from reconciler.changes import Action
from reconciler.drift import drift_report
from reconciler.errors import PlanError
from reconciler.frozen import thaw
from reconciler.handlers.scalable_target import ScalableTargetHandler
from reconciler.plan.model import Plan
from reconciler.resources import Desired, Live
from tests.handlers import answers
from tests.handlers.answers import (
    AAS_ROLE,
    CREATED,
    MODEL_DOC,
    absent,
    children,
    desired_of,
    discovery,
    endpoint_doc,
    one,
    record_applied,
)
from tests.handlers.recorded import Recorded, arn, operations, plan, write
from tests.unit.planner_support import ACCOUNT, REGION

HANDLER = ScalableTargetHandler()
SCALING = "{minCapacity: 2, maxCapacity: 6, targetInvocationsPerInstance: 1000, scaleInCooldown: 300}"
RID = "endpoint/churn/variant/a"
TARGET = f"scalable-target/{RID}"
POLICY = f"scaling-policy/{RID}/invocations-per-instance"
ENDPOINT_ARN = arn("endpoint", "churn")
KEY = {"ServiceNamespace": "sagemaker", "ResourceId": RID,
       "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"}


def applied(d: Desired, stack: str) -> Live:
    """What Application Auto Scaling holds right after the handler's RegisterScalableTarget made `d` (owned
    through its endpoint: the endpoint's stack and address tags)."""
    owner = {"reconciler:stack": stack, "reconciler:address": d.spec}
    return Live(d.address, f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:{d.address.name}", owner,
                copy.deepcopy(thaw(d.request)))


def _stack(tmp_path: Path, autoscaling: str = SCALING, **endpoint: object) -> Path:
    return write(tmp_path, MODEL_DOC, endpoint_doc(autoscaling=autoscaling, **endpoint))  # type: ignore[arg-type]


def _applied(tmp_path: Path, autoscaling: str = SCALING, **endpoint: object) -> tuple[list[Desired], Recorded]:
    ds = desired_of(_stack(tmp_path / "applied", autoscaling, **endpoint))
    recorded = Recorded()
    record_applied(recorded, ds)
    return ds, recorded


def _scaled_endpoint(recorded: Recorded, ds: list[Desired], count: int) -> None:
    """The autoscaler moved variant a to `count` instances."""
    described = answers.endpoint(one(ds, "endpoint"), one(ds, "endpoint-config"))
    variant = described["ProductionVariants"][0]
    variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"] = count
    recorded.add("sagemaker", "DescribeEndpoint", {"EndpointName": "churn"}, described)


def _change(p: Plan, address: str) -> object:
    [change] = [c for c in p.changes if c.address == address]
    return change


def test_a_new_autoscaled_endpoint_registers_its_target_after_the_endpoint(tmp_path: Path) -> None:
    root = _stack(tmp_path / "s")
    ds = desired_of(root)
    recorded = Recorded()
    record_applied(recorded, [one(ds, "model")])
    absent(recorded, one(ds, "endpoint-config"), one(ds, "endpoint"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["CreateEndpointConfig", "CreateEndpoint", "RegisterScalableTarget", "PutScalingPolicy"]
    register = p.steps[2]
    assert thaw(register.params) == {**KEY, "MinCapacity": 2, "MaxCapacity": 6}
    assert register.tags is None  # the endpoint's autoscaling hash is recorded once, by the last autoscaling step
    assert thaw(p.steps[3].tags) == {"reconciler:scaling": one(ds, "endpoint").extra["scaling_hash"]}
    change = _change(p, TARGET)
    assert (change.action, change.reason, change.spec) == (Action.create, "new scalable target", "Endpoint/churn")
    assert thaw(change.after) == {"scalableDimension": "sagemaker:variant:DesiredInstanceCount", "minCapacity": 2,
                                  "maxCapacity": 6}
    assert all(op != "DescribeScalableTargets" for _, op, _ in recorded.calls)  # no live endpoint, nothing to find


def test_autoscaling_added_to_a_live_endpoint_registers_it(tmp_path: Path) -> None:
    ds = desired_of(write(tmp_path / "old", MODEL_DOC, endpoint_doc()))
    recorded = Recorded()
    record_applied(recorded, ds)  # discovery finds no target for its variants
    p, _ = plan(_stack(tmp_path / "s"), recorded)
    assert operations(p) == ["AddTags", "RegisterScalableTarget", "PutScalingPolicy"]
    assert p.steps[0].address == "endpoint/churn"  # its count is now the autoscaler's: a new applied hash
    assert _change(p, TARGET).action is Action.create


def test_an_applied_target_plans_nothing(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    p, _ = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()
    assert ("application-autoscaling", "DescribeScalableTargets",
            {"ServiceNamespace": "sagemaker", "ResourceIds": [RID, "endpoint/churn/variant/b"]}) in recorded.calls
    assert ("application-autoscaling", "DescribeScalingPolicies",
            {"ServiceNamespace": "sagemaker", "ResourceId": RID}) in recorded.calls


def test_the_field_policy_makes_a_described_target_equal_its_spec(tmp_path: Path) -> None:
    d = one(desired_of(_stack(tmp_path / "s")), "scalable-target")
    described = answers.target(d)
    assert described["RoleARN"] == AAS_ROLE and described["CreationTime"] == CREATED
    live = Live(d.address, described["ScalableTargetARN"], {}, described)
    assert HANDLER.comparable(live) == thaw(d.comparable)
    assert HANDLER.comparable(applied(d, "demo")) == thaw(d.comparable)
    assert HANDLER.comparable(Live(d.address, "", {}, None)) is None


def test_the_count_the_autoscaler_set_is_neither_a_change_nor_drift(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    _scaled_endpoint(recorded, ds, 5)
    p, snap = plan(tmp_path / "applied", recorded)
    assert p.is_empty, p.dumps()
    assert drift_report(p, snap).in_sync


def test_a_min_max_change_is_one_register_after_the_endpoint(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    root = _stack(tmp_path / "s", SCALING.replace("maxCapacity: 6", "maxCapacity: 10"))
    p, snap = plan(root, recorded)
    assert operations(p) == ["RegisterScalableTarget"]
    [step] = p.steps
    assert thaw(step.params) == {**KEY, "MinCapacity": 2, "MaxCapacity": 10}
    assert (thaw(step.tags), step.tag_arn) == (
        {"reconciler:scaling": one(desired_of(root), "endpoint").extra["scaling_hash"]}, ENDPOINT_ARN)
    change = _change(p, TARGET)
    assert (change.action, change.reason) == (Action.update, "capacity limits change")
    assert (change.before["maxCapacity"], change.after["maxCapacity"]) == (6, 10)
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("pending",)


def test_a_target_changed_outside_git_is_drift(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    target = one(ds, "scalable-target")
    discovery(recorded, {"churn": ["a", "b"]}, [answers.target(target, MinCapacity=1)])
    p, snap = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["RegisterScalableTarget"]
    assert p.steps[0].params["MinCapacity"] == 2
    [entry] = drift_report(p, snap).entries
    assert entry.labels == ("drift",)


def test_an_instance_type_change_deregisters_before_update_endpoint_and_registers_after(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    _scaled_endpoint(recorded, ds, 5)
    root = _stack(tmp_path / "s", instance="ml.c5.xlarge")
    absent(recorded, one(desired_of(root), "endpoint-config"))
    p, _ = plan(root, recorded)
    assert operations(p) == ["DeleteScalingPolicy", "DeregisterScalableTarget", "CreateEndpointConfig",
                             "UpdateEndpoint", "RegisterScalableTarget", "PutScalingPolicy", "DeleteEndpointConfig"]
    deregister = p.steps[1]
    assert thaw(deregister.params) == KEY
    # marks the endpoint while its autoscaling is away, so an interrupted apply shows as pending
    assert (thaw(deregister.tags), deregister.tag_arn) == ({"reconciler:scaling": "re-registering"}, ENDPOINT_ARN)
    assert thaw(p.steps[4].params) == {**KEY, "MinCapacity": 2, "MaxCapacity": 6}
    assert p.steps[3].params["RetainAllVariantProperties"] is True  # the 5 instances the autoscaler set stay
    change = _change(p, TARGET)
    assert change.action is Action.update
    assert change.reason == ("variant a changes instance type: deregistered before UpdateEndpoint and registered "
                             "again once the endpoint is InService")


def test_a_model_change_keeps_the_target_registered(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    root = write(tmp_path / "s", MODEL_DOC.replace("m1.tar.gz", "m2.tar.gz"), endpoint_doc(autoscaling=SCALING))
    ds = desired_of(root)
    absent(recorded, one(ds, "model"), one(ds, "endpoint-config"))
    p, _ = plan(root, recorded)
    assert "DeregisterScalableTarget" not in operations(p) and "RegisterScalableTarget" not in operations(p)
    assert next(s for s in p.steps if s.operation == "UpdateEndpoint").params["RetainAllVariantProperties"] is True


def test_a_failed_autoscaled_endpoint_is_replaced_between_deregister_and_register(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    recorded.add("sagemaker", "DescribeEndpoint", {"EndpointName": "churn"},
                 answers.endpoint(one(ds, "endpoint"), one(ds, "endpoint-config"), status="Failed",
                                  FailureReason="Request to service failed."))
    p, _ = plan(tmp_path / "applied", recorded)
    assert operations(p) == ["DeleteScalingPolicy", "DeregisterScalableTarget", "DeleteEndpoint", "CreateEndpoint",
                             "RegisterScalableTarget", "PutScalingPolicy"]


def test_a_target_set_up_outside_git_is_left_alone_with_a_warning(tmp_path: Path) -> None:
    root = write(tmp_path / "s", MODEL_DOC, endpoint_doc())  # the spec declares no autoscaling
    ds = desired_of(root)
    recorded = Recorded()
    record_applied(recorded, ds)
    described = answers.endpoint(one(ds, "endpoint"), one(ds, "endpoint-config"))
    described["ProductionVariants"][0]["DesiredInstanceCount"] = 7  # that autoscaler scaled out: not ours to reset
    recorded.add("sagemaker", "DescribeEndpoint", {"EndpointName": "churn"}, described)
    outside = {**KEY, "MinCapacity": 1, "MaxCapacity": 9, "RoleARN": AAS_ROLE, "CreationTime": CREATED}
    discovery(recorded, {"churn": ["a", "b"]}, [outside])
    children(recorded, RID)
    p, _ = plan(root, recorded)
    assert p.steps == () and p.changes == ()
    assert p.warnings == (f"{TARGET} is not in Endpoint/churn's spec and was not set up by reconciler; it is left "
                          "alone (and the capacity it manages is never reset)",)
    # a count change of that variant in the spec is not applied either: the outside autoscaler owns it
    p, _ = plan(write(tmp_path / "s2", MODEL_DOC, endpoint_doc(counts=(3, 1))), recorded)
    assert "UpdateEndpointWeightsAndCapacities" not in operations(p)


def test_removing_autoscaling_deregisters_and_gives_the_count_back_to_the_spec(tmp_path: Path) -> None:
    ds, recorded = _applied(tmp_path)
    _scaled_endpoint(recorded, ds, 5)
    p, _ = plan(write(tmp_path / "s", MODEL_DOC, endpoint_doc()), recorded)
    assert operations(p) == ["DeleteScalingPolicy", "DeregisterScalableTarget", "UpdateEndpointWeightsAndCapacities"]
    assert thaw(p.steps[1].params) == KEY
    assert thaw(p.steps[2].params["DesiredWeightsAndCapacities"]) == [{"VariantName": "a", "DesiredInstanceCount": 2}]
    change = _change(p, TARGET)
    assert (change.action, change.reason) == (Action.delete, "no longer in its Endpoint's autoscaling spec")


def test_deleting_an_autoscaled_endpoint_deregisters_first(tmp_path: Path) -> None:
    _, recorded = _applied(tmp_path)
    p, _ = plan(write(tmp_path / "s", MODEL_DOC), recorded)
    assert operations(p) == ["DeleteScalingPolicy", "DeregisterScalableTarget", "DeleteEndpoint",
                             "DeleteEndpointConfig"]
    assert _change(p, TARGET).reason == "Endpoint/churn is no longer in the specs (prune: true)"


def test_addresses_of_targets() -> None:
    from reconciler.addressing import Address

    assert HANDLER.parent_of(Address("scalable-target", RID)) == Address("endpoint", "churn")
    assert HANDLER.parent_of(Address("scalable-target", "table/orders")) is None
    assert HANDLER.name_from_arn(ENDPOINT_ARN) is None  # never discovered by tags


def test_an_instance_type_change_under_a_target_set_up_outside_git_is_not_planned_as_an_update(
        tmp_path: Path) -> None:
    ds = desired_of(write(tmp_path / "old", MODEL_DOC, endpoint_doc()))
    recorded = Recorded()
    record_applied(recorded, ds)
    discovery(recorded, {"churn": ["a", "b"]},
              [{**KEY, "MinCapacity": 1, "MaxCapacity": 9, "RoleARN": AAS_ROLE, "CreationTime": CREATED}])
    children(recorded, RID)
    root = write(tmp_path / "s", MODEL_DOC, endpoint_doc(instance="ml.c5.xlarge"))
    absent(recorded, one(desired_of(root), "endpoint-config"))
    try:
        p, _ = plan(root, recorded)
    except PlanError:
        return  # refused at plan time, naming the target: fine
    assert "UpdateEndpoint" not in operations(p)
