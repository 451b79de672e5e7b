"""What an Inference Recommender job found, and which endpoints of the stack serve the model it benchmarked.

Not a handler: the recommendation-job handler (plan notes) and `reconciler recommendations` share it.

- `recommendations(data)`: a DescribeInferenceRecommendationsJob answer's `InferenceRecommendations` as
  rows (an instance type or a serverless configuration, cost per hour and per inference, model latency,
  the most invocations a minute, the initial instance count), cheapest first;
- `latency_limit(data)`: the job's one model latency threshold (percentile and milliseconds), if any;
- `cheapest_within(rows, limit)`: the cheapest instance-type row whose latency meets the limit;
- `serving(view, request)`: every variant of the stack's Endpoint documents that serves the model a job
  benchmarks (the model package version, or the model, of its `InputConfig`), with the instance type the
  spec gives it and the one it runs on today (read live).

SageMaker reports one model latency per recommendation (the latency at the most invocations a minute the
instance sustains, at the job's threshold percentile: P95 unless the job asks for P99).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.addressing import Address
from reconciler.frozen import thaw

RUNNING = frozenset({"PENDING", "IN_PROGRESS"})  # a job still benchmarking: the only one ever stopped
COMPLETED = "COMPLETED"
DEFAULT_PERCENTILE = "P95"
MODEL_TYPE, CONFIG_TYPE, ENDPOINT_TYPE = "model", "endpoint-config", "endpoint"


@dataclass(frozen=True)
class Recommendation:
    """One configuration a job benchmarked, with what it costs and sustains."""

    instance_type: str | None
    serverless: Mapping[str, Any] | None
    initial_instance_count: int | None
    cost_per_hour: float | None
    cost_per_inference: float | None
    latency_ms: int | None
    max_invocations: int | None
    recommendation_id: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)

    @property
    def configuration(self) -> str:
        """The instance type, or the serverless configuration in words."""
        if self.instance_type:
            return self.instance_type
        s = self.serverless or {}
        text = f"serverless {s.get('MemorySizeInMB')} MB, concurrency {s.get('MaxConcurrency')}"
        if s.get("ProvisionedConcurrency"):
            text += f" ({s['ProvisionedConcurrency']} provisioned)"
        return text

    def meets(self, limit: tuple[str, int] | None) -> bool:
        """Whether its latency is within `limit` (any latency when the job sets none)."""
        return limit is None or (self.latency_ms is not None and self.latency_ms <= limit[1])

    def to_json(self) -> dict[str, Any]:
        return {"instanceType": self.instance_type, "serverlessConfig": dict(self.serverless) if self.serverless
                else None, "initialInstanceCount": self.initial_instance_count, "costPerHour": self.cost_per_hour,
                "costPerInference": self.cost_per_inference, "modelLatencyMs": self.latency_ms,
                "maxInvocationsPerMinute": self.max_invocations, "recommendationId": self.recommendation_id,
                "environment": dict(self.environment)}


def _cost_key(row: Recommendation) -> tuple[Any, ...]:
    hour = row.cost_per_hour
    return (hour is None, hour if hour is not None else 0.0, row.cost_per_inference or 0.0, row.configuration)


def recommendations(data: Mapping[str, Any] | None) -> list[Recommendation]:
    """The job's recommendations, cheapest per hour first (serverless ones, without an hourly cost, by cost
    per inference after them); [] when it has none yet (or `data` is None: the job is missing)."""
    rows: list[Recommendation] = []
    for item in (data or {}).get("InferenceRecommendations") or []:
        metrics = item.get("Metrics") or {}
        endpoint = item.get("EndpointConfiguration") or {}
        model = item.get("ModelConfiguration") or {}
        env = {p.get("Key", ""): p.get("Value", "") for p in model.get("EnvironmentParameters") or []}
        rows.append(Recommendation(
            endpoint.get("InstanceType"), endpoint.get("ServerlessConfig"), endpoint.get("InitialInstanceCount"),
            metrics.get("CostPerHour"), metrics.get("CostPerInference"), metrics.get("ModelLatency"),
            metrics.get("MaxInvocations"), item.get("RecommendationId"), env))
    return sorted(rows, key=_cost_key)


def latency_limit(data: Mapping[str, Any] | None) -> tuple[str, int] | None:
    """(percentile, milliseconds) of the job's model latency threshold; None when it sets none."""
    thresholds = ((data or {}).get("StoppingConditions") or {}).get("ModelLatencyThresholds") or []
    if not thresholds or thresholds[0].get("ValueInMilliseconds") is None:
        return None
    first = thresholds[0]
    return str(first.get("Percentile") or DEFAULT_PERCENTILE), int(first["ValueInMilliseconds"])


