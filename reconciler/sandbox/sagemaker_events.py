"""The EventBridge events SageMaker emits, as the sandbox emits them (``source`` ``aws.sagemaker``).

Each event goes on the default bus of the resource's region, with the account, ``time`` (the
transition's sandbox time, to the second) and ``resources`` as AWS sends them, through
``event_delivery.emit`` (queued, so rules act once the lazy clock evaluation that reached the
transition is over). The shapes follow the examples in AWS's developer guide (automating SageMaker
with EventBridge):

- ``SageMaker Model Package State Change`` (resources: the package ARN): the package as
  DescribeModelPackage shows it (``ModelPackageGroupName``, ``ModelPackageVersion``,
  ``ModelPackageArn``, ``ModelPackageStatus``, ``ModelApprovalStatus``, ``ApprovalDescription``,
  ``CreationTime``, ``LastModifiedTime`` as ISO-8601 text, ``InferenceSpecification``, ...). Emitted
  when a package is created (CreateModelPackage, a RegisterModel step) and when its
  ``ModelApprovalStatus`` changes (UpdateModelPackage, the approve control route);
- ``SageMaker Model Building Pipeline Execution Status Change`` (resources: the pipeline and the
  execution ARNs): ``currentPipelineExecutionStatus``, ``previousPipelineExecutionStatus`` (absent
  for the first, Executing), ``executionStartTime``, ``executionEndTime`` (once ended),
  ``pipelineExecutionDisplayName``, ``pipelineExecutionDescription``, ``pipelineArn``,
  ``pipelineExecutionArn``. Emitted at start (Executing), at StopPipelineExecution (Stopping) and at
  the end (Succeeded, Failed, Stopped);
- ``SageMaker Endpoint State Change`` (resources: the endpoint ARN): DescribeEndpoint's members with
  ``EndpointStatus`` in AWS's UPPER_SNAKE form (``IN_SERVICE``, ``UPDATING``, ...), times in epoch
  milliseconds, ``Tags`` a map. Emitted when an endpoint starts Creating, Updating or Deleting and
  when it is InService (or UpdateRollbackFailed) again;
- ``SageMaker Endpoint Deployment State Change`` (resources: the endpoint ARN): the same, with the
  ``PendingDeploymentSummary`` and its variants' ``VariantStatus``. Emitted when an UpdateEndpoint (or
  its rollback, or an UpdateEndpointWeightsAndCapacities) starts, at each phase of it (provisioning,
  each traffic shift, each bake), and when it ends.

Step status changes, training/processing job events and the other SageMaker events are not emitted.
Building an event never breaks what emits it: a failure is logged and the event skipped.
"""

from __future__ import annotations

import copy
import logging
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from reconciler.sandbox import event_delivery

logger = logging.getLogger(__name__)

SOURCE = "aws.sagemaker"
MODEL_PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change"
PIPELINE_EXECUTION_STATUS_CHANGE = "SageMaker Model Building Pipeline Execution Status Change"
ENDPOINT_STATE_CHANGE = "SageMaker Endpoint State Change"
ENDPOINT_DEPLOYMENT_STATE_CHANGE = "SageMaker Endpoint Deployment State Change"
EPOCH = datetime(1970, 1, 1)

EndpointRenderer = Callable[[Any, datetime], dict[str, Any]]
_endpoint_renderer: list[EndpointRenderer] = []


def use_endpoint_renderer(renderer: EndpointRenderer) -> None:
    """How an endpoint is described at a time (``endpoint_ops.render_endpoint``; set by ``sagemaker_patches``)."""
    _endpoint_renderer[:] = [renderer]


def emit(account: str, region: str, detail_type: str, resources: list[str], detail: dict[str, Any],
         at: datetime) -> None:
    """Queue a SageMaker event for the default bus of ``account`` and ``region``."""
    event_delivery.emit(account, region, {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": SOURCE,
        "account": account,
        "time": event_delivery.iso(at),
        "region": region,
        "resources": resources,
        "detail": detail,
    })


def _guarded(build: Callable[[], None], what: str) -> None:
    try:
        build()
    except Exception:  # an event must never break the SageMaker behaviour that emits it
        logger.warning("sandbox: could not emit the %s event", what, exc_info=True)


