"""Autoscaling and serverless decisions of the planner, on in-memory live state."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reconciler.addressing import Address
from reconciler.drift import drift_report
from reconciler.errors import PlanError
from reconciler.resources import Live
from tests.unit.planner_support import applied_state, operations, plan_for, write_stack

SCALING = "{minCapacity: 2, maxCapacity: 6, targetInvocationsPerInstance: 1000, scaleInCooldown: 300}"
TARGET = Address("scalable-target", "endpoint/churn/variant/a")
POLICY = Address("scaling-policy", "endpoint/churn/variant/a/invocations-per-instance")


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return write_stack(tmp_path / "stack", autoscale=SCALING)


def _endpoint_data(live: dict[Address, Live]) -> dict:
    data = live[Address("endpoint", "churn")].data
    assert data is not None
    return data


def test_create_registers_target_and_policy_after_the_endpoint(root: Path) -> None:
    plan, _ = plan_for(root, {})
    assert operations(plan) == ["CreateModel", "CreateEndpointConfig", "CreateEndpoint", "RegisterScalableTarget",
                                "PutScalingPolicy"]
    register, put = plan.steps[3], plan.steps[4]
    assert register.params["ResourceId"] == "endpoint/churn/variant/a"
    assert register.params["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    assert (register.params["MinCapacity"], register.params["MaxCapacity"]) == (2, 6)
    config = put.params["TargetTrackingScalingPolicyConfiguration"]
    assert config["PredefinedMetricSpecification"]["PredefinedMetricType"] == "SageMakerVariantInvocationsPerInstance"
    assert config["TargetValue"] == 1000.0 and config["ScaleInCooldown"] == 300
    # The endpoint's applied autoscaling hash is recorded once, by the last autoscaling step.
    assert register.tags is None and put.tags is not None and "reconciler:scaling" in put.tags
    assert put.tag_arn == "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn"


def test_applied_autoscaled_stack_plans_clean(root: Path) -> None:
    plan, _ = plan_for(root, applied_state(root))
    assert plan.is_empty, plan.dumps()


def test_autoscaler_moving_the_count_is_neither_drift_nor_pending(root: Path) -> None:
    live = applied_state(root)
    variant = _endpoint_data(live)["ProductionVariants"][0]
    variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"] = 5
    plan, snap = plan_for(root, live)
    assert plan.is_empty, plan.dumps()
    assert drift_report(plan, snap).in_sync


def test_min_max_change_is_one_register_call(root: Path) -> None:
    live = applied_state(root)
    write_stack(root, autoscale=SCALING.replace("maxCapacity: 6", "maxCapacity: 10"))
    plan, snap = plan_for(root, live)
    assert operations(plan) == ["RegisterScalableTarget"]
    assert plan.steps[0].params["MaxCapacity"] == 10
    [entry] = drift_report(plan, snap).entries
    assert entry.labels == ("pending",)


def test_out_of_band_policy_change_is_drift(root: Path) -> None:
    live = applied_state(root)
    data = live[POLICY].data
    assert data is not None
    data["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] = 50.0
    plan, snap = plan_for(root, live)
    assert operations(plan) == ["PutScalingPolicy"]
    [entry] = drift_report(plan, snap).entries
    assert entry.labels == ("drift",)


def test_instance_type_change_deregisters_first_and_keeps_the_live_count(root: Path) -> None:
    live = applied_state(root)
    variant = _endpoint_data(live)["ProductionVariants"][0]
    variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"] = 5  # the autoscaler scaled out
    write_stack(root, autoscale=SCALING, instance="ml.c5.xlarge")
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["DeleteScalingPolicy", "DeregisterScalableTarget", "CreateEndpointConfig",
                                "UpdateEndpoint", "RegisterScalableTarget", "PutScalingPolicy",
                                "DeleteEndpointConfig"]
    update = plan.steps[3].params
    assert update["RetainAllVariantProperties"] is True
    assert "ExcludeRetainedVariantProperties" not in update


def test_weight_change_with_autoscaling_excludes_weights_from_retention(root: Path) -> None:
    live = applied_state(root)
    write_stack(root, autoscale=SCALING, instance="ml.c5.xlarge", weight_a=0.9, weight_b=0.1)
    plan, _ = plan_for(root, live)
    update = next(s for s in plan.steps if s.operation == "UpdateEndpoint").params
    assert update["RetainAllVariantProperties"] is True
    assert update["ExcludeRetainedVariantProperties"] == ({"VariantPropertyType": "DesiredWeight"},)
    assert "UpdateEndpointWeightsAndCapacities" not in operations(plan)


def test_model_only_change_keeps_the_target_registered(root: Path) -> None:
    live = applied_state(root)
    write_stack(root, autoscale=SCALING, model_data="s3://b/m2.tar.gz")
    plan, _ = plan_for(root, live)
    assert "DeregisterScalableTarget" not in operations(plan)
    assert next(s for s in plan.steps if s.operation == "UpdateEndpoint").params["RetainAllVariantProperties"]


def test_non_autoscaled_count_change_still_goes_through_weights_api(root: Path) -> None:
    live = applied_state(root)
    text = (root / "endpoint.yaml").read_text().replace("initialInstanceCount: 1,", "initialInstanceCount: 3,")
    (root / "endpoint.yaml").write_text(text)
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["UpdateEndpointWeightsAndCapacities"]
    assert plan.steps[0].params["DesiredWeightsAndCapacities"] == ({"VariantName": "b", "DesiredInstanceCount": 3},)


def test_removing_autoscaling_deletes_policy_then_target_then_owns_the_count(root: Path) -> None:
    live = applied_state(root)
    variant = _endpoint_data(live)["ProductionVariants"][0]
    variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"] = 5
    write_stack(root)
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["DeleteScalingPolicy", "DeregisterScalableTarget", "UpdateEndpointWeightsAndCapacities"]
    assert plan.steps[2].params["DesiredWeightsAndCapacities"] == ({"VariantName": "a", "DesiredInstanceCount": 2},)


def test_deleting_an_autoscaled_endpoint_deregisters_first(root: Path) -> None:
    live = applied_state(root)
    write_stack(root, endpoint=False)
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["DeleteScalingPolicy", "DeregisterScalableTarget", "DeleteEndpoint",
                                "DeleteEndpointConfig"]


def test_autoscaling_set_up_outside_git_is_left_alone(tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    live = applied_state(root)
    live[TARGET] = Live(TARGET, "arn:target", {"reconciler:stack": "demo", "reconciler:address": "Endpoint/churn"},
                        {"ServiceNamespace": "sagemaker", "ResourceId": TARGET.name, "MinCapacity": 1, "MaxCapacity": 9,
                         "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"})
    variant = _endpoint_data(live)["ProductionVariants"][0]
    variant["DesiredInstanceCount"] = 7  # that autoscaler moved it: not ours to reset
    plan, _ = plan_for(root, live)
    assert plan.steps == ()
    assert any("left alone" in w for w in plan.warnings)


SERVERLESS = """
apiVersion: reconciler/v1
kind: Endpoint
name: churn
spec:
  productionVariants:
    - variantName: a
      modelName: ${Model.churn.name}
      serverlessConfig: {memorySizeInMB: MEMORY, maxConcurrency: MAXC, provisionedConcurrency: 2}