def percentile(data: Mapping[str, Any] | None) -> str:
    """The percentile the job's latencies are measured at (P95 unless its threshold says P99)."""
    limit = latency_limit(data)
    return limit[0] if limit else DEFAULT_PERCENTILE


def cheapest_within(rows: list[Recommendation], limit: tuple[str, int] | None) -> Recommendation | None:
    """The cheapest instance-type recommendation whose latency meets `limit`; None when none does."""
    return next((r for r in rows if r.instance_type and r.cost_per_hour is not None and r.meets(limit)), None)


@dataclass(frozen=True)
class Serving:
    """A variant of an Endpoint document that serves the benchmarked model."""

    spec: str  # Endpoint/churn
    endpoint: str  # its AWS name
    variant: str
    instance_type: str | None  # what the spec gives it (None: serverless)
    live_instance_type: str | None  # what it runs on today (None: not deployed, or serverless)
    serverless: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"spec": self.spec, "endpoint": self.endpoint, "variant": self.variant,
                "instanceType": self.instance_type, "liveInstanceType": self.live_instance_type,
                "serverless": self.serverless}


def benchmarked(request: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """("package", ARN) or ("model", name): what a job's request (or describe output) benchmarks."""
    given = (request or {}).get("InputConfig") or {}
    if given.get("ModelPackageVersionArn"):
        return "package", str(given["ModelPackageVersionArn"])
    if given.get("ModelName"):
        return "model", str(given["ModelName"])
    return None


def _serves(model_request: Mapping[str, Any], target: tuple[str, str]) -> bool:
    kind, value = target
    if kind == "model":
        return model_request.get("ModelName") == value
    containers = [model_request.get("PrimaryContainer") or {}, *(model_request.get("Containers") or [])]
    return any(str(c.get("ModelPackageName") or "").lower() == value.lower() for c in containers)


def serving(view: Any, request: Mapping[str, Any] | None) -> list[Serving]:
    """The variants of the stack's endpoints (desired) that serve the model `request` benchmarks, each with
    its instance type in the spec and the one it runs on today (read through the view's read-only clients);
    [] when the job names no model or no endpoint serves it."""
    target = benchmarked(request)
    if target is None:
        return []
    models = {d.address.name for d in view.desired.values() if d.address.type == MODEL_TYPE
              and _serves(_plain(d.request), target)}
    if target[0] == "model":
        models.add(target[1])
    found: list[Serving] = []
    for endpoint in (d for d in view.desired.values() if d.address.type == ENDPOINT_TYPE):
        config = view.desired.get(Address(CONFIG_TYPE, str(endpoint.request.get("EndpointConfigName"))))
        if config is None:
            continue
        live = _live_variants(view, endpoint.address)
        for variant in _plain(config.request).get("ProductionVariants") or []:
            if variant.get("ModelName") not in models:
                continue
            name = str(variant.get("VariantName"))
            found.append(Serving(endpoint.spec or str(endpoint.address), endpoint.address.name, name,
                                 variant.get("InstanceType"), (live.get(name) or {}).get("InstanceType"),
                                 "ServerlessConfig" in variant))
    return found


def _live_variants(view: Any, endpoint: Address) -> dict[str, Mapping[str, Any]]:
    """Variant name -> its production variant in the config the endpoint serves today; {} when not deployed."""
    live = view.live.get(endpoint)
    if live is None:
        return {}
    data = view.describe(live).data or {}
    name = data.get("EndpointConfigName")
    if not name:
        return {}
    address = Address(CONFIG_TYPE, str(name))
    known = view.live.get(address)
    config = view.describe(known) if known is not None else view.handler(CONFIG_TYPE).find(view.clients, str(name))
    variants = ((config.data if config is not None else None) or {}).get("ProductionVariants") or []
    return {str(v.get("VariantName")): v for v in variants}


def _plain(value: Any) -> dict[str, Any]:
    return thaw(value) if value is not None else {}


# --- what `reconciler recommendations` shows ---------------------------------------------------


@dataclass(frozen=True)
class JobResult:
    """One job of a document: its status and what it found (rows cheapest first)."""

    name: str
    status: str | None  # None: not created yet
    job_type: str | None
    current: bool  # the job the document names now (the others are its history)
    created: str | None = None
    completed: str | None = None
    failure: str | None = None
    limit: tuple[str, int] | None = None
    percentile: str = DEFAULT_PERCENTILE
    rows: tuple[Recommendation, ...] = ()

    @property
    def best(self) -> Recommendation | None:
        """The cheapest instance type within the job's latency limit."""
        return cheapest_within(list(self.rows), self.limit)

    def to_json(self) -> dict[str, Any]:
        best = self.best
        return {"job": self.name, "status": self.status, "jobType": self.job_type, "current": self.current,
                "creationTime": self.created, "completionTime": self.completed, "failureReason": self.failure,
                "latencyLimit": {"percentile": self.limit[0], "valueInMilliseconds": self.limit[1]}
                if self.limit else None, "percentile": self.percentile,
                "cheapestWithinLimit": best.instance_type if best else None,
                "recommendations": [r.to_json() for r in self.rows]}


@dataclass(frozen=True)
class DocumentResult:
    """A RecommendationJob document: its jobs (the current one first, then its history, newest first) and
    the endpoint variants serving the model it benchmarks."""

    spec: str
    jobs: tuple[JobResult, ...]
    serving: tuple[Serving, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"spec": self.spec, "jobs": [j.to_json() for j in self.jobs],
                "serving": [s.to_json() for s in self.serving]}


def _when(value: Any) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if hasattr(value, "strftime") else str(value)


def job_result(name: str, data: Mapping[str, Any] | None, current: bool) -> JobResult:
    """A job as `reconciler recommendations` shows it (`data`: its describe output; None: not created)."""
    if data is None:
        return JobResult(name, None, None, current)
    return JobResult(name, data.get("Status"), data.get("JobType"), current, _when(data.get("CreationTime")),
                     _when(data.get("CompletionTime")), data.get("FailureReason"), latency_limit(data),
                     percentile(data), tuple(recommendations(data)))


def results(view: Any, job_type: str) -> list[DocumentResult]:
    """Every document's jobs (resources of `job_type`) in the view, in the stack's order, with the endpoint
    variants serving the model each benchmarks (their live instance types read through the view)."""
    found: list[DocumentResult] = []
    for d in (d for d in view.desired.values() if d.address.type == job_type):
        live = view.live.get(d.address)
        current = job_result(d.address.name, view.describe(live).data if live is not None else None, True)
        others = [lv for a, lv in view.live.items() if a.type == job_type and a != d.address and lv.spec == d.spec]
        history = sorted((job_result(lv.address.name, view.describe(lv).data, False) for lv in others),
                         key=lambda j: j.created or "", reverse=True)
        found.append(DocumentResult(str(d.spec), (current, *history), tuple(serving(view, _plain(d.request)))))
    return found


# --- what a running job deploys ------------------------------------------------------------------

ACTIVE = ("PENDING", "IN_PROGRESS", "STOPPING")  # jobs whose benchmark resources may still exist
NAME_PREFIX = 40  # characters of the job name SageMaker names a job's benchmark resources after


def benchmark_prefixes(clients: Any) -> tuple[str, ...]:
    """The name prefixes of the models, endpoint configs and endpoints SageMaker deploys for the account's
    jobs that are still running (read-only, one listing per active status): `import --all` leaves them out,
    since they are SageMaker's and go when their job ends; () when no job runs."""
    found: list[str] = []
    paginator = clients.sagemaker.get_paginator("list_inference_recommendations_jobs")
    for status in ACTIVE:
        for page in paginator.paginate(StatusEquals=status):
            found += [str(j["JobName"])[:NAME_PREFIX] for j in page.get("InferenceRecommendationsJobs", [])]
    return tuple(sorted(set(found)))
