"""Patches that make moto 5.2.1's SageMaker (and tagging) behave like AWS where we depend on it.

``install()`` rewires moto's classes in place, once per process (moto is pinned
exactly because of this). What changes, and why:

- CreateModel / CreateEndpointConfig reject duplicates like AWS (moto overwrites).
- CreateEndpointConfig keeps the whole request (ShadowProductionVariants,
  ExplainerConfig, ... which moto drops) and validates instance types against
  botocore's enum instead of moto's short list; DescribeEndpointConfig returns it
  with AWS's defaults (InitialVariantWeight 1.0).
- Endpoint operations come from ``endpoint_ops`` (timed statuses) and
  ``endpoint_update`` (UpdateEndpoint with guardrails and rollback).
- Application Auto Scaling knows SageMaker variants (``autoscaling``).
- AddTags overwrites a key; tag calls on an unknown ARN are ValidationExceptions
  (moto answers HTTP 500); endpoint-config ARNs are strings (moto stores a tuple,
  which breaks the tagging API's GetResources).
- Inference experiments exist (``experiments`` and ``experiment_api``), tags included, and
  the tagging API's GetResources returns them (``tagging``).
- Model Monitor exists (``monitoring``, ``monitoring_model``, ``monitoring_api``): the four
  job-definition families (moto's own handlers replaced) and monitoring schedules
  with their executions, tags included (AddTags/ListTags/DeleteTags find them by ARN, and so
  does GetResources). DeleteEndpoint first brings the schedules to the current time, so
  executions that fell due while the endpoint was there read it.
- SageMaker Pipelines and the model registry come from ``pipelines``, ``pipeline_model``,
  ``registry``, ``registry_model`` and ``pipeline_api`` (moto's handlers replaced): checked and
  versioned definitions, executions whose steps run on the clock, RegisterModel steps making
  model package versions, group deletion and policies, tags (AddTags/ListTags/DeleteTags and
  GetResources find groups by ARN; pipelines stay moto's ``FakePipeline`` for them).
- Inference Recommender exists (``recommender``, ``recommender_metrics``, ``recommender_api``):
  recommendation jobs on the clock with their transient endpoints and synthetic results, tags
  included (found by ARN, and by GetResources).
- moto's SageMaker timestamps use the sandbox clock.
- EventBridge delivers to every target without a 500 (``event_delivery``), a PutPermission ``Policy``
  replaces the bus's policy and TestEventPattern answers (``events_patches``), SageMaker emits its
  EventBridge events (``sagemaker_events``: model packages, pipeline executions, endpoints), and the
  EventBridge Schemas service exists (``schemas_model``, ``schemas_api``, served by ``app``).

Also here: the control actions that need moto (``reset_all``, ``advance_pipelines``, ``arm_update_failure``,
``arm_rollback_failure``, ``scale_variant``, ``set_provisioned_concurrency``,
``arm_monitoring_execution``, ``arm_pipeline_failure``, ``choose_pipeline_condition``,
``set_model_package_approval``), addressed by region in moto's default account.
"""

from __future__ import annotations

import copy
import functools
import logging
from collections.abc import Callable
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult
from moto.moto_api._internal import moto_api_backend
from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend
from moto.sagemaker import models as sagemaker_models
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpointConfig, Model, SageMakerModelBackend, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import arn_formatter

from reconciler.sandbox import (
    autoscaling,
    endpoint_ops,
    endpoint_update,
    event_delivery,
    events_patches,
    experiment_api,
    monitoring,
    monitoring_api,
    monitoring_model,
    pipeline_api,
    pipelines,
    recommender,
    recommender_api,
    registry,
    registry_model,
    sagemaker_events,
    tagging,
)
from reconciler.sandbox.endpoint_state import ticking, use_config_renderer
from reconciler.sandbox.experiment_model import find_by_arn
from reconciler.sandbox.pipeline_model import store_of as pipeline_store_of
from reconciler.sandbox.runtime import RUNTIME
from reconciler.sandbox.shapes import check_instance_type, request_of
from reconciler.sandbox.variants import with_config_defaults

logger = logging.getLogger(__name__)

REQUEST_ATTRIBUTE = "sandbox_request"
_ORIGINAL: dict[str, Callable[..., Any]] = {}
_installed: list[bool] = []


