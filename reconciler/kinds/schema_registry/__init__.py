"""The `SchemaRegistry` kind, one small package: `schema` (CreateRegistry plus `schemas` and
`discoverer`), `source` (reading a schema's contentFile), `checks` (names, sizes, content valid for
its type), `expand`, `importer` (`reconciler import SchemaRegistry NAME`).

A document is an EventBridge schema registry named after it (`schema-registry/<name>`) holding the
schemas it lists, and optionally a discoverer on an event bus. A schema's content change is a new
version of it (UpdateSchema); unchanged content is never sent.
"""

import re

from reconciler.kinds.schema_registry.checks import check
from reconciler.kinds.schema_registry.expand import expand
from reconciler.kinds.schema_registry.importer import import_schema_registry, list_schema_registries
from reconciler.kinds.schema_registry.schema import SOURCE
from reconciler.kinds.schema_registry.source import prepare
from reconciler.spec.kind import SpecKind
from reconciler.spec.naming import NameRule

# botocore gives RegistryName no rule; the console takes up to 64 letters, digits, '.', '-' and '_'
# (unconfirmed), which are also the characters a reference may name.
REGISTRY_NAME_MAX = 64
REGISTRY_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")

KIND = SpecKind(
    name="SchemaRegistry",
    naming=NameRule(False, REGISTRY_NAME_MAX, REGISTRY_NAME, "letters, digits, '.', '_' and '-'"),
    description="An EventBridge schema registry with its event schemas, and optionally schema discovery on a bus.",
    source=SOURCE,
    prepare=prepare,
    check=check,
    expand=expand,
    importer=import_schema_registry,
    lister=list_schema_registries,
)

__all__ = ["KIND"]
