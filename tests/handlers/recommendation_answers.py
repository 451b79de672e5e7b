"""What SageMaker answers about Inference Recommender jobs, for the recommendation-job scenarios.

`job(d, ...)` is the DescribeInferenceRecommendationsJob answer for a job the handler created from `d`
(its request as SageMaker reports it: no OutputConfig, times and status filled in, recommendations once
it has completed); `recommendation(...)` one of its InferenceRecommendations. `record_stack` records a
whole applied stack with its jobs (the tag query holds them all). `job_doc` is a RecommendationJob
document.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from typing import Any

from reconciler.frozen import thaw
from reconciler.resources import Desired
from tests.handlers.answers import CREATED, TOP_LEVEL, UPDATED, applied_tags, record_applied, resource_arn
from tests.handlers.recorded import Recorded, arn, tagged

ROLE = "arn:aws:iam::123456789012:role/InferenceRecommender"
PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3"
JOB_TYPE = "inference-recommendations-job"


def job_doc(*, name: str = "churn-recs", job_type: str = "Default", description: str = "first",
            model: str = f"modelPackageVersionArn: {PACKAGE}", latency: int | None = 100, extra: str = "",
            tags: str = "") -> str:
    """A RecommendationJob document; `model` is the inputConfig line naming the model, `extra` more of
    inputConfig (indented four spaces)."""
    head = f"apiVersion: reconciler/v1\nkind: RecommendationJob\nname: {name}\n" + (f"tags: {tags}\n" if tags else "")
    text = (head + f"spec:\n  jobType: {job_type}\n  roleArn: {ROLE}\n  jobDescription: {description}\n"
            f"  inputConfig:\n    {model}\n{extra}")
    if latency is not None:
        text += ("  stoppingConditions:\n"
                 f"    modelLatencyThresholds: [{{percentile: P95, valueInMilliseconds: {latency}}}]\n")
    return text


def recommendation(job_name: str, index: int, instance: str | None, cost_per_hour: float | None,
                   latency: int, *, cost_per_inference: float = 0.000002, invocations: int = 1200, count: int = 1,
                   serverless: dict[str, int] | None = None) -> dict[str, Any]:
    """One InferenceRecommendations entry: the benchmark endpoint SageMaker named after the job."""
    endpoint: dict[str, Any] = {"EndpointName": f"{job_name[:40]}-{index}", "VariantName": "AllTraffic"}
    if instance:
        endpoint.update(InstanceType=instance, InitialInstanceCount=count)
    if serverless:
        endpoint["ServerlessConfig"] = serverless
    metrics: dict[str, Any] = {"CostPerInference": cost_per_inference, "MaxInvocations": invocations,
                               "ModelLatency": latency, "CpuUtilization": 35.0, "MemoryUtilization": 20.0}
    if cost_per_hour is not None:
        metrics["CostPerHour"] = cost_per_hour
    return {"RecommendationId": f"{job_name}/{index:02d}", "Metrics": metrics, "EndpointConfiguration": endpoint,
            "ModelConfiguration": {}, "InvocationStartTime": CREATED, "InvocationEndTime": UPDATED}


def job(d: Desired, *, status: str = "IN_PROGRESS", recommendations: Iterable[dict[str, Any]] = (),
        created: dt.datetime = CREATED, **fields: Any) -> dict[str, Any]:
    """DescribeInferenceRecommendationsJob of the job `d` made, in `status`, plus `fields`."""
    request = copy.deepcopy(thaw(d.request))
    request.pop("OutputConfig", None)
    data: dict[str, Any] = {**request, "JobArn": arn(JOB_TYPE, d.address.name), "Status": status,
                            "CreationTime": created, "LastModifiedTime": created + dt.timedelta(minutes=5)}
    if status in ("COMPLETED", "FAILED", "STOPPED"):
        data["CompletionTime"] = created + dt.timedelta(minutes=40)
    if status == "COMPLETED" and recommendations:
        data["InferenceRecommendations"] = list(recommendations)
    if status == "FAILED":
        data["FailureReason"] = "The sample payload could not be read from s3://b/payload.tar.gz."
    return {**data, **fields}


def record_job(recorded: Recorded, d: Desired, data: dict[str, Any]) -> None:
    recorded.add("sagemaker", "DescribeInferenceRecommendationsJob", {"JobName": d.address.name}, data)


def absent_job(recorded: Recorded, d: Desired) -> None:
    """The answer to the planner's probe of a job name that does not exist."""
    recorded.error("sagemaker", "DescribeInferenceRecommendationsJob", {"JobName": d.address.name},
                   "ResourceNotFound", f"Inference recommendations job {d.address.name} not found.")


def record_stack(recorded: Recorded, others: Iterable[Desired], jobs: Iterable[tuple[Desired, dict[str, Any]]],
                 stack: str = "demo") -> None:
    """The applied stack `others` (models, endpoints, ...) plus `jobs` (each with its describe answer), in one
    tag query."""
    others = list(others)
    record_applied(recorded, others, stack)
    owned = [(resource_arn(d), applied_tags(d, stack)) for d in others if d.address.type in TOP_LEVEL]
    for d, data in jobs:
        owned.append((arn(JOB_TYPE, d.address.name), d.tags(stack)))
        record_job(recorded, d, data)
    tagged(recorded, owned, stack)
