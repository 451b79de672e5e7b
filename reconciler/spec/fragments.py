"""Hand-written schema fragments: the only parts of the spec schemas not generated from botocore.

Everything a spec kind accepts comes from botocore's service model except what this module
declares as data:

- the document envelope constants (``apiVersion``, the reference syntax, tag maps) and
  ``RESOURCE_ENVELOPE``, the envelope members of every kind except ``Stack`` (``protect``);
- ``SERVICES``: the botocore services the schemas draw shapes from, in precedence order. A shape
  of the first service keeps its name as its ``$defs`` key; a shape of a later service whose name
  is also a shape of an earlier service (or a hand-written definition) is namespaced as
  ``<ServiceId>.<Shape>`` (``ApplicationAutoScaling.MetricName``, ``CloudWatch.Dimension``), so
  definitions never collide;
- ``KIND_SOURCES``: which AWS create-request shape a generated kind's ``spec`` is, which of its
  members are left out (the name is derived from the document, tags come from ``tags:``), the
  extension members added on top (each generated from a member of another botocore shape), and
  the nested extensions (hand-written members added to one structure inside the request);
- ``ENDPOINT_VARIANT_EXTENSION``: the Endpoint variant ``autoscaling`` member (Application Auto
  Scaling scalable target, target-tracking shorthand, scaling policies and scheduled actions);
  ``SCALING_POLICY`` and ``SCHEDULED_ACTION`` are the generated request shapes it refers to;
- ``STACK_SPEC``: the ``Stack`` kind, whose spec is entirely hand-written settings.

``reconciler.spec.schemagen`` merges these with the generated shapes; ``reconciler.spec.shapes``
uses ``KIND_SOURCES``, ``SCALING_POLICY`` and ``SCHEDULED_ACTION`` to find the botocore shapes
spec values convert to. Keeping the fragments as plain data means adding an extension is an entry
here, not new generator code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

API_VERSION = "reconciler/v1"

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE_URL = "https://reconciler.dev/schemas/"

# The document names a reference can point at: letters, digits, '.', '_' and '-', starting and
# ending with a letter or digit (``churn-xgb``, ``churn_5xx``, ``p99.latency``). Every SageMaker
# name qualifies; an Alarm name may hold other characters (spaces, '/', ':'), but then no
# document can reference it.
REFERENCE_NAME_PATTERN = r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?"

# A reference to another document's attribute; always the whole string.
REFERENCE_PATTERN = r"^\$\{[A-Z][A-Za-z]+\." + REFERENCE_NAME_PATTERN + r"\.(name|arn)\}$"

REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]+$"
ACCOUNT_ID_PATTERN = r"^[0-9]{12}$"

# Names of the hand-written $defs. The generator refuses to run if botocore ever defines a
# shape with one of these names, so generated and hand-written definitions never collide.
REFERENCE_DEF = "Reference"
TAG_MAP_DEF = "TagMap"

# Botocore services the schemas use, in precedence order (see the module docstring).
SERVICES: tuple[str, ...] = ("sagemaker", "application-autoscaling", "cloudwatch")


def spec_def_name(kind: str) -> str:
    """The $defs key of a kind's spec schema (``Model`` -> ``ModelSpec``)."""
    return f"{kind}Spec"


@dataclass(frozen=True)
class MemberSource:
    """An extension member whose schema is generated from a member of an operation's input shape."""

    service: str
    operation: str
    member: str
    description: str


@dataclass(frozen=True)
class KindSource:
    """A generated kind: an operation's input shape, minus ``omit``, plus ``extensions`` and ``nested``.

    ``omit`` holds API (CamelCase) member names; ``extensions`` maps lowerCamelCase spec keys to
    their sources, in the order they are documented; ``nested`` extends structures inside the shape.
    """

    service: str
    operation: str
    omit: tuple[str, ...]
    extensions: tuple[tuple[str, MemberSource], ...]
    description: str
    nested: tuple[NestedExtension, ...] = ()


@dataclass(frozen=True)
class RequestDef:
    """A generated ``$defs`` entry named ``def_name``: an operation's input shape in spec
    (lowerCamelCase) form, minus the API members in ``omit`` (which the reconciler fills in)."""

    def_name: str
    service: str
    operation: str
    omit: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class NestedExtension:
    """Hand-written members added to one structure inside a kind's request shape.

    ``path`` holds API member names leading from the kind's request shape to the structure; lists
    and maps on the way are entered transparently (``("ProductionVariants",)`` reaches
    ``ProductionVariant`` through ``ProductionVariantList``). Only that occurrence is extended: the
    structure is copied to the ``$defs`` entry ``def_name`` with ``members`` (lowerCamelCase key ->
    JSON Schema) added, so other uses of the same shape (``ShadowProductionVariants``) keep the plain
    definition. The member schemas may ``$ref`` the hand-written ``defs`` and the generated
    ``requests`` declared here.
    """

    path: tuple[str, ...]
    def_name: str
    members: tuple[tuple[str, Mapping[str, Any]], ...]
    defs: Mapping[str, Mapping[str, Any]]
    requests: tuple[RequestDef, ...]
    description: str


