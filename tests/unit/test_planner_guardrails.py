"""Guardrail decisions on in-memory live state: deploymentConfig, Alarm documents, protect, shadow tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reconciler.addressing import Address
from reconciler.drift import drift_report
from reconciler.errors import PlanError, SpecError
from reconciler.kinds import load_stack
from reconciler.resources import Live
from tests.unit.planner_support import applied_state, operations, plan_for, write_stack

ALARM = """
apiVersion: reconciler/v1
kind: Alarm
name: churn-5xx
spec:
  namespace: AWS/SageMaker
  metricName: Invocation5XXErrors
  dimensions: [{name: EndpointName, value: churn}, {name: VariantName, value: a}]
  statistic: Sum
  period: 60
  evaluationPeriods: 1
  threshold: THRESHOLD
  comparisonOperator: GreaterThanThreshold
  treatMissingData: notBreaching
"""
GUARD = """
  deploymentConfig:
    blueGreenUpdatePolicy:
      trafficRoutingConfiguration:
        type: CANARY
        canarySize: {type: CAPACITY_PERCENT, value: CANARY_PCT}
        waitIntervalInSeconds: 600
      maximumExecutionTimeoutInSeconds: TIMEOUT
    autoRollbackConfiguration:
      alarms: [{alarmName: "${Alarm.churn-5xx.name}"}]
"""


def guarded(root: Path, *, threshold: float = 5, canary: int = 20, timeout: int = 3600, **stack: object) -> Path:
    write_stack(root, **stack)  # type: ignore[arg-type]
    (root / "alarm.yaml").write_text(textwrap.dedent(ALARM).replace("THRESHOLD", str(threshold)))
    text = (root / "endpoint.yaml").read_text()
    guard = GUARD.replace("CANARY_PCT", str(canary)).replace("TIMEOUT", str(timeout))
    (root / "endpoint.yaml").write_text(text + guard.lstrip("\n"))
    return root


def alarm_live(live: dict[Address, Live]) -> Live:
    return live[Address("alarm", "churn-5xx")]


def test_alarm_is_created_before_the_endpoint_and_watched_by_its_update(tmp_path: Path) -> None:
    root = guarded(tmp_path / "s")
    plan, _ = plan_for(root, {})
    assert operations(plan) == ["CreateModel", "CreateEndpointConfig", "PutMetricAlarm", "CreateEndpoint"]
    live = applied_state(root)
    assert plan_for(root, live)[0].is_empty
    guarded(root, instance="ml.c5.xlarge")
    plan, _ = plan_for(root, live)
    update = next(s for s in plan.steps if s.operation == "UpdateEndpoint")
    config = update.params["DeploymentConfig"]
    assert config["AutoRollbackConfiguration"]["Alarms"] == ({"AlarmName": "churn-5xx"},)
    assert config["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "CANARY"
    change = next(c for c in plan.changes if c.address == "endpoint/churn")
    assert "canary of 20%, bake 600 s" in change.reason and "rolls back if churn-5xx alarms" in change.reason


def test_alarm_change_is_one_put_before_the_endpoint_update(tmp_path: Path) -> None:
    root = guarded(tmp_path / "s")
    live = applied_state(root)
    guarded(root, threshold=10, instance="ml.c5.xlarge")
    plan, _ = plan_for(root, live)
    ops = operations(plan)
    assert ops.index("PutMetricAlarm") < ops.index("UpdateEndpoint")
    put = plan.steps[ops.index("PutMetricAlarm")]
    assert put.params["Threshold"] == 10.0 and put.tags is not None


def test_alarm_state_is_not_drift(tmp_path: Path) -> None:
    root = guarded(tmp_path / "s")
    live = applied_state(root)
    data = alarm_live(live).data
    assert data is not None
    data["StateValue"] = "ALARM"
    plan, snap = plan_for(root, live)
    assert plan.is_empty and drift_report(plan, snap).in_sync


def test_guarded_update_needs_the_live_variant_names(tmp_path: Path) -> None:
    root = guarded(tmp_path / "s")
    live = applied_state(root)
    text = (root / "endpoint.yaml").read_text().replace("variantName: b", "variantName: c")
    (root / "endpoint.yaml").write_text(text)
    with pytest.raises(PlanError, match="same variant names as the live endpoint"):
        plan_for(root, live)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"canary": 60}, "canarySize 60% is out of range: it must be 0.0001% to 50%"),
    ({"timeout": 600}, "maximumExecutionTimeoutInSeconds 600 is shorter than the policy's own waits (600 s"),
])
def test_guardrail_limits_fail_validate(tmp_path: Path, kwargs: dict[str, int], message: str) -> None:
    root = guarded(tmp_path / "s", **kwargs)
    if "timeout" in kwargs:
        text = (root / "endpoint.yaml").read_text().replace("maximumExecutionTimeoutInSeconds: 600",
                                                            "maximumExecutionTimeoutInSeconds: 600\n"
                                                            "      terminationWaitInSeconds: 300")
        (root / "endpoint.yaml").write_text(text)
        message = "maximumExecutionTimeoutInSeconds 600 is shorter than the policy's own waits (900 s"
    with pytest.raises(SpecError) as err:
        load_stack(root)
    assert any(message in str(d) for d in err.value.diagnostics), [str(d) for d in err.value.diagnostics]


def test_protect_refuses_prune_and_says_how_to_lift_it(tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    text = (root / "endpoint.yaml").read_text().replace("name: churn\n", "name: churn\nprotect: true\n", 1)
    (root / "endpoint.yaml").write_text(text)
    live = applied_state(root)
    assert live[Address("endpoint", "churn")].tags["reconciler:protect"] == "true"
    assert plan_for(root, live)[0].is_empty
    (root / "endpoint.yaml").unlink()
    with pytest.raises(PlanError) as err:
        plan_for(root, live)
    assert "endpoint/churn is protected" in str(err.value) and "protect: false" in str(err.value)


def test_protect_refuses_replacing_a_failed_endpoint(tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    text = (root / "endpoint.yaml").read_text().replace("name: churn\n", "name: churn\nprotect: true\n", 1)
    (root / "endpoint.yaml").write_text(text)
    live = applied_state(root)
    data = live[Address("endpoint", "churn")].data
    assert data is not None
    data["EndpointStatus"] = "Failed"
    with pytest.raises(PlanError, match="plan refuses to replace it"):
        plan_for(root, live)


def test_protect_still_lets_new_model_versions_replace_old_ones(tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    for name in ("model.yaml", "endpoint.yaml"):
        text = (root / name).read_text().replace("\nname: churn\n", "\nname: churn\nprotect: true\n", 1)
        (root / name).write_text(text)
    live = applied_state(root)
    write_stack(root, model_data="s3://b/m2.tar.gz")
    for name in ("model.yaml", "endpoint.yaml"):
        text = (root / name).read_text().replace("\nname: churn\n", "\nname: churn\nprotect: true\n", 1)
        (root / name).write_text(text)
    plan, _ = plan_for(root, live)
    assert "DeleteModel" in operations(plan)  # the superseded version is collected as usual


SHADOW = """
apiVersion: reconciler/v1
kind: ShadowTest
name: churn-shadow
spec:
  endpointName: ${Endpoint.churn.name}
  roleArn: arn:aws:iam::123456789012:role/Exec
  modelVariants:
    - {modelName: "${Model.churn.name}", variantName: a,
       infrastructureConfig: {infrastructureType: RealTimeInference,
                              realTimeInferenceConfig: {instanceType: ml.m5.large, instanceCount: 1}}}
    - {modelName: "${Model.churn.name}", variantName: shadow,
       infrastructureConfig: {infrastructureType: RealTimeInference,
                              realTimeInferenceConfig: {instanceType: ml.m5.large, instanceCount: 1}}}
  shadowModeConfig:
    sourceModelVariantName: a
    shadowModelVariants: [{shadowModelVariantName: shadow, samplingPercentage: SAMPLING}]
