"""SageMaker Inference Recommender in the sandbox: recommendation jobs on the clock (moto has none).

Create/Describe/List/StopInferenceRecommendationsJob and ListInferenceRecommendationsJobSteps, the
jobs' tags (found by ARN for AddTags/ListTags/DeleteTags, and by the tagging API's GetResources as
``sagemaker:inference-recommendations-job``) and the ``fail`` control action. Jobs live on moto's
SageMaker backend (``store_of``), so moto's reset forgets them; every function takes
``RUNTIME.lock`` and applies what is due first (``RUNTIME.tick``).

**A job's plan.** At create the whole run is planned (``_plan``) and nothing random happens later:

- Tests (benchmarks): Default jobs test each candidate: ``ContainerConfig.SupportedInstanceTypes``,
  else the instance types of the request's ``EndpointConfigurations``, else the model package's
  ``SupportedRealtimeInferenceInstanceTypes``, else ``DEFAULT_CANDIDATES`` (with
  ``SupportedEndpointType`` Serverless: ``SERVERLESS_CANDIDATES`` memory sizes); Advanced jobs
  test each requested ``EndpointConfiguration`` once per combination of its
  ``CategoricalParameterRanges`` values. ``ResourceLimit.MaxNumberOfTests`` (else ``MAX_TESTS``)
  caps how many.
- Batches: Default jobs run every test at once; Advanced jobs run ``MaxParallelOfTests`` (else
  ``DEFAULT_PARALLEL_TESTS``) at a time. A batch is ``SETUP_SECONDS`` of endpoint creation, then
  traffic: ``DEFAULT_BENCHMARK_SECONDS`` for Default tests; for Advanced tests the traffic
  pattern until it ends or a stopping condition stops it (``recommender_metrics.load_test``),
  the batch lasting as long as its longest test.
- Status: ``PENDING`` for ``PENDING_SECONDS`` (so a Default job takes 45 minutes), then
  ``IN_PROGRESS`` through the batches, then ``COMPLETED``. ``JobDurationInSeconds`` (from the
  creation) cuts the run: a test that had under a minute of traffic by then measured nothing,
  and a job in which no test measured anything ends ``FAILED``.
- Results (shown once ``COMPLETED``): one ``InferenceRecommendations`` entry per test that
  measured something, cheapest ``CostPerInference`` first, at most ``MAX_RECOMMENDATIONS``; with
  ``InputConfig.Endpoints``, the existing endpoint's ``EndpointPerformances`` too. The figures
  are synthetic (``recommender_metrics``).

**Transient resources.** While a batch runs, each of its tests has a model, an endpoint config and
an endpoint named ``<job name truncated to 40 characters>-<8 hex>`` (the same name for all three;
the hex comes from the job name and the test's number, so names repeat for a repeated input):
the model runs the job's model (its containers, or the model package) with the test's
environment parameters and the job's RoleArn, the config has one variant ``VARIANT_NAME`` of the
test's instance type (one instance) or serverless config, the endpoint goes Creating ->
InService on the clock like any other. They carry no tags (the job's and the model's are not
copied, so no reconciler ownership tag) and are gone (at once, no Deleting) when their batch or
the job ends. A transient resource that cannot be made (the config refused) fails the job
with that message, as AWS fails a job asynchronously.

**Ending early.** ``StopInferenceRecommendationsJob``: ``STOPPING`` for ``STOP_SECONDS``, then
``STOPPED`` (of a job already Stopping: nothing more; of one that has ended: a
ValidationException). The control action ``fail_job`` fails a running job now, or arms a
failure for a job not created yet (by name, or the next one created): that job runs its
``PENDING`` phase and ``FAILED_RUN_SECONDS`` of its first batch, then ends ``FAILED`` with the
reason. Stopped and failed jobs show no recommendations; their steps that had finished stay
``COMPLETED``.

Requests are checked as AWS documents them (botocore's lengths, patterns and enums, which
botocore's client checks only partly, and the Inference Recommender rules: exactly one of
ModelPackageVersionArn and ModelName, which must exist; Advanced jobs need a TrafficPattern and
1 to 10 EndpointConfigurations; phases of 120 to 3600 seconds, at most JobDurationInSeconds,
with 1 to 3 initial users; exactly one ModelLatencyThreshold, P95 or P99, P95 for Advanced
jobs; JobDurationInSeconds at most 18,000). Constraint messages have AWS's form ("1 validation
error detected: Value ... at ... failed to satisfy constraint: ..."); the wording of the others,
of ResourceNotFound ("Could not find requested job with name <name>") and ResourceInUse, the
transient resources' names, variant name and timings, and the page size of the lists (10) are
the sandbox's choices (unconfirmed against AWS).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend, sagemaker_backends

from reconciler.sandbox import endpoint_state as state
from reconciler.sandbox import recommender_metrics as rm
from reconciler.sandbox import registry_model, sagemaker_events
from reconciler.sandbox import variants as v
from reconciler.sandbox.lifecycle import CREATE_SECONDS, Operation, OperationKind, PhaseProgress, TimedPhase
from reconciler.sandbox.pipelines import page_of, sorted_by, times_match
from reconciler.sandbox.runtime import RUNTIME, EndpointRuntime
from reconciler.sandbox.shapes import sagemaker_model

STORE_ATTRIBUTE = "sandbox_inference_recommender"
RESOURCE = "inference-recommendations-job"
RESOURCE_TYPE = f"sagemaker:{RESOURCE}"

PENDING_SECONDS = 60.0
"""PENDING, before the first batch starts."""
SETUP_SECONDS = CREATE_SECONDS
"""A batch's endpoints being created before traffic starts (the sandbox's CreateEndpoint time)."""
DEFAULT_BENCHMARK_SECONDS = 2400.0
"""A Default test's traffic: PENDING + setup + this = 45 minutes."""
STOP_SECONDS = 60.0
"""STOPPING, before STOPPED."""
FAILED_RUN_SECONDS = 300.0
"""How long a job with an armed failure runs in IN_PROGRESS before it fails."""
MAX_JOB_SECONDS = 18000
MAX_TESTS = 100
DEFAULT_PARALLEL_TESTS = 10
MAX_RECOMMENDATIONS = 10
NAME_PREFIX_LENGTH = 40
VARIANT_NAME = "AllTraffic"
DEFAULT_CANDIDATES = ("ml.c5.xlarge", "ml.c6i.xlarge", "ml.m5.xlarge", "ml.r5.xlarge", "ml.g4dn.xlarge")
SERVERLESS_CANDIDATES = (2048, 4096, 6144)
SERVERLESS_CONCURRENCY = 20

