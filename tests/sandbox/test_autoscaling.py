"""Contract tests for the sandbox's Application Auto Scaling rules for SageMaker variants (over HTTP, boto3).

Fixtures and helpers come from ``test_sandbox``; every sandbox in a process shares
moto's state and the clock, so names are unique per test.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from reconciler.sandbox import Sandbox, control
from tests.sandbox.test_sagemaker import (
    _client,
    _keep_raw_body,
    assert_valid,
    expect_validation,
    make_config,
    make_endpoint,
    make_model,
    sandbox,
    sm,
    variant,
    variants_by_name,
    wait_gone,
    wait_status,
)

__all__ = ["sandbox", "sm"]  # fixtures used by name below

NAMESPACE = "sagemaker"
INSTANCES = "sagemaker:variant:DesiredInstanceCount"
CONCURRENCY = "sagemaker:variant:DesiredProvisionedConcurrency"


@pytest.fixture(scope="module")
def aas(sandbox: Sandbox) -> BaseClient:
    client = _client(sandbox, "application-autoscaling")
    client.meta.events.register("before-parse.application-autoscaling.*", _keep_raw_body)
    return client


def resource(endpoint: str, variant_name: str) -> str:
    return f"endpoint/{endpoint}/variant/{variant_name}"


def register(aas: BaseClient, endpoint: str, variant_name: str, dimension: str = INSTANCES, **capacity: int) -> Any:
    return aas.register_scalable_target(
        ServiceNamespace=NAMESPACE,
        ResourceId=resource(endpoint, variant_name),
        ScalableDimension=dimension,
        **{key: value for key, value in capacity.items()},
    )


def expect_aas_validation(call: Any, fragment: str) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException", error
    assert fragment in error["Message"], error["Message"]
    return str(error["Message"])


def two_variant_endpoint(sm: BaseClient) -> tuple[str, str]:
    model = make_model(sm)
    config = make_config(sm, [variant(model, "a", 2), variant(model, "b", 1)])
    return make_endpoint(sm, config), model


# --- UpdateEndpoint and registered variants ---------------------------------------------------------


def test_update_may_not_change_the_instance_type_of_an_autoscaled_variant(sm: BaseClient, aas: BaseClient) -> None:
    endpoint, model = two_variant_endpoint(sm)
    register(aas, endpoint, "a", MinCapacity=1, MaxCapacity=4)
    other_type = make_config(sm, [variant(model, "a", 2, InstanceType="ml.c5.xlarge"), variant(model, "b", 1)])
    message = expect_validation(
        lambda: sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=other_type),
        "variant(s) [a]",
    )
    assert "DeregisterScalableTarget" in message
    assert sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "InService"


def test_update_may_not_remove_an_autoscaled_variant(sm: BaseClient, aas: BaseClient) -> None:
    endpoint, model = two_variant_endpoint(sm)
    register(aas, endpoint, "a", MinCapacity=1, MaxCapacity=4)
    register(aas, endpoint, "b", MinCapacity=1, MaxCapacity=2)
    without = make_config(sm, [variant(model, "c", 1)])
    expect_validation(lambda: sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=without), "[a, b]")


def test_update_may_change_only_the_model_of_an_autoscaled_variant(sm: BaseClient, aas: BaseClient) -> None:
    endpoint, _ = two_variant_endpoint(sm)
    register(aas, endpoint, "a", MinCapacity=1, MaxCapacity=4)
    new_model = make_model(sm)
    same_type = make_config(sm, [variant(new_model, "a", 2), variant(new_model, "b", 1, InstanceType="ml.c5.xlarge")])
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=same_type)
    assert wait_status(sm, endpoint, "InService")["EndpointConfigName"] == same_type


def test_deregistered_variant_may_change_instance_type(sm: BaseClient, aas: BaseClient) -> None:
    endpoint, model = two_variant_endpoint(sm)
    register(aas, endpoint, "a", MinCapacity=1, MaxCapacity=4)
    aas.deregister_scalable_target(
        ServiceNamespace=NAMESPACE, ResourceId=resource(endpoint, "a"), ScalableDimension=INSTANCES
    )
    other_type = make_config(sm, [variant(model, "a", 2, InstanceType="ml.c5.xlarge")])
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=other_type)
    assert wait_status(sm, endpoint, "InService")["EndpointConfigName"] == other_type


# --- RegisterScalableTarget -------------------------------------------------------------------------


def test_register_rejects_unknown_endpoints_variants_and_dimensions(sm: BaseClient, aas: BaseClient) -> None:
    endpoint, _ = two_variant_endpoint(sm)
    expect_aas_validation(
        lambda: register(aas, "no-such-endpoint", "a", MinCapacity=1, MaxCapacity=2),
        "Could not find endpoint",
    )
    expect_aas_validation(lambda: register(aas, endpoint, "zz", MinCapacity=1, MaxCapacity=2), 'variant "zz"')
    expect_aas_validation(
        lambda: register(aas, endpoint, "a", CONCURRENCY, MinCapacity=1, MaxCapacity=2),
        "instance-based variant",
    )
    expect_aas_validation(lambda: register(aas, endpoint, "a", MinCapacity=1), "MinCapacity and MaxCapacity")
    targets = aas.describe_scalable_targets(ServiceNamespace=NAMESPACE, ResourceIds=[resource(endpoint, "a")])
    assert targets["ScalableTargets"] == []


def test_register_rejects_min_above_max_also_against_stored_values(sm: BaseClient, aas: BaseClient) -> None:
    endpoint, _ = two_variant_endpoint(sm)
    expect_aas_validation(
        lambda: register(aas, endpoint, "a", MinCapacity=3, MaxCapacity=2),
        "Minimum capacity (3) cannot be greater than maximum capacity (2)",
    )
    answer = register(aas, endpoint, "a", MinCapacity=1, MaxCapacity=4)
    assert_valid(aas, "RegisterScalableTarget", answer)
    expect_aas_validation(lambda: register(aas, endpoint, "a", MinCapacity=5), "(5) cannot be greater than")
    expect_aas_validation(lambda: register(aas, endpoint, "a", MaxCapacity=0), "(1) cannot be greater than")
    stored = aas.describe_scalable_targets(ServiceNamespace=NAMESPACE, ResourceIds=[resource(endpoint, "a")])
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in stored["ScalableTargets"]] == [(1, 4)]


def test_updating_a_target_clamps_the_desired_instance_count(sm: BaseClient, aas: BaseClient) -> None:
    endpoint, _ = two_variant_endpoint(sm)
    register(aas, endpoint, "a", MinCapacity=3, MaxCapacity=6)  # a first registration does not scale
    assert variants_by_name(sm.describe_endpoint(EndpointName=endpoint))["a"]["DesiredInstanceCount"] == 2
    register(aas, endpoint, "a", MinCapacity=3)  # an update clamps into [3, 6]
    raised = variants_by_name(sm.describe_endpoint(EndpointName=endpoint))["a"]
    assert raised["DesiredInstanceCount"] == raised["CurrentInstanceCount"] == 3
    register(aas, endpoint, "a", MinCapacity=1, MaxCapacity=1)
    described = sm.describe_endpoint(EndpointName=endpoint)
    lowered = variants_by_name(described)["a"]
    assert lowered["DesiredInstanceCount"] == lowered["CurrentInstanceCount"] == 1
    assert variants_by_name(described)["b"]["DesiredInstanceCount"] == 1  # untouched
    assert_valid(sm, "DescribeEndpoint", described)


# --- serverless provisioned concurrency ----------------------------------------------------------------


def serverless_endpoint(sm: BaseClient, provisioned: int = 2) -> str:
    serverless = {"MemorySizeInMB": 2048, "MaxConcurrency": 10, "ProvisionedConcurrency": provisioned}
    config = make_config(sm, [{"VariantName": "s", "ModelName": make_model(sm), "ServerlessConfig": serverless}])
    return make_endpoint(sm, config)


def test_serverless_concurrency_target_clamps_and_control_scales(
    sandbox: Sandbox, sm: BaseClient, aas: BaseClient
) -> None:
    endpoint = serverless_endpoint(sm)
    expect_aas_validation(
        lambda: register(aas, endpoint, "s", INSTANCES, MinCapacity=1, MaxCapacity=4), "serverless variant"
    )
    register(aas, endpoint, "s", CONCURRENCY, MinCapacity=1, MaxCapacity=8)
    answer = control.set_provisioned_concurrency(sandbox.url, endpoint, "s", 6)
    assert answer["variant"]["DesiredServerlessConfig"]["ProvisionedConcurrency"] == 6
    live = sm.describe_endpoint(EndpointName=endpoint)["ProductionVariants"][0]
    assert live["DesiredServerlessConfig"]["ProvisionedConcurrency"] == 6
    assert live["CurrentServerlessConfig"]["ProvisionedConcurrency"] == 6
    register(aas, endpoint, "s", CONCURRENCY, MaxCapacity=4)
    described = sm.describe_endpoint(EndpointName=endpoint)
    clamped = described["ProductionVariants"][0]
    expected = {"MemorySizeInMB": 2048, "MaxConcurrency": 10, "ProvisionedConcurrency": 4}
    assert clamped["DesiredServerlessConfig"] == expected
    assert clamped["CurrentServerlessConfig"] == clamped["DesiredServerlessConfig"]
    assert_valid(sm, "DescribeEndpoint", described)
    control.set_provisioned_concurrency(sandbox.url, endpoint, "s", 0)  # scaled in to nothing provisioned
    gone = sm.describe_endpoint(EndpointName=endpoint)["ProductionVariants"][0]
    assert "ProvisionedConcurrency" not in gone["DesiredServerlessConfig"]
    assert_valid(sm, "DescribeEndpoint", sm.describe_endpoint(EndpointName=endpoint))


def test_provisioned_concurrency_control_errors(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = serverless_endpoint(sm)
    instances, _ = two_variant_endpoint(sm)
    cases = [
        (lambda: control.set_provisioned_concurrency(sandbox.url, "no-such-endpoint", "s", 1), 404),
        (lambda: control.set_provisioned_concurrency(sandbox.url, endpoint, "zz", 1), 404),
        (lambda: control.set_provisioned_concurrency(sandbox.url, endpoint, "s", 11), 400),
        (lambda: control.set_provisioned_concurrency(sandbox.url, endpoint, "s", -1), 400),
        (lambda: control.set_provisioned_concurrency(sandbox.url, instances, "a", 1), 400),
    ]
    for call, status in cases:
        with pytest.raises(control.SandboxControlError) as raised:
            call()
        assert raised.value.status == status, raised.value.message


# --- deregistration ------------------------------------------------------------------------------------


def add_policy_and_action(aas: BaseClient, endpoint: str, variant_name: str) -> None:
    aas.put_scaling_policy(
        PolicyName=f"{endpoint}-invocations",
        ServiceNamespace=NAMESPACE,
        ResourceId=resource(endpoint, variant_name),
        ScalableDimension=INSTANCES,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
        },
    )
    aas.put_scheduled_action(
        ServiceNamespace=NAMESPACE,
        ScheduledActionName=f"{endpoint}-nightly",
        ResourceId=resource(endpoint, variant_name),
        ScalableDimension=INSTANCES,
        Schedule="cron(0 22 * * ? *)",
        ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 2},
    )


def policies_and_actions(aas: BaseClient, endpoint: str, variant_name: str) -> tuple[list[Any], list[Any]]:
    rid = resource(endpoint, variant_name)
    policies = aas.describe_scaling_policies(ServiceNamespace=NAMESPACE, ResourceId=rid)["ScalingPolicies"]
    actions = aas.describe_scheduled_actions(ServiceNamespace=NAMESPACE, ResourceId=rid)["ScheduledActions"]
    return policies, actions


def test_deregister_deletes_the_targets_policies_and_scheduled_actions(sm: BaseClient, aas: BaseClient) -> None:
    endpoint, _ = two_variant_endpoint(sm)
    for name in ("a", "b"):
        register(aas, endpoint, name, MinCapacity=1, MaxCapacity=4)
        add_policy_and_action(aas, endpoint, name)
    assert [len(found) for found in policies_and_actions(aas, endpoint, "a")] == [1, 1]
    aas.deregister_scalable_target(
        ServiceNamespace=NAMESPACE, ResourceId=resource(endpoint, "a"), ScalableDimension=INSTANCES
    )
    assert policies_and_actions(aas, endpoint, "a") == ([], [])
    assert [len(found) for found in policies_and_actions(aas, endpoint, "b")] == [1, 1]  # b keeps its own


def test_delete_endpoint_deregisters_its_targets(sm: BaseClient, aas: BaseClient) -> None:
    endpoint, _ = two_variant_endpoint(sm)
    register(aas, endpoint, "a", MinCapacity=1, MaxCapacity=4)
    add_policy_and_action(aas, endpoint, "a")
    sm.delete_endpoint(EndpointName=endpoint)
    targets = aas.describe_scalable_targets(ServiceNamespace=NAMESPACE, ResourceIds=[resource(endpoint, "a")])
    assert targets["ScalableTargets"] == []
    assert policies_and_actions(aas, endpoint, "a") == ([], [])
    wait_gone(sm, endpoint)