def install() -> None:
    """Patch moto's SageMaker and tagging classes (idempotent)."""
    with RUNTIME.lock:
        if _installed:
            return
        _patch_backend()
        _patch_responses()
        _patch_models()
        autoscaling.install()
        experiment_api.install()
        monitoring_api.install()
        pipeline_api.install()
        recommender_api.install()
        tagging.install()
        event_delivery.install()
        events_patches.install()
        ResourceGroupsTaggingAPIBackend.get_resources = ticking(  # type: ignore[method-assign]
            ResourceGroupsTaggingAPIBackend.get_resources
        )
        sagemaker_models.utcnow = RUNTIME.now  # type: ignore[attr-defined]
        use_config_renderer(render_endpoint_config)
        sagemaker_events.use_endpoint_renderer(endpoint_ops.render_endpoint)
        event_delivery.use_pipeline_starter(start_pipeline_for_event)
        _installed.append(True)
        logger.debug("sandbox: moto SageMaker patches installed")


def _patch(cls: type, name: str, function: Callable[..., Any]) -> None:
    _ORIGINAL[f"{cls.__name__}.{name}"] = getattr(cls, name, None)  # type: ignore[assignment]
    setattr(cls, name, function)


def _original(cls: type, name: str) -> Callable[..., Any]:
    return _ORIGINAL[f"{cls.__name__}.{name}"]


def _patch_backend() -> None:
    backend = SageMakerModelBackend
    _patch(backend, "create_model", create_model)
    _patch(backend, "create_endpoint_config", create_endpoint_config)
    _patch(backend, "describe_endpoint_config", describe_endpoint_config)
    _patch(backend, "create_endpoint", endpoint_ops.create_endpoint)
    _patch(backend, "describe_endpoint", endpoint_ops.describe_endpoint)
    _patch(backend, "update_endpoint", endpoint_update.update_endpoint)
    _patch(
        backend, "update_endpoint_weights_and_capacities", endpoint_ops.update_endpoint_weights_and_capacities
    )
    _patch(backend, "delete_endpoint", delete_endpoint)
    _patch(backend, "list_endpoints", ticking(backend.list_endpoints))
    _patch(backend, "add_tags", add_tags)
    _patch(backend, "_get_resource_from_arn", get_resource_from_arn)


def _patch_responses() -> None:
    response = SageMakerResponse
    _patch(response, "create_endpoint_config", respond_create_endpoint_config)
    _patch(response, "create_endpoint", respond_create_endpoint)
    _patch(response, "update_endpoint", respond_update_endpoint)


def _patch_models() -> None:
    _patch(FakeEndpointConfig, "__init__", _endpoint_config_init(FakeEndpointConfig.__init__))
    _patch(FakeEndpointConfig, "validate_instance_type", validate_instance_type)


# --- models and endpoint configs ---------------------------------------------------------------


def create_model(backend: SageMakerModelBackend, model_name: str, *args: Any, **kwargs: Any) -> Model:
    """CreateModel, rejecting an existing name as AWS does."""
    with RUNTIME.lock:
        if model_name in backend._models:
            arn = arn_formatter("model", model_name, backend.account_id, backend.region_name)
            raise ValidationError(f'Cannot create already existing model "{arn}".')
        return _original(SageMakerModelBackend, "create_model")(backend, model_name, *args, **kwargs)


def create_endpoint_config(
    backend: SageMakerModelBackend,
    endpoint_config_name: str,
    *args: Any,
    request: dict[str, Any] | None = None,
    **kwargs: Any,
) -> FakeEndpointConfig:
    """CreateEndpointConfig: rejects duplicates, validates shadow variants, keeps the request."""
    with RUNTIME.lock:
        if endpoint_config_name in backend.endpoint_configs:
            arn = FakeEndpointConfig.arn_formatter(
                endpoint_config_name, backend.account_id, backend.region_name
            )
            raise ValidationError(f'Cannot create already existing endpoint configuration "{arn}".')
        shadows = (request or {}).get("ShadowProductionVariants") or []
        _validate_variants(backend, shadows)
        original = _original(SageMakerModelBackend, "create_endpoint_config")
        config = original(backend, endpoint_config_name, *args, **kwargs)
        setattr(config, REQUEST_ATTRIBUTE, copy.deepcopy(request) if request else _request_from_moto(config))
        return config


def _validate_variants(backend: SageMakerModelBackend, variants: list[dict[str, Any]]) -> None:
    for variant in variants:
        if "InstanceType" in variant:
            check_instance_type(variant["InstanceType"])
    if variants:
        backend.validate_production_variants(variants)