# The members of an Application Auto Scaling request that identify the scalable target; the
# reconciler derives them from the endpoint and variant, so specs never carry them.
AAS_TARGET_MEMBERS: tuple[str, ...] = ("ServiceNamespace", "ResourceId", "ScalableDimension")

# Predictive scaling is for ECS services only: a SageMaker variant cannot use it, so a variant's
# policies have no predictiveScalingPolicyConfiguration. The PolicyType enum is left as botocore
# has it (PredictiveScaling included); semantic validation rejects that value.
AAS_ECS_ONLY_MEMBERS: tuple[str, ...] = ("PredictiveScalingPolicyConfiguration",)

SCALING_POLICY = RequestDef(
    def_name="ScalingPolicySpec",
    service="application-autoscaling",
    operation="PutScalingPolicy",
    omit=(*AAS_TARGET_MEMBERS, *AAS_ECS_ONLY_MEMBERS),
    description=(
        "A scaling policy of the variant: the Application Auto Scaling PutScalingPolicy request in "
        "lowerCamelCase, without serviceNamespace, resourceId, scalableDimension and (ECS only) "
        "predictive scaling."
    ),
)

SCHEDULED_ACTION = RequestDef(
    def_name="ScheduledActionSpec",
    service="application-autoscaling",
    operation="PutScheduledAction",
    omit=AAS_TARGET_MEMBERS,
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

KIND_SOURCES: Mapping[str, KindSource] = MappingProxyType(
    {
        "Model": KindSource(
            service="sagemaker",
            operation="CreateModel",
            omit=("ModelName", "Tags"),
            extensions=(),
            description=(
                "A SageMaker model: the CreateModel request in lowerCamelCase, without modelName "
                "(derived from the document name and a content hash) and tags (use the document's tags)."
            ),
        ),
        "Endpoint": KindSource(
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
        ),
        "Alarm": KindSource(
            service="cloudwatch",
            operation="PutMetricAlarm",
            omit=("AlarmName", "Tags"),
            extensions=(),
            description=(
                "A CloudWatch metric alarm: the PutMetricAlarm request in lowerCamelCase, without "
                "alarmName (the document name) and tags (use the document's tags)."
            ),
        ),
        "ShadowTest": KindSource(
            service="sagemaker",
            operation="CreateInferenceExperiment",
            omit=("Name", "Type", "Tags"),
            extensions=(),
            description=(
                "A SageMaker shadow test: the CreateInferenceExperiment request in lowerCamelCase, "
                "without name (the document name), type (always ShadowMode) and tags (use the "
                "document's tags)."
            ),
        ),
    }
)

TAG_MAP: Mapping[str, Any] = MappingProxyType(
    {
        "type": "object",
        "description": "Tags as a {key: value} map of strings.",
        "propertyNames": {"minLength": 1, "maxLength": 128},
        "additionalProperties": {"type": "string", "maxLength": 256},
    }
)

REFERENCE: Mapping[str, Any] = MappingProxyType(
    {
        "type": "string",
        # A $comment, not a description: editors would show it on hover over every string field.
        "$comment": (
            "A reference to another document: ${Kind.name.name} or ${Kind.name.arn}; the name uses "
            "letters, digits, '.', '_' and '-', starting and ending with a letter or digit."
        ),
        "pattern": REFERENCE_PATTERN,
    }
)

STACK_SPEC: Mapping[str, Any] = MappingProxyType(
    {
        "type": "object",
        "description": "Stack-wide settings; exactly one Stack document per stack directory.",
        "properties": {
            "region": {
                "type": "string",
                "description": "AWS region of the stack, e.g. us-east-1.",
                "pattern": REGION_PATTERN,
            },
            "accountId": {
                "type": "string",
                "description": "Guard: refuse to plan or apply in any other AWS account (12 digits).",
                "pattern": ACCOUNT_ID_PATTERN,
            },
            "tags": {
                "$ref": f"#/$defs/{TAG_MAP_DEF}",
                "description": "Tags for every resource of the stack; a document's tags override these.",
            },
            "prune": {
                "type": "boolean",
                "default": False,
                "description": (
                    "Delete owned resources whose documents left the specs; when false, plan reports them."
                ),
            },
        },
        "additionalProperties": False,
    }
)

# Envelope members, beside the kind-specific `kind` and `spec`.
ENVELOPE_DESCRIPTIONS: Mapping[str, str] = MappingProxyType(
    {
        "apiVersion": "Version of the spec format; always reconciler/v1.",
        "kind": "What this document declares.",
        "name": (
            "Unique per kind within the stack; references use it as ${Kind.name.attr} (possible when it "
            "uses only letters, digits, '.', '_' and '-')."
        ),
        "spec": "The kind's settings: the AWS create request in lowerCamelCase plus reconciler extensions.",
        "tags": "Tags for every AWS resource this document owns, merged over the Stack's tags.",
    }
)

# Envelope members of every kind except Stack (which owns no AWS resources), beside `tags`.
PROTECT_KEY = "protect"

RESOURCE_ENVELOPE: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        PROTECT_KEY: MappingProxyType(
            {
                "type": "boolean",
                "default": False,
                "description": (
                    "When true, plan refuses to delete or replace the AWS resources of this document; "
                    "set it to false (and apply) before removing or replacing them."
                ),
            }
        ),
    }
)
