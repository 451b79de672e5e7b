"""moto response handlers for SageMaker Pipelines (``pipelines``) and the model registry (``registry``).

``install()`` sets them on moto's ``SageMakerResponse``, which dispatches a request by its action
name (StartPipelineExecution -> ``start_pipeline_execution``); moto's own handlers for these
operations are replaced (ListPipelines and the tag operations stay moto's: moto's
``FakePipeline`` is kept in step by ``pipelines``). Requests are read with botocore's input
shapes (``shapes.request_of``); responses are serialised by moto against botocore's output shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.responses import SageMakerResponse

from reconciler.sandbox import pipelines, registry
from reconciler.sandbox.shapes import request_of

Handler = Callable[[SageMakerResponse], ActionResult]


def install() -> None:
    """Set the handlers on moto's SageMakerResponse (idempotent)."""
    for name, handler in handlers().items():
        setattr(SageMakerResponse, name, handler)


def _request(self: SageMakerResponse, operation: str) -> dict[str, Any]:
    return request_of(self, operation)


# --- pipelines ------------------------------------------------------------------------------------


def create_pipeline(self: SageMakerResponse) -> ActionResult:
    arn = pipelines.create_pipeline(self.sagemaker_backend, _request(self, "CreatePipeline"))
    return ActionResult({"PipelineArn": arn})


def update_pipeline(self: SageMakerResponse) -> ActionResult:
    arn, version = pipelines.update_pipeline(self.sagemaker_backend, _request(self, "UpdatePipeline"))
    return ActionResult({"PipelineArn": arn, "PipelineVersionId": version})


def describe_pipeline(self: SageMakerResponse) -> ActionResult:
    request = _request(self, "DescribePipeline")
    return ActionResult(
        pipelines.describe_pipeline(self.sagemaker_backend, request["PipelineName"], request.get("PipelineVersionId"))
    )


def delete_pipeline(self: SageMakerResponse) -> ActionResult:
    request = _request(self, "DeletePipeline")
    arn = pipelines.delete_pipeline(self.sagemaker_backend, request["PipelineName"], request.get("ClientRequestToken"))
    return ActionResult({"PipelineArn": arn})


def start_pipeline_execution(self: SageMakerResponse) -> ActionResult:
    arn = pipelines.start_execution(self.sagemaker_backend, _request(self, "StartPipelineExecution"))
    return ActionResult({"PipelineExecutionArn": arn})


def describe_pipeline_execution(self: SageMakerResponse) -> ActionResult:
    arn = _request(self, "DescribePipelineExecution")["PipelineExecutionArn"]
    return ActionResult(pipelines.describe_execution(self.sagemaker_backend, arn))


def list_pipeline_executions(self: SageMakerResponse) -> ActionResult:
    return ActionResult(pipelines.list_executions(self.sagemaker_backend, _request(self, "ListPipelineExecutions")))


def list_pipeline_execution_steps(self: SageMakerResponse) -> ActionResult:
    request = _request(self, "ListPipelineExecutionSteps")
    return ActionResult(pipelines.list_steps(self.sagemaker_backend, request))


def stop_pipeline_execution(self: SageMakerResponse) -> ActionResult:
    request = _request(self, "StopPipelineExecution")
    arn = pipelines.stop_execution(
        self.sagemaker_backend, request["PipelineExecutionArn"], request.get("ClientRequestToken")
    )
    return ActionResult({"PipelineExecutionArn": arn})


def describe_pipeline_definition_for_execution(self: SageMakerResponse) -> ActionResult:
    arn = _request(self, "DescribePipelineDefinitionForExecution")["PipelineExecutionArn"]
    return ActionResult(pipelines.definition_for_execution(self.sagemaker_backend, arn))


def list_pipeline_parameters_for_execution(self: SageMakerResponse) -> ActionResult:
    request = _request(self, "ListPipelineParametersForExecution")
    return ActionResult(pipelines.parameters_for_execution(self.sagemaker_backend, request))


# --- the model registry ---------------------------------------------------------------------------


def create_model_package_group(self: SageMakerResponse) -> ActionResult:
    arn = registry.create_group(self.sagemaker_backend, _request(self, "CreateModelPackageGroup"))
    return ActionResult({"ModelPackageGroupArn": arn})


def describe_model_package_group(self: SageMakerResponse) -> ActionResult:
    name = _request(self, "DescribeModelPackageGroup")["ModelPackageGroupName"]
    return ActionResult(registry.describe_group(self.sagemaker_backend, name))


def list_model_package_groups(self: SageMakerResponse) -> ActionResult:
    return ActionResult(registry.list_groups(self.sagemaker_backend, _request(self, "ListModelPackageGroups")))


def delete_model_package_group(self: SageMakerResponse) -> ActionResult:
    registry.delete_group(self.sagemaker_backend, _request(self, "DeleteModelPackageGroup")["ModelPackageGroupName"])
    return EmptyResult()


def put_model_package_group_policy(self: SageMakerResponse) -> ActionResult:
    request = _request(self, "PutModelPackageGroupPolicy")
    arn = registry.put_policy(self.sagemaker_backend, request["ModelPackageGroupName"], request.get("ResourcePolicy"))
    return ActionResult({"ModelPackageGroupArn": arn})


def get_model_package_group_policy(self: SageMakerResponse) -> ActionResult:
    name = _request(self, "GetModelPackageGroupPolicy")["ModelPackageGroupName"]
    return ActionResult({"ResourcePolicy": registry.get_policy(self.sagemaker_backend, name)})


def delete_model_package_group_policy(self: SageMakerResponse) -> ActionResult:
    name = _request(self, "DeleteModelPackageGroupPolicy")["ModelPackageGroupName"]
    registry.delete_policy(self.sagemaker_backend, name)
    return EmptyResult()


def create_model_package(self: SageMakerResponse) -> ActionResult:
    arn = registry.create_package(self.sagemaker_backend, _request(self, "CreateModelPackage"))
    return ActionResult({"ModelPackageArn": arn})


def describe_model_package(self: SageMakerResponse) -> ActionResult:
    name = _request(self, "DescribeModelPackage")["ModelPackageName"]
    return ActionResult(registry.describe_package(self.sagemaker_backend, name))


def list_model_packages(self: SageMakerResponse) -> ActionResult:
    return ActionResult(registry.list_packages(self.sagemaker_backend, _request(self, "ListModelPackages")))


def update_model_package(self: SageMakerResponse) -> ActionResult:
    arn = registry.update_package(self.sagemaker_backend, _request(self, "UpdateModelPackage"))
    return ActionResult({"ModelPackageArn": arn})


def delete_model_package(self: SageMakerResponse) -> ActionResult:
    registry.delete_package(self.sagemaker_backend, _request(self, "DeleteModelPackage")["ModelPackageName"])
    return EmptyResult()


def handlers() -> dict[str, Handler]:
    """Every handler by moto's method name."""
    found: dict[str, Handler] = {}
    for handler in (
        create_pipeline,
        update_pipeline,
        describe_pipeline,
        delete_pipeline,
        start_pipeline_execution,
        describe_pipeline_execution,
        list_pipeline_executions,
        list_pipeline_execution_steps,
        stop_pipeline_execution,
        describe_pipeline_definition_for_execution,
        list_pipeline_parameters_for_execution,
        create_model_package_group,
        describe_model_package_group,
        list_model_package_groups,
        delete_model_package_group,
        put_model_package_group_policy,
        get_model_package_group_policy,
        delete_model_package_group_policy,
        create_model_package,
        describe_model_package,
        list_model_packages,
        update_model_package,
        delete_model_package,
    ):
        found[handler.__name__] = handler
    return found
