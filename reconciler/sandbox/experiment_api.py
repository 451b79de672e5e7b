"""moto response handlers for the inference-experiment operations (moto has none).

``install()`` adds them to moto's ``SageMakerResponse``, which dispatches a request
by its action name (CreateInferenceExperiment -> ``create_inference_experiment``).
Requests are read with botocore's input shapes; responses are serialised by moto
against botocore's output shapes.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.responses import SageMakerResponse

from reconciler.sandbox import experiments
from reconciler.sandbox.shapes import request_of


def install() -> None:
    """Add the handlers to moto's SageMakerResponse (idempotent)."""
    for name, handler in _HANDLERS.items():
        setattr(SageMakerResponse, name, handler)


def _arn(experiment: experiments.Experiment) -> ActionResult:
    return ActionResult({"InferenceExperimentArn": experiment.arn})


def create_inference_experiment(self: SageMakerResponse) -> ActionResult:
    return _arn(experiments.create(self.sagemaker_backend, request_of(self, "CreateInferenceExperiment")))


def describe_inference_experiment(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "DescribeInferenceExperiment")
    return ActionResult(experiments.describe(self.sagemaker_backend, request["Name"]))


def list_inference_experiments(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "ListInferenceExperiments")
    return ActionResult(experiments.list_experiments(self.sagemaker_backend, request))


def start_inference_experiment(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "StartInferenceExperiment")
    return _arn(experiments.start(self.sagemaker_backend, request["Name"]))


def stop_inference_experiment(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "StopInferenceExperiment")
    experiment = experiments.stop(
        self.sagemaker_backend,
        request["Name"],
        request.get("ModelVariantActions") or {},
        request.get("DesiredModelVariants"),
        request.get("DesiredState"),
        request.get("Reason"),
    )
    return _arn(experiment)


def update_inference_experiment(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "UpdateInferenceExperiment")
    return _arn(experiments.update(self.sagemaker_backend, request["Name"], request))


def delete_inference_experiment(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "DeleteInferenceExperiment")
    return _arn(experiments.delete(self.sagemaker_backend, request["Name"]))


_HANDLERS: dict[str, Any] = {
    "create_inference_experiment": create_inference_experiment,
    "describe_inference_experiment": describe_inference_experiment,
    "list_inference_experiments": list_inference_experiments,
    "start_inference_experiment": start_inference_experiment,
    "stop_inference_experiment": stop_inference_experiment,
    "update_inference_experiment": update_inference_experiment,
    "delete_inference_experiment": delete_inference_experiment,
}