def _request_from_moto(config: FakeEndpointConfig) -> dict[str, Any]:
    """The CreateEndpointConfig request behind a config moto made itself (e.g. CloudFormation)."""
    request: dict[str, Any] = {
        "EndpointConfigName": config.endpoint_config_name,
        "ProductionVariants": copy.deepcopy(config.production_variants),
        "DataCaptureConfig": copy.deepcopy(config.data_capture_config),
        "AsyncInferenceConfig": copy.deepcopy(config.async_inference_config),
        "KmsKeyId": config.kms_key_id,
    }
    return {key: value for key, value in request.items() if value}


def describe_endpoint_config(backend: SageMakerModelBackend, endpoint_config_name: str) -> dict[str, Any]:
    """DescribeEndpointConfig of everything the create request held, with AWS defaults."""
    with RUNTIME.lock:
        config = backend.endpoint_configs.get(endpoint_config_name)
        if config is None:
            return _original(SageMakerModelBackend, "describe_endpoint_config")(backend, endpoint_config_name)
        return render_endpoint_config(config)


def render_endpoint_config(config: FakeEndpointConfig) -> dict[str, Any]:
    request = getattr(config, REQUEST_ATTRIBUTE, None) or _request_from_moto(config)
    response = {key: copy.deepcopy(value) for key, value in request.items() if key != "Tags"}
    response["EndpointConfigArn"] = config.endpoint_config_arn
    response["CreationTime"] = config.creation_time
    for key in ("ProductionVariants", "ShadowProductionVariants"):
        if response.get(key):
            response[key] = with_config_defaults(response[key])
    if response.get("DataCaptureConfig"):
        response["DataCaptureConfig"].setdefault("EnableCapture", True)
    return response


