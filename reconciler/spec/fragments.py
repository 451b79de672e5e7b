"""Schema fragments every kind shares, and the data types a kind describes its schema with.

Everything a spec kind accepts comes from botocore's service model except what is declared as
data: this module holds the parts that are the same for every kind (the document envelope
constants, the reference syntax, tag maps, ``RESOURCE_ENVELOPE`` with ``protect``) and the types
a kind module fills in to say what its ``spec`` is:

- ``KindSource``: which AWS create-request shape a generated kind's ``spec`` is, which of its
  members are left out (the name is derived from the document, tags come from ``tags:``), the
  extension members added on top (each generated from a member of another botocore shape), and
  the nested extensions (hand-written members added to one structure inside the request);
- ``NestedExtension`` and ``RequestDef``: hand-written members inside a request (the Endpoint
  variant ``autoscaling``) and the generated request shapes they refer to.

``reconciler.spec.schemagen`` merges these with the generated shapes. Keeping the fragments as
plain data means adding an extension is an entry in the kind's module, not new generator code.
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

# Names of the hand-written $defs. The generator refuses to run if botocore ever defines a
# shape with one of these names, so generated and hand-written definitions never collide.
REFERENCE_DEF = "Reference"
TAG_MAP_DEF = "TagMap"


def spec_def_name(kind: str) -> str:
    """The $defs key of a kind's spec schema (``Model`` -> ``ModelSpec``)."""
    return f"{kind}Spec"


@dataclass(frozen=True)
class MemberSource:
    """An extension member whose schema is generated from a member of an operation's input shape;
    `member` may be a dotted path into it (``MonitoringScheduleConfig.ScheduleConfig``)."""

    service: str
    operation: str
    member: str
    description: str


@dataclass(frozen=True)
class KindSource:
    """A generated kind: an operation's input shape, minus ``omit``, plus ``extensions`` and ``nested``.

    ``omit`` holds API (CamelCase) member names; ``extensions`` maps lowerCamelCase spec keys to
    their sources (a ``MemberSource``, or a hand-written JSON Schema for a member botocore has no
    shape for, such as a pipeline definition given as YAML), in the order they are documented;
    ``nested`` extends structures inside the shape.
    """

    service: str
    operation: str
    omit: tuple[str, ...]
    extensions: tuple[tuple[str, MemberSource | Mapping[str, Any]], ...]  # generated, or a hand-written schema
    description: str
    nested: tuple[NestedExtension, ...] = ()

    def services(self) -> tuple[str, ...]:
        """The botocore services this kind's schema draws shapes from, in order of first use."""
        found = [self.service, *(source.service for _, source in self.extensions if isinstance(source, MemberSource))]
        found += [request.service for extension in self.nested for request in extension.requests]
        return tuple(dict.fromkeys(found))

    def def_names(self) -> tuple[str, ...]:
        """The hand-written ``$defs`` keys this source declares (nested extensions and their parts)."""
        names: list[str] = []
        for extension in self.nested:
            names += [extension.def_name, *extension.defs, *(r.def_name for r in extension.requests)]
        return tuple(names)


@dataclass(frozen=True)
class ChoiceSource:
    """A generated kind whose ``spec`` is a few members plus one member (``member``) whose shape is one of
    several request shapes, chosen by the value of another member (``discriminator``).

    ``choices`` maps each discriminator value to the ``RequestDef`` that ``member`` then is: the schema
    has one ``if``/``then`` branch per value, so a member of another choice's request is an unknown field
    (with a "did you mean"). ``members`` are the other members: a hand-written JSON Schema or a
    ``MemberSource`` generated from botocore. (MonitoringSchedule: ``monitoringType`` chooses which
    Create*JobDefinition request ``jobDefinition`` is.)
    """

    description: str
    discriminator: str
    discriminator_description: str
    member: str
    member_description: str
    choices: tuple[tuple[str, RequestDef], ...]
    members: tuple[tuple[str, Mapping[str, Any] | MemberSource], ...]
    required: tuple[str, ...]

    def services(self) -> tuple[str, ...]:
        found = [request.service for _, request in self.choices]
        found += [m.service for _, m in self.members if isinstance(m, MemberSource)]
        return tuple(dict.fromkeys(found))

    def def_names(self) -> tuple[str, ...]:
        return tuple(request.def_name for _, request in self.choices)


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
    ``requests`` declared here. ``alternatives`` widen existing members: a value that is an
    object is checked against the alternative schema, anything else against the generated one
    (a container's ``image`` may be a URI or ``{framework, version}``).
    """

    path: tuple[str, ...]
    def_name: str
    members: tuple[tuple[str, Mapping[str, Any]], ...]
    defs: Mapping[str, Mapping[str, Any]]
    requests: tuple[RequestDef, ...]
    description: str
    alternatives: tuple[tuple[str, Mapping[str, Any]], ...] = ()


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
