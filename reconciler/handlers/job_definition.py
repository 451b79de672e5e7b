"""What the four Model Monitor job-definition types share (data quality, model quality, model bias,
model explainability): the monitoring types as data, and the handler base they specialise.

Not a handler module itself. Each type is `<kind>-job-definition/<name>-<hash>`: immutable
(SageMaker has Create, Describe, List and Delete, no Update) and content-addressed, so a changed
definition is a new one, the schedule is pointed at it, and the old one is collected once nothing
uses it. A definition reads an endpoint (its `EndpointInput`) or batch-transform output; an
endpoint outside the stack must exist in the account (checked at plan time). Missing definitions:
`find` returns None (SageMaker answers ResourceNotFound).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from reconciler.addressing import Address
from reconciler.aws.shapes import InputMembers
from reconciler.diff.policy import FieldPolicy
from reconciler.frozen import thaw
from reconciler.handlers.base import Assessment, PlanContext
from reconciler.handlers.immutable import ImmutableSageMakerHandler
from reconciler.handlers.sagemaker_common import read
from reconciler.resources import Desired, Live

ENDPOINT_TYPE = "endpoint"


@dataclass(frozen=True)
class MonitoringType:
    """One Model Monitor type: its API names and its limits."""

    name: str  # MonitoringType: "DataQuality"
    address_type: str  # "data-quality-job-definition" (also the ARN's resource type)
    noun: str  # "data quality job definition"
    hourly_max_runtime: int  # MaxRuntimeInSeconds allowed on an hourly schedule
    needs_ground_truth: bool  # its job input needs GroundTruthS3Input
    needs_config_uri: bool  # its app specification needs ConfigUri (the analysis configuration)

    @property
    def create_operation(self) -> str:
        return f"Create{self.name}JobDefinition"

    @property
    def describe_operation(self) -> str:
        return f"Describe{self.name}JobDefinition"

    @property
    def delete_operation(self) -> str:
        return f"Delete{self.name}JobDefinition"

    def member(self, suffix: str) -> str:
        """The API member of this type's request: `JobInput` -> `DataQualityJobInput`."""
        return f"{self.name}{suffix}"

    def spec_member(self, suffix: str) -> str:
        """The same member in spec form: `JobInput` -> `dataQualityJobInput`."""
        return self.name[0].lower() + self.name[1:] + suffix


MONITORING_TYPES: dict[str, MonitoringType] = {
    t.name: t for t in (
        MonitoringType("DataQuality", "data-quality-job-definition", "data quality job definition", 3600, False,
                       False),
        MonitoringType("ModelQuality", "model-quality-job-definition", "model quality job definition", 1800, True,
                       False),
        MonitoringType("ModelBias", "model-bias-job-definition", "model bias job definition", 1800, True, True),
        MonitoringType("ModelExplainability", "model-explainability-job-definition",
                       "model explainability job definition", 3600, False, True),
    )
}
JOB_DEFINITION_TYPES = tuple(t.address_type for t in MONITORING_TYPES.values())


def by_address_type(address_type: str) -> MonitoringType | None:
    return next((t for t in MONITORING_TYPES.values() if t.address_type == address_type), None)


def endpoint_read(monitoring: MonitoringType, request: Any) -> str | None:
    """The endpoint a job definition (create request or describe output, API form) reads; None for batch input."""
    job_input = (request or {}).get(monitoring.member("JobInput")) or {}
    return (job_input.get("EndpointInput") or {}).get("EndpointName")


class JobDefinitionHandler(ImmutableSageMakerHandler):
    """A Model Monitor job definition of one type (set `monitoring` in the subclass)."""

    monitoring: ClassVar[MonitoringType]
    name_param = "JobDefinitionName"
    arn_key = "JobDefinitionArn"
    after = (ENDPOINT_TYPE,)  # created after the endpoint it reads; deleted before it

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        m = cls.monitoring
        cls.type = cls.arn_type = m.address_type
        cls.tagging_type = f"sagemaker:{m.address_type}"
        cls.noun = m.noun
        cls.create_operation, cls.describe_operation = m.create_operation, m.describe_operation
        cls.delete_operation = m.delete_operation
        cls.operations = frozenset({m.create_operation, m.delete_operation, "AddTags", "DeleteTags"})
        cls.shape = ("sagemaker", m.create_operation)
        job_input, output = m.member("JobInput"), m.member("JobOutputConfig")
        cls.policy = FieldPolicy(
            members=InputMembers("sagemaker", m.create_operation, omit=("JobDefinitionName", "Tags")),
            defaults=(
                ("StoppingCondition", {"MaxRuntimeInSeconds": 3600}),  # SageMaker's default runtime
                (f"{job_input}.EndpointInput.S3InputMode", "File"),
                (f"{job_input}.EndpointInput.S3DataDistributionType", "FullyReplicated"),
                (f"{job_input}.BatchTransformInput.S3InputMode", "File"),
                (f"{job_input}.BatchTransformInput.S3DataDistributionType", "FullyReplicated"),
                (f"{output}.MonitoringOutputs[].S3Output.S3UploadMode", "EndOfJob"),
            ),
            numbers=(("StoppingCondition.MaxRuntimeInSeconds", int),),
        )

    def uses(self, view: Any, desired: Desired | None, live: Live | None) -> set[Address]:
        """The endpoint it reads (from `desired` when there is one, else live); empty for batch input."""
        source = thaw(desired.request) if desired is not None else (live.data if live is not None else None)
        name = endpoint_read(self.monitoring, source)
        return {Address(ENDPOINT_TYPE, name)} if name else set()

    def group(self, address: Address, desired: Desired | None, live: Live | None) -> Address | None:
        """A definition reading an endpoint is created in that endpoint's rollout group, after it."""
        source = thaw(desired.request) if desired is not None else (live.data if live is not None else None)
        name = endpoint_read(self.monitoring, source)
        return Address(ENDPOINT_TYPE, name) if name else None

    def assess(self, ctx: PlanContext, desired: Desired, live: Live | None) -> Assessment:
        """Tags only once it exists (its name is its content); an endpoint it reads from outside the stack
        must exist in the account, and should capture data. None before when missing."""
        name = endpoint_read(self.monitoring, thaw(desired.request))
        if name and Address(ENDPOINT_TYPE, name) not in ctx.desired:
            found = read(ctx.clients.sagemaker, "DescribeEndpoint", {"EndpointName": name})
            capture = (found or {}).get("DataCaptureConfig") or {}
            if found is None and live is None:
                at = (desired.extra.get("positions") or {}).get("endpointName")
                ctx.error(desired, f"endpoint '{name}' is neither an Endpoint document of this stack nor an endpoint "
                                   f"in account {ctx.account} ({ctx.region}); define it, or fix "
                                   "endpointInput.endpointName", at=at)
            elif found is None:  # the definition exists: a live fact to act on, not a spec problem
                ctx.warnings.append(f"{desired.address}: endpoint '{name}' (outside this stack) no longer exists, so "
                                    "its monitoring executions fail")
            elif not capture.get("EnableCapture"):
                ctx.warnings.append(f"{desired.address}: endpoint '{name}' (outside this stack) does not capture "
                                    "data, so its monitoring jobs have nothing to read")
            else:
                ctx.notes.append(f"endpoint/{name}: data capture {capture.get('CaptureStatus')}, sampling "
                                 f"{capture.get('CurrentSamplingPercentage')}% to {capture.get('DestinationS3Uri')} "
                                 "(outside this stack; read by its monitoring schedules)")
        return super().assess(ctx, desired, live)
