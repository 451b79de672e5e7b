"""The SchemaRegistry kind's schema source: the CreateRegistry request without its name and tags
(`description`), plus `schemas` (each with its content inline as YAML or in a file) and `discoverer`."""

from __future__ import annotations

from types import MappingProxyType

from reconciler.handlers.schema_registry import MAX_DESCRIPTION, SCHEMA_TYPES
from reconciler.spec.fragments import REFERENCE_DEF, KindSource

# No rule in botocore for either name (plain strings): these are the characters EventBridge's own names
# use (`aws.events`, `aws.sagemaker@ModelPackageStateChange`), and nothing that would break the URL path.
SCHEMA_NAME_PATTERN = r"^[A-Za-z0-9._@-]+$"
SCHEMA_NAME_MAX = 385  # unconfirmed (botocore has no limit)
EVENT_BUS_ARN_PATTERN = r"^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]+$"
CONTENT_KEYS = ("content", "contentFile")

SCHEMA_ITEM = MappingProxyType({
    "type": "object",
    "description": "One schema of the registry (CreateSchema), compared by name.",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": SCHEMA_NAME_MAX, "pattern": SCHEMA_NAME_PATTERN,
                 "description": "The schema's name (SchemaName): letters, digits, '.', '_', '-' and '@'."},
        "type": {"enum": list(SCHEMA_TYPES), "description": "The schema's format (Type)."},
        "description": {"type": "string", "maxLength": MAX_DESCRIPTION, "description": "The schema's description."},
        "content": {"type": "object",
                    "description": "The schema itself, as YAML: a JSON Schema draft 4, or an OpenAPI 3 document "
                                   "with components.schemas."},
        "contentFile": {"type": "string", "minLength": 1,
                        "description": "The schema in a JSON or YAML file, relative to this spec file."},
    },
    "required": ["name", "type"],
    "additionalProperties": False,
})

SOURCE = KindSource(
    service="schemas",
    operation="CreateRegistry",
    omit=("RegistryName", "Tags"),
    extensions=(
        ("schemas", MappingProxyType({
            "type": "array",
            "items": SCHEMA_ITEM,
            "description": "The registry's schemas: a content change is a new version of that schema "
                           "(UpdateSchema); a schema removed from the list is deleted.",
        })),
        ("discoverer", MappingProxyType({
            "type": "object",
            "description": "Schema discovery on an event bus (CreateDiscoverer): the schemas of the events it sees "
                           "go to the discovered-schemas registry.",
            "properties": {
                "sourceArn": {
                    "if": {"$ref": f"#/$defs/{REFERENCE_DEF}"},
                    "else": {"type": "string", "minLength": 20, "maxLength": 1600, "pattern": EVENT_BUS_ARN_PATTERN},
                    "description": "The event bus ARN, e.g. ${EventBus.ml.arn}.",
                },
            },
            "required": ["sourceArn"],
            "additionalProperties": False,
        })),
    ),
    description=(
        "An EventBridge schema registry: the CreateRegistry request in lowerCamelCase without registryName and "
        "tags, plus its schemas and an optional discoverer."
    ),
)
