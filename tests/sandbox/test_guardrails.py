"""Contract tests for UpdateEndpoint deployment guardrails in the sandbox (over HTTP, boto3).

Each deployment is stepped through deterministically: the clock runs at wall
speed (``frozen``) and ``control.advance_clock`` jumps it to a chosen second of
the deployment, so every phase (provisioning, traffic shifts, bakes, rollback)
is observed exactly. Fixtures and helpers come from ``test_sandbox``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botocore.client import BaseClient

from reconciler.sandbox import Sandbox, control
from reconciler.sandbox.lifecycle import UPDATE_SECONDS
from tests.sandbox.test_sagemaker import (
    _client,
    assert_valid,
    expect_validation,
    make_config,
    make_endpoint,
    make_model,
    sandbox,
    slow_clock,
    sm,
    unique,
    variant,
    variants_by_name,
    wait_status,
)

__all__ = ["sandbox", "sm"]  # fixtures used by name below


@pytest.fixture(scope="module")
def cloudwatch(sandbox: Sandbox) -> BaseClient:
    return _client(sandbox, "cloudwatch")


# Sandbox time at wall speed (it barely moves between calls); tests jump it with ``advance_to``.
frozen = slow_clock


def advance_to(sb: Sandbox, start: datetime, seconds: float) -> None:
    """Jump the sandbox clock to ``seconds`` after ``start`` (a deployment's StartTime)."""
    now = datetime.fromisoformat(control.get_clock(sb.url)["now"])
    ahead = seconds - (now - start).total_seconds()
    assert ahead >= 0, f"already {-ahead:.1f} s past the target"
    control.advance_clock(sb.url, ahead)


def make_alarm(cloudwatch: BaseClient, state: str = "OK") -> str:
    name = unique("alarm")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="Invocation5XXErrors",
        Namespace="AWS/SageMaker",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    if state != "OK":
        set_alarm(cloudwatch, name, state)
    return name


def set_alarm(cloudwatch: BaseClient, name: str, state: str) -> None:
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="set by the test")


def canary(wait: int, final: int = 0, size: int = 1, alarms: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    routing = {"Type": "CANARY", "WaitIntervalInSeconds": wait, "CanarySize": {"Type": "INSTANCE_COUNT", "Value": size}}
    config: dict[str, Any] = {
        "BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing, "TerminationWaitInSeconds": final, **extra}
    }
    if alarms:
        config["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": name} for name in alarms]}
    return config


def endpoint_with(sm: BaseClient, count: int = 4) -> tuple[str, str, str, str]:
    """An InService endpoint (one variant "a" of ``count`` instances), its config, and a new config to deploy."""
    model = make_model(sm)
    old = make_config(sm, [variant(model, "a", count)])
    new = make_config(sm, [variant(make_model(sm), "a", count)])
    return make_endpoint(sm, old), old, new, model


def start_update(sm: BaseClient, endpoint: str, config: str, deployment: dict[str, Any]) -> datetime:
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=config, DeploymentConfig=deployment)
    return sm.describe_endpoint(EndpointName=endpoint)["PendingDeploymentSummary"]["StartTime"]