"""


def _serverless(root: Path, memory: int = 2048, max_concurrency: int = 10) -> None:
    (root / "endpoint.yaml").write_text(textwrap.dedent(SERVERLESS).replace("MEMORY", str(memory))
                                        .replace("MAXC", str(max_concurrency)))


def _serverless_live(root: Path) -> dict[Address, Live]:
    live = applied_state(root)
    data = _endpoint_data(live)
    variant = data["ProductionVariants"][0]
    variant.pop("CurrentInstanceCount", None)
    variant.pop("DesiredInstanceCount", None)
    variant["CurrentServerlessConfig"] = variant["DesiredServerlessConfig"] = {
        "MemorySizeInMB": 2048, "MaxConcurrency": 10, "ProvisionedConcurrency": 2}
    return live


def test_serverless_concurrency_change_is_in_place(tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    _serverless(root)
    live = _serverless_live(root)
    assert plan_for(root, live)[0].is_empty
    _serverless(root, max_concurrency=20)
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["UpdateEndpointWeightsAndCapacities"]
    assert plan.steps[0].params["DesiredWeightsAndCapacities"] == (
        {"VariantName": "a", "ServerlessUpdateConfig": {"MaxConcurrency": 20}},)


def test_serverless_memory_change_needs_a_new_config(tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    _serverless(root)
    live = _serverless_live(root)
    _serverless(root, memory=4096)
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig"]


def test_real_time_endpoint_cannot_become_serverless(tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    live = applied_state(root)
    _serverless(root)
    with pytest.raises(PlanError, match="cannot become serverless"):
        plan_for(root, live)


def test_async_config_cannot_be_removed(tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    text = (root / "endpoint.yaml").read_text() + (
        "  asyncInferenceConfig: {outputConfig: {s3OutputPath: 's3://b/out'}}\n")
    (root / "endpoint.yaml").write_text(text)
    live = applied_state(root)
    write_stack(root)
    with pytest.raises(PlanError, match="asyncInferenceConfig cannot be removed") as err:
        plan_for(root, live)
    assert "endpoint.yaml:4:7" in str(err.value)
