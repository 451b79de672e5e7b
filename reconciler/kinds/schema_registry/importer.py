"""`reconciler import SchemaRegistry NAME`: a live schema registry written as a SchemaRegistry document.

The spec is the registry's `description` and its schemas inline (`name`, `type`, `description`, and `content`:
the latest version's JSON parsed, as YAML). A schema's own tags, which a document does not hold, stay as they
are, and a note says so. A `discoverer` is written only when the registry's ownership tags name the one its
document made (as the handler finds it): a discoverer made by hand belongs to its bus, not to the registry, and
is left as it is. The registries EventBridge owns (`aws.events`, `discovered-schemas`) are refused.
"""

from __future__ import annotations

from typing import Any

from reconciler.aws.calls import paginate
from reconciler.handlers.schema_registry import SERVICE, SchemaRegistryHandler, is_owned_by_aws
from reconciler.imported import ImportContext, ImportedDoc, ImportRefused, unowned, user_tags
from reconciler.kinds.events_import import parsed_json
from reconciler.spec.references import literal

HANDLER = SchemaRegistryHandler()
KIND_NAME = "SchemaRegistry"


def import_schema_registry(ctx: ImportContext, name: str) -> list[ImportedDoc]:
    """The SchemaRegistry document of live registry `name` with its schemas; ImportRefused when the registry is
    missing, owned by a stack or by EventBridge (aws.events, discovered-schemas), or holds a schema whose content
    is not a JSON object; `${` in content is written escaped (`$${`)."""
    if is_owned_by_aws(name):
        raise ImportRefused(f"{KIND_NAME} {name!r} is a registry EventBridge owns (aws.events, discovered-schemas); "
                            "it is never imported")
    live = unowned(HANDLER.find(ctx.clients, name), KIND_NAME, name)
    data = live.data or {}
    spec: dict[str, Any] = {}
    notes: list[str] = []
    if data.get("Description"):
        spec["description"] = data["Description"]
    schemas: list[dict[str, Any]] = []
    for schema_name, described in (data.get("Schemas") or {}).items():
        content = parsed_json(KIND_NAME, name, f"schema {schema_name}'s content", described.get("Content"))
        if not isinstance(content, dict):
            raise ImportRefused(f"{KIND_NAME} {name!r}: schema {schema_name}'s content is not a JSON object, which "
                                "a document's content must be")
        item: dict[str, Any] = {"name": schema_name, "type": described.get("Type")}
        if described.get("Description"):
            item["description"] = described["Description"]
        item["content"] = content
        schemas.append(item)
        tags = {k: v for k, v in (described.get("Tags") or {}).items() if not k.lower().startswith("aws:")}
        if tags:
            notes.append(f"schema {schema_name} has tags of its own ({', '.join(sorted(tags))}), which a "
                         "SchemaRegistry document does not manage: they stay as they are")
    if schemas:
        spec["schemas"] = schemas
    spec = literal(spec)
    ours = [str(d.get("SourceArn")) for d in HANDLER.discoverers(live)]
    if len(ours) == 1:
        spec["discoverer"] = {"sourceArn": ctx.arn_references(ours[0])}
    elif ours:
        notes.append(f"{len(ours)} discoverers carry this registry's ownership tags ({', '.join(ours)}); a document "
                     "has one: add the discoverer you keep")
    return [ImportedDoc(KIND_NAME, ctx.doc_name(name), spec, user_tags(live), [live.address], notes,
                        source=live.arn)]


def list_schema_registries(clients: Any) -> list[str]:
    """The registries `import --all` considers: every registry of the account and region but EventBridge's own;
    [] when there are none."""
    registries = paginate(clients.get(SERVICE), "ListRegistries", "Registries")
    return [str(r["RegistryName"]) for r in registries if not is_owned_by_aws(str(r["RegistryName"]))]