def _endpoint_config_init(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def init(self: FakeEndpointConfig, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.arn = self.endpoint_config_arn  # moto: a 1-tuple, which the tagging API mangles

    return init


def validate_instance_type(self: FakeEndpointConfig, instance_type: str) -> None:
    """Replaces moto's check, whose list of instance types is outdated."""
    del self
    check_instance_type(instance_type)


# --- tags --------------------------------------------------------------------------------------


def add_tags(backend: SageMakerModelBackend, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
    """AddTags: a key that exists already gets the new value (moto appends a duplicate)."""
    with RUNTIME.lock:
        resource = backend._get_resource_from_arn(arn)
        merged = {tag["Key"]: tag for tag in resource.tags}
        for tag in tags or []:
            merged[tag["Key"]] = {"Key": tag["Key"], "Value": tag.get("Value", "")}
        resource.tags = list(merged.values())
        return list(resource.tags)


def get_resource_from_arn(backend: SageMakerModelBackend, arn: str) -> Any:
    """The taggable resource behind ``arn`` (moto's, an experiment, a job definition, a monitoring schedule or a
    model package group); ValidationException when there is none."""
    try:
        resource = _original(SageMakerModelBackend, "_get_resource_from_arn")(backend, arn)
    except (AttributeError, ValueError, TypeError):
        resource = None
    if resource is None:
        resource = (
            find_by_arn(backend, arn)
            or monitoring_model.find_by_arn(backend, arn)
            or registry_model.find_by_arn(backend, arn)
            or recommender.find_by_arn(backend, arn)
        )
    if resource is None:
        raise ValidationError(f'Could not find resource "{arn}".')
    return resource


# --- endpoints ---------------------------------------------------------------------------------


def delete_endpoint(backend: SageMakerModelBackend, endpoint_name: str) -> None:
    """DeleteEndpoint (``endpoint_ops``), after the monitoring schedules are brought to the current time."""
    with RUNTIME.lock:
        monitoring.before_endpoint_delete(backend)
        endpoint_ops.delete_endpoint(backend, endpoint_name)


# --- response handlers (request parsing for the operations moto lacks or truncates) -------------


def respond_create_endpoint_config(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "CreateEndpointConfig")
    config = self.sagemaker_backend.create_endpoint_config(
        endpoint_config_name=request.get("EndpointConfigName"),
        production_variants=request.get("ProductionVariants", []),
        data_capture_config=request.get("DataCaptureConfig"),
        async_inference_config=request.get("AsyncInferenceConfig"),
        tags=request.get("Tags"),
        kms_key_id=request.get("KmsKeyId"),
        request=request,
    )
    return ActionResult({"EndpointConfigArn": config.endpoint_config_arn})


def respond_create_endpoint(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "CreateEndpoint")
    endpoint = self.sagemaker_backend.create_endpoint(
        endpoint_name=request.get("EndpointName"),
        endpoint_config_name=request.get("EndpointConfigName"),
        tags=request.get("Tags"),
        deployment_config=request.get("DeploymentConfig"),
    )
    return ActionResult({"EndpointArn": endpoint.arn})


def respond_update_endpoint(self: SageMakerResponse) -> ActionResult:
    request = request_of(self, "UpdateEndpoint")
    arn = self.sagemaker_backend.update_endpoint(  # type: ignore[attr-defined]
        endpoint_name=request.get("EndpointName"),
        endpoint_config_name=request.get("EndpointConfigName"),
        retain_all_variant_properties=request.get("RetainAllVariantProperties", False),
        exclude_retained_variant_properties=request.get("ExcludeRetainedVariantProperties"),
        deployment_config=request.get("DeploymentConfig"),
        retain_deployment_config=request.get("RetainDeploymentConfig", False),
    )
    return ActionResult({"EndpointArn": arn})


# --- control actions ----------------------------------------------------------------------------


def backend_for(region: str) -> SageMakerModelBackend:
    """moto's SageMaker backend for ``region`` in the default account."""
    return sagemaker_backends[DEFAULT_ACCOUNT_ID][region]


def reset_all() -> None:
    """Forget all moto state (every service) and all sandbox state.

    The sandbox's own SageMaker records (inference experiments, Model Monitor's job definitions, schedules and
    executions, pipelines and their executions, the model registry) and EventBridge Schemas live on moto's
    backends, so moto's reset forgets them too; the EventBridge deliveries and events recorded (and any still
    queued) are forgotten here."""
    with RUNTIME.lock:
        moto_api_backend.reset()
        RUNTIME.reset()
        event_delivery.reset()


def start_pipeline_for_event(account: str, region: str, request: dict[str, Any]) -> str:
    """StartPipelineExecution as EventBridge calls it for a SageMaker pipeline target; the execution's ARN."""
    return pipelines.start_execution(sagemaker_backends[account][region], request)


def advance_pipelines() -> None:
    """Bring every running pipeline execution (every account and region) to the current sandbox time, so the
    events of what fell due are emitted; call under ``RUNTIME.lock``."""
    for per_account in list(sagemaker_backends.values()):
        for backend in list(per_account.values()):
            if pipeline_store_of(backend).active:
                pipelines.now_of(backend)


def arm_update_failure(region: str, endpoint_name: str, reason: str) -> dict[str, Any]:
    return endpoint_update.arm_update_failure(backend_for(region), endpoint_name, reason)


def arm_rollback_failure(region: str, endpoint_name: str, reason: str) -> dict[str, Any]:
    return endpoint_update.arm_rollback_failure(backend_for(region), endpoint_name, reason)


def scale_variant(region: str, endpoint_name: str, variant_name: str, count: int) -> dict[str, Any]:
    return endpoint_ops.scale_variant(backend_for(region), endpoint_name, variant_name, count)


def set_provisioned_concurrency(region: str, endpoint_name: str, variant_name: str, value: int) -> dict[str, Any]:
    return autoscaling.set_provisioned_concurrency(DEFAULT_ACCOUNT_ID, region, endpoint_name, variant_name, value)


def arm_monitoring_execution(
    region: str, schedule_name: str, status: str, failure_reason: str | None, start_now: bool
) -> dict[str, Any]:
    return monitoring.arm_next_execution(backend_for(region), schedule_name, status, failure_reason, start_now)


def arm_pipeline_failure(region: str, pipeline: str, step: str, reason: str) -> dict[str, Any]:
    return pipelines.arm_failure(backend_for(region), pipeline, step, reason)


def choose_pipeline_condition(region: str, pipeline: str, step: str, outcome: bool) -> dict[str, Any]:
    return pipelines.choose_condition(backend_for(region), pipeline, step, outcome)


def set_model_package_approval(
    region: str, group: str | None, version: int | None, arn: str | None, status: str, description: str | None
) -> dict[str, Any]:
    return registry.set_approval(backend_for(region), group, version, arn, status, description)
