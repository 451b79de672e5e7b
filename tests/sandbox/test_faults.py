"""Contract tests for the sandbox's seeded fault injection, over HTTP with real boto3 clients.

Faults are per server, so this module's sandbox does not disturb the others (moto's
state and the clock are still shared: names are unique per test). Most tests queue
exact faults (``control.queue_faults``); the seeded draw is tested against the pure
``FaultInjector``. ``retrying`` clients use the engine's retry configuration
(adaptive mode, 8 attempts); ``bare`` ones make exactly one attempt, to see the
injected answer itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from reconciler.sandbox import Sandbox, control
from reconciler.sandbox.control import SandboxControlError
from reconciler.sandbox.faults import DROP, NONE, SERVER_ERROR, THROTTLE, AwsRequest, FaultInjector
from tests.sandbox.test_sagemaker import ACCOUNT, FAST, REGION, ROLE, unique

ENGINE_RETRIES = {"mode": "adaptive", "total_max_attempts": 8}
"""As ``reconciler.aws.clients`` configures every engine client."""

ALARM = {
    "MetricName": "Invocation5XXErrors",
    "Namespace": "AWS/SageMaker",
    "Statistic": "Sum",
    "Period": 60,
    "EvaluationPeriods": 1,
    "Threshold": 1.0,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(host="127.0.0.1", port=0, time_scale=FAST, region=REGION) as sb:
        yield sb


@pytest.fixture(autouse=True)
def no_faults_left(sandbox: Sandbox) -> Iterator[None]:
    """Every test starts and ends with random faults off and nothing queued."""
    faults_off(sandbox)
    yield
    faults_off(sandbox)


def faults_off(sb: Sandbox) -> None:
    control.set_faults(sb.url, 0.0)
    control.queue_faults(sb.url, [])


def make_client(sb: Sandbox, service: str, retries: dict[str, Any]) -> BaseClient:
    return boto3.client(
        service,
        endpoint_url=sb.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries=retries, read_timeout=10),
    )


def retrying(sb: Sandbox, service: str) -> BaseClient:
    return make_client(sb, service, ENGINE_RETRIES)


def bare(sb: Sandbox, service: str) -> BaseClient:
    return make_client(sb, service, {"mode": "standard", "total_max_attempts": 1})


def delta(sb: Sandbox, call: Callable[[], Any]) -> tuple[Any, dict[str, int]]:
    """Run ``call``; return its result and how much each fault counter moved."""
    before = control.get_faults(sb.url)
    result = call()
    after = control.get_faults(sb.url)
    keys = ("throttled", "server_errors", "dropped", "mutating", "total")
    return result, {key: after[key] - before[key] for key in keys}


def outcome(call: Callable[[], Any]) -> str | None:
    """What a single attempt met: None (an answer), or the fault kind it shows."""
    try:
        call()
    except ConnectionClosedError:
        return DROP
    except ClientError as error:
        return {"ThrottlingException": THROTTLE, "ServiceUnavailable": SERVER_ERROR}[error.response["Error"]["Code"]]
    return None


def list_models_request() -> AwsRequest:
    return AwsRequest("ListModels", "POST", json_protocol=True, query_compatible=False, service="sagemaker")


# --- (a), (b): throttling and 503 answers are retried --------------------------------------------


@pytest.mark.parametrize(("kind", "counter"), [(THROTTLE, "throttled"), (SERVER_ERROR, "server_errors")])
def test_a_throttled_or_unavailable_call_is_retried_and_succeeds(sandbox: Sandbox, kind: str, counter: str) -> None:
    sm = retrying(sandbox, "sagemaker")
    name = unique("model")
    control.queue_faults(sandbox.url, [kind])
    response, moved = delta(
        sandbox, lambda: sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    )
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert response["ModelArn"] == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/{name}"
    expected = {"throttled": 0, "server_errors": 0, "dropped": 0, "mutating": 2, "total": 2}
    assert moved == {**expected, counter: 1}


def test_injected_errors_are_in_each_protocol_botocore_expects(sandbox: Sandbox) -> None:
    control.queue_faults(sandbox.url, [THROTTLE, SERVER_ERROR, THROTTLE, SERVER_ERROR, THROTTLE, SERVER_ERROR])
    calls = {
        "sagemaker": lambda c: c.list_models(),  # JSON 1.1
        "sts": lambda c: c.get_caller_identity(),  # query (XML)
        "cloudwatch": lambda c: c.describe_alarms(),  # JSON 1.0, query-compatible
    }
    seen = {}
    for service, call in calls.items():
        for _ in (THROTTLE, SERVER_ERROR):
            with pytest.raises(ClientError) as raised:
                call(bare(sandbox, service))
            response = raised.value.response
            seen.setdefault(service, []).append(
                (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"])
            )
    assert seen == {
        "sagemaker": [(400, "ThrottlingException"), (503, "ServiceUnavailable")],
        "sts": [(400, "Throttling"), (503, "ServiceUnavailable")],
        "cloudwatch": [(400, "Throttling"), (503, "ServiceUnavailable")],
    }


def test_query_services_are_retried_too(sandbox: Sandbox) -> None:
    sts = retrying(sandbox, "sts")
    control.queue_faults(sandbox.url, [THROTTLE, SERVER_ERROR, DROP])
    response, moved = delta(sandbox, sts.get_caller_identity)
    assert response["Account"] == ACCOUNT
    assert response["ResponseMetadata"]["RetryAttempts"] == 3
    assert moved == {"throttled": 1, "server_errors": 1, "dropped": 1, "mutating": 0, "total": 4}


# --- (c): a response lost after the operation ran --------------------------------------------------


def test_a_create_model_whose_response_is_lost_is_retried_into_its_own_duplicate(sandbox: Sandbox) -> None:
    sm = retrying(sandbox, "sagemaker")
    name = unique("model")
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/{name}"
    control.queue_faults(sandbox.url, [DROP])

    def create() -> ClientError:
        with pytest.raises(ClientError) as raised:
            sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
        return raised.value

    error, moved = delta(sandbox, create)
    assert moved == {"throttled": 0, "server_errors": 0, "dropped": 1, "mutating": 2, "total": 2}
    assert error.response["Error"] == {
        "Code": "ValidationException",
        "Message": f'Cannot create already existing model "{arn}".',
    }
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.response["ResponseMetadata"]["RetryAttempts"] == 1
    assert str(error) == (
        f"An error occurred (ValidationException) when calling the CreateModel operation: "
        f'Cannot create already existing model "{arn}".'
    )
    assert sm.describe_model(ModelName=name)["ModelArn"] == arn  # the first attempt's effect was kept


def test_a_single_attempt_sees_the_dropped_connection(sandbox: Sandbox) -> None:
    sm = bare(sandbox, "sagemaker")
    name = unique("model")
    control.queue_faults(sandbox.url, [DROP])
    with pytest.raises(ConnectionClosedError):
        sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    assert sm.describe_model(ModelName=name)["ModelName"] == name


def test_idempotent_writes_survive_a_lost_response(sandbox: Sandbox) -> None:
    cloudwatch = retrying(sandbox, "cloudwatch")
    name = unique("alarm")
    control.queue_faults(sandbox.url, [DROP])
    response, moved = delta(sandbox, lambda: cloudwatch.put_metric_alarm(AlarmName=name, **ALARM))
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert moved["dropped"] == 1 and moved["mutating"] == 2
    assert [alarm["AlarmName"] for alarm in cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]] == [name]


# --- (d): counters --------------------------------------------------------------------------------


def test_calls_count_every_aws_request_and_the_mutating_ones(sandbox: Sandbox) -> None:
    sm = bare(sandbox, "sagemaker")
    cloudwatch = bare(sandbox, "cloudwatch")
    before = control.get_calls(sandbox.url)
    assert set(before) == {"mutating", "total", "held"} and before["held"] is False
    name = unique("model")
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    sm.describe_model(ModelName=name)
    sm.list_models()
    sm.add_tags(ResourceArn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/{name}", Tags=[{"Key": "k", "Value": "v"}])
    cloudwatch.put_metric_alarm(AlarmName=unique("alarm"), **ALARM)
    bare(sandbox, "sts").get_caller_identity()
    control.get_clock(sandbox.url)  # control routes are not AWS requests
    control.get_faults(sandbox.url)
    after = control.get_calls(sandbox.url)
    assert {key: after[key] - before[key] for key in ("mutating", "total")} == {"mutating": 3, "total": 6}


def test_a_fault_answer_counts_as_a_call(sandbox: Sandbox) -> None:
    sm = bare(sandbox, "sagemaker")
    control.queue_faults(sandbox.url, [THROTTLE, SERVER_ERROR, DROP])
    _, moved = delta(sandbox, lambda: [outcome(sm.list_models) for _ in range(4)])
    assert moved == {"throttled": 1, "server_errors": 1, "dropped": 1, "mutating": 0, "total": 4}


def test_faults_route_shows_settings_and_counters(sandbox: Sandbox) -> None:
    answer = control.set_faults(sandbox.url, 0.25, seed=11)
    assert answer["rate"] == 0.25 and answer["seed"] == 11 and answer["next"] == []
    assert set(answer) == {"rate", "seed", "next", "throttled", "server_errors", "dropped", "mutating", "total"}
    assert control.queue_faults(sandbox.url, [DROP, NONE])["next"] == [DROP, NONE]
    assert control.get_faults(sandbox.url)["next"] == [DROP, NONE]
    assert control.set_faults(sandbox.url, 0.0)["next"] == [DROP, NONE]  # the queue stays
    assert control.queue_faults(sandbox.url, [THROTTLE])["next"] == [THROTTLE]  # and is replaced
    assert control.queue_faults(sandbox.url, [])["next"] == []
    fresh = control.set_faults(sandbox.url, 0.0)
    assert isinstance(fresh["seed"], int)  # no seed: a fresh random one, shown so a run can be repeated


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"rate": 1.5},
        {"rate": -0.1},
        {"rate": True},
        {"rate": "0.1"},
        {"seed": 1.5},
        {"next": ["boom"]},
        {"next": "drop"},
    ],
)
def test_bad_fault_settings_are_refused(sandbox: Sandbox, body: dict[str, Any]) -> None:
    with pytest.raises(SandboxControlError) as raised:
        control._call(sandbox.url, "POST", "faults", body)
    assert raised.value.status == 400


def test_calls_route_takes_only_a_positive_hold(sandbox: Sandbox) -> None:
    for bad in (0, -1, "2", True):
        with pytest.raises(SandboxControlError) as raised:
            control._call(sandbox.url, "POST", "calls", {"hold_after_mutating": bad})
        assert raised.value.status == 400
    with pytest.raises(SandboxControlError) as raised:
        control._call(sandbox.url, "DELETE", "calls", None)
    assert raised.value.status == 405


def test_a_held_response_has_its_effect_and_never_reaches_the_caller(sandbox: Sandbox) -> None:
    import threading

    from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

    sm = boto3.client("sagemaker", endpoint_url=sandbox.url, region_name="us-east-1", aws_access_key_id="t",
                      aws_secret_access_key="t", config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
    control.hold_after_mutating(sandbox.url, 1)
    outcome: list[object] = []

    def create() -> None:
        try:
            outcome.append(sm.create_model(ModelName="held-model", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
                                           PrimaryContainer={"Image": "x"}))
        except (ConnectionClosedError, EndpointConnectionError, ReadTimeoutError) as exc:
            outcome.append(exc)

    caller = threading.Thread(target=create)
    caller.start()
    deadline = time.monotonic() + 10
    while not control.get_calls(sandbox.url)["held"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert control.get_calls(sandbox.url)["held"]
    assert sm.describe_model(ModelName="held-model")["ModelName"] == "held-model"  # its effect happened
    control.release_held(sandbox.url)
    caller.join(timeout=10)
    assert outcome and isinstance(outcome[0], Exception)  # the caller never heard back
    assert control.get_calls(sandbox.url)["held"] is False


# --- (e): the same seed gives the same faults ------------------------------------------------------


def test_a_seed_gives_the_same_fault_sequence(sandbox: Sandbox) -> None:
    sm = bare(sandbox, "sagemaker")

    def run(seed: int) -> list[str | None]:
        control.set_faults(sandbox.url, 0.5, seed=seed)
        return [outcome(sm.list_models) for _ in range(34)]

    first = run(3)
    assert run(3) == first
    injector = FaultInjector(0.5, 3)
    assert first == [injector.decide(list_models_request()) for _ in range(34)]  # as the pure generator draws
    assert {THROTTLE, SERVER_ERROR, DROP, None} <= set(first)
    assert run(4) != first


def test_queued_faults_come_first_and_do_not_consume_draws() -> None:
    plain = FaultInjector(0.5, 9)
    expected = [plain.decide(list_models_request()) for _ in range(20)]
    forced = FaultInjector(0.5, 9)
    forced.set_next([DROP, NONE, THROTTLE])
    seen = [forced.decide(list_models_request()) for _ in range(23)]
    assert seen[:3] == [DROP, None, THROTTLE]
    assert seen[3:] == expected


def test_the_kinds_come_in_the_documented_proportions() -> None:
    injector = FaultInjector(1.0, 2024)
    draws = [injector.decide(list_models_request()) for _ in range(17_000)]
    assert None not in draws
    assert abs(draws.count(THROTTLE) - 10_000) < 400
    assert abs(draws.count(SERVER_ERROR) - 5_000) < 300
    assert abs(draws.count(DROP) - 2_000) < 200


def test_the_constructor_sets_the_faults_and_reset_returns_to_them() -> None:
    with pytest.raises(ValueError, match="fault rate"):
        Sandbox(fault_rate=1.5)
    with pytest.raises(ValueError, match="fault seed"):
        Sandbox(fault_seed="7")  # type: ignore[arg-type]
    with Sandbox(time_scale=FAST, region=REGION, fault_rate=1.0, fault_seed=5) as sb:
        sm = bare(sb, "sagemaker")
        expected = FaultInjector(1.0, 5)
        first = [outcome(sm.list_models) for _ in range(5)]
        assert first == [expected.decide(list_models_request()) for _ in range(5)]
        control.set_faults(sb.url, 0.0)
        assert control.get_faults(sb.url)["rate"] == 0.0
        control.reset(sb.url)
        answer = control.get_faults(sb.url)
        assert (answer["rate"], answer["seed"], answer["total"], answer["throttled"]) == (1.0, 5, 0, 0)
        assert [outcome(sm.list_models) for _ in range(5)] == first  # the generator restarted


# --- (f): rate 0 ------------------------------------------------------------------------------------


def test_rate_zero_injects_nothing(sandbox: Sandbox) -> None:
    sm = bare(sandbox, "sagemaker")
    control.set_faults(sandbox.url, 0.0, seed=3)
    outcomes, moved = delta(sandbox, lambda: [outcome(sm.list_models) for _ in range(40)])
    assert outcomes == [None] * 40
    assert moved == {"throttled": 0, "server_errors": 0, "dropped": 0, "mutating": 0, "total": 40}


def test_rate_one_faults_every_request(sandbox: Sandbox) -> None:
    sm = bare(sandbox, "sagemaker")
    control.set_faults(sandbox.url, 1.0, seed=3)
    assert None not in [outcome(sm.list_models) for _ in range(20)]