def look(sm: BaseClient, endpoint: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(DescribeEndpoint, the pending variant "a", its VariantStatus entry), validated against botocore."""
    described = sm.describe_endpoint(EndpointName=endpoint)
    assert_valid(sm, "DescribeEndpoint", described)
    pending = variants_by_name(described["PendingDeploymentSummary"])["a"]
    return described, pending, pending["VariantStatus"][0]


# --- blue/green canary, linear, all at once ------------------------------------------------------------


def test_canary_provisions_shifts_bakes_and_switches(sandbox: Sandbox, sm: BaseClient, cloudwatch: BaseClient) -> None:
    endpoint, old, new, _ = endpoint_with(sm)
    deployment = canary(wait=600, final=300, alarms=(make_alarm(cloudwatch),))
    with frozen(sandbox):
        start = start_update(sm, endpoint, new, deployment)
        described, pending, status = look(sm, endpoint)
        assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("Updating", old)
        assert status["Status"] == "Creating" and "4 instance(s)" in status["StatusMessage"]
        assert (pending["CurrentInstanceCount"], pending["CurrentWeight"]) == (0, 0.0)
        advance_to(sandbox, start, 255)
        _, pending, status = look(sm, endpoint)
        assert status["Status"] == "ActivatingTraffic"
        assert status["StatusMessage"] == "Shifting 25% of traffic (1 instance(s)) to the canary on the new fleet."
        assert (pending["CurrentInstanceCount"], pending["CurrentWeight"]) == (4, 0.25)
        advance_to(sandbox, start, 570)
        described, pending, status = look(sm, endpoint)
        assert (status["Status"], status["StatusMessage"]) == (
            "Baking",
            "Baking for 600 seconds (WaitIntervalInSeconds)",
        )
        assert (status["StartTime"] - start).total_seconds() == pytest.approx(270, abs=0.01)
        assert described["EndpointConfigName"] == old
        advance_to(sandbox, start, 885)
        _, pending, status = look(sm, endpoint)
        assert status["StatusMessage"] == "Shifting the remaining traffic to the new fleet."
        assert pending["CurrentWeight"] == 1.0
        advance_to(sandbox, start, 1000)
        _, _, status = look(sm, endpoint)
        assert status["StatusMessage"] == "Baking for 300 seconds (TerminationWaitInSeconds)"
        advance_to(sandbox, start, 1199)
        assert sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "Updating"
        advance_to(sandbox, start, 1201)
        done = sm.describe_endpoint(EndpointName=endpoint)
    assert (done["EndpointStatus"], done["EndpointConfigName"]) == ("InService", new)
    assert done["LastDeploymentConfig"] == deployment
    assert "PendingDeploymentSummary" not in done and "FailureReason" not in done
    assert_valid(sm, "DescribeEndpoint", done)


def test_linear_shifts_in_steps_with_a_bake_between(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint, _, new, _ = endpoint_with(sm)
    routing = {
        "Type": "LINEAR",
        "WaitIntervalInSeconds": 100,
        "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 25},
    }
    deployment = {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing}}
    # provision 240, then 4 x (shift 30 [+ bake 100 except after the last step]) = 240 + 4*30 + 3*100 = 660
    seen = []
    with frozen(sandbox):
        start = start_update(sm, endpoint, new, deployment)
        for second in (250, 300, 380, 430, 510, 560, 640):
            advance_to(sandbox, start, second)
            _, pending, status = look(sm, endpoint)
            seen.append((status["Status"], pending["CurrentWeight"]))
        assert status["StatusMessage"] == "Shifting traffic to the new fleet: step 4 of 4 (100% of traffic)."
        advance_to(sandbox, start, 661)
        done = sm.describe_endpoint(EndpointName=endpoint)
    assert seen == [
        ("ActivatingTraffic", 0.25),
        ("Baking", 0.25),
        ("ActivatingTraffic", 0.5),
        ("Baking", 0.5),
        ("ActivatingTraffic", 0.75),
        ("Baking", 0.75),
        ("ActivatingTraffic", 1.0),
    ]
    assert (done["EndpointStatus"], done["EndpointConfigName"]) == ("InService", new)


def test_all_at_once_bakes_wait_interval_then_termination_wait(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint, _, new, _ = endpoint_with(sm, count=1)
    routing = {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 120}
    deployment = {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing, "TerminationWaitInSeconds": 60}}
    with frozen(sandbox):
        start = start_update(sm, endpoint, new, deployment)
        advance_to(sandbox, start, 300)
        assert look(sm, endpoint)[2]["StatusMessage"] == "Baking for 120 seconds (WaitIntervalInSeconds)"
        advance_to(sandbox, start, 400)
        assert look(sm, endpoint)[2]["StatusMessage"] == "Baking for 60 seconds (TerminationWaitInSeconds)"
        advance_to(sandbox, start, 451)
        assert sm.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"] == new


def test_rolling_replaces_the_fleet_in_batches(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint, _, new, _ = endpoint_with(sm)
    deployment = {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 2},
            "WaitIntervalInSeconds": 300,
        }
    }
    # two batches of 2: (provision 240, shift 30, bake 300) x 2 = 1140
    with frozen(sandbox):
        start = start_update(sm, endpoint, new, deployment)
        _, pending, status = look(sm, endpoint)
        assert status["StatusMessage"] == "Creating 2 instance(s) for batch 1 of 2."
        advance_to(sandbox, start, 400)
        _, pending, status = look(sm, endpoint)
        assert (status["Status"], status["StatusMessage"]) == (
            "Baking",
            "Baking for 300 seconds (WaitIntervalInSeconds)",
        )
        assert (pending["CurrentInstanceCount"], pending["CurrentWeight"]) == (2, 0.5)
        advance_to(sandbox, start, 700)
        assert look(sm, endpoint)[2]["StatusMessage"] == "Creating 2 instance(s) for batch 2 of 2."
        advance_to(sandbox, start, 1141)
        done = sm.describe_endpoint(EndpointName=endpoint)
    assert (done["EndpointStatus"], done["EndpointConfigName"]) == ("InService", new)
    assert done["LastDeploymentConfig"] == deployment


# --- alarm-driven rollback -----------------------------------------------------------------------------


def test_canary_sizes_are_of_each_variants_instance_count(sandbox: Sandbox, sm: BaseClient) -> None:
    """Two variants of 2 instances: a 50% canary is one instance of each (as the planner checks it)."""
    model = make_model(sm)
    old = make_config(sm, [variant(model, "a", 2), variant(model, "b", 2)])
    new = make_config(sm, [variant(make_model(sm), "a", 2), variant(make_model(sm), "b", 2)])
    endpoint = make_endpoint(sm, old)
    deployment = {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {
        "Type": "CANARY", "WaitIntervalInSeconds": 600, "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 50}}}}
    with frozen(sandbox):
        start = start_update(sm, endpoint, new, deployment)
        _, _, status = look(sm, endpoint)
        assert status["StatusMessage"] == "Creating 4 instance(s) for the new fleet (2, 2 per variant)."
        advance_to(sandbox, start, 255)
        _, _, status = look(sm, endpoint)
        assert status["StatusMessage"] == ("Shifting 50% of traffic (1, 1 instance(s) per variant) to the canary on "
                                           "the new fleet.")


def test_alarm_during_the_canary_bake_rolls_back(sandbox: Sandbox, sm: BaseClient, cloudwatch: BaseClient) -> None:
    endpoint, old, new, _ = endpoint_with(sm)
    quiet, noisy = make_alarm(cloudwatch), make_alarm(cloudwatch)
    deployment = canary(wait=600, alarms=(quiet, noisy))
    with frozen(sandbox):
        start = start_update(sm, endpoint, new, deployment)
        advance_to(sandbox, start, 500)
        set_alarm(cloudwatch, noisy, "ALARM")
        described, _, status = look(sm, endpoint)
        assert described["EndpointStatus"] == "Updating"
        assert status["Status"] == "Deleting" and status["StatusMessage"].startswith("Rolling back")
        set_alarm(cloudwatch, noisy, "OK")  # too late: the rollback has started
        advance_to(sandbox, start, 531)
        done = sm.describe_endpoint(EndpointName=endpoint)
    assert (done["EndpointStatus"], done["EndpointConfigName"]) == ("InService", old)
    assert done["FailureReason"] == (
        f"Alarm(s) [{noisy}] went into ALARM state during the canary bake (WaitIntervalInSeconds); "
        "the deployment was rolled back to the previous endpoint configuration."
    )
    assert done["LastDeploymentConfig"] == deployment
    assert variants_by_name(done)["a"]["DesiredInstanceCount"] == 4
    assert "PendingDeploymentSummary" not in done
    assert_valid(sm, "DescribeEndpoint", done)


def test_an_alarm_already_firing_stops_the_first_traffic_shift(
    sandbox: Sandbox, sm: BaseClient, cloudwatch: BaseClient
) -> None:
    endpoint, old, new, _ = endpoint_with(sm)
    firing = make_alarm(cloudwatch, "ALARM")
    with frozen(sandbox):
        start = start_update(sm, endpoint, new, canary(wait=600, alarms=(firing,)))
        advance_to(sandbox, start, 239)
        assert look(sm, endpoint)[2]["Status"] == "Creating"  # provisioning is not watched
        advance_to(sandbox, start, 241)
        assert look(sm, endpoint)[2]["Status"] == "Deleting"
        advance_to(sandbox, start, 271)
        done = sm.describe_endpoint(EndpointName=endpoint)
    assert (done["EndpointStatus"], done["EndpointConfigName"]) == ("InService", old)
    assert f"[{firing}]" in done["FailureReason"] and "during the canary traffic shift;" in done["FailureReason"]


def test_rolling_rollback_relaunches_replaced_instances_in_batches(
    sandbox: Sandbox, sm: BaseClient, cloudwatch: BaseClient
) -> None:
    endpoint, old, new, _ = endpoint_with(sm)
    alarm = make_alarm(cloudwatch)
    deployment = {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 2},
            "RollbackMaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
            "WaitIntervalInSeconds": 300,
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": alarm}]},
    }
    with frozen(sandbox):
        start = start_update(sm, endpoint, new, deployment)
        advance_to(sandbox, start, 1000)  # batch 2 of 2 bakes; batch 1's old instances are gone
        set_alarm(cloudwatch, alarm, "ALARM")
        status = look(sm, endpoint)[2]
        assert (
            status["StatusMessage"]
            == "Rolling back: relaunching 1 instance(s) of the old configuration (batch 1 of 2)."
        )
        advance_to(sandbox, start, 1000 + 270 + 10)
        assert look(sm, endpoint)[2]["StatusMessage"].endswith("(batch 2 of 2).")
        advance_to(sandbox, start, 1000 + 2 * 270 + 10)
        assert look(sm, endpoint)[2]["StatusMessage"].startswith("Rolling back: shifting all traffic back")
        advance_to(sandbox, start, 1000 + 2 * 270 + 31)
        done = sm.describe_endpoint(EndpointName=endpoint)
    assert (done["EndpointStatus"], done["EndpointConfigName"]) == ("InService", old)
    assert "during the rolling batch 2 of 2 bake (WaitIntervalInSeconds)" in done["FailureReason"]


def test_exceeding_the_execution_timeout_rolls_back(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint, old, new, _ = endpoint_with(sm)
    with frozen(sandbox):
        start = start_update(sm, endpoint, new, canary(wait=3600, MaximumExecutionTimeoutInSeconds=600))
        advance_to(sandbox, start, 599)
        assert look(sm, endpoint)[2]["Status"] == "Baking"
        advance_to(sandbox, start, 631)
        done = sm.describe_endpoint(EndpointName=endpoint)
    assert (done["EndpointStatus"], done["EndpointConfigName"]) == ("InService", old)
    assert done["FailureReason"] == (
        "The deployment did not finish within MaximumExecutionTimeoutInSeconds (600 seconds); it was stopped during "
        "the canary bake (WaitIntervalInSeconds) and rolled back to the previous endpoint configuration."
    )


def test_a_failed_rollback_leaves_update_rollback_failed(
    sandbox: Sandbox, sm: BaseClient, cloudwatch: BaseClient
) -> None:
    endpoint, old, new, _ = endpoint_with(sm)
    alarm = make_alarm(cloudwatch, "ALARM")
    armed = control.fail_next_rollback(sandbox.url, endpoint)
    assert armed["armed"] is True
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=new, DeploymentConfig=canary(60, alarms=(alarm,)))
    failed = wait_status(sm, endpoint, "UpdateRollbackFailed")
    assert failed["EndpointConfigName"] == old
    assert failed["FailureReason"].startswith(f"Alarm(s) [{alarm}] went into ALARM state")
    assert failed["FailureReason"].endswith(control.DEFAULT_ROLLBACK_FAILURE)
    assert_valid(sm, "DescribeEndpoint", failed)
    expect_validation(
        lambda: sm.update_endpoint_weights_and_capacities(
            EndpointName=endpoint, DesiredWeightsAndCapacities=[{"VariantName": "a", "DesiredWeight": 0.5}]
        ),
        "because it is in status UpdateRollbackFailed",
    )
    set_alarm(cloudwatch, alarm, "OK")
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=new)  # the way out; the arm was used up
    recovered = wait_status(sm, endpoint, "InService")
    assert recovered["EndpointConfigName"] == new and "FailureReason" not in recovered


def test_fail_next_update_rolls_back_when_provisioning_ends(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint, old, new, _ = endpoint_with(sm, count=1)
    control.fail_next_update(sandbox.url, endpoint, reason="Model container failed the ping health check")
    with frozen(sandbox):
        sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=new)
        start = sm.describe_endpoint(EndpointName=endpoint)["PendingDeploymentSummary"]["StartTime"]
        advance_to(sandbox, start, UPDATE_SECONDS - 31)
        assert look(sm, endpoint)[2]["Status"] == "Creating"
        advance_to(sandbox, start, UPDATE_SECONDS - 29)
        assert look(sm, endpoint)[2]["Status"] == "Deleting"
        advance_to(sandbox, start, UPDATE_SECONDS + 1)
        done = sm.describe_endpoint(EndpointName=endpoint)
    assert (done["EndpointStatus"], done["EndpointConfigName"]) == ("InService", old)
    assert done["FailureReason"] == "Model container failed the ping health check"


def test_missing_alarms_are_rejected(sm: BaseClient, cloudwatch: BaseClient) -> None:
    endpoint, _, new, _ = endpoint_with(sm)
    known = make_alarm(cloudwatch)
    expect_validation(
        lambda: sm.update_endpoint(
            EndpointName=endpoint, EndpointConfigName=new, DeploymentConfig=canary(60, alarms=(known, "no-such-alarm"))
        ),
        "The CloudWatch alarm(s) [no-such-alarm] in DeploymentConfig.AutoRollbackConfiguration do not exist",
    )
    assert sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "InService"


# --- request validation and live-state rules -------------------------------------------------------------


ROUTING_60 = {"Type": "CANARY", "WaitIntervalInSeconds": 60}


@pytest.mark.parametrize(
    ("deployment", "fragment"),
    [
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}
                },
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
                    "WaitIntervalInSeconds": 0,
                },
            },
            "Only one update policy",
        ),
        (canary(60, size=3), "CanarySize of 3 instance(s) must be between 1% and 50%"),
        ({"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": ROUTING_60}}, "CanarySize must be specified"),
        (
            {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "LINEAR",
                        "WaitIntervalInSeconds": 60,
                        "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 60},
                    }
                }
            },
            "LinearStepSize of type CAPACITY_PERCENT must be between 10 and 50",
        ),
        (
            {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 4},
                    "WaitIntervalInSeconds": 0,
                }
            },
            "MaximumBatchSize of 4 instance(s) must be between 5% and 50%",
        ),
        (canary(4000), "failed to satisfy constraint: Member must have value less than or equal to 3600"),
        (canary(60, MaximumExecutionTimeoutInSeconds=30000), "less than or equal to 28800"),
    ],
)
def test_deployment_configs_sagemaker_rejects(sm: BaseClient, deployment: dict[str, Any], fragment: str) -> None:
    endpoint, _, new, _ = endpoint_with(sm)
    expect_validation(
        lambda: sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=new, DeploymentConfig=deployment),
        fragment,
    )
    assert sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "InService"


def test_canary_and_rolling_need_the_same_single_variant(sm: BaseClient) -> None:
    endpoint, _, _, model = endpoint_with(sm)
    renamed = make_config(sm, [variant(model, "b", 4)])
    expect_validation(
        lambda: sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=renamed, DeploymentConfig=canary(60)),
        "keep the endpoint's production variant names (a)",
    )
    two = make_endpoint(sm, make_config(sm, [variant(model, "a", 2), variant(model, "b", 2)]))
    rolling = {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            "WaitIntervalInSeconds": 0,
        }
    }
    expect_validation(
        lambda: sm.update_endpoint(
            EndpointName=two,
            EndpointConfigName=make_config(sm, [variant(model, "a", 2), variant(model, "b", 2)]),
            DeploymentConfig=rolling,
        ),
        "only supported for endpoints with a single production variant",
    )


def test_async_config_cannot_be_removed(sm: BaseClient) -> None:
    model = make_model(sm)
    async_config = {"OutputConfig": {"S3OutputPath": "s3://bucket/out"}}
    endpoint = make_endpoint(sm, make_config(sm, [variant(model)], AsyncInferenceConfig=async_config))
    expect_validation(
        lambda: sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=make_config(sm, [variant(model)])),
        f"The AsyncInferenceConfig parameter cannot be removed from this endpoint {endpoint}.",
    )
    kept = make_config(sm, [variant(model, count=2)], AsyncInferenceConfig=async_config)
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=kept)
    assert wait_status(sm, endpoint, "InService")["EndpointConfigName"] == kept


def test_instance_to_serverless_is_rejected_and_serverless_to_instance_allowed(sm: BaseClient) -> None:
    model = make_model(sm)
    serverless = make_config(
        sm,
        [{"VariantName": "a", "ModelName": model, "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}],
    )
    instances = make_endpoint(sm, make_config(sm, [variant(model, "a")]))
    expect_validation(
        lambda: sm.update_endpoint(EndpointName=instances, EndpointConfigName=serverless),
        "cannot be updated to serverless variants",
    )
    on_serverless = make_endpoint(sm, serverless)
    to_instances = make_config(sm, [variant(model, "a", 2)])
    sm.update_endpoint(EndpointName=on_serverless, EndpointConfigName=to_instances)
    done = wait_status(sm, on_serverless, "InService")
    assert done["EndpointConfigName"] == to_instances
    assert variants_by_name(done)["a"]["CurrentInstanceCount"] == 2


def test_advance_clock_jumps_forward_only(sandbox: Sandbox) -> None:
    before = datetime.fromisoformat(control.get_clock(sandbox.url)["now"])
    after = datetime.fromisoformat(control.advance_clock(sandbox.url, 3600)["now"])
    assert (after - before).total_seconds() >= 3600
    for bad in (-1, "soon"):
        with pytest.raises(control.SandboxControlError) as raised:
            control.advance_clock(sandbox.url, bad)  # type: ignore[arg-type]
        assert raised.value.status == 400


def test_inf1_fleets_fall_back_to_all_at_once_without_bakes(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_model(sm)
    endpoint = make_endpoint(sm, make_config(sm, [variant(model, "a", 1, InstanceType="ml.inf1.xlarge")]))
    new = make_config(sm, [variant(make_model(sm), "a", 1, InstanceType="ml.inf1.xlarge")])
    deployment = canary(wait=600, final=600)  # a one-instance canary: rejected anywhere else
    with frozen(sandbox):
        start = start_update(sm, endpoint, new, deployment)
        advance_to(sandbox, start, UPDATE_SECONDS - 10)
        assert look(sm, endpoint)[2]["StatusMessage"] == "Shifting all traffic to the new fleet."
        advance_to(sandbox, start, UPDATE_SECONDS + 1)
        done = sm.describe_endpoint(EndpointName=endpoint)
    assert (done["EndpointStatus"], done["EndpointConfigName"]) == ("InService", new)
    assert done["LastDeploymentConfig"] == deployment


def test_fail_next_rollback_needs_a_known_endpoint(sandbox: Sandbox) -> None:
    with pytest.raises(control.SandboxControlError) as raised:
        control.fail_next_rollback(sandbox.url, "no-such-endpoint")
    assert raised.value.status == 404
