"""The Endpoint kind's schema: its request source, the `deploymentConfig` extension, the variant
`autoscaling` extension (as schema fragments), and the conversions between its spec form and
the API shapes (`split_variant_extensions`, `policy_to_api`, ...).

A variant's `autoscaling` is not a member of the CreateEndpointConfig shape: it is split off
before `to_api` and becomes the Application Auto Scaling resources of that variant. Its
`policies` and `scheduledActions` entries are the PutScalingPolicy / PutScheduledAction request
shapes without the members that identify the scalable target (`ServiceNamespace`,
`ResourceId`, `ScalableDimension`: the expansion adds those) and, for policies, without the
ECS-only `PredictiveScalingPolicyConfiguration`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from reconciler.aws.shapes import (
    UnknownFieldError,
    operation_input,
    request_from_api,
    request_to_api,
)
from reconciler.frozen import thaw as _plain
from reconciler.handlers import autoscaling as aas
from reconciler.spec.fragments import KindSource, MemberSource, NestedExtension, RequestDef

if TYPE_CHECKING:
    from botocore.model import StructureShape

# A variant's policies have no predictiveScalingPolicyConfiguration (ECS only). The PolicyType enum
# is left as botocore has it (PredictiveScaling included); semantic validation rejects that value.
SCALING_POLICY = RequestDef(
    def_name="ScalingPolicySpec",
    service=aas.SERVICE,
    operation="PutScalingPolicy",
    omit=aas.POLICY_OMIT,
    description=(
        "A scaling policy of the variant: the Application Auto Scaling PutScalingPolicy request in "
        "lowerCamelCase, without serviceNamespace, resourceId, scalableDimension and (ECS only) "
        "predictive scaling."
    ),
)

SCHEDULED_ACTION = RequestDef(
    def_name="ScheduledActionSpec",
    service=aas.SERVICE,
    operation="PutScheduledAction",
    omit=aas.ACTION_OMIT,
    description=(
        "A scheduled capacity change of the variant: the Application Auto Scaling PutScheduledAction "
        "request in lowerCamelCase, without serviceNamespace, resourceId and scalableDimension."
    ),
)

AUTOSCALING_DEF = "AutoscalingSpec"
AUTOSCALING_KEY = "autoscaling"

AUTOSCALING: Mapping[str, Any] = MappingProxyType(
    {
        "type": "object",
        "description": (
            "Application Auto Scaling of the variant: its scalable target's capacity range, a "
            "target-tracking shorthand, scaling policies and scheduled actions."
        ),
        "properties": {
            "minCapacity": {
                "type": "integer",
                "minimum": 0,
                "description": "Minimum capacity of the scalable target (RegisterScalableTarget MinCapacity).",
            },
            "maxCapacity": {
                "type": "integer",
                "minimum": 1,
                "description": "Maximum capacity of the scalable target (RegisterScalableTarget MaxCapacity).",
            },
            "targetInvocationsPerInstance": {
                "type": "number",
                "exclusiveMinimum": 0,
                "description": (
                    "Shorthand for a target-tracking policy on SageMakerVariantInvocationsPerInstance "
                    "(instance variants)."
                ),
            },
            "targetProvisionedConcurrencyUtilization": {
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": 1,
                "description": (
                    "Shorthand for a target-tracking policy on "
                    "SageMakerVariantProvisionedConcurrencyUtilization (serverless variants), in (0, 1]."
                ),
            },
            "scaleInCooldown": {
                "type": "integer",
                "minimum": 0,
                "description": "Scale-in cooldown of the shorthand policy, in seconds.",
            },
            "scaleOutCooldown": {
                "type": "integer",
                "minimum": 0,
                "description": "Scale-out cooldown of the shorthand policy, in seconds.",
            },
            "policies": {
                "type": "array",
                "items": {"$ref": f"#/$defs/{SCALING_POLICY.def_name}"},
                "description": "Scaling policies in the PutScalingPolicy request shape.",
            },
            "scheduledActions": {
                "type": "array",
                "items": {"$ref": f"#/$defs/{SCHEDULED_ACTION.def_name}"},
                "description": "Scheduled actions in the PutScheduledAction request shape.",
            },
        },
        "required": ["minCapacity", "maxCapacity"],
        "additionalProperties": False,
    }
)

ENDPOINT_VARIANT_EXTENSION = NestedExtension(
    path=("ProductionVariants",),
    def_name="ProductionVariantSpec",
    members=(
        (
            AUTOSCALING_KEY,
            MappingProxyType(
                {
                    "$ref": f"#/$defs/{AUTOSCALING_DEF}",
                    "description": (
                        "Application Auto Scaling for this variant (scalable target, scaling policies, "
                        "scheduled actions); a reconciler extension, not sent to CreateEndpointConfig."
                    ),
                }
            ),
        ),
    ),
    defs=MappingProxyType({AUTOSCALING_DEF: AUTOSCALING}),
    requests=(SCALING_POLICY, SCHEDULED_ACTION),
    description="A production variant: the ProductionVariant shape in lowerCamelCase plus autoscaling.",
)

SOURCE = KindSource(
    service="sagemaker",
    operation="CreateEndpointConfig",
    omit=("EndpointConfigName", "Tags"),
    extensions=(
        (
            "deploymentConfig",
            MemberSource(
                service="sagemaker",
                operation="UpdateEndpoint",
                member="DeploymentConfig",
                description=(
                    "Rollout guardrail used whenever the endpoint must change (blue/green "
                    "all-at-once, canary or linear, rolling, alarm-driven auto-rollback), in the "
                    "UpdateEndpoint DeploymentConfig shape."
                ),
            ),
        ),
    ),
    description=(
        "A SageMaker endpoint and its endpoint configuration: the CreateEndpointConfig request "
        "in lowerCamelCase, without endpointConfigName and tags, plus deploymentConfig and "
        "per-variant autoscaling."
    ),
    nested=(ENDPOINT_VARIANT_EXTENSION,),
)

UnknownFieldError.hint("ProductionVariant", AUTOSCALING_KEY,
                       "autoscaling is a reconciler extension: split it off with split_variant_extensions() first")


def spec_shape() -> StructureShape:
    """``CreateEndpointConfigInput``: the AWS request shape an Endpoint's spec is written in."""
    return operation_input(SOURCE.service, SOURCE.operation)


