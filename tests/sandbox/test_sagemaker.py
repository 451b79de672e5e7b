"""Contract tests for the sandbox: SageMaker behaviour over real HTTP with boto3.

One sandbox serves the whole module at a high time scale. Tests that need to see
an intermediate status (Creating, Updating, Deleting) slow the clock down to wall
time with ``slow_clock()`` while they look, then speed it up again so the
transition finishes within a few polls. Every response the sandbox shapes itself
is validated against botocore's output shape for the operation.
"""

from __future__ import annotations

import itertools
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.error import URLError

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import Shape
from botocore.validate import ParamValidator

from reconciler.sandbox import Sandbox, control
from reconciler.sandbox.lifecycle import UPDATE_SECONDS

FAST = 6000.0
REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution"
POLL_INTERVAL_S = 0.02
POLL_LIMIT = 200
_names = itertools.count()
_raw_bodies: dict[str, bytes] = {}


# --- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(host="127.0.0.1", port=0, time_scale=FAST, region=REGION) as sb:
        yield sb


def _client(sb: Sandbox, service: str) -> BaseClient:
    return boto3.client(
        service,
        endpoint_url=sb.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


def _keep_raw_body(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    _raw_bodies[operation_model.name] = response_dict["body"]


@pytest.fixture(scope="module")
def sm(sandbox: Sandbox) -> BaseClient:
    client = _client(sandbox, "sagemaker")
    client.meta.events.register("before-parse.sagemaker.*", _keep_raw_body)
    return client


@pytest.fixture(scope="module")
def tagging(sandbox: Sandbox) -> BaseClient:
    return _client(sandbox, "resourcegroupstaggingapi")


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


@contextmanager
def slow_clock(sb: Sandbox) -> Iterator[None]:
    """Let sandbox time run at wall speed while the block looks at a transition."""
    control.set_time_scale(sb.url, 1.0)
    try:
        yield
    finally:
        control.set_time_scale(sb.url, FAST)


def assert_valid(client: BaseClient, operation: str, response: dict[str, Any]) -> None:
    """The response satisfies botocore's output shape for ``operation``.

    The parsed response (minus ResponseMetadata) goes through botocore's
    ParamValidator (required members, types, minimums). Neither it nor the parser
    looks at enums, so the raw JSON the sandbox sent (the last one for
    ``operation``) is also checked for members and enum values the model lacks.
    """
    shape = client.meta.service_model.operation_model(operation).output_shape
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(body, shape)
    assert not report.has_errors(), report.generate_report()
    assert off_model(json.loads(_raw_bodies[operation]), shape) == []


def off_model(value: Any, shape: Shape, path: str = "") -> list[str]:
    """Paths in raw JSON ``value`` that ``shape`` has no member or enum value for."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        found = []
        for key, item in value.items():
            member = shape.members.get(key)  # type: ignore[attr-defined]
            found += [f"{path}.{key}"] if member is None else off_model(item, member, f"{path}.{key}")
        return found
    if kind == "list" and isinstance(value, list):
        return [p for i, item in enumerate(value) for p in off_model(item, shape.member, f"{path}[{i}]")]  # type: ignore[attr-defined]
    if kind == "map" and isinstance(value, dict):
        return [p for k, item in value.items() for p in off_model(item, shape.value, f"{path}.{k}")]  # type: ignore[attr-defined]
    enum = getattr(shape, "enum", None)
    if enum and value not in enum:
        return [f"{path}={value!r}"]
    return []


def poll(read: Callable[[], Any], done: Callable[[Any], bool], interval: float = POLL_INTERVAL_S) -> Any:
    """Read until ``done``; at most POLL_LIMIT tries ``interval`` seconds apart."""
    value = read()
    for _ in range(POLL_LIMIT):
        if done(value):
            return value
        time.sleep(interval)
        value = read()
    raise AssertionError(f"condition not reached after {POLL_LIMIT} polls; last value: {value!r}")


def wait_status(sm: BaseClient, name: str, status: str) -> dict[str, Any]:
    return poll(lambda: sm.describe_endpoint(EndpointName=name), lambda d: d["EndpointStatus"] == status)


def wait_gone(sm: BaseClient, name: str) -> ClientError:
    def read() -> ClientError | None:
        try:
            sm.describe_endpoint(EndpointName=name)
        except ClientError as error:
            return error
        return None

    return poll(read, lambda error: error is not None)


def expect_validation(call: Callable[[], Any], fragment: str) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException", error
    assert fragment in error["Message"], error["Message"]
    return str(error["Message"])


def make_model(sm: BaseClient) -> str:
    name = unique("model")
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    return name


def variant(model: str, name: str = "primary", count: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "VariantName": name,
        "ModelName": model,
        "InstanceType": "ml.m5.large",
        "InitialInstanceCount": count,
        **extra,
    }


def make_config(sm: BaseClient, variants: list[dict[str, Any]], **extra: Any) -> str:
    name = unique("config")
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=variants, **extra)
    return name


def make_endpoint(sm: BaseClient, config: str, **extra: Any) -> str:
    name = unique("endpoint")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config, **extra)
    wait_status(sm, name, "InService")
    return name


def variants_by_name(described: dict[str, Any], key: str = "ProductionVariants") -> dict[str, dict[str, Any]]:
    return {v["VariantName"]: v for v in described[key]}


# --- server and public API --------------------------------------------------------------------


def test_import_does_not_load_moto() -> None:
    code = "import sys, reconciler.sandbox; sys.exit(1 if 'moto' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_server_binds_to_loopback_and_exports_client_env(sandbox: Sandbox) -> None:
    assert sandbox.port > 0
    assert sandbox.url == f"http://127.0.0.1:{sandbox.port}"
    env = sandbox.client_env()
    assert env == {
        "AWS_ENDPOINT_URL": sandbox.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }


def test_serve_forever_stops_cleanly_on_interrupt() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = (
        # a background job's SIGINT may be ignored; make Ctrl-C raise KeyboardInterrupt as in a terminal
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        f"from reconciler.sandbox import Sandbox; Sandbox(port={port}).serve_forever()"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:

        def clock() -> dict[str, Any] | None:
            try:
                return control.get_clock(url)
            except (URLError, OSError):
                return None

        # a fresh interpreter imports moto first: allow up to 10 s
        assert poll(clock, lambda answer: answer is not None, interval=0.05)["time_scale"] == 60.0
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=10)
    finally:
        child.kill()
    assert child.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr


def test_sts_reports_motos_default_account(sandbox: Sandbox) -> None:
    assert _client(sandbox, "sts").get_caller_identity()["Account"] == ACCOUNT


# --- 1/2. clock, CreateEndpoint, duplicates -----------------------------------------------------


def test_clock_reports_and_changes_scale(sandbox: Sandbox) -> None:
    before = control.get_clock(sandbox.url)
    assert before["time_scale"] == FAST
    changed = control.set_time_scale(sandbox.url, 120.0)
    try:
        assert changed["time_scale"] == 120.0
        assert changed["elapsed_seconds"] >= before["elapsed_seconds"]
    finally:
        control.set_time_scale(sandbox.url, FAST)
    with pytest.raises(control.SandboxControlError) as raised:
        control.set_time_scale(sandbox.url, 0)
    assert raised.value.status == 400


def test_create_endpoint_is_creating_then_in_service(sandbox: Sandbox, sm: BaseClient) -> None:
    config = make_config(sm, [variant(make_model(sm))])
    name = unique("endpoint")
    with slow_clock(sandbox):
        arn = sm.create_endpoint(EndpointName=name, EndpointConfigName=config)["EndpointArn"]
        assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name}"
        creating = sm.describe_endpoint(EndpointName=name)
        assert creating["EndpointStatus"] == "Creating"
        assert creating["ProductionVariants"][0]["VariantStatus"][0]["Status"] == "Creating"
        assert_valid(sm, "DescribeEndpoint", creating)
        listed = sm.list_endpoints(StatusEquals="Creating")["Endpoints"]
        assert name in [e["EndpointName"] for e in listed]
    ready = wait_status(sm, name, "InService")
    assert "VariantStatus" not in ready["ProductionVariants"][0]
    assert ready["LastModifiedTime"] > creating["LastModifiedTime"]
    assert_valid(sm, "DescribeEndpoint", ready)


def test_duplicate_creates_are_validation_errors(sm: BaseClient) -> None:
    model = make_model(sm)
    expect_validation(
        lambda: sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "x"}),
        f'Cannot create already existing model "arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/{model}"',
    )
    config = make_config(sm, [variant(model)])
    expect_validation(
        lambda: sm.create_endpoint_config(EndpointConfigName=config, ProductionVariants=[variant(model)]),
        f'Cannot create already existing endpoint configuration "arn:aws:sagemaker:{REGION}:{ACCOUNT}:'
        f'endpoint-config/{config}"',
    )
    endpoint = make_endpoint(sm, config, Tags=[{"Key": "keep", "Value": "me"}])
    expect_validation(
        lambda: sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=config),
        f'Cannot create already existing endpoint "arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{endpoint}"',
    )
    arn = sm.describe_endpoint(EndpointName=endpoint)["EndpointArn"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "keep", "Value": "me"}]


def test_create_endpoint_with_missing_config_is_a_validation_error(sm: BaseClient) -> None:
    expect_validation(
        lambda: sm.create_endpoint(EndpointName=unique("endpoint"), EndpointConfigName="no-such-config"),
        "Could not find endpoint configuration",
    )


def test_current_instance_types_are_accepted_and_bogus_ones_rejected(sm: BaseClient) -> None:
    model = make_model(sm)
    make_config(sm, [variant(model, InstanceType="ml.g5.xlarge")])
    expect_validation(lambda: make_config(sm, [variant(model, InstanceType="ml.bogus.large")]), "ml.bogus.large")


# --- 3. UpdateEndpoint --------------------------------------------------------------------------


def test_update_endpoint_shows_pending_deployment_then_switches(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_model(sm)
    old = make_config(sm, [variant(model, "a", 1, InitialVariantWeight=0.5), variant(model, "b", 2)])
    endpoint = make_endpoint(sm, old)
    control.scale_variant(sandbox.url, endpoint, "a", 4)
    new = make_config(
        sm,
        [
            variant(model, "a", 1, InitialVariantWeight=2.0),
            variant(model, "c", 3, InstanceType="ml.c5.xlarge"),
        ],
    )
    deployment = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0},
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "errors"}]},
    }
    _client(sandbox, "cloudwatch").put_metric_alarm(
        AlarmName="errors",
        MetricName="Invocation5XXErrors",
        Namespace="AWS/SageMaker",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    with slow_clock(sandbox):
        sm.update_endpoint(
            EndpointName=endpoint,
            EndpointConfigName=new,
            RetainAllVariantProperties=True,
            ExcludeRetainedVariantProperties=[{"VariantPropertyType": "DesiredWeight"}],
            DeploymentConfig=deployment,
        )
        updating = sm.describe_endpoint(EndpointName=endpoint)
        assert updating["EndpointStatus"] == "Updating"
        assert updating["EndpointConfigName"] == old
        assert set(variants_by_name(updating)) == {"a", "b"}
        pending = updating["PendingDeploymentSummary"]
        assert pending["EndpointConfigName"] == new
        pending_variants = variants_by_name(pending)
        assert pending_variants["a"]["DesiredInstanceCount"] == 4
        assert pending_variants["c"]["InstanceType"] == "ml.c5.xlarge"
        assert pending_variants["c"]["VariantStatus"][0]["Status"] == "Creating"
        assert_valid(sm, "DescribeEndpoint", updating)
        expect_validation(lambda: sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=new), "in-progress")
    done = wait_status(sm, endpoint, "InService")
    assert done["EndpointConfigName"] == new
    assert "PendingDeploymentSummary" not in done and "FailureReason" not in done
    live = variants_by_name(done)
    assert set(live) == {"a", "c"}
    assert live["a"]["DesiredInstanceCount"] == live["a"]["CurrentInstanceCount"] == 4  # retained
    assert live["a"]["DesiredWeight"] == live["a"]["CurrentWeight"] == 2.0  # excluded from retention
    assert live["c"]["DesiredInstanceCount"] == 3
    assert done["LastDeploymentConfig"] == deployment
    assert_valid(sm, "DescribeEndpoint", done)


def test_update_without_retention_takes_the_config_values(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_model(sm)
    endpoint = make_endpoint(sm, make_config(sm, [variant(model, "a", 1)]))
    control.scale_variant(sandbox.url, endpoint, "a", 5)
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=make_config(sm, [variant(model, "a", 2)]))
    done = wait_status(sm, endpoint, "InService")
    assert variants_by_name(done)["a"]["DesiredInstanceCount"] == 2


def test_retain_deployment_config_keeps_the_one_from_create(sm: BaseClient) -> None:
    model = make_model(sm)
    deployment = {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 25},
            "WaitIntervalInSeconds": 60,
        }
    }
    endpoint = make_endpoint(sm, make_config(sm, [variant(model)]), DeploymentConfig=deployment)
    assert sm.describe_endpoint(EndpointName=endpoint)["LastDeploymentConfig"] == deployment
    sm.update_endpoint(
        EndpointName=endpoint,
        EndpointConfigName=make_config(sm, [variant(model)]),
        RetainDeploymentConfig=True,
    )
    assert wait_status(sm, endpoint, "InService")["LastDeploymentConfig"] == deployment


def test_update_endpoint_rejections(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_model(sm)
    config = make_config(sm, [variant(model)])
    expect_validation(
        lambda: sm.update_endpoint(EndpointName="no-such-endpoint", EndpointConfigName=config),
        f'Could not find endpoint "arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/no-such-endpoint"',
    )
    endpoint = make_endpoint(sm, config)
    expect_validation(
        lambda: sm.update_endpoint(EndpointName=endpoint, EndpointConfigName="no-such-config"),
        "Could not find endpoint configuration",
    )
    creating = unique("endpoint")
    with slow_clock(sandbox):
        sm.create_endpoint(EndpointName=creating, EndpointConfigName=config)
        expect_validation(
            lambda: sm.update_endpoint(EndpointName=creating, EndpointConfigName=config),
            "in-progress endpoint",
        )
    wait_status(sm, creating, "InService")


def test_update_rolls_back_when_a_failure_is_armed(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_model(sm)
    old = make_config(sm, [variant(model, "a", 1)])
    endpoint = make_endpoint(sm, old)
    armed = control.fail_next_update(sandbox.url, endpoint, reason="Alarm errors fired during deployment")
    assert armed["armed"] is True
    new = make_config(sm, [variant(model, "a", 3)])
    with slow_clock(sandbox):
        sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=new)
        assert sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "Updating"
    failed = wait_status(sm, endpoint, "InService")
    assert failed["EndpointConfigName"] == old
    assert failed["FailureReason"] == "Alarm errors fired during deployment"
    assert variants_by_name(failed)["a"]["DesiredInstanceCount"] == 1
    assert "PendingDeploymentSummary" not in failed
    assert_valid(sm, "DescribeEndpoint", failed)
    sm.update_endpoint_weights_and_capacities(
        EndpointName=endpoint, DesiredWeightsAndCapacities=[{"VariantName": "a", "DesiredWeight": 0.5}]
    )
    assert wait_status(sm, endpoint, "InService")["FailureReason"] == "Alarm errors fired during deployment"
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=new)  # the arm was used up
    retried = wait_status(sm, endpoint, "InService")
    assert retried["EndpointConfigName"] == new
    assert "FailureReason" not in retried


def test_update_takes_the_configured_duration(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_model(sm)
    endpoint = make_endpoint(sm, make_config(sm, [variant(model)]))
    control.set_time_scale(sandbox.url, UPDATE_SECONDS / 0.4)  # the update lasts 0.4 s of wall time
    try:
        started = time.monotonic()
        sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=make_config(sm, [variant(model)]))
        wait_status(sm, endpoint, "InService")
        elapsed = time.monotonic() - started
    finally:
        control.set_time_scale(sandbox.url, FAST)
    assert 0.35 <= elapsed < 2.0, elapsed


# --- 4. UpdateEndpointWeightsAndCapacities ------------------------------------------------------


def test_weights_update_keeps_what_the_request_leaves_out(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_model(sm)
    config = make_config(
        sm,
        [variant(model, "a", 2, InitialVariantWeight=0.7), variant(model, "b", 1, InitialVariantWeight=0.3)],
    )
    endpoint = make_endpoint(sm, config)
    with slow_clock(sandbox):
        sm.update_endpoint_weights_and_capacities(
            EndpointName=endpoint,
            DesiredWeightsAndCapacities=[
                {"VariantName": "a", "DesiredInstanceCount": 4},
                {"VariantName": "b", "DesiredWeight": 0.0},
            ],
        )
        updating = sm.describe_endpoint(EndpointName=endpoint)
        assert updating["EndpointStatus"] == "Updating"
        live = variants_by_name(updating)
        assert live["a"]["DesiredInstanceCount"] == 4 and live["a"]["CurrentInstanceCount"] == 2
        assert live["a"]["DesiredWeight"] == 0.7
        assert live["b"]["DesiredWeight"] == 0.0 and live["b"]["CurrentWeight"] == 0.3
        assert live["b"]["DesiredInstanceCount"] == 1
        assert_valid(sm, "DescribeEndpoint", updating)
        expect_validation(
            lambda: sm.update_endpoint_weights_and_capacities(
                EndpointName=endpoint,
                DesiredWeightsAndCapacities=[{"VariantName": "a", "DesiredWeight": 1.0}],
            ),
            "in-progress",
        )
    done = variants_by_name(wait_status(sm, endpoint, "InService"))
    assert done["a"] == {
        "VariantName": "a",
        "CurrentWeight": 0.7,
        "DesiredWeight": 0.7,
        "CurrentInstanceCount": 4,
        "DesiredInstanceCount": 4,
    }
    assert done["b"]["CurrentWeight"] == 0.0 and done["b"]["CurrentInstanceCount"] == 1
    assert sm.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"] == config


def test_weights_update_rejects_unknown_variants_and_endpoints(sm: BaseClient) -> None:
    model = make_model(sm)
    endpoint = make_endpoint(sm, make_config(sm, [variant(model, "a")]))
    expect_validation(
        lambda: sm.update_endpoint_weights_and_capacities(
            EndpointName=endpoint, DesiredWeightsAndCapacities=[{"VariantName": "zz", "DesiredWeight": 1.0}]
        ),
        'The variant name(s) "zz" is/are not present',
    )
    expect_validation(
        lambda: sm.update_endpoint_weights_and_capacities(
            EndpointName="no-such-endpoint",
            DesiredWeightsAndCapacities=[{"VariantName": "a", "DesiredWeight": 1.0}],
        ),
        "Could not find endpoint",
    )


def test_serverless_variant_round_trips_and_updates_concurrency(sm: BaseClient) -> None:
    model = make_model(sm)
    serverless = {"MemorySizeInMB": 2048, "MaxConcurrency": 10, "ProvisionedConcurrency": 2}
    config = make_config(sm, [{"VariantName": "s", "ModelName": model, "ServerlessConfig": serverless}])
    described_config = sm.describe_endpoint_config(EndpointConfigName=config)
    assert described_config["ProductionVariants"][0]["ServerlessConfig"] == serverless
    endpoint = make_endpoint(sm, config)
    live = sm.describe_endpoint(EndpointName=endpoint)["ProductionVariants"][0]
    assert live["CurrentServerlessConfig"] == live["DesiredServerlessConfig"] == serverless
    sm.update_endpoint_weights_and_capacities(
        EndpointName=endpoint,
        DesiredWeightsAndCapacities=[
            {
                "VariantName": "s",
                "ServerlessUpdateConfig": {"MaxConcurrency": 20, "ProvisionedConcurrency": 5},
            }
        ],
    )
    done = wait_status(sm, endpoint, "InService")
    expected = {"MemorySizeInMB": 2048, "MaxConcurrency": 20, "ProvisionedConcurrency": 5}
    assert done["ProductionVariants"][0]["CurrentServerlessConfig"] == expected
    assert done["ProductionVariants"][0]["DesiredServerlessConfig"] == expected
    assert_valid(sm, "DescribeEndpoint", done)


# --- 5. DeleteEndpoint ----------------------------------------------------------------------------


def test_delete_endpoint_is_deleting_then_gone(sandbox: Sandbox, sm: BaseClient, tagging: BaseClient) -> None:
    model = make_model(sm)
    endpoint = make_endpoint(sm, make_config(sm, [variant(model)]), Tags=[{"Key": "team", "Value": "gone"}])
    with slow_clock(sandbox):
        sm.delete_endpoint(EndpointName=endpoint)
        deleting = sm.describe_endpoint(EndpointName=endpoint)
        assert deleting["EndpointStatus"] == "Deleting"
        assert_valid(sm, "DescribeEndpoint", deleting)
    error = wait_gone(sm, endpoint)
    assert error.response["Error"]["Code"] == "ValidationException"
    assert f"Could not find endpoint '{deleting['EndpointArn']}'" in error.response["Error"]["Message"]
    found = tagging.get_resources(TagFilters=[{"Key": "team", "Values": ["gone"]}])["ResourceTagMappingList"]
    assert found == []
    expect_validation(lambda: sm.delete_endpoint(EndpointName=endpoint), "Could not find endpoint")


# --- 6. defaults and round trips ------------------------------------------------------------------


def test_config_defaults_and_zero_weights(sm: BaseClient) -> None:
    model = make_model(sm)
    config = make_config(sm, [variant(model, "a"), variant(model, "b", InitialVariantWeight=0.0)])
    described = sm.describe_endpoint_config(EndpointConfigName=config)
    assert variants_by_name(described)["a"]["InitialVariantWeight"] == 1.0
    assert variants_by_name(described)["b"]["InitialVariantWeight"] == 0.0
    assert_valid(sm, "DescribeEndpointConfig", described)
    live = variants_by_name(sm.describe_endpoint(EndpointName=make_endpoint(sm, config)))
    assert live["a"]["CurrentWeight"] == live["a"]["DesiredWeight"] == 1.0
    assert live["b"]["CurrentWeight"] == live["b"]["DesiredWeight"] == 0.0


def test_shadow_async_and_data_capture_round_trip(sm: BaseClient) -> None:
    model = make_model(sm)
    shadow_model = make_model(sm)
    async_config = {
        "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
        "OutputConfig": {"S3OutputPath": "s3://bucket/out", "S3FailurePath": "s3://bucket/fail"},
    }
    capture = {
        "EnableCapture": True,
        "InitialSamplingPercentage": 40,
        "DestinationS3Uri": "s3://bucket/capture",
        "KmsKeyId": "alias/capture",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    }
    shadow = variant(shadow_model, "shadow", 1, InitialVariantWeight=0.5)
    config = make_config(
        sm,
        [variant(model, "prod")],
        ShadowProductionVariants=[shadow],
        AsyncInferenceConfig=async_config,
        DataCaptureConfig=capture,
    )
    described_config = sm.describe_endpoint_config(EndpointConfigName=config)
    assert described_config["ShadowProductionVariants"] == [shadow]
    assert described_config["AsyncInferenceConfig"] == async_config
    assert described_config["DataCaptureConfig"] == capture
    assert_valid(sm, "DescribeEndpointConfig", described_config)
    described = sm.describe_endpoint(EndpointName=make_endpoint(sm, config))
    assert described["ShadowProductionVariants"] == [
        {
            "VariantName": "shadow",
            "CurrentWeight": 0.5,
            "DesiredWeight": 0.5,
            "CurrentInstanceCount": 1,
            "DesiredInstanceCount": 1,
        }
    ]
    assert described["AsyncInferenceConfig"] == async_config
    assert described["DataCaptureConfig"] == {
        "EnableCapture": True,
        "CaptureStatus": "Started",
        "CurrentSamplingPercentage": 40,
        "DestinationS3Uri": "s3://bucket/capture",
        "KmsKeyId": "alias/capture",
    }
    assert_valid(sm, "DescribeEndpoint", described)


def test_disabled_capture_is_stopped(sm: BaseClient) -> None:
    model = make_model(sm)
    capture = {
        "EnableCapture": False,
        "InitialSamplingPercentage": 10,
        "DestinationS3Uri": "s3://bucket/capture",
        "CaptureOptions": [{"CaptureMode": "Input"}],
    }
    endpoint = make_endpoint(sm, make_config(sm, [variant(model)], DataCaptureConfig=capture))
    summary = sm.describe_endpoint(EndpointName=endpoint)["DataCaptureConfig"]
    assert summary["CaptureStatus"] == "Stopped" and summary["EnableCapture"] is False


def test_update_to_a_config_with_shadow_shows_pending_shadows(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_model(sm)
    endpoint = make_endpoint(sm, make_config(sm, [variant(model, "prod")]))
    new = make_config(sm, [variant(model, "prod")], ShadowProductionVariants=[variant(model, "shadow")])
    with slow_clock(sandbox):
        sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=new)
        pending = sm.describe_endpoint(EndpointName=endpoint)["PendingDeploymentSummary"]
        assert [v["VariantName"] for v in pending["ShadowProductionVariants"]] == ["shadow"]
    done = wait_status(sm, endpoint, "InService")
    assert [v["VariantName"] for v in done["ShadowProductionVariants"]] == ["shadow"]


# --- 7. tags and the tagging API ------------------------------------------------------------------


def test_add_tags_overwrites_and_delete_tags_removes(sm: BaseClient) -> None:
    model = make_model(sm)
    arn = sm.describe_model(ModelName=model)["ModelArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "ml"}])
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "env", "Value": "prod"},
        {"Key": "team", "Value": "ml"},
    ]
    sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]


def test_tag_calls_on_unknown_arns_are_validation_errors(sm: BaseClient) -> None:
    missing = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/no-such-endpoint"
    expect_validation(lambda: sm.list_tags(ResourceArn=missing), missing)
    expect_validation(lambda: sm.add_tags(ResourceArn=missing, Tags=[{"Key": "k", "Value": "v"}]), missing)
    odd = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:no-such-type/thing"
    expect_validation(lambda: sm.list_tags(ResourceArn=odd), odd)


def test_get_resources_returns_plain_arns_and_follows_tags(sm: BaseClient, tagging: BaseClient) -> None:
    model = make_model(sm)
    marker = unique("marker")
    tags = [{"Key": "stack", "Value": marker}]
    config = make_config(sm, [variant(model)], Tags=tags)
    endpoint = make_endpoint(sm, config, Tags=tags)
    config_arn = sm.describe_endpoint_config(EndpointConfigName=config)["EndpointConfigArn"]
    endpoint_arn = sm.describe_endpoint(EndpointName=endpoint)["EndpointArn"]

    def tagged() -> dict[str, list[dict[str, str]]]:
        found = tagging.get_resources(TagFilters=[{"Key": "stack", "Values": [marker]}])
        return {item["ResourceARN"]: item["Tags"] for item in found["ResourceTagMappingList"]}

    assert set(tagged()) == {config_arn, endpoint_arn}
    sm.add_tags(ResourceArn=config_arn, Tags=[{"Key": "stack", "Value": "other"}])
    assert set(tagged()) == {endpoint_arn}
    filtered = tagging.get_resources(ResourceTypeFilters=["sagemaker:endpoint-config"])
    assert all(
        isinstance(i["ResourceARN"], str) and i["ResourceARN"].startswith("arn:")
        for i in filtered["ResourceTagMappingList"]
    )
    assert config_arn in [i["ResourceARN"] for i in filtered["ResourceTagMappingList"]]
    sm.delete_tags(ResourceArn=endpoint_arn, TagKeys=["stack"])
    assert tagged() == {}


# --- 8. control routes ----------------------------------------------------------------------------


def test_scale_variant_acts_like_the_autoscaler(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_model(sm)
    endpoint = make_endpoint(sm, make_config(sm, [variant(model, "a", 1)]))
    answer = control.scale_variant(sandbox.url, endpoint, "a", 6)
    assert answer["variant"]["DesiredInstanceCount"] == 6
    live = variants_by_name(sm.describe_endpoint(EndpointName=endpoint))["a"]
    assert live["DesiredInstanceCount"] == live["CurrentInstanceCount"] == 6


@pytest.mark.parametrize(
    ("call", "status"),
    [
        (lambda url: control.scale_variant(url, "no-such-endpoint", "a", 1), 404),
        (lambda url: control.fail_next_update(url, "no-such-endpoint"), 404),
    ],
)
def test_control_errors_on_unknown_endpoints(sandbox: Sandbox, call: Callable[[str], Any], status: int) -> None:
    with pytest.raises(control.SandboxControlError) as raised:
        call(sandbox.url)
    assert raised.value.status == status


def test_control_errors_on_unknown_variant_and_bad_body(sandbox: Sandbox, sm: BaseClient) -> None:
    endpoint = make_endpoint(sm, make_config(sm, [variant(make_model(sm), "a")]))
    with pytest.raises(control.SandboxControlError) as unknown:
        control.scale_variant(sandbox.url, endpoint, "zz", 1)
    assert unknown.value.status == 404 and "zz" in unknown.value.message
    with pytest.raises(control.SandboxControlError) as negative:
        control.scale_variant(sandbox.url, endpoint, "a", -1)
    assert negative.value.status == 400


def test_concurrent_clients_see_consistent_state(sm: BaseClient) -> None:
    config = make_config(sm, [variant(make_model(sm))])
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            name = unique("endpoint")
            sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
            wait_status(sm, name, "InService")
            sm.delete_endpoint(EndpointName=name)
            wait_gone(sm, name)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []


def test_latency_is_injected_per_aws_request_only(sm: BaseClient) -> None:
    with Sandbox(time_scale=FAST, latency_ms=150.0) as slow:
        client = _client(slow, "sagemaker")
        client.list_models()  # warm the connection
        started = time.monotonic()
        client.list_models()
        aws_elapsed = time.monotonic() - started
        started = time.monotonic()
        control.get_clock(slow.url)
        control_elapsed = time.monotonic() - started
    assert aws_elapsed >= 0.15
    assert control_elapsed < 0.15


def test_reset_clears_moto_and_sandbox_state(sandbox: Sandbox, sm: BaseClient) -> None:
    model = make_model(sm)
    config = make_config(sm, [variant(model)])
    endpoint = make_endpoint(sm, config)
    control.set_time_scale(sandbox.url, 5.0)
    control.fail_next_update(sandbox.url, endpoint)
    assert control.reset(sandbox.url) == {"reset": True}
    assert control.get_clock(sandbox.url)["time_scale"] == FAST
    assert sm.list_models()["Models"] == []
    assert sm.list_endpoint_configs()["EndpointConfigs"] == []
    expect_validation(lambda: sm.describe_endpoint(EndpointName=endpoint), "Could not find endpoint")
    # the same names are free again, and the armed failure is gone with the endpoint
    sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    sm.create_endpoint_config(EndpointConfigName=config, ProductionVariants=[variant(model)])
    sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=config)
    wait_status(sm, endpoint, "InService")
    sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=config)
    assert "FailureReason" not in wait_status(sm, endpoint, "InService")
