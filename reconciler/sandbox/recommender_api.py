"""moto response handlers for SageMaker Inference Recommender (``recommender``).

``install()`` sets them on moto's ``SageMakerResponse``, which dispatches a request by its action
name (CreateInferenceRecommendationsJob -> ``create_inference_recommendations_job``); moto has
none of these operations. Requests are read with botocore's input shapes (``shapes.request_of``);
responses are serialised by moto against botocore's output shapes. The tag operations stay moto's
(they find jobs through the patched ``_get_resource_from_arn``).
"""

from __future__ import annotations

from collections.abc import Callable

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.responses import SageMakerResponse

from reconciler.sandbox import recommender
from reconciler.sandbox.shapes import request_of

Handler = Callable[[SageMakerResponse], ActionResult]


def install() -> None:
    """Set the handlers on moto's SageMakerResponse (idempotent)."""
    for name, handler in handlers().items():
        setattr(SageMakerResponse, name, handler)


def create_inference_recommendations_job(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "CreateInferenceRecommendationsJob")
    return ActionResult({"JobArn": recommender.create_job(self.sagemaker_backend, request)})


def describe_inference_recommendations_job(self: SageMakerResponse) -> ActionResult:
    name = request_of(self, "DescribeInferenceRecommendationsJob").get("JobName")
    return ActionResult(recommender.describe_job(self.sagemaker_backend, name))


def list_inference_recommendations_jobs(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "ListInferenceRecommendationsJobs")
    return ActionResult(recommender.list_jobs(self.sagemaker_backend, request))


def stop_inference_recommendations_job(self: SageMakerResponse) -> ActionResult:
    name = request_of(self, "StopInferenceRecommendationsJob").get("JobName")
    recommender.stop_job(self.sagemaker_backend, name)
    return EmptyResult()


def list_inference_recommendations_job_steps(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "ListInferenceRecommendationsJobSteps")
    return ActionResult(recommender.list_steps(self.sagemaker_backend, request))


def handlers() -> dict[str, Handler]:
    """Every handler by moto's method name."""
    return {
        handler.__name__: handler
        for handler in (
            create_inference_recommendations_job,
            describe_inference_recommendations_job,
            list_inference_recommendations_jobs,
            stop_inference_recommendations_job,
            list_inference_recommendations_job_steps,
        )
    }