def deployment_config_shape() -> StructureShape:
    """``UpdateEndpointInput.DeploymentConfig``: the shape of an Endpoint's ``deploymentConfig``."""
    return cast("StructureShape", operation_input("sagemaker", "UpdateEndpoint").members["DeploymentConfig"])


def scaling_policy_shape() -> StructureShape:
    """``PutScalingPolicyRequest`` (Application Auto Scaling): the shape of an autoscaling policy.

    The spec form leaves out ``SCALING_POLICY.omit`` (``ServiceNamespace``, ``ResourceId``,
    ``ScalableDimension``, ``PredictiveScalingPolicyConfiguration``), which this shape still contains.
    """
    return operation_input(SCALING_POLICY.service, SCALING_POLICY.operation)


def scheduled_action_shape() -> StructureShape:
    """``PutScheduledActionRequest`` (Application Auto Scaling): the shape of a scheduled action,
    including the members the spec form leaves out (see ``scaling_policy_shape``)."""
    return operation_input(SCHEDULED_ACTION.service, SCHEDULED_ACTION.operation)


def split_variant_extensions(
    spec_variants: Iterable[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any] | None]]:
    """Separate the ``autoscaling`` extension from an Endpoint spec's ``productionVariants``.

    Returns ``(variants, autoscaling)``: the variants without ``autoscaling`` (ready for
    ``to_api``), in their order, and ``{variantName: autoscaling spec, or None when the variant has
    none}`` for every variant. Accepts plain or frozen values and returns plain ones. Raises
    ``ValueError`` when a variant has no string ``variantName`` or two variants share one, and
    ``TypeError`` when a variant is not a mapping.
    """
    variants: list[dict[str, Any]] = []
    autoscaling: dict[str, dict[str, Any] | None] = {}
    for index, variant in enumerate(spec_variants):
        if not isinstance(variant, Mapping):
            raise TypeError(f"expected a mapping at productionVariants[{index}], got {type(variant).__name__}")
        name = variant.get("variantName")
        if not isinstance(name, str):
            raise ValueError(f"productionVariants[{index}] has no variantName")
        if name in autoscaling:
            raise ValueError(f"productionVariants[{index}]: variantName {name!r} is used twice")
        extension = variant.get(AUTOSCALING_KEY)
        autoscaling[name] = _plain(extension) if extension is not None else None
        variants.append({key: _plain(item) for key, item in variant.items() if key != AUTOSCALING_KEY})
    return variants, autoscaling