def _iso_times(value: Any) -> Any:
    if isinstance(value, datetime):
        return event_delivery.iso(value)
    if isinstance(value, dict):
        return {key: _iso_times(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_iso_times(item) for item in value]
    return value


def _epoch_ms_times(value: Any) -> Any:
    if isinstance(value, datetime):
        return int((value - EPOCH).total_seconds() * 1000)
    if isinstance(value, dict):
        return {key: _epoch_ms_times(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_epoch_ms_times(item) for item in value]
    return value


def upper_snake(status: str) -> str:
    """``InService`` -> ``IN_SERVICE``, as SageMaker's endpoint events spell statuses."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", status).upper()


def _arn_parts(arn: str) -> tuple[str, str]:
    """(account, region) of an ARN."""
    parts = str(arn).split(":")
    return parts[4], parts[3]


# --- model packages ---------------------------------------------------------------------------------------


def model_package_changed(account: str, region: str, package: Any, at: datetime) -> None:
    """A model package was created, or its approval status changed (``package`` a ``registry_model.Package``)."""

    def build() -> None:
        detail = _iso_times(package.describe())
        emit(account, region, MODEL_PACKAGE_STATE_CHANGE, [package.arn], detail, at)

    _guarded(build, MODEL_PACKAGE_STATE_CHANGE)


# --- pipeline executions ----------------------------------------------------------------------------------


def pipeline_execution_changed(account: str, region: str, execution: Any, previous: str | None,
                               at: datetime) -> None:
    """A pipeline execution's status changed from ``previous`` (None: it started) to its current one."""

    def build() -> None:
        detail: dict[str, Any] = {
            "pipelineExecutionDisplayName": execution.display_name,
            "currentPipelineExecutionStatus": execution.status,
            "previousPipelineExecutionStatus": previous,
            "executionStartTime": event_delivery.iso(execution.created),
            "executionEndTime": event_delivery.iso(execution.ended) if execution.ended else None,
            "pipelineExecutionDescription": execution.description,
            "pipelineArn": execution.pipeline_arn,
            "pipelineExecutionArn": execution.arn,
        }
        detail = {key: value for key, value in detail.items() if value is not None}
        emit(account, region, PIPELINE_EXECUTION_STATUS_CHANGE, [execution.pipeline_arn, execution.arn], detail, at)

    _guarded(build, PIPELINE_EXECUTION_STATUS_CHANGE)


# --- endpoints --------------------------------------------------------------------------------------------


def _endpoint_detail(endpoint: Any, at: datetime, deployment: bool) -> dict[str, Any]:
    described = copy.deepcopy(_endpoint_renderer[0](endpoint, at))
    if not deployment:
        described.pop("PendingDeploymentSummary", None)
    described["EndpointStatus"] = upper_snake(str(described.get("EndpointStatus", "")))
    described["Tags"] = {t["Key"]: t.get("Value", "") for t in getattr(endpoint, "tags", None) or []}
    return dict(_epoch_ms_times(described))


def endpoint_changed(endpoint: Any, at: datetime, *, state: bool = True, deployment: bool = False) -> None:
    """An endpoint's status changed (``state``: a State Change event) and/or its deployment moved on
    (``deployment``: a Deployment State Change event), as the endpoint is at ``at``."""

    def build() -> None:
        account, region = _arn_parts(endpoint.arn)
        if state:
            emit(account, region, ENDPOINT_STATE_CHANGE, [endpoint.arn], _endpoint_detail(endpoint, at, False), at)
        if deployment:
            detail = _endpoint_detail(endpoint, at, True)
            emit(account, region, ENDPOINT_DEPLOYMENT_STATE_CHANGE, [endpoint.arn], detail, at)

    if _endpoint_renderer:
        _guarded(build, ENDPOINT_STATE_CHANGE if state else ENDPOINT_DEPLOYMENT_STATE_CHANGE)


def announce_phases(endpoint: Any, operation: Any) -> None:
    """Emit a Deployment State Change at the start of each phase of ``operation`` (a ``lifecycle.Operation``)
    after its first, as the lazy clock reaches it (phases passed between two evaluations included)."""
    announced = [0]
    on_phase, on_complete = operation.on_phase, operation.on_complete

    def catch_up(until: datetime, inclusive: bool) -> None:
        for index, _phase, begin, _end in operation.spans():
            if index > announced[0] and (begin <= until if inclusive else begin < until):
                announced[0] = index
                endpoint_changed(endpoint, begin, state=False, deployment=True)

    def phase(progress: Any) -> None:
        if on_phase is not None:
            on_phase(progress)
        catch_up(progress.started, inclusive=True)

    def complete(at: datetime) -> None:
        catch_up(at, inclusive=False)
        on_complete(at)

    operation.on_phase = phase
    operation.on_complete = complete