PENDING, IN_PROGRESS, COMPLETED = "PENDING", "IN_PROGRESS", "COMPLETED"
FAILED, STOPPING, STOPPED = "FAILED", "STOPPING", "STOPPED"
RUNNING = (PENDING, IN_PROGRESS)
ENDED = (COMPLETED, FAILED, STOPPED)
JOB_NAME_PATTERN = r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}"
ROLE_PATTERN = r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
SPEC_NAME_PATTERN = r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"


# --- records ----------------------------------------------------------------------------------------


@dataclass
class Test:
    """One benchmark of a job: an endpoint configuration (and environment) on its transient endpoint."""

    index: int
    name: str
    endpoint: dict[str, Any]
    model_configuration: dict[str, Any]
    capacity: rm.Capacity
    batch: int
    setup_start: datetime
    traffic_start: datetime
    traffic_end: datetime
    measurement: rm.Measurement | None = None
    failure: str | None = None

    def endpoint_configuration(self) -> dict[str, Any]:
        return {"EndpointName": self.name, "VariantName": VARIANT_NAME, **copy.deepcopy(self.endpoint)}


@dataclass
class Job:
    """A recommendation job: its request, its plan, its status and the transient resources alive now."""

    name: str
    arn: str
    request: dict[str, Any]
    created: datetime
    tests: list[Test]
    batches: list[tuple[datetime, datetime]]
    ends: datetime
    planned_failure: str | None
    endpoint_performance: dict[str, Any] | None
    tags: list[dict[str, str]] = field(default_factory=list)
    status: str = PENDING
    last_modified: datetime = datetime.min
    completion: datetime | None = None
    failure_reason: str | None = None
    halted: datetime | None = None
    made: set[int] = field(default_factory=set)
    live: dict[int, tuple[Any, Any, FakeEndpoint]] = field(default_factory=dict)

    @property
    def job_type(self) -> str:
        return str(self.request["JobType"])

    @property
    def input_config(self) -> dict[str, Any]:
        return dict(self.request.get("InputConfig") or {})


@dataclass
class RecommenderStore:
    """Every recommendation job of one account and region, and the failures armed for jobs to come."""

    jobs: dict[str, Job] = field(default_factory=dict)
    fail_next: str | None = None
    fail_named: dict[str, str] = field(default_factory=dict)


def store_of(backend: SageMakerModelBackend) -> RecommenderStore:
    store = getattr(backend, STORE_ATTRIBUTE, None)
    if store is None:
        store = RecommenderStore()
        setattr(backend, STORE_ATTRIBUTE, store)
    return store


def job_arn(backend: SageMakerModelBackend, name: str) -> str:
    return f"arn:{backend.partition}:sagemaker:{backend.region_name}:{backend.account_id}:{RESOURCE}/{name}"


def find_by_arn(backend: SageMakerModelBackend, arn: str) -> Job | None:
    """The job behind ``arn`` (for the tag operations), or None."""
    resource, _, name = arn.rpartition(":")[2].partition("/")
    if resource != RESOURCE:
        return None
    job = store_of(backend).jobs.get(name)
    return job if job is not None and job.arn == arn else None


def tagged(backend: SageMakerModelBackend) -> Iterator[tuple[str, str, list[dict[str, str]]]]:
    """``(resource type, ARN, tags)`` of every job that has tags (for GetResources)."""
    for job in store_of(backend).jobs.values():
        if job.tags:
            yield RESOURCE_TYPE, job.arn, list(job.tags)


def _now() -> datetime:
    RUNTIME.tick()
    now = RUNTIME.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _find(backend: SageMakerModelBackend, name: Any) -> Job:
    _check_job_name(name)
    job = store_of(backend).jobs.get(str(name))
    if job is None:
        raise ResourceNotFound(f"Could not find requested job with name {name}")
    return job


# --- request checks ---------------------------------------------------------------------------------


def _constraint(value: Any, member: str, rule: str) -> ValidationError:
    return ValidationError(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must {rule}"
    )


def _check_pattern(value: Any, member: str, pattern: str, longest: int, shortest: int = 1) -> None:
    text = str(value)
    if len(text) > longest:
        raise _constraint(value, member, f"have length less than or equal to {longest}")
    if len(text) < shortest:
        raise _constraint(value, member, f"have length greater than or equal to {shortest}")
    if not re.fullmatch(pattern, text):
        raise _constraint(value, member, f"satisfy regular expression pattern: {pattern}")