def join_variant_extensions(
    spec_variants: Iterable[Mapping[str, Any]], autoscaling: Mapping[str, Mapping[str, Any] | None]
) -> list[dict[str, Any]]:
    """The inverse of ``split_variant_extensions``: each variant with ``autoscaling`` set from
    ``autoscaling[variantName]`` when that is present and not None. Returns plain values."""
    out: list[dict[str, Any]] = []
    for variant in spec_variants:
        joined = {key: _plain(item) for key, item in variant.items()}
        extension = autoscaling.get(variant.get("variantName", ""))
        if extension is not None:
            joined[AUTOSCALING_KEY] = _plain(extension)
        out.append(joined)
    return out


def policy_to_api(policy: Mapping[str, Any]) -> dict[str, Any]:
    """One ``autoscaling.policies`` entry -> ``PutScalingPolicy`` parameters (API casing), without
    ``ServiceNamespace``/``ResourceId``/``ScalableDimension``. Unknown keys, including the spec
    forms of those three and the ECS-only ``predictiveScalingPolicyConfiguration``, raise
    ``UnknownFieldError``."""
    return _to_api(policy, SCALING_POLICY)


def policy_from_api(api: Mapping[str, Any], *, drop_unknown: bool = True) -> dict[str, Any]:
    """A scaling policy in API form (a ``DescribeScalingPolicies`` entry or ``PutScalingPolicy``
    parameters) -> its ``autoscaling.policies`` spec form: the inverse of ``policy_to_api``.

    By default members the spec does not have (``PolicyARN``, ``Alarms``, ``CreationTime``, the
    scalable-target members, ``PredictiveScalingPolicyConfiguration``) are dropped; with
    ``drop_unknown=False`` they raise ``UnknownFieldError``.
    """
    return _from_api(api, SCALING_POLICY, drop_unknown)


def scheduled_action_to_api(action: Mapping[str, Any]) -> dict[str, Any]:
    """One ``autoscaling.scheduledActions`` entry -> ``PutScheduledAction`` parameters (API casing),
    without ``ServiceNamespace``/``ResourceId``/``ScalableDimension``; see ``policy_to_api``."""
    return _to_api(action, SCHEDULED_ACTION)


def scheduled_action_from_api(api: Mapping[str, Any], *, drop_unknown: bool = True) -> dict[str, Any]:
    """A scheduled action in API form (a ``DescribeScheduledActions`` entry or ``PutScheduledAction``
    parameters) -> its spec form: the inverse of ``scheduled_action_to_api``; see ``policy_from_api``.
    Timestamps (``StartTime``, ``EndTime``) come back as ISO 8601 strings."""
    return _from_api(api, SCHEDULED_ACTION, drop_unknown)


def _to_api(value: Mapping[str, Any], request: RequestDef) -> dict[str, Any]:
    return request_to_api(value, request.service, request.operation, omit=request.omit, name=request.def_name)


def _from_api(value: Mapping[str, Any], request: RequestDef, drop_unknown: bool) -> dict[str, Any]:
    return request_from_api(value, request.service, request.operation, omit=request.omit, name=request.def_name,
                            drop_unknown=drop_unknown)
