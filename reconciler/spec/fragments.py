"""Hand-written schema fragments: the only parts of the spec schemas not generated from botocore.

Everything a spec kind accepts comes from botocore's service model except what this module
declares as data:

- the document envelope constants (``apiVersion``, the reference syntax, tag maps);
- ``KIND_SOURCES``: which AWS create-request shape a generated kind's ``spec`` is, which of its
  members are left out (the name is derived from the document, tags come from ``tags:``), and the
  extension members added on top (each generated from a member of another botocore shape);
- ``STACK_SPEC``: the ``Stack`` kind, whose spec is entirely hand-written settings.

``reconciler.spec.schemagen`` merges these with the generated shapes; ``reconciler.spec.shapes``
uses ``KIND_SOURCES`` to find a kind's botocore shape. Keeping the fragments as plain data means
adding an extension (e.g. variant ``autoscaling``) is an entry here, not new generator code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

API_VERSION = "reconciler/v1"

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE_URL = "https://reconciler.dev/schemas/"

# A reference to another document's attribute; always the whole string.
REFERENCE_PATTERN = r"^\$\{[A-Z][A-Za-z]+\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.(name|arn)\}$"

REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]+$"
ACCOUNT_ID_PATTERN = r"^[0-9]{12}$"

# Names of the hand-written $defs. The generator refuses to run if botocore ever defines a
# shape with one of these names, so generated and hand-written definitions never collide.
REFERENCE_DEF = "Reference"
TAG_MAP_DEF = "TagMap"


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
    """A generated kind: an operation's input shape, minus ``omit``, plus ``extensions``.

    ``omit`` holds API (CamelCase) member names; ``extensions`` maps lowerCamelCase spec keys to
    their sources, in the order they are documented.
    """

    service: str
    operation: str
    omit: tuple[str, ...]
    extensions: tuple[tuple[str, MemberSource], ...]
    description: str


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
                "in lowerCamelCase, without endpointConfigName and tags, plus deploymentConfig."
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
        "$comment": "A reference to another document: ${Kind.name.name} or ${Kind.name.arn}.",
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
        "name": "Unique per kind within the stack; references use it as ${Kind.name.attr}.",
        "spec": "The kind's settings: the AWS create request in lowerCamelCase plus reconciler extensions.",
        "tags": "Tags for every AWS resource this document owns, merged over the Stack's tags.",
    }
)