def _check_enum(value: Any, member: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise _constraint(value, member, f"satisfy enum value set: [{', '.join(allowed)}]")


def _check_range(value: Any, member: str, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _constraint(value, member, "be an integer")
    if low is not None and value < low:
        raise _constraint(value, member, f"have value greater than or equal to {low}")
    if high is not None and value > high:
        raise _constraint(value, member, f"have value less than or equal to {high}")
    return value


def _check_length(items: Sequence[Any], member: str, low: int, high: int) -> None:
    if len(items) < low:
        raise _constraint(f"{len(items)} items", member, f"have length greater than or equal to {low}")
    if len(items) > high:
        raise _constraint(f"{len(items)} items", member, f"have length less than or equal to {high}")


def _check_job_name(name: Any) -> None:
    _check_pattern(name, "jobName", JOB_NAME_PATTERN, 64)


def _enum(shape: str) -> list[str]:
    return list(sagemaker_model().shape_for(shape).enum)


def _check_instance_type(value: Any, member: str) -> None:
    _check_enum(value, member, _enum("ProductionVariantInstanceType"))


def _check_request(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> None:
    """Raise the ValidationException AWS would answer for ``request`` (the first problem found)."""
    _check_job_name(request.get("JobName", ""))
    job_type = request.get("JobType")
    _check_enum(job_type, "jobType", _enum("RecommendationJobType"))
    _check_pattern(request.get("RoleArn", ""), "roleArn", ROLE_PATTERN, 2048, 20)
    description = request.get("JobDescription")
    if description is not None and len(str(description)) > 128:
        raise _constraint(description, "jobDescription", "have length less than or equal to 128")
    tags = request.get("Tags") or []
    if len(tags) > 50:
        raise _constraint(f"{len(tags)} items", "tags", "have length less than or equal to 50")
    config = request.get("InputConfig") or {}
    _check_input(backend, config, job_type == "Advanced")
    _check_stopping(request.get("StoppingConditions"), job_type == "Advanced")


def _check_input(backend: SageMakerModelBackend, config: Mapping[str, Any], advanced: bool) -> None:
    package_arn, model_name = config.get("ModelPackageVersionArn"), config.get("ModelName")
    if (package_arn is None) == (model_name is None):
        raise ValidationError("InputConfig must have exactly one of ModelPackageVersionArn and ModelName.")
    if package_arn is not None:
        package = registry_model.find_package(backend, str(package_arn))
        if package.version is None:
            raise ValidationError(f"ModelPackageVersionArn {package_arn} is not a versioned model package.")
    elif str(model_name) not in backend._models:
        arn = f"arn:{backend.partition}:sagemaker:{backend.region_name}:{backend.account_id}:model/{model_name}"
        raise ValidationError(f'Could not find model "{arn}".')
    duration = config.get("JobDurationInSeconds")
    if duration is not None:
        _check_range(duration, "inputConfig.jobDurationInSeconds", 1, MAX_JOB_SECONDS)
    pattern = config.get("TrafficPattern")
    if pattern is not None:
        _check_traffic(pattern, duration)
    elif advanced:
        raise ValidationError("TrafficPattern in InputConfig is required for an Advanced job.")
    configurations = config.get("EndpointConfigurations")
    if configurations is not None:
        _check_length(configurations, "inputConfig.endpointConfigurations", 1, 10)
        for number, configuration in enumerate(configurations, start=1):
            _check_endpoint_configuration(configuration, f"inputConfig.endpointConfigurations.{number}.member")
    elif advanced:
        raise ValidationError("EndpointConfigurations in InputConfig is required for an Advanced job.")
    endpoints = config.get("Endpoints") or []
    _check_length(endpoints, "inputConfig.endpoints", 0, 1)
    for endpoint in endpoints:
        name = str(endpoint.get("EndpointName") or "")
        if name not in backend.endpoints:
            raise ValidationError(f"Could not find endpoint \"{state.endpoint_arn(backend, name)}\".")
    _check_container(config.get("ContainerConfig") or {})
    limit = config.get("ResourceLimit") or {}
    for key, member in (("MaxNumberOfTests", "maxNumberOfTests"), ("MaxParallelOfTests", "maxParallelOfTests")):
        if limit.get(key) is not None:
            _check_range(limit[key], f"inputConfig.resourceLimit.{member}", 1)
    vpc = config.get("VpcConfig")
    if vpc is not None:
        _check_length(vpc.get("SecurityGroupIds") or [], "inputConfig.vpcConfig.securityGroupIds", 1, 5)
        _check_length(vpc.get("Subnets") or [], "inputConfig.vpcConfig.subnets", 1, 16)


def _check_traffic(pattern: Mapping[str, Any], duration: int | None) -> None:
    traffic_type = pattern.get("TrafficType") or "PHASES"
    _check_enum(traffic_type, "inputConfig.trafficPattern.trafficType", _enum("TrafficType"))
    if traffic_type == "STAIRS":
        stairs = pattern.get("Stairs")
        if not stairs:
            raise ValidationError("A STAIRS TrafficPattern must have Stairs.")
        where = "inputConfig.trafficPattern.stairs"
        _check_range(stairs.get("DurationInSeconds"), f"{where}.durationInSeconds", 1)
        _check_range(stairs.get("NumberOfSteps"), f"{where}.numberOfSteps", 1)
        _check_range(stairs.get("UsersPerStep"), f"{where}.usersPerStep", 1, 3)
        total = int(stairs["DurationInSeconds"]) * int(stairs["NumberOfSteps"])
        if duration is not None and total > duration:
            raise ValidationError(
                f"The Stairs TrafficPattern lasts {total} seconds, longer than JobDurationInSeconds ({duration})."
            )
        return
    phases = pattern.get("Phases") or []
    if not phases:
        raise ValidationError("A PHASES TrafficPattern must have at least one phase in Phases.")
    for number, phase in enumerate(phases, start=1):
        where = f"inputConfig.trafficPattern.phases.{number}.member"
        _check_range(phase.get("InitialNumberOfUsers"), f"{where}.initialNumberOfUsers", 1, 3)
        _check_range(phase.get("SpawnRate", 0), f"{where}.spawnRate", 0)
        seconds = _check_range(phase.get("DurationInSeconds"), f"{where}.durationInSeconds", 120, 3600)
        if duration is not None and seconds > duration:
            raise ValidationError(
                f"Phase {number} of the TrafficPattern lasts {seconds} seconds, longer than JobDurationInSeconds "
                f"({duration})."
            )


def _check_endpoint_configuration(configuration: Mapping[str, Any], where: str) -> None:
    has_type, serverless = configuration.get("InstanceType") is not None, configuration.get("ServerlessConfig")
    if has_type == (serverless is not None):
        raise ValidationError("An EndpointConfiguration must have exactly one of InstanceType and ServerlessConfig.")
    if has_type:
        _check_instance_type(configuration["InstanceType"], f"{where}.instanceType")
    else:
        _check_serverless(serverless, f"{where}.serverlessConfig")
    name = configuration.get("InferenceSpecificationName")
    if name is not None:
        _check_pattern(name, f"{where}.inferenceSpecificationName", SPEC_NAME_PATTERN, 63)
    ranges = (configuration.get("EnvironmentParameterRanges") or {}).get("CategoricalParameterRanges")
    if ranges is not None:
        _check_length(ranges, f"{where}.environmentParameterRanges.categoricalParameterRanges", 1, 5)
        for number, parameter in enumerate(ranges, start=1):
            values = parameter.get("Value") or []
            member = f"{where}.environmentParameterRanges.categoricalParameterRanges.{number}.member.value"
            _check_length(values, member, 1, 3)


def _check_serverless(serverless: Mapping[str, Any], where: str) -> None:
    memory = _check_range(serverless.get("MemorySizeInMB"), f"{where}.memorySizeInMB", 1024, 6144)
    if memory % 1024:
        raise ValidationError(f"MemorySizeInMB must be one of 1024, 2048, 3072, 4096, 5120 or 6144, not {memory}.")
    concurrency = _check_range(serverless.get("MaxConcurrency"), f"{where}.maxConcurrency", 1, 200)
    provisioned = serverless.get("ProvisionedConcurrency")
    if provisioned is not None and _check_range(provisioned, f"{where}.provisionedConcurrency", 1, 200) > concurrency:
        raise ValidationError("ProvisionedConcurrency must not be greater than MaxConcurrency.")


def _check_container(container: Mapping[str, Any]) -> None:
    endpoint_type = container.get("SupportedEndpointType")
    if endpoint_type is not None:
        member = "inputConfig.containerConfig.supportedEndpointType"
        _check_enum(endpoint_type, member, _enum("RecommendationJobSupportedEndpointType"))
    for number, instance_type in enumerate(container.get("SupportedInstanceTypes") or [], start=1):
        _check_instance_type(instance_type, f"inputConfig.containerConfig.supportedInstanceTypes.{number}.member")


def _check_stopping(stopping: Mapping[str, Any] | None, advanced: bool) -> None:
    if stopping is None:
        return
    if stopping.get("MaxInvocations") is not None:
        _check_range(stopping["MaxInvocations"], "stoppingConditions.maxInvocations", 1)
    thresholds = stopping.get("ModelLatencyThresholds")
    if thresholds is not None:
        _check_length(thresholds, "stoppingConditions.modelLatencyThresholds", 1, 1)
        threshold = thresholds[0]
        percentiles = ["P95"] if advanced else ["P95", "P99"]
        percentile = threshold.get("Percentile")
        if percentile not in percentiles:
            raise ValidationError(
                f"Percentile of a ModelLatencyThreshold must be {' or '.join(percentiles)}"
                f"{' for an Advanced job' if advanced else ''}, not {percentile!r}."
            )
        _check_range(threshold.get("ValueInMilliseconds"), "stoppingConditions.modelLatencyThresholds.1.member."
                     "valueInMilliseconds", 1)
    flat = stopping.get("FlatInvocations")
    if flat is not None:
        _check_enum(flat, "stoppingConditions.flatInvocations", _enum("FlatInvocations"))


# --- the plan ---------------------------------------------------------------------------------------


def _test_name(job_name: str, index: int) -> str:
    digest = hashlib.sha256(f"{job_name}/{index}".encode()).hexdigest()[:8]
    return f"{job_name[:NAME_PREFIX_LENGTH]}-{digest}"


def _model_identity(config: Mapping[str, Any]) -> str:
    return str(config.get("ModelPackageVersionArn") or config.get("ModelName"))


def _default_tests(backend: SageMakerModelBackend, config: Mapping[str, Any]) -> list[tuple[dict[str, Any], dict]]:
    container = config.get("ContainerConfig") or {}
    if container.get("SupportedEndpointType") == "Serverless":
        return [({"ServerlessConfig": {"MemorySizeInMB": memory, "MaxConcurrency": SERVERLESS_CONCURRENCY}}, {})
                for memory in SERVERLESS_CANDIDATES]
    candidates = list(container.get("SupportedInstanceTypes") or [])
    if not candidates:
        candidates = [c["InstanceType"] for c in config.get("EndpointConfigurations") or [] if c.get("InstanceType")]
    if not candidates and config.get("ModelPackageVersionArn"):
        package = registry_model.find_package(backend, str(config["ModelPackageVersionArn"]))
        specification = package.request.get("InferenceSpecification") or {}
        candidates = list(specification.get("SupportedRealtimeInferenceInstanceTypes") or [])
    candidates = list(dict.fromkeys(candidates or DEFAULT_CANDIDATES))
    tests = []
    for instance_type in candidates:
        profile = rm.instance_profile(instance_type)
        environment = [] if profile.accelerated else [
            {"Key": "OMP_NUM_THREADS", "ValueType": "String", "Value": str(profile.vcpus)}
        ]
        tests.append(({"InstanceType": instance_type, "InitialInstanceCount": 1},
                      {"EnvironmentParameters": environment} if environment else {}))
    return tests


def _advanced_tests(config: Mapping[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    tests = []
    for configuration in config.get("EndpointConfigurations") or []:
        if configuration.get("InstanceType"):
            endpoint: dict[str, Any] = {"InstanceType": configuration["InstanceType"], "InitialInstanceCount": 1}
        else:
            endpoint = {"ServerlessConfig": copy.deepcopy(configuration["ServerlessConfig"])}
        ranges = (configuration.get("EnvironmentParameterRanges") or {}).get("CategoricalParameterRanges") or []
        for values in itertools.product(*[[(r["Name"], value) for value in r["Value"]] for r in ranges]):
            model: dict[str, Any] = {}
            if configuration.get("InferenceSpecificationName"):
                model["InferenceSpecificationName"] = configuration["InferenceSpecificationName"]
            if values:
                model["EnvironmentParameters"] = [
                    {"Key": key, "ValueType": "String", "Value": value} for key, value in values
                ]
            tests.append((copy.deepcopy(endpoint), model))
    return tests


def _capacity(endpoint: Mapping[str, Any], model: Mapping[str, Any], factor: float) -> rm.Capacity:
    environment = rm.environment_factor(model.get("EnvironmentParameters") or []) if model else 1.0
    if endpoint.get("ServerlessConfig"):
        return rm.serverless_capacity(endpoint["ServerlessConfig"], factor, environment)
    return rm.instance_capacity(endpoint["InstanceType"], int(endpoint.get("InitialInstanceCount", 1)), factor,
                                environment)


def _measure(request: Mapping[str, Any], capacity: rm.Capacity, seconds: float) -> rm.Measurement | None:
    if request["JobType"] != "Advanced":
        return rm.at_capacity(capacity, seconds)
    pattern = request["InputConfig"]["TrafficPattern"]
    return rm.load_test(capacity, pattern, request.get("StoppingConditions") or {}, seconds)


def _plan(
    backend: SageMakerModelBackend, request: Mapping[str, Any], created: datetime, armed: str | None
) -> tuple[list[Test], list[tuple[datetime, datetime]], datetime, str | None]:
    """The job's tests, batches, end and (when it will fail) failure reason, from its request alone."""
    config = request["InputConfig"]
    advanced = request["JobType"] == "Advanced"
    specs = _advanced_tests(config) if advanced else _default_tests(backend, config)
    limit = (config.get("ResourceLimit") or {}).get("MaxNumberOfTests")
    specs = specs[: min(MAX_TESTS, int(limit) if limit else MAX_TESTS)]
    parallel = int((config.get("ResourceLimit") or {}).get("MaxParallelOfTests") or DEFAULT_PARALLEL_TESTS)
    parallel = parallel if advanced else len(specs)
    cap = config.get("JobDurationInSeconds")
    traffic = rm.traffic_seconds(config["TrafficPattern"]) if advanced else DEFAULT_BENCHMARK_SECONDS
    factor = rm.model_factor(_model_identity(config))
    at = lambda seconds: created + timedelta(seconds=seconds)  # noqa: E731
    tests: list[Test] = []
    batches: list[tuple[datetime, datetime]] = []
    offset = PENDING_SECONDS if cap is None else min(PENDING_SECONDS, float(cap))
    for batch, first in enumerate(range(0, len(specs), parallel)):
        group = specs[first : first + parallel]
        start = offset
        allowed = traffic if cap is None else min(traffic, float(cap) - start - SETUP_SECONDS)
        ends = start + SETUP_SECONDS
        for index, (endpoint, model) in enumerate(group, start=first):
            capacity = _capacity(endpoint, model, factor)
            measured = _measure(request, capacity, allowed) if allowed > 0 else None
            seconds = measured.traffic_seconds if measured is not None else max(0.0, allowed)
            test = Test(index, _test_name(str(request["JobName"]), index), endpoint, model, capacity, batch,
                        at(start), at(start + SETUP_SECONDS), at(start + SETUP_SECONDS + seconds), measured)
            if measured is None:
                test.failure = (f"The job reached its JobDurationInSeconds ({cap} s) before this benchmark measured "
                                "a minute of traffic.")
            tests.append(test)
            ends = max(ends, start + SETUP_SECONDS + seconds)
        if cap is not None:
            ends = min(ends, float(cap))
        if start < ends:
            batches.append((at(start), at(ends)))
        offset = ends
    failure = None
    if not any(test.measurement for test in tests):
        failure = f"The job reached its JobDurationInSeconds ({cap} s) before any benchmark produced results."
    if armed is not None:
        offset = min(offset, PENDING_SECONDS + FAILED_RUN_SECONDS)
        batches = [(begin, min(end, at(offset))) for begin, end in batches[:1]]
        for test in tests:
            test.measurement, test.failure = None, armed
        failure = armed
    return tests, batches, at(offset), failure


def _endpoint_performance(
    backend: SageMakerModelBackend, request: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The EndpointPerformance of the existing endpoint the request names (its first variant as it is now)."""
    config = request["InputConfig"]
    endpoints = config.get("Endpoints") or []
    if not endpoints:
        return None
    name = str(endpoints[0]["EndpointName"])
    endpoint = backend.endpoints[name]
    variants = state.runtime_of(endpoint).config.get("ProductionVariants") or []
    live = endpoint.production_variants[0] if endpoint.production_variants else {}
    variant = variants[0] if variants else {}
    factor = rm.model_factor(_model_identity(config))
    if variant.get("ServerlessConfig"):
        capacity = rm.serverless_capacity(variant["ServerlessConfig"], factor)
    else:
        count = int(live.get("CurrentInstanceCount") or variant.get("InitialInstanceCount") or 1)
        capacity = rm.instance_capacity(str(variant.get("InstanceType") or "ml.m5.xlarge"), count, factor)
    if request["JobType"] == "Advanced":
        measured = rm.load_test(capacity, config["TrafficPattern"], request.get("StoppingConditions") or {},
                                rm.traffic_seconds(config["TrafficPattern"]))
    else:
        measured = rm.at_capacity(capacity, DEFAULT_BENCHMARK_SECONDS)
    if measured is None:
        return None
    return {
        "Metrics": {"MaxInvocations": measured.max_invocations, "ModelLatency": measured.model_latency},
        "EndpointInfo": {"EndpointName": name},
    }


# --- the clock --------------------------------------------------------------------------------------


def _phases(job: Job) -> tuple[TimedPhase, ...]:
    first = job.batches[0][0] if job.batches else job.ends
    phases = [TimedPhase("pending", PENDING, (first - job.created).total_seconds())]
    for index, (begin, end) in enumerate(job.batches):
        phases.append(TimedPhase(f"batch-{index}", IN_PROGRESS, (end - begin).total_seconds()))
    return tuple(phases)


def _start(backend: SageMakerModelBackend, job: Job, phases: tuple[TimedPhase, ...], started: datetime,
           finish: Callable[[datetime], None]) -> None:
    def on_phase(progress: PhaseProgress) -> None:
        if job.status != progress.phase.endpoint_status:
            job.status, job.last_modified = progress.phase.endpoint_status, progress.started
        if progress.phase.name.startswith("batch-"):
            _sync(backend, job, int(progress.phase.name.removeprefix("batch-")), progress.started)

    RUNTIME.start_operation(job.arn, Operation(OperationKind.RECOMMENDATION, phases, started, finish, on_phase))


def _finish_run(backend: SageMakerModelBackend, job: Job) -> Callable[[datetime], None]:
    def finish(at: datetime) -> None:
        _end(backend, job, at, FAILED if job.planned_failure else COMPLETED, job.planned_failure)

    return finish


def _end(backend: SageMakerModelBackend, job: Job, at: datetime, status: str, reason: str | None) -> None:
    for index in list(job.live):
        _remove(backend, job, index)
    job.status, job.last_modified, job.completion, job.failure_reason = status, at, at, reason


def _halt(backend: SageMakerModelBackend, job: Job, at: datetime, reason: str) -> None:
    """Fail a running job at ``at`` (its steps not finished by then fail too)."""
    RUNTIME.cancel_operation(job.arn)
    job.halted = at
    _end(backend, job, at, FAILED, reason)


# --- transient resources ----------------------------------------------------------------------------


def _sync(backend: SageMakerModelBackend, job: Job, batch: int, at: datetime) -> None:
    """Make the resources of batch ``batch``'s tests (each once) and remove the others'."""
    for index in list(job.live):
        if job.tests[index].batch != batch:
            _remove(backend, job, index)
    for test in job.tests:
        if test.batch == batch and test.index not in job.made:
            job.made.add(test.index)
            try:
                job.live[test.index] = _make(backend, job, test)
            except ValidationError as error:
                _halt(backend, job, max(at, test.setup_start), error.message)
                return


def _containers(backend: SageMakerModelBackend, job: Job, test: Test) -> tuple[dict | None, list[dict], dict]:
    """(PrimaryContainer, Containers, VpcConfig) of a test's model: the job's model with the test's environment."""
    environment = {p["Key"]: p["Value"] for p in test.model_configuration.get("EnvironmentParameters") or []}
    config = job.input_config
    vpc = copy.deepcopy(config.get("VpcConfig") or {})
    if config.get("ModelPackageVersionArn"):
        container: dict[str, Any] = {"ModelPackageName": config["ModelPackageVersionArn"]}
        if environment:
            container["Environment"] = environment
        return None, [container], vpc
    model = backend._models[str(config["ModelName"])]
    primary = copy.deepcopy(model.primary_container) or None
    containers = copy.deepcopy(model.containers or [])
    for item in [primary, *containers]:
        if item and environment:
            item["Environment"] = {**(item.get("Environment") or {}), **environment}
    return primary, containers, vpc or copy.deepcopy(model.vpc_config or {})


def _make(backend: SageMakerModelBackend, job: Job, test: Test) -> tuple[Any, Any, FakeEndpoint]:
    """The test's model, endpoint config and endpoint (Creating from the batch's start); no tags."""
    at = test.setup_start
    primary, containers, vpc = _containers(backend, job, test)
    model = backend.create_model(test.name, str(job.request["RoleArn"]), primary, vpc, containers, [])
    model.creation_time = at
    production = {"VariantName": VARIANT_NAME, "ModelName": test.name, **copy.deepcopy(test.endpoint)}
    kms = job.input_config.get("VolumeKmsKeyId")
    request: dict[str, Any] = {"EndpointConfigName": test.name, "ProductionVariants": [production]}
    if kms:
        request["KmsKeyId"] = kms
    try:
        config = backend.create_endpoint_config(  # type: ignore[call-arg]
            endpoint_config_name=test.name, production_variants=[production], data_capture_config=None,
            async_inference_config=None, tags=[], kms_key_id=kms, request=request,
        )
    except ValidationError:
        backend._models.pop(test.name, None)
        raise
    config.creation_time = at
    return model, config, _make_endpoint(backend, test.name, at)


def _make_endpoint(backend: SageMakerModelBackend, name: str, at: datetime) -> FakeEndpoint:
    """An endpoint of config ``name``, Creating from ``at`` (as CreateEndpoint does, without applying the clock)."""
    config = state.snapshot_config(backend, name)
    endpoint = FakeEndpoint(account_id=backend.account_id, region_name=backend.region_name, endpoint_name=name,
                            endpoint_config_name=name, production_variants=[], data_capture_config={}, tags=[])
    endpoint.creation_time = endpoint.last_modified_time = at
    endpoint.production_variants = [v.summary_from_config(p) for p in config["ProductionVariants"]]
    setattr(endpoint, state.RUNTIME_ATTRIBUTE, EndpointRuntime(config=config))
    backend.endpoints[name] = endpoint
    phases = (TimedPhase("create", "Creating", CREATE_SECONDS, "Creating", "Creating the endpoint fleet."),)

    def finish(done: datetime) -> None:
        if backend.endpoints.get(name) is not endpoint:
            return  # removed with its batch before it was InService
        endpoint.production_variants = v.settle(endpoint.production_variants)
        state.settle(endpoint, done)
        sagemaker_events.endpoint_changed(endpoint, done)

    state.start_operation(endpoint, OperationKind.CREATE, phases, at, finish)
    state.mark_variants(endpoint, phases[0], at)
    sagemaker_events.endpoint_changed(endpoint, at)
    return endpoint


def _remove(backend: SageMakerModelBackend, job: Job, index: int) -> None:
    """Remove a test's resources (those still the ones the job made)."""
    model, config, endpoint = job.live.pop(index)
    RUNTIME.cancel_operation(str(endpoint.arn))
    for store, name, item in ((backend.endpoints, endpoint.endpoint_name, endpoint),
                              (backend.endpoint_configs, config.endpoint_config_name, config),
                              (backend._models, model.model_name, model)):
        if store.get(name) is item:
            del store[name]


# --- the API ----------------------------------------------------------------------------------------


def create_job(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> str:
    """CreateInferenceRecommendationsJob: the job's ARN; it is PENDING."""
    with RUNTIME.lock:
        now = _now()
        _check_request(backend, request)
        store = store_of(backend)
        name = str(request["JobName"])
        arn = job_arn(backend, name)
        if name in store.jobs:
            raise ResourceInUseException(f"Inference recommendations job {arn} already exists.")
        armed = store.fail_named.pop(name, None)
        if armed is None and store.fail_next is not None:
            armed, store.fail_next = store.fail_next, None
        kept = {key: copy.deepcopy(value) for key, value in request.items() if key != "Tags"}
        tests, batches, ends, failure = _plan(backend, kept, now, armed)
        job = Job(name=name, arn=arn, request=kept, created=now, tests=tests, batches=batches, ends=ends,
                  planned_failure=failure, endpoint_performance=_endpoint_performance(backend, kept),
                  tags=[{"Key": t["Key"], "Value": t.get("Value", "")} for t in request.get("Tags") or []],
                  last_modified=now)
        store.jobs[name] = job
        _start(backend, job, _phases(job), now, _finish_run(backend, job))
        return arn


def describe_job(backend: SageMakerModelBackend, name: Any) -> dict[str, Any]:
    """DescribeInferenceRecommendationsJob (missing: ResourceNotFound)."""
    with RUNTIME.lock:
        _now()
        job = _find(backend, name)
        response: dict[str, Any] = {
            "JobName": job.name,
            "JobDescription": job.request.get("JobDescription"),
            "JobType": job.job_type,
            "JobArn": job.arn,
            "RoleArn": job.request["RoleArn"],
            "Status": job.status,
            "CreationTime": job.created,
            "CompletionTime": job.completion,
            "LastModifiedTime": job.last_modified,
            "FailureReason": job.failure_reason,
            "InputConfig": copy.deepcopy(job.input_config),
            "StoppingConditions": copy.deepcopy(job.request.get("StoppingConditions")),
        }
        if job.status == COMPLETED:
            response["InferenceRecommendations"] = _recommendations(job)
            if job.endpoint_performance is not None:
                response["EndpointPerformances"] = [copy.deepcopy(job.endpoint_performance)]
        return {key: value for key, value in response.items() if value is not None}


def _recommendation_id(job: Job, test: Test) -> str:
    return f"{job.name}/{test.name.rpartition('-')[2]}"


def _metrics(test: Test) -> dict[str, Any] | None:
    return None if test.measurement is None else rm.recommendation_metrics(test.capacity, test.measurement)


def _recommendations(job: Job) -> list[dict[str, Any]]:
    measured = [(metrics, t) for t in job.tests if (metrics := _metrics(t)) is not None]
    measured.sort(key=lambda item: (item[0]["CostPerInference"], item[1].index))
    return [
        {
            "RecommendationId": _recommendation_id(job, test),
            "Metrics": metrics,
            "EndpointConfiguration": test.endpoint_configuration(),
            "ModelConfiguration": copy.deepcopy(test.model_configuration),
            "InvocationStartTime": test.traffic_start,
            "InvocationEndTime": test.traffic_end,
        }
        for metrics, test in measured[:MAX_RECOMMENDATIONS]
    ]


def _summary(job: Job) -> dict[str, Any]:
    config = job.input_config
    response = {
        "JobName": job.name,
        "JobDescription": job.request.get("JobDescription") or "",
        "JobType": job.job_type,
        "JobArn": job.arn,
        "Status": job.status,
        "CreationTime": job.created,
        "CompletionTime": job.completion,
        "RoleArn": job.request["RoleArn"],
        "LastModifiedTime": job.last_modified,
        "FailureReason": job.failure_reason,
        "ModelName": config.get("ModelName"),
        "SamplePayloadUrl": ((config.get("ContainerConfig") or {}).get("PayloadConfig") or {}).get("SamplePayloadUrl"),
        "ModelPackageVersionArn": config.get("ModelPackageVersionArn"),
    }
    return {key: value for key, value in response.items() if value is not None}


def list_jobs(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> dict[str, Any]:
    """ListInferenceRecommendationsJobs: filters, SortBy Name/CreationTime/Status (CreationTime, Descending)."""
    with RUNTIME.lock:
        _now()
        status = request.get("StatusEquals")
        if status is not None:
            _check_enum(status, "statusEquals", _enum("RecommendationJobStatus"))
        fragment = str(request.get("NameContains") or "").lower()
        model, package = request.get("ModelNameEquals"), request.get("ModelPackageVersionArnEquals")
        jobs = [
            job for job in store_of(backend).jobs.values()
            if fragment in job.name.lower()
            and (status is None or job.status == status)
            and (model is None or job.input_config.get("ModelName") == model)
            and (package is None or job.input_config.get("ModelPackageVersionArn") == package)
            and times_match(request, {"CreationTime": job.created, "LastModifiedTime": job.last_modified})
        ]
        keys: dict[str, Callable[[Job], Any]] = {
            "Name": lambda job: job.name, "CreationTime": lambda job: job.created, "Status": lambda job: job.status,
        }
        ordered = sorted_by(jobs, keys, request, "CreationTime", "Descending", lambda job: job.name)
        page, token = page_of(ordered, request)
        response: dict[str, Any] = {"InferenceRecommendationsJobs": [_summary(job) for job in page]}
        if token:
            response["NextToken"] = token
        return response


def stop_job(backend: SageMakerModelBackend, name: Any) -> None:
    """StopInferenceRecommendationsJob: STOPPING, then STOPPED (its resources go at STOPPED)."""
    with RUNTIME.lock:
        now = _now()
        job = _find(backend, name)
        if job.status == STOPPING:
            return
        if job.status not in RUNNING:
            raise ValidationError(
                f"Cannot stop inference recommendations job {job.name} because it is in status {job.status}."
            )
        RUNTIME.cancel_operation(job.arn)
        job.status, job.last_modified, job.halted = STOPPING, now, now

        def finish(at: datetime) -> None:
            _end(backend, job, at, STOPPED, None)

        _start(backend, job, (TimedPhase("stopping", STOPPING, STOP_SECONDS),), now, finish)


def _step(job: Job, test: Test, now: datetime) -> dict[str, Any]:
    benchmark: dict[str, Any] = {
        "EndpointConfiguration": test.endpoint_configuration(),
        "ModelConfiguration": copy.deepcopy(test.model_configuration),
    }
    cut = job.halted
    done = test.traffic_end if test.measurement is not None else None
    if done is not None and done <= now and (cut is None or done <= cut):
        status = COMPLETED
        benchmark["Metrics"] = _metrics(test)
        benchmark["InvocationStartTime"], benchmark["InvocationEndTime"] = test.traffic_start, test.traffic_end
    elif cut is not None:
        status = job.status
        if status == FAILED:
            benchmark["FailureReason"] = job.failure_reason
    elif job.status in ENDED:
        status = FAILED
        benchmark["FailureReason"] = test.failure
    elif job.status == PENDING or now < test.setup_start:
        status = PENDING
    else:
        status = IN_PROGRESS
    return {"StepType": "BENCHMARK", "JobName": job.name, "Status": status, "InferenceBenchmark": benchmark}


def list_steps(backend: SageMakerModelBackend, request: Mapping[str, Any]) -> dict[str, Any]:
    """ListInferenceRecommendationsJobSteps: one BENCHMARK step per test, in test order; Status/StepType filters."""
    with RUNTIME.lock:
        now = _now()
        job = _find(backend, request.get("JobName"))
        status, step_type = request.get("Status"), request.get("StepType")
        if status is not None:
            _check_enum(status, "status", _enum("RecommendationJobStatus"))
        if step_type is not None:
            _check_enum(step_type, "stepType", _enum("RecommendationStepType"))
        steps = [_step(job, test, now) for test in job.tests]
        steps = [step for step in steps if status is None or step["Status"] == status]
        page, token = page_of(steps, request)
        response: dict[str, Any] = {"Steps": page}
        if token:
            response["NextToken"] = token
        return response


# --- control ----------------------------------------------------------------------------------------


def fail_job(region: str, name: str | None, reason: str) -> dict[str, Any]:
    """Fail job ``name`` now if it is running; arm the failure for a job of that name not created yet, or
    (``name`` None) for the next job created. ValueError for a job that has ended."""
    with RUNTIME.lock:
        backend = sagemaker_backends[DEFAULT_ACCOUNT_ID][region]
        now = _now()
        store = store_of(backend)
        if name is None:
            store.fail_next = reason
            return {"job": None, "armed": True, "reason": reason}
        job = store.jobs.get(name)
        if job is None:
            store.fail_named[name] = reason
            return {"job": name, "armed": True, "reason": reason}
        if job.status not in RUNNING:
            raise ValueError(f'inference recommendations job "{name}" is {job.status}; only a PENDING or '
                             "IN_PROGRESS job can be failed")
        _halt(backend, job, now, reason)
        return {"job": name, "armed": False, "status": job.status, "reason": reason}
