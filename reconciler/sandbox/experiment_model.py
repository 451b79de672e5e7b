"""Inference experiments: the record DescribeInferenceExperiment shows, where it is kept, and request checks.

Experiments live on moto's SageMaker backend (``experiments_of``), so moto's
reset forgets them. The checks are AWS's documented rules (ShadowMode with one
source and one shadow variant, existing models, real-time instance types, a
schedule of at most 30 days defaulting to 7 from now, no experiment on
asynchronous or serverless endpoints, one active experiment per endpoint); the
exact wording of their messages is unconfirmed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from moto.sagemaker.exceptions import MissingModel, ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend

from reconciler.sandbox import endpoint_state as state
from reconciler.sandbox.lifecycle import Operation
from reconciler.sandbox.shapes import check_instance_type

DEFAULT_DURATION = timedelta(days=7)
MAX_DURATION = timedelta(days=30)
STORE_ATTRIBUTE = "sandbox_inference_experiments"
BUSY = frozenset({"Creating", "Starting", "Stopping"})
ACTIVE = BUSY | {"Created", "Running"}


@dataclass
class Experiment:
    """One inference experiment, as DescribeInferenceExperiment shows it, plus its timeline."""

    name: str
    arn: str
    endpoint_name: str
    role_arn: str
    model_variants: list[dict[str, Any]]
    shadow_mode_config: dict[str, Any]
    start_time: datetime
    end_time: datetime
    created: datetime
    description: str | None = None
    data_storage_config: dict[str, Any] | None = None
    kms_key: str | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    status: str = "Creating"
    status_reason: str | None = None
    last_modified: datetime | None = None
    completed: datetime | None = None
    variant_status: dict[str, str] = field(default_factory=dict)
    operation: Operation | None = None

    @property
    def source(self) -> str:
        return str(self.shadow_mode_config["SourceModelVariantName"])

    @property
    def shadow(self) -> dict[str, Any]:
        return dict(self.shadow_mode_config["ShadowModelVariants"][0])

    def variant(self, name: str) -> dict[str, Any]:
        return next(v for v in self.model_variants if v["VariantName"] == name)


def experiments_of(backend: SageMakerModelBackend) -> dict[str, Experiment]:
    store = getattr(backend, STORE_ATTRIBUTE, None)
    if store is None:
        store = {}
        setattr(backend, STORE_ATTRIBUTE, store)
    return store


def find(backend: SageMakerModelBackend, name: str) -> Experiment:
    experiment = experiments_of(backend).get(name)
    if experiment is None:
        arn = experiment_arn(backend, name)
        raise ResourceNotFound(f'Inference experiment "{arn}" does not exist.')
    return experiment


def find_by_arn(backend: SageMakerModelBackend, arn: str) -> Experiment | None:
    return next((e for e in experiments_of(backend).values() if e.arn == arn), None)


def check_endpoint(backend: SageMakerModelBackend, endpoint: FakeEndpoint) -> None:
    state.require_status(endpoint, "create an inference experiment on")
    config = state.runtime_of(endpoint).config
    if config.get("AsyncInferenceConfig"):
        raise ValidationError(f'Inference experiments are not supported for asynchronous endpoint "{endpoint.arn}".')
    if any(v.get("ServerlessConfig") for v in config.get("ProductionVariants", [])):
        raise ValidationError(f'Inference experiments are not supported for serverless endpoint "{endpoint.arn}".')
    for other in experiments_of(backend).values():
        if other.endpoint_name == endpoint.endpoint_name and other.status in ACTIVE:
            raise ResourceInUseException(
                f'Endpoint "{endpoint.endpoint_name}" already has an active inference experiment "{other.name}".'
            )


def check_variants(
    backend: SageMakerModelBackend, variants: Sequence[Mapping[str, Any]], shadow_config: Mapping[str, Any]
) -> None:
    names = [v["VariantName"] for v in variants]
    if len(set(names)) != len(names):
        raise ValidationError("ModelVariants must have unique VariantName values.")
    for variant in variants:
        if variant["ModelName"] not in backend._models:
            raise MissingModel(model=variant["ModelName"])
        infra = variant["InfrastructureConfig"]
        if infra.get("InfrastructureType") != "RealTimeInference":
            raise ValidationError("InfrastructureType must be RealTimeInference.")
        check_instance_type(infra["RealTimeInferenceConfig"]["InstanceType"])
    source = shadow_config.get("SourceModelVariantName")
    shadows = shadow_config.get("ShadowModelVariants") or []
    if source not in names:
        raise ValidationError(f'SourceModelVariantName "{source}" is not one of the ModelVariants.')
    if len(shadows) != 1:
        raise ValidationError("ShadowModeConfig must have exactly one shadow model variant.")
    shadow = shadows[0]["ShadowModelVariantName"]
    if shadow not in names or shadow == source:
        raise ValidationError(
            f'ShadowModelVariantName "{shadow}" must be one of the ModelVariants other than the source variant.'
        )


def schedule_window(schedule: Mapping[str, Any] | None, now: datetime) -> tuple[datetime, datetime]:
    schedule = schedule or {}
    start = timestamp(schedule["StartTime"]) if schedule.get("StartTime") is not None else now
    end = timestamp(schedule["EndTime"]) if schedule.get("EndTime") is not None else start + DEFAULT_DURATION
    if end <= start:
        raise ValidationError("The schedule's EndTime must be later than its StartTime.")
    if end - start > MAX_DURATION:
        raise ValidationError("An inference experiment can run for at most 30 days.")
    return start, end


def timestamp(value: Any) -> datetime:
    """A request timestamp (datetime, epoch seconds or ISO 8601) as naive UTC, like moto's."""
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, (int, float)):
        stamp = datetime.fromtimestamp(value, timezone.utc)
    else:
        stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return stamp.astimezone(timezone.utc).replace(tzinfo=None) if stamp.tzinfo else stamp


def seconds_until(moment: datetime, now: datetime) -> float:
    return max(0.0, (moment - now).total_seconds())


def experiment_arn(backend: SageMakerModelBackend, name: str) -> str:
    return f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:inference-experiment/{name}"