"""


def with_shadow(root: Path, sampling: int = 20) -> None:
    (root / "shadow.yaml").write_text(textwrap.dedent(SHADOW).replace("SAMPLING", str(sampling)))


def running(live: dict[Address, Live], status: str = "Running") -> Live:
    exp = live[Address("inference-experiment", "churn-shadow")]
    assert exp.data is not None
    exp.data["Status"] = status
    exp.data["EndpointMetadata"] = {"EndpointName": "churn"}
    return exp


def test_shadow_test_is_created_and_started_after_its_endpoint(tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    with_shadow(root)
    plan, _ = plan_for(root, {})
    assert operations(plan)[-2:] == ["CreateInferenceExperiment", "StartInferenceExperiment"]
    create = plan.steps[-2].params
    assert create["Type"] == "ShadowMode" and create["EndpointName"] == "churn"


def test_endpoint_under_a_running_shadow_test_is_managed_not_drift(tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    with_shadow(root)
    live = applied_state(root)
    running(live)
    endpoint = live[Address("endpoint", "churn")].data
    assert endpoint is not None
    endpoint["EndpointConfigName"] = "experiment-made-config"  # the experiment's own config
    plan, snap = plan_for(root, live)
    assert plan.is_empty, plan.dumps()
    assert any("managed by inference-experiment/churn-shadow" in n for n in plan.notes)
    assert any("is Running" in n and "promote" in n for n in plan.notes)
    report = drift_report(plan, snap)
    assert report.in_sync and report.notes


def test_sampling_change_updates_a_running_shadow_test_in_place(tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    with_shadow(root)
    live = applied_state(root)
    running(live)
    with_shadow(root, sampling=50)
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["UpdateInferenceExperiment"]


def test_finished_shadow_test_with_a_new_spec_runs_again(tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    with_shadow(root)
    live = applied_state(root)
    running(live, "Completed")
    with_shadow(root, sampling=50)
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["DeleteInferenceExperiment", "CreateInferenceExperiment", "StartInferenceExperiment"]


def test_removing_a_running_shadow_test_stops_it_keeping_production(tmp_path: Path) -> None:
    root = write_stack(tmp_path / "s")
    with_shadow(root)
    live = applied_state(root)
    running(live)
    (root / "shadow.yaml").unlink()
    plan, _ = plan_for(root, live)
    assert operations(plan) == ["StopInferenceExperiment", "DeleteInferenceExperiment"]
    assert plan.steps[0].params["ModelVariantActions"] == {"a": "Retain", "shadow": "Remove"}
